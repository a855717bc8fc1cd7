/* charter.c - charter rules: parsing and validation, canonical JSON, merging
 * a channel override over the workspace's rules.
 *
 * One table describes every rule (its JSON key, its kind, its bounds, its
 * default severity); the parser, the writer and the merge walk it, so a new
 * rule is a line in the table plus its check in check.c. Parsing stops at the
 * first problem and names it by its path ("hours.from", "forbidden[2]"), which
 * the API returns as the error's field. Word entries are canonicalised here
 * (trimmed, white space collapsed, NFC) and cut into folded words once, so
 * that checking a draft only compares strings. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "charter/charter_int.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/sb.h"
#include "core/str.h"
#include "text/text.h"

#define LENGTH_MAX 1000000      /* max_length when no network bounds it */
#define JSON_CAP (1024 * 1024)

enum ckind { K_INT, K_WORDS, K_BOOL, K_DAYS, K_HOURS };

static const struct {
	enum ckind kind;
	int64_t min, max;       /* K_INT */
	enum charter_severity def;
} rules[CR__COUNT] = {
	[CR_MAX_LENGTH]   = {K_INT, 1, LENGTH_MAX, CHARTER_ERROR},
	[CR_REQUIRED]     = {K_WORDS, 0, 0, CHARTER_ERROR},
	[CR_FORBIDDEN]    = {K_WORDS, 0, 0, CHARTER_ERROR},
	[CR_MAX_HASHTAGS] = {K_INT, 0, 1000, CHARTER_ERROR},
	[CR_MAX_MENTIONS] = {K_INT, 0, 1000, CHARTER_ERROR},
	[CR_MAX_EMOJIS]   = {K_INT, 0, 1000, CHARTER_ERROR},
	[CR_MAX_LINKS]    = {K_INT, 0, 1000, CHARTER_ERROR},
	[CR_ALT_TEXT]     = {K_BOOL, 0, 0, CHARTER_ERROR},
	[CR_UTM]          = {K_BOOL, 0, 0, CHARTER_ERROR},
	[CR_DAYS]         = {K_DAYS, 0, 0, CHARTER_ERROR},
	[CR_HOURS]        = {K_HOURS, 0, 0, CHARTER_ERROR},
	[CR_MIN_GAP]      = {K_INT, 1, 7 * 24 * 60, CHARTER_ERROR},
	[CR_MAX_PER_DAY]  = {K_INT, 1, 1000, CHARTER_ERROR},
	[CR_TONE]         = {K_WORDS, 0, 0, CHARTER_WARNING},
};

const char *const charter_rule_names[CR__COUNT] = {
	"max_length", "required", "forbidden", "max_hashtags", "max_mentions", "max_emojis",
	"max_links", "alt_text_required", "utm_required", "days", "hours", "min_gap_minutes",
	"max_per_day", "tone",
};

/* Week order for people (Monday first) as tz_local's wday (Sunday = 0). */
static const char *const day_keys[7] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};
static const int week[7] = {1, 2, 3, 4, 5, 6, 0};

static int rule_index(const char *key)
{
	for (int r = 0; r < CR__COUNT; r++)
		if (!strcmp(key, charter_rule_names[r]))
			return r;
	return -1;
}

struct pctx {
	struct arena *a;
	const char **field;
	char *msg;
	size_t msgsz;
};

/* Records the first problem (the parser stops there). */
static int fail(struct pctx *p, const char *field, const char *msg)
{
	*p->field = arena_strdup(p->a, field);
	if (p->msgsz)
		snprintf(p->msg, p->msgsz, "%s", msg);
	return *p->field ? ERR_INVAL : ERR_TOOBIG;
}

static int fail_item(struct pctx *p, const char *key, size_t i, const char *msg)
{
	char f[64];
	snprintf(f, sizeof f, "%s[%zu]", key, i);
	return fail(p, f, msg);
}

