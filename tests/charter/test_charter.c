/* test_charter.c - src/charter: parsing and canonical rules, merging, every
 * rule on both sides of its limit, French and English messages, matching
 * without case or accents and with elision, emoji counting, UTM tagging and
 * the time rules across a DST change in Europe/Paris. */
#include "harness.h"

#include <jansson.h>
#include <time.h>

#include "charter/charter.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/jw.h"
#include "core/sb.h"
#include "core/str.h"

#define NBSP "\xc2\xa0"

static struct arena A;

/* CHECK_EQ_STR for long strings: prints both whole. */
#define SAME(a, b) same((a), (b), __FILE__, __LINE__)
static void same(const char *got, const char *want, const char *file, int line)
{
	if (got && want && !strcmp(got, want))
		return;
	fprintf(stderr, "    got:  %s\n    want: %s\n", got ? got : "(null)", want ? want : "(null)");
	harness_fail(file, line, "strings differ");
}

static void begin(void)
{
	arena_init(&A, NULL, 0, 64u << 20);
}

static void end(void)
{
	arena_free(&A);
}

/* The rules of `json`, which must parse. */
static const struct charter *rules(const char *json)
{
	json_error_t je;
	json_t *j = json_loads(json, 0, &je);
	struct charter *c = NULL;
	const char *field;
	char msg[160];
	CHECK(j != NULL);
	int rc = charter_parse(j, 0, &A, &c, &field, msg, sizeof msg);
	if (rc)
		fprintf(stderr, "    %s: %s: %s\n", json, field, msg);
	CHECK_EQ_INT(rc, ERR_OK);
	json_decref(j);
	return c;
}

/* The field charter_parse names for `json`, which must not parse ("OK"
 * when it does). */
static const char *refused(const char *json, int64_t net_max)
{
	json_t *j = json_loads(json, 0, NULL);
	struct charter *c = NULL;
	const char *field = NULL;
	char msg[160] = "";
	if (!j)
		return "(bad test JSON)";
	int rc = charter_parse(j, net_max, &A, &c, &field, msg, sizeof msg);
	json_decref(j);
	if (!rc)
		return "OK";
	CHECK_EQ_INT(rc, ERR_INVAL);
	CHECK(msg[0] != 0);
	CHECK(c == NULL);
	return field;
}

static struct charter_draft draft(const char *text, const char *lang)
{
	return (struct charter_draft){.text = text, .lang = lang};
}

static struct charter_finding *check(const struct charter *c, const struct charter_draft *d,
                                     size_t *n)
{
	struct charter_finding *f = NULL;
	*n = 0;
	int rc = charter_check(c, d, &A, &f, n);
	CHECK_EQ_INT(rc, ERR_OK);
	return f;
}

/* Code-point index of the first `sub` in `s` (the test's own arithmetic). */
static int at(const char *s, const char *sub)
{
	const char *p = strstr(s, sub);
	if (!p)
		return -100;
	return (int)utf8_count(s, (size_t)(p - s));
}

static int len_of(const char *sub)
{
	return (int)utf8_count(sub, strlen(sub));
}

static int64_t utc_ms(int y, int mo, int d, int h, int mi)
{
	struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h, .tm_min = mi};
	return (int64_t)timegm(&tm) * 1000;
}

/* ---- parsing ---------------------------------------------------------- */

TEST(charter_parse_refuses_an_unknown_key_and_names_it)
{
	begin();
	SAME(refused("{\"max_length\": 10, \"max_hashtag\": 3}", 0), "max_hashtag");
	SAME(refused("[]", 0), "");
	end();
}

