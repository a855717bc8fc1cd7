/* test_csv.c - the CSV reader (separators, quotes, lines, limits, errors)
 * and the writer (quoting, formula guard, round trip). */
#include "harness.h"

#include "core/arena.h"
#include "core/csv.h"
#include "core/err.h"

static const struct csv_limits LIM = {.max_field = 1024, .max_fields = 32, .max_records = 100};

/* Reads every record of `s` into a flat "a|b\n" dump for comparison; the
 * first error stops and is dumped as "!<line>:<reason>". */
static void dump(const char *s, size_t len, char sep, const struct csv_limits *lim, char *out, size_t outsz)
{
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	struct csv_reader r;
	struct csv_record rec;
	size_t o = 0;
	out[0] = 0;
	if (csv_open(&r, s, len, sep, lim ? lim : &LIM)) {
		snprintf(out, outsz, "open failed");
		arena_free(&a);
		return;
	}
	int rc;
	while ((rc = csv_next(&r, &a, &rec)) != ERR_NOTFOUND) {
		if (rc) {
			o += (size_t)snprintf(out + o, outsz - o, "!%zu:%s\n", r.err_line, r.err);
			if (o >= outsz)
				break;
			continue;
		}
		o += (size_t)snprintf(out + o, outsz - o, "%zu:", rec.line);
		for (size_t i = 0; i < rec.n && o < outsz; i++)
			o += (size_t)snprintf(out + o, outsz - o, "%s%s", i ? "|" : "", rec.f[i].p);
		if (o < outsz)
			o += (size_t)snprintf(out + o, outsz - o, "\n");
		if (o >= outsz)
			break;
	}
	arena_free(&a);
}

#define DUMP(s, sep, lim) (dump((s), sizeof(s) - 1, (sep), (lim), got, sizeof got), got)

TEST(csv_reads_comma_separated_records_with_lf_and_crlf)
{
	char got[512];
	CHECK_EQ_STR(DUMP("a,b,c\n1,2,3\r\n4,,6", 0, NULL), "1:a|b|c\n2:1|2|3\n3:4||6\n");
}

TEST(csv_detects_semicolon_from_the_header_line)
{
	char got[512];
	CHECK_EQ_STR(DUMP("date;texte\n2026-03-01;un, deux\n", 0, NULL), "1:date|texte\n2:2026-03-01|un, deux\n");
	/* A ';' inside quotes of the header does not count. */
	CHECK_EQ_STR(DUMP("\"a;b;c\",d\n1,2\n", 0, NULL), "1:a;b;c|d\n2:1|2\n");
	/* Forced separator wins over detection. */
	CHECK_EQ_STR(DUMP("a;b,c\n", ',', NULL), "1:a;b|c\n");
}

TEST(csv_skips_a_utf8_bom)
{
	char got[512];
	CHECK_EQ_STR(DUMP("\xEF\xBB\xBFnom;r\xC3\xA9seau\n", 0, NULL), "1:nom|r\xC3\xA9seau\n");
}

TEST(csv_unquotes_fields_with_doubled_quotes_and_line_breaks)
{
	char got[512];
	CHECK_EQ_STR(DUMP("id,text\n1,\"He said \"\"hi\"\"\r\nthen left\"\n2,\"x,y\"\n", 0, NULL),
		     "1:id|text\n2:1|He said \"hi\"\nthen left\n4:2|x,y\n");
	CHECK_EQ_STR(DUMP("\"\",\"\"\"\"\n", 0, NULL), "1:|\"\n");
}

TEST(csv_counts_physical_lines_across_quoted_breaks_and_blank_lines)
{
	char got[512];
	CHECK_EQ_STR(DUMP("a\n\n\"x\ny\nz\"\r\n\r\nb\rc\n", 0, NULL), "1:a\n3:x\ny\nz\n7:b\n8:c\n");
}

TEST(csv_keeps_a_quote_inside_an_unquoted_field)
{
	char got[512];
	CHECK_EQ_STR(DUMP("5\" disk,ok\n", 0, NULL), "1:5\" disk|ok\n");
}

TEST(csv_refuses_unterminated_quote_at_the_line_where_it_opened)
{
	char got[512];
	CHECK_EQ_STR(DUMP("a,b\n1,2\n3,\"open\nmore\nmore\n", 0, NULL),
		     "1:a|b\n2:1|2\n!3:unterminated quoted field\n");
}

TEST(csv_refuses_invalid_utf8_with_its_line_and_goes_on)
{
	char got[512];
	CHECK_EQ_STR(DUMP("a,b\n1,\"x\ny\xC3(\"\n2,ok\n", 0, NULL),
		     "1:a|b\n!3:invalid UTF-8\n4:2|ok\n");
	CHECK_EQ_STR(DUMP("\xED\xA0\x80\n", 0, NULL), "!1:invalid UTF-8\n");   /* a surrogate */
}

TEST(csv_refuses_text_after_a_closing_quote)
{
	char got[512];
	CHECK_EQ_STR(DUMP("\"ab\"c,d\ne,f\n", 0, NULL), "!1:character after a closing quote\n2:e|f\n");
}

