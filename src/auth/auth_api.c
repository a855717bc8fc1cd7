/* auth_api.c - signing in and out, the current account, password change.
 *
 * Login is throttled per e-mail and per client address (429 with
 * Retry-After); an unknown e-mail costs the same time as a wrong password and
 * gets the same answer. The session cookie is HttpOnly and SameSite=Lax; its
 * CSRF token is returned at login and by /me, and must come back in
 * X-CSRF-Token on every mutating request made with the cookie. */
#define LOG_MODULE "auth"
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "auth/throttle.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "http/http.h"
#include "store/store.h"

void auth_account_json(struct jw *w, const struct account *a)
{
	jw_obj(w);
	jw_kint(w, "id", a->id);
	jw_kstr(w, "email", a->email);
	jw_kstr(w, "name", a->name);
	jw_ktime(w, "created_at", a->created_at);
	jw_obj_end(w);
}

static void set_cookie(struct req *r, const char *token, int64_t max_age)
{
	char *v = arena_alloc(r->a, 256);
	if (!v)
		return;
	snprintf(v, 256, "tribu_session=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s", token,
		 (long long)max_age, r->app->cfg->secure_cookies ? "; Secure" : "");
	http_header(r, "Set-Cookie", v);
}

/* The throttle keys of a password attempt: the account's e-mail and the
 * client's address. Login and password change count against the same ones. */
struct attempt {
	char account[AUTH_EMAIL_MAX + 8], address[64];
};

static void attempt_init(struct attempt *t, const struct req *r, const char *email)
{
	snprintf(t->account, sizeof t->account, "a:%s", email);
	snprintf(t->address, sizeof t->address, "i:%s", r->ip);
}

static void attempt_failed(const struct req *r, const struct attempt *t)
{
	int64_t now = clock_now_ms();
	throttle_fail(r->app->login_account, t->account, now);
	throttle_fail(r->app->login_address, t->address, now);
}

/* Answers 429 with Retry-After and returns true while either key is locked. */
static bool throttled(struct req *r, const struct attempt *t)
{
	int64_t now = clock_now_ms();
	int64_t w1 = throttle_wait(r->app->login_account, t->account, now);
	int64_t w2 = throttle_wait(r->app->login_address, t->address, now);
	int64_t w = w1 > w2 ? w1 : w2;
	if (!w)
		return false;
	char *v = arena_alloc(r->a, 24);
	if (v) {
		snprintf(v, 24, "%lld", (long long)w);
		http_header(r, "Retry-After", v);
	}
	http_error(r, 429, "too_many_attempts", "too many failed attempts: wait and try again", NULL);
	return true;
}

void auth_api_login(struct req *r)
{
	static const struct json_field fields[] = {
		{"email", JSON_K_STR, true, AUTH_EMAIL_MAX, false},
		{"password", JSON_K_STR, true, AUTH_PASSWORD_MAX, false},
	};
	if (!http_body_check(r, fields, 2))
		return;
	const struct app *app = r->app;
	char email[AUTH_EMAIL_MAX + 1];
	if (auth_email_normalize(json_str(r->body, "email"), email) != ERR_OK) {
		http_error(r, 400, "invalid_value", "not an e-mail address", "email");
		return;
	}
	struct attempt t;
	attempt_init(&t, r, email);
	if (throttled(r, &t))
		return;

	const char *pw = json_str(r->body, "password");
	struct account acc;
	const char *hash = NULL;
	int rc = store_account_by_email(app->store, r->a, email, &acc, &hash);
	if (rc && rc != ERR_NOTFOUND) {
		http_error_rc(r, rc);
		return;
	}
	bool ok;
	if (rc == ERR_NOTFOUND) {
		auth_password_burn(app->auth, pw);
		ok = false;
	} else {
		ok = auth_password_verify(hash, pw);
	}
	if (!ok) {
		attempt_failed(r, &t);
		log_info("failed login from %s", r->ip);
		http_error(r, 401, "invalid_credentials", "wrong e-mail or password", NULL);
		return;
	}
	throttle_clear(app->login_account, t.account);
	int64_t now = clock_now_ms();

	char token[AUTH_TOKEN_SIZE], thash[AUTH_HASH_SIZE], csrf[AUTH_CSRF_SIZE];
	auth_token_new("", token);
	auth_token_hash(token, strlen(token), thash);
	int64_t ttl = app->cfg->session_ttl;
	rc = store_session_insert(app->store, thash, acc.id, now, now + ttl * 1000, r->ip);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	set_cookie(r, arena_strdup(r->a, token), ttl);
	auth_csrf(app->auth, token, csrf);
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "user");
	auth_account_json(w, &acc);
	jw_kstr(w, "csrf_token", csrf);
	jw_ktime(w, "expires_at", now + ttl * 1000);
	jw_obj_end(w);
	http_send(r, 200);
}