TEST(charter_parse_refuses_wrong_types_and_values_naming_the_field)
{
	static const struct { const char *json, *field; } cases[] = {
		{"{\"max_length\": \"240\"}", "max_length"},
		{"{\"max_length\": 0}", "max_length"},
		{"{\"max_length\": 2.5}", "max_length"},
		{"{\"max_hashtags\": -1}", "max_hashtags"},
		{"{\"max_mentions\": true}", "max_mentions"},
		{"{\"max_emojis\": 1001}", "max_emojis"},
		{"{\"max_links\": [1]}", "max_links"},
		{"{\"min_gap_minutes\": 0}", "min_gap_minutes"},
		{"{\"max_per_day\": 0}", "max_per_day"},
		{"{\"alt_text_required\": 1}", "alt_text_required"},
		{"{\"utm_required\": \"yes\"}", "utm_required"},
		{"{\"required\": \"#MaMarque\"}", "required"},
		{"{\"forbidden\": [\"ok\", 3]}", "forbidden[1]"},
		{"{\"tone\": [\"mdr\", \"  \"]}", "tone[1]"},
		{"{\"forbidden\": [\"!!!\"]}", "forbidden[0]"},
		{"{\"forbidden\": [\"https://example.com\"]}", "forbidden[0]"},
		{"{\"forbidden\": [\"prix, cassé\"]}", "forbidden[0]"},
		{"{\"forbidden\": [\"a\\u0001b\"]}", "forbidden[0]"},
		{"{\"days\": \"mon\"}", "days"},
		{"{\"days\": []}", "days"},
		{"{\"days\": [\"mon\", \"lundi\"]}", "days[1]"},
		{"{\"days\": [\"Mon\"]}", "days[0]"},
		{"{\"hours\": \"08:00-20:00\"}", "hours"},
		{"{\"hours\": {\"from\": \"8:00\", \"to\": \"20:00\"}}", "hours.from"},
		{"{\"hours\": {\"from\": \"08:00\", \"to\": \"24:01\"}}", "hours.to"},
		{"{\"hours\": {\"from\": \"08:00\"}}", "hours.to"},
		{"{\"hours\": {\"to\": \"08:00\"}}", "hours.from"},
		{"{\"hours\": {\"from\": \"20:00\", \"to\": \"08:00\"}}", "hours.to"},
		{"{\"hours\": {\"from\": \"08:00\", \"to\": \"08:00\"}}", "hours.to"},
		{"{\"hours\": {\"from\": \"08:00\", \"to\": \"20:00\", \"tz\": \"UTC\"}}", "hours.tz"},
		{"{\"severity\": {\"max_emoji\": \"warning\"}}", "severity.max_emoji"},
		{"{\"severity\": {\"tone\": \"info\"}}", "severity.tone"},
		{"{\"severity\": {\"severity\": \"error\"}}", "severity.severity"},
		{"{\"severity\": [\"tone\"]}", "severity"},
	};
	begin();
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		const char *f = refused(cases[i].json, 0);
		if (!f || strcmp(f, cases[i].field))
			fprintf(stderr, "    %s -> %s\n", cases[i].json, f ? f : "(null)");
		SAME(f, cases[i].field);
	}
	end();
}

TEST(charter_parse_accepts_hours_up_to_midnight_and_a_full_list)
{
	begin();
	SAME(refused("{\"hours\": {\"from\": \"00:00\", \"to\": \"24:00\"}}", 0), "OK");
	SAME(refused("{\"hours\": {\"from\": \"24:00\", \"to\": \"24:00\"}}", 0), "hours.from");
	SAME(refused("{}", 0), "OK");
	end();
}

TEST(charter_parse_bounds_max_length_by_the_network_maximum)
{
	begin();
	SAME(refused("{\"max_length\": 300}", 300), "OK");
	SAME(refused("{\"max_length\": 301}", 300), "max_length");
	SAME(refused("{\"max_length\": 5000}", 0), "OK");
	end();
}

TEST(charter_json_is_canonical)
{
	begin();
	const struct charter *c = rules(
		"{\"severity\": {\"tone\": \"error\"}, \"tone\": [\"  mdr \", \"MDR\", \"ptdr\"],"
		" \"days\": [\"sun\", \"mon\", \"mon\", \"fri\"], \"hours\": {\"to\": \"20:00\","
		" \"from\": \"08:00\"}, \"forbidden\": [\"prix \\t  cassé\", \"Prix-Casse\","
		" \"e\\u0301te\\u0301\", \"#promo\"], \"max_links\": null, \"max_length\": 240,"
		" \"utm_required\": false}");
	REQUIRE(c);
	SAME(charter_json(c, &A),
	             "{\"max_length\":240,\"forbidden\":[\"prix cassé\",\"été\",\"#promo\"],"
	             "\"max_links\":null,\"utm_required\":false,\"days\":[\"mon\",\"fri\",\"sun\"],"
	             "\"hours\":{\"from\":\"08:00\",\"to\":\"20:00\"},\"tone\":[\"mdr\",\"ptdr\"],"
	             "\"severity\":{\"tone\":\"error\"}}");
	/* Canonical JSON parses back to itself. */
	const struct charter *again = rules(charter_json(c, &A));
	REQUIRE(again);
	SAME(charter_json(again, &A), charter_json(c, &A));
	SAME(charter_json(NULL, &A), "{}");
	end();
}

/* ---- merging ---------------------------------------------------------- */

