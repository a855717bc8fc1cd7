/* bluesky.c - the Bluesky connector: AT Protocol XRPC calls over httpc.
 *
 * Session. createSession trades a handle and an app password for an access
 * JWT (hours) and a refresh JWT (months). The session Tribu stores (the
 * channel's credentials, encrypted by the caller) is our own JSON:
 *   {"did","handle","accessJwt","refreshJwt","accessExp"}
 * where accessExp (ms) is read from the access JWT so that every call can
 * renew the token five minutes before it expires, instead of failing first.
 * If the server still calls the token expired or invalid, the call refreshes
 * once and tries again; a refused refresh token is ERR_DENIED / REAUTH.
 *
 * Exactly once. The record key (rkey) of a post is derived from its
 * idempotency key (bsky_rkey) and passed to createRecord, so all attempts of
 * one post name the same record: the repository cannot hold it twice. The
 * reference PDS answers a second create with the same rkey with HTTP 500
 * InternalServerError, the same answer as a real server fault; so after any
 * failed create (except a refused login or a 429, which the server did not
 * act on) the connector reads the record back with getRecord: if it is
 * there, the post is published and its id is returned as if just created.
 * lookup() is that same getRecord.
 *
 * Errors are judged in one place (judge): transport failure, 5xx and 429
 * are RETRY; 401 and token errors REAUTH; other 4xx FAIL with the server's
 * own error name and message. Tokens are never logged: log lines carry the
 * method name and the HTTP status only. */
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "connectors/bluesky.h"
#include "connectors/connector.h"
#include "connectors/httpc.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/sb.h"

#define LOG_MODULE "bluesky"
#include "core/log.h"

extern const struct connector_ops connector_bluesky;

#define DEFAULT_SERVICE "https://bsky.social"
#define POSTS "app.bsky.feed.post"
#define RENEW_BEFORE_MS (5 * 60 * 1000)
#define MAX_MENTIONS 32         /* handles resolved per post; more get no facet */

static const char *const image_types[] = {"image/jpeg", "image/png", "image/webp", "image/gif",
					  NULL};

/* app.bsky.feed.post: text maxGraphemes 300, maxLength 3000 bytes;
 * app.bsky.embed.images: 4 images of at most 2,000,000 bytes. Alt text has
 * no lexicon limit: 2,000 is the Bluesky app's. */
static const struct connector_limits limits = {
	.count = CONNECTOR_COUNT_GRAPHEMES,
	.max_len = 300,
	.max_text_bytes = 3000,
	.max_media = 4,
	.max_media_bytes = 2000000,
	.media_types = image_types,
	.max_alt_len = 2000,
	.link_len = 0,
};

struct session {
	const char *did, *handle, *access, *refresh;
	int64_t access_exp;             /* ms; 0 = unknown */
};

/* One connector call: the context, the session it works with, and what the
 * last XRPC error was called (to recognise a stale token). */
struct call {
	struct connector_ctx *c;
	struct session s;
	bool refreshed;
	char err_name[48];
};

/* One XRPC request: GET with `query`, or POST with a JSON or a raw body. */
struct xrpc {
	const char *nsid;
	const char *query;              /* already escaped "a=b&c=d", or NULL */
	json_t *json;                   /* POST body */
	const struct connector_media *raw;  /* POST body (uploadBlob) */
	const char *bearer;             /* token for Authorization, or NULL */
	bool post;
};

#define FAIL(k, rc, fate, ...) connector_fail(&(k)->c->res, (rc), (fate), __VA_ARGS__)

/* A string member copied into the arena; NULL when absent or not a string. */
static const char *jstr(struct call *k, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);
	return json_is_string(v) ? arena_strndup(k->c->arena, json_string_value(v),
						 json_string_length(v)) : NULL;
}

