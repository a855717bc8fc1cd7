/* tz.c - time zones from TZif files, with explicit DST gap/overlap rules
 * (see tz.h).
 *
 * A zone is a table of transitions (UTC seconds, strictly increasing) each
 * naming a local time type (offset, DST flag, abbreviation), plus the POSIX
 * TZ footer of TZif v2+ ("CET-1CEST,M3.5.0,M10.5.0/3") that gives the rule
 * for every instant on or after the last transition. Debian ships "slim"
 * files whose table stops at the last rule change, so without the footer
 * every date past it would be off by the DST hour. (RFC 8536.)
 *
 * Everything is built on one question: "which period contains UTC second t?"
 * - period_at() answers it with the offset in force and the period's bounds
 * [start, end), by binary search in the table or by evaluating the footer's
 * rule for the years around t. Local -> UTC is then a scan of the few periods
 * near the wall time: an instant t solves wall = t + offset(t) if
 * wall - offset lies inside the period that has that offset. Zero solutions
 * is a spring-forward gap, two a fall-back overlap. Because every offset is
 * below OFF_LIMIT in magnitude, solutions lie within OFF_LIMIT of the wall
 * time read as UTC, and the loader rejects tables with more than DENSE_MAX
 * transitions in any 2 * OFF_LIMIT window, the scan is bounded by a constant
 * (real data has at least four days between transitions).
 *
 * Loading is bounded: the file is read into a capped buffer, every count is
 * checked against a cap and against the bytes present before anything is
 * read, and a zone is one allocation that nothing modifies once it is in the
 * cache. */
#include "core/tz.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/mem.h"

#define DEFAULT_ROOT "/usr/share/zoneinfo"
#define FILE_MAX (64 * 1024)      /* real files are under 4 KiB */
#define TRANS_MAX 2000            /* real files have at most ~310 (tzcode allows 2000) */
#define TYPES_MAX 256             /* type indices are one byte */
#define CHARS_MAX 256             /* abbreviation bytes; real files have at most ~40 */
#define FOOTER_MAX 128            /* real footers are under 50 bytes */
#define ABBR_MAX 15               /* bytes of one POSIX TZ abbreviation */
#define OFF_LIMIT (26 * 3600)     /* |offset| < 26 h, as RFC 8536 recommends */
#define DENSE_MAX 4               /* transitions per 2 * OFF_LIMIT window */
/* Periods one tz_from_local() may scan: boundaries inside its window are at
 * most DENSE_MAX transitions and one event per footer rule (a rule fires
 * once a year, give or take a week). */
#define SCAN_MAX (DENSE_MAX + 4)
#define CACHE_MAX 2048            /* zones; tzdata has ~1,200 files with posix/ */
#define CACHE_SLOTS 4096          /* power of two, load factor <= 1/2 */

struct ttype {
	int32_t off;
	bool dst;
	const char *abbr;
};

/* A POSIX TZ rule date: Jn (1-365, Feb 29 never counted), n (0-365), or
 * Mm.w.d (weekday d of week w, 5 = last, of month m), at `secs` local time. */
enum rule_kind { RULE_JULIAN, RULE_DAY, RULE_MONTH };
struct rule {
	enum rule_kind kind;
	int day;                      /* JULIAN, DAY */
	int mon, week, wday;          /* MONTH */
	int32_t secs;                 /* -167 h to 167 h (RFC 8536 extension) */
};

struct posix {
	int32_t std_off, dst_off;
	bool has_dst;                 /* false: std_off all year */
	struct rule start, end;       /* start in standard time, end in DST */
	char std_abbr[ABBR_MAX + 1], dst_abbr[ABBR_MAX + 1];
};

struct tz {
	char name[TZ_NAME_MAX + 1];
	uint32_t ntrans;
	const int64_t *at;            /* ntrans UTC seconds, strictly increasing */
	const uint8_t *idx;           /* ntrans indices into types */
	const struct ttype *types;    /* types[0] applies before at[0] */
	bool has_footer;
	struct posix footer;          /* from at[ntrans - 1] on (always if ntrans = 0) */
};

