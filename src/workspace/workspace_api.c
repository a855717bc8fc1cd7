/* workspace_api.c - /api/v1/workspaces: the workspaces of the caller, their
 * settings, members and audit log.
 *
 * The router has checked membership and role; these handlers add the rules
 * that depend on the data: only an owner grants, changes or removes the
 * owner role, and a workspace always keeps at least one owner. Every change
 * and its audit entry are written in one transaction. */
#define LOG_MODULE "workspace"
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/log.h"
#include "core/str.h"
#include "core/tz.h"
#include "http/http.h"
#include "store/store.h"
#include "workspace/workspace.h"

/* business_hours is stored as the canonical JSON text this module wrote. */
static void ws_json(struct jw *w, const struct workspace *ws, const char *role)
{
	jw_obj(w);
	jw_kint(w, "id", ws->id);
	jw_kstr(w, "name", ws->name);
	jw_kstr(w, "tz", ws->tz);
	jw_kstr(w, "lang", ws->lang);
	jw_key(w, "business_hours");
	jw_raw(w, *ws->business_hours ? ws->business_hours : "{}");
	jw_ktime(w, "created_at", ws->created_at);
	jw_ktime(w, "updated_at", ws->updated_at);
	if (role)
		jw_kstr(w, "role", role);
	jw_obj_end(w);
}

static void send_ws(struct req *r, int status, const struct workspace *ws, const char *role)
{
	ws_json(http_json(r), ws, role);
	http_send(r, status);
}

static void member_json(struct jw *w, const struct member *m)
{
	jw_obj(w);
	jw_kint(w, "account_id", m->account_id);
	jw_kstr(w, "email", m->email);
	jw_kstr(w, "name", m->name);
	jw_kstr(w, "role", m->role);
	jw_ktime(w, "created_at", m->created_at);
	jw_obj_end(w);
}

static void send_member(struct req *r, int status, const struct member *m)
{
	member_json(http_json(r), m);
	http_send(r, status);
}

/* Checks name/tz/lang/business_hours present in r->body into `w`; answers
 * 400/422 and returns false on the first bad one. */
static bool read_settings(struct req *r, struct workspace *w)
{
	const char *name = json_str(r->body, "name");
	if (name) {
		name = workspace_name(r->a, name);
		if (!name) {
			http_error(r, 422, "invalid_value", "name must not be empty", "name");
			return false;
		}
		w->name = name;
	}
	const char *tz = json_str(r->body, "tz");
	if (tz) {
		if (!tz_valid(tz)) {
			http_error(r, 422, "invalid_value",
				   "tz must be an IANA time zone such as Europe/Paris", "tz");
			return false;
		}
		w->tz = tz;
	}
	const char *lang = json_str(r->body, "lang");
	if (lang) {
		if (!workspace_lang_ok(lang)) {
			http_error(r, 422, "invalid_value", "lang must be fr or en", "lang");
			return false;
		}
		w->lang = lang;
	}
	const json_t *bh = json_object_get(r->body, "business_hours");
	if (bh && !json_is_null(bh)) {
		const char *why;
		w->business_hours = workspace_hours_canonical(bh, r->a, &why);
		if (!w->business_hours) {
			http_error(r, 422, "invalid_value", why, "business_hours");
			return false;
		}
	}
	return true;
}

static const struct json_field settings_fields[] = {
	{"name", JSON_K_STR, false, WORKSPACE_NAME_MAX, false},
	{"tz", JSON_K_STR, false, 64, false},
	{"lang", JSON_K_STR, false, 8, false},
	{"business_hours", JSON_K_OBJ, false, 0, false},
};

void workspace_api_list(struct req *r)
{
	struct workspace_list wl;
	int rc = store_workspaces_of(r->app->store, r->a, r->account, &wl);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "workspaces");
	jw_arr(w);
	for (size_t i = 0; i < wl.n; i++)
		ws_json(w, &wl.v[i], wl.v[i].role);
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 200);
}

void workspace_api_create(struct req *r)
{
	if (!http_body_check(r, settings_fields, 4))
		return;
	if (!json_str(r->body, "name")) {
		http_error(r, 400, "missing_field", "name is required", "name");
		return;
	}
	struct workspace w = {.tz = "UTC", .lang = "en", .business_hours = "{}"};
	if (!read_settings(r, &w))
		return;
	struct store *s = r->app->store;
	int64_t now = clock_now_ms(), id = 0;
	int rc = store_begin(s);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	rc = store_workspace_insert(s, &w, r->account, now, &id);
	if (!rc)
		rc = workspace_audit(r, id, "workspace.create", w.name, NULL);
	rc = store_end(s, rc);
	if (!rc)
		rc = store_workspace_get(s, r->a, id, &w);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_ws(r, 201, &w, "owner");
}

