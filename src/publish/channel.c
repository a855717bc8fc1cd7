/* channel.c - connected accounts: their credentials, sealed at rest, and
 * the /channels API.
 *
 * The sealed blob is JSON {"identifier","password","session"}: the session
 * is the connector's own (tokens), and the app password stays so that a
 * refused refresh can log in again by itself before anyone is bothered. When
 * that fails too, the channel is marked needs_reconnect, the workspace is
 * notified, and its posts wait (the scheduler does not claim them): nothing
 * is dropped. */
#define LOG_MODULE "channel"
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "http/http.h"
#include "publish/publish.h"
#include "store/store.h"
#include "workspace/workspace.h"

static int seal_creds(const struct app *app, struct arena *a, const char *identifier,
		      const char *password, const char *session, unsigned char **out,
		      size_t *outlen)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "identifier", identifier ? identifier : "",
			      "password", password ? password : "", "session",
			      session ? session : "");
	if (!o)
		return ERR_NOMEM;
	char *txt = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!txt)
		return ERR_NOMEM;
	int rc = auth_seal(app->auth, a, txt, strlen(txt), out, outlen);
	sodium_memzero(txt, strlen(txt));
	free(txt);
	return rc;
}

static void ctx_init(const struct app *app, struct arena *a, struct connector_ctx *c,
		     const char *service, const char *session)
{
	*c = (struct connector_ctx){
		.arena = a,
		.base_url = service && *service ? service : NULL,
		.session = session,
		.connect_timeout_ms = (int)(app->cfg->network_timeout < 10000 ?
						    app->cfg->network_timeout : 10000),
		.timeout_ms = (int)app->cfg->network_timeout,
	};
}

int channel_open(const struct app *app, struct arena *a, int64_t ws, int64_t id,
		 struct channel_conn *out)
{
	memset(out, 0, sizeof *out);
	int rc = store_channel_get(app->store, a, ws, id, &out->ch);
	if (rc)
		return rc;
	out->ops = connector_find(out->ch.network);
	if (!out->ops)
		return ERR_NOTFOUND;
	void *sealed;
	size_t n, clear_len;
	unsigned char *clear;
	rc = store_channel_secret(app->store, a, id, &sealed, &n);
	if (!rc)
		rc = auth_unseal(app->auth, a, sealed, n, &clear, &clear_len);
	if (rc)
		return rc;
	json_error_t je;
	json_t *o = json_loadb((const char *)clear, clear_len, 0, &je);
	if (!o)
		return ERR_CRYPTO;
	const char *idf = json_string_value(json_object_get(o, "identifier"));
	const char *pw = json_string_value(json_object_get(o, "password"));
	const char *sess = json_string_value(json_object_get(o, "session"));
	out->identifier = arena_strdup(a, idf ? idf : "");
	out->password = arena_strdup(a, pw ? pw : "");
	const char *session = arena_strdup(a, sess ? sess : "");
	json_decref(o);
	ctx_init(app, a, &out->ctx, out->ch.service, *session ? session : NULL);
	return arena_failed(a) ? ERR_TOOBIG : ERR_OK;
}

/* --- the scheduler's cache ---------------------------------------------- */

#define CACHE_BUCKETS 1024

struct cache_entry {
	struct cache_entry *next;
	int64_t id, workspace_id, updated_at;
	char *network, *service, *handle, *identifier, *password, *session;
};

struct channel_cache {
	pthread_mutex_t mu;
	struct cache_entry *bucket[CACHE_BUCKETS];
};

struct channel_cache *channel_cache_new(void)
{
	struct channel_cache *c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->mu, NULL);
	return c;
}

static void entry_free(struct cache_entry *e)
{
	if (e->password)
		sodium_memzero(e->password, strlen(e->password));
	if (e->session)
		sodium_memzero(e->session, strlen(e->session));
	free(e->network);
	free(e->service);
	free(e->handle);
	free(e->identifier);
	free(e->password);
	free(e->session);
	free(e);
}