TEST(charter_merge_lets_the_channel_replace_keys_and_lift_rules)
{
	begin();
	const struct charter *ws = rules("{\"forbidden\": [\"gratuit\", \"promo\"], \"max_links\": 1,"
	                                 " \"max_emojis\": 2, \"hours\": {\"from\": \"08:00\", \"to\": \"20:00\"},"
	                                 " \"severity\": {\"max_emojis\": \"warning\", \"tone\": \"error\"}}");
	const struct charter *ch = rules("{\"forbidden\": [\"soldes\"], \"max_links\": null,"
	                                 " \"hours\": {\"from\": \"10:00\", \"to\": \"18:00\"},"
	                                 " \"severity\": {\"max_emojis\": \"error\"}}");
	const struct charter *m = charter_merge(ws, ch, &A);
	REQUIRE(m);
	SAME(charter_json(m, &A),
	             "{\"forbidden\":[\"soldes\"],\"max_emojis\":2,"
	             "\"hours\":{\"from\":\"10:00\",\"to\":\"18:00\"},"
	             "\"severity\":{\"max_emojis\":\"error\",\"tone\":\"error\"}}");
	SAME(charter_json(charter_merge(ws, NULL, &A), &A), charter_json(ws, &A));
	SAME(charter_json(charter_merge(NULL, ch, &A), &A),
	             "{\"forbidden\":[\"soldes\"],\"hours\":{\"from\":\"10:00\",\"to\":\"18:00\"},"
	             "\"severity\":{\"max_emojis\":\"error\"}}");
	SAME(charter_json(charter_merge(NULL, NULL, &A), &A), "{}");

	/* The merged rules are the ones checked: "gratuit" is allowed on the
	 * channel, "soldes" is not, links are unlimited. */
	struct charter_draft d = draft("Soldes gratuit https://a.fr https://b.fr 😀😀😀", "en");
	size_t n;
	struct charter_finding *f = check(m, &d, &n);
	REQUIRE(n == 2);
	SAME(f[0].rule, "forbidden");
	CHECK_EQ_INT(f[0].start, 0);
	SAME(f[1].rule, "max_emojis");
	CHECK_EQ_INT(f[1].severity, CHARTER_ERROR);
	end();
}

/* ---- words ------------------------------------------------------------ */

TEST(forbidden_word_matches_without_case_or_accents_with_its_exact_range)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"gratuit\", \"ete\", \"coeur\"]}");
	const char *text = "C'est GRATUIT cet Été, de tout cœur !";
	struct charter_draft d = draft(text, "en");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 3);
	CHECK_EQ_INT(f[0].start, at(text, "GRATUIT"));
	CHECK_EQ_INT(f[0].end, at(text, "GRATUIT") + 7);
	SAME(f[0].message, "“GRATUIT” is forbidden by the charter.");
	CHECK_EQ_INT(f[1].start, at(text, "Été"));
	CHECK_EQ_INT(f[1].end, at(text, "Été") + 3);
	CHECK_EQ_INT(f[2].start, at(text, "cœur"));
	CHECK_EQ_INT(f[2].end, at(text, "cœur") + 4);
	CHECK_EQ_INT(f[0].severity, CHARTER_ERROR);
	CHECK(charter_blocks(f, n));
	end();
}

TEST(forbidden_word_matches_whole_words_only)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"gratuit\"]}");
	const char *ok[] = {"l'offre gratuite", "gratuitement", "ingratuit", "gratuit2",
	                    "https://example.com/gratuit", "@gratuit merci"};
	for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
		struct charter_draft d = draft(ok[i], "en");
		size_t n;
		check(c, &d, &n);
		if (n)
			fprintf(stderr, "    matched in: %s\n", ok[i]);
		CHECK_EQ_INT(n, 0);
	}
	const char *bad[] = {"gratuit", "(gratuit)", "gratuit!", "«gratuit»", "2€-gratuit"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		struct charter_draft d = draft(bad[i], "en");
		size_t n;
		struct charter_finding *f = check(c, &d, &n);
		CHECK_EQ_INT(n, 1);
		if (n)
			CHECK_EQ_INT(f[0].start, at(bad[i], "gratuit"));
	}
	end();
}

TEST(elision_is_understood_with_straight_and_typographic_apostrophes)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"gratuit\", \"ete\"]}");
	static const struct { const char *text, *word; } cases[] = {
		{"d'gratuit", "gratuit"},
		{"l’gratuit", "gratuit"},
		{"L'Été arrive", "Été"},
		{"L’ÉTÉ arrive", "ÉTÉ"},
		{"jusqu’à l’ete", "ete"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		struct charter_draft d = draft(cases[i].text, "en");
		size_t n;
		struct charter_finding *f = check(c, &d, &n);
		CHECK_EQ_INT(n, 1);
		if (n != 1)
			continue;
		/* The highlight is the word, not the elided article. */
		CHECK_EQ_INT(f[0].start, at(cases[i].text, cases[i].word));
		CHECK_EQ_INT(f[0].end, at(cases[i].text, cases[i].word) + len_of(cases[i].word));
	}
	/* An entry written with its article matches it with either apostrophe. */
	c = rules("{\"forbidden\": [\"l'offre\"]}");
	struct charter_draft d = draft("Voici L’OFFRE", "en");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	CHECK_EQ_INT(f[0].start, 6);
	CHECK_EQ_INT(f[0].end, 13);
	end();
}

