/* test_tz.c - time zones, DST gaps and overlaps, TZif robustness, RFC 3339.
 *
 * Expected instants come from glibc (timegm, and localtime_r under
 * setenv("TZ")): the product may not use libc's zone state, the tests may,
 * as an independent reference reading the same tzdata. */
#include "harness.h"

#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "core/err.h"
#include "core/tz.h"

#define ZONEINFO "/usr/share/zoneinfo"

static int64_t utc_ms(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d,
			.tm_hour = h, .tm_min = mi, .tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}

static struct tz_local wall(int y, int mo, int d, int h, int mi, int s)
{
	return (struct tz_local){.year = y, .month = mo, .day = d, .hour = h, .minute = mi, .second = s};
}

/* ---- glibc as the reference ---- */

/* Points glibc at TZ=`tzenv`; NULL puts the environment back as it was. */
static void libc_tz(const char *tzenv)
{
	static char saved[256];
	static bool had;
	if (tzenv) {
		const char *old = getenv("TZ");
		had = old != NULL;
		snprintf(saved, sizeof saved, "%s", old ? old : "");
		setenv("TZ", tzenv, 1);
	} else if (had) {
		setenv("TZ", saved, 1);
	} else {
		unsetenv("TZ");
	}
	tzset();
}

/* Compares `z` with glibc under TZ=`tzenv` at every `step` seconds of
 * [from, to) and the second before each, and checks that each wall time
 * found goes back to its instant. Returns the number of disagreements and
 * prints the first. */
static int disagreements(const struct tz *z, const char *tzenv, int64_t from, int64_t to, int64_t step)
{
	int bad = 0;
	libc_tz(tzenv);
	for (int64_t s = from; s < to; s += step) {
		for (int64_t t = s - 1; t <= s; t++) {
			time_t tt = (time_t)t;
			struct tm tm;
			struct tz_local l;
			const char *abbr;
			localtime_r(&tt, &tm);
			tz_to_local(z, t * 1000, &l);
			tz_offset(z, t * 1000, NULL, &abbr);
			int64_t e = 0, la = 0;
			enum tz_kind k1 = TZ_SKIPPED, k2 = TZ_SKIPPED;
			int r1 = tz_from_local(z, &l, TZ_EARLIER, &e, &k1);
			int r2 = tz_from_local(z, &l, TZ_LATER, &la, &k2);
			bool same = l.year == tm.tm_year + 1900 && l.month == tm.tm_mon + 1 &&
				    l.day == tm.tm_mday && l.hour == tm.tm_hour && l.minute == tm.tm_min &&
				    l.second == tm.tm_sec && l.wday == tm.tm_wday && l.yday == tm.tm_yday &&
				    l.offset_s == tm.tm_gmtoff && l.is_dst == (tm.tm_isdst > 0) &&
				    strcmp(abbr, tm.tm_zone) == 0;
			bool back = !r1 && !r2 && k1 == k2 &&
				    (k1 == TZ_UNIQUE ? e == t * 1000 && la == e
				     : k1 == TZ_REPEATED && e < la && (e == t * 1000 || la == t * 1000));
			if ((!same || !back) && !bad++)
				fprintf(stderr,
					"    %s at %lld: ours %04d-%02d-%02d %02d:%02d:%02d %+d %s dst=%d,"
					" libc %04d-%02d-%02d %02d:%02d:%02d %+ld %s dst=%d; back: rc %d/%d"
					" kind %d/%d %lld/%lld\n",
					tzenv, (long long)t, l.year, l.month, l.day, l.hour, l.minute, l.second,
					l.offset_s, abbr, l.is_dst, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
					tm.tm_hour, tm.tm_min, tm.tm_sec, tm.tm_gmtoff, tm.tm_zone, tm.tm_isdst,
					r1, r2, k1, k2, (long long)e, (long long)la);
		}
	}
	libc_tz(NULL);
	return bad;
}

/* ---- files ---- */