/* Where an instant falls: the offset in force over [start, end). */
struct period {
	int64_t start, end;
	int32_t off;
	bool dst;
	const char *abbr;
};

static const struct ttype utc_type = {0, false, "UTC"};
static const struct tz utc_zone = {.name = "UTC", .types = &utc_type};

static pthread_mutex_t cache_mu = PTHREAD_MUTEX_INITIALIZER;
static struct tz *cache[CACHE_SLOTS];    /* open addressing, linear probing */
static unsigned cache_count;
static char cache_root[256] = DEFAULT_ROOT;

/* ---- calendar ---- */

static int64_t floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;
	return q - (a % b != 0 && (a < 0) != (b < 0));
}

static bool is_leap(int64_t y)
{
	return y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
}

static int days_in_month(int64_t y, int m)
{
	static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* 1970-01-01 was a Thursday (4). */
static int weekday(int64_t days)
{
	return (int)(days - floor_div(days + 4, 7) * 7 + 4);
}

int64_t tz_days_from_civil(int64_t y, int m, int d)
{
	y -= m <= 2;
	int64_t era = floor_div(y, 400);
	int64_t yoe = y - era * 400;                                  /* [0, 399] */
	int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  /* [0, 365] */
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;          /* [0, 146096] */
	return era * 146097 + doe - 719468;
}

void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day)
{
	days += 719468;
	int64_t era = floor_div(days, 146097);
	int64_t doe = days - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*day = (int)(doy - (153 * mp + 2) / 5 + 1);
	*month = (int)(mp < 10 ? mp + 3 : mp - 9);
	*year = yoe + era * 400 + (*month <= 2);
}

/* Local seconds since the epoch -> wall fields (not offset_s / is_dst). */
static void fill_local(int64_t secs, struct tz_local *o)
{
	int64_t days = floor_div(secs, 86400), sod = secs - days * 86400, y;
	tz_civil_from_days(days, &y, &o->month, &o->day);
	o->year = (int)y;  /* |y| < 3e8 for any int64 milliseconds */
	o->hour = (int)(sod / 3600);
	o->minute = (int)(sod / 60 % 60);
	o->second = (int)(sod % 60);
	o->wday = weekday(days);
	o->yday = (int)(days - tz_days_from_civil(y, 1, 1));
}

static bool civil_ok(int64_t y, int mo, int d, int h, int mi, int s)
{
	return y >= 0 && y <= 9999 && mo >= 1 && mo <= 12 && d >= 1 && d <= days_in_month(y, mo) &&
	       h >= 0 && h <= 23 && mi >= 0 && mi <= 59 && s >= 0 && s <= 59;
}

/* ---- POSIX TZ footer ---- */

struct cur {
	const char *p, *end;
};

static bool eat(struct cur *c, char ch)
{
	if (c->p < c->end && *c->p == ch) {
		c->p++;
		return true;
	}
	return false;
}

static bool is_digit(char c) { return c >= '0' && c <= '9'; }
static bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }

/* 1 to `maxd` decimal digits. */
static bool num(struct cur *c, int maxd, int *out)
{
	int v = 0, n = 0;
	for (; n < maxd && c->p < c->end && is_digit(*c->p); n++)
		v = v * 10 + (*c->p++ - '0');
	*out = v;
	return n > 0;
}

/* [+-]h[:mm[:ss]] with h <= maxh, in seconds. */
static bool hms(struct cur *c, int maxh, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;
	if (eat(c, '-'))
		sign = -1;
	else
		eat(c, '+');
	if (!num(c, 3, &h) || h > maxh)
		return false;
	if (eat(c, ':')) {
		if (!num(c, 2, &m) || m > 59)
			return false;
		if (eat(c, ':') && (!num(c, 2, &s) || s > 59))
			return false;
	}
	*out = sign * (h * 3600 + m * 60 + s);
	return true;
}

