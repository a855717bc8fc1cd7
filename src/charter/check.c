/* check.c - checking a draft against a charter, and saying what is wrong in
 * the author's language.
 *
 * The text is decoded once (code points and byte offsets), its entities found
 * once with text.h (the same hashtags, mentions and links the networks will
 * see) and cut once into folded words (words.c); each rule then only counts
 * or compares strings. A phrase of m words is looked for at every word of the
 * text, so a check costs O(words x entries x m): a 64 KiB text against 200
 * entries is a few million string comparisons at worst.
 *
 * Time rules read the scheduled instant in the workspace's zone with tz.h, so
 * "08:00" means 08:00 on the wall clock on both sides of a DST change, and a
 * day is the local calendar day (23 or 25 hours long on change days).
 *
 * Messages are built here rather than in the UI so that the API, the
 * scheduler's refusal and the audit log all say the same thing; French ones
 * follow French typography (« guillemets » with no-break spaces, a no-break
 * space before ':' and ';'). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "charter/charter_int.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/sb.h"
#include "core/tz.h"
#include "text/text.h"

#define NBSP "\xc2\xa0"
#define MSG_CAP 4096

struct item {
	struct charter_finding f;
	int rule;
	size_t seq;
};

/* The state of one check: the text as decoded, and the findings so far. */
struct run {
	const struct charter *c;
	const struct charter_draft *d;
	struct arena *a;
	bool fr;
	int rc;                 /* sticky: ERR_TOOBIG once the arena is full */
	const char *s;
	size_t n;               /* code points */
	uint32_t *offs;         /* n + 1 byte offsets */
	uint32_t *cp;           /* n + 1 code points */
	struct item *v;
	size_t nv, cap;
};

static const char *L(const struct run *r, const char *fr, const char *en)
{
	return r->fr ? fr : en;
}

/* Adds a finding of `rule`; the message is printf-formatted. NULL once the
 * arena is full. */
__attribute__((format(printf, 5, 6)))
static struct charter_finding *emit(struct run *r, int rule, int start, int end,
                                    const char *fmt, ...)
{
	char buf[512];
	struct sb sb;
	va_list ap;
	if (r->rc)
		return NULL;
	sb_init(&sb, buf, sizeof buf, MSG_CAP);
	va_start(ap, fmt);
	sb_vaddf(&sb, fmt, ap);
	va_end(ap);
	char *msg = sb_err(&sb) ? NULL : arena_strdup(r->a, sb_str(&sb));
	sb_free(&sb);
	r->v = arena_grow(r->a, r->v, r->nv, &r->cap, sizeof *r->v);
	if (!msg || !r->v) {
		r->rc = ERR_TOOBIG;
		return NULL;
	}
	struct item *it = &r->v[r->nv];
	*it = (struct item){
		.f = {charter_rule_names[rule], charter_severity_of(r->c, rule), msg, start, end,
		      NULL, 0, -1},
		.rule = rule,
		.seq = r->nv,
	};
	r->nv++;
	return &it->f;
}

/* s[0..len) between quotes of the language, in the arena ("" when full). */
static const char *quote(struct run *r, const char *s, size_t len)
{
	char buf[256];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, MSG_CAP);
	sb_adds(&sb, L(r, "«" NBSP, "“"));
	sb_add(&sb, s, len);
	sb_adds(&sb, L(r, NBSP "»", "”"));
	const char *q = sb_err(&sb) ? NULL : arena_strdup(r->a, sb_str(&sb));
	sb_free(&sb);
	if (!q)
		r->rc = ERR_TOOBIG;
	return q ? q : "";
}

static const char *quote_range(struct run *r, int start, int end)
{
	return quote(r, r->s + r->offs[start], r->offs[end] - r->offs[start]);
}

/* ---- words ---------------------------------------------------------- */

static bool tok_match(const struct ctok *rule, const struct ctok *t)
{
	if (strcmp(rule->fold, t->fold))
		return false;
	if (rule->kind == CT_WORD)
		return t->kind == CT_WORD || t->kind == CT_HASHTAG;
	return rule->kind == t->kind;
}

