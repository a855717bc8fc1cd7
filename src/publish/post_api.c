/* post_api.c - /workspaces/:ws/posts: writing, reviewing, scheduling and
 * reading posts, and the calendar view of them.
 *
 * A post is written once with one variant per channel. Its date is an
 * instant (UTC ms) plus the zone it was chosen in, so a daylight-saving
 * change never moves it. Scheduling checks each variant against its
 * network's limits and the editorial charter; charter errors refuse it
 * unless an owner or admin overrides them with a reason (audited). */
#define LOG_MODULE "post"
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
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"
#include "workspace/workspace.h"


/* "" is written as null: the field has no value yet. */
static void kstr_or_null(struct jw *w, const char *key, const char *s)
{
	jw_key(w, key);
	jw_str(w, s && *s ? s : NULL);
}

static void variant_json(struct jw *w, const struct variant *v)
{
	jw_obj(w);
	jw_kint(w, "id", v->id);
	jw_kint(w, "channel_id", v->channel_id);
	jw_kstr(w, "network", v->network);
	jw_kstr(w, "handle", v->handle);
	jw_kstr(w, "text", v->text);
	jw_kstr(w, "link", v->link);
	jw_kstr(w, "first_comment", v->first_comment);
	json_error_t je;
	json_t *opt = json_loads(v->options && *v->options ? v->options : "{}", 0, &je);
	const json_t *thread = json_object_get(opt, "thread");
	jw_key(w, "thread");
	jw_arr(w);
	for (size_t i = 0; i < json_array_size(thread); i++)
		jw_str(w, json_string_value(json_array_get(thread, i)));
	jw_arr_end(w);
	jw_key(w, "visibility");
	jw_str(w, json_string_value(json_object_get(opt, "visibility")));
	jw_key(w, "content_warning");
	jw_str(w, json_string_value(json_object_get(opt, "content_warning")));
	json_decref(opt);
	jw_key(w, "media");
	jw_raw(w, *v->media ? v->media : "[]");
	jw_kstr(w, "state", v->state);
	jw_kstr(w, "idempotency_key", v->idem_key);
	kstr_or_null(w, "external_id", v->external_id);
	kstr_or_null(w, "url", v->url);
	kstr_or_null(w, "error", v->error);
	jw_key(w, "published_at");
	if (v->published_at)
		jw_time(w, v->published_at);
	else
		jw_null(w);
	jw_obj_end(w);
}

/* A time as RFC 3339 with the offset of `tz`, or null. */
static void local_time(struct jw *w, const char *key, const struct tz *z, int64_t ms)
{
	char buf[TZ_RFC3339_SIZE];
	jw_key(w, key);
	if (ms && tz_format_rfc3339(z, ms, buf) == ERR_OK)
		jw_str(w, buf);
	else
		jw_null(w);
}

void post_json(struct jw *w, const struct post *p, const char *ws_tz)
{
	const struct tz *z = tz_utc(), *pz;
	if (tz_get(ws_tz, &pz) == ERR_OK)
		z = pz;
	jw_obj(w);
	jw_kint(w, "id", p->id);
	jw_kstr(w, "state", p->state);
	local_time(w, "scheduled_at", z, p->scheduled_at);
	jw_kstr(w, "tz", ws_tz);
	/* The calendar's day for this post, in the workspace's zone. */
	jw_key(w, "local_date");
	if (p->scheduled_at) {
		struct tz_local l;
		char d[16];
		tz_to_local(z, p->scheduled_at, &l);
		snprintf(d, sizeof d, "%04d-%02d-%02d", l.year, l.month, l.day);
		jw_str(w, d);
	} else {
		jw_null(w);
	}
	jw_kstr(w, "campaign", p->campaign);
	jw_key(w, "labels");
	jw_raw(w, *p->labels ? p->labels : "[]");
	jw_kstr(w, "notes", p->notes);
	jw_kstr(w, "review_comment", p->review_comment);
	kstr_or_null(w, "failure", p->failure);
	kstr_or_null(w, "override_reason", p->override_reason);
	local_time(w, "published_at", z, p->published_at);
	jw_kint(w, "author_id", p->author_id);
	jw_kint(w, "version", p->version);
	jw_ktime(w, "created_at", p->created_at);
	jw_ktime(w, "updated_at", p->updated_at);
	jw_key(w, "variants");
	jw_arr(w);
	for (size_t i = 0; i < p->nv; i++)
		variant_json(w, &p->v[i]);
	jw_arr_end(w);
	jw_obj_end(w);
}

static void send_post(struct req *r, int status, int64_t id)
{
	struct post p;
	struct workspace ws;
	int rc = store_post_get(r->app->store, r->a, r->ws, id, &p);
	if (!rc)
		rc = store_workspace_get(r->app->store, r->a, r->ws, &ws);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	post_json(http_json(r), &p, ws.tz);
	http_send(r, status);
}

