/* post_input.c - a post as a request describes it: its variants (each
 * channel of this workspace once, each text, thread part, comment and image
 * within its network's limits), labels, date or queue slot, and the UTM
 * tags of its campaign. Every refusal answers with the field it is about
 * ("variants[1].thread[0]"). */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "core/tz.h"
#include "http/http.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"

const char *publish_text(struct arena *a, const char *text, const char *link)
{
	if (!link || !*link || strstr(text, link))
		return text;
	size_t n = strlen(text);
	char *t = arena_alloc(a, n + strlen(link) + 2);
	if (t)
		snprintf(t, n + strlen(link) + 2, "%s%s%s", text, n ? "\n" : "", link);
	return t;
}

/* --- reading a post from a request -------------------------------------- */

static const struct json_field variant_fields[] = {
	{"channel_id", JSON_K_INT, true, 0, false},
	{"text", JSON_K_STR, true, 10000, true},
	{"link", JSON_K_STR, false, 2000, false},
	{"first_comment", JSON_K_STR, false, 10000, true},
	{"media", JSON_K_ARR, false, 0, false},
	{"thread", JSON_K_ARR, false, 10, false},
	{"visibility", JSON_K_STR, false, 16, false},
	{"content_warning", JSON_K_STR, false, 500, true},
};
#define N_VARIANT_FIELDS (sizeof variant_fields / sizeof variant_fields[0])

static const char *fieldf(struct req *r, const char *fmt, size_t i, const char *name)
{
	char *f = arena_alloc(r->a, 64);
	if (f)
		snprintf(f, 64, fmt, i, name);
	return f ? f : "variants";
}

/* A new idempotency key: the same for every attempt of this variant, unique
 * across installations (Bluesky derives the record key from it). */
const char *publish_new_key(struct arena *a)
{
	unsigned char raw[16];
	randombytes_buf(raw, sizeof raw);
	char *k = arena_alloc(a, 8 + 2 * sizeof raw);
	if (k) {
		memcpy(k, "tribu-", 6);
		str_hex(k + 6, raw, sizeof raw);
	}
	return k;
}

/* "thread" (the parts after the post, each answering the one before),
 * "visibility" and "content_warning" (Mastodon's): the options JSON text,
 * or NULL after answering. */
static const char *read_options(struct req *r, const json_t *o,
				const struct connector_ops *ops, size_t vi)
{
	const json_t *thread = json_object_get(o, "thread");
	const char *vis = json_str(o, "visibility"), *cw = json_str(o, "content_warning");
	if (!json_array_size(thread) && !vis && !cw)
		return "{}";
	bool masto = ops && strcmp(ops->name, "mastodon") == 0;
	if ((vis || cw) && !masto) {
		http_error(r, 422, "invalid_value", "visibility and content_warning are Mastodon's",
			   fieldf(r, "variants[%zu].%s", vi, vis ? "visibility" : "content_warning"));
		return NULL;
	}
	static const char *const visibilities[] = {"public", "unlisted", "private", "direct"};
	bool vis_ok = !vis;
	for (size_t i = 0; vis && i < 4; i++)
		vis_ok |= strcmp(vis, visibilities[i]) == 0;
	if (!vis_ok) {
		http_error(r, 422, "invalid_value",
			   "visibility is public, unlisted, private or direct",
			   fieldf(r, "variants[%zu].%s", vi, "visibility"));
		return NULL;
	}
	json_t *out = json_object();
	size_t i;
	const json_t *part;
	json_array_foreach(thread, i, part) {
		const char *t = json_string_value(part);
		struct connector_post cp = {.idem_key = "check", .text = t ? t : ""};
		struct connector_result res;
		const char *why = !t || !*t || json_string_length(part) > 10000
					  ? "each part of a thread is a text of 1 to 10000 characters"
				  : ops && connector_check_post(ops, &cp, &res) != ERR_OK ? res.msg
											  : NULL;
		if (why) {
			json_decref(out);
			char f[64];
			snprintf(f, sizeof f, "variants[%zu].thread[%zu]", vi, i);
			http_error(r, 422, "too_long", why, arena_strdup(r->a, f));
			return NULL;
		}
	}
	if (json_array_size(thread))
		json_object_set(out, "thread", (json_t *)thread);
	if (vis)
		json_object_set_new(out, "visibility", json_string(vis));
	if (cw)
		json_object_set_new(out, "content_warning", json_string(cw));
	const char *res = json_text(out, r->a);
	json_decref(out);
	if (!res)
		http_error_rc(r, ERR_TOOBIG);
	return res;
}

/* "media": [{"media_id", "alt"}], each an image of this workspace; the
 * canonical JSON text, or NULL after answering. */