TEST(csv_enforces_field_fields_and_record_limits_with_line_numbers)
{
	char got[512];
	struct csv_limits lim = {.max_field = 3, .max_fields = 2, .max_records = 3};
	CHECK_EQ_STR(DUMP("abc,d\nabcd,e\n\"a\"\"bc\"\n1,2,3\nx\n", 0, &lim),
		     "1:abc|d\n!2:field longer than 3 bytes\n!3:field longer than 3 bytes\n!4:more than 3 records\n");
	lim.max_records = 10;
	CHECK_EQ_STR(DUMP("1,2,3\n4,5\n", 0, &lim), "!1:more than 2 fields\n2:4|5\n");
}

TEST(csv_open_refuses_an_unknown_separator)
{
	struct csv_reader r;
	CHECK_EQ_INT(csv_open(&r, "a", 1, '\t', &LIM), ERR_INVAL);
	CHECK_EQ_INT(csv_open(&r, "a", 1, ';', NULL), ERR_INVAL);
}

TEST(csv_reads_an_empty_input_as_no_records)
{
	char got[512];
	CHECK_EQ_STR(DUMP("", 0, NULL), "");
	CHECK_EQ_STR(DUMP("\xEF\xBB\xBF\r\n", 0, NULL), "");
}

TEST(csv_writer_quotes_only_when_needed)
{
	char buf[256];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	struct csv_writer w;
	csv_w_init(&w, &sb, ',');
	csv_w_str(&w, "plain");
	csv_w_str(&w, "a,b");
	csv_w_str(&w, "say \"hi\"");
	csv_w_str(&w, "two\nlines");
	csv_w_str(&w, " padded");
	csv_w_str(&w, "a;b");
	csv_w_str(&w, NULL);
	csv_w_end(&w);
	CHECK(!sb_err(&sb));
	CHECK_EQ_STR(sb_str(&sb), "plain,\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\" padded\",a;b,\r\n");
	sb_free(&sb);
}

TEST(csv_writer_defuses_formula_injection_but_not_numbers)
{
	char buf[256];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	struct csv_writer w;
	csv_w_init(&w, &sb, ';');
	csv_w_str(&w, "=HYPERLINK(\"http://x\")");
	csv_w_str(&w, "+1");
	csv_w_str(&w, "-2");
	csv_w_str(&w, "@SUM(A1)");
	csv_w_str(&w, "\t=1");
	csv_w_str(&w, "a=b");
	csv_w_int(&w, -5);
	csv_w_end(&w);
	CHECK_EQ_STR(sb_str(&sb), "\"'=HYPERLINK(\"\"http://x\"\")\";'+1;'-2;'@SUM(A1);'\t=1;a=b;-5\r\n");
	sb_free(&sb);
}

TEST(csv_written_records_read_back_identical)
{
	const char *vals[] = {"x", "a;b", "q\"q", "multi\nline", "", " sp ", "caf\xC3\xA9"};
	size_t nv = sizeof vals / sizeof vals[0];
	char buf[512];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	struct csv_writer w;
	csv_w_init(&w, &sb, ';');
	for (size_t i = 0; i < nv; i++)
		csv_w_str(&w, vals[i]);
	csv_w_end(&w);
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	struct csv_reader r;
	struct csv_record rec;
	REQUIRE(csv_open(&r, sb_str(&sb), sb_len(&sb), 0, &LIM) == ERR_OK);
	CHECK_EQ_INT(r.sep, ';');
	REQUIRE(csv_next(&r, &a, &rec) == ERR_OK);
	REQUIRE(rec.n == nv);
	for (size_t i = 0; i < nv; i++)
		CHECK_EQ_STR(rec.f[i].p, vals[i]);
	CHECK_EQ_INT(csv_next(&r, &a, &rec), ERR_NOTFOUND);
	arena_free(&a);
	sb_free(&sb);
}

/* Random inputs from the characters that matter: the reader always ends,
 * every record it returns is valid UTF-8 within the limits, every error names
 * a line inside the input. A cheap stand-in for the fuzz target. */
TEST(csv_reader_survives_random_input)
{
	static const char alphabet[] = {'"', ',', ';', '\r', '\n', 'a', ' ', '\xC3', '\xA9', '\xFF'};
	unsigned seed = 12345;
	struct csv_limits lim = {.max_field = 8, .max_fields = 4, .max_records = 20};
	for (int iter = 0; iter < 3000; iter++) {
		char in[64];
		size_t len = (seed = seed * 1103515245 + 12345) >> 16 & 63, lines = 1;
		for (size_t i = 0; i < len; i++)
			in[i] = alphabet[((seed = seed * 1103515245 + 12345) >> 16) % sizeof alphabet];
		for (size_t i = 0; i < len; i++)
			lines += in[i] == '\n' || (in[i] == '\r' && (i + 1 == len || in[i + 1] != '\n'));
		struct arena a;
		arena_init(&a, NULL, 0, 1 << 20);
		struct csv_reader r;
		struct csv_record rec;
		REQUIRE(csv_open(&r, in, len, 0, &lim) == ERR_OK);
		int rc, calls = 0;
		while ((rc = csv_next(&r, &a, &rec)) != ERR_NOTFOUND && ++calls < 100) {
			if (rc) {
				CHECK(r.err_line >= 1 && r.err_line <= lines);
				continue;
			}
			CHECK(rec.n >= 1 && rec.n <= lim.max_fields);
			for (size_t i = 0; i < rec.n; i++)
				CHECK(rec.f[i].len <= lim.max_field && utf8_valid(rec.f[i].p, rec.f[i].len) &&
				      rec.f[i].p[rec.f[i].len] == '\0');
		}
		CHECK(calls < 100);
		arena_free(&a);
	}
}