void workspace_api_get(struct req *r)
{
	struct workspace w;
	int rc = store_workspace_get(r->app->store, r->a, r->ws, &w);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_ws(r, 200, &w, role_name(r->role));
}

/* Adds {"field":{"from":a,"to":b}} to `d` when a and b differ. */
static void diff(json_t *d, const char *field, const char *a, const char *b)
{
	if (strcmp(a, b))
		json_object_set_new(d, field, json_pack("{s:s, s:s}", "from", a, "to", b));
}

void workspace_api_update(struct req *r)
{
	if (!http_body_check(r, settings_fields, 4))
		return;
	struct store *s = r->app->store;
	struct workspace old, w;
	int rc = store_workspace_get(s, r->a, r->ws, &old);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	w = old;
	if (!read_settings(r, &w))
		return;
	json_t *d = json_object();
	diff(d, "name", old.name, w.name);
	diff(d, "tz", old.tz, w.tz);
	diff(d, "lang", old.lang, w.lang);
	diff(d, "business_hours", old.business_hours, w.business_hours);
	if (json_object_size(d) == 0) {
		json_decref(d);
		send_ws(r, 200, &old, role_name(r->role));
		return;
	}
	rc = store_begin(s);
	if (!rc) {
		rc = store_workspace_update(s, &w, clock_now_ms());
		if (!rc)
			rc = workspace_audit(r, 0, "workspace.update", "", json_incref(d));
		rc = store_end(s, rc);
	}
	json_decref(d);
	if (!rc)
		rc = store_workspace_get(s, r->a, r->ws, &w);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_ws(r, 200, &w, role_name(r->role));
}

void workspace_api_delete(struct req *r)
{
	int rc = store_workspace_delete(r->app->store, r->ws);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	/* Its audit log goes with it: say it in the server's log. */
	log_info("workspace %lld deleted by account %lld from %s", (long long)r->ws,
		 (long long)r->account, r->ip);
	http_no_content(r);
}

void workspace_api_members(struct req *r)
{
	struct member_list ml;
	int rc = store_member_list(r->app->store, r->a, r->ws, &ml);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "members");
	jw_arr(w);
	for (size_t i = 0; i < ml.n; i++)
		member_json(w, &ml.v[i]);
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 200);
}

/* The role named in the body; answers 422 and returns 0 when it is none. */
static int body_role(struct req *r)
{
	int role = role_parse(json_str(r->body, "role"));
	if (!role)
		http_error(r, 422, "invalid_value",
			   "role must be owner, admin, editor, moderator, analyst or client", "role");
	return role;
}

static bool owner_only(struct req *r, int role_a, int role_b)
{
	if (((role_a | role_b) & ROLE_OWNER) && r->role != ROLE_OWNER) {
		http_error(r, 403, "forbidden", "only an owner can grant, change or remove an owner",
			   "role");
		return false;
	}
	return true;
}

/* ERR_CONFLICT when removing the owner role from `account` would leave the
 * workspace without one. Called inside the transaction. */
static int keeps_an_owner(struct req *r, const char *current_role)
{
	int64_t owners;
	if (strcmp(current_role, "owner"))
		return ERR_OK;
	int rc = store_owner_count(r->app->store, r->ws, &owners);
	return rc ? rc : owners > 1 ? ERR_OK : ERR_CONFLICT;
}