static const char *read_media(struct req *r, const json_t *arr, size_t vi)
{
	if (!arr || json_array_size(arr) == 0)
		return "[]";
	if (json_array_size(arr) > 10) {
		http_error(r, 422, "invalid_media", "at most 10 images",
			   fieldf(r, "variants[%zu].%s", vi, "media"));
		return NULL;
	}
	json_t *out = json_array();
	size_t i;
	const json_t *o;
	json_array_foreach(arr, i, o) {
		const json_t *id = json_object_get(o, "media_id");
		const json_t *alt = json_object_get(o, "alt");
		struct media m;
		const char *why = NULL;
		if (!json_is_object(o) || !json_is_integer(id) || json_object_size(o) > 2 ||
		    (alt && !json_is_string(alt)) || (json_object_size(o) == 2 && !alt))
			why = "each image is {\"media_id\": id, \"alt\": \"text\"}";
		else if (alt && (json_string_length(alt) > 5000 ||
				 strpbrk(json_string_value(alt), "\r\t")))
			why = "alt text: at most 5000 characters, no control characters";
		else if (store_media_get(r->app->store, r->a, r->ws, json_integer_value(id), false,
					 &m) != ERR_OK)
			why = "no such image in this workspace: upload it to /media first";
		if (why) {
			json_decref(out);
			http_error(r, 422, "invalid_media", why,
				   fieldf(r, "variants[%zu].%s", vi, "media"));
			return NULL;
		}
		json_array_append_new(out, json_pack("{s:I, s:s}", "media_id",
						     (json_int_t)json_integer_value(id), "alt",
						     alt ? json_string_value(alt) : ""));
	}
	const char *res = json_text(out, r->a);
	json_decref(out);
	if (!res)
		http_error_rc(r, ERR_TOOBIG);
	return res;
}

/* Reads "variants" into p->v: each channel exists in this workspace (once),
 * each text fits its network's limits. Answers and returns false if not. */
bool post_read_variants(struct req *r, const json_t *arr, struct post *p)
{
	size_t n = json_array_size(arr);
	if (n == 0 || n > MAX_VARIANTS) {
		http_error(r, 422, "invalid_value", "a post has from 1 to 16 variants, one per channel",
			   "variants");
		return false;
	}
	p->v = arena_alloc(r->a, n * sizeof *p->v);
	if (!p->v) {
		http_error_rc(r, ERR_TOOBIG);
		return false;
	}
	p->nv = n;
	for (size_t i = 0; i < n; i++) {
		const json_t *o = json_array_get(arr, i);
		struct json_problem pb;
		if (!json_is_object(o)) {
			http_error(r, 400, "wrong_type", "each variant is an object",
				   fieldf(r, "variants[%zu]%s", i, ""));
			return false;
		}
		if (json_check(o, variant_fields, N_VARIANT_FIELDS, &pb) != ERR_OK) {
			http_error(r, 400, pb.code, pb.message,
				   fieldf(r, "variants[%zu].%s", i, pb.field ? pb.field : ""));
			return false;
		}
		struct variant *v = &p->v[i];
		memset(v, 0, sizeof *v);
		v->channel_id = json_integer_value(json_object_get(o, "channel_id"));
		v->text = json_str(o, "text");
		v->link = json_str(o, "link");
		v->first_comment = json_str(o, "first_comment");
		v->media = read_media(r, json_object_get(o, "media"), i);
		if (!v->media)
			return false;
		for (size_t j = 0; j < i; j++)
			if (p->v[j].channel_id == v->channel_id) {
				http_error(r, 422, "invalid_value", "one variant per channel",
					   fieldf(r, "variants[%zu].%s", i, "channel_id"));
				return false;
			}
		struct channel ch;
		int rc = store_channel_get(r->app->store, r->a, r->ws, v->channel_id, &ch);
		if (rc == ERR_NOTFOUND) {
			http_error(r, 422, "invalid_value", "no such channel in this workspace",
				   fieldf(r, "variants[%zu].%s", i, "channel_id"));
			return false;
		}
		if (rc) {
			http_error_rc(r, rc);
			return false;
		}
		v->network = ch.network;
		v->handle = ch.handle;
		const struct connector_ops *ops = connector_find(ch.network);
		struct connector_post cp = {.idem_key = "check",
					    .text = publish_text(r->a, v->text, v->link)};
		struct connector_result res;
		if (ops && v->first_comment && *v->first_comment) {
			struct connector_post cm = {.idem_key = "check", .text = v->first_comment};
			if (connector_check_post(ops, &cm, &res) != ERR_OK) {
				http_error(r, 422, "too_long", res.msg,
					   fieldf(r, "variants[%zu].%s", i, "first_comment"));
				return false;
			}
		}
		rc = publish_media_load(r->app, r->a, r->ws, v->media, false,
					(struct connector_media **)&cp.media, &cp.n_media);
		if (rc) {
			http_error_rc(r, rc);
			return false;
		}
		if (ops && connector_check_post(ops, &cp, &res) != ERR_OK) {
			bool text = res.part && strcmp(res.part, "text") == 0;
			http_error(r, 422, text ? "too_long" : "invalid_media", res.msg,
				   fieldf(r, "variants[%zu].%s", i, text ? "text" : "media"));
			return false;
		}
		v->options = read_options(r, o, ops, i);
		if (!v->options)
			return false;
		v->idem_key = publish_new_key(r->a);
		v->state = "pending";
	}
	return true;
}

