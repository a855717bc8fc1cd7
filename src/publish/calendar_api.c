/* calendar_api.c - the calendar: posts by date range for the month, week
 * and list views, their export (CSV, JSON), the bulk import, and the
 * workspace's iCalendar feed at a secret URL.
 *
 * Ranges are instants; a bare date ("2026-03-29") is that day's midnight in
 * the workspace's zone, so a month view asks for its first and last local
 * days and gets exactly their posts, whatever the daylight-saving changes
 * in between. */
#define LOG_MODULE "calendar"
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "auth/auth.h"
#include "calendar/calendar.h"
#include "core/clock.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/json.h"
#include "core/sb.h"
#include "core/str.h"
#include "core/tz.h"
#include "http/http.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"
#include "workspace/workspace.h"

#define LIST_MAX 2000
#define IMPORT_ROWS_MAX 5000

/* Answers 200 with what `sb` holds as a body of `type`, and frees it. */
static void send_text(struct req *r, struct sb *sb, const char *type)
{
	r->out_text = sb_err(sb) ? NULL : arena_strndup(r->a, sb_str(sb), sb_len(sb));
	sb_free(sb);
	if (!r->out_text) {
		http_error_rc(r, ERR_TOOBIG);
		return;
	}
	r->out_type = type;
	r->status = 200;
}

/* "YYYY-MM-DD" (local midnight in `zone`) or RFC 3339. */
static bool parse_bound(const char *s, const struct tz *zone, int64_t *out)
{
	size_t n = strlen(s);
	if (n == 10 && s[4] == '-' && s[7] == '-') {
		int64_t y, m, d;
		if (str_parse_i64(s, 4, 1, 9999, &y) || str_parse_i64(s + 5, 2, 1, 12, &m) ||
		    str_parse_i64(s + 8, 2, 1, 31, &d))
			return false;
		struct tz_local w = {.year = (int)y, .month = (int)m, .day = (int)d};
		enum tz_kind kind;
		return tz_from_local(zone, &w, TZ_LATER, out, &kind) == ERR_OK;
	}
	return tz_parse_rfc3339(s, n, out, NULL) == ERR_OK;
}

/* Reads the range and filters of a calendar request. */
static bool read_filter(struct req *r, const struct workspace *ws, struct post_filter *f)
{
	const struct tz *zone = tz_utc();
	tz_get(ws->tz, &zone);
	memset(f, 0, sizeof *f);
	const char *from = http_query(r, "from"), *to = http_query(r, "to");
	if (from && !parse_bound(from, zone, &f->from)) {
		http_error(r, 400, "invalid_value", "from must be YYYY-MM-DD or RFC 3339", "from");
		return false;
	}
	if (to && !parse_bound(to, zone, &f->to)) {
		http_error(r, 400, "invalid_value", "to must be YYYY-MM-DD or RFC 3339", "to");
		return false;
	}
	if (f->from && f->to && f->to <= f->from) {
		http_error(r, 400, "invalid_value", "to must be after from", "to");
		return false;
	}
	const char *ch = http_query(r, "channel");
	if (ch && str_parse_i64(ch, strlen(ch), 1, INT64_MAX, &f->channel) != ERR_OK) {
		http_error(r, 400, "invalid_value", "channel must be a channel id", "channel");
		return false;
	}
	f->campaign = http_query(r, "campaign");
	f->label = http_query(r, "label");
	f->state = http_query(r, "state");
	int64_t limit = 500;
	const char *l = http_query(r, "limit");
	if (l && str_parse_i64(l, strlen(l), 1, LIST_MAX, &limit) != ERR_OK) {
		http_error(r, 400, "invalid_value", "limit must be from 1 to 2000", "limit");
		return false;
	}
	f->limit = (int)limit;
	return true;
}

