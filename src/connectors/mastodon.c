/* mastodon.c - the Mastodon connector: its REST API (docs.joinmastodon.org)
 * over httpc.
 *
 * Credentials. A community manager creates an application in their
 * instance's settings (Preferences > Development) and pastes its access
 * token; it does not expire but can be revoked. The session Tribu stores is
 * our own JSON {"token","id","acct","url"}; login and refresh both check the
 * token with GET /api/v1/accounts/verify_credentials, so a revoked one is
 * found (401/403: ERR_DENIED / REAUTH). The instance URL is the channel's
 * base_url and is required: there is no default Mastodon.
 *
 * Exactly once. A Mastodon status carries no metadata of ours that readers
 * would not see, so the idempotency key cannot live on the post itself
 * (hiding it in invisible characters would change what people read, copy
 * and hear from screen readers: refused). What the API offers is the
 * Idempotency-Key header of POST /api/v1/statuses: the server remembers the
 * key for one hour (Redis, per account) and answers a second create with the
 * same key with the status the first one made. From that:
 *   - publish sends Idempotency-Key: "tribu-" + 32 hex digits of BLAKE2b of
 *     our key (a header-safe value of fixed length, the same on every
 *     attempt), so any retry within the hour cannot make a second status;
 *   - lookup(key) sends that create again with the same key but an empty
 *     status: the server checks the key before anything else, so a known key
 *     answers 200 with the original status (found), and an unknown key fails
 *     validation with 422 ("Text can't be blank") without creating anything
 *     (not found: publishing is safe as far as the server remembers). A 404
 *     means the key named a status that has since been deleted: not found,
 *     but fate FAIL, since publishing it again would undo a deletion. Should
 *     a server check the text before the key, lookup says "not found" but
 *     the publish that follows still carries the key, and the server answers
 *     it with the existing status: the probe can err only towards a publish
 *     that is itself idempotent;
 *   - beyond the hour the key is forgotten. lookup cannot do better (it has
 *     only the key), so publish itself does it: when the post's timestamp
 *     (created_at_ms, which no attempt precedes) is 50 minutes old or more,
 *     an earlier attempt may be older than the key's life, and publish first
 *     reads the account's recent statuses (GET /api/v1/accounts/:id/statuses,
 *     40 a page, at most 3 pages, back to created_at_ms less 5 minutes of
 *     clock skew), keeps those with the same parent, number of images and
 *     content warning, and compares their source text (GET
 *     /api/v1/statuses/:id/source; Mastodon strips white space at both ends,
 *     so do we) with ours. An equal one is returned as the published post.
 *     The cost: a person who posts the very same text by hand in that window
 *     gets it counted as ours (which is then not published twice). Without a
 *     timestamp (created_at_ms 0) only the key protects.
 *
 * Images go first (POST /api/v2/media, multipart, alt text as
 * "description"); a 202 means the server is still processing: GET
 * /api/v1/media/:id until it has a url (206 while not), at most 8 times,
 * waiting 250 ms doubling to 2 s (12 s in all); then RETRY. A status refers
 * to them by media_ids.
 *
 * Errors are judged in one place (judge): transport failure, 5xx and 429
 * are RETRY (429 waits for Retry-After, else X-RateLimit-Reset, a date);
 * 401 and 403 REAUTH; 422 and other 4xx FAIL with the server's own "error"
 * text; 404 FAIL (a reply whose parent is gone). Tokens and texts are never
 * logged: log lines carry the request and the HTTP status only. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "connectors/connector.h"
#include "connectors/httpc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/sb.h"
#include "core/str.h"
#include "core/tz.h"
#include "text/text.h"
#include "connectors/mastodon_int.h"

#define LOG_MODULE "mastodon"
#include "core/log.h"

extern const struct connector_ops connector_mastodon;

#define IDEM_PREFIX "tribu-"
#define IDEM_HEADER_SIZE (sizeof "Idempotency-Key: " IDEM_PREFIX + 32)
/* Mastodon keeps an Idempotency-Key 3,600 s; past 50 minutes we stop
 * trusting it alone (a margin for clocks and slow attempts). */
#define IDEM_TRUST_MS (50 * 60 * 1000)
#define SKEW_MS (5 * 60 * 1000)
#define SCAN_PAGES 3
#define SCAN_SOURCES 10         /* candidate texts read per publish, at most */
#define MEDIA_POLLS 8
#define MAX_ALT_CODEPOINTS 1500 /* MediaAttachment::MAX_DESCRIPTION_LENGTH */