static size_t read_whole(const char *path, unsigned char *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

/* Loads `data` as zone "Test" from the scratch root `dir`; the cache is
 * cleared, so the zone is valid until the next call or tz_set_root(NULL). */
static int load_bytes(const char *dir, const void *data, size_t n, const struct tz **z)
{
	char path[512];
	snprintf(path, sizeof path, "%s/Test", dir);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
		perror(path);
		abort();
	}
	tz_set_root(dir);
	return tz_get("Test", z);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* Layout of a TZif v2 file, found independently of tz.c. */
struct layout {
	size_t v1_body, v2_hdr, v2_times, v2_idx, footer;
	uint32_t times;
};

static struct layout layout_of(const unsigned char *b)
{
	struct layout l;
	l.v1_body = get32(b + 32) * 5 + get32(b + 36) * 6 + get32(b + 40) + get32(b + 28) * 8 +
		    get32(b + 24) + get32(b + 20);
	l.v2_hdr = 44 + l.v1_body;
	const unsigned char *h = b + l.v2_hdr;
	l.times = get32(h + 32);
	l.v2_times = l.v2_hdr + 44;
	l.v2_idx = l.v2_times + l.times * 8;
	l.footer = l.v2_times + l.times * 9 + get32(h + 36) * 6 + get32(h + 40) + get32(h + 28) * 12 +
		   get32(h + 24) + get32(h + 20);
	return l;
}

/* A v2 file with no transitions: `footer` alone decides every instant. */
static size_t footer_only(unsigned char *b, size_t cap, const char *footer)
{
	size_t n = 0;
	for (int block = 0; block < 2; block++) {
		memset(b + n, 0, 44);
		memcpy(b + n, "TZif2", 5);
		put32(b + n + 36, 1);  /* one type */
		put32(b + n + 40, 4);  /* four abbreviation bytes */
		n += 44;
		memset(b + n, 0, 6);   /* offset 0, standard, abbreviation 0 */
		memcpy(b + n + 6, "UTC", 4);
		n += 10;
	}
	return n + (size_t)snprintf((char *)b + n, cap - n, "\n%s\n", footer);
}

/* ---- civil dates ---- */

TEST(tz_civil_days_match_known_dates_and_round_trip)
{
	CHECK_EQ_INT(tz_days_from_civil(1970, 1, 1), 0);
	CHECK_EQ_INT(tz_days_from_civil(1969, 12, 31), -1);
	CHECK_EQ_INT(tz_days_from_civil(2000, 3, 1), 11017);
	CHECK_EQ_INT(tz_days_from_civil(2026, 3, 29), utc_ms(2026, 3, 29, 0, 0, 0) / 86400000);
	CHECK_EQ_INT(tz_days_from_civil(1600, 2, 29), -135081);
	CHECK_EQ_INT(tz_days_from_civil(0, 1, 1), -719528);
	/* Each day from year -400 to 6000 follows the one before. */
	int64_t y0;
	int m0, d0, bad = 0;
	tz_civil_from_days(tz_days_from_civil(-400, 1, 1) - 1, &y0, &m0, &d0);
	CHECK(y0 == -401 && m0 == 12 && d0 == 31);
	for (int64_t days = tz_days_from_civil(-400, 1, 1); days < tz_days_from_civil(6000, 1, 1); days++) {
		int64_t y;
		int m, d;
		tz_civil_from_days(days, &y, &m, &d);
		bool next_day = y == y0 && m == m0 && d == d0 + 1;
		bool next_month = y == y0 && m == m0 + 1 && d == 1 && d0 >= 28;
		bool next_year = y == y0 + 1 && m == 1 && d == 1 && m0 == 12 && d0 == 31;
		if ((!(next_day || next_month || next_year) || tz_days_from_civil(y, m, d) != days) && !bad++)
			fprintf(stderr, "    day %lld is %lld-%d-%d\n", (long long)days, (long long)y, m, d);
		y0 = y, m0 = m, d0 = d;
	}
	CHECK_EQ_INT(bad, 0);
	int64_t y;
	int m, d;
	tz_civil_from_days(tz_days_from_civil(2024, 2, 28) + 1, &y, &m, &d);
	CHECK(y == 2024 && m == 2 && d == 29);
	tz_civil_from_days(tz_days_from_civil(2100, 2, 28) + 1, &y, &m, &d);
	CHECK(y == 2100 && m == 3 && d == 1);
}

/* ---- real zones ---- */

TEST(tz_utc_is_built_in_and_its_aliases_load_from_files)
{
	const struct tz *a, *b, *c;
	REQUIRE(tz_get("UTC", &a) == ERR_OK);
	REQUIRE(tz_get("Etc/UTC", &b) == ERR_OK);
	CHECK(a == b && a == tz_utc());
	CHECK_EQ_STR(tz_name(a), "UTC");
	REQUIRE(tz_get("Zulu", &c) == ERR_OK);  /* a TZif file with footer "UTC0" */
	CHECK_EQ_STR(tz_name(c), "Zulu");
	const struct tz *zones[] = {a, c};
	for (int i = 0; i < 2; i++) {
		bool dst = true;
		const char *abbr = NULL;
		CHECK_EQ_INT(tz_offset(zones[i], utc_ms(2026, 7, 1, 0, 0, 0), &dst, &abbr), 0);
		CHECK(!dst);
		CHECK_EQ_STR(abbr, "UTC");
		struct tz_local l;
		tz_to_local(zones[i], utc_ms(1969, 12, 31, 23, 59, 59) + 999, &l);
		CHECK(l.year == 1969 && l.month == 12 && l.day == 31 && l.hour == 23 && l.second == 59);
		CHECK_EQ_INT(l.wday, 3);
		CHECK_EQ_INT(l.yday, 364);
	}
}

TEST(tz_paris_uses_cet_in_winter_and_cest_in_summer)
{
	const struct tz *z;
	REQUIRE(tz_get("Europe/Paris", &z) == ERR_OK);
	CHECK_EQ_STR(tz_name(z), "Europe/Paris");
	bool dst;
	const char *abbr;
	CHECK_EQ_INT(tz_offset(z, utc_ms(2026, 1, 15, 12, 0, 0), &dst, &abbr), 3600);
	CHECK(!dst);
	CHECK_EQ_STR(abbr, "CET");
	CHECK_EQ_INT(tz_offset(z, utc_ms(2026, 7, 15, 12, 0, 0), &dst, &abbr), 7200);
	CHECK(dst);
	CHECK_EQ_STR(abbr, "CEST");
	/* The switch is at 01:00 UTC on the last Sunday of March. */
	CHECK_EQ_INT(tz_offset(z, utc_ms(2026, 3, 29, 0, 59, 59) + 999, NULL, NULL), 3600);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2026, 3, 29, 1, 0, 0), NULL, NULL), 7200);
	struct tz_local l;
	tz_to_local(z, utc_ms(2026, 3, 29, 1, 30, 0), &l);
	CHECK(l.year == 2026 && l.month == 3 && l.day == 29 && l.hour == 3 && l.minute == 30);
	CHECK(l.wday == 0 && l.yday == 87 && l.offset_s == 7200 && l.is_dst);
}

/* Checks the three policies on one wall time; `earlier`/`later` in UTC ms
 * (equal for a unique time, which TZ_REJECT accepts). */
static void check_policies(const char *zone, struct tz_local w, enum tz_kind want, int64_t earlier,
			   int64_t later)
{
	const struct tz *z;
	REQUIRE(tz_get(zone, &z) == ERR_OK);
	int64_t t = 0;
	enum tz_kind kind = TZ_UNIQUE;
	CHECK_EQ_INT(tz_from_local(z, &w, TZ_EARLIER, &t, &kind), ERR_OK);
	CHECK_EQ_INT(kind, want);
	CHECK_EQ_INT(t, earlier);
	kind = TZ_UNIQUE;
	CHECK_EQ_INT(tz_from_local(z, &w, TZ_LATER, &t, &kind), ERR_OK);
	CHECK_EQ_INT(kind, want);
	CHECK_EQ_INT(t, later);
	kind = TZ_SKIPPED;
	t = 42;
	CHECK_EQ_INT(tz_from_local(z, &w, TZ_REJECT, &t, &kind), want == TZ_UNIQUE ? ERR_OK : ERR_INVAL);
	CHECK_EQ_INT(kind, want);
	CHECK_EQ_INT(t, want == TZ_UNIQUE ? earlier : 42);
}

