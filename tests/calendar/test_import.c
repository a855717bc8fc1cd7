/* test_import.c - the bulk-import CSV parser: an Excel (French) export,
 * column names in English and French, date and time forms, DST, and every
 * problem of a file collected with its line. */
#include "harness.h"

#include <time.h>

#include "calendar/calendar.h"
#include "core/arena.h"
#include "core/err.h"

static int64_t utc(int y, int mo, int d, int h, int mi, int s)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi, .tm_sec = s};
	return (int64_t)timegm(&tm) * 1000;
}

static const struct import_limits LIM = {.max_rows = 5000};

static int run(struct arena *a, const char *csv, size_t len, const struct import_limits *lim,
	       struct import_result *res)
{
	arena_init(a, NULL, 0, 8 << 20);
	return import_csv(a, csv, len, "Europe/Paris", lim ? lim : &LIM, res);
}
#define RUN(a, csv, res) run((a), (csv), sizeof(csv) - 1, NULL, (res))

/* "line:column:message" of problem i, for comparisons. */
static const char *prob(const struct import_result *r, size_t i)
{
	static char buf[400];
	if (i >= r->n_problems)
		return "(none)";
	const struct import_problem *p = &r->problems[i];
	snprintf(buf, sizeof buf, "%zu:%s:%s", p->line, p->column ? p->column : "-", p->message);
	return buf;
}

/* As Excel (French locale) saves "CSV UTF-8 (délimité par des points-virgules)":
 * BOM, ';', CRLF, dates as DD/MM/YYYY, a cell with line breaks (Alt+Enter,
 * LF inside the cell) quoted, quotes doubled, trailing empty rows. */
static const char EXCEL_FR[] =
	"\xEF\xBB\xBF" "Date;Heure;R\xC3\xA9seau;Texte;Lien;M\xC3\xA9" "dia;Premier commentaire;Notes\r\n"
	"30/03/2026;09:00;LinkedIn Acme;Lancement du \"\"Printemps\"\";https://acme.fr/p;;;interne\r\n"
	"31/03/2026;14h30;Bluesky;\"Ligne 1 ; avec \"\"guillemets\"\"\n"
	"Ligne 2\n\nLigne 4\";;https://acme.fr/i.jpg;Premier !;\r\n"
	"01/04/2026;;Mastodon;Sans heure : file d'attente;;;;\r\n"
	";;;;;;;\r\n"
	";;;;;;;\r\n";

TEST(import_reads_an_excel_fr_export)
{
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, EXCEL_FR, &r) == ERR_OK);
	CHECK_EQ_INT(r.sep, ';');
	CHECK_EQ_STR(prob(&r, 0), "(none)");
	REQUIRE(r.n_rows == 3);

	CHECK_EQ_INT(r.rows[0].line, 2);
	CHECK(r.rows[0].ok && !r.rows[0].queue);
	CHECK_EQ_INT(r.rows[0].at_ms, utc(2026, 3, 30, 7, 0, 0));   /* CEST */
	CHECK_EQ_STR(r.rows[0].channel, "LinkedIn Acme");
	/* An unquoted field keeps its "" as written (RFC 4180 has no escape there). */
	CHECK_EQ_STR(r.rows[0].text, "Lancement du \"\"Printemps\"\"");
	CHECK_EQ_STR(r.rows[0].link, "https://acme.fr/p");
	CHECK_EQ_INT(r.rows[0].n_media, 0);

	CHECK_EQ_INT(r.rows[1].line, 3);
	CHECK(r.rows[1].ok);
	CHECK_EQ_INT(r.rows[1].at_ms, utc(2026, 3, 31, 12, 30, 0));
	CHECK_EQ_STR(r.rows[1].text, "Ligne 1 ; avec \"guillemets\"\nLigne 2\n\nLigne 4");
	REQUIRE(r.rows[1].n_media == 1);
	CHECK_EQ_STR(r.rows[1].media[0], "https://acme.fr/i.jpg");
	CHECK_EQ_STR(r.rows[1].alt[0], "");
	CHECK_EQ_STR(r.rows[1].first_comment, "Premier !");

	CHECK_EQ_INT(r.rows[2].line, 7);
	CHECK(r.rows[2].ok && r.rows[2].queue);
	CHECK_EQ_INT(r.rows[2].year * 10000 + r.rows[2].month * 100 + r.rows[2].day, 20260401);
	CHECK_EQ_INT(r.rows[2].at_ms, utc(2026, 3, 31, 22, 0, 0));   /* local midnight */
	arena_free(&a);
}

