/* server.c - libmicrohttpd glue: one request context per request, bodies
 * buffered under a cap, responses turned into MHD responses, clean shutdown.
 *
 * Threads: MHD's internal thread pool (cfg.threads threads, epoll), each
 * thread serving its own connections; handlers run on those threads and use
 * the store's per-thread connection.
 *
 * The access handler is called at least twice per request: first with the
 * headers only (we match the route and check sizes, and answer nothing:
 * answering then makes MHD close the connection after every response, which
 * costs about 4x in throughput), then with body chunks, then once with no
 * data: that is when we dispatch and queue the response. The only early
 * answers are for requests we want closed anyway (413, 431). */
#define LOG_MODULE "http"
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/sb.h"
#include "core/str.h"
#include "http/http_int.h"

#define ARENA_CAP (8 << 20)     /* per request */

struct http_server {
	struct MHD_Daemon *d;
	const struct app *app;
	atomic_int inflight;
	int port;
};

struct ctx {
	struct req r;
	struct arena a;
	struct sb body, out;
	int route_index;
	int64_t t0;
	bool too_big;
	char body_buf[512];
	char out_buf[2048];
	char arena_buf[4096];
};

#define OUT_CAP (16 << 20)       /* largest response body */

/* --- inputs ------------------------------------------------------------- */
const char *http_header_in(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *http_cookie_in(const struct req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
}

const char *http_query(const struct req *r, const char *key)
{
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *http_param(const struct req *r, const char *name)
{
	for (int i = 0; i < r->nparams; i++)
		if (strcmp(r->param_name[i], name) == 0)
			return r->param[i];
	return NULL;
}

bool http_param_id(const struct req *r, const char *name, int64_t *id)
{
	const char *v = http_param(r, name);
	return v && str_parse_i64(v, strlen(v), 1, INT64_MAX, id) == ERR_OK;
}

/* --- outputs ------------------------------------------------------------ */
struct jw *http_json(struct req *r)
{
	sb_reset(r->out);
	jw_init(&r->jw, r->out);
	return &r->jw;
}

void http_send(struct req *r, int status)
{
	if (sb_err(r->out)) {
		log_error("%s %s: response over %d bytes", r->method, r->path, OUT_CAP);
		http_error(r, 500, "internal_error", "the response is too large", NULL);
		return;
	}
	r->status = status;
}

void http_no_content(struct req *r)
{
	sb_reset(r->out);
	r->status = 204;
}

void http_error(struct req *r, int status, const char *code, const char *message,
		const char *field)
{
	struct jw *w = http_json(r);
	jw_obj(w);
	http_error_member(w, code, message, field);
	jw_obj_end(w);
	r->status = status;
}

void http_error_member(struct jw *w, const char *code, const char *message, const char *field)
{
	jw_key(w, "error");
	jw_obj(w);
	jw_kstr(w, "code", code);
	jw_kstr(w, "message", message);
	jw_kstr(w, "field", field);
	jw_obj_end(w);
}

void http_error_rc(struct req *r, int rc)
{
	switch (rc) {
	case ERR_NOTFOUND:
		http_error(r, 404, "not_found", "no such object", NULL);
		break;
	case ERR_EXISTS:
		http_error(r, 409, "exists", "it exists already", NULL);
		break;
	case ERR_CONFLICT:
		http_error(r, 409, "conflict", "the change conflicts with the current state", NULL);
		break;
	case ERR_TOOBIG:
		http_error(r, 413, "too_big", "the request or its result is too large", NULL);
		break;
	case ERR_INVAL:
		http_error(r, 400, "invalid", "invalid request", NULL);
		break;
	case ERR_BUSY:
		http_header(r, "Retry-After", "1");
		http_error(r, 503, "busy", "the database is busy: try again", NULL);
		break;
	default:
		log_error("%s %s: %s", r->method, r->path, err_str(rc));
		http_error(r, 500, "internal_error", "the server could not answer", NULL);
	}
}

void http_header(struct req *r, const char *name, const char *value)
{
	if (r->nhdr < 4) {
		r->hdr_name[r->nhdr] = name;
		r->hdr_value[r->nhdr++] = value;
	}
}

static enum MHD_Result queue(struct MHD_Connection *c, struct req *r)
{
	/* Both bodies live until on_completed, after the response is sent. */
	const char *body = r->out_text ? r->out_text : sb_str(r->out);
	size_t len = r->out_text ? strlen(r->out_text) : sb_len(r->out);
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!resp)
		return MHD_NO;
	if (len)
		MHD_add_response_header(resp, "Content-Type",
					r->out_type ? r->out_type : "application/json");
	MHD_add_response_header(resp, "Cache-Control", "no-store");
	MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
	for (int i = 0; i < r->nhdr; i++)
		MHD_add_response_header(resp, r->hdr_name[i], r->hdr_value[i]);
	enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* --- the request's life ------------------------------------------------- */
static enum MHD_Result sum_header(void *cls, enum MHD_ValueKind kind, const char *key,
				  const char *value)
{
	(void)kind;
	*(size_t *)cls += strlen(key) + (value ? strlen(value) : 0) + 4;
	return MHD_YES;
}

static void client_ip(struct MHD_Connection *c, char *out, size_t n)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	out[0] = '\0';
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
			  (socklen_t)n);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
			  (socklen_t)n);
}

