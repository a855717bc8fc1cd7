/* http.h - the HTTP side of Tribu: routes, requests, responses, the server.
 *
 * Handlers never see libmicrohttpd. The router enforces what the route table
 * states (authentication, workspace role, CSRF, JSON body, size limit) before
 * a handler runs, so a handler cannot forget a check. A handler answers with
 * exactly one of http_reply / http_error / http_error_rc / http_no_content;
 * everything it allocates comes from the request's arena (r->a). */
#ifndef TRIBU_HTTP_H
#define TRIBU_HTTP_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/jw.h"
#include "core/sb.h"

struct app;
struct req;

typedef void http_handler_fn(struct req *r);

/* Route flags. A route under /api/v1/workspaces/:ws/ names the roles allowed
 * (ROLE_* bits of auth.h, in the low byte); any other route is either
 * HTTP_PUBLIC or HTTP_ACCOUNT. http_routes_check() refuses a table that
 * breaks this, so a new route cannot ship without a rule. */
enum {
	HTTP_PUBLIC = 1 << 8,      /* no authentication */
	HTTP_ACCOUNT = 1 << 9,     /* any signed-in account, no workspace */
	HTTP_JSON = 1 << 10,       /* body must be a JSON object */
	HTTP_LOCAL = 1 << 11,      /* loopback, or Bearer cfg.metrics_token */
	HTTP_UPLOAD = 1 << 12,     /* raw body up to cfg.max_upload (r->raw) */
};

struct route {
	const char *method, *pattern;    /* "/api/v1/workspaces/:ws/members/:account" */
	http_handler_fn *fn;
	unsigned flags;
	const char *doc;                 /* one line, for `tribu routes` */
};

extern const struct route http_routes[];
extern const size_t http_routes_count;

#define HTTP_MAX_PARAMS 4

struct req {
	struct arena *a;
	const struct app *app;
	const struct route *route;
	const char *method, *path;
	char ip[48];
	void *conn;                      /* private to server.c */

	const char *param_name[HTTP_MAX_PARAMS], *param[HTTP_MAX_PARAMS];
	int nparams;

	int64_t account;                 /* signed-in account, 0 if none */
	bool via_cookie;                 /* signed in by session cookie */
	const char *session_token;       /* the cookie's token, when via_cookie */
	int64_t ws;                      /* workspace of a /workspaces/:ws route */
	int role;                        /* the account's ROLE_* bit there */
	json_t *body;                    /* with HTTP_JSON: the object (borrowed) */
	const unsigned char *raw;        /* with HTTP_UPLOAD: the body as sent */
	size_t raw_len;

	/* The response, filled by the reply functions. */
	int status;
	struct sb *out;                  /* its body, kept until the request ends */
	struct jw jw;
	const char *out_text;            /* or a body that outlives the request */
	const char *out_type;
	const char *hdr_name[4], *hdr_value[4];
	int nhdr;
};

/* Path parameter by name (without ':'); NULL when the route has none. */
const char *http_param(const struct req *r, const char *name);
/* A path parameter that must be a positive id; false when it is not. */
bool http_param_id(const struct req *r, const char *name, int64_t *id);
/* Query-string value, or NULL. */
const char *http_query(const struct req *r, const char *key);
/* Request header, or NULL. */
const char *http_header_in(const struct req *r, const char *name);

/* Checks r->body against `fields` (core/json.h); on a problem answers 400
 * with its code and field and returns false. */
struct json_field;
bool http_body_check(struct req *r, const struct json_field *fields, size_t n);

/* A writer for a JSON response body, empty and ready for one value. */
struct jw *http_json(struct req *r);
/* Sends what was written with `status` (500 if the body overflowed). */
void http_send(struct req *r, int status);
void http_no_content(struct req *r);
/* {"error":{"code","message","field"}}; `field` may be NULL (null in JSON). */
void http_error(struct req *r, int status, const char *code, const char *message,
		const char *field);
/* The "error" member alone, into the object `w` has open: for an error
 * answer that carries more (findings, problems). */
void http_error_member(struct jw *w, const char *code, const char *message, const char *field);
/* Maps an enum err from a lower layer to its status and code. */
void http_error_rc(struct req *r, int rc);
/* Adds a response header; the strings must live as long as the request. */
void http_header(struct req *r, const char *name, const char *value);

/* --- the server --------------------------------------------------------- */
struct http_server;
/* Checks the route table, binds cfg.listen and starts the worker threads.
 * ERR_INVAL (bad table or address, with msg), ERR_IO (cannot bind). */
int http_start(struct http_server **out, const struct app *app, char *msg, size_t msgsz);
/* ERR_INVAL (with msg) when `listen` is not ADDR:PORT. */
int http_listen_check(const char *listen, char *msg, size_t msgsz);
/* Stops accepting, waits up to `grace_ms` for requests in flight, stops. */
void http_stop(struct http_server *h, int grace_ms);
/* The port actually bound (cfg.listen may say :0). */
int http_port(const struct http_server *h);

/* Refuses a route table that breaks the rules above (msg says which). */
int http_routes_check(const struct route *routes, size_t n, char *msg, size_t msgsz);

/* --- operations (metrics.c) --------------------------------------------- */
/* GET /healthz: {"status":"ok"} once the server answers. */
void http_health_handler(struct req *r);
void http_metrics_record(int route_index, int status, int64_t duration_ns);
/* Prometheus text exposition of everything recorded, into r's arena. */
void http_metrics_handler(struct req *r);

#endif
