/* length.c - how long a post is for X and for Mastodon.
 *
 * X (twitter-text's parseTweet): the text is NFC-normalized, each link
 * weighs transformedURLLength, each emoji sequence defaultWeight (with
 * emojiParsingEnabled), every other code point the weight of its range.
 * twitter-text finds emoji with twemoji's regular expression; here an emoji
 * sequence is a grapheme cluster that starts with an Extended_Pictographic
 * code point or a regional indicator, or a keycap ([0-9#*] U+FE0F? U+20E3):
 * the same sequences (ZWJ families, skin tones, flags, tag sequences).
 * Normalization is done per grapheme cluster so that the valid prefix maps
 * back onto the text as written; a cluster longer than NFC_MAX code points
 * (only built to hurt: utf8proc reorders combining marks in quadratic time)
 * is weighed as written.
 *
 * Mastodon (StatusLengthValidator): links with a scheme become 23
 * characters, mentions "@user@domain" become "@user", and the result is
 * counted in grapheme clusters. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/err.h"
#include "core/mem.h"
#include "text/text.h"
#include "text/text_int.h"

#define NFC_MAX 32                      /* code points of a cluster */
#define NFC_ROOM (NFC_MAX * 4)          /* canonical decomposition: 4x at most */
#define MASTODON_URL_LENGTH 23

static const struct text_weight_range v3_ranges[] = {
	{0x0000, 0x10FF, 100},          /* Latin ... Georgian */
	{0x2000, 0x200D, 100},          /* spaces, joiners */
	{0x2010, 0x201F, 100},          /* dashes, quotes */
	{0x2032, 0x2037, 100},          /* primes */
};

const struct text_weights text_twitter_v3 = {
	.max_weighted = 280,
	.scale = 100,
	.default_weight = 200,
	.url_length = 23,
	.emoji = true,
	.ranges = v3_ranges,
	.nranges = sizeof v3_ranges / sizeof *v3_ranges,
};

static long weight(const struct text_weights *w, uint32_t c)
{
	for (size_t i = 0; i < w->nranges; i++)
		if (c >= w->ranges[i].first && c <= w->ranges[i].last)
			return w->ranges[i].weight;
	return w->default_weight;
}

/* The text in NFC, cluster by cluster, and for each of its code points the
 * index in the text as written where its cluster starts, so that a prefix
 * of the normalized text maps back onto the original. */
struct nfc {
	struct doc d;           /* normalized; d.off unused */
	uint32_t *from;         /* d.n + 1 */
	size_t cap;
};

static void nfc_push(struct nfc *z, uint32_t c, size_t from)
{
	if (z->d.n + 1 == z->cap) {
		z->cap *= 2;
		z->d.cp = xrealloc(z->d.cp, z->cap * sizeof *z->d.cp);
		z->from = xrealloc(z->from, z->cap * sizeof *z->from);
	}
	z->d.cp[z->d.n] = c;
	z->from[z->d.n++] = (uint32_t)from;
}

static void nfc_open(struct nfc *z, const struct doc *d, const uint8_t *brk, const char *s)
{
	const utf8proc_option_t nfc = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
	memset(z, 0, sizeof *z);
	z->cap = d->n + 16;
	z->d.cp = xmalloc(z->cap * sizeof *z->d.cp);
	z->from = xmalloc(z->cap * sizeof *z->from);
	for (size_t i = 0, j; i < d->n; i = j) {
		utf8proc_int32_t buf[NFC_ROOM];
		utf8proc_ssize_t n = -1;
		for (j = i + 1; !brk[j]; j++)
			;
		if ((j > i + 1 || d->cp[i] >= 0x80) && j - i <= NFC_MAX) {
			n = utf8proc_decompose((const utf8proc_uint8_t *)s + d->off[i],
			                       d->off[j] - d->off[i], buf, NFC_ROOM, nfc);
			n = n >= 0 && n <= NFC_ROOM ? utf8proc_normalize_utf32(buf, n, nfc) : -1;
		}
		for (utf8proc_ssize_t k = 0; k < n; k++)
			nfc_push(z, (uint32_t)buf[k], i);
		for (size_t k = i; n < 0 && k < j; k++)
			nfc_push(z, d->cp[k], i);
	}
	z->d.cp[z->d.n] = TEXT_EOT;
	z->from[z->d.n] = (uint32_t)d->n;
}

static void nfc_close(struct nfc *z)
{
	free(z->d.cp);
	free(z->from);
}

