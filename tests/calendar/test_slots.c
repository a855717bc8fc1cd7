/* test_slots.c - weekly queue slots: JSON in and out, and slots_next across
 * the 2026 DST changes of Europe/Paris, America/New_York and
 * Australia/Sydney (skipped and repeated hours), taken slots, wrap-around.
 *
 * Expected instants are written in UTC with timegm, from the offsets the
 * zones have on those dates (Paris +1/+2, New York -5/-4, Sydney +10/+11). */
#include "harness.h"

#include <time.h>

#include "calendar/calendar.h"
#include "core/err.h"

static int64_t utc(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm) * 1000;
}

enum { MON, TUE, WED, THU, FRI, SAT, SUN };
#define AT(h, m) ((h) * 60 + (m))

/* slots_next or -1 on error. */
static int64_t next(const struct slot *v, size_t n, const char *tz, int64_t after)
{
	int64_t out = 0;
	return slots_next(v, n, tz, after, NULL, NULL, &out) == ERR_OK ? out : -1;
}

TEST(slots_parse_validates_sorts_and_dedupes)
{
	struct slot v[SLOTS_MAX];
	size_t n;
	char why[128];
	const char *j = "[{\"day\":\"wed\",\"time\":\"12:30\"},{\"day\":\"Monday\",\"time\":\"9:00\"},"
			"{\"day\":\"mon\",\"time\":\"09:00\"},{\"day\":\"sun\",\"time\":\"23:59\"}]";
	REQUIRE(slots_parse(j, strlen(j), v, &n, why, sizeof why) == ERR_OK);
	REQUIRE(n == 3);
	CHECK(v[0].wday == MON && v[0].minute == AT(9, 0));
	CHECK(v[1].wday == WED && v[1].minute == AT(12, 30));
	CHECK(v[2].wday == SUN && v[2].minute == AT(23, 59));

	char buf[256];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	struct jw w;
	jw_init(&w, &sb);
	slots_to_json(&w, v, n);
	CHECK_EQ_STR(sb_str(&sb), "[{\"day\":\"mon\",\"time\":\"09:00\"},{\"day\":\"wed\",\"time\":\"12:30\"},"
				  "{\"day\":\"sun\",\"time\":\"23:59\"}]");
	sb_free(&sb);
}

TEST(slots_parse_refuses_bad_days_times_shapes_and_too_many)
{
	struct slot v[SLOTS_MAX];
	size_t n;
	char why[128];
	const char *bad[] = {
		"{}", "[1]", "[{\"day\":\"mon\"}]", "[{\"day\":\"lun\",\"time\":\"09:00\"}]",
		"[{\"day\":\"mon\",\"time\":\"24:00\"}]", "[{\"day\":\"mon\",\"time\":\"9:5\"}]",
		"[{\"day\":\"mon\",\"time\":\"09:60\"}]", "[{\"day\":\"mon\",\"time\":\"09:00\",\"x\":1}]",
		"[{\"day\":\"mon\",\"time\":\" 9:00\"}]", "[",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		why[0] = 0;
		CHECK_EQ_INT(slots_parse(bad[i], strlen(bad[i]), v, &n, why, sizeof why), ERR_INVAL);
		CHECK(why[0] != 0);
	}
	CHECK(strstr((slots_parse(bad[3], strlen(bad[3]), v, &n, why, sizeof why), why), "day must be"));
	char big[SLOTS_MAX * 40 + 64];
	size_t o = 0;
	o += (size_t)snprintf(big + o, sizeof big - o, "[");
	for (int i = 0; i <= SLOTS_MAX; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "%s{\"day\":\"mon\",\"time\":\"%02d:%02d\"}",
				      i ? "," : "", i / 60, i % 60);
	o += (size_t)snprintf(big + o, sizeof big - o, "]");
	CHECK_EQ_INT(slots_parse(big, o, v, &n, why, sizeof why), ERR_TOOBIG);
}