void auth_api_logout(struct req *r)
{
	if (r->via_cookie) {
		char thash[AUTH_HASH_SIZE];
		auth_token_hash(r->session_token, strlen(r->session_token), thash);
		int rc = store_session_delete(r->app->store, thash);
		if (rc) {
			http_error_rc(r, rc);
			return;
		}
		set_cookie(r, "", 0);
	}
	http_no_content(r);
}

void auth_api_me(struct req *r)
{
	struct account acc;
	struct workspace_list wl;
	int rc = store_account_by_id(r->app->store, r->a, r->account, &acc, NULL);
	if (!rc)
		rc = store_workspaces_of(r->app->store, r->a, r->account, &wl);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "user");
	auth_account_json(w, &acc);
	jw_key(w, "workspaces");
	jw_arr(w);
	for (size_t i = 0; i < wl.n; i++) {
		jw_obj(w);
		jw_kint(w, "id", wl.v[i].id);
		jw_kstr(w, "name", wl.v[i].name);
		jw_kstr(w, "tz", wl.v[i].tz);
		jw_kstr(w, "lang", wl.v[i].lang);
		jw_kstr(w, "role", wl.v[i].role);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	if (r->via_cookie) {
		char csrf[AUTH_CSRF_SIZE];
		auth_csrf(r->app->auth, r->session_token, csrf);
		jw_kstr(w, "csrf_token", csrf);
	}
	jw_obj_end(w);
	http_send(r, 200);
}

void auth_api_password(struct req *r)
{
	static const struct json_field fields[] = {
		{"current_password", JSON_K_STR, true, AUTH_PASSWORD_MAX, false},
		{"new_password", JSON_K_STR, true, AUTH_PASSWORD_MAX, false},
	};
	if (!http_body_check(r, fields, 2))
		return;
	const struct app *app = r->app;
	struct account acc;
	const char *hash;
	int rc = store_account_by_id(app->store, r->a, r->account, &acc, &hash);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct attempt t;
	attempt_init(&t, r, acc.email);
	if (throttled(r, &t))
		return;
	if (!auth_password_verify(hash, json_str(r->body, "current_password"))) {
		attempt_failed(r, &t);
		http_error(r, 403, "invalid_credentials", "the current password is wrong",
			   "current_password");
		return;
	}
	const char *npw = json_str(r->body, "new_password"), *why;
	if (auth_password_check(npw, &why) != ERR_OK) {
		http_error(r, 422, "weak_password", why, "new_password");
		return;
	}
	char nhash[AUTH_PWHASH_SIZE];
	rc = auth_password_hash(app->auth, npw, nhash);
	if (!rc)
		rc = store_account_set_password(app->store, acc.id, nhash, clock_now_ms());
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	log_info("password changed for account %lld; its sessions are revoked", (long long)acc.id);
	if (r->via_cookie)
		set_cookie(r, "", 0);
	http_no_content(r);
}