static const char *const image_types[] = {"image/jpeg", "image/png", "image/gif", "image/webp",
					  NULL};

/* Mastodon 4.x defaults (an instance may change them; GET /api/v2/instance
 * says): 500 characters counted by StatusLengthValidator (grapheme clusters,
 * a link 23, "@user@domain" as "@user", the content warning added); 4
 * attachments; images of 16 MB (MediaAttachment::IMAGE_LIMIT = 16.megabytes
 * since 4.2, mastodon/mastodon#23726; the API reports 16777216 as
 * configuration.media_attachments.image_size_limit); descriptions of 1,500
 * characters, which Mastodon counts in code points (String#length), so
 * publish checks that on top of the generic check in graphemes. */
static const struct connector_limits limits = {
	.count = CONNECTOR_COUNT_GRAPHEMES,
	.max_len = 500,
	.max_text_bytes = 0,
	.max_media = 4,
	.max_media_bytes = 16u << 20,
	.media_types = image_types,
	.max_alt_len = MAX_ALT_CODEPOINTS,
	.link_len = 23,
};

const char *masto_jstr(struct call *k, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? arena_strndup(k->c->arena, json_string_value(v),
						 json_string_length(v)) : NULL;
}

bool masto_jstr_eq(json_t *o, const char *key, const char *want)
{
	const char *v = json_string_value(json_object_get(o, key));
	return v ? want && strcmp(v, want) == 0 : !want || !*want;
}

/* Turns an HTTP answer into a return code and a fate; on ERR_OK `*out` is
 * the JSON (object or array) of the answer. */
static int judge(struct call *k, const char *what, const struct httpc_resp *r, json_t **out)
{
	struct connector_result *res = &k->c->res;
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	const char *msg = "", *desc = "";
	res->http_status = r->status;
	if (r->status >= 200 && r->status < 300) {
		if (json_is_object(j) || json_is_array(j)) {
			*out = j;
			return ERR_OK;
		}
		json_decref(j);
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "%s: HTTP %d with a body that is not JSON",
			    what, r->status);
	}
	if (json_is_object(j)) {
		json_t *e = json_object_get(j, "error"), *d = json_object_get(j, "error_description");
		msg = json_is_string(e) ? json_string_value(e) : "";
		desc = json_is_string(d) ? json_string_value(d) : "";
	}
	int rc;
	enum connector_fate fate;
	if (r->status == 429) {
		rc = ERR_BUSY, fate = CONNECTOR_RETRY;
		res->retry_after_ms = r->retry_after_ms ? r->retry_after_ms : r->ratelimit_reset_ms;
	} else if (r->status >= 500) {
		rc = ERR_BUSY, fate = CONNECTOR_RETRY;
		res->retry_after_ms = r->retry_after_ms;
	} else if (r->status == 401 || r->status == 403) {
		rc = ERR_DENIED, fate = CONNECTOR_REAUTH;
	} else if (r->status == 404) {
		rc = ERR_NOTFOUND, fate = CONNECTOR_FAIL;
	} else if (r->status == 413) {
		rc = ERR_TOOBIG, fate = CONNECTOR_FAIL;
	} else if (r->status >= 400) {
		rc = ERR_INVAL, fate = CONNECTOR_FAIL;
	} else {
		rc = ERR_PROTO, fate = CONNECTOR_RETRY;    /* 1xx, 3xx: not an API answer */
	}
	FAIL(k, rc, fate, "%s: HTTP %d%s%s%s%s", what, r->status, *msg ? ": " : "", msg,
	     *desc ? ": " : "", desc);
	json_decref(j);
	return rc;
}