static const struct json_field post_fields[] = {
	{"variants", JSON_K_ARR, false, MAX_VARIANTS, false},
	{"scheduled_at", JSON_K_STR, false, 40, false},
	{"queue", JSON_K_BOOL, false, 0, false},
	{"campaign", JSON_K_STR, false, 120, false},
	{"labels", JSON_K_ARR, false, 20, false},
	{"notes", JSON_K_STR, false, 5000, true},
	{"override_reason", JSON_K_STR, false, 500, true},
};
#define N_POST_FIELDS (sizeof post_fields / sizeof post_fields[0])

/* --- state changes ------------------------------------------------------ */

/* Writes `p` (and, when `variants`, its new variants), schedules or
 * unschedules its jobs as its state says, and audits `action`: one
 * transaction. */
static int save(struct req *r, struct post *p, bool insert, bool variants, const char *action,
		json_t *detail)
{
	struct store *s = r->app->store;
	int64_t now = clock_now_ms();
	int rc = store_begin(s);
	if (rc) {
		json_decref(detail);
		return rc;
	}
	if (insert)
		rc = store_post_insert(s, p, now);
	else
		rc = store_post_update(s, p, now);
	if (!rc && !insert)
		rc = store_publish_unschedule(s, p->id);
	if (!rc && variants && !insert)
		rc = store_post_set_variants(s, p);
	/* A variant already out (a post that failed on another channel) is
	 * never sent again. */
	if (!rc && strcmp(p->state, "scheduled") == 0)
		for (size_t i = 0; !rc && i < p->nv; i++)
			if (strcmp(p->v[i].state, "published") != 0)
				rc = store_publish_schedule(s, p->v[i].id, p->v[i].channel_id,
							    p->scheduled_at);
	char target[32];
	snprintf(target, sizeof target, "post %lld", (long long)p->id);
	if (!rc)
		rc = workspace_audit(r, 0, action, target, detail);
	else
		json_decref(detail);
	rc = store_end(s, rc);
	if (!rc && strcmp(p->state, "scheduled") == 0 && p->scheduled_at <= now + 1000)
		scheduler_wake(r->app->scheduler);
	return rc;
}

/* save(), then the post as it is now with `status`, or the error. */
static void save_and_send(struct req *r, struct post *p, bool insert, bool variants,
			  const char *action, json_t *detail, int status)
{
	int rc = save(r, p, insert, variants, action, detail);
	if (rc)
		http_error_rc(r, rc);
	else
		send_post(r, status, p->id);
}

/* Charter gate for scheduling: charter errors refuse it, unless an owner or
 * admin gives "override_reason". Answers and returns false when refused. */
static bool charter_gate(struct req *r, const struct workspace *ws, struct post *p)
{
	struct charter_report rep;
	int rc = publish_charter_check(r->app, r->a, ws, NULL, p, NULL, NULL, &rep);
	if (rc) {
		http_error_rc(r, rc);
		return false;
	}
	if (rep.errors == 0)
		return true;
	const char *why = json_str(r->body, "override_reason");
	if (why && *why && (r->role & (ROLE_OWNER | ROLE_ADMIN))) {
		p->override_reason = why;
		return true;
	}
	struct jw *w = http_json(r);
	jw_obj(w);
	http_error_member(w, "charter_violation",
			  why && *why ? "only an owner or admin may override the charter"
				      : "the post breaks the editorial charter: fix it, or an owner "
					"or admin may override with override_reason",
			  "variants");
	jw_key(w, "findings");
	publish_findings_json(w, &rep);
	jw_obj_end(w);
	http_send(r, 422);
	return false;
}

void post_api_create(struct req *r)
{
	if (!http_body_check(r, post_fields, N_POST_FIELDS))
		return;
	const json_t *vs = json_object_get(r->body, "variants");
	if (!vs) {
		http_error(r, 400, "missing_field", "variants is required", "variants");
		return;
	}
	struct workspace ws;
	struct ws_publishing pub;
	int rc = store_workspace_get(r->app->store, r->a, r->ws, &ws);
	if (!rc)
		rc = store_ws_publishing(r->app->store, r->a, r->ws, &pub);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct post p = {.workspace_id = r->ws, .author_id = r->account, .state = "draft",
			 .tz = ws.tz, .campaign = json_str(r->body, "campaign"),
			 .labels = "[]", .notes = json_str(r->body, "notes"),
			 .review_comment = "", .failure = "", .override_reason = ""};
	if (!post_read_variants(r, vs, &p) || !post_add_utm(r, &pub, &p) ||
	    !post_read_labels(r, json_object_get(r->body, "labels"), &p.labels))
		return;
	if (!post_read_when(r, &ws, &p, &p.scheduled_at))
		return;
	if (p.scheduled_at) {
		p.state = pub.approval_required ? "in_review" : "scheduled";
		if (strcmp(p.state, "scheduled") == 0 && !charter_gate(r, &ws, &p))
			return;
	}
	json_t *d = json_pack("{s:s, s:I}", "state", p.state, "variants", (json_int_t)p.nv);
	if (*p.override_reason)
		json_object_set_new(d, "override_reason", json_string(p.override_reason));
	save_and_send(r, &p, true, true, "post.create", d, 201);
}

