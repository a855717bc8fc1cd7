/* media_fetch.c - images named by URL (a bulk import's media column),
 * fetched and kept like uploads.
 *
 * The URL comes from a user, so the server is asked to fetch something on
 * someone's behalf: every transfer is bounded (http and https only, three
 * redirects at most, cfg.network_timeout, cfg.max_upload bytes, the type read
 * from the bytes) and, unless cfg.fetch_private says otherwise, refused when
 * it would connect to a loopback, private, link-local or otherwise internal
 * address. The check is made on the socket curl is about to connect, so it
 * holds for every redirect and for a name that resolves to such an address.
 * Several transfers run at once on one curl multi handle. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "app.h"
#include "core/arena.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/sb.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"

#define PARALLEL 8
#define MAX_REDIRS 3L

struct xfer {
	struct media_fetch *f;
	CURL *e;
	struct sb body;
	char first[1024];                /* sb's first block */
	bool refused;                    /* the guard refused an address */
	char err[CURL_ERROR_SIZE];
};

/* Addresses a public image cannot be on: this host, private networks,
 * link-local (cloud metadata services live there), shared, multicast and
 * reserved ranges; IPv4-mapped IPv6 is judged as IPv4. */
static bool internal_v4(uint32_t a)
{
	return (a >> 24) == 0 || (a >> 24) == 10 || (a >> 24) == 127 ||
	       (a >> 16) == 0xa9fe ||               /* 169.254/16 */
	       (a >> 20) == 0xac1 ||                /* 172.16/12 */
	       (a >> 16) == 0xc0a8 ||               /* 192.168/16 */
	       (a >> 22) == (100u << 2 | 1) ||      /* 100.64/10 */
	       (a >> 28) >= 0xe;                    /* multicast, reserved */
}

bool media_fetch_internal(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return internal_v4(ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr));
	if (sa->sa_family != AF_INET6)
		return true;
	const unsigned char *b = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
	if (memcmp(b, mapped, 12) == 0)
		return internal_v4((uint32_t)b[12] << 24 | (uint32_t)b[13] << 16 |
				   (uint32_t)b[14] << 8 | b[15]);
	static const unsigned char zero[15] = {0};
	if (memcmp(b, zero, 15) == 0)
		return true;                         /* :: and ::1 */
	return (b[0] & 0xfe) == 0xfc ||              /* fc00::/7 unique local */
	       (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) ||   /* fe80::/10 */
	       b[0] == 0xff;                         /* multicast */
}

static curl_socket_t open_guarded(void *arg, curlsocktype purpose, struct curl_sockaddr *addr)
{
	struct xfer *x = arg;
	if (purpose != CURLSOCKTYPE_IPCXN || media_fetch_internal(&addr->addr)) {
		x->refused = true;
		return CURL_SOCKET_BAD;
	}
	return socket(addr->family, addr->socktype, addr->protocol);
}

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	sb_add(&x->body, p, size * n);
	return sb_err(&x->body) ? 0 : size * n;     /* 0 stops the transfer */
}

/* Ends transfer x (out of m, handle and body freed); once done, a no-op.
 * Removing a handle that m does not hold is harmless. */
static void drop(CURLM *m, struct xfer *x)
{
	if (!x->e)
		return;
	curl_multi_remove_handle(m, x->e);
	curl_easy_cleanup(x->e);
	x->e = NULL;
	sb_free(&x->body);
}

__attribute__((format(printf, 3, 4)))
static void fail(struct arena *a, struct media_fetch *f, const char *fmt, ...)
{
	char msg[300];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	f->error = arena_strdup(a, msg);
	if (!f->error)
		f->error = "the image could not be fetched";
}