void channel_cache_free(struct channel_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < CACHE_BUCKETS; i++)
		while (c->bucket[i]) {
			struct cache_entry *e = c->bucket[i];
			c->bucket[i] = e->next;
			entry_free(e);
		}
	pthread_mutex_destroy(&c->mu);
	free(c);
}

/* Removes entry `id` from its bucket; the caller holds the lock. */
static struct cache_entry *unlink_entry(struct channel_cache *c, int64_t id)
{
	struct cache_entry **pp = &c->bucket[(uint64_t)id % CACHE_BUCKETS];
	for (; *pp; pp = &(*pp)->next)
		if ((*pp)->id == id) {
			struct cache_entry *e = *pp;
			*pp = e->next;
			return e;
		}
	return NULL;
}

/* Entry `id` if it holds the channel as of `updated_at`; the caller holds
 * the lock. */
static struct cache_entry *find_fresh(struct channel_cache *c, int64_t id, int64_t updated_at)
{
	struct cache_entry *e = c->bucket[(uint64_t)id % CACHE_BUCKETS];
	while (e && e->id != id)
		e = e->next;
	return e && e->updated_at == updated_at ? e : NULL;
}

void channel_cache_warm(const struct app *app, struct channel_cache *cache, int64_t id,
			int64_t updated_at)
{
	pthread_mutex_lock(&cache->mu);
	bool fresh = find_fresh(cache, id, updated_at) != NULL;
	pthread_mutex_unlock(&cache->mu);
	if (fresh)
		return;
	char first[4096];
	struct arena a;
	arena_init(&a, first, sizeof first, 1u << 20);
	struct channel_conn cc;
	channel_open_cached(app, cache, &a, id, updated_at, &cc);  /* a failure: the worker's */
	arena_free(&a);
}

void channel_cache_forget(struct channel_cache *c, int64_t id)
{
	pthread_mutex_lock(&c->mu);
	struct cache_entry *e = unlink_entry(c, id);
	pthread_mutex_unlock(&c->mu);
	if (e)
		entry_free(e);
}

int channel_open_cached(const struct app *app, struct channel_cache *cache, struct arena *a,
			int64_t id, int64_t updated_at, struct channel_conn *out)
{
	pthread_mutex_lock(&cache->mu);
	struct cache_entry *e = find_fresh(cache, id, updated_at);
	if (e) {
		memset(out, 0, sizeof *out);
		out->ch.id = id;
		out->ch.workspace_id = e->workspace_id;
		out->ch.updated_at = e->updated_at;
		out->ch.network = arena_strdup(a, e->network);
		out->ch.service = arena_strdup(a, e->service);
		out->ch.handle = arena_strdup(a, e->handle);
		out->identifier = arena_strdup(a, e->identifier);
		out->password = arena_strdup(a, e->password);
		const char *session = arena_strdup(a, e->session);
		pthread_mutex_unlock(&cache->mu);
		out->ops = connector_find(out->ch.network);
		if (!out->ops || arena_failed(a))
			return out->ops ? ERR_TOOBIG : ERR_NOTFOUND;
		ctx_init(app, a, &out->ctx, out->ch.service, *session ? session : NULL);
		return ERR_OK;
	}
	pthread_mutex_unlock(&cache->mu);
	int rc = channel_open(app, a, 0, id, out);
	if (rc)
		return rc;
	e = xcalloc(1, sizeof *e);
	e->id = id;
	e->workspace_id = out->ch.workspace_id;
	e->updated_at = out->ch.updated_at;
	e->network = xstrdup(out->ch.network);
	e->service = xstrdup(out->ch.service);
	e->handle = xstrdup(out->ch.handle);
	e->identifier = xstrdup(out->identifier);
	e->password = xstrdup(out->password);
	e->session = xstrdup(out->ctx.session ? out->ctx.session : "");
	pthread_mutex_lock(&cache->mu);
	struct cache_entry *old = unlink_entry(cache, id);
	e->next = cache->bucket[(uint64_t)id % CACHE_BUCKETS];
	cache->bucket[(uint64_t)id % CACHE_BUCKETS] = e;
	pthread_mutex_unlock(&cache->mu);
	if (old)
		entry_free(old);
	return ERR_OK;
}