/* Is the cluster cp[i..j) an emoji sequence (see the top of the file)?
 * U+FE0E asks for the text presentation; U+00A9 and U+00AE, text by default
 * and in a weight-1 range, need U+FE0F to be emoji, as in twemoji. */
static bool emoji(const uint32_t *cp, size_t i, size_t j)
{
	int b = utf8proc_get_property((utf8proc_int32_t)cp[i])->boundclass;
	bool vs15 = i + 1 < j && cp[i + 1] == 0xFE0E, vs16 = i + 1 < j && cp[i + 1] == 0xFE0F;
	if (b == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC)
		return !vs15 && (cp[i] >= 0x100 || vs16);
	if (b == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR)
		return true;
	if (!(cp[i] >= '0' && cp[i] <= '9') && cp[i] != '#' && cp[i] != '*')
		return false;
	size_t k = i + 1 + vs16;
	return k < j && cp[k] == 0x20E3;
}

int text_length_twitter(const char *s, size_t len, const struct text_weights *w,
                        struct text_twitter_len *out)
{
	struct doc orig;
	struct nfc z;
	struct spans urls = {0};
	memset(out, 0, sizeof *out);
	if (!w)
		w = &text_twitter_v3;
	if (w->scale <= 0 || w->max_weighted <= 0)
		return ERR_INVAL;
	int rc = text_doc_open(&orig, s, len);
	if (rc)
		return rc;
	uint8_t *brk = text_doc_breaks(&orig);
	nfc_open(&z, &orig, brk, s);
	free(brk);
	const struct doc *d = &z.d;
	brk = text_doc_breaks(d);
	text_scan_urls(d, false, &urls);
	const long limit = (long)w->max_weighted * w->scale;
	long units = 0;
	bool valid = true;
	size_t u = 0, valid_end = 0;
	for (size_t i = 0, j; i < d->n; i = j) {
		size_t next_url = u < urls.n ? urls.v[u].start : d->n;
		if (i == next_url) {
			units += (long)w->url_length * w->scale;
			j = urls.v[u++].end;
		} else {
			for (j = i + 1; !brk[j] && j < next_url; j++)
				;
			if (w->emoji && emoji(d->cp, i, j)) {
				units += w->default_weight;
			} else {
				for (size_t k = i; k < j; k++)
					units += weight(w, d->cp[k]);
			}
		}
		for (size_t k = i; valid && k < j; k++)
			valid = !text_tw_invalid(d->cp[k]);
		if (valid && units <= limit)
			valid_end = j;
	}
	/* Back to the text as written: a cluster only partly valid is out. */
	valid_end = z.from[valid_end];
	out->weighted = (int)(units / w->scale);
	out->permillage = (int)(units * 1000 / limit);
	out->valid = valid && units > 0 && units <= limit;
	out->valid_end = valid_end;
	out->valid_bend = orig.off[valid_end];
	free(brk);
	text_spans_free(&urls);
	nfc_close(&z);
	text_doc_close(&orig);
	return ERR_OK;
}

/* Grapheme clusters in [i, j), i counting as a cluster start. */
static size_t clusters(const uint8_t *brk, size_t i, size_t j)
{
	size_t n = 0;
	for (size_t k = i; k < j; k++)
		n += k == i || brk[k];
	return n;
}

int text_length_mastodon(const char *s, size_t len, size_t *out)
{
	struct doc d;
	struct spans sp = {0};
	uint8_t *brk = NULL;
	*out = 0;
	int rc = text_doc_open(&d, s, len);
	if (rc)
		return rc;
	size_t i = 0, count = 0;
	while (i < d.n && text_white_space(d.cp[i]))
		i++;
	if (i == d.n)           /* String#blank?: Mastodon counts nothing */
		goto out;
	text_scan_urls(&d, true, &sp);
	text_scan_mentions(&d, true, &sp);
	text_spans_settle(&sp);
	brk = text_doc_breaks(&d);
	i = 0;
	for (size_t k = 0; k < sp.n; k++) {
		const struct span *x = &sp.v[k];
		count += clusters(brk, i, x->start);
		count += x->kind == TEXT_URL ? MASTODON_URL_LENGTH : x->mid - x->start;
		i = x->end;
	}
	count += clusters(brk, i, d.n);
out:
	*out = count;
	free(brk);
	text_spans_free(&sp);
	text_doc_close(&d);
	return ERR_OK;
}