int masto_api(struct call *k, const struct masto_req *q, json_t **out)
{
	struct connector_ctx *c = k->c;
	const char *base = c->base_url;
	char url_buf[512], what[96];
	const char *hdrs[2] = {q->idem, NULL};
	struct sb url;
	struct httpc_resp r;
	int rc;
	*out = NULL;
	snprintf(what, sizeof what, "%s %s", q->method, q->label ? q->label : q->path);
	sb_init(&url, url_buf, sizeof url_buf, 8192);
	sb_add(&url, base, strlen(base) - (base[strlen(base) - 1] == '/'));
	sb_addf(&url, "%s%s%s", q->path, q->query ? "?" : "", q->query ? q->query : "");
	if (sb_err(&url)) {
		rc = FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "%s: URL too long", what);
		goto out;
	}
	struct httpc_req rq = {
		.method = q->method,
		.url = sb_str(&url),
		.bearer = q->bearer ? q->bearer : k->s.token,
		.content_type = q->ctype,
		.headers = q->idem ? hdrs : NULL,
		.body = q->body,
		.body_len = q->len,
		.connect_timeout_ms = c->connect_timeout_ms,
		.timeout_ms = c->timeout_ms,
	};
	char tmsg[200] = "";
	rc = httpc_do(c->arena, &rq, &r, tmsg, sizeof tmsg);
	if (rc) {
		/* No complete answer: the server may have acted. */
		log_debug("%s: %s", what, tmsg);
		c->res.http_status = 0;
		rc = FAIL(k, rc, rc == ERR_INVAL ? CONNECTOR_FAIL : CONNECTOR_RETRY, "%s: %s", what, tmsg);
		goto out;
	}
	log_debug("%s: HTTP %d", what, r.status);
	rc = judge(k, what, &r, out);
out:
	sb_free(&url);
	return rc;
}

/* masto_api() with a JSON body, which Mastodon takes as well as form fields. */
static int api_json(struct call *k, struct masto_req *q, json_t *body, json_t **out)
{
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	if (!text) {
		*out = NULL;
		return FAIL(k, ERR_INVAL, CONNECTOR_FAIL, "request does not encode as JSON");
	}
	q->ctype = "application/json";
	q->body = text;
	q->len = strlen(text);
	int rc = masto_api(k, q, out);
	free(text);
	return rc;
}

/* "/api/v1/<a><escaped id><b>" in the arena. */
static const char *path_with_id(struct call *k, const char *a, const char *id, const char *b)
{
	char buf[256];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	sb_adds(&sb, a);
	sb_add_urlenc(&sb, id);
	sb_adds(&sb, b);
	const char *p = sb_err(&sb) ? NULL : arena_strdup(k->c->arena, sb_str(&sb));
	sb_free(&sb);
	return p;
}

static bool need_base(struct call *k)
{
	const char *b = k->c->base_url;
	if (b && *b)
		return true;
	FAIL(k, ERR_INVAL, CONNECTOR_FAIL, "a Mastodon channel needs its instance URL");
	return false;
}

int masto_load_session(struct call *k)
{
	if (!need_base(k))
		return ERR_INVAL;
	json_t *j = k->c->session ? json_loads(k->c->session, 0, NULL) : NULL;
	k->s = (struct session){masto_jstr(k, j, "token"), masto_jstr(k, j, "id"), masto_jstr(k, j, "acct"),
				masto_jstr(k, j, "url")};
	json_decref(j);
	if (!k->s.token || !*k->s.token || !k->s.id || !*k->s.id)
		return FAIL(k, ERR_DENIED, CONNECTOR_REAUTH, "no Mastodon session: log in again");
	return ERR_OK;
}

/* Checks `token` with verify_credentials and makes the account it names the
 * session; ctx->session changes only when its content does. */
static int verify(struct call *k, const char *token)
{
	json_t *j;
	struct masto_req q = {.method = "GET", .path = "/api/v1/accounts/verify_credentials",
			.bearer = token};
	int rc = masto_api(k, &q, &j);
	if (rc)
		return rc;
	struct session s = {token, masto_jstr(k, j, "id"), masto_jstr(k, j, "acct"), masto_jstr(k, j, "url")};
	json_decref(j);
	if (!s.id || !*s.id || !s.acct || !*s.acct)
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "verify_credentials: no account id or acct");
	json_t *o = json_pack("{s:s,s:s,s:s,s:s}", "token", s.token, "id", s.id, "acct", s.acct,
			      "url", s.url ? s.url : "");
	const char *copy = o ? json_text(o, k->c->arena) : NULL;
	json_decref(o);
	if (!copy)
		return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "session does not fit in the arena");
	k->s = s;
	if (!k->c->session || strcmp(k->c->session, copy) != 0) {
		k->c->session = copy;
		k->c->session_changed = true;
	}
	return ERR_OK;
}

/* The host of an http(s) URL, into `out`. */
static void host_of(const char *url, char *out, size_t size)
{
	const char *p = url ? strstr(url, "://") : NULL;
	p = p ? p + 3 : "";
	size_t n = strcspn(p, "/:?#");
	snprintf(out, size, "%.*s", (int)n, p);
}

