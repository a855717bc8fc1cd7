/* stub_http.h - a scripted HTTP server on 127.0.0.1 for the connectors'
 * tests (libmicrohttpd, one thread per connection, ephemeral port).
 *
 * The test queues replies; requests take them in order and the last one
 * repeats. The server records, for each request, the method and path, its
 * query arguments (decoded, "a=1&b=2"), whether an Authorization header came
 * and its value, the Idempotency-Key and Content-Type headers, and the first
 * STUB_BODY - 1 bytes of the body, so a test can assert what a client sent
 * (or that it sent nothing). Header-only: included by the test files that
 * need it. */
#ifndef TRIBU_TESTS_STUB_HTTP_H
#define TRIBU_TESTS_STUB_HTTP_H
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STUB_MAX 16
#define STUB_BODY 4096

struct stub_reply {
	int status;
	const char *body;
	const char *header, *value;     /* one extra header, or NULL */
	int delay_ms;
};

struct stub {
	struct MHD_Daemon *d;
	int port;
	pthread_mutex_t mu;
	struct stub_reply replies[STUB_MAX];
	int n_replies, hits;
	char paths[STUB_MAX][160];      /* "POST /xrpc/..." of the first requests */
	int auth[STUB_MAX];             /* 1 when that request had Authorization */
	char body[STUB_MAX][STUB_BODY]; /* its body, cut at STUB_BODY - 1 bytes */
	size_t body_len[STUB_MAX];      /* bytes kept in body[] (binary safe) */
	char query[STUB_MAX][256];      /* "a=1&b=2", decoded; "" without one */
	char authz[STUB_MAX][160];      /* the Authorization value, "" if none */
	char idem[STUB_MAX][160];       /* the Idempotency-Key value, "" if none */
	char ctype[STUB_MAX][160];      /* the Content-Type value, "" if none */
};

struct stub_conn {
	char body[STUB_BODY];
	size_t len;
};

static inline enum MHD_Result stub_arg(void *cls, enum MHD_ValueKind kind, const char *key,
				       const char *value)
{
	char *q = cls;
	size_t n = strlen(q);
	(void)kind;
	snprintf(q + n, 256 - n, "%s%s=%s", n ? "&" : "", key, value ? value : "");
	return MHD_YES;
}

static inline void stub_header(struct MHD_Connection *conn, const char *name, char *out,
			       size_t size)
{
	const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
	snprintf(out, size, "%s", v ? v : "");
}

static inline enum MHD_Result stub_handle(void *cls, struct MHD_Connection *conn,
					  const char *url, const char *method,
					  const char *version, const char *upload,
					  size_t *upload_size, void **ctx)
{
	struct stub *s = cls;
	struct stub_conn *c = *ctx;
	(void)version;
	if (!c) {
		*ctx = c = calloc(1, sizeof *c);
		return c ? MHD_YES : MHD_NO;
	}
	if (*upload_size) {
		size_t n = *upload_size;
		if (n > sizeof c->body - 1 - c->len)
			n = sizeof c->body - 1 - c->len;
		memcpy(c->body + c->len, upload, n);
		c->len += n;
		*upload_size = 0;
		return MHD_YES;
	}
	pthread_mutex_lock(&s->mu);
	int i = s->hits++;
	struct stub_reply r = s->replies[i < s->n_replies ? i : s->n_replies - 1];
	if (i < STUB_MAX) {
		snprintf(s->paths[i], sizeof s->paths[i], "%s %s", method, url);
		s->auth[i] = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
							 "Authorization") != NULL;
		memcpy(s->body[i], c->body, c->len + 1);
		s->body_len[i] = c->len;
		s->query[i][0] = '\0';
		MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, stub_arg, s->query[i]);
		stub_header(conn, "Authorization", s->authz[i], sizeof s->authz[i]);
		stub_header(conn, "Idempotency-Key", s->idem[i], sizeof s->idem[i]);
		stub_header(conn, "Content-Type", s->ctype[i], sizeof s->ctype[i]);
	}
	pthread_mutex_unlock(&s->mu);
	if (r.delay_ms) {
		struct timespec ts = {r.delay_ms / 1000, (long)(r.delay_ms % 1000) * 1000000};
		nanosleep(&ts, NULL);
	}
	const char *b = r.body ? r.body : "";
	struct MHD_Response *resp = MHD_create_response_from_buffer(strlen(b), (void *)b,
								    MHD_RESPMEM_MUST_COPY);
	MHD_add_response_header(resp, "Content-Type", "application/json");
	if (r.header)
		MHD_add_response_header(resp, r.header, r.value);
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)r.status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static inline void stub_done(void *cls, struct MHD_Connection *conn, void **ctx,
			     enum MHD_RequestTerminationCode code)
{
	(void)cls, (void)conn, (void)code;
	free(*ctx);
	*ctx = NULL;
}

/* Starts the server with `n` replies (1 <= n <= STUB_MAX); 0 on success. */
static inline int stub_start(struct stub *s, const struct stub_reply *r, int n)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	memset(s, 0, sizeof *s);
	pthread_mutex_init(&s->mu, NULL);
	memcpy(s->replies, r, (size_t)n * sizeof *r);
	s->n_replies = n;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
				0, NULL, NULL, stub_handle, s, MHD_OPTION_SOCK_ADDR, &sa,
				MHD_OPTION_NOTIFY_COMPLETED, stub_done, s, MHD_OPTION_END);
	if (!s->d)
		return -1;
	s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	return 0;
}

static inline void stub_stop(struct stub *s)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	pthread_mutex_destroy(&s->mu);
}

static inline int stub_hits(struct stub *s)
{
	pthread_mutex_lock(&s->mu);
	int n = s->hits;
	pthread_mutex_unlock(&s->mu);
	return n;
}

#endif
