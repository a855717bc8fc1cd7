/* settings_api.c - a workspace's publishing settings (approval, charter),
 * the charter check, the crisis pause, and notifications.
 *
 * The pause is a switch in the workspace row that claims read: nothing is
 * claimed while it is on, whatever is due, so nothing goes out. Posts
 * already handed to a network when the pause came finish (they cannot be
 * called back); everything else waits. On resume the owner chooses: publish
 * what was missed now, or move each missed post by the pause's length. */
#define LOG_MODULE "publish"
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/tz.h"
#include "http/http.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"
#include "workspace/workspace.h"

static void settings_json(struct req *r, const struct ws_publishing *p)
{
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kbool(w, "approval_required", p->approval_required);
	jw_kbool(w, "paused", p->paused_at != 0);
	jw_key(w, "paused_at");
	if (p->paused_at)
		jw_time(w, p->paused_at);
	else
		jw_null(w);
	jw_key(w, "pause_reason");
	jw_str(w, p->paused_at ? p->pause_reason : NULL);
	jw_key(w, "charter");
	jw_raw(w, *p->charter ? p->charter : "{}");
	jw_key(w, "campaigns");
	jw_raw(w, *p->campaigns ? p->campaigns : "{}");
	jw_kbool(w, "ical_enabled", *p->ical_hash != 0);
	jw_obj_end(w);
	http_send(r, 200);
}

static void send_settings(struct req *r)
{
	struct ws_publishing p;
	int rc = store_ws_publishing(r->app->store, r->a, r->ws, &p);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	settings_json(r, &p);
}

void publish_api_settings(struct req *r)
{
	send_settings(r);
}

static const struct json_field settings_fields[] = {
	{"approval_required", JSON_K_BOOL, false, 0, false},
	{"charter", JSON_K_OBJ, false, 0, false},
	{"campaigns", JSON_K_OBJ, false, 0, false},
};

static const char *const utm_keys[] = {"utm_source", "utm_medium", "utm_campaign"};

/* {"name": {"utm_source"?, "utm_medium"?, "utm_campaign"?}}: at most 200
 * campaigns, names of 1 to 120 characters, values of 1 to 100 without
 * spaces. Canonical JSON text, or NULL after answering. */
static const char *read_campaigns(struct req *r, const json_t *c)
{
	const char *name;
	const json_t *v;
	const char *why = json_object_size(c) > 200 ? "at most 200 campaigns" : NULL;
	json_object_foreach((json_t *)c, name, v) {
		if (why)
			break;
		size_t n = strlen(name);
		if (n == 0 || n > 120 || strpbrk(name, "\r\n\t"))
			why = "campaign names have 1 to 120 characters";
		else if (!json_is_object(v))
			why = "each campaign is an object of utm_source, utm_medium, utm_campaign";
		const char *k;
		const json_t *x;
		json_object_foreach((json_t *)v, k, x) {
			bool known = false;
			for (size_t i = 0; i < 3; i++)
				known |= strcmp(k, utm_keys[i]) == 0;
			const char *s = json_string_value(x);
			if (!why && (!known || !s || !*s || strlen(s) > 100 || strpbrk(s, " \r\n\t")))
				why = "a campaign takes utm_source, utm_medium, utm_campaign: 1 to 100 "
				      "characters, no spaces";
		}
	}
	if (why) {
		http_error(r, 422, "invalid_value", why, "campaigns");
		return NULL;
	}
	const char *out = json_text(c, r->a);
	if (!out)
		http_error_rc(r, ERR_TOOBIG);
	return out;
}

void publish_api_settings_update(struct req *r)
{
	if (!http_body_check(r, settings_fields, 3))
		return;
	const char *charter = NULL, *campaigns = NULL;
	if (!publish_rules_read(r, 0, &charter, NULL))
		return;
	const json_t *cj = json_object_get(r->body, "campaigns");
	if (cj && !(campaigns = read_campaigns(r, cj)))
		return;
	const json_t *ap = json_object_get(r->body, "approval_required");
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc && ap)
		rc = store_ws_set_approval(s, r->ws, json_is_true(ap));
	if (!rc && charter)
		rc = store_ws_set_charter(s, r->ws, charter);
	if (!rc && campaigns)
		rc = store_ws_set_campaigns(s, r->ws, campaigns);
	if (!rc)
		rc = workspace_audit(r, 0, "publishing.update", "", json_deep_copy(r->body));
	rc = store_end(s, rc);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_settings(r);
}