/* "CET" (letters) or "<+0530>" (letters, digits, signs); 3 to ABBR_MAX. */
static bool abbr(struct cur *c, char out[ABBR_MAX + 1])
{
	bool quoted = eat(c, '<');
	size_t n = 0;
	while (c->p < c->end && (is_alpha(*c->p) ||
				 (quoted && (is_digit(*c->p) || *c->p == '+' || *c->p == '-')))) {
		if (n == ABBR_MAX)
			return false;
		out[n++] = *c->p++;
	}
	out[n] = '\0';
	return n >= 3 && (!quoted || eat(c, '>'));
}

static bool rule(struct cur *c, struct rule *r)
{
	if (eat(c, 'J')) {
		r->kind = RULE_JULIAN;
		if (!num(c, 3, &r->day) || r->day < 1 || r->day > 365)
			return false;
	} else if (eat(c, 'M')) {
		r->kind = RULE_MONTH;
		if (!num(c, 2, &r->mon) || r->mon < 1 || r->mon > 12 || !eat(c, '.') ||
		    !num(c, 1, &r->week) || r->week < 1 || r->week > 5 || !eat(c, '.') ||
		    !num(c, 1, &r->wday) || r->wday > 6)
			return false;
	} else {
		r->kind = RULE_DAY;
		if (!num(c, 3, &r->day) || r->day > 365)
			return false;
	}
	r->secs = 2 * 3600;
	return !eat(c, '/') || hms(c, 167, &r->secs);
}

/* std offset [dst [offset] ,start[/time],end[/time]]. A DST name without a
 * rule is rejected: POSIX leaves it to the implementation and zic never
 * writes one. Offsets are hours west, at most 24:59:59, so below OFF_LIMIT. */
static bool parse_posix(const char *s, size_t len, struct posix *f)
{
	struct cur c = {s, s + len};
	int32_t v;
	memset(f, 0, sizeof *f);
	if (!abbr(&c, f->std_abbr) || !hms(&c, 24, &v))
		return false;
	f->std_off = -v;
	if (c.p == c.end)
		return true;
	f->has_dst = true;
	if (!abbr(&c, f->dst_abbr))
		return false;
	f->dst_off = f->std_off + 3600;
	if (c.p < c.end && *c.p != ',') {
		if (!hms(&c, 24, &v))
			return false;
		f->dst_off = -v;
	}
	return eat(&c, ',') && rule(&c, &f->start) && eat(&c, ',') && rule(&c, &f->end) &&
	       c.p == c.end;
}

/* The UTC second at which rule `r` fires in `year`, local time at `off`. */
static int64_t rule_at(const struct rule *r, int64_t year, int32_t off)
{
	int64_t d;
	if (r->kind == RULE_JULIAN) {
		d = tz_days_from_civil(year, 1, 1) + r->day - 1 + (r->day >= 60 && is_leap(year));
	} else if (r->kind == RULE_DAY) {
		d = tz_days_from_civil(year, 1, 1) + r->day;
	} else {
		int64_t first = tz_days_from_civil(year, r->mon, 1);
		d = first + (r->wday - weekday(first) + 7) % 7 + 7 * (r->week - 1);
		if (d >= first + days_in_month(year, r->mon))
			d -= 7;  /* week 5 = the last one */
	}
	return d * 86400 + r->secs - off;
}

/* The footer's period containing t. The DST starts and ends of the years
 * around t, sorted, bracket it: the last event at or before t sets the state.
 * Rule times may lie up to a week outside their year (hours up to 167), so
 * the neighbouring years matter (J365/25 ends DST on January 1st). At equal
 * instants an end sorts first, so "end 2026 = start 2027" (all-year DST
 * written as 0/0,J365/25) stays DST. */