TEST(phrases_match_across_spaces_and_hyphens_but_not_punctuation)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"prix cassé\"]}");
	const char *text = "Nos PRIX  Cassé et nos prix-casse, prix\ncassé, prix. Cassé, prix";
	struct charter_draft d = draft(text, "fr");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 3);
	CHECK_EQ_INT(f[0].start, at(text, "PRIX"));
	CHECK_EQ_INT(f[0].end, at(text, "PRIX") + 11);
	CHECK_EQ_INT(f[1].start, at(text, "prix-"));
	CHECK_EQ_INT(f[1].end, at(text, "prix-") + 10);
	CHECK_EQ_INT(f[2].start, at(text, "prix\n"));
	CHECK_EQ_INT(f[2].end, at(text, "prix\n") + 10);
	SAME(f[0].message, "L’expression «" NBSP "PRIX  Cassé" NBSP "» est interdite par la charte.");
	/* Accents count: "cassés" is another word than "cassé". */
	d = draft("prix cassés", "fr");
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(hashtag_entries_match_hashtags_and_word_entries_match_whole_hashtags)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"#promo\", \"gratuit\"]}");
	const char *text = "promo #Promo #promos #gratuit #gratuitement gratuit";
	struct charter_draft d = draft(text, "fr");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 3);
	CHECK_EQ_INT(f[0].start, at(text, "#Promo"));
	CHECK_EQ_INT(f[0].end, at(text, "#Promo") + 6);
	SAME(f[0].message, "Le hashtag «" NBSP "#Promo" NBSP "» est interdit par la charte.");
	CHECK_EQ_INT(f[1].start, at(text, "#gratuit "));
	CHECK_EQ_INT(f[1].end, at(text, "#gratuit ") + 8);
	CHECK_EQ_INT(f[2].start, at(text, " gratuit") + 1);
	SAME(f[2].message, "Le mot «" NBSP "gratuit" NBSP "» est interdit par la charte.");
	end();
}

TEST(required_entries_must_appear_somewhere)
{
	begin();
	const struct charter *c = rules("{\"required\": [\"#MaMarque\", \"Tribu\"]}");
	struct charter_draft d = draft("Merci #mamarque, vive tribu !", "en");
	size_t n;
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	d = draft("Merci MaMarque", "fr");
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 2);
	SAME(f[0].rule, "required");
	CHECK_EQ_INT(f[0].start, -1);
	CHECK_EQ_INT(f[0].end, -1);
	SAME(f[0].message, "Il manque «" NBSP "#MaMarque" NBSP "», que la charte demande dans chaque message.");
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 2);
	SAME(f[1].message, "“Tribu” is missing; the charter requires it in every post.");
	end();
}

TEST(tone_words_are_warnings_sorted_after_errors)
{
	begin();
	const struct charter *c = rules("{\"tone\": [\"mdr\", \"lol\"], \"forbidden\": [\"nul\"],"
	                                " \"max_length\": 10}");
	const char *text = "MDR c'est nul lol";
	struct charter_draft d = draft(text, "fr");
	d.length = 17;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 4);
	SAME(f[0].rule, "max_length");
	SAME(f[0].message, "Le message fait 17 caractères" NBSP ": la charte en autorise 10 au plus.");
	SAME(f[1].rule, "forbidden");
	SAME(f[2].rule, "tone");
	CHECK_EQ_INT(f[2].severity, CHARTER_WARNING);
	CHECK_EQ_INT(f[2].start, 0);
	SAME(f[2].message, "Le mot «" NBSP "MDR" NBSP "» ne correspond pas au ton de la charte.");
	SAME(f[3].rule, "tone");
	CHECK_EQ_INT(f[3].start, at(text, "lol"));
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 4);
	SAME(f[2].message, "“MDR” does not fit the charter’s tone.");
	SAME(f[0].message, "The post is 17 characters long; the charter allows at most 10.");
	/* Only warnings: the post may be scheduled. */
	d = draft("lol", "en");
	f = check(c, &d, &n);
	CHECK_EQ_INT(n, 1);
	CHECK(!charter_blocks(f, n));
	end();
}

TEST(severity_overrides_turn_errors_into_warnings_and_back)
{
	begin();
	const struct charter *c = rules("{\"forbidden\": [\"nul\"], \"tone\": [\"mdr\"],"
	                                " \"severity\": {\"forbidden\": \"warning\", \"tone\": \"error\"}}");
	struct charter_draft d = draft("nul mdr", "en");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 2);
	SAME(f[0].rule, "tone");
	CHECK_EQ_INT(f[0].severity, CHARTER_ERROR);
	SAME(f[1].rule, "forbidden");
	CHECK_EQ_INT(f[1].severity, CHARTER_WARNING);
	end();
}

/* ---- counts ----------------------------------------------------------- */