TEST(tz_paris_skipped_half_past_two_moves_by_the_gap_or_is_rejected)
{
	/* 02:00 CET jumps to 03:00 CEST: 02:30 -> 03:30 CEST (01:30Z) when
	 * later, 01:30 CET (00:30Z) when earlier. */
	check_policies("Europe/Paris", wall(2026, 3, 29, 2, 30, 0), TZ_SKIPPED,
		       utc_ms(2026, 3, 29, 0, 30, 0), utc_ms(2026, 3, 29, 1, 30, 0));
	const struct tz *z;
	REQUIRE(tz_get("Europe/Paris", &z) == ERR_OK);
	int64_t t;
	struct tz_local w = wall(2026, 3, 29, 2, 30, 0), l;
	REQUIRE(tz_from_local(z, &w, TZ_LATER, &t, NULL) == ERR_OK);
	tz_to_local(z, t, &l);
	CHECK(l.hour == 3 && l.minute == 30 && l.offset_s == 7200);
	/* The gap's edges: 01:59:59 and 03:00:00 exist, 02:00:00 does not. */
	check_policies("Europe/Paris", wall(2026, 3, 29, 1, 59, 59), TZ_UNIQUE,
		       utc_ms(2026, 3, 29, 0, 59, 59), utc_ms(2026, 3, 29, 0, 59, 59));
	check_policies("Europe/Paris", wall(2026, 3, 29, 2, 0, 0), TZ_SKIPPED,
		       utc_ms(2026, 3, 29, 0, 0, 0), utc_ms(2026, 3, 29, 1, 0, 0));
	check_policies("Europe/Paris", wall(2026, 3, 29, 3, 0, 0), TZ_UNIQUE,
		       utc_ms(2026, 3, 29, 1, 0, 0), utc_ms(2026, 3, 29, 1, 0, 0));
}

TEST(tz_new_york_skipped_half_past_two_moves_by_the_gap_or_is_rejected)
{
	/* EST (-5) to EDT (-4) at 02:00 local on the second Sunday of March. */
	check_policies("America/New_York", wall(2026, 3, 8, 2, 30, 0), TZ_SKIPPED,
		       utc_ms(2026, 3, 8, 6, 30, 0), utc_ms(2026, 3, 8, 7, 30, 0));
}

TEST(tz_sydney_skipped_half_past_two_in_october_moves_by_the_gap_or_is_rejected)
{
	/* Southern hemisphere: AEST (+10) to AEDT (+11) on the first Sunday of
	 * October; 02:30 -> 03:30 AEDT = 16:30Z the day before. */
	check_policies("Australia/Sydney", wall(2026, 10, 4, 2, 30, 0), TZ_SKIPPED,
		       utc_ms(2026, 10, 3, 15, 30, 0), utc_ms(2026, 10, 3, 16, 30, 0));
}

TEST(tz_lord_howe_half_hour_gap_moves_by_half_an_hour)
{
	/* +10:30 to +11 at 02:00 on the first Sunday of October. */
	check_policies("Australia/Lord_Howe", wall(2026, 10, 4, 2, 15, 0), TZ_SKIPPED,
		       utc_ms(2026, 10, 3, 15, 15, 0), utc_ms(2026, 10, 3, 15, 45, 0));
}

TEST(tz_repeated_half_past_one_or_two_picks_the_first_or_second_occurrence)
{
	/* Paris: 03:00 CEST back to 02:00 CET on the last Sunday of October. */
	check_policies("Europe/Paris", wall(2026, 10, 25, 2, 30, 0), TZ_REPEATED,
		       utc_ms(2026, 10, 25, 0, 30, 0), utc_ms(2026, 10, 25, 1, 30, 0));
	/* New York: 02:00 EDT back to 01:00 EST on the first Sunday of November. */
	check_policies("America/New_York", wall(2026, 11, 1, 1, 30, 0), TZ_REPEATED,
		       utc_ms(2026, 11, 1, 5, 30, 0), utc_ms(2026, 11, 1, 6, 30, 0));
	/* Sydney: 03:00 AEDT back to 02:00 AEST on the first Sunday of April. */
	check_policies("Australia/Sydney", wall(2026, 4, 5, 2, 30, 0), TZ_REPEATED,
		       utc_ms(2026, 4, 4, 15, 30, 0), utc_ms(2026, 4, 4, 16, 30, 0));
	/* The overlap's edges: 01:59:59 once, 02:00:00 twice, 03:00:00 once. */
	check_policies("Europe/Paris", wall(2026, 10, 25, 1, 59, 59), TZ_UNIQUE,
		       utc_ms(2026, 10, 24, 23, 59, 59), utc_ms(2026, 10, 24, 23, 59, 59));
	check_policies("Europe/Paris", wall(2026, 10, 25, 2, 0, 0), TZ_REPEATED,
		       utc_ms(2026, 10, 25, 0, 0, 0), utc_ms(2026, 10, 25, 1, 0, 0));
	check_policies("Europe/Paris", wall(2026, 10, 25, 3, 0, 0), TZ_UNIQUE,
		       utc_ms(2026, 10, 25, 2, 0, 0), utc_ms(2026, 10, 25, 2, 0, 0));
}

