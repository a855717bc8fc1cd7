/* text.c - entities of a post: the decoded input, the mention, hashtag and
 * cashtag scanners, and text_extract, which runs the scanners and settles
 * overlaps.
 *
 * twitter-text defines its entities with global regular expressions whose
 * matches may not overlap: after a match (kept or not) the search resumes
 * where it ended, and the "preceding character" a pattern requires is part
 * of the match. Each scanner below walks the sigils ('@', '#', '$') in order
 * and keeps `last`, the end of the previous match, to reproduce exactly
 * that; each character is looked at a bounded number of times. */
#include "text/text.h"

#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/str.h"
#include "text/text_int.h"

/* Decodes one code point of valid UTF-8 at s[*i] and steps over it. */
static uint32_t decode(const unsigned char *s, size_t *i)
{
	uint32_t c = s[*i];
	if (c < 0x80) {
		(*i)++;
		return c;
	}
	int more = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
	c &= 0x3Fu >> more;
	for (int k = 1; k <= more; k++)
		c = c << 6 | (s[*i + k] & 0x3Fu);
	*i += (size_t)more + 1;
	return c;
}

static int check_input(const char *s, size_t len)
{
	if (len > TEXT_MAX_LEN)
		return ERR_TOOBIG;
	if ((!s && len) || !utf8_valid(s, len))
		return ERR_INVAL;
	return ERR_OK;
}

int text_doc_open(struct doc *d, const char *s, size_t len)
{
	memset(d, 0, sizeof *d);
	int rc = check_input(s, len);
	if (rc)
		return rc;
	size_t n = utf8_count(s, len);
	d->cp = xmalloc(2 * (n + 1) * sizeof *d->cp);
	d->off = d->cp + n + 1;
	for (size_t i = 0, k = 0; k < n; k++) {
		d->off[k] = (uint32_t)i;
		d->cp[k] = decode((const unsigned char *)s, &i);
	}
	d->n = n;
	d->cp[n] = TEXT_EOT;
	d->off[n] = (uint32_t)len;
	return ERR_OK;
}

void text_doc_close(struct doc *d)
{
	free(d->cp);
	memset(d, 0, sizeof *d);
}

uint8_t *text_doc_breaks(const struct doc *d)
{
	uint8_t *brk = xmalloc(d->n + 1);
	utf8proc_int32_t state = 0;
	brk[0] = 1;
	for (size_t i = 1; i < d->n; i++)
		brk[i] = utf8proc_grapheme_break_stateful((utf8proc_int32_t)d->cp[i - 1],
		                                          (utf8proc_int32_t)d->cp[i], &state);
	brk[d->n] = 1;
	return brk;
}

int text_graphemes(const char *s, size_t len, size_t *out)
{
	*out = 0;
	int rc = check_input(s, len);
	if (rc)
		return rc;
	utf8proc_int32_t prev = -1, state = 0;
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t c = (utf8proc_int32_t)decode((const unsigned char *)s, &i);
		if (prev < 0 || utf8proc_grapheme_break_stateful(prev, c, &state))
			n++;
		prev = c;
	}
	*out = n;
	return ERR_OK;
}

void text_spans_add(struct spans *v, size_t start, size_t end, size_t mid, int kind)
{
	if (v->n == v->cap) {
		v->cap = v->cap ? 2 * v->cap : 16;
		v->v = xrealloc(v->v, v->cap * sizeof *v->v);
	}
	v->v[v->n++] = (struct span){(uint32_t)start, (uint32_t)end, (uint32_t)mid, (uint8_t)kind};
}

void text_spans_free(struct spans *v)
{
	free(v->v);
	memset(v, 0, sizeof *v);
}

static int span_cmp(const void *a, const void *b)
{
	const struct span *x = a, *y = b;
	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->kind > y->kind) - (x->kind < y->kind);
}

void text_spans_settle(struct spans *v)
{
	if (v->n < 2)
		return;
	qsort(v->v, v->n, sizeof *v->v, span_cmp);
	size_t kept = 1;
	for (size_t i = 1; i < v->n; i++)
		if (v->v[i].start >= v->v[kept - 1].end)
			v->v[kept++] = v->v[i];
	v->n = kept;
}

static bool ascii_letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Mentions ------------------------------------------------------------ */

static bool at_sign(uint32_t c)
{
	return c == '@' || c == 0xFF20;
}

static bool name_char(uint32_t c)
{
	return text_ascii_alnum(c) || c == '_';
}

/* endMentionMatch: a mention followed by these is no mention. i <= n. */
static bool bad_after_mention(const uint32_t *cp, size_t i)
{
	return at_sign(cp[i]) || text_latin_accent(cp[i]) ||
	       (cp[i] == ':' && cp[i + 1] == '/' && cp[i + 2] == '/');
}

/* validMentionPrecedingChars, before the '@' at p > 0: a character that is
 * not [A-Za-z0-9_!#$%&*@＠], or a retweet marker "RT" (any case) that is
 * itself at the start or after a character not in [A-Za-z0-9_+~.-]. Matched
 * characters must not belong to the previous match (`last`). */