TEST(hashtags_mentions_and_links_over_their_limit_point_at_the_extra_ones)
{
	begin();
	const struct charter *c = rules("{\"max_hashtags\": 2, \"max_mentions\": 0, \"max_links\": 1}");
	const char *text = "#un #deux @ana #trois https://a.fr et b.com #quatre";
	struct charter_draft d = draft(text, "fr");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 3);
	/* sorted by position: the mention comes before the extra hashtags */
	SAME(f[0].rule, "max_mentions");
	CHECK_EQ_INT(f[0].start, at(text, "@ana"));
	CHECK_EQ_INT(f[0].end, at(text, "@ana") + 4);
	SAME(f[0].message, "1 mention" NBSP ": la charte n’en autorise aucune.");
	SAME(f[1].rule, "max_hashtags");
	CHECK_EQ_INT(f[1].start, at(text, "#trois"));
	CHECK_EQ_INT(f[1].end, at(text, "#trois") + 6);
	REQUIRE(f[1].n_ranges == 2);
	CHECK_EQ_INT(f[1].ranges[1].start, at(text, "#quatre"));
	CHECK_EQ_INT(f[1].ranges[1].end, at(text, "#quatre") + 7);
	SAME(f[1].message, "4 hashtags" NBSP ": la charte en autorise 2 au plus.");
	SAME(f[2].rule, "max_links");
	CHECK_EQ_INT(f[2].start, at(text, "b.com"));
	CHECK_EQ_INT(f[2].end, at(text, "b.com") + 5);
	SAME(f[2].message, "2 liens" NBSP ": la charte n’en autorise qu’un.");
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 3);
	SAME(f[0].message, "1 mention; the charter allows none.");
	SAME(f[1].message, "4 hashtags; the charter allows at most 2.");
	SAME(f[2].message, "2 links; the charter allows only one.");
	/* At the limit: nothing. */
	d = draft("#un #deux https://a.fr", "en");
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(emojis_are_counted_as_graphemes)
{
	begin();
	const struct charter *c = rules("{\"max_emojis\": 2}");
	/* family (ZWJ), two flags, keycap, thumbs up with skin tone, ©+VS16,
	 * keycap without VS16; then text that is not emoji: ©, ™, a digit, a
	 * '#', a heart with the text selector. */
	const char *text = "👨‍👩‍👧 🇫🇷🇩🇪 1️⃣ 👍🏽 ©️ #⃣ © ™ 1 # ❤︎";
	struct charter_draft d = draft(text, "en");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "7 emojis; the charter allows at most 2.");
	REQUIRE(f[0].n_ranges == 5);
	CHECK_EQ_INT(f[0].start, at(text, "🇩🇪"));
	CHECK_EQ_INT(f[0].end, at(text, "🇩🇪") + 2);
	CHECK_EQ_INT(f[0].ranges[1].start, at(text, "1️⃣"));
	CHECK_EQ_INT(f[0].ranges[1].end, at(text, "1️⃣") + 3);
	CHECK_EQ_INT(f[0].ranges[2].start, at(text, "👍🏽"));
	CHECK_EQ_INT(f[0].ranges[2].end, at(text, "👍🏽") + 2);
	CHECK_EQ_INT(f[0].ranges[3].end, at(text, "©️") + 2);
	CHECK_EQ_INT(f[0].ranges[4].start, at(text, "#⃣"));
	d = draft("👨‍👩‍👧‍👦👍🏿", "fr");
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	d = draft("🇫🇷🇫🇷🇫🇷", "fr");
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "3 émojis" NBSP ": la charte en autorise 2 au plus.");
	CHECK_EQ_INT(f[0].start, 4);
	end();
}

/* ---- images and links ------------------------------------------------- */

TEST(every_image_needs_alt_text_when_the_charter_says_so)
{
	begin();
	const struct charter *c = rules("{\"alt_text_required\": true}");
	const char *alts[] = {"Un chat", NULL, "  ", "A dog"};
	struct charter_draft d = draft("Photos", "fr");
	d.n_images = 4;
	d.alts = alts;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 2);
	CHECK_EQ_INT(f[0].image, 1);
	CHECK_EQ_INT(f[1].image, 2);
	CHECK_EQ_INT(f[0].start, -1);
	SAME(f[0].message, "L’image 2 n’a pas de texte alternatif" NBSP ": la charte en demande un pour chaque image.");
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 2);
	SAME(f[1].message, "Image 3 has no alt text; the charter requires it on every image.");
	c = rules("{\"alt_text_required\": false}");
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(utm_required_flags_each_link_missing_a_parameter)
{
	begin();
	const struct charter *c = rules("{\"utm_required\": true}");
	const char *text = "A https://a.fr/?utm_source=x&utm_medium=y&utm_campaign=z "
	                   "B https://b.fr/p?utm_source=x#utm_medium=y C example.com";
	struct charter_draft d = draft(text, "fr");
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 2);
	CHECK_EQ_INT(f[0].start, at(text, "https://b.fr"));
	CHECK_EQ_INT(f[0].end, at(text, " C ") );
	SAME(f[0].message, "Il manque utm_medium et utm_campaign au lien «" NBSP
	             "https://b.fr/p?utm_source=x#utm_medium=y" NBSP "»" NBSP
	             ": la charte les demande sur chaque lien.");
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 2);
	SAME(f[1].message, "The link “example.com” lacks utm_source, utm_medium and "
	             "utm_campaign; the charter requires them on every link.");
	end();
}