TEST(tz_transitions_past_the_table_come_from_the_footer)
{
	/* Debian's tables stop by 2037; later changes exist only in the footer. */
	const struct tz *z;
	REQUIRE(tz_get("Europe/Paris", &z) == ERR_OK);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2040, 3, 25, 0, 59, 59), NULL, NULL), 3600);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2040, 3, 25, 1, 0, 0), NULL, NULL), 7200);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2100, 10, 31, 0, 59, 59), NULL, NULL), 7200);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2100, 10, 31, 1, 0, 0), NULL, NULL), 3600);
	check_policies("Europe/Paris", wall(2100, 3, 28, 2, 30, 0), TZ_SKIPPED,
		       utc_ms(2100, 3, 28, 0, 30, 0), utc_ms(2100, 3, 28, 1, 30, 0));
	check_policies("America/New_York", wall(2040, 11, 4, 1, 30, 0), TZ_REPEATED,
		       utc_ms(2040, 11, 4, 5, 30, 0), utc_ms(2040, 11, 4, 6, 30, 0));
	check_policies("Australia/Sydney", wall(2100, 10, 3, 2, 30, 0), TZ_SKIPPED,
		       utc_ms(2100, 10, 2, 15, 30, 0), utc_ms(2100, 10, 2, 16, 30, 0));
	/* And agree with glibc, which reads the same footer, over whole years. */
	static const char *const zones[] = {"Europe/Paris", "America/New_York", "Australia/Sydney"};
	for (int i = 0; i < 3; i++) {
		REQUIRE(tz_get(zones[i], &z) == ERR_OK);
		CHECK_EQ_INT(disagreements(z, zones[i], utc_ms(2099, 1, 1, 0, 0, 0) / 1000,
					   utc_ms(2101, 1, 1, 0, 0, 0) / 1000, 3600), 0);
		CHECK_EQ_INT(disagreements(z, zones[i], utc_ms(2400, 1, 1, 0, 0, 0) / 1000,
					   utc_ms(2401, 1, 1, 0, 0, 0) / 1000, 3600), 0);
	}
}

TEST(tz_dates_before_1970_use_the_historical_offsets)
{
	const struct tz *paris, *ny;
	REQUIRE(tz_get("Europe/Paris", &paris) == ERR_OK);
	REQUIRE(tz_get("America/New_York", &ny) == ERR_OK);
	const char *abbr;
	/* Paris Mean Time, +0:09:21, before 1911. */
	CHECK_EQ_INT(tz_offset(paris, utc_ms(1900, 1, 1, 0, 0, 0), NULL, &abbr), 561);
	CHECK_EQ_STR(abbr, "PMT");
	CHECK_EQ_INT(tz_offset(paris, utc_ms(1950, 7, 1, 12, 0, 0), NULL, NULL), 3600);
	bool dst;
	CHECK_EQ_INT(tz_offset(ny, utc_ms(1960, 7, 1, 12, 0, 0), &dst, &abbr), -4 * 3600);
	CHECK(dst);
	CHECK_EQ_STR(abbr, "EDT");
	/* Before the first transition: local mean time, -4:56:02. */
	CHECK_EQ_INT(tz_offset(ny, utc_ms(1800, 1, 1, 0, 0, 0), NULL, &abbr), -17762);
	CHECK_EQ_STR(abbr, "LMT");
	struct tz_local l;
	tz_to_local(ny, utc_ms(1800, 1, 1, 0, 0, 0), &l);
	CHECK(l.year == 1799 && l.month == 12 && l.day == 31 && l.hour == 19 && l.minute == 3 &&
	      l.second == 58);
	CHECK_EQ_INT(l.wday, 2);
	/* Sub-second instants before 1970 floor to the earlier second. */
	tz_to_local(tz_utc(), -1, &l);
	CHECK(l.year == 1969 && l.hour == 23 && l.minute == 59 && l.second == 59);
	int64_t t;
	struct tz_local w = wall(1960, 7, 1, 8, 0, 0);
	CHECK_EQ_INT(tz_from_local(ny, &w, TZ_REJECT, &t, NULL), ERR_OK);
	CHECK_EQ_INT(t, utc_ms(1960, 7, 1, 12, 0, 0));
	/* Every 5 hours 17 minutes from 1850 to 1970 agrees with glibc. */
	static const char *const zones[] = {"Europe/Paris", "America/New_York", "Australia/Sydney"};
	for (int i = 0; i < 3; i++) {
		const struct tz *z;
		REQUIRE(tz_get(zones[i], &z) == ERR_OK);
		CHECK_EQ_INT(disagreements(z, zones[i], utc_ms(1850, 1, 1, 0, 0, 0) / 1000, 0,
					   5 * 3600 + 17 * 60), 0);
	}
}

TEST(tz_every_hour_from_2020_to_2040_matches_glibc_and_round_trips)
{
	static const char *const zones[] = {"Europe/Paris", "America/New_York", "Australia/Sydney"};
	for (int i = 0; i < 3; i++) {
		const struct tz *z;
		REQUIRE(tz_get(zones[i], &z) == ERR_OK);
		CHECK_EQ_INT(disagreements(z, zones[i], utc_ms(2020, 1, 1, 0, 0, 0) / 1000,
					   utc_ms(2041, 1, 1, 0, 0, 0) / 1000, 3600), 0);
	}
}

TEST(tz_every_zone_in_zone1970_tab_loads_and_matches_glibc)
{
	FILE *f = fopen(ZONEINFO "/zone1970.tab", "r");
	REQUIRE(f != NULL);
	char line[512];
	int zones = 0, bad = 0;
	while (fgets(line, sizeof line, f)) {
		/* codes <TAB> coordinates <TAB> zone [<TAB> comment] */
		char *name = strchr(line, '\t');
		name = name ? strchr(name + 1, '\t') : NULL;
		if (line[0] == '#' || !name)
			continue;
		name++;
		name[strcspn(name, "\t\n")] = '\0';
		const struct tz *z;
		int rc = tz_get(name, &z);
		if (rc != ERR_OK) {
			fprintf(stderr, "    %s: %s\n", name, err_str(rc));
			bad++;
			continue;
		}
		zones++;
		/* Every 97 days and 1 hour and 1 second, 1900 to 2100. */
		bad += disagreements(z, name, utc_ms(1900, 1, 1, 0, 0, 0) / 1000,
				     utc_ms(2100, 1, 1, 0, 0, 0) / 1000, 97 * 86400 + 3601) != 0;
	}
	fclose(f);
	CHECK(zones > 300);
	CHECK_EQ_INT(bad, 0);
}

