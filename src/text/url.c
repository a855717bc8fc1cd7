/* url.c - links as twitter-text (and Mastodon) find them, and
 * twitter-text's URL validator, without a regular-expression engine.
 *
 * twitter-text finds links with one regular expression (extractUrl),
 *     (preceding char)(https?://)?(domain)(:port)?(/path)?(?query)?
 *     domain = subdomain* name "." tld      (labels end with '.')
 * applied globally, then filters each match (IDNA label lengths, scheme-less
 * links, t.co slugs). Run by a backtracking engine, "a.a.a.a..." retries
 * every label chain from every start: quadratic. The same language is
 * recognised here in linear time:
 *
 *  1. From a given start the labels are fixed: a label is the longest run of
 *     label characters, and the chain goes on while a label ends with '.'.
 *     The regex takes the most subdomains it can, then backs off until a
 *     label is a valid name followed by ".tld". So the domain starting at i
 *     depends only on the label containing i and on the answer for the next
 *     label: one right-to-left pass fills dom[i] for every i (domain_ends).
 *  2. A left-to-right pass emulates the regex search: at each position it is
 *     O(1) to know whether a link starts there; a match consumes its text as
 *     the regex's lastIndex does, kept or not.
 *  3. Paths and queries are greedy runs cut back to their last allowed
 *     ending character; balanced parentheses nest one level deep, so a
 *     failed attempt at '(' reads at most up to the second next parenthesis.
 * Scheme-less matches are reduced to the ASCII domains inside them
 * (validAsciiDomain), again with one right-to-left pass (ascii_domains).
 *
 * TLDs come from the Public Suffix List (tlds.c), longest match first, as
 * twitter-text's reverse-sorted alternation does. */
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/err.h"
#include "core/mem.h"
#include "core/str.h"
#include "text/text.h"
#include "text/text_int.h"

#define MAX_URL_UTF16   4096    /* twitter-text's MAX_URL_LENGTH */
#define MAX_TCO_SLUG    40
#define MAX_LABEL       63      /* a DNS label, once punycoded */

static bool digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

