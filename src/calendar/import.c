/* import.c - the bulk-import CSV parser (see calendar.h).
 *
 * Community managers bring files from other tools' bulk composers and from
 * Excel, so columns are matched by name rather than position, and names are
 * compared after utf8proc case folding and accent stripping with everything
 * but letters and digits dropped ("Média URL" = "media_url" = "mediaurl").
 *
 * The parser never stops at the first problem: each row is checked column by
 * column and every problem is kept with its line, so the user can fix the
 * whole file at once. It only stops when the file cannot be read further (an
 * unterminated quote, the row limit) or the header lacks a required column. */
#include "calendar/calendar.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <utf8proc.h>

#include "core/arena.h"
#include "core/csv.h"
#include "core/err.h"
#include "core/str.h"
#include "core/tz.h"

enum col { C_DATE, C_TIME, C_CHANNEL, C_TEXT, C_LINK, C_MEDIA, C_ALT, C_COMMENT, C__COUNT };

static const char *const COL_NAME[C__COUNT] = {
	"date", "time", "channel", "text", "link", "media_url", "alt", "first_comment",
};

/* Normalised header names (see normalise()). */
static const struct {
	const char *name;
	enum col col;
} ALIASES[] = {
	{"date", C_DATE}, {"jour", C_DATE},
	{"time", C_TIME}, {"heure", C_TIME}, {"hour", C_TIME},
	{"channel", C_CHANNEL}, {"canal", C_CHANNEL}, {"reseau", C_CHANNEL},
	{"compte", C_CHANNEL}, {"account", C_CHANNEL}, {"network", C_CHANNEL},
	{"text", C_TEXT}, {"texte", C_TEXT}, {"message", C_TEXT}, {"contenu", C_TEXT},
	{"content", C_TEXT},
	{"link", C_LINK}, {"lien", C_LINK}, {"url", C_LINK},
	{"media", C_MEDIA}, {"mediaurl", C_MEDIA}, {"image", C_MEDIA}, {"imageurl", C_MEDIA},
	{"mediaurls", C_MEDIA}, {"images", C_MEDIA},
	{"alt", C_ALT}, {"alttext", C_ALT}, {"textealternatif", C_ALT}, {"alternative", C_ALT},
	{"firstcomment", C_COMMENT}, {"premiercommentaire", C_COMMENT},
};

#define HEADER_MAX 64        /* bytes of a header name worth looking at */
#define CHANNEL_MAX 200      /* bytes */
#define URL_MAX 2048         /* bytes */
#define FIELDS_MAX 64

struct ctx {
	struct arena *a;
	struct import_result *out;
	size_t pcap, rcap;
	bool oom;
};