static bool is_token_error(const char *name)
{
	static const char *const names[] = {"ExpiredToken", "InvalidToken", "AuthMissing",
					    "AuthenticationRequired", "AccountTakedown",
					    "AccountDeactivated"};
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

/* Turns an HTTP answer into a return code and a fate; on ERR_OK `*out` is
 * the JSON object of the answer. */
static int judge(struct call *k, const char *method, const struct httpc_resp *r, json_t **out)
{
	struct connector_result *res = &k->c->res;
	json_t *j = json_loadb(r->body, r->len, 0, NULL);
	const char *name = "", *msg = "";
	res->http_status = r->status;
	k->err_name[0] = '\0';
	if (r->status >= 200 && r->status < 300) {
		if (json_is_object(j)) {
			*out = j;
			return ERR_OK;
		}
		json_decref(j);
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "%s: HTTP %d with a body that is not JSON",
			    method, r->status);
	}
	if (json_is_object(j)) {
		json_t *e = json_object_get(j, "error"), *m = json_object_get(j, "message");
		name = json_is_string(e) ? json_string_value(e) : "";
		msg = json_is_string(m) ? json_string_value(m) : "";
	}
	snprintf(k->err_name, sizeof k->err_name, "%s", name);
	int rc;
	enum connector_fate fate;
	if (r->status == 429 || r->status >= 500) {
		rc = ERR_BUSY, fate = CONNECTOR_RETRY;
		res->retry_after_ms = r->retry_after_ms;
	} else if (r->status == 401 || is_token_error(name)) {
		rc = ERR_DENIED, fate = CONNECTOR_REAUTH;
	} else if (strcmp(name, "RecordNotFound") == 0) {
		rc = ERR_NOTFOUND, fate = CONNECTOR_FAIL;
	} else if (r->status == 413 || strcmp(name, "BlobTooLarge") == 0) {
		rc = ERR_TOOBIG, fate = CONNECTOR_FAIL;
	} else if (r->status >= 400) {
		rc = ERR_INVAL, fate = CONNECTOR_FAIL;
	} else {
		rc = ERR_PROTO, fate = CONNECTOR_RETRY;    /* 1xx, 3xx: not an XRPC answer */
	}
	FAIL(k, rc, fate, "%s: HTTP %d%s%s%s%s", method, r->status, *name ? " " : "", name,
	     *msg ? ": " : "", msg);
	json_decref(j);
	return rc;
}

static int xrpc(struct call *k, const struct xrpc *x, json_t **out)
{
	struct connector_ctx *c = k->c;
	const char *base = c->base_url && *c->base_url ? c->base_url : DEFAULT_SERVICE;
	const char *method = strrchr(x->nsid, '.') + 1;
	char url_buf[512], *body = NULL;
	struct sb url;
	struct httpc_resp r;
	int rc;
	*out = NULL;
	sb_init(&url, url_buf, sizeof url_buf, 8192);
	sb_add(&url, base, strlen(base) - (base[strlen(base) - 1] == '/'));
	sb_addf(&url, "/xrpc/%s%s%s", x->nsid, x->query ? "?" : "", x->query ? x->query : "");
	if (sb_err(&url)) {
		rc = FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "%s: URL too long", method);
		goto out;
	}
	struct httpc_req rq = {
		.method = x->post ? "POST" : "GET",
		.url = sb_str(&url),
		.bearer = x->bearer,
		.connect_timeout_ms = c->connect_timeout_ms,
		.timeout_ms = c->timeout_ms,
	};
	if (x->json) {
		body = json_dumps(x->json, JSON_COMPACT);
		if (!body) {
			rc = FAIL(k, ERR_INVAL, CONNECTOR_FAIL, "%s: request is not valid JSON", method);
			goto out;
		}
		rq.content_type = "application/json";
		rq.body = body;
		rq.body_len = strlen(body);
	} else if (x->raw) {
		rq.content_type = x->raw->mime;
		rq.body = x->raw->data;
		rq.body_len = x->raw->len;
	}
	char tmsg[200] = "";
	rc = httpc_do(c->arena, &rq, &r, tmsg, sizeof tmsg);
	if (rc) {
		/* No complete answer: the server may have acted. */
		log_debug("%s: %s", method, tmsg);
		c->res.http_status = 0;
		rc = FAIL(k, rc, rc == ERR_INVAL ? CONNECTOR_FAIL : CONNECTOR_RETRY, "%s: %s", method,
			  tmsg);
		goto out;
	}
	log_debug("%s: HTTP %d", method, r.status);
	rc = judge(k, method, &r, out);
out:
	free(body);
	sb_free(&url);
	return rc;
}

/* The `exp` claim of a JWT, in ms; 0 when it cannot be read (the call then
 * relies on the server saying the token expired). Not a verification: the
 * token is the server's business, we only want to renew it in time. */