/* Does the handle the person typed ("alice", "@alice", "alice@example.social")
 * name the account the token belongs to? */
static bool same_account(struct call *k, const char *handle)
{
	char host[256];
	if (*handle == '@')
		handle++;
	size_t user = strcspn(handle, "@"), mine = strcspn(k->s.acct, "@");
	if (user != mine || strncasecmp(handle, k->s.acct, user) != 0)
		return false;
	if (!handle[user])
		return true;
	host_of(k->s.url, host, sizeof host);
	return strcasecmp(handle + user + 1, host) == 0;
}

static int masto_measure(const char *text, size_t len, size_t *out)
{
	return text_length_mastodon(text, len, out);
}

static int masto_login(struct connector_ctx *c, const char *identifier, const char *password,
		       struct connector_account *out)
{
	struct call k = {.c = c};
	memset(&c->res, 0, sizeof c->res);
	if (!need_base(&k))
		return ERR_INVAL;
	if (!password || !*password)
		return FAIL(&k, ERR_DENIED, CONNECTOR_REAUTH, "no access token");
	int rc = verify(&k, password);
	if (rc)
		return rc;
	if (identifier && *identifier && !same_account(&k, identifier))
		return FAIL(&k, ERR_DENIED, CONNECTOR_REAUTH, "this token belongs to @%.100s, not %.100s",
			    k.s.acct, identifier);
	char name[300];
	snprintf(name, sizeof name, "@%s", k.s.acct);
	out->id = k.s.id;
	out->name = arena_strdup(c->arena, name);
	return out->name ? ERR_OK : FAIL(&k, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
}

static int masto_refresh(struct connector_ctx *c)
{
	struct call k = {.c = c};
	memset(&c->res, 0, sizeof c->res);
	int rc = masto_load_session(&k);
	return rc ? rc : verify(&k, k.s.token);
}

/* "Idempotency-Key: tribu-<32 hex>" for our key. */
static void idem_line(const char *key, char out[IDEM_HEADER_SIZE])
{
	unsigned char h[16];
	char hex[33];
	crypto_generichash(h, sizeof h, (const unsigned char *)key, strlen(key), NULL, 0);
	str_hex(hex, h, sizeof h);
	snprintf(out, IDEM_HEADER_SIZE, "Idempotency-Key: " IDEM_PREFIX "%s", hex);
}

/* Fills `out` from a Status entity of this account. */
static int read_status(struct call *k, json_t *j, struct connector_ref *out)
{
	json_t *acct = json_object_get(j, "account");
	out->id = masto_jstr(k, j, "id");
	out->url = masto_jstr(k, j, "url");
	if (!out->url)
		out->url = masto_jstr(k, j, "uri");
	out->cid = NULL;
	if (!json_is_object(j) || !out->id || !*out->id ||
	    (json_is_object(acct) && !masto_jstr_eq(acct, "id", k->s.id)))
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "the answer is not a status of this account");
	return ERR_OK;
}

static const char *extension(const char *mime)
{
	const char *slash = strchr(mime, '/');
	return slash && strcmp(slash + 1, "jpeg") ? slash + 1 : "jpg";
}

/* A multipart/form-data body with the image and its description, under a
 * random boundary that occurs nowhere in it. *body is malloc'ed. */