static const struct json_field check_fields[] = {
	{"variants", JSON_K_ARR, true, 16, false},
	{"scheduled_at", JSON_K_STR, false, 40, false},
	{"lang", JSON_K_STR, false, 8, false},
	{"post_id", JSON_K_INT, false, 0, false},
};

/* POST …/charter/check: the findings for a draft, nothing stored. */
void publish_api_charter_check(struct req *r)
{
	if (!http_body_check(r, check_fields, sizeof check_fields / sizeof check_fields[0]))
		return;
	struct workspace ws;
	int rc = store_workspace_get(r->app->store, r->a, r->ws, &ws);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	const char *lang = json_str(r->body, "lang");
	if (lang && !workspace_lang_ok(lang)) {
		http_error(r, 422, "invalid_value", "lang must be fr or en", "lang");
		return;
	}
	struct post p = {.id = json_integer_value(json_object_get(r->body, "post_id"))};
	const json_t *vs = json_object_get(r->body, "variants");
	p.nv = json_array_size(vs);
	p.v = arena_alloc(r->a, (p.nv ? p.nv : 1) * sizeof *p.v);
	if (!p.v) {
		http_error_rc(r, ERR_TOOBIG);
		return;
	}
	for (size_t i = 0; i < p.nv; i++) {
		const json_t *o = json_array_get(vs, i);
		const json_t *cid = json_object_get(o, "channel_id");
		const char *text = json_string_value(json_object_get(o, "text"));
		if (!json_is_integer(cid) || !text) {
			http_error(r, 400, "wrong_type",
				   "each variant needs channel_id (integer) and text (string)",
				   "variants");
			return;
		}
		struct channel ch;
		if (store_channel_get(r->app->store, r->a, r->ws, json_integer_value(cid), &ch)) {
			http_error(r, 422, "invalid_value", "no such channel in this workspace",
				   "variants");
			return;
		}
		/* The composer's thread and first comment are checked too. */
		const json_t *thread = json_object_get(o, "thread");
		const char *options = "{}";
		if (json_is_array(thread)) {
			json_t *wrap = json_pack("{s:O}", "thread", thread);
			options = json_text(wrap, r->a);
			json_decref(wrap);
			if (!options) {
				http_error_rc(r, ERR_TOOBIG);
				return;
			}
		}
		p.v[i] = (struct variant){.channel_id = ch.id, .text = text, .options = options,
					  .first_comment = json_string_value(
						  json_object_get(o, "first_comment"))};
	}
	const char *when = json_str(r->body, "scheduled_at");
	if (when && tz_parse_rfc3339(when, strlen(when), &p.scheduled_at, NULL) != ERR_OK) {
		http_error(r, 422, "invalid_value", "scheduled_at must be RFC 3339 with an offset",
			   "scheduled_at");
		return;
	}
	struct charter_report rep;
	rc = publish_charter_check(r->app, r->a, &ws, NULL, &p, lang, NULL, &rep);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kbool(w, "ok", rep.errors == 0);
	jw_kint(w, "errors", (int64_t)rep.errors);
	jw_key(w, "variants");
	publish_findings_json(w, &rep);
	jw_obj_end(w);
	http_send(r, 200);
}

static const struct json_field pause_fields[] = {
	{"reason", JSON_K_STR, true, 500, true},
};