/* First call: set up the context; returns an early status (413/431) or 0. */
static int begin(struct http_server *h, struct ctx *x, struct MHD_Connection *c,
		 const char *url, const char *method)
{
	const struct cfg *cfg = h->app->cfg;
	struct req *r = &x->r;
	arena_init(&x->a, x->arena_buf, sizeof x->arena_buf, ARENA_CAP);
	sb_init(&x->out, x->out_buf, sizeof x->out_buf, OUT_CAP);
	r->out = &x->out;
	r->a = &x->a;
	r->app = h->app;
	r->conn = c;
	r->method = method;
	r->path = url;
	client_ip(c, r->ip, sizeof r->ip);
	x->t0 = clock_mono_ns();

	const char *allow;
	x->route_index = http_route_find(method, url, r, &allow);
	if (x->route_index >= 0)
		r->route = &http_routes[x->route_index];
	int64_t max_body = r->route && (r->route->flags & HTTP_UPLOAD) ? cfg->max_upload
								       : cfg->max_body;
	sb_init(&x->body, x->body_buf, sizeof x->body_buf, (size_t)max_body + 1);

	size_t hdr = 0;
	MHD_get_connection_values(c, MHD_HEADER_KIND, sum_header, &hdr);
	if (hdr > (size_t)cfg->max_header) {
		http_error(r, 431, "headers_too_large", "the request headers are too large", NULL);
		return 431;
	}
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
	int64_t n;
	if (cl && str_parse_i64(cl, strlen(cl), 0, INT64_MAX, &n) == ERR_OK && n > max_body) {
		http_error(r, 413, "body_too_large", "the request body is too large", NULL);
		return 413;
	}
	if (!r->route) {
		if (allow) {
			http_header(r, "Allow", allow);
			http_error(r, 405, "method_not_allowed", "this path does not take that method", NULL);
		} else {
			http_error(r, 404, "not_found", "no such endpoint", NULL);
		}
	}
	return 0;
}