static int multipart(const struct connector_media *m, char ctype[96], char **body, size_t *len)
{
	char bnd[40], hex[33];
	unsigned char rnd[16];
	const char *alt = m->alt ? m->alt : "";
	for (int tries = 0;; tries++) {
		randombytes_buf(rnd, sizeof rnd);
		str_hex(hex, rnd, sizeof rnd);
		snprintf(bnd, sizeof bnd, "tribu%s", hex);
		if (!memmem(m->data, m->len, bnd, strlen(bnd)) && !strstr(alt, bnd))
			break;
		if (tries == 3)
			return ERR_INVAL;       /* 2^-128 four times: the data is built to */
	}
	struct sb sb;
	char first[1];
	sb_init(&sb, first, sizeof first, m->len + strlen(alt) + 1024);
	sb_addf(&sb, "--%s\r\nContent-Disposition: form-data; name=\"file\"; "
		"filename=\"image.%s\"\r\nContent-Type: %s\r\n\r\n", bnd, extension(m->mime), m->mime);
	sb_add(&sb, (const char *)m->data, m->len);
	sb_addf(&sb, "\r\n--%s\r\nContent-Disposition: form-data; name=\"description\"\r\n\r\n",
		bnd);
	sb_adds(&sb, alt);
	sb_addf(&sb, "\r\n--%s--\r\n", bnd);
	if (sb_err(&sb)) {
		sb_free(&sb);
		return ERR_TOOBIG;
	}
	snprintf(ctype, 96, "multipart/form-data; boundary=%s", bnd);
	*len = sb_len(&sb);
	*body = sb_detach(&sb);
	return ERR_OK;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

static bool has_url(json_t *media)
{
	return json_is_string(json_object_get(media, "url"));
}

/* Uploads image `i` and waits until the server has processed it; `*id` in
 * the arena. */
static int upload(struct call *k, int i, const struct connector_media *m, const char **id)
{
	char ctype[96], *body = NULL;
	size_t len;
	json_t *j = NULL;
	int rc = multipart(m, ctype, &body, &len);
	if (rc)
		return FAIL(k, rc, CONNECTOR_FAIL, "image %d does not fit in a request", i + 1);
	struct masto_req q = {.method = "POST", .path = "/api/v2/media", .ctype = ctype, .body = body,
			.len = len};
	rc = masto_api(k, &q, &j);
	free(body);
	if (rc)
		return rc;
	*id = masto_jstr(k, j, "id");
	if (!*id || !**id) {
		json_decref(j);
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "POST /api/v2/media: answer without an id");
	}
	const char *path = path_with_id(k, "/api/v1/media/", *id, "");
	for (int poll = 0, wait = 250; !has_url(j); poll++, wait = wait < 1000 ? wait * 2 : 2000) {
		json_decref(j);
		j = NULL;
		if (poll == MEDIA_POLLS)
			return FAIL(k, ERR_BUSY, CONNECTOR_RETRY,
				    "image %d: still processing on the server", i + 1);
		if (!path)
			return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "media id too long");
		sleep_ms(wait);
		struct masto_req g = {.method = "GET", .path = path, .label = "/api/v1/media/:id"};
		rc = masto_api(k, &g, &j);
		if (rc)
			return rc;
	}
	json_decref(j);
	return ERR_OK;
}

/* `s` without ASCII white space at either end, as Ruby's String#strip. */
static struct slice stripped(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	while (n && strchr(" \t\n\v\f\r", *s))
		s++, n--;
	while (n && strchr(" \t\n\v\f\r", s[n - 1]))
		n--;
	return (struct slice){s, n};
}

static bool slice_eq(struct slice a, const char *b)
{
	struct slice s = stripped(b);
	return a.len == s.len && memcmp(a.p, s.p, a.len) == 0;
}

/* Is status `j` (from the account's list) possibly `p`: same parent, as
 * many images, same content warning, not a boost? */
static bool candidate(json_t *j, const struct connector_post *p)
{
	json_t *media = json_object_get(j, "media_attachments");
	const char *cw = p->content_warning ? p->content_warning : "";
	return !json_is_object(json_object_get(j, "reblog")) &&
	       masto_jstr_eq(j, "in_reply_to_id", p->reply_parent ? p->reply_parent->id : NULL) &&
	       json_array_size(media) == (size_t)p->n_media &&
	       slice_eq(stripped(cw), json_string_value(json_object_get(j, "spoiler_text")));
}

/* Publish beyond the key's life: looks for `p` among the account's statuses
 * since p->created_at_ms (see the top of the file). ERR_OK with `out` when
 * found, ERR_NOTFOUND when not, another code when the search failed. */