TEST(tz_from_local_rejects_impossible_wall_times)
{
	const struct tz *z;
	REQUIRE(tz_get("Europe/Paris", &z) == ERR_OK);
	struct tz_local bad[] = {
		wall(2026, 2, 29, 12, 0, 0), wall(2026, 4, 31, 12, 0, 0), wall(2026, 13, 1, 12, 0, 0),
		wall(2026, 0, 1, 12, 0, 0),  wall(2026, 1, 0, 12, 0, 0),  wall(2026, 1, 1, 24, 0, 0),
		wall(2026, 1, 1, 12, 60, 0), wall(2026, 1, 1, 12, 0, 60), wall(2026, 1, 1, -1, 0, 0),
		wall(10000, 1, 1, 0, 0, 0),  wall(-1, 12, 31, 0, 0, 0),
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t t = 7;
		CHECK_EQ_INT(tz_from_local(z, &bad[i], TZ_LATER, &t, NULL), ERR_INVAL);
		CHECK_EQ_INT(t, 7);
	}
	int64_t t;
	struct tz_local leap = wall(2024, 2, 29, 12, 0, 0), first = wall(0, 1, 1, 0, 0, 0);
	CHECK_EQ_INT(tz_from_local(z, &leap, TZ_REJECT, &t, NULL), ERR_OK);
	CHECK_EQ_INT(t, utc_ms(2024, 2, 29, 11, 0, 0));
	CHECK_EQ_INT(tz_from_local(tz_utc(), &first, TZ_REJECT, &t, NULL), ERR_OK);
	CHECK_EQ_INT(t, -719528LL * 86400000);
}

/* ---- names and files ---- */

TEST(tz_rejects_names_that_could_leave_the_zoneinfo_tree_or_are_malformed)
{
	char long_name[80];
	memset(long_name, 'A', 65);
	long_name[65] = '\0';
	const char *bad[] = {"", "../etc/passwd", "/etc/passwd", "Europe/../../etc/passwd",
			     "Europe/./Paris", "Europe//Paris", "Europe/Paris/", "Europe/Paris ",
			     "Europe\\Paris", "Europe/Par\xc3\xa9", ".", "..", long_name, NULL};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		const struct tz *z = NULL;
		CHECK_EQ_INT(tz_get(bad[i], &z), ERR_INVAL);
		CHECK(z == NULL);
		CHECK(!tz_valid(bad[i]));
	}
	memset(long_name, 'A', 64);
	long_name[64] = '\0';
	const struct tz *z;
	CHECK_EQ_INT(tz_get(long_name, &z), ERR_NOTFOUND);  /* 64 bytes is a valid name */
	CHECK(tz_valid("America/Argentina/Buenos_Aires"));
	CHECK(tz_valid("Etc/GMT+5"));
	CHECK(tz_valid("America/Port-au-Prince"));
}

TEST(tz_unknown_zones_and_directories_are_not_found)
{
	const struct tz *z;
	CHECK_EQ_INT(tz_get("Europe/Nowhere", &z), ERR_NOTFOUND);
	CHECK_EQ_INT(tz_get("Europe", &z), ERR_NOTFOUND);
	CHECK_EQ_INT(tz_get("Europe/Paris/Louvre", &z), ERR_NOTFOUND);
	if (access(ZONEINFO "/right/Europe/Paris", R_OK) == 0)  /* leap seconds: not POSIX time */
		CHECK_EQ_INT(tz_get("right/Europe/Paris", &z), ERR_PROTO);
	CHECK(!tz_valid("Europe/Nowhere"));
	CHECK(tz_valid("Europe/Paris"));
}

static const char *const thread_zones[3] = {"Europe/Berlin", "Asia/Kolkata", "America/Chicago"};

static void *get_zones(void *arg)
{
	const struct tz **out = arg;
	for (int round = 0; round < 100; round++)
		for (int i = 0; i < 3; i++)
			if (tz_get(thread_zones[i], &out[i]) != ERR_OK)
				out[i] = NULL;
	return NULL;
}

