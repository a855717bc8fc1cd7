/* httpc.c - one bounded HTTP request on a libcurl easy handle (see httpc.h).
 *
 * The body is gathered in a capped string builder (the write callback refuses
 * data past the cap, which makes curl stop with CURLE_WRITE_ERROR) and copied
 * into the caller's arena at the end. Headers are read only for the retry
 * delay; the header callback restarts at each status line so that an interim
 * "100 Continue" does not leak into the final answer. */
#include "connectors/httpc.h"

#include <curl/curl.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/str.h"
#include "core/tz.h"

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void) { global_rc = curl_global_init(CURL_GLOBAL_DEFAULT); }

struct xfer {
	struct sb body;
	int64_t retry_after_ms, ratelimit_reset_ms;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	sb_add(&x->body, p, size * n);
	return sb_err(&x->body) ? 0 : size * n;   /* 0 makes curl stop */
}

/* "Retry-After: <seconds | HTTP-date>" (RFC 9110) or, as several networks
 * send with a 429, "RateLimit-Reset: <epoch seconds>". */
static int64_t parse_delay(const char *v, size_t n, bool epoch)
{
	char buf[64];
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, v, n);
	buf[n] = '\0';
	int64_t s, now = clock_now_ms();
	if (str_parse_i64(buf, n, 0, INT64_MAX / 2000, &s) == ERR_OK) {
		if (!epoch)
			return s * 1000;
		return s * 1000 > now ? s * 1000 - now : 0;
	}
	time_t t = curl_getdate(buf, NULL);
	return t > 0 && (int64_t)t * 1000 > now ? (int64_t)t * 1000 - now : 0;
}

/* "X-RateLimit-Reset: 2017-04-28T14:00:00.000Z" (Mastodon). */
static int64_t parse_reset_date(const char *v, size_t n)
{
	int64_t t, now = clock_now_ms();
	if (tz_parse_rfc3339(v, n, &t, NULL) != ERR_OK)
		return 0;
	return t > now ? t - now : 0;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
	struct xfer *x = arg;
	size_t len = size * n;
	if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
		x->retry_after_ms = x->ratelimit_reset_ms = 0;
		return len;
	}
	const char *colon = memchr(p, ':', len);
	if (!colon)
		return len;
	size_t nlen = (size_t)(colon - p);
	const char *v = colon + 1, *end = p + len;
	while (v < end && (*v == ' ' || *v == '\t'))
		v++;
	while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
		end--;
	char name[32];
	if (nlen >= sizeof name)
		return len;
	memcpy(name, p, nlen);
	name[nlen] = '\0';
	if (str_ieq(name, "retry-after"))
		x->retry_after_ms = parse_delay(v, (size_t)(end - v), false);
	else if (str_ieq(name, "ratelimit-reset") && !x->retry_after_ms)
		x->retry_after_ms = parse_delay(v, (size_t)(end - v), true);
	else if (str_ieq(name, "x-ratelimit-reset"))
		x->ratelimit_reset_ms = parse_reset_date(v, (size_t)(end - v));
	return len;
}

static void say(char *msg, size_t size, const char *what, const char *detail)
{
	if (size)
		snprintf(msg, size, "%s%s%s", what, detail && *detail ? ": " : "", detail ? detail : "");
}

int httpc_do(struct arena *a, const struct httpc_req *rq, struct httpc_resp *out, char *msg,
	     size_t msg_size)
{
	memset(out, 0, sizeof *out);
	bool post = strcmp(rq->method, "POST") == 0, del = strcmp(rq->method, "DELETE") == 0;
	if (!post && !del && strcmp(rq->method, "GET") != 0) {
		say(msg, msg_size, "unsupported HTTP method", rq->method);
		return ERR_INVAL;
	}
	pthread_once(&global_once, global_init);
	if (global_rc != CURLE_OK) {
		say(msg, msg_size, "libcurl initialisation failed", curl_easy_strerror(global_rc));
		return ERR_IO;
	}

	for (const char *const *l = rq->headers; l && *l; l++)
		if (strpbrk(*l, "\r\n")) {
			say(msg, msg_size, "header line with CR or LF", NULL);
			return ERR_INVAL;
		}
	int rc = ERR_IO;
	size_t cap = rq->max_response ? rq->max_response : HTTPC_MAX_RESPONSE;
	char stack[4096], auth_buf[128];
	struct xfer x = {.retry_after_ms = 0};
	struct sb auth;
	struct curl_slist *hdrs = NULL, *h;
	char errbuf[CURL_ERROR_SIZE] = "";
	sb_init(&x.body, stack, sizeof stack, cap + 1);
	sb_init(&auth, auth_buf, sizeof auth_buf, 16 * 1024);
	CURL *e = curl_easy_init();
	if (!e) {
		say(msg, msg_size, "curl_easy_init failed", NULL);
		goto out;
	}
	/* "Expect:" off: no 1 s wait for a 100 Continue before large bodies. */
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (rq->bearer) {
		sb_adds(&auth, "Authorization: Bearer ");
		sb_adds(&auth, rq->bearer);
		if (sb_err(&auth)) {
			say(msg, msg_size, "bearer token too long", NULL);
			rc = ERR_INVAL;
			goto out;
		}
		h = curl_slist_append(hdrs, sb_str(&auth));
		hdrs = h ? h : hdrs;
	}
	if (post && rq->content_type) {
		char ct[128];
		snprintf(ct, sizeof ct, "Content-Type: %s", rq->content_type);
		h = curl_slist_append(hdrs, ct);
		hdrs = h ? h : hdrs;
	}
	for (const char *const *l = rq->headers; l && *l; l++) {
		h = curl_slist_append(hdrs, *l);
		hdrs = h ? h : hdrs;
	}
	long ct_ms = rq->connect_timeout_ms > 0 ? rq->connect_timeout_ms : HTTPC_CONNECT_TIMEOUT_MS;
	long all_ms = rq->timeout_ms > 0 ? rq->timeout_ms : HTTPC_TIMEOUT_MS;
	curl_easy_setopt(e, CURLOPT_URL, rq->url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);      /* threads: no SIGALRM for DNS */
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ct_ms);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, all_ms);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "Tribu");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, &x);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, &x);
	if (post) {
		curl_easy_setopt(e, CURLOPT_POST, 1L);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)rq->body_len);
	} else if (del) {
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
	}

	CURLcode cr = curl_easy_perform(e);
	if (cr == CURLE_WRITE_ERROR && sb_err(&x.body)) {
		snprintf(msg, msg_size, "response larger than %zu bytes", cap);
		rc = ERR_TOOBIG;
		goto out;
	}
	if (cr != CURLE_OK) {
		say(msg, msg_size, curl_easy_strerror(cr), errbuf);
		rc = cr == CURLE_URL_MALFORMAT || cr == CURLE_UNSUPPORTED_PROTOCOL ? ERR_INVAL : ERR_IO;
		goto out;
	}
	long status = 0;
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	out->status = (int)status;
	out->retry_after_ms = x.retry_after_ms;
	out->ratelimit_reset_ms = x.ratelimit_reset_ms;
	out->len = sb_len(&x.body);
	out->body = arena_strndup(a, sb_str(&x.body), out->len);
	if (!out->body) {
		say(msg, msg_size, "response does not fit in the arena", NULL);
		rc = ERR_TOOBIG;
		goto out;
	}
	rc = ERR_OK;
out:
	sb_free(&auth);
	sb_free(&x.body);
	curl_slist_free_all(hdrs);
	if (e)
		curl_easy_cleanup(e);
	return rc;
}