TEST(add_utm_tags_every_link_and_keeps_query_fragment_and_existing_tags)
{
	begin();
	const char *out = charter_add_utm(
		"Voir https://a.fr/p?x=1#top et https://b.fr et "
		"https://c.fr/?utm_source=nl&utm_medium=mail&utm_campaign=old puis d.com/q",
		"newsletter", "e-mail", "Soldes d'été", &A);
	SAME(out,
		"Voir https://a.fr/p?x=1&utm_source=newsletter&utm_medium=e-mail"
		"&utm_campaign=Soldes%20d%27%C3%A9t%C3%A9#top et "
		"https://b.fr?utm_source=newsletter&utm_medium=e-mail&utm_campaign=Soldes%20d%27%C3%A9t%C3%A9 et "
		"https://c.fr/?utm_source=nl&utm_medium=mail&utm_campaign=old puis "
		"d.com/q?utm_source=newsletter&utm_medium=e-mail&utm_campaign=Soldes%20d%27%C3%A9t%C3%A9");
	/* Only the missing ones, and no value means no parameter. */
	SAME(charter_add_utm("https://a.fr/?utm_source=x", "y", NULL, "c", &A),
	             "https://a.fr/?utm_source=x&utm_campaign=c");
	SAME(charter_add_utm("Pas de lien ici.", "a", "b", "c", &A), "Pas de lien ici.");
	CHECK(charter_add_utm("\xff", "a", "b", "c", &A) == NULL);
	/* What was added satisfies utm_required. */
	const struct charter *c = rules("{\"utm_required\": true}");
	struct charter_draft d = draft(out, "en");
	size_t n;
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

/* ---- time ------------------------------------------------------------- */

TEST(hours_are_read_on_the_local_clock_across_the_dst_change)
{
	begin();
	const struct charter *c = rules("{\"hours\": {\"from\": \"08:00\", \"to\": \"20:00\"}}");
	struct charter_draft d = draft("Bonjour", "fr");
	d.tz = "Europe/Paris";
	size_t n;
	/* Saturday 28 March 2026, CET (+1): 06:30 UTC is 07:30, too early. */
	d.at = utc_ms(2026, 3, 28, 6, 30);
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].rule, "hours");
	CHECK_EQ_INT(f[0].start, -1);
	SAME(f[0].message, "Programmé à 07:30 (Europe/Paris)" NBSP ": la charte autorise 08:00–20:00.");
	/* Sunday 29 March, CEST (+2) since 01:00 UTC: the same UTC time is 08:30. */
	d.at = utc_ms(2026, 3, 29, 6, 30);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	/* 18:30 UTC: 19:30 on Saturday, 20:30 on Sunday. */
	d.at = utc_ms(2026, 3, 28, 18, 30);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	d.at = utc_ms(2026, 3, 29, 18, 30);
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Scheduled at 20:30 (Europe/Paris); the charter allows 08:00–20:00.");
	/* 20:00 itself is inside the window. */
	d.at = utc_ms(2026, 3, 29, 18, 0);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	/* Not scheduled: no time rule applies. */
	d.at = 0;
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(days_are_local_calendar_days)
{
	begin();
	const struct charter *c = rules("{\"days\": [\"mon\", \"tue\", \"wed\", \"thu\", \"fri\", \"sat\"]}");
	struct charter_draft d = draft("Bonjour", "fr");
	d.tz = "Europe/Paris";
	size_t n;
	/* 23:30 UTC on Saturday is 00:30 on Sunday in Paris. */
	d.at = utc_ms(2026, 3, 28, 23, 30);
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Programmé un dimanche (Europe/Paris)" NBSP ": la charte n’autorise que du lundi au samedi.");
	d.at = utc_ms(2026, 3, 28, 22, 30);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	d.tz = NULL;    /* UTC */
	d.at = utc_ms(2026, 3, 28, 23, 30);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	c = rules("{\"days\": [\"fri\", \"mon\", \"wed\"]}");
	d.at = utc_ms(2026, 3, 29, 12, 0);
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Scheduled on a Sunday (UTC); the charter allows only Monday, Wednesday and Friday.");
	d.lang = "fr";
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Programmé un dimanche (UTC)" NBSP ": la charte n’autorise que le lundi, le mercredi et le vendredi.");
	end();
}

