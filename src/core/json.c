/* json.c - see json.h. */
#include "core/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/str.h"

static const char *kind_name(enum json_kind k)
{
	static const char *const names[] = {"a string", "an integer", "true or false",
					    "an object", "an array", "a value"};
	return names[k];
}

static bool kind_ok(const json_t *v, enum json_kind k)
{
	switch (k) {
	case JSON_K_STR: return json_is_string(v);
	case JSON_K_INT: return json_is_integer(v);
	case JSON_K_BOOL: return json_is_boolean(v);
	case JSON_K_OBJ: return json_is_object(v);
	case JSON_K_ARR: return json_is_array(v);
	case JSON_K_ANY: return true;
	}
	return false;
}

#define PROBLEM(p, c, f, ...) \
	((p)->code = (c), (p)->field = (f), \
	 snprintf((p)->message, sizeof (p)->message, __VA_ARGS__), ERR_INVAL)

/* Control characters make no sense in names and labels and break logs and
 * CSV exports; multi-line fields may hold newlines and tabs. */
static bool text_ok(const char *s, size_t len, bool multiline)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\t' || c == '\r')))
			return false;
		if (c == 0x7f)
			return false;
	}
	return true;
}

int json_check(const json_t *obj, const struct json_field *fields, size_t n,
	       struct json_problem *p)
{
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)obj, key, v) {
		size_t i = 0;
		while (i < n && strcmp(fields[i].name, key))
			i++;
		if (i == n)
			return PROBLEM(p, "unknown_field", key, "unknown field \"%.40s\"", key);
	}
	for (size_t i = 0; i < n; i++) {
		const struct json_field *f = &fields[i];
		v = json_object_get(obj, f->name);
		if (!v || json_is_null(v)) {
			if (f->required)
				return PROBLEM(p, "missing_field", f->name, "%s is required", f->name);
			continue;
		}
		if (!kind_ok(v, f->kind))
			return PROBLEM(p, "wrong_type", f->name, "%s must be %s", f->name,
				       kind_name(f->kind));
		if (f->kind == JSON_K_STR) {
			const char *s = json_string_value(v);
			size_t len = json_string_length(v);
			if (!text_ok(s, len, f->multiline))
				return PROBLEM(p, "invalid_text", f->name, "%s holds control characters",
					       f->name);
			if (f->max && utf8_count(s, len) > f->max)
				return PROBLEM(p, "too_long", f->name, "%s is longer than %zu characters",
					       f->name, f->max);
		} else if (f->kind == JSON_K_ARR && f->max && json_array_size(v) > f->max) {
			return PROBLEM(p, "too_long", f->name, "%s has more than %zu items", f->name,
				       f->max);
		}
	}
	return ERR_OK;
}

const char *json_str(const json_t *obj, const char *name)
{
	return json_string_value(json_object_get(obj, name));
}

const char *json_text(const json_t *v, struct arena *a)
{
	char *text = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	if (!text)
		abort();    /* jansson fails only on allocation */
	const char *out = arena_strdup(a, text);
	free(text);
	return out;
}
