/* httpc.h - the small HTTP client the connectors share (libcurl underneath).
 *
 * Private to src/connectors: one blocking request per call, on its own curl
 * easy handle, so any thread may call it at any time. Every request is
 * bounded: connect and total timeouts, a cap on the response body, http and
 * https only, no redirects (a connector that wants one follows it on purpose).
 * Nothing here logs headers or bodies: bearer tokens and posts never reach a
 * log line. */
#ifndef TRIBU_HTTPC_H
#define TRIBU_HTTPC_H
#include <stddef.h>
#include <stdint.h>

struct arena;
struct sb;

#define HTTPC_MAX_RESPONSE (4u << 20)      /* default body cap: 4 MiB */
#define HTTPC_CONNECT_TIMEOUT_MS 10000
#define HTTPC_TIMEOUT_MS 30000

struct httpc_req {
	const char *method;         /* "GET", "POST" or "DELETE" */
	const char *url;
	const char *bearer;         /* token for "Authorization: Bearer", or NULL */
	const char *content_type;   /* of `body`; NULL when there is none */
	/* More request header lines ("Idempotency-Key: abc"), NULL-terminated,
	 * or NULL; a line with CR or LF is refused (ERR_INVAL): no injection. */
	const char *const *headers;
	const void *body;
	size_t body_len;
	int connect_timeout_ms;     /* 0 = HTTPC_CONNECT_TIMEOUT_MS */
	int timeout_ms;             /* whole exchange; 0 = HTTPC_TIMEOUT_MS */
	size_t max_response;        /* body cap; 0 = HTTPC_MAX_RESPONSE */
};

struct httpc_resp {
	int status;                 /* the HTTP status, whatever it is */
	char *body;                 /* in the arena, NUL-terminated (binary safe) */
	size_t len;
	int64_t retry_after_ms;     /* Retry-After or RateLimit-Reset, as a delay; 0 = none */
	/* X-RateLimit-Reset (Mastodon: an RFC 3339 date, sent with every answer),
	 * as a delay; 0 = none. Apart from retry_after_ms: it is only a wait
	 * when the answer is a 429. */
	int64_t ratelimit_reset_ms;
};

/* Performs one request. Any HTTP status is ERR_OK: the caller judges it.
 * ERR_IO when no complete answer came (DNS, connect, reset, timeout: the
 * message says which; the server may still have acted on the request),
 * ERR_TOOBIG when the body passed the cap, ERR_INVAL for a bad method or URL.
 * `msg` (msg_size > 0) receives a readable reason on error. */
int httpc_do(struct arena *a, const struct httpc_req *rq, struct httpc_resp *out, char *msg,
	     size_t msg_size);


#endif