static bool mention_may_follow(const uint32_t *cp, size_t p, size_t last)
{
	uint32_t b = cp[p - 1];
	if (p - 1 >= last && !name_char(b) && !text_in_set(b, "!#$%&*@") && b != 0xFF20)
		return true;
	if (p < 2 || p - 2 < last || (cp[p - 2] | 0x20) != 'r' || (b | 0x20) != 't')
		return false;
	size_t r = p - 2;
	return r == 0 || (r - 1 >= last && !text_ascii_alnum(cp[r - 1]) && !text_in_set(cp[r - 1], "_+~.-"));
}

/* twitter-text's validMentionOrList: "@name" (1 to 20 of [A-Za-z0-9_],
 * longer names are cut at 20) and an optional list "/slug" (a letter, then
 * up to 24 of [A-Za-z0-9_-]). */
static void mentions_twitter(const struct doc *d, struct spans *out)
{
	const uint32_t *cp = d->cp;
	size_t last = 0;
	for (size_t p = 0; p < d->n; p++) {
		if (!at_sign(cp[p]) || (p > 0 && !mention_may_follow(cp, p, last)))
			continue;
		size_t e = p + 1;
		while (e - p - 1 < 20 && name_char(cp[e]))
			e++;
		if (e == p + 1)
			continue;
		size_t name_end = e;
		if (cp[e] == '/' && ascii_letter(cp[e + 1]))
			for (e += 2; e - name_end < 26 && (name_char(cp[e]) || cp[e] == '-'); e++)
				;
		last = e;
		if (!bad_after_mention(cp, e))
			text_spans_add(out, p, e, name_end, TEXT_MENTION);
		p = e - 1;
	}
}

/* Onigmo's [[:word:]]: letters, marks, decimal digits, connectors. */
static bool word_char(uint32_t c)
{
	switch (utf8proc_category((utf8proc_int32_t)c)) {
	case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ME: case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_PC:
		return true;
	default:
		return false;
	}
}

/* Mastodon's Account::MENTION_RE (app/models/account.rb):
 *   (?<![=/[:word:]])@(([a-z0-9_]+([a-z0-9_.-]+[a-z0-9_]+)?)(?:@[[:word:].-]+[[:word:]]+)?)
 * then twitter-text's endMentionMatch. The user name and the domain are the
 * longest runs of their characters, cut back to their last letter or
 * digit; the domain needs two characters. */
static void mentions_mastodon(const struct doc *d, struct spans *out)
{
	const uint32_t *cp = d->cp;
	size_t last = 0;
	for (size_t p = 0; p < d->n; p++) {
		if (cp[p] != '@' || p < last || !name_char(cp[p + 1]))
			continue;
		if (p > 0 && (cp[p - 1] == '=' || cp[p - 1] == '/' || word_char(cp[p - 1])))
			continue;
		size_t user_end = p + 1;
		for (size_t e = p + 1; name_char(cp[e]) || cp[e] == '.' || cp[e] == '-'; e++)
			if (name_char(cp[e]))
				user_end = e + 1;
		size_t end = user_end;
		if (cp[user_end] == '@') {
			size_t dom_end = 0;
			for (size_t e = user_end + 1; word_char(cp[e]) || cp[e] == '.' || cp[e] == '-'; e++)
				if (word_char(cp[e]))
					dom_end = e + 1;
			if (dom_end >= user_end + 3)
				end = dom_end;
		}
		last = end;
		if (!bad_after_mention(cp, end))
			text_spans_add(out, p, end, user_end, TEXT_MENTION);
		p = end - 1;
	}
}

void text_scan_mentions(const struct doc *d, bool mastodon, struct spans *out)
{
	if (mastodon)
		mentions_mastodon(d, out);
	else
		mentions_twitter(d, out);
}

/* Hashtags ------------------------------------------------------------ */

static bool hash_sign(uint32_t c)
{
	return c == '#' || c == 0xFF03;
}

/* hashtagAlpha: letters and marks of any script. */
static bool tag_alpha(uint32_t c)
{
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_ME;
}

/* hashtagAlphaNumeric: hashtagAlpha, decimal digits and hashtagSpecialChars
 * (joiners, middle dots, iteration marks, wave dashes, Hebrew and Tibetan
 * punctuation that belongs inside words). */
static bool tag_alnum(uint32_t c)
{
	static const uint32_t special[] = {
		'_', 0x200C, 0x200D, 0xA67E, 0x05BE, 0x05F3, 0x05F4, 0xFF5E, 0x301C,
		0x309B, 0x309C, 0x30A0, 0x30FB, 0x3003, 0x0F0B, 0x0F0C, 0x00B7,
	};
	if (tag_alpha(c) || utf8proc_category((utf8proc_int32_t)c) == UTF8PROC_CATEGORY_ND)
		return true;
	for (size_t i = 0; i < sizeof special / sizeof *special; i++)
		if (c == special[i])
			return true;
	return false;
}