TEST(import_accepts_english_headers_and_every_date_and_time_form)
{
	static const char csv[] =
		"DATE,Time,Channel,Message,URL,Image_URL,First Comment\n"
		"2026-06-01,09:30,x,a,,,\n"
		"2026-06-01 09:30,,x,b,,,\n"
		"01/06/2026T9h,,x,c,,,\n"
		"2026-06-01,9h05,x,d,,,\n"
		"2026-6-1,09:30:15,x,e,,,\n"
		"2026-06-01,10H,x,f,,,\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	CHECK_EQ_INT(r.sep, ',');
	CHECK_EQ_STR(prob(&r, 0), "(none)");
	REQUIRE(r.n_rows == 6);
	CHECK_EQ_INT(r.rows[0].at_ms, utc(2026, 6, 1, 7, 30, 0));
	CHECK_EQ_INT(r.rows[1].at_ms, utc(2026, 6, 1, 7, 30, 0));
	CHECK_EQ_INT(r.rows[2].at_ms, utc(2026, 6, 1, 7, 0, 0));
	CHECK_EQ_INT(r.rows[3].at_ms, utc(2026, 6, 1, 7, 5, 0));
	CHECK_EQ_INT(r.rows[4].at_ms, utc(2026, 6, 1, 7, 30, 15));
	CHECK_EQ_INT(r.rows[5].at_ms, utc(2026, 6, 1, 8, 0, 0));
	arena_free(&a);
}

TEST(import_matches_headers_without_case_or_accents_and_ignores_others)
{
	static const char csv[] =
		"Id;JOUR;HEURE;R\xC3\x89SEAU;Contenu;M\xC3\xA9" "dia_URL;premier-commentaire;Lien\n"
		"7;2026-06-02;08:00;ig;hello;https://x.fr/m.png;first;http://x.fr\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	CHECK_EQ_STR(prob(&r, 0), "(none)");
	REQUIRE(r.n_rows == 1);
	CHECK_EQ_STR(r.rows[0].channel, "ig");
	CHECK_EQ_STR(r.rows[0].text, "hello");
	REQUIRE(r.rows[0].n_media == 1);
	CHECK_EQ_STR(r.rows[0].media[0], "https://x.fr/m.png");
	CHECK_EQ_STR(r.rows[0].first_comment, "first");
	CHECK_EQ_STR(r.rows[0].link, "http://x.fr");
	arena_free(&a);
}

TEST(import_reads_several_images_with_their_alt_texts)
{
	static const char csv[] =
		"date;canal;texte;images;texte alternatif\n"
		"2026-06-02 08:00;x;two;https://a.fr/1.jpg | https://b.fr/2.png;Un chat | Le m\xC3\xAAme, de dos\n"
		"2026-06-02 09:00;x;one, no alt;https://a.fr/1.jpg;\n"
		"2026-06-02 10:00;x;five;http://a/1 http://a/2|http://a/3 http://a/4 http://a/5;\n"
		"2026-06-02 11:00;x;alts;http://a/1;a|b\n"
		"2026-06-02 12:00;x;bad;http://a/1 javascript:x;\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	REQUIRE(r.n_rows == 5);
	REQUIRE(r.rows[0].n_media == 2);
	CHECK_EQ_STR(r.rows[0].media[0], "https://a.fr/1.jpg");
	CHECK_EQ_STR(r.rows[0].media[1], "https://b.fr/2.png");
	CHECK_EQ_STR(r.rows[0].alt[0], "Un chat");
	CHECK_EQ_STR(r.rows[0].alt[1], "Le m\xC3\xAAme, de dos");
	CHECK(r.rows[0].ok && r.rows[1].ok);
	REQUIRE(r.rows[1].n_media == 1);
	CHECK_EQ_STR(r.rows[1].alt[0], "");
	CHECK_EQ_INT(r.n_problems, 3);
	CHECK_EQ_STR(prob(&r, 0), "4:media_url:more than 4 images");
	CHECK_EQ_STR(prob(&r, 1), "5:alt:more alt texts than images");
	CHECK_EQ_STR(prob(&r, 2), "6:media_url:\"javascript:x\" is not an http(s) URL");
	arena_free(&a);
}