static bool load_range(struct req *r, struct workspace *ws, struct post_list *pl)
{
	struct post_filter f;
	int rc = store_workspace_get(r->app->store, r->a, r->ws, ws);
	if (rc) {
		http_error_rc(r, rc);
		return false;
	}
	if (!read_filter(r, ws, &f))
		return false;
	rc = store_post_list(r->app->store, r->a, r->ws, &f, pl);
	if (rc) {
		http_error_rc(r, rc);
		return false;
	}
	return true;
}

void post_api_list(struct req *r)
{
	struct workspace ws;
	struct post_list pl;
	if (!load_range(r, &ws, &pl))
		return;
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kstr(w, "tz", ws.tz);
	jw_key(w, "posts");
	jw_arr(w);
	for (size_t i = 0; i < pl.n; i++)
		post_json(w, &pl.v[i], ws.tz);
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 200);
}

/* One row per variant: the columns the import reads, plus what happened. */
void post_api_export(struct req *r)
{
	const char *format = http_query(r, "format");
	if (format && strcmp(format, "csv") != 0 && strcmp(format, "json") != 0) {
		http_error(r, 400, "invalid_value", "format must be csv or json", "format");
		return;
	}
	if (!format || strcmp(format, "json") == 0) {
		post_api_list(r);
		return;
	}
	struct workspace ws;
	struct post_list pl;
	if (!load_range(r, &ws, &pl))
		return;
	const struct tz *zone = tz_utc();
	tz_get(ws.tz, &zone);
	struct sb sb;
	char first[8192];
	sb_init(&sb, first, sizeof first, 64u << 20);
	struct csv_writer cw;
	csv_w_init(&cw, &sb, ',');
	static const char *const head[] = {"date", "time", "channel", "text", "link",
					   "first_comment", "state", "published_url", "post_id"};
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		csv_w_field(&cw, head[i], strlen(head[i]));
	csv_w_end(&cw);
	for (size_t i = 0; i < pl.n; i++) {
		const struct post *p = &pl.v[i];
		char date[16] = "", hm[8] = "";
		if (p->scheduled_at) {
			struct tz_local l;
			tz_to_local(zone, p->scheduled_at, &l);
			snprintf(date, sizeof date, "%04d-%02d-%02d", l.year, l.month, l.day);
			snprintf(hm, sizeof hm, "%02d:%02d", l.hour, l.minute);
		}
		for (size_t j = 0; j < p->nv; j++) {
			const struct variant *v = &p->v[j];
			const char *cols[] = {date, hm, v->handle, v->text, v->link,
					      v->first_comment, p->state, v->url};
			for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
				csv_w_field(&cw, cols[k], strlen(cols[k]));
			csv_w_int(&cw, p->id);
			csv_w_end(&cw);
		}
	}
	http_header(r, "Content-Disposition", "attachment; filename=\"tribu-calendar.csv\"");
	send_text(r, &sb, "text/csv; charset=utf-8");
}

/* --- import ------------------------------------------------------------- */

static const struct json_field import_fields[] = {
	{"csv", JSON_K_STR, true, 0, true},
	{"dry_run", JSON_K_BOOL, false, 0, false},
};

struct import_channel {
	const char *name;
	const struct channel *ch;
};

/* A channel named in a file: by handle (with or without '@'), display
 * name, or id, whatever the case. */
static const struct channel *find_channel(const struct channel_list *cl, const char *name)
{
	const char *n = name[0] == '@' ? name + 1 : name;
	int64_t id = 0;
	str_parse_i64(n, strlen(n), 1, INT64_MAX, &id);
	for (size_t i = 0; i < cl->n; i++) {
		const struct channel *c = &cl->v[i];
		const char *h = c->handle[0] == '@' ? c->handle + 1 : c->handle;
		if (str_ieq(h, n) || (*c->display_name && str_ieq(c->display_name, name)) ||
		    c->id == id)
			return c;
	}
	return NULL;
}