static uint32_t lower(uint32_t c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* ASCII case-insensitive: cp[i..] starts with `lit`. Never reads past the
 * TEXT_EOT that ends the text, which matches no literal. */
static bool starts_with(const uint32_t *cp, size_t i, const char *lit)
{
	for (; *lit; lit++, i++)
		if (lower(cp[i]) != (unsigned char)*lit)
			return false;
	return true;
}

/* Character classes ---------------------------------------------------- */

/* directionalMarkersGroup */
static bool directional(uint32_t c)
{
	return (c >= 0x202A && c <= 0x202E) || c == 0x061C || c == 0x200E || c == 0x200F ||
	       (c >= 0x2066 && c <= 0x2069);
}

/* validDomainChars: anything but punctuation, spaces, invalid characters
 * and directional marks. */
static bool domain_char(uint32_t c)
{
	return c != TEXT_EOT && !text_tw_punct(c) && !text_tw_space(c) && !text_tw_invalid(c) &&
	       !directional(c);
}

/* What a subdomain label may hold; a domain name label may not hold '_'. */
static bool label_char(uint32_t c)
{
	return domain_char(c) || c == '_' || c == '-';
}

/* validUrlPrecedingChars */
static bool url_may_follow(uint32_t c)
{
	return !text_ascii_alnum(c) && c != '@' && c != '$' && c != '#' && c != 0xFF20 &&
	       c != 0xFF03 && !text_tw_invalid(c);
}

/* validGeneralUrlPathChars; Mastodon: anything but white space and <>()? */
static bool path_char(uint32_t c, bool masto)
{
	if (masto)
		return c != TEXT_EOT && !text_white_space(c) && !text_in_set(c, "<>()?");
	return text_ascii_alnum(c) || (c >= 0x400 && c <= 0x4FF) || c == 0x2013 ||
	       text_latin_accent(c) || text_in_set(c, "!*';:=+,.$/%#[]-_~&|@");
}

/* validUrlPathEndingChars, without the balanced parentheses. */
static bool path_end_char(uint32_t c, bool masto)
{
	if (masto)
		return c != TEXT_EOT && !text_white_space(c) &&
		       !text_in_set(c, "()?!*\"'<>;:=,.$%[]~&|@") && c != 0x300C && c != 0x300D;
	return text_ascii_alnum(c) || (c >= 0x400 && c <= 0x4FF) || text_latin_accent(c) ||
	       text_in_set(c, "+-=_#/");
}

/* Mastodon's UCHARS: non-ASCII but no C1 control, surrogate, non-character
 * nor tag. */
static bool uchar(uint32_t c)
{
	return c >= 0xA0 && c < TEXT_EOT && !(c >= 0xD800 && c <= 0xDFFF) &&
	       !(c >= 0xFDD0 && c <= 0xFDEF) && !(c >= 0xFFF0 && c <= 0xFFFF) &&
	       (c & 0xFFFE) != 0xFFFE && !(c >= 0xE0000 && c <= 0xE0FFF);
}

/* validUrlQueryChars, validUrlQueryEndingChars */
static bool query_char(uint32_t c, bool masto)
{
	return text_ascii_alnum(c) || text_in_set(c, "!?*'@();:&=+$/%#[]-_.,~|") ||
	       (masto && (c == '^' || uchar(c)));
}

static bool query_end_char(uint32_t c, bool masto)
{
	return text_ascii_alnum(c) || text_in_set(c, "-_&=#/") || (masto && uchar(c));
}

/* TLDs ------------------------------------------------------------------ */

static int tld_cmp(const void *key, const void *elem)
{
	const struct slice *k = key;
	const char *t = *(const char *const *)elem;
	int c = strncmp(k->p, t, k->len);
	return c ? c : -(t[k->len] != 0);
}

static bool tld_known(const char *s, size_t len)
{
	struct slice k = {s, len};
	return bsearch(&k, text_tlds, text_ntlds, sizeof *text_tlds, tld_cmp) != NULL;
}

/* The lookahead after a TLD: (?=[^a-zA-Z0-9@+-]|$), `limit` being $. */
static bool tld_may_end(const uint32_t *cp, size_t i, size_t limit)
{
	return i >= limit || (!text_ascii_alnum(cp[i]) && !text_in_set(cp[i], "@+-"));
}

/* Length of the TLD at q (0 if none), matched case-insensitively before
 * `limit`: a listed TLD followed by the lookahead, else punycode
 * "xn--[-0-9a-z]+". An ASCII TLD is a whole alphanumeric run; an IDN TLD is
 * the longest listed prefix. */
static size_t tld_len(const struct doc *d, size_t q, size_t limit)
{
	const uint32_t *cp = d->cp;
	char buf[128];
	size_t blen = 0, best = 0, r;
	if (q >= limit)
		return 0;
	if (cp[q] < 0x80) {
		for (r = q; r < limit && text_ascii_alnum(cp[r]) && r - q < sizeof buf; r++)
			buf[r - q] = (char)lower(cp[r]);
		if (r > q && r - q <= text_tld_max && tld_may_end(cp, r, limit) && tld_known(buf, r - q))
			return r - q;
		if (limit - q <= 4 || !starts_with(cp, q, "xn--"))
			return 0;
		for (r = q + 4; r < limit && (text_ascii_alnum(cp[r]) || cp[r] == '-'); r++)
			;
		return r > q + 4 ? r - q : 0;
	}
	for (r = q; r < limit && cp[r] >= 0x80 && cp[r] != TEXT_EOT && blen + 4 <= sizeof buf; r++) {
		blen += (size_t)utf8proc_encode_char(utf8proc_tolower((utf8proc_int32_t)cp[r]),
		                                     (utf8proc_uint8_t *)buf + blen);
		if (blen > text_tld_max)
			break;
		if (tld_may_end(cp, r + 1, limit) && tld_known(buf, blen))
			best = r + 1 - q;
	}
	return best;
}

/* Domains --------------------------------------------------------------- */

/* dom[i] = end of the domain a match starting at i would take, or -1
 * (step 1 of the design above). For the label [i, e) and its chain:
 * as a subdomain (first and last characters domain_char) it lets the chain
 * go on, which the greedy regex prefers; else as the domain name (no '_')
 * before ".tld". */
static void domain_ends(const struct doc *d, int32_t *dom)
{
	const uint32_t *cp = d->cp;
	bool in_label = false, under = false, last_ok = false, dot = false;
	int32_t next = -1;
	size_t e = 0, tld = 0;
	for (size_t i = d->n; i-- > 0;) {
		uint32_t c = cp[i];
		if (!label_char(c)) {
			dom[i] = -1;
			in_label = false;
			continue;
		}
		if (!in_label) {
			in_label = true;
			under = false;
			e = i + 1;
			last_ok = domain_char(c);
			dot = cp[e] == '.';
			next = dot && e + 1 < d->n ? dom[e + 1] : -1;
			tld = dot ? tld_len(d, e + 1, d->n) : 0;
		}
		under = under || c == '_';
		bool sub = dot && last_ok && domain_char(c);
		if (sub && next >= 0)
			dom[i] = next;
		else if (sub && !under && tld)
			dom[i] = (int32_t)(e + 1 + tld);
		else
			dom[i] = -1;
	}
}

static bool ascii_label_char(uint32_t c)
{
	return text_ascii_alnum(c) || c == '-' || text_latin_accent(c);
}

/* twitter-text's validAsciiDomain, ((?:[-a-z0-9latin]+\.)+ tld), applied
 * globally to the domain [ds, de): appends each match to `out` (unless
 * NULL) and returns how many. res is scratch for [ds, de). */
static size_t ascii_domains(const struct doc *d, size_t ds, size_t de, int32_t *res,
                            struct spans *out)
{
	const uint32_t *cp = d->cp;
	bool in_label = false;
	int32_t run = -1;
	for (size_t i = de; i-- > ds;) {
		if (!ascii_label_char(cp[i])) {
			res[i] = -1;
			in_label = false;
			continue;
		}
		if (!in_label) {
			size_t e = i + 1, next = e + 1;
			in_label = true;
			run = -1;
			if (e < de && cp[e] == '.') {
				size_t t;
				if (next < de && res[next] >= 0)
					run = res[next];
				else if ((t = tld_len(d, next, de)))
					run = (int32_t)(next + t);
			}
		}
		res[i] = run;
	}
	size_t count = 0;
	for (size_t i = ds; i < de; i++) {
		if (res[i] < 0)
			continue;
		count++;
		if (!out)
			break;
		text_spans_add(out, i, (size_t)res[i], (size_t)res[i], TEXT_URL);
		i = (size_t)res[i] - 1;
	}
	return count;
}

/* punycode.js's encoded length of cp[0..n) ("xn--" included), RFC 3492;
 * anything past MAX_LABEL is reported as MAX_LABEL + 1. */
static uint32_t adapt(uint64_t delta, size_t points, bool first)
{
	delta = first ? delta / 700 : delta / 2;
	delta += delta / points;
	uint32_t k = 0;
	for (; delta > 455; k += 36)
		delta /= 35;
	return k + (uint32_t)(36 * delta / (delta + 38));
}

static size_t puny_len(const uint32_t *cp, size_t n)
{
	size_t basic = 0;
	for (size_t i = 0; i < n; i++)
		basic += cp[i] < 0x80;
	if (basic == n)
		return n;
	if (n > MAX_LABEL)      /* every code point costs at least one */
		return MAX_LABEL + 1;
	size_t out = 4 + basic + (basic > 0), h = basic;
	uint32_t next = 0x80, bias = 72;
	uint64_t delta = 0;
	while (h < n) {
		uint32_t m = UINT32_MAX;
		for (size_t i = 0; i < n; i++)
			if (cp[i] >= next && cp[i] < m)
				m = cp[i];
		delta += (uint64_t)(m - next) * (h + 1);
		next = m;
		for (size_t i = 0; i < n; i++) {
			if (cp[i] < next)
				delta++;
			if (cp[i] != next)
				continue;
			uint64_t q = delta;
			for (uint32_t k = 36;; k += 36, out++) {
				uint32_t t = k <= bias ? 1 : k >= bias + 26 ? 26 : k - bias;
				if (q < t)
					break;
				q = (q - t) / (36 - t);
			}
			out++;
			bias = adapt(delta, h + 1, h == basic);
			delta = 0;
			h++;
		}
		delta++;
		next++;
	}
	return out > MAX_LABEL ? MAX_LABEL + 1 : out;
}

/* Length of punycode.toASCII(label): it also splits at the ideographic and
 * full-width dots. */
static bool idna_dot(uint32_t c)
{
	return c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

static size_t idna_label_len(const uint32_t *cp, size_t n)
{
	size_t total = 0, i = 0;
	for (;;) {
		size_t j = i;
		while (j < n && !idna_dot(cp[j]))
			j++;
		total += puny_len(cp + i, j - i);
		if (j == n)
			return total;
		total++;
		i = j + 1;
	}
}

/* Extraction ---------------------------------------------------------- */

struct match {
	size_t start, end;      /* the link */
	size_t ds, de;          /* its domain */
	size_t scheme;          /* length of "https://", 0 without */
	bool path;              /* a "/..." follows the domain (and port) */
	uint32_t before;        /* the preceding character, TEXT_EOT at start */
};

static size_t scheme_len(const uint32_t *cp, size_t i, bool masto)
{
	static const char *const twitter[] = {"https://", "http://", NULL};
	static const char *const mastodon[] = {"https://", "http://", "dat://", "dweb://",
		"ipfs://", "ipns://", "ssb://", "gopher://", "gemini://", NULL};
	for (const char *const *s = masto ? mastodon : twitter; *s; s++)
		if (starts_with(cp, i, *s))
			return strlen(*s);
	return 0;
}

/* End of the balanced group at the '(' at i, or 0:
 * \( (?: G+ | G* \( G+ \) G* ) \) */
static size_t parens_end(const uint32_t *cp, size_t i, bool masto)
{
	size_t j = i + 1, k;
	while (path_char(cp[j], masto))
		j++;
	if (cp[j] == ')' && j > i + 1)
		return j + 1;
	if (cp[j] != '(')
		return 0;
	for (k = j + 1; path_char(cp[k], masto); k++)
		;
	if (cp[k] != ')' || k == j + 1)
		return 0;
	for (k++; path_char(cp[k], masto); k++)
		;
	return cp[k] == ')' ? k + 1 : 0;
}

/* The path after its '/' at i: the longest run of path characters and
 * balanced groups that ends with an ending character or a group. */
static size_t path_end(const uint32_t *cp, size_t i, bool masto)
{
	size_t end = i;
	for (;;) {
		if (cp[i] == '(') {
			size_t p = parens_end(cp, i, masto);
			if (!p)
				return end;
			i = end = p;
		} else if (path_char(cp[i], masto)) {
			if (path_end_char(cp[i++], masto))
				end = i;
		} else {
			return end;
		}
	}
}

/* The query after its '?' at i, before `limit`: end of the longest run of
 * query characters cut back to an ending character; 0 when there is none. */
static size_t query_end(const uint32_t *cp, size_t i, size_t limit, bool masto)
{
	size_t end = 0;
	for (; i < limit && query_char(cp[i], masto); i++)
		if (query_end_char(cp[i], masto))
			end = i + 1;
	return end;
}

/* The link the regex matches at u (after its preceding character). */
static bool link_at(const struct doc *d, const int32_t *dom, size_t u, bool masto,
                    struct match *m)
{
	const uint32_t *cp = d->cp;
	size_t scheme = scheme_len(cp, u, masto), e;
	/* Without the scheme the domain would start with "http:": no backing
	 * off needed. */
	if (u + scheme >= d->n || dom[u + scheme] < 0)
		return false;
	m->start = u;
	m->scheme = scheme;
	m->ds = u + scheme;
	m->de = e = (size_t)dom[m->ds];
	if (cp[e] == ':' && digit(cp[e + 1]))
		for (e++; digit(cp[e]); e++)
			;
	m->path = cp[e] == '/';
	if (m->path)
		e = path_end(cp, e + 1, masto);
	if (cp[e] == '?') {
		size_t q = query_end(cp, e + 1, d->n, masto);
		if (q)
			e = q;
	}
	m->end = e;
	return true;
}

/* The next match of the regex at or after `pos`: the first position that
 * is a valid preceding character followed by a link, or the very start. */
static bool next_link(const struct doc *d, const int32_t *dom, size_t pos, bool masto,
                      struct match *m)
{
	for (size_t k = pos; k < d->n; k++) {
		if (url_may_follow(d->cp[k]) && link_at(d, dom, k + 1, masto, m)) {
			m->before = d->cp[k];
			return true;
		}
		if (k == 0 && link_at(d, dom, 0, masto, m)) {
			m->before = TEXT_EOT;
			return true;
		}
	}
	return false;
}

/* twitter-text's isValidUrl on a match: "xn--" domains must hold an ASCII
 * domain, each label punycoded fits in 63, the link in 4096 UTF-16 units
 * (counting the scheme, or "https://", once more, as twitter-text does). */
static bool link_ok(const struct doc *d, const struct match *m, int32_t *scratch)
{
	const uint32_t *cp = d->cp;
	if (cp[m->ds] == 'x' && cp[m->ds + 1] == 'n' && cp[m->ds + 2] == '-' &&
	    cp[m->ds + 3] == '-' && !ascii_domains(d, m->ds, m->de, scratch, NULL))
		return false;
	for (size_t i = m->ds; i < m->de;) {
		size_t j = i;
		while (j < m->de && cp[j] != '.')
			j++;
		size_t l = idna_label_len(cp + i, j - i);
		if (l < 1 || l > MAX_LABEL)
			return false;
		i = j + 1;
	}
	size_t units = m->scheme ? m->scheme : strlen("https://");
	for (size_t i = m->start; i < m->end; i++)
		units += cp[i] > 0xFFFF ? 2 : 1;
	return units <= MAX_URL_UTF16;
}

/* A t.co link keeps only its slug and query: twitter-text's validTcoUrl,
 * ^https?://t\.co/([a-z0-9]+)(?:\?query)?. False when the slug is too long
 * (then there is no link at all). */
static bool tco_trim(const uint32_t *cp, const struct match *m, bool masto, size_t *end)
{
	size_t i = m->start;
	if (!starts_with(cp, i, "http"))
		return true;
	i += 4 + (lower(cp[i + 4]) == 's');
	if (!starts_with(cp, i, "://t.co/"))
		return true;
	size_t slug = i += 8;
	while (i < m->end && text_ascii_alnum(cp[i]))
		i++;
	if (i == slug)
		return true;
	if (i - slug > MAX_TCO_SLUG)
		return false;
	if (i < m->end && cp[i] == '?') {
		size_t q = query_end(cp, i + 1, m->end, masto);
		if (q)
			i = q;
	}
	*end = i;
	return true;
}

void text_scan_urls(const struct doc *d, bool masto, struct spans *out)
{
	if (d->n == 0)
		return;
	int32_t *dom = xmalloc(2 * d->n * sizeof *dom), *scratch = dom + d->n;
	struct match m;
	domain_ends(d, dom);
	for (size_t pos = 0; next_link(d, dom, pos, masto, &m); pos = m.end) {
		if (!link_ok(d, &m, scratch))
			continue;
		if (m.scheme) {
			size_t end = m.end;
			if (tco_trim(d->cp, &m, masto, &end))
				text_spans_add(out, m.start, end, end, TEXT_URL);
			continue;
		}
		/* Without a scheme: only the ASCII domains inside the match, and
		 * never right after [-_./] (a file name, an e-mail address...).
		 * The last domain takes the rest of the match when it has a path. */
		if (masto || text_in_set(m.before, "-_./"))
			continue;
		size_t first = out->n;
		ascii_domains(d, m.ds, m.de, scratch, out);
		if (m.path && out->n > first)
			out->v[out->n - 1].end = out->v[out->n - 1].mid = (uint32_t)m.end;
	}
	free(dom);
}

/* Validation: twitter-text's isValidUrl ------------------------------- */

static bool hex(uint32_t c)
{
	return digit(c) || (lower(c) >= 'a' && lower(c) <= 'f');
}

/* validateUrlUnreserved: [a-z\u0400-\u04FF0-9\-._~] */
static bool unreserved(uint32_t c)
{
	return text_ascii_alnum(c) || (c >= 0x400 && c <= 0x4FF) || text_in_set(c, "-._~");
}

/* Length of what `extra` and unreserved, %XX or sub-delims accept at i
 * (0: nothing). pchar is extra ":|@"; userinfo is extra ":". */
static size_t uri_char(const uint32_t *cp, size_t i, size_t end, const char *extra)
{
	if (i >= end)
		return 0;
	uint32_t c = cp[i];
	if (c == '%')
		return i + 2 < end && hex(cp[i + 1]) && hex(cp[i + 2]) ? 3 : 0;
	return unreserved(c) || text_in_set(c, "!$&'()*+,;=") || text_in_set(c, extra) ? 1 : 0;
}

/* [i, end) is all of: pchar and the characters of `also`. */
static bool all_uri_chars(const uint32_t *cp, size_t i, size_t end, const char *also)
{
	while (i < end) {
		size_t l = text_in_set(cp[i], also) ? 1 : uri_char(cp, i, end, ":|@");
		if (!l)
			return false;
		i += l;
	}
	return true;
}

/* End of twitter-text's IPv4 pattern matched at i (0 if it fails), with the
 * regex's choices: the last octet takes the first alternative that fits
 * (25[0-5], 2[0-4][0-9], [01]?[0-9][0-9]?), so "256" stops after "25". */
static size_t ipv4_end(const uint32_t *cp, size_t i, size_t h)
{
#define D(j) ((j) < h && digit(cp[j]))
	for (int k = 0; k < 3; k++) {
		size_t j = i;
		while (D(j) && j - i < 4)
			j++;
		if (j == i || j - i > 3 || j >= h || cp[j] != '.')
			return 0;
		if (j - i == 3 && (cp[i] - '0') * 100 + (cp[i + 1] - '0') * 10 + (cp[i + 2] - '0') > 255)
			return 0;
		i = j + 1;
	}
	if (!D(i))
		return 0;
	if (cp[i] == '2' && D(i + 1) && D(i + 2) &&
	    ((cp[i + 1] == '5' && cp[i + 2] <= '5') || cp[i + 1] <= '4'))
		return i + 3;
	if ((cp[i] == '0' || cp[i] == '1') && D(i + 1))
		return D(i + 2) ? i + 3 : i + 2;
	return D(i + 1) ? i + 2 : i + 1;
#undef D
}

/* validateUrlUnicodeDomain covering all of [i, end): labels separated by
 * '.', at least two; letters, digits and non-ASCII, '-' inside, '_' inside
 * the subdomains only; the TLD starts with a letter or non-ASCII. */
static bool unicode_domain(const uint32_t *cp, size_t i, size_t end)
{
#define A(c) (text_ascii_alnum(c) || ((c) >= 0x80 && (c) != TEXT_EOT))
	size_t labels = 0, tld = i;
	bool prev_under = false;        /* the label before the last had '_' */
	while (i < end) {
		size_t j = i;
		bool under = false;
		while (j < end && cp[j] != '.') {
			if (!A(cp[j]) && cp[j] != '-' && cp[j] != '_')
				return false;
			under = under || cp[j] == '_';
			j++;
		}
		if (j == i || !A(cp[i]) || !A(cp[j - 1]))
			return false;
		labels++;
		if (j == end) {
			tld = i;
			if (under)
				return false;
			break;
		}
		prev_under = under;
		i = j + 1;
		if (i == end)
			return false;
	}
	return labels >= 2 && !prev_under && !digit(cp[tld]);
#undef A
}

/* validateUrlUnicodeAuthority: (userinfo@)?host(:port)?, the regex's
 * first match covering [a, h). */
static bool authority_ok(const uint32_t *cp, size_t a, size_t h)
{
	size_t i = a, e = 0, l;
	while (i < h && (l = uri_char(cp, i, h, ":")))
		i += l;
	i = i < h && cp[i] == '@' ? i + 1 : a;
	if (!(e = ipv4_end(cp, i, h)) && cp[i] == '[') {
		size_t j = i + 1;
		while (j < h && (hex(cp[j]) || cp[j] == ':' || cp[j] == '.'))
			j++;
		if (j > i + 1 && j < h && cp[j] == ']')
			e = j + 1;
	}
	if (!e) {
		for (e = i; e < h && cp[e] != ':'; e++)
			;
		if (!unicode_domain(cp, i, e))
			return false;
	}
	if (e < h && cp[e] == ':') {
		size_t p = e + 1;
		while (p < h && p - e <= 5 && digit(cp[p]))
			p++;
		if (p > e + 1)
			e = p;
	}
	return e == h;
}

bool text_url_valid(const char *s, size_t len, bool need_scheme)
{
	struct doc d;
	if (text_doc_open(&d, s, len))
		return false;
	const uint32_t *cp = d.cp;
	size_t n = d.n, i = 0, a, h, p, q;
	bool ok = n > 0;
	/* ^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$ */
	while (i < n && !text_in_set(cp[i], ":/?#"))
		i++;
	bool scheme = i > 0 && starts_with(cp, i, "://");
	if (need_scheme)
		ok = ok && scheme && (starts_with(cp, 0, "http://") || starts_with(cp, 0, "https://"));
	a = scheme ? i + 3 : 0;
	for (h = a; h < n && !text_in_set(cp[h], "/?#"); h++)
		;
	for (p = h; p < n && !text_in_set(cp[p], "?#"); p++)
		;
	for (q = p; q < n && cp[q] != '#'; q++)
		;
	ok = ok && authority_ok(cp, a, h) && all_uri_chars(cp, h, p, "/");
	if (p < q)      /* the query, after its '?' */
		ok = ok && all_uri_chars(cp, p + 1, q, "/?");
	if (q < n)      /* the fragment, after its '#' */
		ok = ok && all_uri_chars(cp, q + 1, n, "/?");
	text_doc_close(&d);
	return ok;
}