/* twitter-text's validHashtag: after the start, U+FE0E/FE0F or a character
 * that is neither hashtagAlphaNumeric nor '&', a '#' or '＃' (not followed by
 * U+FE0F or U+20E3: a keycap), then the longest run of hashtagAlphaNumeric,
 * which must hold a letter. Dropped when '#' or "://" follows. */
void text_scan_hashtags(const struct doc *d, struct spans *out)
{
	const uint32_t *cp = d->cp;
	size_t last = 0;
	for (size_t p = 0; p < d->n; p++) {
		if (!hash_sign(cp[p]))
			continue;
		if (p > 0) {
			uint32_t b = cp[p - 1];
			if (p - 1 < last || (b != 0xFE0E && b != 0xFE0F && (tag_alnum(b) || b == '&')))
				continue;
		}
		if (cp[p + 1] == 0xFE0F || cp[p + 1] == 0x20E3)
			continue;
		size_t e = p + 1;
		bool alpha = false;
		for (; tag_alnum(cp[e]); e++)
			alpha = alpha || tag_alpha(cp[e]);
		if (!alpha)
			continue;
		last = e;
		if (!hash_sign(cp[e]) && !(cp[e] == ':' && cp[e + 1] == '/' && cp[e + 2] == '/'))
			text_spans_add(out, p, e, e, TEXT_HASHTAG);
		p = e - 1;
	}
}

/* Cashtags ------------------------------------------------------------ */

/* JavaScript's \s, which ends a cashtag. */
static bool js_space(uint32_t c)
{
	return (c >= 0x09 && c <= 0x0D) || c == 0x20 || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

static bool cashtag_ends(const uint32_t *cp, size_t i)
{
	return cp[i] == TEXT_EOT || js_space(cp[i]) || text_tw_punct(cp[i]);
}

/* twitter-text's validCashtag: at the start or after a space, '$', 1 to 6
 * ASCII letters, optionally '.' or '_' and 1 or 2 letters, then the end, a
 * space or punctuation. */
void text_scan_cashtags(const struct doc *d, struct spans *out)
{
	const uint32_t *cp = d->cp;
	for (size_t p = 0; p < d->n; p++) {
		if (cp[p] != '$' || (p > 0 && !text_tw_space(cp[p - 1])))
			continue;
		size_t e = p + 1, f;
		while (ascii_letter(cp[e]))
			e++;
		if (e == p + 1 || e - p - 1 > 6)
			continue;
		if (cp[e] == '.' || cp[e] == '_') {
			for (f = e + 1; ascii_letter(cp[f]); f++)
				;
			if (f - e - 1 >= 1 && f - e - 1 <= 2 && cashtag_ends(cp, f))
				e = f;
		}
		if (!cashtag_ends(cp, e))
			continue;
		text_spans_add(out, p, e, e, TEXT_CASHTAG);
		p = e - 1;
	}
}

/* Extraction ---------------------------------------------------------- */

static const char *copy(struct arena *a, const char *s, const struct doc *d, size_t from, size_t to)
{
	return arena_strndup(a, s + d->off[from], d->off[to] - d->off[from]);
}

int text_extract(struct arena *a, const char *s, size_t len, unsigned kinds,
                 struct text_ent_list *out)
{
	struct doc d;
	struct spans sp = {0};
	struct text_ent *v = NULL;
	bool mastodon = kinds & TEXT_MASTODON;
	out->v = NULL;
	out->n = 0;
	int rc = text_doc_open(&d, s, len);
	if (rc)
		return rc;
	if (kinds & TEXT_URL)
		text_scan_urls(&d, mastodon, &sp);
	if (kinds & TEXT_MENTION)
		text_scan_mentions(&d, mastodon, &sp);
	if (kinds & TEXT_HASHTAG)
		text_scan_hashtags(&d, &sp);
	if (kinds & TEXT_CASHTAG)
		text_scan_cashtags(&d, &sp);
	text_spans_settle(&sp);
	rc = ERR_TOOBIG;
	if (sp.n > TEXT_MAX_ENTS)
		goto out;
	if (sp.n && !(v = arena_alloc(a, sp.n * sizeof *v)))
		goto out;
	for (size_t i = 0; i < sp.n; i++) {
		const struct span *x = &sp.v[i];
		struct text_ent *e = &v[i];
		e->kind = (enum text_kind)x->kind;
		e->start = x->start;
		e->end = x->end;
		e->bstart = d.off[x->start];
		e->bend = d.off[x->end];
		e->list = "";
		if (x->kind == TEXT_URL) {
			e->text = copy(a, s, &d, x->start, x->end);
		} else if (x->kind == TEXT_MENTION && !mastodon) {
			e->text = copy(a, s, &d, x->start + 1, x->mid);
			e->list = copy(a, s, &d, x->mid, x->end);
		} else {
			e->text = copy(a, s, &d, x->start + 1, x->end);
		}
		if (!e->text || !e->list)
			goto out;
	}
	out->v = v;
	out->n = sp.n;
	rc = ERR_OK;
out:
	text_spans_free(&sp);
	text_doc_close(&d);
	return rc;
}