/* Where the entry matches at text token i: the code-point end, or -1. */
static int match_at(const struct ctoks *text, size_t i, const struct cword *w)
{
	if (i + w->toks.n > text->n)
		return -1;
	for (size_t k = 0; k < w->toks.n; k++) {
		const struct ctok *t = &text->v[i + k];
		if ((k && !t->joined) || !tok_match(&w->toks.v[k], t))
			return -1;
	}
	return text->v[i + w->toks.n - 1].end;
}

/* "Le mot", "L’expression", ... and the agreement of its adjective. */
static const char *fr_noun(const struct cword *w, const char **fem)
{
	int kind = w->toks.n > 1 ? -1 : w->toks.v[0].kind;
	*fem = kind == -1 || kind == CT_MENTION ? "e" : "";
	return kind == -1 ? "L’expression" : kind == CT_HASHTAG ? "Le hashtag"
	     : kind == CT_MENTION ? "La mention" : kind == CT_CASHTAG ? "Le cashtag" : "Le mot";
}

static void check_words(struct run *r, const struct ctoks *text)
{
	static const int lists[] = {CR_REQUIRED, CR_FORBIDDEN, CR_TONE};
	for (size_t l = 0; l < sizeof lists / sizeof *lists; l++) {
		int rule = lists[l];
		if (!(r->c->set & (1u << rule)))
			continue;
		const struct cwords *ws = &r->c->words[rule];
		for (size_t e = 0; e < ws->n; e++) {
			const struct cword *w = &ws->v[e];
			bool found = false;
			for (size_t i = 0; i < text->n; i++) {
				int end = match_at(text, i, w);
				if (end < 0)
					continue;
				found = true;
				if (rule == CR_REQUIRED)
					break;
				int start = text->v[i].start;
				const char *q = quote_range(r, start, end), *fem;
				const char *noun = fr_noun(w, &fem);
				if (rule == CR_FORBIDDEN)
					emit(r, rule, start, end, r->fr ? "%s %s est interdit%s par la charte."
					                                : "%s%s is forbidden by the charter.",
					     r->fr ? noun : "", q, r->fr ? fem : "");
				else
					emit(r, rule, start, end, r->fr ? "%s %s ne correspond pas au ton de la charte."
					                                : "%s%s does not fit the charter’s tone.",
					     r->fr ? noun : "", q);
			}
			if (!found && rule == CR_REQUIRED) {
				const char *q = quote(r, w->text, strlen(w->text));
				emit(r, rule, -1, -1, r->fr ? "Il manque %s, que la charte demande dans chaque message."
				                            : "%s is missing; the charter requires it in every post.", q);
			}
		}
	}
}

/* ---- counts --------------------------------------------------------- */

/* Is the grapheme cp[i..j) an emoji? It holds an Extended_Pictographic code
 * point not followed by U+FE0E (text presentation), or two regional
 * indicators (a flag), or a keycap ([0-9#*] U+FE0F? U+20E3). ©, ® and ™ are
 * text by default, common in brand names, and count only with U+FE0F. */
static bool is_emoji(const uint32_t *cp, size_t i, size_t j)
{
	int ri = 0;
	for (size_t k = i; k < j; k++) {
		uint32_t c = cp[k];
		int b = utf8proc_get_property((utf8proc_int32_t)c)->boundclass;
		bool vs15 = k + 1 < j && cp[k + 1] == 0xFE0E, vs16 = k + 1 < j && cp[k + 1] == 0xFE0F;
		if (b == UTF8PROC_BOUNDCLASS_EXTENDED_PICTOGRAPHIC && !vs15 &&
		    ((c != 0xA9 && c != 0xAE && c != 0x2122) || vs16))
			return true;
		ri += b == UTF8PROC_BOUNDCLASS_REGIONAL_INDICATOR;
		if (c == 0x20E3 && k > i) {
			uint32_t base = cp[k - 1] == 0xFE0F && k - 1 > i ? cp[k - 2] : cp[k - 1];
			if ((base >= '0' && base <= '9') || base == '#' || base == '*')
				return true;
		}
	}
	return ri >= 2;
}