int channel_keep_session(const struct app *app, struct channel_conn *cc)
{
	if (!cc->ctx.session_changed)
		return ERR_OK;
	unsigned char *sealed;
	size_t n;
	int rc = seal_creds(app, cc->ctx.arena, cc->identifier, cc->password, cc->ctx.session,
			    &sealed, &n);
	if (!rc)
		rc = store_channel_set_secret(app->store, cc->ch.id, sealed, n, clock_now_ms());
	if (rc)
		log_error("channel %lld: cannot store its new session: %s", (long long)cc->ch.id,
			  err_str(rc));
	else
		cc->ctx.session_changed = false;
	return rc;
}

int channel_relogin(const struct app *app, struct channel_conn *cc)
{
	struct connector_account acct;
	int rc = ERR_DENIED;
	if (*cc->password) {
		cc->ctx.session = NULL;
		rc = cc->ops->login(&cc->ctx, cc->identifier, cc->password, &acct);
		if (!rc)
			return channel_keep_session(app, cc);
		if (cc->ctx.res.fate != CONNECTOR_REAUTH)
			return rc;      /* the network is down: not the credentials */
	}
	char msg[400];
	snprintf(msg, sizeof msg, "%s %s needs a new login: %s", cc->ch.network, cc->ch.handle,
		 cc->ctx.res.msg[0] ? cc->ctx.res.msg : "the network refused its credentials");
	int64_t now = clock_now_ms();
	struct store *s = app->store;
	int wrc = store_begin(s);
	if (!wrc) {
		wrc = store_channel_set_status(s, cc->ch.id, "needs_reconnect", msg, now);
		struct notification n = {.workspace_id = cc->ch.workspace_id,
					 .kind = "channel.needs_reconnect", .message = msg,
					 .channel_id = cc->ch.id, .created_at = now};
		if (!wrc)
			wrc = store_notify(s, &n);
		if (!wrc)
			wrc = workspace_audit_add(s, cc->ch.workspace_id, 0, "", "channel.needs_reconnect",
						  cc->ch.handle, json_pack("{s:s}", "reason", msg));
		wrc = store_end(s, wrc);
	}
	log_warn("channel %lld: %s", (long long)cc->ch.id, msg);
	return wrc ? wrc : ERR_DENIED;
}

/* --- the API ------------------------------------------------------------ */

static void channel_json(struct jw *w, const struct channel *c)
{
	jw_obj(w);
	jw_kint(w, "id", c->id);
	jw_kstr(w, "network", c->network);
	jw_kstr(w, "service", c->service);
	jw_kstr(w, "handle", c->handle);
	jw_kstr(w, "account_ref", c->account_ref);
	jw_kstr(w, "display_name", c->display_name);
	jw_kstr(w, "status", c->status);
	jw_kstr(w, "status_reason", c->status_reason);
	jw_key(w, "charter");
	jw_raw(w, *c->charter ? c->charter : "{}");
	jw_key(w, "slots");
	jw_raw(w, *c->slots ? c->slots : "[]");
	jw_ktime(w, "created_at", c->created_at);
	jw_ktime(w, "updated_at", c->updated_at);
	jw_obj_end(w);
}

static void send_channel(struct req *r, int status, int64_t id)
{
	struct channel c;
	int rc = store_channel_get(r->app->store, r->a, r->ws, id, &c);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	channel_json(http_json(r), &c);
	http_send(r, status);
}

void channel_api_list(struct req *r)
{
	struct channel_list cl;
	int rc = store_channel_list(r->app->store, r->a, r->ws, &cl);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "channels");
	jw_arr(w);
	for (size_t i = 0; i < cl.n; i++)
		channel_json(w, &cl.v[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 200);
}