/* labels: an array of distinct non-empty strings, stored as JSON text. */
bool post_read_labels(struct req *r, const json_t *arr, const char **out)
{
	if (!arr)
		return true;
	size_t i;
	const json_t *l;
	json_array_foreach(arr, i, l) {
		const char *s = json_string_value(l);
		bool dup = false;
		for (size_t j = 0; s && j < i; j++)
			dup |= json_equal(l, json_array_get(arr, j));
		if (!s || !*s || strlen(s) > 64 || strpbrk(s, "\r\n\t") || dup) {
			http_error(r, 422, "invalid_value",
				   "labels are distinct strings of 1 to 64 characters", "labels");
			return false;
		}
	}
	*out = json_text(arr, r->a);
	if (!*out) {
		http_error_rc(r, ERR_TOOBIG);
		return false;
	}
	return true;
}

/* "scheduled_at" (RFC 3339 with an offset) or "queue": true. *at stays 0
 * when neither is given. */
bool post_read_when(struct req *r, const struct workspace *ws, const struct post *p,
		      int64_t *at)
{
	const char *when = json_str(r->body, "scheduled_at");
	bool queue = json_is_true(json_object_get(r->body, "queue"));
	if (when && queue) {
		http_error(r, 422, "invalid_value", "give scheduled_at or queue, not both", "queue");
		return false;
	}
	if (when) {
		if (tz_parse_rfc3339(when, strlen(when), at, NULL) != ERR_OK) {
			http_error(r, 422, "invalid_value",
				   "scheduled_at must be RFC 3339 with an offset, such as "
				   "2026-03-29T09:00:00+02:00", "scheduled_at");
			return false;
		}
		if (*at < clock_now_ms() - PAST_GRACE_MS) {
			http_error(r, 422, "in_the_past", "scheduled_at is in the past", "scheduled_at");
			return false;
		}
		return true;
	}
	if (queue) {
		int rc = publish_next_slot(r->app, r->a, ws, p, clock_now_ms(), NULL, 0, at);
		if (rc == ERR_NOTFOUND) {
			http_error(r, 422, "no_free_slot",
				   "the channel has no free queue slot: add slots to it", "queue");
			return false;
		}
		if (rc) {
			http_error_rc(r, rc);
			return false;
		}
	}
	return true;
}

/* Links of a post whose campaign carries UTM values get them, on the text
 * and on the link of each variant: what is stored is what is published,
 * and what the charter checks. utm_source defaults to the network's name,
 * utm_medium to "social", utm_campaign to the campaign's name. */
bool post_add_utm(struct req *r, const struct ws_publishing *pub, struct post *p)
{
	if (!p->campaign || !*p->campaign)
		return true;
	json_error_t je;
	json_t *all = json_loads(pub->campaigns, 0, &je);
	const json_t *c = json_object_get(all, p->campaign);
	for (size_t i = 0; c && i < p->nv; i++) {
		struct variant *v = &p->v[i];
		const char *src = json_string_value(json_object_get(c, "utm_source"));
		const char *med = json_string_value(json_object_get(c, "utm_medium"));
		const char *cam = json_string_value(json_object_get(c, "utm_campaign"));
		src = src ? src : v->network;
		med = med ? med : "social";
		cam = cam ? cam : p->campaign;
		const char *t = charter_add_utm(v->text, src, med, cam, r->a);
		const char *l = v->link && *v->link ? charter_add_utm(v->link, src, med, cam, r->a)
						    : v->link;
		if (!t || (v->link && *v->link && !l)) {
			json_decref(all);
			http_error(r, 422, "invalid_value", "cannot add the campaign's UTM to the links",
				   "campaign");
			return false;
		}
		v->text = t;
		v->link = l;
	}
	json_decref(all);
	return true;
}
