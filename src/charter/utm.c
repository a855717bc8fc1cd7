/* utm.c - campaign tags on links: finding them (for utm_required) and adding
 * them (for campaigns that carry UTM values).
 *
 * Links are the ones text.h finds, so the tags go on exactly what the
 * network will link. A link is rebuilt as: what it had up to its fragment,
 * its query (if any) followed by the missing parameters, then the fragment,
 * so "https://x.fr/p?a=1#top" becomes "https://x.fr/p?a=1&utm_source=...#top".
 * A parameter the author already set is theirs: it is never changed. */
#include <string.h>

#include "charter/charter_int.h"
#include "core/arena.h"
#include "core/sb.h"
#include "text/text.h"

bool charter_has_param(const char *u, size_t len, const char *name)
{
	const char *hash = memchr(u, '#', len);
	const char *end = hash ? hash : u + len;
	const char *q = memchr(u, '?', (size_t)(end - u));
	if (!q)
		return false;
	size_t nl = strlen(name);
	for (const char *p = q + 1; p < end;) {
		const char *amp = memchr(p, '&', (size_t)(end - p));
		const char *stop = amp ? amp : end;
		if ((size_t)(stop - p) > nl && !memcmp(p, name, nl) && p[nl] == '=')
			return true;
		p = stop + 1;
	}
	return false;
}

const char *charter_add_utm(const char *text, const char *source, const char *medium,
                            const char *campaign, struct arena *a)
{
	const char *names[3] = {"utm_source", "utm_medium", "utm_campaign"};
	const char *values[3] = {source, medium, campaign};
	size_t len = strlen(text);
	struct text_ent_list ents;
	if (text_extract(a, text, len, TEXT_URL, &ents))
		return NULL;
	char buf[1024];
	struct sb sb;
	/* Each link grows by the encoded values (3 bytes per input byte) */
	sb_init(&sb, buf, sizeof buf, 4 * TEXT_MAX_LEN);
	size_t at = 0;
	for (size_t i = 0; i < ents.n; i++) {
		const struct text_ent *e = &ents.v[i];
		const char *u = text + e->bstart;
		size_t ulen = e->bend - e->bstart;
		const char *hash = memchr(u, '#', ulen);
		size_t body = hash ? (size_t)(hash - u) : ulen;
		sb_add(&sb, text + at, e->bstart - at);
		sb_add(&sb, u, body);
		const char *sep = !memchr(u, '?', body) ? "?"
		                : u[body - 1] == '?' || u[body - 1] == '&' ? "" : "&";
		for (int k = 0; k < 3; k++) {
			if (!values[k] || !*values[k] || charter_has_param(u, ulen, names[k]))
				continue;
			sb_adds(&sb, sep);
			sb_adds(&sb, names[k]);
			sb_addc(&sb, '=');
			sb_add_urlenc(&sb, values[k]);
			sep = "&";
		}
		sb_add(&sb, u + body, ulen - body);
		at = e->bend;
	}
	sb_add(&sb, text + at, len - at);
	const char *out = sb_err(&sb) ? NULL : arena_strdup(a, sb_str(&sb));
	sb_free(&sb);
	return out;
}