/* Trimmed, runs of white space as one space, NFC; NULL when the arena is full. */
static char *canonical_entry(const char *s, struct arena *a, bool *control)
{
	size_t len = strlen(s);
	char *tmp = arena_alloc(a, len + 1);
	if (!tmp)
		return NULL;
	size_t n = 0;
	bool space = false;
	*control = false;
	for (size_t i = 0; i < len;) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
		                                      (utf8proc_ssize_t)(len - i), &c);
		if (k <= 0)
			return NULL;
		utf8proc_category_t cat = utf8proc_category(c);
		if (c == '\t' || c == '\n' || c == '\r' || cat == UTF8PROC_CATEGORY_ZS) {
			space = n > 0;
		} else {
			if (cat == UTF8PROC_CATEGORY_CC)
				*control = true;
			if (space)
				tmp[n++] = ' ';
			space = false;
			memcpy(tmp + n, s + i, (size_t)k);
			n += (size_t)k;
		}
		i += (size_t)k;
	}
	tmp[n] = 0;
	utf8proc_uint8_t *nfc = utf8proc_NFC((const utf8proc_uint8_t *)tmp);
	if (!nfc)
		return NULL;
	char *out = arena_strdup(a, (const char *)nfc);
	free(nfc);
	return out;
}

static bool same_words(const struct ctoks *x, const struct ctoks *y)
{
	if (x->n != y->n)
		return false;
	for (size_t i = 0; i < x->n; i++)
		if (x->v[i].kind != y->v[i].kind || strcmp(x->v[i].fold, y->v[i].fold))
			return false;
	return true;
}

static int parse_words(struct pctx *p, const char *key, const json_t *v, struct cwords *out)
{
	if (!json_is_array(v))
		return fail(p, key, "must be an array of words or phrases");
	if (json_array_size(v) > CHARTER_WORDS_MAX)
		return fail(p, key, "has more than 200 entries");
	out->n = 0;
	out->v = arena_alloc(p->a, (json_array_size(v) + 1) * sizeof *out->v);
	if (!out->v)
		return ERR_TOOBIG;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		if (!s)
			return fail_item(p, key, i, "must be a string");
		bool control;
		char *e = canonical_entry(s, p->a, &control);
		if (!e)
			return ERR_TOOBIG;
		if (control)
			return fail_item(p, key, i, "holds a control character");
		size_t len = strlen(e);
		if (!len)
			return fail_item(p, key, i, "is empty");
		if (utf8_count(e, len) > CHARTER_WORD_MAX_LEN)
			return fail_item(p, key, i, "is longer than 100 characters");
		struct text_ent_list ents;
		size_t n;
		uint32_t *offs = charter_offsets(e, len, &n, p->a);
		if (!offs)
			return ERR_TOOBIG;
		int rc = text_extract(p->a, e, len, TEXT_ALL, &ents);
		if (rc)
			return rc;
		for (size_t k = 0; k < ents.n; k++)
			if (ents.v[k].kind == TEXT_URL)
				return fail_item(p, key, i, "is a link: links cannot be charter words");
		struct cword w = {e, {0}};
		rc = charter_tokens(e, offs, n, &ents, p->a, &w.toks);
		if (rc)
			return rc;
		if (!w.toks.n)
			return fail_item(p, key, i, "has no letter or digit");
		for (size_t k = 1; k < w.toks.n; k++)
			if (!w.toks.v[k].joined)
				return fail_item(p, key, i, "the words of a phrase may only be separated"
				                            " by spaces, apostrophes or hyphens");
		bool dup = false;
		for (size_t k = 0; k < out->n && !dup; k++)
			dup = same_words(&out->v[k].toks, &w.toks);
		if (!dup)
			out->v[out->n++] = w;
	}
	return ERR_OK;
}

static int parse_days(struct pctx *p, const json_t *v, unsigned *days)
{
	if (!json_is_array(v))
		return fail(p, "days", "must be an array of days (\"mon\" ... \"sun\")");
	if (!json_array_size(v))
		return fail(p, "days", "must allow at least one day");
	*days = 0;
	for (size_t i = 0; i < json_array_size(v); i++) {
		const char *s = json_string_value(json_array_get(v, i));
		int d = -1;
		for (int k = 0; s && k < 7; k++)
			if (!strcmp(s, day_keys[k]))
				d = k;
		if (d < 0)
			return fail_item(p, "days", i, "unknown day: days are mon, tue, wed, thu, fri,"
			                               " sat, sun");
		*days |= 1u << d;
	}
	return ERR_OK;
}

