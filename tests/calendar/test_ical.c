/* test_ical.c - the iCalendar writer: folding at 75 octets without splitting
 * UTF-8, TEXT escaping, event properties, and a feed read back by a real
 * parser (python3-icalendar from Debian). */
#include "harness.h"

#include <stdlib.h>

#include "calendar/calendar.h"
#include "core/sb.h"
#include "core/str.h"

/* Every line ends in CRLF, none is longer than 75 octets, and none starts
 * with a UTF-8 continuation byte after its fold space. */
static int bad_lines(const char *s, size_t len)
{
	int bad = 0;
	size_t start = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '\n') {
			if (i == 0 || s[i - 1] != '\r')
				bad++;
			size_t n = i - 1 - start;
			if (n > 75)
				bad++;
			if (s[start] == ' ' && n > 1 && ((unsigned char)s[start + 1] & 0xC0) == 0x80)
				bad++;
			start = i + 1;
		}
	}
	return bad + (start != len);
}

/* Drops every CRLF followed by a space; the result in `out`. */
static void unfold(const char *s, struct sb *out)
{
	for (size_t i = 0; s[i]; i++) {
		if (s[i] == '\r' && s[i + 1] == '\n' && s[i + 2] == ' ') {
			i += 2;
			continue;
		}
		sb_addc(out, s[i]);
	}
}

TEST(ical_folds_long_lines_at_75_octets_and_unfolds_to_the_same_text)
{
	char value[400];
	size_t n = 0;
	for (int i = 0; i < 60; i++)
		n += (size_t)snprintf(value + n, sizeof value - n, "w%d ", i);
	char buf[1024];
	struct sb out, back;
	sb_init(&out, buf, sizeof buf, 1 << 20);
	ical_line(&out, "DESCRIPTION", value, n);
	REQUIRE(!sb_err(&out));
	CHECK_EQ_INT(bad_lines(sb_str(&out), sb_len(&out)), 0);
	CHECK(sb_len(&out) > 3 * 75);
	char tmp[1];
	sb_init(&back, tmp, sizeof tmp, 1 << 20);
	unfold(sb_str(&out), &back);
	char want[512];
	snprintf(want, sizeof want, "DESCRIPTION:%s\r\n", value);
	CHECK_EQ_STR(sb_str(&back), want);
	sb_free(&out);
	sb_free(&back);
}