static int64_t jwt_exp_ms(const char *jwt)
{
	const char *p = strchr(jwt, '.'), *q = p ? strchr(p + 1, '.') : NULL;
	unsigned char buf[2048];
	size_t n = 0;
	if (!q || sodium_base642bin(buf, sizeof buf, p + 1, (size_t)(q - p - 1), NULL, &n, NULL,
				    sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
		return 0;
	json_t *j = json_loadb((const char *)buf, n, 0, NULL);
	json_int_t exp = json_integer_value(json_object_get(j, "exp"));
	json_decref(j);
	return exp > 0 && exp < INT64_MAX / 1000 ? (int64_t)exp * 1000 : 0;
}

/* Takes the session from a createSession / refreshSession answer and hands
 * it to the caller through ctx->session. */
static int adopt_session(struct call *k, json_t *j)
{
	struct session s = {jstr(k, j, "did"), jstr(k, j, "handle"), jstr(k, j, "accessJwt"),
			    jstr(k, j, "refreshJwt"), 0};
	if (!s.did || !s.handle || !s.access || !s.refresh ||
	    !bsky_valid_did(s.did, strlen(s.did)) || !bsky_valid_handle(s.handle, strlen(s.handle)))
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY,
			    "session answer lacks a valid did, handle or token");
	s.access_exp = jwt_exp_ms(s.access);
	json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:I}", "did", s.did, "handle", s.handle,
			      "accessJwt", s.access, "refreshJwt", s.refresh, "accessExp",
			      (json_int_t)s.access_exp);
	char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
	json_decref(o);
	const char *copy = text ? arena_strdup(k->c->arena, text) : NULL;
	free(text);
	if (!copy)
		return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "session does not fit in the arena");
	k->s = s;
	k->c->session = copy;
	k->c->session_changed = true;
	return ERR_OK;
}

static int load_session(struct call *k)
{
	json_t *j = k->c->session ? json_loads(k->c->session, 0, NULL) : NULL;
	k->s = (struct session){jstr(k, j, "did"), jstr(k, j, "handle"), jstr(k, j, "accessJwt"),
				jstr(k, j, "refreshJwt"),
				json_integer_value(json_object_get(j, "accessExp"))};
	json_decref(j);
	if (!k->s.did || !k->s.handle || !k->s.access || !k->s.refresh ||
	    !bsky_valid_did(k->s.did, strlen(k->s.did)))
		return FAIL(k, ERR_DENIED, CONNECTOR_REAUTH, "no Bluesky session: log in again");
	return ERR_OK;
}

static int renew(struct call *k)
{
	json_t *j;
	struct xrpc x = {.nsid = "com.atproto.server.refreshSession", .post = true,
			 .bearer = k->s.refresh};
	k->refreshed = true;
	int rc = xrpc(k, &x, &j);
	if (rc == ERR_INVAL || rc == ERR_NOTFOUND || rc == ERR_DENIED) {
		/* Any 4xx here means the refresh token is no good. */
		k->c->res.fate = CONNECTOR_REAUTH;
		return ERR_DENIED;
	}
	if (rc == ERR_OK)
		rc = adopt_session(k, j);
	json_decref(j);
	return rc;
}

/* An authenticated request: renews the access token first when it is about
 * to expire, and once more if the server refuses it as expired or invalid. */
static int authed(struct call *k, struct xrpc *x, json_t **out)
{
	int rc = ERR_OK;
	if (k->s.access_exp && k->s.access_exp - clock_now_ms() < RENEW_BEFORE_MS)
		rc = renew(k);
	x->bearer = k->s.access;
	if (rc == ERR_OK)
		rc = xrpc(k, x, out);
	if (rc == ERR_DENIED && !k->refreshed &&
	    (!strcmp(k->err_name, "ExpiredToken") || !strcmp(k->err_name, "InvalidToken"))) {
		rc = renew(k);
		x->bearer = k->s.access;
		if (rc == ERR_OK)
			rc = xrpc(k, x, out);
	}
	return rc;
}

/* Fills `out` from a {uri, cid} answer about the post `rkey` of this
 * account, checking that it is what we asked for. */