static bool start(const struct app *app, struct xfer *x, CURLM *m)
{
	const struct cfg *cfg = app->cfg;
	x->e = curl_easy_init();
	if (!x->e)
		return false;
	sb_init(&x->body, x->first, sizeof x->first, (size_t)cfg->max_upload);
	CURL *e = x->e;
	curl_easy_setopt(e, CURLOPT_URL, x->f->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, MAX_REDIRS);
	curl_easy_setopt(e, CURLOPT_NOPROXY, "*");    /* the guard judges the real peer */
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)cfg->network_timeout);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)cfg->max_upload);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "Tribu (image import)");
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->err);
	if (!cfg->fetch_private) {
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, open_guarded);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, x);
	}
	curl_easy_setopt(e, CURLOPT_PRIVATE, x);
	return curl_multi_add_handle(m, e) == CURLM_OK;
}

/* The outcome of a finished transfer into x->f; the image kept when it is
 * one. */
static void finish(const struct app *app, struct arena *a, int64_t ws, struct xfer *x,
		   CURLcode cc)
{
	struct media_fetch *f = x->f;
	long status = 0;
	curl_easy_getinfo(x->e, CURLINFO_RESPONSE_CODE, &status);
	if (x->refused)
		fail(a, f, "the image's address is internal to this network: refused");
	else if (cc == CURLE_FILESIZE_EXCEEDED || (cc == CURLE_WRITE_ERROR && sb_err(&x->body)))
		fail(a, f, "the image is larger than %lld bytes", (long long)app->cfg->max_upload);
	else if (cc != CURLE_OK)
		fail(a, f, "the image could not be fetched: %s",
		     x->err[0] ? x->err : curl_easy_strerror(cc));
	else if (status != 200)
		fail(a, f, "the image's server answered %ld", status);
	if (f->error)
		return;
	const unsigned char *p = (const unsigned char *)sb_str(&x->body);
	size_t n = sb_len(&x->body);
	const char *mime = media_sniff(p, n);
	if (!mime) {
		f->error = "not a JPEG, PNG, GIF or WebP image";
		return;
	}
	struct media m;
	struct store *s = app->store;
	int rc = store_begin(s);
	if (!rc)
		rc = store_end(s, publish_media_keep(s, a, ws, mime, p, n, &m));
	if (rc && rc != ERR_EXISTS)
		fail(a, f, "the image could not be stored: %s", err_str(rc));
	else
		f->media_id = m.id;
}

static CURLcode global_rc;
static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

int publish_media_fetch(const struct app *app, struct arena *a, int64_t ws,
			struct media_fetch *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		v[i].media_id = 0;
		v[i].error = NULL;
	}
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, global_init);
	if (global_rc != CURLE_OK)
		return ERR_IO;
	CURLM *m = curl_multi_init();
	struct xfer *xs = arena_alloc(a, (n ? n : 1) * sizeof *xs);
	if (!m || !xs) {
		curl_multi_cleanup(m);
		return m ? ERR_TOOBIG : ERR_IO;
	}
	size_t next = 0, running = 0;
	int rc = ERR_OK;
	while (!rc && (next < n || running)) {
		while (next < n && running < PARALLEL) {
			struct xfer *x = &xs[next];
			*x = (struct xfer){.f = &v[next++]};
			if (!start(app, x, m)) {
				drop(m, x);
				rc = ERR_IO;
				break;
			}
			running++;
		}
		int still;
		if (curl_multi_perform(m, &still) != CURLM_OK ||
		    curl_multi_poll(m, NULL, 0, 1000, NULL) != CURLM_OK)
			rc = ERR_IO;
		CURLMsg *msg;
		int left;
		while ((msg = curl_multi_info_read(m, &left))) {
			if (msg->msg != CURLMSG_DONE)
				continue;
			struct xfer *x;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish(app, a, ws, x, msg->data.result);
			drop(m, x);
			running--;
		}
	}
	for (size_t i = 0; i < next; i++)    /* after an error: what still runs */
		drop(m, &xs[i]);
	curl_multi_cleanup(m);
	return rc;
}
