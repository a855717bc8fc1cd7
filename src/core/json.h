/* json.h - strict checking of JSON request objects (on jansson).
 *
 * A handler describes the fields it takes; json_check refuses unknown
 * fields, missing required ones, wrong types and strings that are too long
 * (counted in characters) or hold control characters, and says which field
 * and why, so the API can answer {"error":{"code","message","field"}}. */
#ifndef TRIBU_JSON_H
#define TRIBU_JSON_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum json_kind { JSON_K_STR, JSON_K_INT, JSON_K_BOOL, JSON_K_OBJ, JSON_K_ARR, JSON_K_ANY };

struct json_field {
	const char *name;
	enum json_kind kind;
	bool required;
	size_t max;            /* strings: characters; arrays: items; 0: no limit */
	bool multiline;        /* strings: allow \n and \t */
};

struct json_problem {
	const char *code;      /* "unknown_field", "missing_field", "wrong_type", "too_long", "invalid_text" */
	const char *field;
	char message[160];
};

/* ERR_OK, or ERR_INVAL with `p` filled. */
int json_check(const json_t *obj, const struct json_field *fields, size_t n,
	       struct json_problem *p);

/* `v` as compact JSON text with sorted keys (the canonical form Tribu
 * stores), copied into `a`; NULL only past the arena's cap. */
struct arena;
const char *json_text(const json_t *v, struct arena *a);

/* The string field `name` (after json_check), or NULL when absent. */
const char *json_str(const json_t *obj, const char *name);

#endif