static int read_ref(struct call *k, json_t *j, const char *rkey, struct connector_ref *out)
{
	const char *uri = jstr(k, j, "uri"), *cid = jstr(k, j, "cid");
	struct sb want;
	char buf[256];
	sb_init(&want, buf, sizeof buf, 4096);
	sb_addf(&want, "at://%s/" POSTS "/%s", k->s.did, rkey);
	bool ok = uri && cid && bsky_valid_aturi(uri, strlen(uri)) && bsky_valid_cid(cid, strlen(cid)) &&
		  !sb_err(&want) && strcmp(uri, sb_str(&want)) == 0;
	sb_free(&want);
	if (!ok)
		return FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "unexpected record reference in the answer");
	sb_init(&want, buf, sizeof buf, 4096);
	sb_addf(&want, "https://bsky.app/profile/%s/post/%s", k->s.handle, rkey);
	out->id = uri;
	out->cid = cid;
	out->url = arena_strdup(k->c->arena, sb_str(&want));
	sb_free(&want);
	return out->url ? ERR_OK : FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
}

/* getRecord of this account's post `rkey` (public: no token needed). */
static int get_post(struct call *k, const char *rkey, struct connector_ref *out)
{
	char buf[256];
	struct sb q;
	json_t *j;
	sb_init(&q, buf, sizeof buf, 4096);
	sb_adds(&q, "repo=");
	sb_add_urlenc(&q, k->s.did);
	sb_addf(&q, "&collection=" POSTS "&rkey=%s", rkey);
	struct xrpc x = {.nsid = "com.atproto.repo.getRecord", .query = sb_str(&q)};
	int rc = sb_err(&q) ? FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "DID too long") : xrpc(k, &x, &j);
	sb_free(&q);
	if (rc)
		return rc;
	rc = read_ref(k, j, rkey, out);
	json_decref(j);
	return rc;
}

/* The DID of `handle`; *did NULL when the handle does not resolve. */
static int resolve(struct call *k, const char *handle, const char **did)
{
	char buf[320];      /* a valid handle: at most 253 unreserved characters */
	struct sb q;
	json_t *j;
	*did = NULL;
	sb_init(&q, buf, sizeof buf, sizeof buf);
	sb_adds(&q, "handle=");
	sb_add_urlenc(&q, handle);
	struct xrpc x = {.nsid = "com.atproto.identity.resolveHandle", .query = sb_str(&q)};
	int rc = xrpc(k, &x, &j);
	sb_free(&q);
	if (rc == ERR_INVAL || rc == ERR_NOTFOUND) {
		memset(&k->c->res, 0, sizeof k->c->res);
		return ERR_OK;
	}
	if (rc)
		return rc;
	const char *d = jstr(k, j, "did");
	if (d && bsky_valid_did(d, strlen(d)))
		*did = d;
	json_decref(j);
	return ERR_OK;
}

static json_t *feature(const char *type, const char *key, const char *value)
{
	return json_pack("{s:s,s:s}", "$type", type, key, value);
}

/* app.bsky.richtext.facet objects for `text`; *out NULL when there are none.
 * Mentions whose handle does not resolve get no facet, as in the app. */