/* Undoes the export's formula guard (csv.h): a leading ' before = + - @
 * TAB or CR, so that an exported file imports as it was. */
static const char *unguard(const char *s)
{
	return s[0] == '\'' && s[1] && strchr("=+-@\t\r", s[1]) ? s + 1 : s;
}

static void problem(struct jw *w, size_t line, const char *column, const char *msg)
{
	jw_obj(w);
	jw_kint(w, "line", (int64_t)line);
	jw_key(w, "column");
	jw_str(w, column);
	jw_kstr(w, "message", msg);
	jw_obj_end(w);
}

/* The file's image URLs, each fetched once (however many lines name it),
 * before any line is checked. */
struct fetched {
	struct media_fetch *v;
	size_t n;
};

#define IMPORT_FETCH_MAX 500

static int fetch_images(struct req *r, const struct import_result *res, struct fetched *out)
{
	size_t n = 0, cap = 0;
	out->v = NULL;
	for (size_t i = 0; i < res->n_rows; i++) {
		const struct import_row *row = &res->rows[i];
		for (size_t j = 0; row->ok && j < row->n_media; j++) {
			size_t k = 0;
			while (k < n && strcmp(out->v[k].url, row->media[j]) != 0)
				k++;
			if (k < n)
				continue;
			struct media_fetch *v = arena_grow(r->a, out->v, n, &cap, sizeof *v);
			if (!v)
				return ERR_TOOBIG;
			out->v = v;
			out->v[n++] = (struct media_fetch){.url = row->media[j]};
			if (n > IMPORT_FETCH_MAX) {
				out->n = n;
				return ERR_TOOBIG;
			}
		}
	}
	out->n = n;
	return n ? publish_media_fetch(r->app, r->a, r->ws, out->v, n) : ERR_OK;
}

/* The row's images as a variant's media JSON, or `*why` says which could
 * not be fetched. */
static const char *row_media(struct arena *a, const struct import_row *row,
			     const struct fetched *f, const char **why)
{
	if (!row->n_media)
		return "[]";
	json_t *arr = json_array();
	for (size_t j = 0; j < row->n_media && !*why; j++) {
		size_t k = 0;
		while (k < f->n && strcmp(f->v[k].url, row->media[j]) != 0)
			k++;
		if (k == f->n)
			*why = "an image of this line was not fetched";
		else if (f->v[k].error) {
			char msg[400];
			snprintf(msg, sizeof msg, "image %zu (%.200s): %s", j + 1, row->media[j],
				 f->v[k].error);
			*why = arena_strdup(a, msg);
			if (!*why)
				*why = f->v[k].error;
		} else {
			json_array_append_new(arr, json_pack("{s:I, s:s}", "media_id",
							     (json_int_t)f->v[k].media_id, "alt",
							     row->alt[j]));
		}
	}
	const char *res = *why ? "[]" : json_text(arr, a);
	json_decref(arr);
	if (!res) {
		*why = "the line's images do not fit in memory";
		res = "[]";
	}
	return res;
}

/* All or nothing: every row is checked (format, date ahead, channel, the
 * network's limits) and reported; the posts are created only when no row
 * has a problem, in one transaction. */