void channel_api_get(struct req *r)
{
	int64_t id;
	if (!http_param_id(r, "channel", &id)) {
		http_error(r, 404, "not_found", "no such channel", NULL);
		return;
	}
	send_channel(r, 200, id);
}

/* A network's service URL: http(s), no spaces, bounded. NULL is allowed
 * (the network's default). */
static bool service_ok(const char *u)
{
	if (!u)
		return true;
	size_t n = strlen(u);
	if (n < 8 || n > 200 || strpbrk(u, " \t\r\n\"<>\\"))
		return false;
	return strncmp(u, "https://", 8) == 0 || strncmp(u, "http://", 7) == 0;
}

/* Answers a login that did not succeed: refused credentials are the
 * user's to fix (422), anything else is the network's (502). */
static void login_error(struct req *r, const struct connector_ctx *c, int rc)
{
	char msg[320];
	if (c->res.fate == CONNECTOR_REAUTH || rc == ERR_DENIED) {
		snprintf(msg, sizeof msg, "the network refused these credentials: %s", c->res.msg);
		http_error(r, 422, "credentials_refused", msg, "password");
	} else if (c->res.fate == CONNECTOR_FAIL) {
		snprintf(msg, sizeof msg, "the network refused the login: %s", c->res.msg);
		http_error(r, 422, "login_refused", msg, "identifier");
	} else {
		snprintf(msg, sizeof msg, "the network could not be reached: %s", c->res.msg);
		http_error(r, 502, "network_unreachable", msg, "service");
	}
}

static const struct json_field create_fields[] = {
	{"network", JSON_K_STR, true, 32, false},
	{"service", JSON_K_STR, false, 200, false},
	{"identifier", JSON_K_STR, true, 256, false},
	{"password", JSON_K_STR, true, 1024, false},
	{"display_name", JSON_K_STR, false, 120, false},
};