static void footer_period(const struct posix *f, int64_t t, struct period *p)
{
	p->start = INT64_MIN;
	p->end = INT64_MAX;
	p->off = f->std_off;
	p->dst = false;
	p->abbr = f->std_abbr;
	if (!f->has_dst)
		return;
	int64_t y, days = floor_div(t, 86400);
	int m, d;
	tz_civil_from_days(days, &y, &m, &d);
	struct {
		int64_t at;
		bool dst;
	} ev[6], e;
	for (int k = 0; k < 3; k++) {
		ev[2 * k].at = rule_at(&f->start, y - 1 + k, f->std_off);
		ev[2 * k].dst = true;
		ev[2 * k + 1].at = rule_at(&f->end, y - 1 + k, f->dst_off);
		ev[2 * k + 1].dst = false;
	}
	for (int i = 1; i < 6; i++) {
		e = ev[i];
		int j = i;
		for (; j > 0 && (ev[j - 1].at > e.at || (ev[j - 1].at == e.at && ev[j - 1].dst > e.dst)); j--)
			ev[j] = ev[j - 1];
		ev[j] = e;
	}
	int i = 0;
	while (i < 6 && ev[i].at <= t)
		i++;
	/* i events at or before t. Only rules at the far ends of the ±167 h
	 * range leave none on one side; the open bound is then merely wide. */
	bool dst = i ? ev[i - 1].dst : !ev[0].dst;
	if (i)
		p->start = ev[i - 1].at;
	if (i < 6)
		p->end = ev[i].at;
	if (dst) {
		p->off = f->dst_off;
		p->dst = true;
		p->abbr = f->dst_abbr;
	}
}

/* ---- lookups ---- */

static void period_at(const struct tz *z, int64_t t, struct period *p)
{
	uint32_t n = z->ntrans;
	if (z->has_footer && (n == 0 || t >= z->at[n - 1])) {
		footer_period(&z->footer, t, p);
		if (n && p->start < z->at[n - 1])
			p->start = z->at[n - 1];
		return;
	}
	uint32_t lo = 0, hi = n;  /* find lo = number of transitions <= t */
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (z->at[mid] <= t)
			lo = mid + 1;
		else
			hi = mid;
	}
	const struct ttype *ty = &z->types[lo ? z->idx[lo - 1] : 0];
	p->start = lo ? z->at[lo - 1] : INT64_MIN;
	p->end = lo < n ? z->at[lo] : INT64_MAX;
	p->off = ty->off;
	p->dst = ty->dst;
	p->abbr = ty->abbr;
}

int32_t tz_offset(const struct tz *z, int64_t utc_ms, bool *is_dst, const char **abbr_out)
{
	struct period p;
	period_at(z, floor_div(utc_ms, 1000), &p);
	if (is_dst)
		*is_dst = p.dst;
	if (abbr_out)
		*abbr_out = p.abbr;
	return p.off;
}

void tz_to_local(const struct tz *z, int64_t utc_ms, struct tz_local *out)
{
	struct period p;
	int64_t t = floor_div(utc_ms, 1000);
	period_at(z, t, &p);
	fill_local(t + p.off, out);
	out->offset_s = p.off;
	out->is_dst = p.dst;
}

int tz_from_local(const struct tz *z, const struct tz_local *w, enum tz_policy policy,
		  int64_t *utc_ms, enum tz_kind *kind)
{
	if (!civil_ok(w->year, w->month, w->day, w->hour, w->minute, w->second))
		return ERR_INVAL;
	int64_t wall = tz_days_from_civil(w->year, w->month, w->day) * 86400 + w->hour * 3600 +
		       w->minute * 60 + w->second;
	/* Scan the periods meeting [wall - OFF_LIMIT, wall + OFF_LIMIT), where
	 * every solution lies, in order: keep the first and last solution, or
	 * the boundary the clocks jumped over. */
	int64_t early = 0, late = 0;
	int found = 0;
	bool gap = false;
	int32_t prev_off = 0;
	struct period p;
	period_at(z, wall - OFF_LIMIT, &p);
	for (int k = 0;; k++) {
		int64_t t = wall - p.off;
		if (t >= p.start && t < p.end) {
			if (!found++)
				early = t;
			late = t;
		} else if (k && !found && !gap && t < p.start && wall - prev_off >= p.start) {
			gap = true;  /* wall is after the previous period, before this one */
			early = t;
			late = wall - prev_off;
		}
		if (p.end >= wall + OFF_LIMIT)
			break;
		if (k == SCAN_MAX)
			return ERR_PROTO;  /* not reached: the loader bounds the density */
		prev_off = p.off;
		period_at(z, p.end, &p);
	}
	/* wall + offset(t) crosses wall inside the window (offsets are below
	 * OFF_LIMIT), so no solution means a gap was found. */
	enum tz_kind k = found > 1 ? TZ_REPEATED : found ? TZ_UNIQUE : TZ_SKIPPED;
	if (kind)
		*kind = k;
	if (k != TZ_UNIQUE && policy == TZ_REJECT)
		return ERR_INVAL;
	*utc_ms = (policy == TZ_EARLIER ? early : late) * 1000;
	return ERR_OK;
}