static bool load(struct req *r, struct post *p, struct workspace *ws, struct ws_publishing *pub)
{
	int64_t id;
	int rc = http_param_id(r, "post", &id) ? store_post_get(r->app->store, r->a, r->ws, id, p)
					       : ERR_NOTFOUND;
	if (!rc && ws)
		rc = store_workspace_get(r->app->store, r->a, r->ws, ws);
	if (!rc && pub)
		rc = store_ws_publishing(r->app->store, r->a, r->ws, pub);
	if (rc == ERR_NOTFOUND) {
		http_error(r, 404, "not_found", "no such post", NULL);
		return false;
	}
	if (rc) {
		http_error_rc(r, rc);
		return false;
	}
	return true;
}

static bool vs_pending(const struct post *p)
{
	for (size_t i = 0; i < p->nv; i++)
		if (strcmp(p->v[i].state, "pending") != 0)
			return false;
	return true;
}

static bool in_state(const struct post *p, const char *const *states)
{
	for (; *states; states++)
		if (strcmp(p->state, *states) == 0)
			return true;
	return false;
}

static void wrong_state(struct req *r, const struct post *p, const char *what)
{
	char msg[160];
	snprintf(msg, sizeof msg, "a %s post cannot be %s", p->state, what);
	http_error(r, 409, "wrong_state", msg, "state");
}

void post_api_get(struct req *r)
{
	struct post p;
	if (load(r, &p, NULL, NULL))
		send_post(r, 200, p.id);
}

static const char *const editable[] = {"draft", "in_review", "approved", "scheduled", "failed",
				       NULL};

void post_api_update(struct req *r)
{
	if (!http_body_check(r, post_fields, N_POST_FIELDS))
		return;
	struct post p;
	struct workspace ws;
	struct ws_publishing pub;
	if (!load(r, &p, &ws, &pub))
		return;
	if (!in_state(&p, editable)) {
		wrong_state(r, &p, "edited");
		return;
	}
	const json_t *vs = json_object_get(r->body, "variants");
	if (vs && !vs_pending(&p)) {
		http_error(r, 409, "partly_published",
			   "a variant of this post was published already: its variants cannot "
			   "be replaced (write a new post)", "variants");
		return;
	}
	if (vs && !post_read_variants(r, vs, &p))
		return;
	const char *c = json_str(r->body, "campaign"), *n = json_str(r->body, "notes");
	if (c)
		p.campaign = c;
	if (n)
		p.notes = n;
	if (c && !vs && !vs_pending(&p)) {
		http_error(r, 409, "partly_published",
			   "a variant of this post was published already: its campaign cannot change",
			   "campaign");
		return;
	}
	if ((vs || c) && !post_add_utm(r, &pub, &p))
		return;
	if (!post_read_labels(r, json_object_get(r->body, "labels"), &p.labels))
		return;
	int64_t at = 0;
	if (!post_read_when(r, &ws, &p, &at))
		return;
	if (at)
		p.scheduled_at = at;
	/* A failed post edited is a draft again; content changed after an
	 * approval needs a new one. */
	if (strcmp(p.state, "failed") == 0)
		p.state = "draft";
	if (pub.approval_required && vs && in_state(&p, (const char *const[]){"approved",
									    "scheduled", NULL}))
		p.state = "in_review";
	p.failure = "";
	if (strcmp(p.state, "scheduled") == 0 && !charter_gate(r, &ws, &p))
		return;
	save_and_send(r, &p, false, vs || c, "post.update", json_deep_copy(r->body), 200);
}