TEST(tz_cache_hands_every_thread_the_same_zone)
{
	tz_cache_clear();
	enum { THREADS = 4 };
	pthread_t th[THREADS];
	const struct tz *seen[THREADS][3];
	for (int i = 0; i < THREADS; i++)
		REQUIRE(pthread_create(&th[i], NULL, get_zones, seen[i]) == 0);
	for (int i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (int z = 0; z < 3; z++) {
		const struct tz *mine;
		REQUIRE(tz_get(thread_zones[z], &mine) == ERR_OK);
		for (int i = 0; i < THREADS; i++)
			CHECK(seen[i][z] == mine);
	}
}

TEST(tz_truncated_zone_file_is_rejected_at_every_length)
{
	static unsigned char buf[65536];
	size_t n = read_whole(ZONEINFO "/Europe/Paris", buf, sizeof buf);
	REQUIRE(n > 1000);
	const char *dir = harness_tmpdir();
	const struct tz *z;
	REQUIRE(load_bytes(dir, buf, n, &z) == ERR_OK);
	CHECK_EQ_INT(tz_offset(z, utc_ms(2026, 7, 1, 0, 0, 0), NULL, NULL), 7200);
	char path[512];
	snprintf(path, sizeof path, "%s/Test", dir);
	int bad = 0;
	for (size_t len = n; len-- > 0;) {
		REQUIRE(truncate(path, (off_t)len) == 0);
		tz_cache_clear();
		int rc = tz_get("Test", &z);
		if (rc != ERR_PROTO && !bad++)
			fprintf(stderr, "    %zu of %zu bytes: %s\n", len, n, err_str(rc));
	}
	CHECK_EQ_INT(bad, 0);
	tz_set_root(NULL);
}

TEST(tz_corrupt_counts_orders_and_footers_are_rejected)
{
	static unsigned char orig[65536], b[65536];
	size_t n = read_whole(ZONEINFO "/Europe/Paris", orig, sizeof orig);
	REQUIRE(n > 1000);
	struct layout l = layout_of(orig);
	REQUIRE(l.times > 10 && l.footer < n);
	const char *dir = harness_tmpdir();
	const struct tz *z;
	struct {
		const char *what;
		size_t at;     /* where to write */
		uint32_t v;    /* 32-bit big-endian value, or a byte if `byte` */
		bool byte;
	} cases[] = {
		{"huge v1 transition count", 32, 0xffffffffu, false},
		{"huge v2 transition count", l.v2_hdr + 32, 0xffffffffu, false},
		{"v2 count past the data", l.v2_hdr + 32, l.times + 1, false},
		{"no types", l.v2_hdr + 36, 0, false},
		{"leap seconds", l.v2_hdr + 28, 1, false},
		{"isstd count not the type count", l.v2_hdr + 24, 1, false},
		{"bad magic", 0, 'X', true},
		{"version 1 in a v2 layout", 4, '1', true},
		{"second header's version differs", l.v2_hdr + 4, '3', true},
		{"type index out of range", l.v2_idx + 5, 0xff, true},
		{"transition out of order", l.v2_times + 5 * 8 + 4, get32(orig + l.v2_times + 3 * 8 + 4), false},
		{"footer without its newline", l.footer, 'X', true},
		{"footer cut before its rules end", n - 5, '\n', true},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		memcpy(b, orig, n);
		if (cases[i].byte)
			b[cases[i].at] = (unsigned char)cases[i].v;
		else
			put32(b + cases[i].at, cases[i].v);
		int rc = load_bytes(dir, b, n, &z);
		if (rc != ERR_PROTO)
			fprintf(stderr, "    %s: %s\n", cases[i].what, err_str(rc));
		CHECK_EQ_INT(rc, ERR_PROTO);
	}
	/* Five transitions within a day: more than any real zone, refused so
	 * that local -> UTC stays bounded. */
	memcpy(b, orig, n);
	uint32_t lo = get32(b + l.v2_times + 100 * 8 + 4);
	for (int k = 1; k <= 4; k++)
		put32(b + l.v2_times + (100 + k) * 8 + 4, lo + 3600u * (uint32_t)k);
	CHECK_EQ_INT(load_bytes(dir, b, n, &z), ERR_PROTO);
	/* Footers that are not POSIX TZ strings. */
	static const char *const footers[] = {
		"CET-1CEST",                    /* DST without rules */
		"CET-1CEST,M3.5.0",             /* one rule */
		"CE-1",                         /* abbreviation too short */
		"CET-1CEST,M13.5.0,M10.5.0/3",  /* month 13 */
		"CET-1CEST,M3.6.0,M10.5.0/3",   /* week 6 */
		"CET-1CEST,M3.5.7,M10.5.0/3",   /* weekday 7 */
		"CET-1CEST,J0,J365",            /* Julian days start at 1 */
		"CET-1CEST,366,300",            /* zero-based days end at 365 */
		"CET-1CEST,M3.5.0/168,M10.5.0", /* more than 167 hours */
		"CET-25",                       /* offset over 24 hours */
		"CET-1:60",                     /* minute 60 */
		"<+11-11",                      /* unclosed angle bracket */
		"CET-1 ",                       /* trailing byte */
		"CET",                          /* no offset */
	};
	for (size_t i = 0; i < sizeof footers / sizeof footers[0]; i++) {
		memcpy(b, orig, l.footer);
		size_t m = l.footer + (size_t)snprintf((char *)b + l.footer, sizeof b - l.footer, "\n%s\n", footers[i]);
		int rc = load_bytes(dir, b, m, &z);
		if (rc != ERR_PROTO)
			fprintf(stderr, "    footer \"%s\": %s\n", footers[i], err_str(rc));
		CHECK_EQ_INT(rc, ERR_PROTO);
	}
	/* A file larger than any zone is refused before parsing. */
	static unsigned char big[70000];
	memcpy(big, orig, n);
	CHECK_EQ_INT(load_bytes(dir, big, sizeof big, &z), ERR_PROTO);
	tz_set_root(NULL);
}

TEST(tz_mutated_zone_files_load_or_fail_cleanly)
{
	static unsigned char orig[65536], b[65536];
	size_t n = read_whole(ZONEINFO "/America/New_York", orig, sizeof orig);
	REQUIRE(n > 1000);
	const char *dir = harness_tmpdir();
	uint32_t seed = 12345;
	int loaded = 0;
	for (int round = 0; round < 1000; round++) {
		memcpy(b, orig, n);
		for (int k = 0; k < 1 + round % 4; k++) {
			seed = seed * 1103515245u + 12345u;
			b[(seed >> 8) % n] ^= (unsigned char)(1u << (seed >> 28) % 8);
		}
		const struct tz *z;
		int rc = load_bytes(dir, b, n, &z);
		CHECK(rc == ERR_OK || rc == ERR_PROTO);
		if (rc != ERR_OK)
			continue;
		loaded++;
		/* Whatever it says, conversions stay total and consistent. */
		for (int64_t t = -4000000000LL; t < 8000000000LL; t += 123456789) {
			struct tz_local l;
			int64_t back;
			enum tz_kind kind;
			tz_to_local(z, t * 1000, &l);
			CHECK_EQ_INT(tz_from_local(z, &l, TZ_EARLIER, &back, &kind), ERR_OK);
			CHECK(kind != TZ_SKIPPED);
		}
	}
	CHECK(loaded > 0);  /* flips in unused bits keep the file valid */
	tz_set_root(NULL);
}

TEST(tz_version_1_files_are_read_from_their_32_bit_block)
{
	static unsigned char b[65536];
	size_t n = read_whole(ZONEINFO "/Europe/Paris", b, sizeof b);
	REQUIRE(n > 1000);
	struct layout l = layout_of(b);
	b[4] = 0;  /* version 1: the file ends after the first block */
	const char *dir = harness_tmpdir();
	const struct tz *z;
	REQUIRE(load_bytes(dir, b, 44 + l.v1_body, &z) == ERR_OK);
	CHECK_EQ_INT(disagreements(z, "Europe/Paris", utc_ms(1902, 1, 1, 0, 0, 0) / 1000,
				   utc_ms(2037, 1, 1, 0, 0, 0) / 1000, 7 * 3600 + 11), 0);
	tz_set_root(NULL);
}

TEST(tz_footer_rules_of_every_form_match_glibc)
{
	static const char *const footers[] = {
		"CET-1CEST,M3.5.0,M10.5.0/3",
		"<+11>-11<+10>,M4.1.0/3,M10.1.0/2",         /* DST below standard */
		"IST-1GMT0,M10.5.0,M3.5.0/1",               /* negative DST (Dublin) */
		"EST5EDT,J60/2,J300/2",                     /* Julian, Feb 29 not counted */
		"EST5EDT,59/2,299/2",                       /* zero-based, Feb 29 counted */
		"IST-2IDT,M3.4.4/26,M10.5.0",               /* hour past 24 */
		"<-02>2<-01>,M3.5.0/-1,M10.5.0/0",          /* negative hour */
		"EET-2EEST,M3.4.4/50,M10.4.4/50",           /* two days past the date */
		"<-04>4<-03>,M9.1.6/24,M4.1.6/24",          /* southern, at midnight */
		"<+1245>-12:45<+1345>,M9.5.0/2:45,M4.1.0/3:45",
		"NST3:30NDT2:30,M3.2.0/0:01,M11.1.0/0:01",
		"<+0530>-5:30",                              /* no DST */
	};
	const char *dir = harness_tmpdir();
	static unsigned char b[1024];
	for (size_t i = 0; i < sizeof footers / sizeof footers[0]; i++) {
		const struct tz *z;
		size_t n = footer_only(b, sizeof b, footers[i]);
		int rc = load_bytes(dir, b, n, &z);
		CHECK_EQ_INT(rc, ERR_OK);
		if (rc != ERR_OK) {
			fprintf(stderr, "    footer %s: %s\n", footers[i], err_str(rc));
			continue;
		}
		CHECK_EQ_INT(disagreements(z, footers[i], utc_ms(2024, 1, 1, 0, 0, 0) / 1000,
					   utc_ms(2030, 1, 1, 0, 0, 0) / 1000, 3600), 0);
	}
	tz_set_root(NULL);
}

TEST(tz_footer_for_dst_all_year_stays_dst_across_new_year)
{
	/* RFC 8536 3.3.1: DST from January 1st 00:00 to December 31st 25:00,
	 * i.e. all year. glibc looks at one year at a time and shows EST for
	 * the first five hours of each year in UTC; tzcode and we do not. */
	static unsigned char b[256];
	const struct tz *z;
	const char *dir = harness_tmpdir();
	size_t n = footer_only(b, sizeof b, "EST5EDT,0/0,J365/25");
	REQUIRE(load_bytes(dir, b, n, &z) == ERR_OK);
	for (int y = 2024; y <= 2030; y++) {
		int64_t times[] = {utc_ms(y, 1, 1, 0, 0, 0), utc_ms(y, 1, 1, 4, 59, 59),
				   utc_ms(y, 1, 1, 5, 0, 0), utc_ms(y, 7, 1, 0, 0, 0),
				   utc_ms(y, 12, 31, 23, 59, 59)};
		for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
			bool dst = false;
			CHECK_EQ_INT(tz_offset(z, times[i], &dst, NULL), -4 * 3600);
			CHECK(dst);
		}
		struct tz_local w = wall(y, 1, 1, 0, 30, 0);
		int64_t t;
		enum tz_kind kind;
		CHECK_EQ_INT(tz_from_local(z, &w, TZ_REJECT, &t, &kind), ERR_OK);
		CHECK_EQ_INT(kind, TZ_UNIQUE);
		CHECK_EQ_INT(t, utc_ms(y, 1, 1, 4, 30, 0));
	}
	tz_set_root(NULL);
}