static void count_rule(struct run *r, int rule, const struct charter_range *items, size_t count,
                       const char *fr_one, const char *fr_many, bool fem,
                       const char *en_one, const char *en_many)
{
	if (!(r->c->set & (1u << rule)) || (int64_t)count <= r->c->num[rule])
		return;
	int64_t max = r->c->num[rule];
	const char *noun = r->fr ? (count > 1 ? fr_many : fr_one) : (count > 1 ? en_many : en_one);
	char limit[96];
	if (r->fr && max == 0)
		snprintf(limit, sizeof limit, "la charte n’en autorise %s", fem ? "aucune" : "aucun");
	else if (r->fr && max == 1)
		snprintf(limit, sizeof limit, "la charte n’en autorise qu’%s",
		         fem ? "une" : "un");
	else if (r->fr)
		snprintf(limit, sizeof limit, "la charte en autorise %lld au plus", (long long)max);
	else if (max == 0)
		snprintf(limit, sizeof limit, "the charter allows none");
	else if (max == 1)
		snprintf(limit, sizeof limit, "the charter allows only one");
	else
		snprintf(limit, sizeof limit, "the charter allows at most %lld", (long long)max);
	const struct charter_range *first = &items[max];
	struct charter_finding *f = emit(r, rule, first->start, first->end,
	                                 r->fr ? "%zu %s" NBSP ":" " %s." : "%zu %s; %s.",
	                                 count, noun, limit);
	if (f) {
		f->ranges = first;
		f->n_ranges = count - (size_t)max;
	}
}

static struct charter_range *ranges_of(struct run *r, const struct text_ent_list *ents, int kind,
                                       size_t *count)
{
	struct charter_range *v = arena_alloc(r->a, (ents->n + 1) * sizeof *v);
	*count = 0;
	if (!v) {
		r->rc = ERR_TOOBIG;
		return NULL;
	}
	for (size_t i = 0; i < ents->n; i++)
		if ((int)ents->v[i].kind == kind)
			v[(*count)++] = (struct charter_range){(int)ents->v[i].start, (int)ents->v[i].end};
	return v;
}

static void check_counts(struct run *r, const struct text_ent_list *ents)
{
	size_t k;
	struct charter_range *v = ranges_of(r, ents, TEXT_HASHTAG, &k);
	if (v)
		count_rule(r, CR_MAX_HASHTAGS, v, k, "hashtag", "hashtags", false, "hashtag", "hashtags");
	v = ranges_of(r, ents, TEXT_MENTION, &k);
	if (v)
		count_rule(r, CR_MAX_MENTIONS, v, k, "mention", "mentions", true, "mention", "mentions");
	v = ranges_of(r, ents, TEXT_URL, &k);
	if (v)
		count_rule(r, CR_MAX_LINKS, v, k, "lien", "liens", false, "link", "links");
	if (!(r->c->set & (1u << CR_MAX_EMOJIS)))
		return;
	v = arena_alloc(r->a, (r->n + 1) * sizeof *v);
	if (!v) {
		r->rc = ERR_TOOBIG;
		return;
	}
	k = 0;
	utf8proc_int32_t state = 0;
	for (size_t i = 0, j; i < r->n; i = j) {
		for (j = i + 1; j < r->n && !utf8proc_grapheme_break_stateful(
		                    (utf8proc_int32_t)r->cp[j - 1], (utf8proc_int32_t)r->cp[j], &state);
		     j++)
			;
		if (is_emoji(r->cp, i, j))
			v[k++] = (struct charter_range){(int)i, (int)j};
	}
	count_rule(r, CR_MAX_EMOJIS, v, k, "émoji", "émojis", false, "emoji", "emojis");
}

/* ---- images and links ----------------------------------------------- */

static bool blank(const char *s)
{
	for (; s && *s; s++)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return false;
	return true;
}

static void check_alts(struct run *r)
{
	if (!(r->c->set & (1u << CR_ALT_TEXT)) || !r->c->flag[CR_ALT_TEXT])
		return;
	for (size_t i = 0; i < r->d->n_images; i++) {
		if (r->d->alts && !blank(r->d->alts[i]))
			continue;
		struct charter_finding *f = emit(r, CR_ALT_TEXT, -1, -1,
			r->fr ? "L’image %zu n’a pas de texte alternatif" NBSP ":"
			        " la charte en demande un pour chaque image."
			      : "Image %zu has no alt text; the charter requires it on every image.",
			i + 1);
		if (f)
			f->image = (int)i;
	}
}

static const char *const utm_names[3] = {"utm_source", "utm_medium", "utm_campaign"};

