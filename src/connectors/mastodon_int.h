/* mastodon_int.h - private to the Mastodon connector (mastodon.c and
 * mastodon_inbox.c): a call's state and the API helpers they share. */
#ifndef TRIBU_MASTODON_INT_H
#define TRIBU_MASTODON_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "connectors/connector.h"

struct session {
	const char *token, *id, *acct, *url;
};

struct call {
	struct connector_ctx *c;
	struct session s;
};

/* One API request. */
struct masto_req {
	const char *method;
	const char *path;               /* "/api/v1/statuses", escaped */
	const char *label;              /* the path in messages when it holds an id
	                                   ("/api/v1/media/:id"); NULL = path */
	const char *query;              /* escaped "a=b&c=d", or NULL */
	const char *bearer;             /* NULL = the session's token */
	const char *idem;               /* an "Idempotency-Key: ..." line, or NULL */
	const char *ctype;
	const void *body;
	size_t len;
};

#define FAIL(k, rc, fate, ...) connector_fail(&(k)->c->res, (rc), (fate), __VA_ARGS__)

/* A string member of `o` copied into the call's arena, or NULL. */
const char *masto_jstr(struct call *k, json_t *o, const char *key);
/* Member `key` of `o` is the string `want` (absent counts as "" or NULL). */
bool masto_jstr_eq(json_t *o, const char *key, const char *want);
/* One API request; on ERR_OK `*out` is its JSON answer. */
int masto_api(struct call *k, const struct masto_req *q, json_t **out);
/* The channel's session from ctx->session into k->s. */
int masto_load_session(struct call *k);
/* Inbox: mentions newer than `cursor` (mastodon_inbox.c). */
int masto_fetch(struct connector_ctx *c, const char *cursor, struct connector_page *out);

#endif