__attribute__((format(printf, 4, 5)))
static void problem(struct ctx *c, size_t line, const char *column, const char *fmt, ...)
{
	char msg[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	struct import_problem *v = arena_grow(c->a, c->out->problems, c->out->n_problems, &c->pcap, sizeof *v);
	char *m = arena_strdup(c->a, msg);
	if (!v || !m) {
		c->oom = true;
		return;
	}
	c->out->problems = v;
	v[c->out->n_problems++] = (struct import_problem){line, column, m};
}

/* Case-folded, accents stripped, letters and digits only, into out[HEADER_MAX]. */
static void normalise(const char *s, size_t len, char *out)
{
	out[0] = '\0';
	if (len > HEADER_MAX)
		return;
	utf8proc_uint8_t *m = NULL;
	utf8proc_ssize_t n = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &m,
					  UTF8PROC_DECOMPOSE | UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
	size_t k = 0;
	for (utf8proc_ssize_t i = 0; i < n && k < HEADER_MAX - 1; i++)
		if ((m[i] >= 'a' && m[i] <= 'z') || (m[i] >= '0' && m[i] <= '9'))
			out[k++] = (char)m[i];
	out[k] = '\0';
	free(m);
}

static int column_of(const char *s, size_t len)
{
	char norm[HEADER_MAX];
	normalise(s, len, norm);
	for (size_t i = 0; i < sizeof ALIASES / sizeof ALIASES[0]; i++)
		if (strcmp(norm, ALIASES[i].name) == 0)
			return (int)ALIASES[i].col;
	return -1;
}

static struct slice trim(struct slice s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t'))
		s.p++, s.len--;
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* ---- dates and times ---- */

struct cursor {
	const char *p, *end;
};

/* min..max digits as a number. */
static bool digits(struct cursor *c, int min, int max, int *out)
{
	int n = 0, v = 0;
	while (c->p < c->end && n < max && *c->p >= '0' && *c->p <= '9') {
		v = v * 10 + (*c->p++ - '0');
		n++;
	}
	*out = v;
	return n >= min && !(c->p < c->end && *c->p >= '0' && *c->p <= '9');
}

static bool lit(struct cursor *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool date_ok(int y, int m, int d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return d <= mdays[m - 1] + (m == 2 && leap);
}

/* YYYY-MM-DD or DD/MM/YYYY; the cursor stays after it. */
static bool parse_date(struct cursor *c, int *y, int *m, int *d)
{
	struct cursor save = *c;
	if (digits(c, 4, 4, y) && lit(c, '-') && digits(c, 1, 2, m) && lit(c, '-') && digits(c, 1, 2, d))
		return date_ok(*y, *m, *d);
	*c = save;
	if (digits(c, 1, 2, d) && lit(c, '/') && digits(c, 1, 2, m) && lit(c, '/') && digits(c, 4, 4, y))
		return date_ok(*y, *m, *d);
	return false;
}

/* HH:MM, HH:MM:SS, 9h30, 9h (h or H); the whole rest of the cursor. */
static bool parse_time(struct cursor *c, int *h, int *mi, int *s)
{
	*mi = *s = 0;
	if (!digits(c, 1, 2, h))
		return false;
	if (lit(c, ':')) {
		if (!digits(c, 2, 2, mi))
			return false;
		if (lit(c, ':') && !digits(c, 2, 2, s))
			return false;
	} else if (lit(c, 'h') || lit(c, 'H')) {
		if (c->p < c->end && !digits(c, 2, 2, mi))
			return false;
	} else {
		return false;
	}
	return c->p == c->end && *h < 24 && *mi < 60 && *s < 60;
}

/* The instant of a wall time: skipped -> error, repeated -> the first. */
static int resolve(const struct tz *z, struct import_row *r, enum tz_kind *kind)
{
	struct tz_local w = {.year = r->year, .month = r->month, .day = r->day,
			     .hour = r->hour, .minute = r->minute, .second = r->second};
	int rc = tz_from_local(z, &w, TZ_REJECT, &r->at_ms, kind);
	if (rc && *kind == TZ_REPEATED)
		rc = tz_from_local(z, &w, TZ_EARLIER, &r->at_ms, NULL);
	return rc;
}

/* The first instant of the local day, for a queue row. */
static void day_start(const struct tz *z, struct import_row *r)
{
	struct tz_local w = {.year = r->year, .month = r->month, .day = r->day};
	enum tz_kind kind;
	if (tz_from_local(z, &w, TZ_EARLIER, &r->at_ms, &kind) == ERR_OK && kind == TZ_SKIPPED)
		tz_from_local(z, &w, TZ_LATER, &r->at_ms, NULL);
}

/* ---- columns ---- */

static bool has_controls(struct slice s, bool multiline)
{
	for (size_t i = 0; i < s.len; i++) {
		unsigned char ch = (unsigned char)s.p[i];
		if ((ch < 0x20 && !(multiline && (ch == '\n' || ch == '\t'))) || ch == 0x7F)
			return true;
	}
	return false;
}

static bool is_url(struct slice s)
{
	size_t skip = s.len >= 8 && strncasecmp(s.p, "https://", 8) == 0 ? 8
		      : s.len >= 7 && strncasecmp(s.p, "http://", 7) == 0 ? 7 : 0;
	if (!skip || s.len == skip || s.len > URL_MAX)
		return false;
	for (size_t i = 0; i < s.len; i++)
		if ((unsigned char)s.p[i] <= 0x20 || s.p[i] == 0x7F)
			return false;
	return true;
}

static const char *dup(struct ctx *c, struct slice s)
{
	char *p = arena_strndup(c->a, s.p, s.len);
	if (!p)
		c->oom = true;
	return p ? p : "";
}

static void text_col(struct ctx *c, struct import_row *r, enum col col, struct slice s,
		     size_t max, const char **dst)
{
	size_t cps = utf8_count(s.p, s.len);
	if (cps > max)
		problem(c, r->line, COL_NAME[col], "longer than %zu characters (%zu)", max, cps);
	else if (has_controls(s, true))
		problem(c, r->line, COL_NAME[col], "holds control characters");
	*dst = dup(c, s);
}

static void url_col(struct ctx *c, struct import_row *r, enum col col, struct slice s, const char **dst)
{
	s = trim(s);
	if (s.len && !is_url(s))
		problem(c, r->line, COL_NAME[col], "not an http(s) URL");
	*dst = dup(c, s);
}

/* The media column: URLs separated by spaces or '|'; the alt column: the
 * alt text of each, in the same order, separated by '|'. */
static void media_cols(struct ctx *c, struct import_row *r, struct slice urls, struct slice alts,
		       size_t max_text)
{
	const char *p = urls.p, *end = urls.p + urls.len;
	for (;;) {
		while (p < end && (*p == ' ' || *p == '\t' || *p == '|' || *p == '\n' || *p == '\r'))
			p++;
		if (p == end)
			break;
		const char *q = p;
		while (q < end && !(*q == ' ' || *q == '\t' || *q == '|' || *q == '\n' || *q == '\r'))
			q++;
		struct slice u = {p, (size_t)(q - p)};
		if (r->n_media == IMPORT_MEDIA_MAX) {
			problem(c, r->line, "media_url", "more than %d images", IMPORT_MEDIA_MAX);
			break;
		}
		if (u.len > URL_MAX || !is_url(u)) {
			problem(c, r->line, "media_url", "\"%.*s\" is not an http(s) URL",
				(int)(u.len > 60 ? 60 : u.len), u.p);
			break;
		}
		r->media[r->n_media++] = dup(c, u);
		p = q;
	}
	p = alts.p, end = alts.p + alts.len;
	for (size_t i = 0; p <= end && alts.len; i++) {
		const char *q = memchr(p, '|', (size_t)(end - p));
		if (!q)
			q = end;
		struct slice t = trim((struct slice){p, (size_t)(q - p)});
		if (i >= r->n_media) {
			if (t.len)
				problem(c, r->line, "alt", "more alt texts than images");
			break;
		}
		text_col(c, r, C_ALT, t, max_text, &r->alt[i]);
		p = q + 1;
	}
}

static void when_cols(struct ctx *c, const struct tz *z, struct import_row *r, struct slice date,
		      struct slice time)
{
	date = trim(date);
	time = trim(time);
	if (!date.len) {
		problem(c, r->line, "date", "missing date");
		return;
	}
	struct cursor cd = {date.p, date.p + date.len};
	if (!parse_date(&cd, &r->year, &r->month, &r->day)) {
		problem(c, r->line, "date", "\"%.*s\" is not a date (YYYY-MM-DD or DD/MM/YYYY)",
			(int)(date.len > 40 ? 40 : date.len), date.p);
		return;
	}
	const char *tcol = "time";
	struct cursor ct = {time.p, time.p + time.len};
	if (cd.p < cd.end) {
		/* A time in the date column. */
		if (!lit(&cd, ' ') && !lit(&cd, 'T') && !lit(&cd, 't')) {
			problem(c, r->line, "date", "\"%.*s\" is not a date (YYYY-MM-DD or DD/MM/YYYY)",
				(int)(date.len > 40 ? 40 : date.len), date.p);
			return;
		}
		while (cd.p < cd.end && *cd.p == ' ')
			cd.p++;
		if (time.len) {
			problem(c, r->line, "time", "the time is given twice, in the date and time columns");
			return;
		}
		ct = cd;
		time = (struct slice){cd.p, (size_t)(cd.end - cd.p)};
		tcol = "date";
	}
	if (!time.len) {
		r->queue = true;
		day_start(z, r);
		return;
	}
	if (!parse_time(&ct, &r->hour, &r->minute, &r->second)) {
		problem(c, r->line, tcol, "\"%.*s\" is not a time (HH:MM, HH:MM:SS or 9h30)",
			(int)(time.len > 40 ? 40 : time.len), time.p);
		return;
	}
	enum tz_kind kind = TZ_UNIQUE;
	if (resolve(z, r, &kind)) {
		char hm[16];
		snprintf(hm, sizeof hm, "%02d:%02d", r->hour % 100, r->minute % 100);
		if (kind == TZ_SKIPPED)
			problem(c, r->line, tcol, "%s does not exist on %04d-%02d-%02d in %s (clocks go forward)",
				hm, r->year, r->month, r->day, tz_name(z));
		else
			problem(c, r->line, tcol, "cannot place %s on %04d-%02d-%02d in %s",
				hm, r->year, r->month, r->day, tz_name(z));
		r->at_ms = 0;
	}
}

/* Spaces, tabs and line breaks only. */
static bool blank(struct slice s)
{
	for (size_t i = 0; i < s.len; i++)
		if (s.p[i] != ' ' && s.p[i] != '\t' && s.p[i] != '\n')
			return false;
	return true;
}

static bool all_empty(const struct csv_record *rec)
{
	for (size_t i = 0; i < rec->n; i++)
		if (!blank(rec->f[i]))
			return false;
	return true;
}

/* Maps columns; false (with problems) when a required one is missing. */
static bool header(struct ctx *c, const struct csv_record *rec, int *idx)
{
	for (int k = 0; k < C__COUNT; k++)
		idx[k] = -1;
	bool ok = true;
	for (size_t i = 0; i < rec->n; i++) {
		int k = column_of(rec->f[i].p, rec->f[i].len);
		if (k < 0)
			continue;
		if (idx[k] >= 0) {
			problem(c, rec->line, COL_NAME[k], "two columns mean %s: \"%.40s\" and \"%.40s\"",
				COL_NAME[k], rec->f[idx[k]].p, rec->f[i].p);
			ok = false;
		}
		idx[k] = (int)i;
	}
	static const enum col required[] = {C_DATE, C_CHANNEL, C_TEXT};
	for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
		if (idx[required[i]] < 0) {
			problem(c, rec->line, COL_NAME[required[i]], "missing column \"%s\"", COL_NAME[required[i]]);
			ok = false;
		}
	return ok;
}

static void row(struct ctx *c, const struct tz *z, const struct csv_record *rec, const int *idx,
		size_t nhead, size_t max_text)
{
	struct import_row *v = arena_grow(c->a, c->out->rows, c->out->n_rows, &c->rcap, sizeof *v);
	if (!v) {
		c->oom = true;
		return;
	}
	c->out->rows = v;
	struct import_row *r = &v[c->out->n_rows++];
	*r = (struct import_row){.line = rec->line, .channel = "", .text = "", .link = "",
				 .first_comment = ""};
	for (size_t i = 0; i < IMPORT_MEDIA_MAX; i++)
		r->alt[i] = "";
	size_t before = c->out->n_problems;
	struct slice f[C__COUNT];
	for (int k = 0; k < C__COUNT; k++)
		f[k] = idx[k] >= 0 && (size_t)idx[k] < rec->n ? rec->f[idx[k]] : (struct slice){"", 0};
	for (size_t i = nhead; i < rec->n; i++)
		if (trim(rec->f[i]).len) {
			problem(c, r->line, NULL, "%zu fields but the header has %zu (a separator in an unquoted text?)",
				rec->n, nhead);
			break;
		}

	when_cols(c, z, r, f[C_DATE], idx[C_TIME] >= 0 ? f[C_TIME] : (struct slice){"", 0});

	struct slice ch = trim(f[C_CHANNEL]);
	if (!ch.len)
		problem(c, r->line, "channel", "missing channel");
	else if (ch.len > CHANNEL_MAX || has_controls(ch, false))
		problem(c, r->line, "channel", "not a channel name");
	r->channel = dup(c, ch);

	if (blank(f[C_TEXT])) {
		problem(c, r->line, "text", "missing text");
	} else {
		text_col(c, r, C_TEXT, f[C_TEXT], max_text, &r->text);
	}
	text_col(c, r, C_COMMENT, f[C_COMMENT], max_text, &r->first_comment);
	url_col(c, r, C_LINK, f[C_LINK], &r->link);
	media_cols(c, r, f[C_MEDIA], f[C_ALT], max_text);
	r->ok = c->out->n_problems == before;
	if (!r->ok)
		r->at_ms = 0;
}

int import_csv(struct arena *a, const char *buf, size_t len, const char *tzname,
	       const struct import_limits *lim, struct import_result *out)
{
	if (!a || !out || !lim || (!buf && len))
		return ERR_INVAL;
	memset(out, 0, sizeof *out);
	const struct tz *z;
	int rc = tz_get(tzname, &z);
	if (rc)
		return rc;
	size_t max_text = lim->max_text ? lim->max_text : IMPORT_TEXT_MAX;
	struct csv_limits cl = {
		.max_field = max_text * 4 + 16,   /* a code point is at most 4 bytes */
		.max_fields = FIELDS_MAX,
		/* Rows are counted below, empty ones apart; this only bounds
		 * a file of nothing but separators. */
		.max_records = lim->max_rows * 4 + 16,
	};
	struct csv_reader r;
	if ((rc = csv_open(&r, buf, len, 0, &cl)))
		return rc;
	out->sep = r.sep;
	struct ctx c = {.a = a, .out = out};
	struct csv_record rec;
	int idx[C__COUNT];
	bool have_header = false;
	size_t nhead = 0, rows = 0;
	while (!c.oom && (rc = csv_next(&r, a, &rec)) != ERR_NOTFOUND) {
		if (rc) {
			problem(&c, r.err_line, NULL, "%s", r.err);
			if (r.done && arena_failed(a))
				c.oom = true;
			if (!have_header)
				break;   /* without names, no row can be read */
			continue;
		}
		if (!have_header) {
			have_header = true;
			nhead = rec.n;
			if (!header(&c, &rec, idx))
				break;
			continue;
		}
		if (all_empty(&rec))
			continue;
		if (++rows > lim->max_rows) {
			problem(&c, rec.line, NULL, "more than %zu rows: split the file", lim->max_rows);
			break;
		}
		row(&c, z, &rec, idx, nhead, max_text);
	}
	if (!have_header && !c.oom && out->n_problems == 0)
		problem(&c, 0, NULL, "the file is empty");
	return c.oom ? ERR_TOOBIG : ERR_OK;
}