TEST(min_gap_compares_real_time_with_the_nearest_post_across_the_dst_change)
{
	begin();
	const struct charter *c = rules("{\"min_gap_minutes\": 90}");
	struct charter_draft d = draft("Bonjour", "en");
	d.tz = "Europe/Paris";
	/* 03:30 CEST and 01:30 CET on 29 March: two hours apart on the wall
	 * clock, one hour in real time. */
	d.at = utc_ms(2026, 3, 29, 1, 30);
	int64_t others[] = {utc_ms(2026, 3, 27, 1, 30), utc_ms(2026, 3, 29, 0, 30),
	                    utc_ms(2026, 3, 29, 4, 0)};
	d.others = others;
	d.n_others = 3;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].rule, "min_gap_minutes");
	SAME(f[0].message, "This channel has another post at 01:30 (Europe/Paris), 60 min earlier;"
	             " the charter asks for at least 90 min between posts.");
	d.lang = "fr";
	others[1] = utc_ms(2026, 3, 29, 2, 10);
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Ce canal a un autre message à 04:10 (Europe/Paris), 40 min plus tard" NBSP
	             ": la charte demande au moins 90 min d’écart.");
	/* Across midnight the date is given. */
	d.at = utc_ms(2026, 3, 28, 23, 10);
	others[1] = utc_ms(2026, 3, 28, 22, 50);
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "Ce canal a un autre message le samedi 28 mars 2026 à 23:50 (Europe/Paris), "
	             "20 min plus tôt" NBSP ": la charte demande au moins 90 min d’écart.");
	/* 90 minutes exactly is enough. */
	others[1] = utc_ms(2026, 3, 28, 21, 40);
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(max_per_day_counts_posts_of_the_local_day)
{
	begin();
	const struct charter *c = rules("{\"max_per_day\": 1}");
	struct charter_draft d = draft("Bonjour", "en");
	d.tz = "Europe/Paris";
	d.at = utc_ms(2026, 3, 29, 10, 0);
	/* 23:30 UTC the day before is 00:30 on Sunday 29 in Paris. */
	int64_t before[] = {utc_ms(2026, 3, 28, 23, 30)};
	d.others = before;
	d.n_others = 1;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "2 posts on Sunday 29 March 2026 (Europe/Paris) on this channel, this one "
	             "included; the charter allows only one a day.");
	/* 22:30 UTC on the 29th is already Monday 30 (the day had 23 hours). */
	int64_t after[] = {utc_ms(2026, 3, 29, 22, 30)};
	d.others = after;
	check(c, &d, &n);
	CHECK_EQ_INT(n, 0);
	c = rules("{\"max_per_day\": 2}");
	int64_t three[] = {utc_ms(2026, 3, 29, 8, 0), utc_ms(2026, 3, 29, 21, 59), utc_ms(2026, 3, 29, 22, 0)};
	d.others = three;
	d.n_others = 3;
	d.lang = "fr";
	f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "3 messages le dimanche 29 mars 2026 (Europe/Paris) sur ce canal, celui-ci "
	             "compris" NBSP ": la charte en autorise 2 par jour.");
	end();
}

TEST(charter_check_refuses_an_unknown_time_zone_and_accepts_no_rules)
{
	begin();
	const struct charter *c = rules("{\"hours\": {\"from\": \"08:00\", \"to\": \"20:00\"}}");
	struct charter_draft d = draft("x", "en");
	d.at = utc_ms(2026, 3, 29, 10, 0);
	d.tz = "Mars/Olympus";
	struct charter_finding *f;
	size_t n;
	CHECK_EQ_INT(charter_check(c, &d, &A, &f, &n), ERR_INVAL);
	CHECK_EQ_INT(charter_check(NULL, &d, &A, &f, &n), ERR_OK);
	CHECK_EQ_INT(n, 0);
	end();
}

TEST(findings_are_written_as_json_for_the_api)
{
	begin();
	const struct charter *c = rules("{\"max_emojis\": 0, \"alt_text_required\": true, \"tone\": [\"lol\"]}");
	const char *alts[] = {""};
	struct charter_draft d = draft("lol 😀", "en");
	d.n_images = 1;
	d.alts = alts;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	char buf[1024];
	struct sb sb;
	struct jw w;
	sb_init(&sb, buf, sizeof buf, 1 << 16);
	jw_init(&w, &sb);
	charter_findings_json(&w, f, n);
	SAME(sb_str(&sb),
	             "[{\"rule\":\"alt_text_required\",\"severity\":\"error\",\"message\":\"Image 1 has no "
	             "alt text; the charter requires it on every image.\",\"start\":null,\"end\":null,"
	             "\"image\":0},"
	             "{\"rule\":\"max_emojis\",\"severity\":\"error\",\"message\":\"1 emoji; the charter "
	             "allows none.\",\"start\":4,\"end\":5,\"ranges\":[[4,5]]},"
	             "{\"rule\":\"tone\",\"severity\":\"warning\",\"message\":\"“lol” does not fit the "
	             "charter’s tone.\",\"start\":0,\"end\":3}]");
	sb_free(&sb);
	end();
}