void channel_api_create(struct req *r)
{
	if (!http_body_check(r, create_fields, sizeof create_fields / sizeof create_fields[0]))
		return;
	const char *network = json_str(r->body, "network");
	const char *service = json_str(r->body, "service");
	const char *identifier = json_str(r->body, "identifier");
	const char *password = json_str(r->body, "password");
	const char *display = json_str(r->body, "display_name");
	const struct connector_ops *ops = connector_find(network);
	/* The fake network exists for tests of the scheduler, not for users. */
	if (!ops || strcmp(network, "fake") == 0) {
		http_error(r, 422, "invalid_value", "network must be bluesky or mastodon", "network");
		return;
	}
	if (!service && strcmp(network, "mastodon") == 0) {
		http_error(r, 400, "missing_field", "service (the instance's URL) is required",
			   "service");
		return;
	}
	if (!service_ok(service)) {
		http_error(r, 422, "invalid_value", "service must be an http(s) URL", "service");
		return;
	}
	struct connector_ctx c;
	ctx_init(r->app, r->a, &c, service, NULL);
	struct connector_account acct = {0};
	int rc = ops->login(&c, identifier, password, &acct);
	if (rc) {
		login_error(r, &c, rc);
		return;
	}
	unsigned char *sealed;
	size_t n;
	rc = seal_creds(r->app, r->a, identifier, password, c.session, &sealed, &n);
	struct channel ch = {
		.workspace_id = r->ws,
		.network = ops->name,
		.service = service ? service : "",
		.handle = acct.name && *acct.name ? acct.name : identifier,
		.account_ref = acct.id && *acct.id ? acct.id : identifier,
		.display_name = display ? display : "",
	};
	int64_t id = 0, now = clock_now_ms();
	struct store *s = r->app->store;
	if (!rc)
		rc = store_begin(s);
	if (!rc) {
		rc = store_channel_insert(s, &ch, sealed, n, now, &id);
		if (!rc)
			rc = workspace_audit(r, 0, "channel.create", ch.handle,
					     json_pack("{s:s, s:s}", "network", ops->name,
						       "service", ch.service));
		rc = store_end(s, rc);
	}
	if (rc == ERR_EXISTS) {
		http_error(r, 409, "exists", "this account is already a channel of the workspace",
			   "identifier");
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_channel(r, 201, id);
}

static const struct json_field reconnect_fields[] = {
	{"identifier", JSON_K_STR, false, 256, false},
	{"password", JSON_K_STR, true, 1024, false},
};

void channel_api_reconnect(struct req *r)
{
	if (!http_body_check(r, reconnect_fields, 2))
		return;
	int64_t id;
	struct channel_conn cc;
	int rc = http_param_id(r, "channel", &id) ? channel_open(r->app, r->a, r->ws, id, &cc)
						  : ERR_NOTFOUND;
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	const char *identifier = json_str(r->body, "identifier");
	if (identifier)
		cc.identifier = identifier;
	cc.password = json_str(r->body, "password");
	struct connector_account acct = {0};
	cc.ctx.session = NULL;
	rc = cc.ops->login(&cc.ctx, cc.identifier, cc.password, &acct);
	if (rc) {
		login_error(r, &cc.ctx, rc);
		return;
	}
	/* Another account behind the same channel would publish its queue
	 * somewhere the user did not choose. */
	if (acct.id && *acct.id && strcmp(acct.id, cc.ch.account_ref) != 0) {
		http_error(r, 422, "other_account",
			   "these credentials are for another account than the channel's",
			   "identifier");
		return;
	}
	unsigned char *sealed;
	size_t n;
	int64_t now = clock_now_ms();
	struct store *s = r->app->store;
	rc = seal_creds(r->app, r->a, cc.identifier, cc.password, cc.ctx.session, &sealed, &n);
	if (!rc)
		rc = store_begin(s);
	if (!rc) {
		rc = store_channel_set_secret(s, id, sealed, n, now);
		if (!rc)
			rc = store_channel_set_status(s, id, "active", "", now);
		if (!rc)
			rc = workspace_audit(r, 0, "channel.reconnect", cc.ch.handle, NULL);
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	scheduler_wake(r->app->scheduler);
	send_channel(r, 200, id);
}

static const struct json_field update_fields[] = {
	{"display_name", JSON_K_STR, false, 120, false},
	{"charter", JSON_K_OBJ, false, 0, false},
	{"slots", JSON_K_ARR, false, 168, false},
};

void channel_api_update(struct req *r)
{
	if (!http_body_check(r, update_fields, sizeof update_fields / sizeof update_fields[0]))
		return;
	int64_t id;
	struct channel ch;
	int rc = http_param_id(r, "channel", &id) ? store_channel_get(r->app->store, r->a, r->ws,
								       id, &ch)
						  : ERR_NOTFOUND;
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	const char *display = json_str(r->body, "display_name");
	if (display)
		ch.display_name = display;
	const struct connector_ops *ops = connector_find(ch.network);
	if (!publish_rules_read(r, ops ? ops->limits->max_len : 0, &ch.charter, &ch.slots))
		return;
	struct store *s = r->app->store;
	rc = store_begin(s);
	if (!rc) {
		rc = store_channel_update(s, &ch, clock_now_ms());
		if (!rc)
			rc = workspace_audit(r, 0, "channel.update", ch.handle, json_deep_copy(r->body));
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_channel(r, 200, id);
}

void channel_api_delete(struct req *r)
{
	int64_t id;
	struct channel ch;
	struct store *s = r->app->store;
	int rc = http_param_id(r, "channel", &id) ? store_channel_get(s, r->a, r->ws, id, &ch)
						  : ERR_NOTFOUND;
	int64_t busy = 0;
	if (!rc)
		rc = store_channel_busy(s, id, &busy);
	if (!rc && busy) {
		http_error(r, 409, "publishing",
			   "a post is being published on this channel: pause, then try again", NULL);
		return;
	}
	if (!rc)
		rc = store_begin(s);
	if (!rc) {
		rc = store_channel_delete(s, r->ws, id);
		if (!rc)
			rc = workspace_audit(r, 0, "channel.delete", ch.handle, NULL);
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	http_no_content(r);
}