/* ---- RFC 3339 ---- */

TEST(tz_rfc3339_parses_offsets_fractions_and_utc)
{
	struct {
		const char *s;
		int64_t ms;
		int32_t off;
	} ok[] = {
		{"2026-03-29T03:30:00+02:00", utc_ms(2026, 3, 29, 1, 30, 0), 7200},
		{"2026-03-29T01:30:00Z", utc_ms(2026, 3, 29, 1, 30, 0), 0},
		{"2026-03-29t01:30:00z", utc_ms(2026, 3, 29, 1, 30, 0), 0},
		{"2026-03-07T21:30:00-05:00", utc_ms(2026, 3, 8, 2, 30, 0), -18000},
		{"2026-01-01T05:45:00+05:45", utc_ms(2026, 1, 1, 0, 0, 0), 20700},
		{"2026-01-01T00:00:00-00:00", utc_ms(2026, 1, 1, 0, 0, 0), 0},
		{"2026-01-01T00:00:00.5Z", utc_ms(2026, 1, 1, 0, 0, 0) + 500, 0},
		{"2026-01-01T00:00:00.12Z", utc_ms(2026, 1, 1, 0, 0, 0) + 120, 0},
		{"2026-01-01T00:00:00.123456789Z", utc_ms(2026, 1, 1, 0, 0, 0) + 123, 0},
		{"2026-01-01T00:00:00.999999999+01:00", utc_ms(2025, 12, 31, 23, 0, 0) + 999, 3600},
		{"2024-02-29T23:59:59+23:59", utc_ms(2024, 2, 29, 0, 0, 59), 86340},
		{"2000-02-29T00:00:00Z", utc_ms(2000, 2, 29, 0, 0, 0), 0},
		{"1969-12-31T23:59:59.999Z", -1, 0},
		{"1900-01-01T00:00:00Z", utc_ms(1900, 1, 1, 0, 0, 0), 0},
		{"0000-01-01T00:00:00Z", -719528LL * 86400000, 0},
		{"9999-12-31T23:59:59Z", utc_ms(9999, 12, 31, 23, 59, 59), 0},
	};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
		int64_t ms = 0;
		int32_t off = -1;
		int rc = tz_parse_rfc3339(ok[i].s, strlen(ok[i].s), &ms, &off);
		if (rc || ms != ok[i].ms || off != ok[i].off)
			fprintf(stderr, "    %s: %s %lld %d\n", ok[i].s, err_str(rc), (long long)ms, off);
		CHECK(rc == ERR_OK && ms == ok[i].ms && off == ok[i].off);
	}
	/* Length is explicit: the string need not end at a NUL. */
	int64_t ms;
	CHECK_EQ_INT(tz_parse_rfc3339("2026-03-29T01:30:00Zjunk", 20, &ms, NULL), ERR_OK);
	CHECK_EQ_INT(ms, utc_ms(2026, 3, 29, 1, 30, 0));
}

