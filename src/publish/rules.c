/* rules.c - where publishing meets the editorial charter and the queue
 * slots: reading them from requests, checking a post, finding a slot. */
#include <stdio.h>
#include <string.h>

#include "app.h"
#include "calendar/calendar.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/sb.h"
#include "http/http.h"
#include "text/text.h"
#include "publish/publish.h"
#include "publish/publish_int.h"

/* Rules stored as canonical JSON text, parsed again when used. */
static int parse_stored(const char *json, int64_t net_max, struct arena *a,
			struct charter **out)
{
	json_error_t je;
	json_t *o = json_loads(json && *json ? json : "{}", 0, &je);
	if (!o)
		return ERR_INVAL;
	const char *field;
	char msg[160];
	int rc = charter_parse(o, net_max, a, out, &field, msg, sizeof msg);
	json_decref(o);
	return rc;
}

bool publish_rules_read(struct req *r, int64_t net_max, const char **charter,
			const char **slots)
{
	const json_t *c = json_object_get(r->body, "charter");
	if (c && charter) {
		struct charter *ch;
		const char *field;
		char msg[200], fbuf[96];
		if (charter_parse(c, net_max, r->a, &ch, &field, msg, sizeof msg) != ERR_OK) {
			snprintf(fbuf, sizeof fbuf, "charter.%s", field ? field : "");
			char *f = arena_strdup(r->a, fbuf);
			http_error(r, 422, "invalid_value", msg, f ? f : "charter");
			return false;
		}
		*charter = charter_json(ch, r->a);
		if (!*charter)
			*charter = "{}";
	}
	const json_t *s = json_object_get(r->body, "slots");
	if (s && slots) {
		struct slot v[SLOTS_MAX];
		size_t n;
		char why[160];
		if (slots_from_json(s, v, &n, why, sizeof why) != ERR_OK) {
			http_error(r, 422, "invalid_value", why, "slots");
			return false;
		}
		struct sb b;
		struct jw w;
		char first[2048];
		sb_init(&b, first, sizeof first, 16384);
		jw_init(&w, &b);
		slots_to_json(&w, v, n);
		*slots = sb_err(&b) ? NULL : arena_strdup(r->a, sb_str(&b));
		sb_free(&b);
		if (!*slots) {
			http_error_rc(r, ERR_TOOBIG);
			return false;
		}
	}
	return true;
}

/* The thread's parts and the first comment of variant `vi`: the rules of
 * the text (words, counts, links, length), not those of the post as a whole
 * (required words appear once in the post; time rules are the post's). */
static int check_replies(struct arena *a, const struct charter *eff,
			 const struct connector_ops *ops, const struct charter_draft *post,
			 const struct variant *v, size_t vi, int64_t channel,
			 struct charter_report *out)
{
	const char *texts[11], *names[11];
	size_t n = 0;
	json_error_t je;
	json_t *opt = json_loads(v->options && *v->options ? v->options : "{}", 0, &je);
	const json_t *thread = json_object_get(opt, "thread");
	for (size_t i = 0; i < json_array_size(thread) && n < 10; i++) {
		char name[24];
		snprintf(name, sizeof name, "thread[%zu]", i);
		texts[n] = arena_strdup(a, json_string_value(json_array_get(thread, i)));
		names[n++] = arena_strdup(a, name);
	}
	json_decref(opt);
	if (v->first_comment && *v->first_comment) {
		texts[n] = v->first_comment;
		names[n++] = "first_comment";
	}
	for (size_t i = 0; i < n; i++) {
		if (!texts[i] || !names[i])
			return ERR_TOOBIG;
		size_t len = 0;
		ops->measure(texts[i], strlen(texts[i]), &len);
		struct charter_draft d = {.text = texts[i], .length = (int64_t)len,
					  .text_flags = post->text_flags, .tz = post->tz,
					  .lang = post->lang};
		struct variant_findings vf = {.variant = vi, .channel_id = channel, .part = names[i]};
		int rc = charter_check(eff, &d, a, &vf.f, &vf.n);
		if (rc)
			return rc;
		size_t kept = 0;
		for (size_t j = 0; j < vf.n; j++)
			if (strcmp(vf.f[j].rule, "required") != 0) {
				vf.f[kept++] = vf.f[j];
				out->errors += vf.f[j].severity == CHARTER_ERROR;
			}
		vf.n = kept;
		if (kept)
			out->v[out->nv++] = vf;
	}
	return ERR_OK;
}