static int find_published(struct call *k, const struct connector_post *p,
			  struct connector_ref *out)
{
	const char *statuses = path_with_id(k, "/api/v1/accounts/", k->s.id, "/statuses");
	const char *max_id = NULL;
	struct slice want = stripped(p->text);
	int64_t since = p->created_at_ms - SKEW_MS;
	int sources = 0, rc = ERR_NOTFOUND;
	if (!statuses)
		return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "account id too long");
	for (int page = 0; page < SCAN_PAGES && rc == ERR_NOTFOUND; page++) {
		char qbuf[160];
		struct sb q;
		json_t *list;
		sb_init(&q, qbuf, sizeof qbuf, 1024);
		sb_adds(&q, "limit=40&exclude_reblogs=true");
		if (max_id) {
			sb_adds(&q, "&max_id=");
			sb_add_urlenc(&q, max_id);
		}
		struct masto_req r = {.method = "GET", .path = statuses, .query = sb_str(&q),
				.label = "/api/v1/accounts/:id/statuses"};
		int e = sb_err(&q) ? FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "status id too long")
				   : masto_api(k, &r, &list);
		sb_free(&q);
		if (e)
			return e;
		size_t n = json_array_size(list), i;
		bool older = n == 0;
		for (i = 0; i < n && rc == ERR_NOTFOUND; i++) {
			json_t *st = json_array_get(list, i), *src;
			const char *when = json_string_value(json_object_get(st, "created_at"));
			int64_t t;
			if (!when || tz_parse_rfc3339(when, strlen(when), &t, NULL) != ERR_OK)
				continue;
			if (t < since) {
				older = true;
				break;
			}
			if (!candidate(st, p) || sources == SCAN_SOURCES)
				continue;
			const char *id = masto_jstr(k, st, "id");
			const char *spath = id ? path_with_id(k, "/api/v1/statuses/", id, "/source") : NULL;
			if (!spath)
				continue;
			struct masto_req s = {.method = "GET", .path = spath,
					.label = "/api/v1/statuses/:id/source"};
			sources++;
			e = masto_api(k, &s, &src);
			if (e) {
				rc = e;
				break;
			}
			if (slice_eq(want, json_string_value(json_object_get(src, "text"))))
				rc = read_status(k, st, out);
			json_decref(src);
		}
		max_id = n ? masto_jstr(k, json_array_get(list, n - 1), "id") : NULL;
		json_decref(list);
		if (older || !max_id)
			break;
	}
	return rc;
}

static bool visibility_ok(const char *v)
{
	static const char *const words[] = {"public", "unlisted", "private", "direct"};
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strcmp(v, words[i]) == 0)
			return true;
	return false;
}

/* Mastodon's checks beyond connector_check_post: visibility, the content
 * warning counted with the text, alt text in code points, a language. */
static int check_more(struct call *k, const struct connector_post *p, char lang[9])
{
	const char *cw = p->content_warning ? p->content_warning : "";
	size_t body, warn;
	lang[0] = '\0';
	if (p->visibility && !visibility_ok(p->visibility))
		return FAIL(k, ERR_INVAL, CONNECTOR_FAIL,
			    "visibility must be public, unlisted, private or direct, not %.32s",
			    p->visibility);
	if (text_graphemes(cw, strlen(cw), &warn) != ERR_OK)
		return FAIL(k, ERR_INVAL, CONNECTOR_FAIL, "content warning is not valid UTF-8");
	masto_measure(p->text, strlen(p->text), &body);
	if (body + warn > (size_t)limits.max_len)
		return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL,
			    "text and content warning too long: %zu characters, mastodon allows %d",
			    body + warn, limits.max_len);
	for (int i = 0; i < p->n_media; i++) {
		const char *alt = p->media[i].alt ? p->media[i].alt : "";
		size_t n = utf8_count(alt, strlen(alt));
		if (n > MAX_ALT_CODEPOINTS)
			return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL,
				    "image %d: alt text has %zu characters, mastodon allows %d", i + 1,
				    n, MAX_ALT_CODEPOINTS);
	}
	if (p->lang) {
		/* Mastodon takes ISO 639 codes: the primary subtag of the BCP 47 tag. */
		size_t n = strcspn(p->lang, "-_");
		bool ok = n >= 2 && n <= 3;
		for (size_t i = 0; ok && i < n; i++)
			ok = (p->lang[i] | 32) >= 'a' && (p->lang[i] | 32) <= 'z';
		if (!ok)
			return FAIL(k, ERR_INVAL, CONNECTOR_FAIL, "not a language tag: %.32s", p->lang);
		for (size_t i = 0; i < n; i++)
			lang[i] = (char)(p->lang[i] | 32);
		lang[n] = '\0';
	}
	return ERR_OK;
}