TEST(tz_rfc3339_rejects_impossible_dates_and_loose_syntax)
{
	static const char *const bad[] = {
		"", "2026-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
		"2026-04-31T00:00:00Z", "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z",
		"2026-01-00T00:00:00Z", "2026-01-01T24:00:00Z", "2026-01-01T23:60:00Z",
		"2026-01-01T23:59:60Z", "2026-01-01T00:00:00", "2026-01-01T00:00:00+24:00",
		"2026-01-01T00:00:00+02:60", "2026-01-01T00:00:00+0200", "2026-01-01T00:00:00+2:00",
		"2026-01-01T00:00:00 +02:00", "2026-01-01 00:00:00Z", "2026-01-01T00:00Z",
		"2026-1-01T00:00:00Z", "26-01-01T00:00:00Z", "+2026-01-01T00:00:00Z",
		"2026-01-01T00:00:00.Z", "2026-01-01T00:00:00.1234567890Z", "2026-01-01T00:00:00,5Z",
		"2026-01-01T00:00:00ZZ", "2026-01-01T00:00:00Z ", " 2026-01-01T00:00:00Z",
		"2026-01-01T00:00:00UTC", "2026-01-01T0a:00:00Z", "2026-01-01T00:00:00+02:00x",
		"2026-01-01T00:00:00-", "2026-01-01T00:00:00+02", "2026-01-01T00:00:00+02:0",
		"20260101T000000Z",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		int64_t ms = 77;
		int rc = tz_parse_rfc3339(bad[i], strlen(bad[i]), &ms, NULL);
		if (rc != ERR_INVAL)
			fprintf(stderr, "    accepted \"%s\"\n", bad[i]);
		CHECK_EQ_INT(rc, ERR_INVAL);
		CHECK_EQ_INT(ms, 77);
	}
	/* A date cut short by the explicit length. */
	int64_t ms;
	CHECK_EQ_INT(tz_parse_rfc3339("2026-01-01T00:00:00Z", 19, &ms, NULL), ERR_INVAL);
}

TEST(tz_rfc3339_formats_the_local_offset_and_reads_back)
{
	struct {
		const char *zone;
		int64_t ms;
		const char *want;
	} cases[] = {
		{"Europe/Paris", utc_ms(2026, 3, 29, 1, 30, 0), "2026-03-29T03:30:00+02:00"},
		{"Europe/Paris", utc_ms(2026, 1, 2, 3, 4, 5) + 250, "2026-01-02T04:04:05.250+01:00"},
		{"America/New_York", utc_ms(2026, 11, 1, 5, 30, 0), "2026-11-01T01:30:00-04:00"},
		{"America/New_York", utc_ms(2026, 11, 1, 6, 30, 0), "2026-11-01T01:30:00-05:00"},
		{"Australia/Sydney", utc_ms(2026, 10, 3, 16, 30, 0), "2026-10-04T03:30:00+11:00"},
		{"Asia/Kathmandu", utc_ms(2026, 6, 1, 0, 0, 0) + 1, "2026-06-01T05:45:00.001+05:45"},
		{"America/St_Johns", utc_ms(2026, 1, 1, 0, 0, 0), "2025-12-31T20:30:00-03:30"},
		{"UTC", -1, "1969-12-31T23:59:59.999Z"},
		{"Europe/London", utc_ms(2026, 1, 1, 12, 0, 0), "2026-01-01T12:00:00Z"},
		/* Paris Mean Time is +00:09:21: not expressible, so written in UTC. */
		{"Europe/Paris", utc_ms(1900, 6, 1, 0, 0, 0), "1900-06-01T00:00:00Z"},
		{"UTC", -719528LL * 86400000, "0000-01-01T00:00:00Z"},
		{"Pacific/Kiritimati", utc_ms(9999, 12, 31, 9, 59, 59), "9999-12-31T23:59:59+14:00"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const struct tz *z;
		REQUIRE(tz_get(cases[i].zone, &z) == ERR_OK);
		char out[TZ_RFC3339_SIZE];
		CHECK_EQ_INT(tz_format_rfc3339(z, cases[i].ms, out), ERR_OK);
		CHECK_EQ_STR(out, cases[i].want);
		int64_t back;
		CHECK_EQ_INT(tz_parse_rfc3339(out, strlen(out), &back, NULL), ERR_OK);
		CHECK_EQ_INT(back, cases[i].ms);
	}
	char out[TZ_RFC3339_SIZE];
	CHECK_EQ_INT(tz_format_rfc3339(tz_utc(), -719528LL * 86400000 - 1, out), ERR_INVAL);
	CHECK_EQ_STR(out, "");
	const struct tz *kiri;
	REQUIRE(tz_get("Pacific/Kiritimati", &kiri) == ERR_OK);
	CHECK_EQ_INT(tz_format_rfc3339(kiri, utc_ms(9999, 12, 31, 10, 0, 0), out), ERR_INVAL);
	CHECK_EQ_INT(tz_format_rfc3339(tz_utc(), INT64_MIN, out), ERR_INVAL);
	CHECK_EQ_INT(tz_format_rfc3339(kiri, INT64_MAX, out), ERR_INVAL);
}