TEST(slots_keep_local_time_across_paris_dst_changes)
{
	struct slot v[] = {{MON, AT(9, 0)}};
	/* Monday before and after the last Sunday of March 2026 (29th). */
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 3, 20, 12, 0)), utc(2026, 3, 23, 8, 0));
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 3, 27, 12, 0)), utc(2026, 3, 30, 7, 0));
	/* And around the last Sunday of October (25th). */
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 10, 20, 0, 0)), utc(2026, 10, 26, 8, 0));
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 10, 13, 0, 0)), utc(2026, 10, 19, 7, 0));
}

TEST(slots_in_the_skipped_hour_move_forward_by_the_gap)
{
	struct slot v[] = {{SUN, AT(2, 30)}};
	/* Paris, 29 March 2026: 02:30 does not exist, 03:30 CEST = 01:30Z. */
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 3, 28, 0, 0)), utc(2026, 3, 29, 1, 30));
	/* New York, 8 March 2026: 03:30 EDT = 07:30Z. */
	CHECK_EQ_INT(next(v, 1, "America/New_York", utc(2026, 3, 7, 0, 0)), utc(2026, 3, 8, 7, 30));
	/* Sydney, 4 October 2026: 03:30 AEDT = 16:30Z the day before. */
	CHECK_EQ_INT(next(v, 1, "Australia/Sydney", utc(2026, 10, 2, 0, 0)), utc(2026, 10, 3, 16, 30));
}

TEST(slots_in_the_repeated_hour_are_taken_once_at_the_first_occurrence)
{
	struct slot v[] = {{SUN, AT(2, 30)}};
	/* Paris, 25 October 2026: 02:30 CEST = 00:30Z, then 02:30 CET = 01:30Z. */
	int64_t first = utc(2026, 10, 25, 0, 30);
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", utc(2026, 10, 24, 0, 0)), first);
	/* After the first occurrence comes next week, not the second one. */
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", first), utc(2026, 11, 1, 1, 30));
	/* New York, 1 November 2026: 01:30 EDT = 05:30Z then 01:30 EST = 06:30Z. */
	struct slot ny[] = {{SUN, AT(1, 30)}};
	CHECK_EQ_INT(next(ny, 1, "America/New_York", utc(2026, 10, 31, 0, 0)), utc(2026, 11, 1, 5, 30));
	CHECK_EQ_INT(next(ny, 1, "America/New_York", utc(2026, 11, 1, 5, 30)), utc(2026, 11, 8, 6, 30));
	/* Sydney, 5 April 2026: 02:30 AEDT = 15:30Z on the 4th. */
	CHECK_EQ_INT(next(v, 1, "Australia/Sydney", utc(2026, 4, 3, 0, 0)), utc(2026, 4, 4, 15, 30));
	CHECK_EQ_INT(next(v, 1, "Australia/Sydney", utc(2026, 4, 4, 15, 30)), utc(2026, 4, 11, 16, 30));
}

TEST(slots_follow_instant_order_when_a_skipped_slot_moves_past_another)
{
	/* On 29 March in Paris, 02:30 becomes 03:30 CEST (01:30Z): slot 03:00
	 * (01:00Z) comes first although it is later on the wall. */
	struct slot v[] = {{SUN, AT(2, 30)}, {SUN, AT(3, 0)}};
	CHECK_EQ_INT(next(v, 2, "Europe/Paris", utc(2026, 3, 28, 0, 0)), utc(2026, 3, 29, 1, 0));
	CHECK_EQ_INT(next(v, 2, "Europe/Paris", utc(2026, 3, 29, 1, 0)), utc(2026, 3, 29, 1, 30));
	CHECK_EQ_INT(next(v, 2, "Europe/Paris", utc(2026, 3, 29, 1, 30)), utc(2026, 4, 5, 0, 30));
}

struct taken_set {
	int64_t at[8];
	int n, calls[8];
};

static bool is_taken(void *ctx, int64_t at)
{
	struct taken_set *t = ctx;
	for (int i = 0; i < t->n; i++)
		if (t->at[i] == at) {
			t->calls[i]++;
			return true;
		}
	return false;
}