/* "HH:MM" as minutes since midnight, 00:00 to 24:00; -1 when malformed. */
static int minutes(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

static int parse_hours(struct pctx *p, const json_t *v, int *from, int *to)
{
	if (!json_is_object(v))
		return fail(p, "hours", "must be an object {\"from\": \"HH:MM\", \"to\": \"HH:MM\"}");
	const char *key;
	const json_t *x;
	json_object_foreach((json_t *)v, key, x) {
		if (strcmp(key, "from") && strcmp(key, "to")) {
			char f[160];
			snprintf(f, sizeof f, "hours.%s", key);
			return fail(p, f, "unknown key: hours has only from and to");
		}
	}
	*from = minutes(json_object_get(v, "from"));
	*to = minutes(json_object_get(v, "to"));
	if (!json_object_get(v, "from"))
		return fail(p, "hours.from", "is required");
	if (*from < 0 || *from == 24 * 60)
		return fail(p, "hours.from", "must be a time \"HH:MM\" from 00:00 to 23:59");
	if (!json_object_get(v, "to"))
		return fail(p, "hours.to", "is required");
	if (*to < 0)
		return fail(p, "hours.to", "must be a time \"HH:MM\" from 00:00 to 24:00");
	if (*from >= *to)
		return fail(p, "hours.to", "must be later than hours.from");
	return ERR_OK;
}

static int parse_severity(struct pctx *p, const json_t *v, struct charter *c)
{
	if (!json_is_object(v))
		return fail(p, "severity", "must be an object {\"rule\": \"error\" | \"warning\"}");
	const char *key;
	const json_t *x;
	json_object_foreach((json_t *)v, key, x) {
		char f[160];
		snprintf(f, sizeof f, "severity.%s", key);
		int r = rule_index(key);
		if (r < 0)
			return fail(p, f, "no such rule");
		const char *s = json_string_value(x);
		if (json_is_null(x))
			c->sev[r] = rules[r].def;
		else if (s && !strcmp(s, "error"))
			c->sev[r] = CHARTER_ERROR;
		else if (s && !strcmp(s, "warning"))
			c->sev[r] = CHARTER_WARNING;
		else
			return fail(p, f, "must be \"error\" or \"warning\"");
		c->sev_set |= 1u << r;
	}
	return ERR_OK;
}

static int parse_rule(struct pctx *p, struct charter *c, int r, const json_t *v, int64_t net_max)
{
	const char *key = charter_rule_names[r];
	char m[96];
	switch (rules[r].kind) {
	case K_INT: {
		int64_t max = r == CR_MAX_LENGTH && net_max > 0 ? net_max : rules[r].max;
		if (!json_is_integer(v))
			return fail(p, key, "must be an integer");
		int64_t x = json_integer_value(v);
		if (x < rules[r].min || x > max) {
			if (r == CR_MAX_LENGTH && net_max > 0 && x > max)
				snprintf(m, sizeof m, "must not exceed the network's own maximum, %lld",
				         (long long)max);
			else
				snprintf(m, sizeof m, "must be from %lld to %lld", (long long)rules[r].min,
				         (long long)max);
			return fail(p, key, m);
		}
		c->num[r] = x;
		return ERR_OK;
	}
	case K_BOOL:
		if (!json_is_boolean(v))
			return fail(p, key, "must be true or false");
		c->flag[r] = json_is_true(v);
		return ERR_OK;
	case K_WORDS:
		return parse_words(p, key, v, &c->words[r]);
	case K_DAYS:
		return parse_days(p, v, &c->days);
	case K_HOURS:
		return parse_hours(p, v, &c->from, &c->to);
	}
	return ERR_INVAL;
}

int charter_parse(const json_t *rules_json, int64_t net_max_len, struct arena *a,
                  struct charter **out, const char **field, char *msg, size_t msgsz)
{
	struct pctx p = {a, field, msg, msgsz};
	*out = NULL;
	*field = NULL;
	if (msgsz)
		msg[0] = 0;
	if (!json_is_object(rules_json))
		return fail(&p, "", "the charter must be a JSON object");
	struct charter *c = arena_alloc(a, sizeof *c);
	if (!c)
		return ERR_TOOBIG;
	memset(c, 0, sizeof *c);
	const char *key;
	const json_t *v;
	json_object_foreach((json_t *)rules_json, key, v) {
		int rc;
		int r = rule_index(key);
		if (!strcmp(key, "severity")) {
			rc = parse_severity(&p, v, c);
		} else if (r < 0) {
			rc = fail(&p, key, "unknown rule");
		} else if (json_is_null(v)) {
			c->lifted |= 1u << r;
			rc = ERR_OK;
		} else {
			rc = parse_rule(&p, c, r, v, net_max_len);
			c->set |= 1u << r;
		}
		if (rc)
			return rc;
	}
	*out = c;
	return ERR_OK;
}

char *charter_json(const struct charter *c, struct arena *a)
{
	char buf[1024];
	struct sb sb;
	struct jw w;
	sb_init(&sb, buf, sizeof buf, JSON_CAP);
	jw_init(&w, &sb);
	jw_obj(&w);
	for (int r = 0; c && r < CR__COUNT; r++) {
		unsigned bit = 1u << r;
		if (!((c->set | c->lifted) & bit))
			continue;
		jw_key(&w, charter_rule_names[r]);
		if (!(c->set & bit)) {
			jw_null(&w);
			continue;
		}
		switch (rules[r].kind) {
		case K_INT:
			jw_int(&w, c->num[r]);
			break;
		case K_BOOL:
			jw_bool(&w, c->flag[r]);
			break;
		case K_WORDS:
			jw_arr(&w);
			for (size_t i = 0; i < c->words[r].n; i++)
				jw_str(&w, c->words[r].v[i].text);
			jw_arr_end(&w);
			break;
		case K_DAYS:
			jw_arr(&w);
			for (int i = 0; i < 7; i++)
				if (c->days & (1u << week[i]))
					jw_str(&w, day_keys[week[i]]);
			jw_arr_end(&w);
			break;
		case K_HOURS: {
			char t[16];
			jw_obj(&w);
			snprintf(t, sizeof t, "%02d:%02d", c->from / 60, c->from % 60);
			jw_kstr(&w, "from", t);
			snprintf(t, sizeof t, "%02d:%02d", c->to / 60, c->to % 60);
			jw_kstr(&w, "to", t);
			jw_obj_end(&w);
			break;
		}
		}
	}
	if (c && c->sev_set) {
		jw_key(&w, "severity");
		jw_obj(&w);
		for (int r = 0; r < CR__COUNT; r++)
			if (c->sev_set & (1u << r))
				jw_kstr(&w, charter_rule_names[r],
				        c->sev[r] == CHARTER_WARNING ? "warning" : "error");
		jw_obj_end(&w);
	}
	jw_obj_end(&w);
	char *out = sb_err(&sb) ? NULL : arena_strdup(a, sb_str(&sb));
	sb_free(&sb);
	return out;
}

const struct charter *charter_merge(const struct charter *ws, const struct charter *channel,
                                    struct arena *a)
{
	struct charter *m = arena_alloc(a, sizeof *m);
	if (!m)
		return NULL;
	if (ws)
		*m = *ws;
	else
		memset(m, 0, sizeof *m);
	for (int r = 0; channel && r < CR__COUNT; r++) {
		unsigned bit = 1u << r;
		if (channel->set & bit) {
			m->set |= bit;
			m->num[r] = channel->num[r];
			m->flag[r] = channel->flag[r];
			m->words[r] = channel->words[r];
			if (r == CR_DAYS)
				m->days = channel->days;
			if (r == CR_HOURS) {
				m->from = channel->from;
				m->to = channel->to;
			}
		} else if (channel->lifted & bit) {
			m->set &= ~bit;
		}
		if (channel->sev_set & bit) {
			m->sev_set |= bit;
			m->sev[r] = channel->sev[r];
		}
	}
	/* The effective rules have no "null" left to say. */
	m->lifted = 0;
	return m;
}

enum charter_severity charter_severity_of(const struct charter *c, int rule)
{
	return c->sev_set & (1u << rule) ? c->sev[rule] : rules[rule].def;
}