static void check_utm(struct run *r, const struct text_ent_list *ents)
{
	if (!(r->c->set & (1u << CR_UTM)) || !r->c->flag[CR_UTM])
		return;
	for (size_t i = 0; i < ents->n; i++) {
		const struct text_ent *e = &ents->v[i];
		if (e->kind != TEXT_URL)
			continue;
		const char *u = r->s + e->bstart;
		size_t len = e->bend - e->bstart;
		const char *miss[3];
		size_t n = 0;
		for (int k = 0; k < 3; k++)
			if (!charter_has_param(u, len, utm_names[k]))
				miss[n++] = utm_names[k];
		if (!n)
			continue;
		char list[96];
		const char *and = L(r, " et ", " and ");
		if (n == 1)
			snprintf(list, sizeof list, "%s", miss[0]);
		else if (n == 2)
			snprintf(list, sizeof list, "%s%s%s", miss[0], and, miss[1]);
		else
			snprintf(list, sizeof list, "%s, %s%s%s", miss[0], miss[1], and, miss[2]);
		const char *q = quote(r, u, len);
		if (r->fr)
			emit(r, CR_UTM, (int)e->start, (int)e->end,
			     "Il manque %s au lien %s" NBSP ": la charte %s demande sur chaque lien.",
			     list, q, n == 1 ? "le" : "les");
		else
			emit(r, CR_UTM, (int)e->start, (int)e->end,
			     "The link %s lacks %s; the charter requires %s on every link.", q, list,
			     n == 1 ? "it" : "them");
	}
}

/* ---- time ----------------------------------------------------------- */

static const char *const fr_days[7] = {"dimanche", "lundi", "mardi", "mercredi", "jeudi",
                                       "vendredi", "samedi"};
static const char *const en_days[7] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday",
                                       "Friday", "Saturday"};
static const char *const fr_months[12] = {"janvier", "février", "mars", "avril", "mai", "juin",
                                          "juillet", "août", "septembre", "octobre",
                                          "novembre", "décembre"};
static const char *const en_months[12] = {"January", "February", "March", "April", "May", "June",
                                          "July", "August", "September", "October",
                                          "November", "December"};

/* "dimanche 29 mars 2026" / "Sunday 29 March 2026" */
static void date_str(const struct run *r, const struct tz_local *l, char *out, size_t size)
{
	snprintf(out, size, "%s %d %s %d", (r->fr ? fr_days : en_days)[l->wday], l->day,
	         (r->fr ? fr_months : en_months)[(unsigned)(l->month - 1) % 12], l->year);
}

/* The allowed days, Monday first: a run of three or more as "du lundi au
 * vendredi", else a list. */
static void days_str(const struct run *r, unsigned days, char *out, size_t size)
{
	static const int week[7] = {1, 2, 3, 4, 5, 6, 0};
	const char *const *names = r->fr ? fr_days : en_days;
	int first = -1, last = -1, count = 0;
	bool gap = false;
	for (int i = 0; i < 7; i++) {
		if (!(days & (1u << week[i])))
			continue;
		gap |= last >= 0 && last != i - 1;
		first = first < 0 ? i : first;
		last = i;
		count++;
	}
	if (count >= 3 && !gap) {
		snprintf(out, size, r->fr ? "du %s au %s" : "%s to %s", names[week[first]],
		         names[week[last]]);
		return;
	}
	size_t len = 0;
	int seen = 0;
	out[0] = 0;
	for (int i = 0; i < 7 && len < size; i++) {
		if (!(days & (1u << week[i])))
			continue;
		const char *sep = !seen ? "" : seen == count - 1 ? L(r, " et ", " and ") : ", ";
		int w = snprintf(out + len, size - len, "%s%s%s", sep, r->fr ? "le " : "", names[week[i]]);
		len += w > 0 ? (size_t)w : 0;
		seen++;
	}
}

/* |a - b| without overflow, whatever instants the caller passes. */
static uint64_t dist(int64_t a, int64_t b)
{
	return a > b ? (uint64_t)a - (uint64_t)b : (uint64_t)b - (uint64_t)a;
}