TEST(import_reports_every_missing_or_doubled_column)
{
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, "texte;lien;url\nx;y;z\n", &r) == ERR_OK);
	CHECK_EQ_INT(r.n_rows, 0);
	CHECK_EQ_INT(r.n_problems, 3);
	CHECK_EQ_STR(prob(&r, 0), "1:link:two columns mean link: \"lien\" and \"url\"");
	CHECK_EQ_STR(prob(&r, 1), "1:date:missing column \"date\"");
	CHECK_EQ_STR(prob(&r, 2), "1:channel:missing column \"channel\"");
	arena_free(&a);
}

TEST(import_refuses_a_time_in_the_skipped_hour_and_takes_the_first_of_a_repeated_one)
{
	static const char csv[] =
		"date;heure;canal;texte\n"
		"29/03/2026;02:30;x;spring\n"
		"2026-10-25;02:30;x;fall\n"
		"2026-03-29 2h15;;x;spring in the date column\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	REQUIRE(r.n_rows == 3);
	CHECK_EQ_INT(r.n_problems, 2);
	CHECK_EQ_STR(prob(&r, 0), "2:time:02:30 does not exist on 2026-03-29 in Europe/Paris (clocks go forward)");
	CHECK_EQ_STR(prob(&r, 1), "4:date:02:15 does not exist on 2026-03-29 in Europe/Paris (clocks go forward)");
	CHECK(!r.rows[0].ok && r.rows[0].at_ms == 0);
	CHECK(r.rows[1].ok);
	CHECK_EQ_INT(r.rows[1].at_ms, utc(2026, 10, 25, 0, 30, 0));   /* 02:30 CEST, not CET */
	arena_free(&a);
}

TEST(import_collects_all_problems_of_all_lines)
{
	static const char csv[] =
		"date,time,channel,text,link,media_url\n"
		"2026-02-30,09:00,x,bad date,,\n"
		"2026-06-01,25:00,x,bad time,,\n"
		"2026-06-01,09:00,,,ftp://x,\n"
		"2026-06-01 09:00,10:00,x,twice,,\n"
		"2026-06-01,09:00,x,good,https://ok.fr/a,\n"
		",,x,no date,,not a url\n"
		"2026-06-01,09:00,x,Hello, world,,,https://x.fr/i.png\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	REQUIRE(r.n_rows == 7);
	const char *want[] = {
		"2:date:\"2026-02-30\" is not a date (YYYY-MM-DD or DD/MM/YYYY)",
		"3:time:\"25:00\" is not a time (HH:MM, HH:MM:SS or 9h30)",
		"4:channel:missing channel",
		"4:text:missing text",
		"4:link:not an http(s) URL",
		"5:time:the time is given twice, in the date and time columns",
		"7:date:missing date",
		"7:media_url:\"not\" is not an http(s) URL",
		"8:-:8 fields but the header has 6 (a separator in an unquoted text?)",
		"8:link:not an http(s) URL",   /* " world" shifted into it */
	};
	CHECK_EQ_INT(r.n_problems, sizeof want / sizeof want[0]);
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
		CHECK_EQ_STR(prob(&r, i), want[i]);
	for (size_t i = 0; i < r.n_rows; i++)
		CHECK_EQ_INT(r.rows[i].ok, i == 4);
	arena_free(&a);
}

TEST(import_bounds_text_length_in_characters)
{
	static const char csv[] = "date,channel,text,first_comment\n"
				  "2026-06-01,x,\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9,abcdef\n"
				  "2026-06-01,x,\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9,ok\n";
	struct import_limits lim = {.max_rows = 10, .max_text = 5};
	struct arena a;
	struct import_result r;
	REQUIRE(run(&a, csv, sizeof csv - 1, &lim, &r) == ERR_OK);
	CHECK_EQ_INT(r.n_problems, 2);
	CHECK_EQ_STR(prob(&r, 0), "2:first_comment:longer than 5 characters (6)");
	CHECK_EQ_STR(prob(&r, 1), "3:text:longer than 5 characters (6)");
	arena_free(&a);
}

