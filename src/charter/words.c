/* words.c - cutting text into words that compare regardless of case and
 * accents, for the charter's word rules.
 *
 * Rule entries and drafts go through the same two steps, so that whatever an
 * entry becomes, the same words in a draft become the same thing:
 *   - a word is a run of Unicode letters, marks and digits; anything else
 *     ends it. An apostrophe (' or ’) is not a letter, so French elision is
 *     handled by construction: "l’Été" is "l" then "Été";
 *   - a word is folded with utf8proc: compatibility decomposition (ligatures,
 *     full-width letters), marks stripped, case folded, default-ignorable
 *     characters (soft hyphens, joiners) dropped; then œ and æ, which have no
 *     decomposition, are spelled oe and ae as French writers often do.
 * Hashtags, mentions and cashtags are single tokens, whatever characters they
 * hold, found by text.h so that they are the ones the networks link. A link
 * is a barrier: words inside it are not text a reader reads as words. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "charter/charter_int.h"
#include "core/arena.h"
#include "core/err.h"
#include "text/text.h"

char *charter_fold(const char *s, size_t len, struct arena *a)
{
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &m,
	                                  UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK |
	                                  UTF8PROC_CASEFOLD | UTF8PROC_IGNORE);
	if (n < 0)              /* only on invalid UTF-8, which callers rule out */
		return arena_strdup(a, "");
	/* œ (C5 93) and æ (C3 A6) become two bytes each: same length. */
	for (utf8proc_ssize_t i = 0; i + 1 < n; i++) {
		if (m[i] == 0xC5 && m[i + 1] == 0x93) {
			m[i] = 'o';
			m[++i] = 'e';
		} else if (m[i] == 0xC3 && m[i + 1] == 0xA6) {
			m[i] = 'a';
			m[++i] = 'e';
		}
	}
	char *out = arena_strndup(a, (const char *)m, (size_t)n);
	free(m);
	return out;
}

uint32_t *charter_offsets(const char *s, size_t len, size_t *n, struct arena *a)
{
	size_t count = 0;
	for (size_t i = 0; i < len; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80;
	uint32_t *offs = arena_alloc(a, (count + 1) * sizeof *offs);
	if (!offs)
		return NULL;
	for (size_t i = 0, k = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			offs[k++] = (uint32_t)i;
	offs[count] = (uint32_t)len;
	*n = count;
	return offs;
}

static int32_t cp_at(const char *s, const uint32_t *offs, size_t i)
{
	utf8proc_int32_t c = -1;
	utf8proc_iterate((const utf8proc_uint8_t *)s + offs[i], offs[i + 1] - offs[i], &c);
	return c;
}

static bool is_word(int32_t c)
{
	utf8proc_category_t k = utf8proc_category(c);
	return k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO;
}

/* What may stand between the words of a phrase. */
static bool is_joiner(int32_t c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\'' || c == '-' ||
	       c == 0x2019 || c == 0x02BC || c == 0x2010 || c == 0x2011 ||
	       utf8proc_category(c) == UTF8PROC_CATEGORY_ZS;
}

static int add(struct ctoks *t, size_t *cap, struct arena *a, const char *fold, size_t start,
               size_t end, int kind, bool joined)
{
	if (!fold)
		return ERR_TOOBIG;
	if (!*fold)             /* nothing left once folded (a lone mark) */
		return ERR_OK;
	t->v = arena_grow(a, t->v, t->n, cap, sizeof *t->v);
	if (!t->v)
		return ERR_TOOBIG;
	t->v[t->n++] = (struct ctok){fold, (int)start, (int)end, (uint8_t)kind, joined};
	return ERR_OK;
}

int charter_tokens(const char *s, const uint32_t *offs, size_t n,
                   const struct text_ent_list *ents, struct arena *a, struct ctoks *out)
{
	size_t cap = 0, e = 0;
	bool open = false;      /* a token, then only joiners */
	int rc = ERR_OK;
	out->v = NULL;
	out->n = 0;
	for (size_t i = 0; i < n && !rc;) {
		if (e < ents->n && ents->v[e].start == i) {
			const struct text_ent *x = &ents->v[e++];
			int kind = x->kind == TEXT_HASHTAG ? CT_HASHTAG
			         : x->kind == TEXT_MENTION ? CT_MENTION
			         : x->kind == TEXT_CASHTAG ? CT_CASHTAG : -1;
			if (kind >= 0) {
				rc = add(out, &cap, a, charter_fold(x->text, strlen(x->text), a),
				         x->start, x->end, kind, open);
				open = true;
			} else {
				open = false;
			}
			i = x->end;
			continue;
		}
		int32_t c = cp_at(s, offs, i);
		if (!is_word(c)) {
			open = open && is_joiner(c);
			i++;
			continue;
		}
		size_t next = e < ents->n ? ents->v[e].start : n, j = i + 1;
		while (j < next && is_word(cp_at(s, offs, j)))
			j++;
		rc = add(out, &cap, a, charter_fold(s + offs[i], offs[j] - offs[i], a), i, j, CT_WORD,
		         open);
		open = true;
		i = j;
	}
	return rc;
}