static int masto_publish(struct connector_ctx *c, const struct connector_post *p,
			 struct connector_ref *out)
{
	struct call k = {.c = c};
	char lang[9], idem[IDEM_HEADER_SIZE];
	json_t *ids = NULL, *body = NULL, *j = NULL;
	int rc = connector_check_post(&connector_mastodon, p, &c->res);
	if (rc || (rc = check_more(&k, p, lang)) || (rc = masto_load_session(&k)))
		return rc;
	if (p->created_at_ms && clock_now_ms() - p->created_at_ms >= IDEM_TRUST_MS) {
		rc = find_published(&k, p, out);
		if (rc != ERR_NOTFOUND) {
			if (rc == ERR_OK)
				log_info("status %s was already published: returning it", out->id);
			return rc;
		}
		memset(&c->res, 0, sizeof c->res);
	}
	ids = json_array();
	for (int i = 0; i < p->n_media; i++) {
		const char *id = NULL;
		rc = upload(&k, i, &p->media[i], &id);
		if (rc)
			goto out;
		json_array_append_new(ids, json_string(id));
	}
	body = json_pack("{s:s}", "status", p->text);
	if (p->n_media)
		json_object_set(body, "media_ids", ids);
	if (lang[0])
		json_object_set_new(body, "language", json_string(lang));
	if (p->reply_parent)
		json_object_set_new(body, "in_reply_to_id", json_string(p->reply_parent->id));
	if (p->visibility)
		json_object_set_new(body, "visibility", json_string(p->visibility));
	if (p->content_warning && *p->content_warning)
		json_object_set_new(body, "spoiler_text", json_string(p->content_warning));
	idem_line(p->idem_key, idem);
	struct masto_req q = {.method = "POST", .path = "/api/v1/statuses", .idem = idem};
	rc = api_json(&k, &q, body, &j);
	if (rc == ERR_OK)
		rc = read_status(&k, j, out);
	else if (rc == ERR_NOTFOUND && p->reply_parent)
		FAIL(&k, rc, CONNECTOR_FAIL, "the post this replies to is gone (%.200s)", c->res.msg);
out:
	json_decref(j);
	json_decref(body);
	json_decref(ids);
	return rc;
}

static int masto_lookup(struct connector_ctx *c, const char *idem_key, struct connector_ref *out)
{
	struct call k = {.c = c};
	char idem[IDEM_HEADER_SIZE];
	json_t *j, *body = json_pack("{s:s}", "status", "");
	memset(&c->res, 0, sizeof c->res);
	if (!idem_key || !*idem_key) {
		json_decref(body);
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "no idempotency key");
	}
	int rc = masto_load_session(&k);
	if (rc == ERR_OK) {
		idem_line(idem_key, idem);
		struct masto_req q = {.method = "POST", .path = "/api/v1/statuses", .idem = idem};
		rc = api_json(&k, &q, body, &j);
	}
	json_decref(body);
	if (rc == ERR_OK) {
		rc = read_status(&k, j, out);
		json_decref(j);
	} else if (rc == ERR_INVAL && c->res.http_status == 422) {
		/* The empty status was refused: the server holds no status under
		 * this key. */
		FAIL(&k, ERR_NOTFOUND, CONNECTOR_DONE,
		     "no status under this key (Mastodon remembers keys for an hour)");
		rc = ERR_NOTFOUND;
	} else if (rc == ERR_NOTFOUND) {
		FAIL(&k, ERR_NOTFOUND, CONNECTOR_FAIL, "published, then deleted on Mastodon");
	}
	return rc;
}

static int masto_delete(struct connector_ctx *c, const char *id)
{
	struct call k = {.c = c};
	json_t *j;
	memset(&c->res, 0, sizeof c->res);
	int rc = masto_load_session(&k);
	if (rc)
		return rc;
	const char *path = id && *id ? path_with_id(&k, "/api/v1/statuses/", id, "") : NULL;
	if (!path)
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "not a status id");
	struct masto_req q = {.method = "DELETE", .path = path, .label = "/api/v1/statuses/:id"};
	rc = masto_api(&k, &q, &j);
	if (rc == ERR_OK) {
		json_decref(j);
	} else if (rc == ERR_NOTFOUND) {
		int status = c->res.http_status;
		memset(&c->res, 0, sizeof c->res);     /* gone already: done */
		c->res.http_status = status;
		rc = ERR_OK;
	}
	return rc;
}

const struct connector_ops connector_mastodon = {
	.name = "mastodon",
	.limits = &limits,
	.measure = masto_measure,
	.login = masto_login,
	.refresh = masto_refresh,
	.publish = masto_publish,
	.lookup = masto_lookup,
	.delete = masto_delete,
	.fetch = masto_fetch,
};