TEST(import_reports_csv_errors_by_line_and_goes_on)
{
	static const char csv[] = "date;canal;texte\n"
				  "2026-06-01;x;caf\xC3\n"
				  "2026-06-01;x;ok\n"
				  "2026-06-01;x;\"never closed\n"
				  "2026-06-01;x;lost\n";
	struct arena a;
	struct import_result r;
	REQUIRE(RUN(&a, csv, &r) == ERR_OK);
	CHECK_EQ_INT(r.n_rows, 1);
	CHECK_EQ_INT(r.rows[0].line, 3);
	CHECK_EQ_INT(r.n_problems, 2);
	CHECK_EQ_STR(prob(&r, 0), "2:-:invalid UTF-8");
	CHECK_EQ_STR(prob(&r, 1), "4:-:unterminated quoted field");
	arena_free(&a);
}

TEST(import_stops_past_the_row_limit_and_skips_empty_rows)
{
	static const char csv[] = "date,channel,text\n"
				  "2026-06-01,x,1\n"
				  ",,\n"
				  "2026-06-01,x,2\n"
				  "2026-06-01,x,3\n"
				  "2026-06-01,x,4\n";
	struct import_limits lim = {.max_rows = 2};
	struct arena a;
	struct import_result r;
	REQUIRE(run(&a, csv, sizeof csv - 1, &lim, &r) == ERR_OK);
	CHECK_EQ_INT(r.n_rows, 2);
	CHECK_EQ_INT(r.n_problems, 1);
	CHECK_EQ_STR(prob(&r, 0), "5:-:more than 2 rows: split the file");
	arena_free(&a);
}

TEST(import_reports_an_empty_file_and_a_bad_zone)
{
	struct arena a;
	struct import_result r;
	REQUIRE(run(&a, "\xEF\xBB\xBF", 3, NULL, &r) == ERR_OK);
	CHECK_EQ_STR(prob(&r, 0), "0:-:the file is empty");
	arena_free(&a);
	arena_init(&a, NULL, 0, 0);
	CHECK_EQ_INT(import_csv(&a, "date", 4, "Nowhere/City", &LIM, &r), ERR_NOTFOUND);
	arena_free(&a);
}

/* Random files over the characters that matter end with every problem
 * inside the file and every row accounted for (ASan build: no overrun). */
TEST(import_survives_random_files)
{
	static const char *const parts[] = {
		"date;heure;canal;texte;lien\n", ";", ",", "\"", "\n", "\r\n", "2026-03-29", "02:30",
		"9h", "x", "\xC3\xA9", "\xFF", "https://a.fr", " ", "31/12/2026",
	};
	unsigned seed = 99;
	for (int iter = 0; iter < 500; iter++) {
		char in[512];
		size_t len = 0;
		len += (size_t)snprintf(in, sizeof in, "%s", parts[0]);
		int n = (int)((seed = seed * 1103515245 + 12345) >> 16) % 60;
		for (int i = 0; i < n; i++) {
			const char *p = parts[((seed = seed * 1103515245 + 12345) >> 16) % (sizeof parts / sizeof parts[0])];
			size_t l = strlen(p);
			if (len + l >= sizeof in)
				break;
			memcpy(in + len, p, l);
			len += l;
		}
		struct arena a;
		struct import_result r;
		struct import_limits lim = {.max_rows = 5, .max_text = 20};
		REQUIRE(run(&a, in, len, &lim, &r) == ERR_OK);
		CHECK(r.n_rows <= 5);
		for (size_t i = 0; i < r.n_problems; i++)
			CHECK(r.problems[i].line <= 60 && r.problems[i].message[0]);
		for (size_t i = 0; i < r.n_rows; i++)
			if (r.rows[i].ok)
				CHECK(r.rows[i].at_ms > 0 && r.rows[i].channel[0] && r.rows[i].text[0]);
		arena_free(&a);
	}
}