void workspace_api_member_add(struct req *r)
{
	static const struct json_field fields[] = {
		{"email", JSON_K_STR, true, AUTH_EMAIL_MAX, false},
		{"role", JSON_K_STR, true, 16, false},
	};
	if (!http_body_check(r, fields, 2))
		return;
	int role = body_role(r);
	if (!role || !owner_only(r, role, 0))
		return;
	char email[AUTH_EMAIL_MAX + 1];
	struct account acc;
	struct store *s = r->app->store;
	if (auth_email_normalize(json_str(r->body, "email"), email) != ERR_OK) {
		http_error(r, 422, "invalid_value", "not an e-mail address", "email");
		return;
	}
	int rc = store_account_by_email(s, r->a, email, &acc, NULL);
	if (rc == ERR_NOTFOUND) {
		http_error(r, 422, "account_not_found",
			   "no account has this e-mail: create it first (tribu user add)", "email");
		return;
	}
	int64_t now = clock_now_ms();
	if (!rc && !(rc = store_begin(s))) {
		rc = store_member_insert(s, r->ws, acc.id, role_name(role), now);
		if (!rc)
			rc = workspace_audit(r, 0, "member.add", email,
					     json_pack("{s:s}", "role", role_name(role)));
		rc = store_end(s, rc);
	}
	if (rc == ERR_EXISTS) {
		http_error(r, 409, "already_member", "this account is a member already", "email");
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct member m = {acc.id, acc.email, acc.name, role_name(role), now};
	send_member(r, 201, &m);
}

/* The target member of a /members/:account route; answers 404 if none. */
static bool target_member(struct req *r, int64_t *account, const char **role)
{
	if (!http_param_id(r, "account", account) ||
	    store_member_role(r->app->store, r->ws, *account, role) != ERR_OK) {
		http_error(r, 404, "not_found", "no such member", NULL);
		return false;
	}
	return true;
}

void workspace_api_member_update(struct req *r)
{
	static const struct json_field fields[] = {{"role", JSON_K_STR, true, 16, false}};
	if (!http_body_check(r, fields, 1))
		return;
	int64_t account;
	const char *cur;
	int role = body_role(r);
	if (!role || !target_member(r, &account, &cur) || !owner_only(r, role, role_parse(cur)))
		return;
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = role == ROLE_OWNER ? ERR_OK : keeps_an_owner(r, cur);
		if (!rc)
			rc = store_member_set_role(s, r->ws, account, role_name(role));
		if (!rc && strcmp(cur, role_name(role))) {
			char target[32];
			snprintf(target, sizeof target, "account:%lld", (long long)account);
			rc = workspace_audit(r, 0, "member.role", target,
					     json_pack("{s:s, s:s}", "from", cur, "to", role_name(role)));
		}
		rc = store_end(s, rc);
	}
	if (rc == ERR_CONFLICT) {
		http_error(r, 409, "last_owner", "a workspace keeps at least one owner", "role");
		return;
	}
	struct member_list ml;
	if (!rc)
		rc = store_member_list(s, r->a, r->ws, &ml);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	for (size_t i = 0; i < ml.n; i++)
		if (ml.v[i].account_id == account) {
			send_member(r, 200, &ml.v[i]);
			return;
		}
	http_error(r, 404, "not_found", "no such member", NULL);
}

void workspace_api_member_remove(struct req *r)
{
	int64_t account;
	const char *cur;
	if (!target_member(r, &account, &cur) || !owner_only(r, role_parse(cur), 0))
		return;
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = keeps_an_owner(r, cur);
		if (!rc)
			rc = store_member_delete(s, r->ws, account);
		if (!rc) {
			char target[32];
			snprintf(target, sizeof target, "account:%lld", (long long)account);
			rc = workspace_audit(r, 0, "member.remove", target,
					     json_pack("{s:s}", "role", cur));
		}
		rc = store_end(s, rc);
	}
	if (rc == ERR_CONFLICT) {
		http_error(r, 409, "last_owner", "a workspace keeps at least one owner", NULL);
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	http_no_content(r);
}

void workspace_api_audit(struct req *r)
{
	int64_t before = 0, limit = 50;
	const char *b = http_query(r, "before"), *l = http_query(r, "limit");
	if (b && str_parse_i64(b, strlen(b), 1, INT64_MAX, &before) != ERR_OK) {
		http_error(r, 400, "invalid_value", "before must be an entry id", "before");
		return;
	}
	if (l && str_parse_i64(l, strlen(l), 1, 200, &limit) != ERR_OK) {
		http_error(r, 400, "invalid_value", "limit must be from 1 to 200", "limit");
		return;
	}
	struct audit_list al;
	int rc = store_audit_list(r->app->store, r->a, r->ws, before, (int)limit, &al);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_key(w, "entries");
	jw_arr(w);
	for (size_t i = 0; i < al.n; i++) {
		const struct audit_entry *e = &al.v[i];
		jw_obj(w);
		jw_kint(w, "id", e->id);
		jw_key(w, "account_id");
		if (e->account_id)
			jw_int(w, e->account_id);
		else
			jw_null(w);
		jw_kstr(w, "actor", e->actor);
		jw_kstr(w, "action", e->action);
		jw_kstr(w, "target", e->target);
		jw_key(w, "detail");
		jw_raw(w, *e->detail ? e->detail : "{}");   /* written by workspace_audit_add */
		jw_kstr(w, "ip", e->ip);
		jw_ktime(w, "at", e->created_at);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_key(w, "next_before");
	if (al.n == (size_t)limit)
		jw_int(w, al.v[al.n - 1].id);
	else
		jw_null(w);
	jw_obj_end(w);
	http_send(r, 200);
}