void publish_api_pause(struct req *r)
{
	if (!http_body_check(r, pause_fields, 1))
		return;
	const char *why = json_str(r->body, "reason");
	if (!*why) {
		http_error(r, 400, "missing_field", "say why publishing is paused", "reason");
		return;
	}
	/* The state is read in the transaction that changes it: two pauses
	 * at once cannot both succeed. */
	struct ws_publishing p;
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = store_ws_publishing(s, r->a, r->ws, &p);
		if (!rc && p.paused_at)
			rc = ERR_CONFLICT;
		if (!rc)
			rc = store_ws_set_pause(s, r->ws, clock_now_ms(), why);
		if (!rc)
			rc = workspace_audit(r, 0, "publishing.pause", "", json_pack("{s:s}", "reason", why));
		rc = store_end(s, rc);
	}
	if (rc == ERR_CONFLICT) {
		http_error(r, 409, "already_paused", "publishing is already paused", NULL);
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	send_settings(r);
}

static const struct json_field resume_fields[] = {
	{"missed", JSON_K_STR, true, 16, false},
};

void publish_api_resume(struct req *r)
{
	if (!http_body_check(r, resume_fields, 1))
		return;
	const char *missed = json_str(r->body, "missed");
	bool shift = strcmp(missed, "reschedule") == 0;
	if (!shift && strcmp(missed, "publish") != 0) {
		http_error(r, 422, "invalid_value",
			   "missed must be publish (send what was due now) or reschedule (move "
			   "each missed post by the length of the pause)", "missed");
		return;
	}
	struct ws_publishing p;
	struct store *s = r->app->store;
	int64_t now = clock_now_ms();
	int rc = store_begin(s);
	if (!rc) {
		rc = store_ws_publishing(s, r->a, r->ws, &p);
		if (!rc && !p.paused_at)
			rc = ERR_CONFLICT;
		if (!rc)
			rc = store_ws_set_pause(s, r->ws, 0, "");
		if (!rc && shift)
			rc = store_publish_shift(s, r->ws, now, now - p.paused_at);
		if (!rc)
			rc = workspace_audit(r, 0, "publishing.resume", "",
					     json_pack("{s:s, s:I}", "missed", missed, "paused_ms",
						       (json_int_t)(now - p.paused_at)));
		rc = store_end(s, rc);
	}
	if (rc == ERR_CONFLICT) {
		http_error(r, 409, "not_paused", "publishing is not paused", NULL);
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	scheduler_wake(r->app->scheduler);
	send_settings(r);
}

void publish_api_notifications(struct req *r)
{
	struct notification_list nl;
	int rc = store_notification_list(r->app->store, r->a, r->ws, r->account, 100, &nl);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	int64_t unread = 0;
	rc = store_notifications_unread(r->app->store, r->ws, r->account, &unread);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kint(w, "unread", unread);
	jw_key(w, "notifications");
	jw_arr(w);
	for (size_t i = 0; i < nl.n; i++) {
		const struct notification *n = &nl.v[i];
		jw_obj(w);
		jw_kint(w, "id", n->id);
		jw_kstr(w, "kind", n->kind);
		jw_kstr(w, "message", n->message);
		jw_key(w, "post_id");
		if (n->post_id)
			jw_int(w, n->post_id);
		else
			jw_null(w);
		jw_key(w, "channel_id");
		if (n->channel_id)
			jw_int(w, n->channel_id);
		else
			jw_null(w);
		jw_ktime(w, "created_at", n->created_at);
		jw_kbool(w, "read", n->read);
		jw_obj_end(w);
	}
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 200);
}

static const struct json_field read_fields[] = {
	{"up_to", JSON_K_INT, true, 0, false},
};

/* POST …/notifications/read {"up_to": id}: everything up to that id is
 * read for the caller (a watermark: marking never goes backwards). */
void publish_api_notifications_read(struct req *r)
{
	if (!http_body_check(r, read_fields, 1))
		return;
	json_int_t up_to = json_integer_value(json_object_get(r->body, "up_to"));
	if (up_to < 0) {
		http_error(r, 422, "invalid_value", "up_to is a notification id", "up_to");
		return;
	}
	int64_t unread = 0;
	int rc = store_notifications_read(r->app->store, r->ws, r->account, up_to, &unread);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kint(w, "unread", unread);
	jw_obj_end(w);
	http_send(r, 200);
}