void post_api_import(struct req *r)
{
	if (!http_body_check(r, import_fields, 2))
		return;
	const char *csv = json_str(r->body, "csv");
	bool dry = json_is_true(json_object_get(r->body, "dry_run"));
	struct workspace ws;
	struct ws_publishing pub;
	struct channel_list cl;
	struct store *s = r->app->store;
	int rc = store_workspace_get(s, r->a, r->ws, &ws);
	if (!rc)
		rc = store_ws_publishing(s, r->a, r->ws, &pub);
	if (!rc)
		rc = store_channel_list(s, r->a, r->ws, &cl);
	struct import_result res;
	struct import_limits lim = {.max_rows = IMPORT_ROWS_MAX};
	if (!rc)
		rc = import_csv(r->a, csv, strlen(csv), ws.tz, &lim, &res);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct post *posts = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *posts);
	struct variant *vars = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *vars);
	const char **extra = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *extra);
	if (!posts || !vars || !extra) {
		http_error_rc(r, ERR_TOOBIG);
		return;
	}
	/* Checks beyond the file's format, one message per row at most. */
	int64_t now = clock_now_ms();
	int64_t *given = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *given);
	size_t n_given = 0;
	/* The rows accepted so far, as neighbours for the charter's gap and
	 * per-day rules. */
	int64_t *row_ch = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *row_ch);
	int64_t *row_at = arena_alloc(r->a, (res.n_rows ? res.n_rows : 1) * sizeof *row_at);
	struct charter_extra before = {.channel = row_ch, .at = row_at};
	if (!given || !row_ch || !row_at) {
		http_error_rc(r, ERR_TOOBIG);
		return;
	}
	size_t bad = res.n_problems;
	struct fetched fetched = {0};
	rc = fetch_images(r, &res, &fetched);
	if (rc == ERR_TOOBIG && fetched.n > IMPORT_FETCH_MAX) {
		http_error(r, 422, "too_many_images", "at most 500 different image URLs in one "
			   "import: import the file in parts", "csv");
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	/* The slot search and the charter check of one row allocate as much as
	 * the row is worth (neighbours, parsed rules): in a scratch arena of
	 * its own, or 5,000 rows would not fit in the request's. */
	struct arena scratch;
	arena_init(&scratch, NULL, 0, 4u << 20);
	for (size_t i = 0; i < res.n_rows; i++) {
		const struct import_row *row = &res.rows[i];
		extra[i] = NULL;
		if (!row->ok)
			continue;
		arena_free(&scratch);
		arena_init(&scratch, NULL, 0, 4u << 20);
		const char *text = unguard(row->text);
		const struct channel *ch = find_channel(&cl, unguard(row->channel));
		const struct connector_ops *ops = ch ? connector_find(ch->network) : NULL;
		struct connector_post cp = {.idem_key = "check",
					    .text = publish_text(r->a, text, row->link)};
		struct connector_result cres;
		const char *why = NULL;
		const char *media = row_media(r->a, row, &fetched, &why);
		if (why)
			extra[i] = why;
		else if (!ops)
			extra[i] = "no channel of this workspace has this name";
		else if (publish_media_load(r->app, &scratch, r->ws, media, false,
					    (struct connector_media **)&cp.media, &cp.n_media))
			extra[i] = "an image of this line could not be read back";
		else if (connector_check_post(ops, &cp, &cres) != ERR_OK)
			extra[i] = arena_strdup(r->a, cres.msg);
		else if (!row->queue && row->at_ms < now)
			extra[i] = "the date is in the past";
		vars[i] = (struct variant){.channel_id = ch ? ch->id : 0, .text = text,
					   .link = row->link,
					   .first_comment = unguard(row->first_comment),
					   .media = media, .state = "pending",
					   .network = ch ? ch->network : NULL};
		posts[i] = (struct post){.workspace_id = r->ws, .author_id = r->account,
					 .state = pub.approval_required ? "in_review" : "scheduled",
					 .scheduled_at = row->at_ms, .tz = ws.tz, .campaign = "",
					 .labels = "[]", .notes = "", .review_comment = "",
					 .failure = "", .override_reason = "", .v = &vars[i], .nv = 1};
		if (!extra[i] && row->queue) {
			/* From that day, never before now, and not a slot an
			 * earlier row of the file took. */
			int64_t at, after = row->at_ms - 1 > now ? row->at_ms - 1 : now;
			if (publish_next_slot(r->app, &scratch, &ws, &posts[i], after, given, n_given,
					      &at) != ERR_OK) {
				extra[i] = "no time given and the channel has no free queue slot";
			} else {
				posts[i].scheduled_at = at;
				given[n_given++] = at;
			}
		}
		if (!extra[i]) {
			/* The charter's errors refuse a row as they refuse a post. */
			struct charter_report rep;
			rc = publish_charter_check(r->app, &scratch, &ws, &pub, &posts[i], NULL, &before,
						   &rep);
			if (rc) {                /* the server's trouble, not the file's */
				arena_free(&scratch);
				http_error_rc(r, rc);
				return;
			}
			for (size_t j = 0; rep.errors && !extra[i] && j < rep.v[0].n; j++)
				if (rep.v[0].f[j].severity == CHARTER_ERROR) {
					const char *m = arena_strdup(r->a, rep.v[0].f[j].message);
					extra[i] = m ? m : "the charter refuses this line";
				}
		}
		if (!extra[i]) {
			row_ch[before.n] = vars[i].channel_id;
			row_at[before.n++] = posts[i].scheduled_at;
		}
	}
	arena_free(&scratch);
	for (size_t i = 0; i < res.n_rows; i++)
		bad += extra[i] != NULL;
	if (bad || dry) {
		struct jw *w = http_json(r);
		jw_obj(w);
		jw_kint(w, "rows", (int64_t)res.n_rows);
		jw_kint(w, "imported", 0);
		jw_key(w, "problems");
		jw_arr(w);
		for (size_t i = 0; i < res.n_problems; i++)
			problem(w, res.problems[i].line, res.problems[i].column,
				res.problems[i].message);
		for (size_t i = 0; i < res.n_rows; i++)
			if (extra[i])
				problem(w, res.rows[i].line, NULL, extra[i]);
		jw_arr_end(w);
		if (bad)
			http_error_member(w, "invalid_file", "nothing was imported: fix every line listed",
					  "csv");
		jw_obj_end(w);
		http_send(r, bad ? 422 : 200);
		return;
	}
	rc = store_begin(s);
	for (size_t i = 0; !rc && i < res.n_rows; i++) {
		vars[i].idem_key = publish_new_key(r->a);
		rc = store_post_insert(s, &posts[i], now);
		if (!rc && strcmp(posts[i].state, "scheduled") == 0)
			rc = store_publish_schedule(s, vars[i].id, vars[i].channel_id,
						    posts[i].scheduled_at);
	}
	if (!rc)
		rc = workspace_audit(r, 0, "post.import", "",
				     json_pack("{s:I, s:I}", "posts", (json_int_t)res.n_rows,
					       "images", (json_int_t)fetched.n));
	rc = store_end(s, rc);
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	scheduler_wake(r->app->scheduler);
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kint(w, "rows", (int64_t)res.n_rows);
	jw_kint(w, "imported", (int64_t)res.n_rows);
	jw_key(w, "post_ids");
	jw_arr(w);
	for (size_t i = 0; i < res.n_rows; i++)
		jw_int(w, posts[i].id);
	jw_arr_end(w);
	jw_key(w, "problems");
	jw_arr(w);
	jw_arr_end(w);
	jw_obj_end(w);
	http_send(r, 201);
}