static int facets_json(struct call *k, const char *text, json_t **out)
{
	struct bsky_facet *f;
	size_t n, nseen = 0;
	struct {
		char *handle;
		const char *did;
	} seen[MAX_MENTIONS];
	*out = NULL;
	if (bsky_facets(k->c->arena, text, strlen(text), &f, &n))
		return FAIL(k, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
	json_t *arr = json_array();
	int rc = ERR_OK;
	for (size_t i = 0; i < n && rc == ERR_OK; i++) {
		json_t *feat = NULL;
		if (f[i].kind == BSKY_FACET_MENTION) {
			char *h = arena_strdup(k->c->arena, f[i].value);
			size_t s = 0;
			for (char *p = h; p && *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p + 32);
			if (!h || !bsky_valid_handle(h, strlen(h)))
				continue;
			while (s < nseen && strcmp(seen[s].handle, h) != 0)
				s++;
			if (s == nseen) {
				if (nseen == MAX_MENTIONS)
					continue;
				seen[nseen].handle = h;
				rc = resolve(k, h, &seen[nseen++].did);
			}
			if (rc == ERR_OK && seen[s].did)
				feat = feature("app.bsky.richtext.facet#mention", "did", seen[s].did);
		} else if (f[i].kind == BSKY_FACET_LINK) {
			feat = feature("app.bsky.richtext.facet#link", "uri", f[i].value);
		} else {
			feat = feature("app.bsky.richtext.facet#tag", "tag", f[i].value);
		}
		if (feat)
			json_array_append_new(arr, json_pack("{s:{s:I,s:I},s:[o]}", "index",
				"byteStart", (json_int_t)f[i].start, "byteEnd", (json_int_t)f[i].end,
				"features", feat));
	}
	if (rc || json_array_size(arr) == 0) {
		json_decref(arr);
		arr = NULL;
	}
	*out = arr;
	return rc;
}

/* Uploads the images and builds the app.bsky.embed.images object. */
static int images_json(struct call *k, const struct connector_post *p, json_t **out)
{
	json_t *imgs = json_array();
	int rc = ERR_OK;
	*out = NULL;
	for (int i = 0; i < p->n_media && rc == ERR_OK; i++) {
		const struct connector_media *m = &p->media[i];
		struct xrpc x = {.nsid = "com.atproto.repo.uploadBlob", .raw = m, .post = true};
		json_t *j, *blob;
		rc = authed(k, &x, &j);
		if (rc)
			break;
		blob = json_object_get(j, "blob");
		if (!json_is_object(blob)) {
			rc = FAIL(k, ERR_PROTO, CONNECTOR_RETRY, "uploadBlob: answer without a blob");
		} else {
			json_t *img = json_pack("{s:s,s:O}", "alt", m->alt ? m->alt : "", "image", blob);
			if (img && m->width > 0 && m->height > 0)
				json_object_set_new(img, "aspectRatio", json_pack("{s:i,s:i}", "width",
							m->width, "height", m->height));
			json_array_append_new(imgs, img);
		}
		json_decref(j);
	}
	if (rc == ERR_OK)
		*out = json_pack("{s:s,s:O}", "$type", "app.bsky.embed.images", "images", imgs);
	json_decref(imgs);
	return rc;
}

static json_t *strong_ref(const struct connector_ref *r)
{
	return json_pack("{s:s,s:s}", "uri", r->id, "cid", r->cid);
}

static bool ref_ok(const struct connector_ref *r)
{
	return r->id && r->cid && bsky_valid_aturi(r->id, strlen(r->id)) &&
	       bsky_valid_cid(r->cid, strlen(r->cid));
}

static int bsky_measure(const char *text, size_t len, size_t *out)
{
	return connector_graphemes(text, len, out);
}

static int bsky_login(struct connector_ctx *c, const char *identifier, const char *password,
		      struct connector_account *out)
{
	struct call k = {.c = c};
	json_t *j;
	memset(&c->res, 0, sizeof c->res);
	struct xrpc x = {.nsid = "com.atproto.server.createSession", .post = true,
			 .json = json_pack("{s:s,s:s}", "identifier", identifier ? identifier : "",
					   "password", password ? password : "")};
	int rc = x.json ? xrpc(&k, &x, &j)
			: FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "identifier or password is not UTF-8");
	json_decref(x.json);
	if (rc)
		return rc;
	rc = adopt_session(&k, j);
	json_decref(j);
	if (rc == ERR_OK) {
		out->id = k.s.did;
		out->name = k.s.handle;
	}
	return rc;
}

static int bsky_refresh(struct connector_ctx *c)
{
	struct call k = {.c = c};
	memset(&c->res, 0, sizeof c->res);
	int rc = load_session(&k);
	return rc ? rc : renew(&k);
}