/* ---- TZif ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

struct hdr {
	uint32_t isut, isstd, leap, times, types, chars;
};

/* The 44-byte header at b[0, n): magic, version byte, six counts. Caps the
 * counts so that later size arithmetic cannot overflow. Leap-second ("right/")
 * zones count TAI-like seconds, not POSIX time: rejected. */
static bool read_hdr(const unsigned char *b, size_t n, struct hdr *h, unsigned char *ver)
{
	if (n < 44 || memcmp(b, "TZif", 4) != 0)
		return false;
	*ver = b[4];
	h->isut = be32(b + 20);
	h->isstd = be32(b + 24);
	h->leap = be32(b + 28);
	h->times = be32(b + 32);
	h->types = be32(b + 36);
	h->chars = be32(b + 40);
	return h->times <= TRANS_MAX && h->types >= 1 && h->types <= TYPES_MAX && h->chars >= 1 &&
	       h->chars <= CHARS_MAX && h->leap == 0 && (h->isut == 0 || h->isut == h->types) &&
	       (h->isstd == 0 || h->isstd == h->types);
}

/* Bytes of the data block after a header, times of `tsz` bytes (no leaps). */
static size_t body_size(const struct hdr *h, size_t tsz)
{
	return (size_t)h->times * (tsz + 1) + (size_t)h->types * 6 + h->chars + h->isstd + h->isut;
}

/* Builds a zone from a whole TZif file. ERR_PROTO on anything malformed. */
static int parse_tzif(const unsigned char *b, size_t n, const char *name, struct tz **out)
{
	struct hdr h;
	unsigned char ver, ver2;
	size_t tsz = 4, used = 44;
	if (!read_hdr(b, n, &h, &ver) || (ver != 0 && ver < '2'))
		return ERR_PROTO;
	if (ver) {
		/* v2+: skip the 32-bit block, use the 64-bit one and the footer. */
		used += body_size(&h, 4);
		if (used > n || !read_hdr(b + used, n - used, &h, &ver2) || ver2 != ver)
			return ERR_PROTO;
		used += 44;
		tsz = 8;
	}
	const unsigned char *d = b + used;
	size_t body = body_size(&h, tsz);
	if (body > n - used)
		return ERR_PROTO;

	struct posix footer;
	bool has_footer = false;
	if (ver) {
		/* "\n" TZ-string "\n" */
		const unsigned char *f = d + body, *nl = NULL;
		size_t left = n - used - body;
		if (left >= 2 && f[0] == '\n')
			nl = memchr(f + 1, '\n', left - 1 < FOOTER_MAX ? left - 1 : FOOTER_MAX);
		if (!nl)
			return ERR_PROTO;
		size_t flen = (size_t)(nl - f - 1);
		if (flen) {
			if (!parse_posix((const char *)f + 1, flen, &footer))
				return ERR_PROTO;
			has_footer = true;
		}
	}

	/* One block: the struct, transitions, types, indices, abbreviations. */
	size_t nt = h.times, ny = h.types;
	struct tz *z = xcalloc(1, sizeof *z + nt * sizeof(int64_t) + ny * sizeof(struct ttype) + nt +
				       h.chars + 1);
	int64_t *at = (int64_t *)(z + 1);
	struct ttype *types = (struct ttype *)(at + nt);
	uint8_t *idx = (uint8_t *)(types + ny);
	char *chars = (char *)(idx + nt);
	const unsigned char *pidx = d + nt * tsz, *ptype = pidx + nt, *pchars = ptype + ny * 6;
	int rc = ERR_PROTO;

	for (size_t i = 0; i < nt; i++) {
		at[i] = tsz == 8 ? be64(d + i * 8) : (int32_t)be32(d + i * 4);
		idx[i] = pidx[i];
		if ((i && at[i] <= at[i - 1]) || idx[i] >= ny)
			goto out;
		/* Unsigned difference: at[] may hold any int64 and is increasing. */
		if (i >= DENSE_MAX &&
		    (uint64_t)at[i] - (uint64_t)at[i - DENSE_MAX] <= 2 * (uint64_t)OFF_LIMIT)
			goto out;
	}
	memcpy(chars, pchars, h.chars);  /* chars[h.chars] stays NUL */
	for (size_t i = 0; i < ny; i++) {
		const unsigned char *t = ptype + i * 6;
		int32_t off = (int32_t)be32(t);
		if (off <= -OFF_LIMIT || off >= OFF_LIMIT || t[4] > 1 || t[5] >= h.chars ||
		    !memchr(chars + t[5], '\0', h.chars - t[5]))
			goto out;
		types[i] = (struct ttype){off, t[4], chars + t[5]};
	}
	snprintf(z->name, sizeof z->name, "%s", name);
	z->ntrans = (uint32_t)nt;
	z->at = at;
	z->idx = idx;
	z->types = types;
	z->has_footer = has_footer;
	if (has_footer)
		z->footer = footer;
	*out = z;
	rc = ERR_OK;
out:
	if (rc)
		free(z);
	return rc;
}

