/* mastodon_inbox.c - the Mastodon connector's inbox side: mentions from
 * the notifications API, their HTML made plain text. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "connectors/connector.h"
#include "connectors/httpc.h"
#include "connectors/mastodon_int.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/str.h"
#include "core/tz.h"

#define MAX_FETCH 40            /* mentions per fetch */

/* Status HTML ("<p>a<br>b</p><p>c</p>", Mastodon's sanitized subset) as
 * plain text: paragraphs apart by a blank line, <br> a line break, tags
 * dropped, the five XML entities and numeric ones decoded. */
static const char *html_text(struct arena *a, const char *html)
{
	struct sb sb;
	char buf[512];
	bool para = false;
	sb_init(&sb, buf, sizeof buf, 256 * 1024);
	for (const char *s = html ? html : ""; *s && !sb_err(&sb);) {
		if (*s == '<') {
			const char *end = strchr(s, '>');
			if (!end)
				break;
			if (!strncasecmp(s, "<br", 3))
				sb_addc(&sb, '\n');
			else if (!strncasecmp(s, "<p", 2) && (s[2] == '>' || s[2] == ' ') && para)
				sb_adds(&sb, "\n\n");
			else if (!strncasecmp(s, "</p", 3))
				para = true;
			s = end + 1;
		} else if (*s == '&') {
			static const struct { const char *name; char c; } ents[] = {
				{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'},
				{"&apos;", '\''}};
			size_t i, n = sizeof ents / sizeof ents[0];
			for (i = 0; i < n && strncmp(s, ents[i].name, strlen(ents[i].name)); i++)
				;
			if (i < n) {
				sb_addc(&sb, ents[i].c);
				s += strlen(ents[i].name);
				continue;
			}
			/* Only as far as a reference can reach ("&#x10FFFF;"): a
			 * hostile answer full of '&' stays linear. */
			const char *semi = s[1] == '#' ? memchr(s, ';', strnlen(s, 12)) : NULL;
			int64_t cp;
			bool hex = s[1] == '#' && (s[2] == 'x' || s[2] == 'X');
			const char *digits = s + (hex ? 3 : 2);
			if (s[1] == '#' && semi && semi > digits && semi - digits <= 7) {
				cp = 0;
				for (const char *d = digits; d < semi && cp >= 0; d++) {
					int v = *d >= '0' && *d <= '9' ? *d - '0'
						: hex && (*d | 32) >= 'a' && (*d | 32) <= 'f' ? (*d | 32) - 'a' + 10
						: -1;
					cp = v < 0 ? -1 : cp * (hex ? 16 : 10) + v;
				}
				if (cp > 0 && utf8proc_codepoint_valid((utf8proc_int32_t)cp)) {
					utf8proc_uint8_t u[4];
					utf8proc_ssize_t len = utf8proc_encode_char((utf8proc_int32_t)cp, u);
					sb_add(&sb, (const char *)u, (size_t)len);
					s = semi + 1;
					continue;
				}
			}
			sb_addc(&sb, *s++);
		} else {
			size_t n = strcspn(s, "<&");
			sb_add(&sb, s, n);
			s += n;
		}
	}
	const char *out = sb_err(&sb) ? NULL : arena_strdup(a, sb_str(&sb));
	sb_free(&sb);
	return out;
}

static int64_t time_of(json_t *o, const char *key)
{
	const char *v = json_string_value(json_object_get(o, key));
	int64_t t;
	return v && tz_parse_rfc3339(v, strlen(v), &t, NULL) == ERR_OK ? t : 0;
}

/* Mentions of the account (GET /api/v1/notifications?types[]=mention),
 * newest first; the cursor is the newest notification's id, passed back as
 * min_id: the next fetch returns what came after it. */
int masto_fetch(struct connector_ctx *c, const char *cursor, struct connector_page *out)
{
	struct call k = {.c = c};
	json_t *list;
	char qbuf[160];
	struct sb q;
	memset(&c->res, 0, sizeof c->res);
	memset(out, 0, sizeof *out);
	int rc = masto_load_session(&k);
	if (rc)
		return rc;
	sb_init(&q, qbuf, sizeof qbuf, 1024);
	sb_addf(&q, "types%%5B%%5D=mention&limit=%d", MAX_FETCH);
	if (cursor && *cursor) {
		sb_adds(&q, "&min_id=");
		sb_add_urlenc(&q, cursor);
	}
	struct masto_req r = {.method = "GET", .path = "/api/v1/notifications", .query = sb_str(&q)};
	rc = sb_err(&q) ? FAIL(&k, ERR_TOOBIG, CONNECTOR_FAIL, "cursor too long") : masto_api(&k, &r, &list);
	sb_free(&q);
	if (rc)
		return rc;
	size_t n = json_array_size(list);
	out->cursor = cursor && *cursor ? arena_strdup(c->arena, cursor) : NULL;
	out->items = n ? arena_alloc(c->arena, n * sizeof *out->items) : NULL;
	if (n && !out->items) {
		json_decref(list);
		return FAIL(&k, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
	}
	for (size_t i = 0; i < n; i++) {
		json_t *no = json_array_get(list, i), *st = json_object_get(no, "status");
		json_t *acct = json_object_get(st, "account");
		if (i == 0)
			out->cursor = masto_jstr(&k, no, "id");
		if (!masto_jstr_eq(no, "type", "mention") || !json_is_object(st))
			continue;
		struct connector_item *it = &out->items[out->n];
		memset(it, 0, sizeof *it);
		it->ref.id = masto_jstr(&k, st, "id");
		it->ref.url = masto_jstr(&k, st, "url");
		it->parent.id = masto_jstr(&k, st, "in_reply_to_id");
		it->author.id = masto_jstr(&k, acct, "id");
		const char *handle = masto_jstr(&k, acct, "acct");
		if (handle) {
			char name[320];
			snprintf(name, sizeof name, "@%s", handle);
			it->author.name = arena_strdup(c->arena, name);
		}
		it->text = html_text(c->arena, json_string_value(json_object_get(st, "content")));
		it->created_at_ms = time_of(st, "created_at");
		it->mention = true;
		if (it->ref.id && it->author.id && it->text)
			out->n++;
	}
	json_decref(list);
	return ERR_OK;
}