int publish_charter_check(const struct app *app, struct arena *a, const struct workspace *ws,
			  const struct ws_publishing *pub, const struct post *p, const char *lang,
			  const struct charter_extra *extra, struct charter_report *out)
{
	struct ws_publishing own;
	int rc;
	if (!pub) {
		if ((rc = store_ws_publishing(app->store, a, ws->id, &own)))
			return rc;
		pub = &own;
	}
	struct charter *wsc;
	rc = parse_stored(pub->charter, 0, a, &wsc);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	/* A group for each variant, and for each of its replies with findings
	 * (at most 10 thread parts and a first comment). */
	out->v = arena_alloc(a, (p->nv ? p->nv : 1) * 12 * sizeof *out->v);
	if (!out->v)
		return ERR_TOOBIG;
	for (size_t i = 0; i < p->nv; i++) {
		const struct variant *v = &p->v[i];
		struct channel ch;
		rc = store_channel_get(app->store, a, ws->id, v->channel_id, &ch);
		const struct connector_ops *ops = rc ? NULL : connector_find(ch.network);
		if (!rc && !ops)
			rc = ERR_NOTFOUND;
		struct charter *chc;
		if (!rc)
			rc = parse_stored(ch.charter, ops->limits->max_len, a, &chc);
		if (rc)
			return rc;
		const struct charter *eff = charter_merge(wsc, chc, a);
		size_t len = 0;
		ops->measure(v->text, strlen(v->text), &len);
		struct connector_media *media;
		int n_media;
		rc = publish_media_load(app, a, ws->id, v->media, false, &media, &n_media);
		if (rc)
			return rc;
		const char **alts = arena_alloc(a, (size_t)(n_media ? n_media : 1) * sizeof *alts);
		if (!alts)
			return ERR_TOOBIG;
		for (int j = 0; j < n_media; j++)
			alts[j] = media[j].alt;
		struct charter_draft d = {
			.text = v->text,
			.length = (int64_t)len,
			.text_flags = strcmp(ch.network, "mastodon") == 0 ? TEXT_MASTODON : 0,
			.n_images = (size_t)n_media,
			.alts = alts,
			.at = p->scheduled_at,
			.tz = ws->tz,
			.lang = lang ? lang : ws->lang,
		};
		if (p->scheduled_at) {
			/* Neighbours within two days cover the gap and per-day rules
			 * (a local day is at most 26 hours long). */
			int64_t *t;
			size_t nt;
			int64_t from = p->scheduled_at - 172800000, to = p->scheduled_at + 172800000;
			rc = store_channel_times(app->store, a, ch.id, from, to, p->id, &t, &nt);
			if (rc)
				return rc;
			size_t cap = nt;
			for (size_t j = 0; extra && j < extra->n; j++)
				if (extra->channel[j] == ch.id && extra->at[j] >= from && extra->at[j] < to) {
					t = arena_grow(a, t, nt, &cap, sizeof *t);
					if (!t)
						return ERR_TOOBIG;
					t[nt++] = extra->at[j];
				}
			d.others = t;
			d.n_others = nt;
		}
		struct variant_findings *vf = &out->v[out->nv++];
		*vf = (struct variant_findings){.variant = i, .channel_id = ch.id};
		rc = charter_check(eff, &d, a, &vf->f, &vf->n);
		if (rc)
			return rc;
		for (size_t j = 0; j < vf->n; j++)
			out->errors += vf->f[j].severity == CHARTER_ERROR;
		rc = check_replies(a, eff, ops, &d, v, i, ch.id, out);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

void publish_findings_json(struct jw *w, const struct charter_report *rep)
{
	jw_arr(w);
	for (size_t i = 0; i < rep->nv; i++) {
		jw_obj(w);
		jw_kint(w, "variant", (int64_t)rep->v[i].variant);
		jw_kint(w, "channel_id", rep->v[i].channel_id);
		if (rep->v[i].part)
			jw_kstr(w, "part", rep->v[i].part);
		jw_key(w, "findings");
		charter_findings_json(w, rep->v[i].f, rep->v[i].n);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

struct taken_ctx {
	const int64_t *t;
	size_t n;
};

static bool slot_taken(void *ctx, int64_t at)
{
	const struct taken_ctx *c = ctx;
	for (size_t i = 0; i < c->n; i++)
		if (c->t[i] == at)
			return true;
	return false;
}

int publish_next_slot(const struct app *app, struct arena *a, const struct workspace *ws,
		      const struct post *p, int64_t after, const int64_t *extra, size_t n_extra,
		      int64_t *at)
{
	if (p->nv == 0)
		return ERR_NOTFOUND;
	struct channel ch;
	int rc = store_channel_get(app->store, a, ws->id, p->v[0].channel_id, &ch);
	if (rc)
		return rc;
	struct slot v[SLOTS_MAX];
	size_t n;
	if (slots_parse(ch.slots, strlen(ch.slots), v, &n, NULL, 0) != ERR_OK || n == 0)
		return ERR_NOTFOUND;
	/* Every post already on any of this post's channels within the year
	 * the search covers. */
	struct taken_ctx tc = {0};
	int64_t *all = NULL;
	size_t cap = 0;
	for (size_t i = 0; i < p->nv; i++) {
		int64_t *t;
		size_t nt;
		rc = store_channel_times(app->store, a, p->v[i].channel_id, after,
					 after + 400LL * 86400000, p->id, &t, &nt);
		if (rc)
			return rc;
		for (size_t j = 0; j < nt; j++) {
			all = arena_grow(a, all, tc.n, &cap, sizeof *all);
			if (!all)
				return ERR_TOOBIG;
			all[tc.n++] = t[j];
		}
	}
	for (size_t j = 0; j < n_extra; j++) {
		all = arena_grow(a, all, tc.n, &cap, sizeof *all);
		if (!all)
			return ERR_TOOBIG;
		all[tc.n++] = extra[j];
	}
	tc.t = all;
	return slots_next(v, n, ws->tz, after, slot_taken, &tc, at);
}