TEST(charter_check_handles_a_text_at_the_size_limit)
{
	begin();
	/* 200 phrases, a text of 64 KiB minus a little: every occurrence is
	 * found, and it takes well under a second (measured: see the report). */
	char json[16384];
	size_t k = (size_t)snprintf(json, sizeof json, "{\"forbidden\": [\"gratuit\"");
	for (int i = 0; i < 199; i++)
		k += (size_t)snprintf(json + k, sizeof json - k, ", \"mot%d prix\"", i);
	snprintf(json + k, sizeof json - k, "], \"max_emojis\": 0}");
	const struct charter *c = rules(json);
	REQUIRE(c);
	static char text[65536];
	const char *unit = "Prix gratuit l’été 😀 ";   /* 26 bytes, 4 words */
	size_t len = 0, reps = 0;
	while (len + strlen(unit) < sizeof text - 1) {
		memcpy(text + len, unit, strlen(unit));
		len += strlen(unit);
		reps++;
	}
	text[len] = 0;
	struct charter_draft d = draft(text, "fr");
	size_t n;
	clock_t t0 = clock();
	struct charter_finding *f = check(c, &d, &n);
	double ms = (double)(clock() - t0) * 1000 / CLOCKS_PER_SEC;
	fprintf(stderr, "    %zu bytes, %zu findings: %.1f ms\n", len, n, ms);
	REQUIRE(n == reps + 1);
	size_t emojis = 0;
	for (size_t i = 0; i < n; i++)
		if (!strcmp(f[i].rule, "max_emojis"))
			emojis += f[i].n_ranges;
	CHECK_EQ_INT(emojis, reps);
	CHECK(ms < 2000);
	end();
}

TEST(the_example_of_docs_charter_md_says_what_the_doc_says)
{
	begin();
	const struct charter *c = rules(
		"{\"max_length\": 240, \"required\": [\"#MaMarque\"], \"forbidden\": [\"gratuit\","
		" \"#promo\", \"prix cassé\"], \"max_hashtags\": 3, \"max_emojis\": 2, \"max_links\": 1,"
		" \"alt_text_required\": true, \"utm_required\": true, \"days\": [\"mon\", \"tue\","
		" \"wed\", \"thu\", \"fri\"], \"hours\": {\"from\": \"08:00\", \"to\": \"20:00\"},"
		" \"min_gap_minutes\": 60, \"max_per_day\": 3, \"tone\": [\"mdr\", \"ptdr\", \"lol\","
		" \"bref\"], \"severity\": {\"max_emojis\": \"warning\"}}");
	struct charter_draft d = draft("C'est GRATUIT 😀😀😀 mdr", "fr");
	d.tz = "Europe/Paris";
	d.at = utc_ms(2026, 3, 28, 21, 30);     /* Saturday, 22:30 CET */
	d.length = 23;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 6);
	SAME(f[0].message, "Il manque «" NBSP "#MaMarque" NBSP "», que la charte demande dans chaque message.");
	SAME(f[1].message, "Programmé un samedi (Europe/Paris)" NBSP ": la charte n’autorise que du lundi au vendredi.");
	SAME(f[2].message, "Programmé à 22:30 (Europe/Paris)" NBSP ": la charte autorise 08:00–20:00.");
	SAME(f[3].message, "Le mot «" NBSP "GRATUIT" NBSP "» est interdit par la charte.");
	SAME(f[4].message, "3 émojis" NBSP ": la charte en autorise 2 au plus.");
	CHECK_EQ_INT(f[4].severity, CHARTER_WARNING);
	SAME(f[5].message, "Le mot «" NBSP "mdr" NBSP "» ne correspond pas au ton de la charte.");
	d.lang = "en";
	f = check(c, &d, &n);
	REQUIRE(n == 6);
	SAME(f[0].message, "“#MaMarque” is missing; the charter requires it in every post.");
	SAME(f[1].message, "Scheduled on a Saturday (Europe/Paris); the charter allows only Monday to Friday.");
	SAME(f[2].message, "Scheduled at 22:30 (Europe/Paris); the charter allows 08:00–20:00.");
	SAME(f[3].message, "“GRATUIT” is forbidden by the charter.");
	SAME(f[4].message, "3 emojis; the charter allows at most 2.");
	SAME(f[5].message, "“mdr” does not fit the charter’s tone.");
	end();
}

TEST(min_gap_survives_instants_at_the_ends_of_int64)
{
	begin();
	const struct charter *c = rules("{\"min_gap_minutes\": 60, \"max_per_day\": 5}");
	struct charter_draft d = draft("x", "en");
	int64_t others[] = {INT64_MIN, INT64_MAX, utc_ms(2026, 1, 1, 12, 30)};
	d.at = utc_ms(2026, 1, 1, 12, 0);
	d.others = others;
	d.n_others = 3;
	size_t n;
	struct charter_finding *f = check(c, &d, &n);
	REQUIRE(n == 1);
	SAME(f[0].message, "This channel has another post at 12:30 (UTC), 30 min later; the charter asks"
	     " for at least 60 min between posts.");
	end();
}