static int bsky_publish(struct connector_ctx *c, const struct connector_post *p,
			struct connector_ref *out)
{
	struct call k = {.c = c};
	json_t *facets = NULL, *embed = NULL, *record = NULL, *j = NULL;
	char rkey[BSKY_TID_LEN + 1], when[CLOCK_FMT_SIZE];
	int rc = connector_check_post(&connector_bluesky, p, &c->res);
	if (rc)
		return rc;
	if (p->lang && !bsky_valid_lang(p->lang, strlen(p->lang)))
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "not a language tag: %.32s", p->lang);
	if (p->reply_root && (!ref_ok(p->reply_root) || !ref_ok(p->reply_parent)))
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL,
			    "a reply needs the AT-URI and CID of its root and parent");
	rc = load_session(&k);
	if (rc)
		return rc;
	bsky_rkey(p->idem_key, rkey);
	rc = facets_json(&k, p->text, &facets);
	if (rc == ERR_OK)
		rc = images_json(&k, p, &embed);
	if (rc)
		goto out;

	clock_fmt_utc(when, p->created_at_ms ? p->created_at_ms : clock_now_ms());
	record = json_pack("{s:s,s:s,s:s}", "$type", POSTS, "text", p->text, "createdAt", when);
	if (p->lang)
		json_object_set_new(record, "langs", json_pack("[s]", p->lang));
	if (facets)
		json_object_set(record, "facets", facets);
	if (embed)
		json_object_set(record, "embed", embed);
	if (p->reply_root)
		json_object_set_new(record, "reply", json_pack("{s:o,s:o}",
					"root", strong_ref(p->reply_root),
					"parent", strong_ref(p->reply_parent)));
	struct xrpc x = {.nsid = "com.atproto.repo.createRecord", .post = true,
			 .json = json_pack("{s:s,s:s,s:s,s:O}", "repo", k.s.did, "collection", POSTS,
					   "rkey", rkey, "record", record)};
	rc = x.json ? authed(&k, &x, &j)
		    : FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "post does not encode as JSON");
	json_decref(x.json);
	if (rc == ERR_OK) {
		rc = read_ref(&k, j, rkey, out);
	} else if (c->res.fate != CONNECTOR_REAUTH && c->res.http_status != 429) {
		/* Already there (an earlier attempt, or this one before the answer was
		 * lost)? Then it is published; otherwise keep the create's error. */
		struct connector_result first = c->res;
		if (get_post(&k, rkey, out) == ERR_OK) {
			log_info("post %s was already published: returning it", rkey);
			memset(&c->res, 0, sizeof c->res);
			rc = ERR_OK;
		} else {
			c->res = first;
		}
	}
out:
	json_decref(j);
	json_decref(record);
	json_decref(embed);
	json_decref(facets);
	return rc;
}

static int bsky_lookup(struct connector_ctx *c, const char *idem_key, struct connector_ref *out)
{
	struct call k = {.c = c};
	char rkey[BSKY_TID_LEN + 1];
	memset(&c->res, 0, sizeof c->res);
	if (!idem_key || !*idem_key)
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "no idempotency key");
	int rc = load_session(&k);
	if (rc)
		return rc;
	bsky_rkey(idem_key, rkey);
	rc = get_post(&k, rkey, out);
	if (rc == ERR_NOTFOUND)
		c->res.fate = CONNECTOR_DONE;   /* a definite answer: publishing is safe */
	return rc;
}

static int bsky_delete(struct connector_ctx *c, const char *id)
{
	struct call k = {.c = c};
	json_t *j;
	memset(&c->res, 0, sizeof c->res);
	int rc = load_session(&k);
	if (rc)
		return rc;
	/* at://<our did>/app.bsky.feed.post/<rkey> */
	size_t dl = strlen(k.s.did), pl = sizeof POSTS - 1;
	if (!id || !bsky_valid_aturi(id, strlen(id)) || strncmp(id + 5, k.s.did, dl) != 0 ||
	    id[5 + dl] != '/' || strncmp(id + 6 + dl, POSTS "/", pl + 1) != 0)
		return FAIL(&k, ERR_INVAL, CONNECTOR_FAIL, "not a post of this account: %.100s",
			    id ? id : "(null)");
	struct xrpc x = {.nsid = "com.atproto.repo.deleteRecord", .post = true,
			 .json = json_pack("{s:s,s:s,s:s}", "repo", k.s.did, "collection", POSTS,
					   "rkey", id + 7 + dl + pl)};
	rc = authed(&k, &x, &j);
	json_decref(x.json);
	if (rc == ERR_OK)
		json_decref(j);
	return rc;
}

const struct connector_ops connector_bluesky = {
	.name = "bluesky",
	.limits = &limits,
	.measure = bsky_measure,
	.login = bsky_login,
	.refresh = bsky_refresh,
	.publish = bsky_publish,
	.lookup = bsky_lookup,
	.delete = bsky_delete,
};