/* Reads <root>/<name> (a regular file of at most FILE_MAX bytes) and parses
 * it. O_NONBLOCK so that a FIFO planted in the tree cannot block us. */
static int load(const char *name, struct tz **out)
{
	char path[sizeof cache_root + TZ_NAME_MAX + 2];
	snprintf(path, sizeof path, "%s/%s", cache_root, name);
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? ERR_NOTFOUND : ERR_IO;
	unsigned char *buf = NULL;
	size_t n = 0;
	struct stat st;
	int rc = ERR_OK;
	if (fstat(fd, &st) != 0) {
		rc = ERR_IO;
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ERR_NOTFOUND;  /* "Europe" is a directory, not a zone */
		goto out;
	}
	buf = xmalloc(FILE_MAX + 1);
	while (n <= FILE_MAX) {
		ssize_t r = read(fd, buf + n, FILE_MAX + 1 - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = ERR_IO;
			goto out;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	rc = n > FILE_MAX ? ERR_PROTO : parse_tzif(buf, n, name, out);
out:
	free(buf);
	close(fd);
	return rc;
}

/* ---- names and cache ---- */

/* Components of [A-Za-z0-9_+-] joined by single '/'. Without '.', neither
 * "." nor ".." can occur, so the name cannot leave the zoneinfo root. */
static bool name_ok(const char *name)
{
	size_t n = name ? strnlen(name, TZ_NAME_MAX + 1) : 0;
	if (n == 0 || n > TZ_NAME_MAX)
		return false;
	char prev = '/';
	for (size_t i = 0; i < n; prev = name[i++]) {
		char c = name[i];
		if (c == '/' ? prev == '/' : !(is_alpha(c) || is_digit(c) || c == '_' || c == '+' || c == '-'))
			return false;
	}
	return prev != '/';
}

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;  /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

int tz_get(const char *name, const struct tz **out)
{
	if (!name_ok(name))
		return ERR_INVAL;
	if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
		*out = &utc_zone;
		return ERR_OK;
	}
	int rc = ERR_OK;
	pthread_mutex_lock(&cache_mu);
	uint32_t i = hash(name) & (CACHE_SLOTS - 1);
	while (cache[i] && strcmp(cache[i]->name, name) != 0)
		i = (i + 1) & (CACHE_SLOTS - 1);
	if (!cache[i]) {
		if (cache_count == CACHE_MAX)
			rc = ERR_TOOBIG;
		else if ((rc = load(name, &cache[i])) == ERR_OK)
			cache_count++;
	}
	if (rc == ERR_OK)
		*out = cache[i];
	pthread_mutex_unlock(&cache_mu);
	return rc;
}

bool tz_valid(const char *name)
{
	const struct tz *z;
	return tz_get(name, &z) == ERR_OK;
}

const struct tz *tz_utc(void) { return &utc_zone; }
const char *tz_name(const struct tz *z) { return z->name; }

static void clear_locked(void)
{
	for (size_t i = 0; i < CACHE_SLOTS; i++) {
		free(cache[i]);
		cache[i] = NULL;
	}
	cache_count = 0;
}

void tz_cache_clear(void)
{
	pthread_mutex_lock(&cache_mu);
	clear_locked();
	pthread_mutex_unlock(&cache_mu);
}

int tz_set_root(const char *dir)
{
	if (!dir)
		dir = DEFAULT_ROOT;
	if (strlen(dir) >= sizeof cache_root)
		return ERR_TOOBIG;
	pthread_mutex_lock(&cache_mu);
	snprintf(cache_root, sizeof cache_root, "%s", dir);
	clear_locked();
	pthread_mutex_unlock(&cache_mu);
	return ERR_OK;
}

/* ---- RFC 3339 ---- */

int tz_format_rfc3339(const struct tz *z, int64_t utc_ms, char out[TZ_RFC3339_SIZE])
{
	struct tz_local l;
	int64_t t = floor_div(utc_ms, 1000);
	int ms = (int)(utc_ms % 1000 + (utc_ms % 1000 < 0 ? 1000 : 0));
	tz_to_local(z, utc_ms, &l);
	int32_t off = l.offset_s;
	if (off % 60) {
		off = 0;
		fill_local(t, &l);
	}
	out[0] = '\0';
	if (l.year < 0 || l.year > 9999)
		return ERR_INVAL;
	char frac[8] = "", zone[12] = "Z";
	if (ms)
		snprintf(frac, sizeof frac, ".%03d", ms);
	if (off)
		snprintf(zone, sizeof zone, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 3600,
			 abs(off) / 60 % 60);
	snprintf(out, TZ_RFC3339_SIZE, "%04d-%02d-%02dT%02d:%02d:%02d%s%s", l.year, l.month, l.day,
		 l.hour, l.minute, l.second, frac, zone);
	return ERR_OK;
}

/* Exactly `n` digits. */
static bool fixed(struct cur *c, int n, int *out)
{
	const char *start = c->p;
	return num(c, n, out) && c->p - start == n;
}

int tz_parse_rfc3339(const char *s, size_t len, int64_t *utc_ms, int32_t *offset_s)
{
	static const char sep[6] = {0, '-', '-', 'T', ':', ':'};
	struct cur c = {s, s + len};
	int f[6];  /* year, month, day, hour, minute, second */
	for (int k = 0; k < 6; k++) {
		if (k && !eat(&c, sep[k]) && !(k == 3 && eat(&c, 't')))
			return ERR_INVAL;
		if (!fixed(&c, k ? 2 : 4, &f[k]))
			return ERR_INVAL;
	}
	int ms = 0, nfrac = 0;
	if (eat(&c, '.')) {
		for (; c.p < c.end && is_digit(*c.p); c.p++, nfrac++)
			if (nfrac < 3)
				ms = ms * 10 + (*c.p - '0');
		if (nfrac == 0 || nfrac > 9)
			return ERR_INVAL;
		for (; nfrac < 3; nfrac++)
			ms *= 10;
	}
	int32_t off = 0;
	if (!eat(&c, 'Z') && !eat(&c, 'z')) {
		int sign = eat(&c, '+') ? 1 : eat(&c, '-') ? -1 : 0, oh, om;
		if (!sign || !fixed(&c, 2, &oh) || oh > 23 || !eat(&c, ':') || !fixed(&c, 2, &om) ||
		    om > 59)
			return ERR_INVAL;
		off = sign * (oh * 3600 + om * 60);
	}
	if (c.p != c.end || !civil_ok(f[0], f[1], f[2], f[3], f[4], f[5]))
		return ERR_INVAL;
	int64_t secs = tz_days_from_civil(f[0], f[1], f[2]) * 86400 + f[3] * 3600 + f[4] * 60 + f[5];
	*utc_ms = (secs - off) * 1000 + ms;
	if (offset_s)
		*offset_s = off;
	return ERR_OK;
}