void post_api_delete(struct req *r)
{
	struct post p;
	if (!load(r, &p, NULL, NULL))
		return;
	if (strcmp(p.state, "publishing") == 0) {
		wrong_state(r, &p, "deleted while it is being published");
		return;
	}
	struct store *s = r->app->store;
	char target[32];
	snprintf(target, sizeof target, "post %lld", (long long)p.id);
	int rc = store_begin(s);
	if (!rc) {
		rc = store_publish_unschedule(s, p.id);
		if (!rc)
			rc = store_post_delete(s, r->ws, p.id, p.version);
		if (!rc)
			rc = workspace_audit(r, 0, "post.delete", target,
					     json_pack("{s:s}", "state", p.state));
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	http_no_content(r);
}

void post_api_submit(struct req *r)
{
	struct post p;
	if (!load(r, &p, NULL, NULL))
		return;
	if (strcmp(p.state, "draft") != 0) {
		wrong_state(r, &p, "submitted for review");
		return;
	}
	p.state = "in_review";
	save_and_send(r, &p, false, false, "post.submit", NULL, 200);
}

static const struct json_field review_fields[] = {
	{"comment", JSON_K_STR, false, 2000, true},
	{"override_reason", JSON_K_STR, false, 500, true},
};

static void review(struct req *r, bool approve)
{
	if (r->body && !http_body_check(r, review_fields, 2))
		return;
	struct post p;
	struct workspace ws;
	if (!load(r, &p, &ws, NULL))
		return;
	if (strcmp(p.state, "in_review") != 0) {
		wrong_state(r, &p, approve ? "approved" : "rejected");
		return;
	}
	const char *comment = r->body ? json_str(r->body, "comment") : NULL;
	if (!approve && (!comment || !*comment)) {
		http_error(r, 400, "missing_field", "a rejection needs a comment for the author",
			   "comment");
		return;
	}
	p.review_comment = comment ? comment : "";
	if (!approve) {
		p.state = "draft";
	} else if (p.scheduled_at) {
		/* Approved with a date: scheduled at once, if the date is still
		 * ahead (else it waits in approved for a new date). */
		p.state = p.scheduled_at >= clock_now_ms() - PAST_GRACE_MS ? "scheduled" : "approved";
		if (strcmp(p.state, "scheduled") == 0 && !charter_gate(r, &ws, &p))
			return;
	} else {
		p.state = "approved";
	}
	json_t *d = json_pack("{s:s}", "state", p.state);
	if (comment)
		json_object_set_new(d, "comment", json_string(comment));
	save_and_send(r, &p, false, false, approve ? "post.approve" : "post.reject", d, 200);
}

void post_api_approve(struct req *r)
{
	review(r, true);
}

void post_api_reject(struct req *r)
{
	review(r, false);
}

static const struct json_field schedule_fields[] = {
	{"scheduled_at", JSON_K_STR, false, 40, false},
	{"queue", JSON_K_BOOL, false, 0, false},
	{"override_reason", JSON_K_STR, false, 500, true},
};

void post_api_schedule(struct req *r)
{
	if (!http_body_check(r, schedule_fields, 3))
		return;
	struct post p;
	struct workspace ws;
	struct ws_publishing pub;
	if (!load(r, &p, &ws, &pub))
		return;
	if (!in_state(&p, (const char *const[]){"draft", "approved", "scheduled", NULL})) {
		wrong_state(r, &p, "scheduled");
		return;
	}
	if (pub.approval_required && strcmp(p.state, "draft") == 0) {
		http_error(r, 409, "approval_required",
			   "this workspace requires an approval before scheduling: submit the post",
			   "state");
		return;
	}
	int64_t at = 0;
	if (!post_read_when(r, &ws, &p, &at))
		return;
	if (!at && !p.scheduled_at) {
		http_error(r, 400, "missing_field", "give scheduled_at or queue", "scheduled_at");
		return;
	}
	if (at)
		p.scheduled_at = at;
	else if (p.scheduled_at < clock_now_ms() - PAST_GRACE_MS) {
		http_error(r, 422, "in_the_past", "the post's date is past: give a new one",
			   "scheduled_at");
		return;
	}
	p.state = "scheduled";
	if (!charter_gate(r, &ws, &p))
		return;
	char when[TZ_RFC3339_SIZE];
	tz_format_rfc3339(tz_utc(), p.scheduled_at, when);
	json_t *d = json_pack("{s:s}", "scheduled_at", when);
	if (*p.override_reason)
		json_object_set_new(d, "override_reason", json_string(p.override_reason));
	save_and_send(r, &p, false, false, "post.schedule", d, 200);
}

void post_api_cancel(struct req *r)
{
	struct post p;
	if (!load(r, &p, NULL, NULL))
		return;
	/* A post "publishing" but with nothing out nor in flight (it waits for
	 * a retry or for its channel's new login) can still be called back. */
	bool waiting = strcmp(p.state, "publishing") == 0 && vs_pending(&p);
	if (!waiting && !in_state(&p, (const char *const[]){"draft", "in_review", "approved",
							   "scheduled", "failed", NULL})) {
		wrong_state(r, &p, "canceled");
		return;
	}
	p.state = "canceled";
	save_and_send(r, &p, false, false, "post.cancel", NULL, 200);
}