static void check_time(struct run *r)
{
	const struct charter *c = r->c;
	const struct charter_draft *d = r->d;
	const unsigned time_rules = 1u << CR_DAYS | 1u << CR_HOURS | 1u << CR_MIN_GAP |
	                            1u << CR_MAX_PER_DAY;
	if (!d->at || !(c->set & time_rules))
		return;
	const struct tz *z;
	int rc = tz_get(d->tz ? d->tz : "UTC", &z);
	if (rc) {
		r->rc = ERR_INVAL;
		return;
	}
	const char *zn = tz_name(z);
	struct tz_local l;
	tz_to_local(z, d->at, &l);
	if ((c->set & (1u << CR_DAYS)) && !(c->days & (1u << l.wday))) {
		char allowed[160];
		days_str(r, c->days, allowed, sizeof allowed);
		emit(r, CR_DAYS, -1, -1, r->fr ? "Programmé un %s (%s)" NBSP ": la charte n’"
		                                 "autorise que %s."
		                               : "Scheduled on a %s (%s); the charter allows only %s.",
		     (r->fr ? fr_days : en_days)[l.wday], zn, allowed);
	}
	int sec = l.hour * 3600 + l.minute * 60 + l.second;
	if ((c->set & (1u << CR_HOURS)) && (sec < c->from * 60 || sec > c->to * 60))
		emit(r, CR_HOURS, -1, -1, r->fr ? "Programmé à %02d:%02d (%s)" NBSP ": la charte autorise"
		                                  " %02d:%02d–%02d:%02d."
		                                : "Scheduled at %02d:%02d (%s); the charter allows"
		                                  " %02d:%02d–%02d:%02d.",
		     l.hour, l.minute, zn, c->from / 60, c->from % 60, c->to / 60, c->to % 60);
	if ((c->set & (1u << CR_MIN_GAP)) && d->n_others) {
		int64_t best = d->others[0];
		for (size_t i = 1; i < d->n_others; i++)
			if (dist(d->others[i], d->at) < dist(best, d->at))
				best = d->others[i];
		int64_t gap = c->num[CR_MIN_GAP];
		int diff = (d->at > best) - (d->at < best);     /* the other is before: 1 */
		if (dist(d->at, best) < (uint64_t)gap * 60000) {
			struct tz_local o;
			char when[96], ago[64];
			tz_to_local(z, best, &o);
			if (o.year == l.year && o.yday == l.yday) {
				snprintf(when, sizeof when, "%s %02d:%02d", L(r, "à", "at"), o.hour, o.minute);
			} else {
				char date[64];
				date_str(r, &o, date, sizeof date);
				snprintf(when, sizeof when, r->fr ? "le %s à %02d:%02d" : "on %s at %02d:%02d",
				         date, o.hour, o.minute);
			}
			long long mins = (long long)(dist(d->at, best) / 60000);
			if (!diff)
				snprintf(ago, sizeof ago, "%s", L(r, "à la même heure", "at the same time"));
			else if (!mins)
				snprintf(ago, sizeof ago, "%s", diff > 0 ? L(r, "moins d’une minute plus tôt",
				                                             "less than a minute earlier")
				                                         : L(r, "moins d’une minute plus tard",
				                                             "less than a minute later"));
			else
				snprintf(ago, sizeof ago, "%lld min %s", mins,
				         diff > 0 ? L(r, "plus tôt", "earlier") : L(r, "plus tard", "later"));
			emit(r, CR_MIN_GAP, -1, -1,
			     r->fr ? "Ce canal a un autre message %s (%s), %s" NBSP ": la charte demande au"
			             " moins %lld min d’écart."
			           : "This channel has another post %s (%s), %s; the charter asks for at"
			             " least %lld min between posts.",
			     when, zn, ago, (long long)gap);
		}
	}
	if (c->set & (1u << CR_MAX_PER_DAY)) {
		size_t count = 1;
		for (size_t i = 0; i < d->n_others; i++) {
			struct tz_local o;
			tz_to_local(z, d->others[i], &o);
			count += o.year == l.year && o.yday == l.yday;
		}
		int64_t max = c->num[CR_MAX_PER_DAY];
		if ((int64_t)count > max) {
			char date[64], limit[64];
			date_str(r, &l, date, sizeof date);
			if (max == 1)
				snprintf(limit, sizeof limit, "%s",
				         L(r, "n’en autorise qu’un par jour", "allows only one a day"));
			else
				snprintf(limit, sizeof limit, r->fr ? "en autorise %lld par jour"
				                                    : "allows %lld a day", (long long)max);
			emit(r, CR_MAX_PER_DAY, -1, -1,
			     r->fr ? "%zu messages le %s (%s) sur ce canal, celui-ci compris" NBSP ": la"
			             " charte %s."
			           : "%zu posts on %s (%s) on this channel, this one included; the charter"
			             " %s.",
			     count, date, zn, limit);
		}
	}
}