TEST(slots_skip_taken_instants_and_offer_each_instant_once)
{
	struct slot v[] = {{MON, AT(9, 0)}, {WED, AT(12, 30)}};
	struct taken_set t = {.at = {utc(2026, 6, 1, 7, 0), utc(2026, 6, 3, 10, 30)}, .n = 2};
	int64_t out;
	REQUIRE(slots_next(v, 2, "Europe/Paris", utc(2026, 5, 31, 0, 0), is_taken, &t, &out) == ERR_OK);
	CHECK_EQ_INT(out, utc(2026, 6, 8, 7, 0));
	/* Skipped 02:30 and 03:30 both land on 03:30 CEST: taken() sees it once. */
	struct slot d[] = {{SUN, AT(2, 30)}, {SUN, AT(3, 30)}};
	struct taken_set t2 = {.at = {utc(2026, 3, 29, 1, 30)}, .n = 1};
	REQUIRE(slots_next(d, 2, "Europe/Paris", utc(2026, 3, 28, 0, 0), is_taken, &t2, &out) == ERR_OK);
	CHECK_EQ_INT(out, utc(2026, 4, 5, 0, 30));
	CHECK_EQ_INT(t2.calls[0], 1);
}

TEST(slots_wrap_around_the_week)
{
	struct slot v[] = {{MON, AT(9, 0)}, {SUN, AT(23, 0)}};
	/* Tuesday 2 June 2026 -> Sunday 7 June 23:00 CEST -> Monday 8 June 09:00. */
	int64_t a = next(v, 2, "Europe/Paris", utc(2026, 6, 2, 10, 0));
	CHECK_EQ_INT(a, utc(2026, 6, 7, 21, 0));
	CHECK_EQ_INT(next(v, 2, "Europe/Paris", a), utc(2026, 6, 8, 7, 0));
	/* New Year: Monday 4 January 2027 after Thursday 31 December 2026. */
	struct slot m[] = {{MON, AT(9, 0)}};
	CHECK_EQ_INT(next(m, 1, "Europe/Paris", utc(2026, 12, 31, 12, 0)), utc(2027, 1, 4, 8, 0));
}

TEST(slots_next_is_strictly_after_a_time_exactly_on_a_slot)
{
	struct slot v[] = {{WED, AT(12, 30)}};
	int64_t on = utc(2026, 6, 3, 10, 30);
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", on - 1), on);
	CHECK_EQ_INT(next(v, 1, "Europe/Paris", on), utc(2026, 6, 10, 10, 30));
}

TEST(slots_next_reports_no_slot_all_taken_and_bad_input)
{
	int64_t out;
	struct slot v[] = {{MON, AT(9, 0)}};
	CHECK_EQ_INT(slots_next(v, 0, "Europe/Paris", 0, NULL, NULL, &out), ERR_NOTFOUND);
	CHECK_EQ_INT(slots_next(v, 1, "Nowhere/City", 0, NULL, NULL, &out), ERR_NOTFOUND);
	CHECK_EQ_INT(slots_next(v, 1, "../etc", 0, NULL, NULL, &out), ERR_INVAL);
	struct slot bad[] = {{7, 0}};
	CHECK_EQ_INT(slots_next(bad, 1, "UTC", 0, NULL, NULL, &out), ERR_INVAL);
}

static bool all_taken(void *ctx, int64_t at)
{
	(void)at;
	(*(int *)ctx)++;
	return true;
}

TEST(slots_next_searches_about_a_year_when_everything_is_taken)
{
	struct slot v[] = {{MON, AT(9, 0)}, {THU, AT(18, 0)}};
	int calls = 0;
	int64_t out;
	CHECK_EQ_INT(slots_next(v, 2, "America/New_York", utc(2026, 1, 1, 0, 0), all_taken, &calls, &out), ERR_NOTFOUND);
	CHECK(calls >= 104 && calls <= 108);
}