/* --- the iCalendar feed ------------------------------------------------- */

/* A new secret feed URL (the old one stops working): only its hash is
 * kept, so the URL is shown once. */
void publish_api_ical_rotate(struct req *r)
{
	char token[AUTH_TOKEN_SIZE], hash[AUTH_HASH_SIZE];
	auth_token_new("ical_", token);
	auth_token_hash(token, strlen(token), hash);
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = store_ws_set_ical(s, r->ws, hash);
		if (!rc)
			rc = workspace_audit(r, 0, "ical.rotate", "", NULL);
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	char path[AUTH_TOKEN_SIZE + 32];
	snprintf(path, sizeof path, "/api/v1/ical/%s.ics", token);
	struct jw *w = http_json(r);
	jw_obj(w);
	jw_kstr(w, "path", path);
	jw_obj_end(w);
	http_send(r, 201);
}

void publish_api_ical_disable(struct req *r)
{
	struct store *s = r->app->store;
	int rc = store_begin(s);
	if (!rc) {
		rc = store_ws_set_ical(s, r->ws, "");
		if (!rc)
			rc = workspace_audit(r, 0, "ical.disable", "", NULL);
		rc = store_end(s, rc);
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	http_no_content(r);
}

static enum ical_state ical_of(const char *state)
{
	if (!strcmp(state, "published"))
		return ICAL_PUBLISHED;
	if (!strcmp(state, "canceled"))
		return ICAL_CANCELED;
	if (!strcmp(state, "failed"))
		return ICAL_FAILED;
	if (!strcmp(state, "scheduled") || !strcmp(state, "publishing"))
		return ICAL_SCHEDULED;
	return ICAL_DRAFT;
}

/* GET /api/v1/ical/:token: public, the token is the credential. Posts
 * from 90 days back to a year ahead, one event per variant. */
void publish_api_ical_feed(struct req *r)
{
	const char *t = http_param(r, "token");
	size_t n = t ? strlen(t) : 0;
	if (n > 4 && strcmp(t + n - 4, ".ics") == 0)
		n -= 4;
	char hash[AUTH_HASH_SIZE];
	int64_t ws_id = 0;
	auth_token_hash(t ? t : "", n, hash);
	struct workspace ws;
	struct post_list pl;
	struct store *s = r->app->store;
	int rc = n ? store_ws_by_ical(s, hash, &ws_id) : ERR_NOTFOUND;
	if (!rc)
		rc = store_workspace_get(s, r->a, ws_id, &ws);
	int64_t now = clock_now_ms();
	struct post_filter f = {.from = now - 90LL * 86400000, .to = now + 366LL * 86400000,
				.limit = LIST_MAX};
	if (!rc)
		rc = store_post_list(s, r->a, ws_id, &f, &pl);
	if (rc == ERR_NOTFOUND) {
		http_error(r, 404, "not_found", "no such calendar", NULL);
		return;
	}
	if (rc) {
		http_error_rc(r, rc);
		return;
	}
	struct sb sb;
	char first[8192];
	sb_init(&sb, first, sizeof first, 64u << 20);
	ical_begin(&sb, ws.name, ws.tz);
	for (size_t i = 0; i < pl.n; i++) {
		const struct post *p = &pl.v[i];
		if (ical_of(p->state) == ICAL_DRAFT)
			continue;
		const char **labels = NULL;
		size_t nl = 0;
		json_error_t je;
		json_t *la = json_loads(p->labels, 0, &je);
		if (json_array_size(la)) {
			labels = arena_alloc(r->a, json_array_size(la) * sizeof *labels);
			for (size_t k = 0; labels && k < json_array_size(la); k++) {
				const char *l = json_string_value(json_array_get(la, k));
				labels[nl] = arena_strdup(r->a, l ? l : "");
				nl += labels[nl] != NULL;
			}
		}
		json_decref(la);
		for (size_t j = 0; j < p->nv; j++) {
			const struct variant *v = &p->v[j];
			char vid[24], chname[200];
			snprintf(vid, sizeof vid, "%lld", (long long)v->channel_id);
			snprintf(chname, sizeof chname, "%s %s", v->network, v->handle);
			struct ical_event e = {
				.post_id = p->id, .variant = vid, .updated_ms = p->updated_at,
				.start_ms = p->scheduled_at, .channel = chname, .text = v->text,
				.state = ical_of(p->state), .url = *v->url ? v->url : NULL,
				.campaign = *p->campaign ? p->campaign : NULL,
				.labels = labels, .n_labels = nl, .sequence = p->version,
			};
			ical_event(&sb, &e);
		}
	}
	ical_end(&sb);
	send_text(r, &sb, "text/calendar; charset=utf-8");
}