TEST(ical_never_splits_a_utf8_sequence_at_a_fold)
{
	/* "DESCRIPTION:" is 12 octets; with one ASCII byte of padding every
	 * 2-, 3- and 4-octet sequence lands across octet 75 at some offset. */
	const char *seqs[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"};
	for (size_t s = 0; s < 3; s++) {
		for (int pad = 0; pad < 4; pad++) {
			char value[600];
			size_t n = 0;
			for (int i = 0; i < pad; i++)
				value[n++] = 'x';
			while (n + 4 < sizeof value - 1)
				n += (size_t)snprintf(value + n, sizeof value - n, "%s", seqs[s]);
			char buf[2048];
			struct sb out, back;
			sb_init(&out, buf, sizeof buf, 1 << 20);
			ical_line(&out, "DESCRIPTION", value, n);
			CHECK_EQ_INT(bad_lines(sb_str(&out), sb_len(&out)), 0);
			/* Every physical line is valid UTF-8 on its own. */
			const char *p = sb_str(&out);
			for (const char *e; (e = strstr(p, "\r\n")); p = e + 2)
				CHECK(utf8_valid(p, (size_t)(e - p)));
			char tmp[1];
			sb_init(&back, tmp, sizeof tmp, 1 << 20);
			unfold(sb_str(&out), &back);
			CHECK(sb_len(&back) == 12 + n + 2 && memcmp(sb_str(&back) + 12, value, n) == 0);
			sb_free(&out);
			sb_free(&back);
		}
	}
}

TEST(ical_escapes_backslash_semicolon_comma_and_line_breaks)
{
	char buf[256];
	struct sb out;
	sb_init(&out, buf, sizeof buf, 4096);
	const char *s = "a\\b;c,d\r\ne\nf\rg\x01h\ti";
	ical_escape(&out, s, strlen(s));
	CHECK_EQ_STR(sb_str(&out), "a\\\\b\\;c\\,d\\ne\\nf\\ngh\ti");
	sb_free(&out);
}

static const char *const LABELS[] = {"promo", "été, soldes"};

static struct ical_event sample(void)
{
	return (struct ical_event){
		.post_id = 42, .variant = "li-acme", .host = "tribu.example.org",
		.updated_ms = 1774700000123, .start_ms = 1774769400000,   /* 2026-03-29T07:30:00Z */
		.channel = "LinkedIn Acme",
		.text = "Lancement de notre nouvelle gamme; rendez-vous demain, à 9h sur le stand B12 "
			"pour une démonstration en avant-première.\nÀ bientôt !",
		.state = ICAL_SCHEDULED, .campaign = "Printemps 2026",
		.labels = LABELS, .n_labels = 2, .sequence = 3,
	};
}

TEST(ical_event_writes_uid_times_summary_status_and_categories)
{
	char buf[4096];
	struct sb out, un;
	sb_init(&out, buf, sizeof buf, 1 << 20);
	struct ical_event e = sample();
	ical_event(&out, &e);
	REQUIRE(!sb_err(&out));
	CHECK_EQ_INT(bad_lines(sb_str(&out), sb_len(&out)), 0);
	char tmp[1];
	sb_init(&un, tmp, sizeof tmp, 1 << 20);
	unfold(sb_str(&out), &un);
	const char *s = sb_str(&un);
	CHECK(strstr(s, "BEGIN:VEVENT\r\nUID:post-42-li-acme@tribu.example.org\r\n") == s);
	CHECK(strstr(s, "\r\nDTSTAMP:20260328T121320Z\r\n"));
	CHECK(strstr(s, "\r\nDTSTART:20260329T073000Z\r\nDURATION:PT15M\r\n"));
	CHECK(strstr(s, "\r\nSUMMARY:[LinkedIn Acme] Lancement de notre nouvelle gamme\\; rendez-vous demain\\, à 9h\xE2\x80\xA6\r\n"));
	CHECK(strstr(s, "\\nÀ bientôt !\\n\\nState: scheduled\r\n"));
	CHECK(strstr(s, "\r\nSTATUS:CONFIRMED\r\n"));
	CHECK(strstr(s, "\r\nCATEGORIES:Printemps 2026,promo,été\\, soldes\r\n"));
	CHECK(strstr(s, "\r\nSEQUENCE:3\r\nEND:VEVENT\r\n"));
	CHECK(!strstr(s, "URL:"));
	sb_free(&un);

	/* Published: URL and the link in the description; canceled: CANCELLED. */
	sb_reset(&out);
	e.state = ICAL_PUBLISHED;
	e.url = "https://www.linkedin.com/feed/update/urn:li:share:7";
	e.end_ms = e.start_ms + 30 * 60000;
	ical_event(&out, &e);
	sb_init(&un, tmp, sizeof tmp, 1 << 20);
	unfold(sb_str(&out), &un);
	s = sb_str(&un);
	CHECK(strstr(s, "\r\nURL:https://www.linkedin.com/feed/update/urn:li:share:7\r\n"));
	CHECK(strstr(s, "State: published\\nhttps://www.linkedin.com/feed/update/urn:li:share:7\r\n"));
	CHECK(strstr(s, "\r\nDTEND:20260329T080000Z\r\n"));
	CHECK(!strstr(s, "DURATION"));
	sb_free(&un);

	sb_reset(&out);
	e.state = ICAL_CANCELED;
	e.url = "javascript: alert(1)";   /* not a URI value: left out */
	ical_event(&out, &e);
	CHECK(strstr(sb_str(&out), "\r\nSTATUS:CANCELLED\r\n"));
	CHECK(!strstr(sb_str(&out), "URL:"));
	sb_free(&out);
}

TEST(ical_summary_of_a_short_text_is_not_cut)
{
	char buf[1024];
	struct sb out;
	sb_init(&out, buf, sizeof buf, 1 << 20);
	struct ical_event e = {.post_id = 1, .variant = "x", .text = "  Bonjour\n\ntout le monde  ", .channel = NULL};
	ical_event(&out, &e);
	CHECK(strstr(sb_str(&out), "\r\nSUMMARY:Bonjour tout le monde\r\n"));
	CHECK(strstr(sb_str(&out), "\r\nUID:post-1-x@tribu\r\n"));
	sb_free(&out);
}

static bool have_python_icalendar(void)
{
	return system("/usr/bin/python3 -c 'import icalendar' >/dev/null 2>&1") == 0;
}

TEST(ical_feed_parses_with_python_icalendar)
{
	if (!have_python_icalendar())
		SKIP("/usr/bin/python3 with the icalendar module (python3-icalendar) is not installed");
	char buf[8192];
	struct sb out;
	sb_init(&out, buf, sizeof buf, 1 << 20);
	ical_begin(&out, "Acme, éditorial; 2026", "Europe/Paris");
	struct ical_event e = sample();
	ical_event(&out, &e);
	e.post_id = 43;
	e.variant = "bsky";
	e.start_ms = 1792893600000;   /* 2026-10-25T02:00:00Z */
	e.text = "Ünïcödé 😀 text long enough to be folded several times: "
		 "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé";
	e.state = ICAL_CANCELED;
	ical_event(&out, &e);
	ical_end(&out);
	REQUIRE(!sb_err(&out));
	CHECK_EQ_INT(bad_lines(sb_str(&out), sb_len(&out)), 0);

	char path[512], cmd[1200];
	snprintf(path, sizeof path, "%s/feed.ics", harness_tmpdir());
	FILE *f = fopen(path, "wb");
	REQUIRE(f);
	fwrite(sb_str(&out), 1, sb_len(&out), f);
	fclose(f);
	snprintf(cmd, sizeof cmd,
		 "/usr/bin/python3 -c 'import sys, icalendar\n"
		 "c = icalendar.Calendar.from_ical(open(sys.argv[1], \"rb\").read())\n"
		 "print(c[\"X-WR-CALNAME\"], c[\"X-WR-TIMEZONE\"], sep=\"|\")\n"
		 "for e in c.walk(\"VEVENT\"):\n"
		 "    print(e[\"UID\"], e.decoded(\"DTSTART\").isoformat(), e[\"STATUS\"], e[\"SUMMARY\"], sep=\"|\")\n"
		 "    print(e[\"DESCRIPTION\"].replace(chr(10), \"/\"))\n"
		 "' %s 2>&1", path);
	FILE *p = popen(cmd, "r");
	REQUIRE(p);
	char got[4096];
	size_t n = fread(got, 1, sizeof got - 1, p);
	got[n] = 0;
	CHECK_EQ_INT(pclose(p), 0);
	char want[2048];
	snprintf(want, sizeof want,
		 "Acme, éditorial; 2026|Europe/Paris\n"
		 "post-42-li-acme@tribu.example.org|2026-03-29T07:30:00+00:00|CONFIRMED|"
		 "[LinkedIn Acme] Lancement de notre nouvelle gamme; rendez-vous demain, à 9h…\n"
		 "%s\n"
		 "post-43-bsky@tribu.example.org|2026-10-25T02:00:00+00:00|CANCELLED|"
		 "[LinkedIn Acme] Ünïcödé 😀 text long enough to be folded several times:…\n"
		 "%s\n",
		 "Lancement de notre nouvelle gamme; rendez-vous demain, à 9h sur le stand B12 "
		 "pour une démonstration en avant-première./À bientôt !//State: scheduled",
		 "Ünïcödé 😀 text long enough to be folded several times: "
		 "éééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééééé//State: canceled");
	CHECK_EQ_STR(got, want);
	sb_free(&out);
}

TEST(ical_folding_ends_even_on_bytes_that_are_not_utf8)
{
	char value[200], buf[512];
	memset(value, 0x80, sizeof value);
	struct sb out;
	sb_init(&out, buf, sizeof buf, 1 << 20);
	ical_line(&out, "X", value, sizeof value);
	REQUIRE(!sb_err(&out));
	const char *p = sb_str(&out);
	for (const char *e; (e = strstr(p, "\r\n")); p = e + 2)
		CHECK(e - p <= 75);
	char tmp[1];
	struct sb back;
	sb_init(&back, tmp, sizeof tmp, 1 << 20);
	unfold(sb_str(&out), &back);
	CHECK(sb_len(&back) == 2 + sizeof value + 2 && memcmp(sb_str(&back) + 2, value, sizeof value) == 0);
	sb_free(&back);
	sb_free(&out);
}