/* ---- the whole check ------------------------------------------------ */

static int cmp_items(const void *x, const void *y)
{
	const struct item *a = x, *b = y;
	if (a->f.severity != b->f.severity)
		return a->f.severity == CHARTER_ERROR ? -1 : 1;
	if (a->f.start != b->f.start)
		return a->f.start < b->f.start ? -1 : 1;
	if (a->rule != b->rule)
		return a->rule < b->rule ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

int charter_check(const struct charter *c, const struct charter_draft *d, struct arena *a,
                  struct charter_finding **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (!c)
		return ERR_OK;
	struct run r = {.c = c, .d = d, .a = a, .s = d->text ? d->text : ""};
	r.fr = d->lang && !strcmp(d->lang, "fr");
	size_t len = strlen(r.s);
	struct text_ent_list ents;
	struct ctoks toks;
	int rc = text_extract(a, r.s, len, TEXT_ALL | (d->text_flags & TEXT_MASTODON), &ents);
	if (rc)
		return rc;
	r.offs = charter_offsets(r.s, len, &r.n, a);
	r.cp = arena_alloc(a, (r.n + 1) * sizeof *r.cp);
	if (!r.offs || !r.cp)
		return ERR_TOOBIG;
	for (size_t i = 0; i < r.n; i++) {
		utf8proc_int32_t cp = 0;
		utf8proc_iterate((const utf8proc_uint8_t *)r.s + r.offs[i], r.offs[i + 1] - r.offs[i], &cp);
		r.cp[i] = (uint32_t)cp;
	}
	r.cp[r.n] = 0;
	rc = charter_tokens(r.s, r.offs, r.n, &ents, a, &toks);
	if (rc)
		return rc;

	if ((c->set & (1u << CR_MAX_LENGTH)) && d->length > c->num[CR_MAX_LENGTH])
		emit(&r, CR_MAX_LENGTH, -1, -1,
		     r.fr ? "Le message fait %lld caractères" NBSP ": la charte en autorise %lld au plus."
		          : "The post is %lld characters long; the charter allows at most %lld.",
		     (long long)d->length, (long long)c->num[CR_MAX_LENGTH]);
	check_words(&r, &toks);
	check_counts(&r, &ents);
	check_alts(&r);
	check_utm(&r, &ents);
	check_time(&r);
	if (r.rc)
		return r.rc;

	if (r.nv)
		qsort(r.v, r.nv, sizeof *r.v, cmp_items);
	struct charter_finding *f = arena_alloc(a, (r.nv + 1) * sizeof *f);
	if (!f)
		return ERR_TOOBIG;
	for (size_t i = 0; i < r.nv; i++)
		f[i] = r.v[i].f;
	*out = f;
	*n = r.nv;
	return ERR_OK;
}

bool charter_blocks(const struct charter_finding *f, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (f[i].severity == CHARTER_ERROR)
			return true;
	return false;
}

void charter_findings_json(struct jw *w, const struct charter_finding *f, size_t n)
{
	jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		jw_obj(w);
		jw_kstr(w, "rule", f[i].rule);
		jw_kstr(w, "severity", f[i].severity == CHARTER_ERROR ? "error" : "warning");
		jw_kstr(w, "message", f[i].message);
		jw_key(w, "start");
		if (f[i].start < 0)
			jw_null(w);
		else
			jw_int(w, f[i].start);
		jw_key(w, "end");
		if (f[i].start < 0)
			jw_null(w);
		else
			jw_int(w, f[i].end);
		if (f[i].n_ranges) {
			jw_key(w, "ranges");
			jw_arr(w);
			for (size_t k = 0; k < f[i].n_ranges; k++) {
				jw_arr(w);
				jw_int(w, f[i].ranges[k].start);
				jw_int(w, f[i].ranges[k].end);
				jw_arr_end(w);
			}
			jw_arr_end(w);
		}
		if (f[i].image >= 0)
			jw_kint(w, "image", f[i].image);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}