static enum MHD_Result on_access(void *cls, struct MHD_Connection *c, const char *url,
				 const char *method, const char *version,
				 const char *upload, size_t *upload_size, void **con_cls)
{
	(void)version;
	struct http_server *h = cls;
	struct ctx *x = *con_cls;
	if (!x) {
		/* Only the request part is zeroed: the buffers need not be. */
		_Static_assert(offsetof(struct ctx, body_buf) < 1024, "small header");
		x = xmalloc(sizeof *x);
		memset(x, 0, offsetof(struct ctx, body_buf));
		*con_cls = x;
		atomic_fetch_add(&h->inflight, 1);
		if (begin(h, x, c, url, method))
			return queue(c, &x->r);     /* closes the connection: wanted */
		return MHD_YES;
	}
	if (*upload_size) {
		if (!x->too_big && !x->r.status) {
			sb_add(&x->body, upload, *upload_size);
			x->too_big = sb_err(&x->body);
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct req *r = &x->r;
	if (x->too_big)
		http_error(r, 413, "body_too_large", "the request body is too large", NULL);
	else if (!r->status)
		http_dispatch(r, sb_str(&x->body), sb_len(&x->body));
	return queue(c, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	(void)c;
	(void)toe;
	struct http_server *h = cls;
	struct ctx *x = *con_cls;
	if (!x)
		return;
	http_metrics_record(x->route_index, x->r.status, clock_mono_ns() - x->t0);
	if (x->r.body)
		json_decref(x->r.body);
	sb_free(&x->body);
	sb_free(&x->out);
	arena_free(&x->a);
	free(x);
	*con_cls = NULL;
	atomic_fetch_sub(&h->inflight, 1);
}

/* Percent-decoding of the path and the query, in place: as MHD's own, but
 * "%00" stays as it is, since a NUL would cut the C string short and make
 * "/api/v1/me%00x" look like "/api/v1/me". */
static size_t unescape(void *cls, struct MHD_Connection *c, char *s)
{
	(void)cls;
	(void)c;
	static const signed char hexval[256] = {
		['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7,
		['7'] = 8, ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14,
		['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15,
		['F'] = 16,
	};
	char *w = s;
	for (const char *r = s; *r; r++) {
		int hi, lo;
		if (*r == '%' && (hi = hexval[(unsigned char)r[1]]) && (lo = hexval[(unsigned char)r[2]]) &&
		    (hi != 1 || lo != 1)) {
			*w++ = (char)((hi - 1) << 4 | (lo - 1));
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return (size_t)(w - s);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	char line[512];
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("microhttpd: %s", line);
}

/* "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4), "0.0.0.0:0". */
static int parse_listen(const char *s, struct sockaddr_storage *ss, bool *v6)
{
	const char *colon = strrchr(s, ':');
	int64_t port;
	if (!colon || str_parse_i64(colon + 1, strlen(colon + 1), 0, 65535, &port) != ERR_OK)
		return ERR_INVAL;
	char host[64];
	size_t hl = (size_t)(colon - s);
	if (hl >= sizeof host)
		return ERR_INVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	memset(ss, 0, sizeof *ss);
	if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
		host[hl - 1] = '\0';
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		*v6 = true;
		return inet_pton(AF_INET6, host + 1, &a6->sin6_addr) == 1 ? ERR_OK : ERR_INVAL;
	}
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	*v6 = false;
	if (!host[0])
		return ERR_OK;
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? ERR_OK : ERR_INVAL;
}

int http_listen_check(const char *listen, char *msg, size_t msgsz)
{
	struct sockaddr_storage ss;
	bool v6;
	if (parse_listen(listen, &ss, &v6) == ERR_OK)
		return ERR_OK;
	snprintf(msg, msgsz, "listen: expected ADDR:PORT, got \"%s\"", listen);
	return ERR_INVAL;
}

int http_start(struct http_server **out, const struct app *app, char *msg, size_t msgsz)
{
	const struct cfg *cfg = app->cfg;
	int rc = http_routes_check(http_routes, http_routes_count, msg, msgsz);
	if (rc)
		return rc;
	struct sockaddr_storage ss;
	bool v6;
	if ((rc = http_listen_check(cfg->listen, msg, msgsz)))
		return rc;
	parse_listen(cfg->listen, &ss, &v6);
	struct http_server *h = xcalloc(1, sizeof *h);
	h->app = app;
	unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
	if (v6)
		flags |= MHD_USE_IPv6;
	/* MHD keeps the headers, a record per header, per cookie and per query
	 * argument, and the read buffer in one pool per connection: with less
	 * than three times our limit it runs out first and answers in HTML, or
	 * not at all (measured by tests/e2e/test_bad_input.py). */
	size_t pool = (size_t)cfg->max_header * 3 + 8192;
	if (pool < 32768)
		pool = 32768;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, on_access, h,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->threads,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->max_connections,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->http_timeout,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
				MHD_OPTION_UNESCAPE_CALLBACK, unescape, NULL,
				MHD_OPTION_END);
	if (!h->d) {
		snprintf(msg, msgsz, "cannot listen on %s (in use, or not an address of this machine)",
			 cfg->listen);
		free(h);
		return ERR_IO;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	h->port = di ? di->port : 0;
	*out = h;
	return ERR_OK;
}

int http_port(const struct http_server *h) { return h->port; }

void http_stop(struct http_server *h, int grace_ms)
{
	if (!h)
		return;
	/* Close the listening socket at once: new clients are refused instead of
	 * waiting in the backlog for a server that is going away. */
	MHD_socket fd = MHD_quiesce_daemon(h->d);
	if (fd != MHD_INVALID_SOCKET)
		close(fd);
	int64_t deadline = clock_mono_ns() + (int64_t)grace_ms * 1000000;
	while (atomic_load(&h->inflight) > 0 && clock_mono_ns() < deadline)
		usleep(10000);
	if (atomic_load(&h->inflight) > 0)
		log_warn("stopping with %d requests in flight", atomic_load(&h->inflight));
	MHD_stop_daemon(h->d);
	free(h);
}
