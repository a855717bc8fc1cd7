/* test_text.c - src/text: twitter-text's conformance suite, then French
 * text, emoji, Mastodon's counting, limits and hostile input. */
#include "harness.h"

#include <jansson.h>
#include <stdlib.h>
#include <time.h>

#include "core/arena.h"
#include "core/err.h"
#include "text/text.h"

#define SUITE "../shared/data/conformance/twitter-text/"

/* The conformance suite ----------------------------------------------- */

static struct arena arena;

static struct text_ent_list extract(const char *text, unsigned kinds)
{
	struct text_ent_list l;
	int rc = text_extract(&arena, text, strlen(text), kinds, &l);
	CHECK_EQ_INT(rc, ERR_OK);
	return l;
}

static json_t *indices(const struct text_ent *e)
{
	return json_pack("[ii]", (json_int_t)e->start, (json_int_t)e->end);
}

/* What twitter-text's extractor for `section` returns for `text`, shaped
 * like the suite's "expected"; NULL for an unknown section. */
static json_t *extract_like_twitter(const char *section, const char *text)
{
	const char *s = section;
	bool with_indices = strstr(s, "indices") || strstr(s, "directional");
	unsigned kinds = !strncmp(s, "mention", 7) || !strcmp(s, "replies") ? TEXT_MENTION
	               : !strncmp(s, "hashtag", 7) ? TEXT_HASHTAG | TEXT_URL
	               : !strncmp(s, "cashtag", 7) ? TEXT_CASHTAG
	               : strstr(s, "url") ? TEXT_URL : 0;
	const char *key = kinds == TEXT_MENTION ? "screen_name" : kinds == TEXT_CASHTAG ? "cashtag"
	                : kinds == TEXT_URL ? "url" : "hashtag";
	if (!kinds)
		return NULL;
	struct text_ent_list l = extract(text, kinds);
	if (!strcmp(s, "replies")) {
		/* extractReplyScreenname: a mention preceded by spaces only (the
		 * suite uses ' ' and U+3000). */
		size_t lead = strspn(text, " ");
		while (!strncmp(text + lead, "\u3000", 3))
			lead += 3;
		return l.n && l.v[0].bstart == lead ? json_string(l.v[0].text) : json_null();
	}
	json_t *out = json_array();
	for (size_t i = 0; i < l.n; i++) {
		const struct text_ent *e = &l.v[i];
		if (e->kind != kinds && e->kind != (kinds & ~TEXT_URL))
			continue;
		/* extractMentions* leaves lists out; only ...or_lists has them */
		bool lists = !strcmp(s, "mentions_or_lists_with_indices");
		if (e->kind == TEXT_MENTION && *e->list && !lists)
			continue;
		if (!with_indices)
			json_array_append_new(out, json_string(e->text));
		else if (lists)
			json_array_append_new(out, json_pack("{ssssso}", "screen_name", e->text,
			                                     "list_slug", e->list, "indices", indices(e)));
		else
			json_array_append_new(out, json_pack("{ssso}", key, e->text, "indices", indices(e)));
	}
	return out;
}

static const struct text_weight_range v2_ranges[] = {
	{0, 4351, 100}, {8192, 8205, 100}, {8208, 8223, 100}, {8242, 8247, 100},
};
/* twitter-text's config/v1.json (140 code points, for isValidTweetText) and
 * v2.json (weighted, no emoji parsing); v3 is text_twitter_v3. */
static const struct text_weights v1 = {140, 1, 1, 23, false, NULL, 0};
static const struct text_weights v2 = {280, 100, 200, 23, false, v2_ranges, 4};

/* validRangeEnd: an inclusive index in UTF-16 units. */
static json_int_t utf16_last(const char *s, size_t bytes)
{
	json_int_t units = 0;
	for (size_t i = 0; i < bytes; i++) {
		unsigned char c = (unsigned char)s[i];
		units += (c & 0xC0) != 0x80;
		units += c >= 0xF0;
	}
	return units ? units - 1 : 0;
}

/* What twitter-text's validator for `section` returns; NULL if unknown.
 * Of parseTweet's result, displayRange (the whole text) and validRangeStart
 * (always 0) are left out: text_length_twitter has no such fields. */
static json_t *validate_like_twitter(const char *section, const char *text, json_t *expected)
{
	size_t len = strlen(text);
	const char *s = section;
	if (!strcmp(s, "tweets") || strstr(s, "Counter")) {
		const struct text_weights *w = !strcmp(s, "tweets") ? &v1
		                             : !strcmp(s, "WeightedTweetsCounterTest") ? &v2 : NULL;
		struct text_twitter_len r;
		CHECK_EQ_INT(text_length_twitter(text, len, w, &r), ERR_OK);
		if (!strcmp(s, "tweets"))
			return json_boolean(r.valid);
		json_object_del(expected, "displayRangeStart");
		json_object_del(expected, "displayRangeEnd");
		json_object_del(expected, "validRangeStart");
		return json_pack("{sisbsisI}", "weightedLength", r.weighted, "valid", r.valid,
		                 "permillage", r.permillage, "validRangeEnd", utf16_last(text, r.valid_bend));
	}
	if (!strcmp(s, "urls") || !strcmp(s, "urls_without_protocol"))
		return json_boolean(text_url_valid(text, len, !strcmp(s, "urls")));
	/* isValidUsername, isValidList, isValidHashtag: one entity, the whole
	 * text (a list is a mention with its slug, from the start). */
	unsigned kinds = !strcmp(s, "hashtags") ? TEXT_HASHTAG | TEXT_URL : TEXT_MENTION;
	if (strcmp(s, "usernames") && strcmp(s, "lists") && strcmp(s, "hashtags"))
		return NULL;
	struct text_ent_list l = extract(text, kinds);
	bool list = !strcmp(s, "lists");
	return json_boolean(l.n == 1 && l.v[0].kind == (kinds & ~TEXT_URL) && l.v[0].bstart == 0 &&
	                    l.v[0].bend == len && (list ? *l.v[0].list != 0 : !*l.v[0].list));
}

/* Runs every case of one file, prints the pass count of each section and
 * returns the number of failures (-1 without the file). Every case passes:
 * should one ever have to be excused, list it here with its reason. */
static int run_suite(const char *file)
{
	char path[256];
	json_error_t jerr;
	snprintf(path, sizeof path, SUITE "%s", file);
	json_t *root = json_load_file(path, 0, &jerr), *tests = json_object_get(root, "tests");
	if (!tests) {
		json_decref(root);
		return -1;
	}
	int bad = 0;
	const char *section;
	json_t *cases;
	json_object_foreach(tests, section, cases) {
		size_t i, pass = 0;
		json_t *c;
		json_array_foreach(cases, i, c) {
			const char *text = json_string_value(json_object_get(c, "text"));
			const char *desc = json_string_value(json_object_get(c, "description"));
			json_t *want = json_deep_copy(json_object_get(c, "expected"));
			arena_init(&arena, NULL, 0, 0);
			json_t *got = strcmp(file, "extract.json") ? validate_like_twitter(section, text, want)
			                                           : extract_like_twitter(section, text);
			if (got && json_equal(got, want)) {
				pass++;
			} else {
				char *g = got ? json_dumps(got, JSON_ENCODE_ANY) : NULL;
				char *w = json_dumps(want, JSON_ENCODE_ANY);
				fprintf(stderr, "    %s %s: \"%s\": got %s, want %s\n", file, section,
				        desc, g ? g : "(unknown section)", w);
				free(g);
				free(w);
				bad++;
			}
			json_decref(got);
			json_decref(want);
			arena_free(&arena);
		}
		printf("    %s %-46s %3zu/%zu\n", file, section, pass, json_array_size(cases));
	}
	json_decref(root);
	return bad;
}

TEST(text_passes_twitter_text_extract_conformance_suite)
{
	int bad = run_suite("extract.json");
	if (bad < 0)
		SKIP("no " SUITE "extract.json");
	CHECK_EQ_INT(bad, 0);
}

TEST(text_passes_twitter_text_validate_conformance_suite)
{
	int bad = run_suite("validate.json");
	if (bad < 0)
		SKIP("no " SUITE "validate.json");
	CHECK_EQ_INT(bad, 0);
}

/* French ------------------------------------------------------------ */

TEST(french_elision_before_a_mention_still_mentions_the_brand)
{
	const char *t = "Merci à l'@marque et d'@Asso_Tribu pour #Été2026 !";
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract(t, TEXT_ALL);
	REQUIRE(l.n == 3);
	CHECK_EQ_INT(l.v[0].kind, TEXT_MENTION);
	CHECK_EQ_STR(l.v[0].text, "marque");
	CHECK_EQ_INT(l.v[0].start, 10);         /* "à" is one code point... */
	CHECK_EQ_INT(l.v[0].bstart, 11);        /* ...and two bytes */
	CHECK_EQ_STR(l.v[1].text, "Asso_Tribu");
	CHECK_EQ_INT(l.v[2].kind, TEXT_HASHTAG);
	CHECK_EQ_STR(l.v[2].text, "Été2026");
	CHECK_EQ_INT(l.v[2].end - l.v[2].start, 8);
	CHECK_EQ_INT(l.v[2].bend - l.v[2].bstart, 10);      /* É and é: 2 bytes */
	CHECK(!memcmp(t + l.v[2].bstart, "#Été2026", l.v[2].bend - l.v[2].bstart));
	arena_free(&arena);
}

TEST(french_hashtags_take_accents_and_stop_at_guillemets_and_apostrophes)
{
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract("«#Fête» et l’#Éducation, #ça_va ? #2026", TEXT_HASHTAG);
	REQUIRE(l.n == 3);
	CHECK_EQ_STR(l.v[0].text, "Fête");
	CHECK_EQ_STR(l.v[1].text, "Éducation");
	CHECK_EQ_STR(l.v[2].text, "ça_va");     /* "#2026" has no letter */
	arena_free(&arena);
}

TEST(french_mention_followed_by_an_accented_letter_is_no_mention)
{
	/* twitter-text refuses "@andr" in "@andré" rather than cutting it. */
	arena_init(&arena, NULL, 0, 0);
	CHECK_EQ_INT(extract("Bravo @andré !", TEXT_MENTION).n, 0);
	arena_free(&arena);
}

TEST(french_accents_weigh_one_whether_composed_or_decomposed)
{
	struct text_twitter_len a, b;
	const char *nfc = "Un café à Noël", *nfd = "Un cafe\u0301 a\u0300 Noe\u0308l";
	REQUIRE(text_length_twitter(nfc, strlen(nfc), NULL, &a) == ERR_OK);
	REQUIRE(text_length_twitter(nfd, strlen(nfd), NULL, &b) == ERR_OK);
	CHECK_EQ_INT(a.weighted, 14);
	CHECK_EQ_INT(b.weighted, 14);
	CHECK_EQ_INT(b.valid_end, 17);          /* all of it, as written */
	CHECK_EQ_INT(b.valid_bend, strlen(nfd));
}

TEST(french_link_ends_before_closing_punctuation)
{
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract("Programme : https://tribu.fr/été-2026.", TEXT_URL);
	REQUIRE(l.n == 1);
	CHECK_EQ_STR(l.v[0].text, "https://tribu.fr/été-2026");
	arena_free(&arena);
}

/* Emoji ----------------------------------------------------------------- */

static size_t graphemes(const char *s)
{
	size_t n = 0;
	CHECK_EQ_INT(text_graphemes(s, strlen(s), &n), ERR_OK);
	return n;
}

TEST(emoji_flag_family_skin_tone_keycap_and_tag_sequence_are_one_grapheme_each)
{
	CHECK_EQ_INT(graphemes("\U0001F1EB\U0001F1F7"), 1);                       /* FR flag */
	CHECK_EQ_INT(graphemes("\U0001F1EB\U0001F1F7\U0001F1E7\U0001F1EA"), 2);   /* FR BE */
	CHECK_EQ_INT(graphemes("\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466"), 1);
	CHECK_EQ_INT(graphemes("\U0001F44D\U0001F3FD"), 1);                       /* thumb, tone */
	CHECK_EQ_INT(graphemes("1\uFE0F\u20E3"), 1);                              /* keycap */
	CHECK_EQ_INT(graphemes("\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"), 1);
	CHECK_EQ_INT(graphemes("e\u0301te\u0301"), 3);                            /* é t é */
	CHECK_EQ_INT(graphemes(""), 0);
}

TEST(emoji_sequences_weigh_two_on_x_and_ascii_one)
{
	struct text_twitter_len r;
	const char *t = "Go \U0001F1EB\U0001F1F7 \U0001F468\u200D\U0001F469\u200D\U0001F467 "
	                "\U0001F44D\U0001F3FD 1\uFE0F\u20E3";
	REQUIRE(text_length_twitter(t, strlen(t), NULL, &r) == ERR_OK);
	CHECK_EQ_INT(r.weighted, 3 + 2 + 1 + 2 + 1 + 2 + 1 + 2);
	CHECK(r.valid);
}

TEST(emoji_sequence_is_never_cut_by_the_valid_prefix)
{
	/* 279 units of ASCII then a family of 7 code points: 281 > 280, so the
	 * valid prefix stops before the family, not inside it. */
	static const char family[] = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
	char t[279 + sizeof family];
	memset(t, 'a', 279);
	memcpy(t + 279, family, sizeof family);
	struct text_twitter_len r;
	REQUIRE(text_length_twitter(t, strlen(t), NULL, &r) == ERR_OK);
	CHECK_EQ_INT(r.weighted, 281);
	CHECK(!r.valid);
	CHECK_EQ_INT(r.valid_end, 279);
	CHECK_EQ_INT(r.valid_bend, 279);
	CHECK_EQ_INT(r.permillage, 1003);
}

TEST(emoji_before_a_hashtag_is_a_boundary)
{
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract("\U0001F389#Fête \U0001F44D\U0001F3FD#top", TEXT_HASHTAG);
	REQUIRE(l.n == 2);
	CHECK_EQ_INT(l.v[0].start, 1);
	CHECK_EQ_INT(l.v[0].bstart, 4);
	CHECK_EQ_STR(l.v[1].text, "top");
	arena_free(&arena);
}

/* Mastodon ---------------------------------------------------------------- */

static size_t mastodon(const char *s)
{
	size_t n = 0;
	CHECK_EQ_INT(text_length_mastodon(s, strlen(s), &n), ERR_OK);
	return n;
}

/* docs.joinmastodon.org/user/posting: "all links are counted as 23
 * characters, no matter how long". */
TEST(mastodon_doc_rule_every_link_counts_23_characters)
{
	CHECK_EQ_INT(mastodon("Voir https://tribu.fr/un/chemin/vraiment/tres/tres/long?x=1"), 5 + 23);
	CHECK_EQ_INT(mastodon("http://a.fr"), 23);
	CHECK_EQ_INT(mastodon("gemini://capsule.org/page et https://x.org"), 23 + 4 + 23);
}

/* Same page: "If you post links, they must begin with http:// or https://". */
TEST(mastodon_doc_rule_links_without_scheme_count_as_written)
{
	CHECK_EQ_INT(mastodon("tribu.fr et www.tribu.fr/agenda"), 8 + 4 + 19);
}

/* Same page: "When mentioning other people, the domain part of their
 * username is not counted". */
TEST(mastodon_doc_rule_mention_domain_is_not_counted)
{
	CHECK_EQ_INT(mastodon("@alice@mastodon.example salut"), 12);
	CHECK_EQ_INT(mastodon("@alice salut"), 12);
	CHECK_EQ_INT(mastodon("cc @bob.l@x.example, @carol_b@y.example."), 3 + 6 + 2 + 8 + 1);
	/* an e-mail address is no mention: counted as written */
	CHECK_EQ_INT(mastodon("ecrire a alice@example.org"), 26);
}

TEST(mastodon_mentions_are_extracted_with_their_domain)
{
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract("Bonjour @alice@mastodon.example et @bob !",
	                                 TEXT_MENTION | TEXT_MASTODON);
	REQUIRE(l.n == 2);
	CHECK_EQ_STR(l.v[0].text, "alice@mastodon.example");
	CHECK_EQ_INT(l.v[0].start, 8);
	CHECK_EQ_INT(l.v[0].end, 31);
	CHECK_EQ_STR(l.v[1].text, "bob");
	arena_free(&arena);
}

/* Mastodon's config/initializers/twitter_regex.rb: a path takes anything
 * but white space and <>()?, and ends before punctuation. */
TEST(mastodon_source_rule_link_paths_take_any_non_space_character)
{
	CHECK_EQ_INT(mastodon("https://fr.wikipedia.org/wiki/Été_(saison) ok"), 23 + 3);
	CHECK_EQ_INT(mastodon("https://example.org/日本語"), 23);
	CHECK_EQ_INT(mastodon("(https://example.org/a)."), 1 + 23 + 2);
	CHECK_EQ_INT(mastodon("https://example.org/a?q=été!"), 23 + 1);
	arena_init(&arena, NULL, 0, 0);
	struct text_ent_list l = extract("Lien : https://example.org/chemin/été. Fin",
	                                 TEXT_URL | TEXT_MASTODON);
	REQUIRE(l.n == 1);
	CHECK_EQ_STR(l.v[0].text, "https://example.org/chemin/été");
	arena_free(&arena);
}

/* Mastodon's StatusLengthValidator counts the rewritten text with
 * grapheme_length: an emoji sequence is one character. */
TEST(mastodon_source_rule_text_counts_grapheme_clusters)
{
	CHECK_EQ_INT(mastodon("F\u00eate \U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466 "
	                      "\U0001F1EB\U0001F1F7"), 8);
	CHECK_EQ_INT(mastodon("cafe\u0301"), 4);
	CHECK_EQ_INT(mastodon(" \n\t "), 0);     /* blank: String#blank? */
}

/* Limits and errors ------------------------------------------------------ */

TEST(text_rejects_invalid_utf8_and_oversized_input)
{
	struct text_ent_list l;
	struct text_twitter_len r;
	size_t n;
	char *big = malloc(TEXT_MAX_LEN + 1);
	REQUIRE(big);
	memset(big, 'a', TEXT_MAX_LEN + 1);
	arena_init(&arena, NULL, 0, 0);
	CHECK_EQ_INT(text_extract(&arena, "a\xC3(", 3, TEXT_ALL, &l), ERR_INVAL);
	CHECK_EQ_INT(text_extract(&arena, "\xED\xA0\x80", 3, TEXT_ALL, &l), ERR_INVAL);  /* surrogate */
	CHECK_EQ_INT(text_graphemes("\xC0\xAF", 2, &n), ERR_INVAL);                      /* overlong */
	CHECK_EQ_INT(text_length_twitter("\xFF", 1, NULL, &r), ERR_INVAL);
	CHECK_EQ_INT(text_length_mastodon("\xF4\x90\x80\x80", 4, &n), ERR_INVAL);        /* > U+10FFFF */
	CHECK_EQ_INT(text_extract(&arena, big, TEXT_MAX_LEN + 1, TEXT_ALL, &l), ERR_TOOBIG);
	CHECK_EQ_INT(text_graphemes(big, TEXT_MAX_LEN + 1, &n), ERR_TOOBIG);
	CHECK_EQ_INT(text_length_twitter(big, TEXT_MAX_LEN + 1, NULL, &r), ERR_TOOBIG);
	CHECK_EQ_INT(text_length_mastodon(big, TEXT_MAX_LEN + 1, &n), ERR_TOOBIG);
	CHECK(!text_url_valid(big, TEXT_MAX_LEN + 1, false));
	CHECK_EQ_INT(text_graphemes(big, TEXT_MAX_LEN, &n), ERR_OK);
	CHECK_EQ_INT(n, TEXT_MAX_LEN);
	arena_free(&arena);
	free(big);
}

TEST(text_extract_caps_the_number_of_entities)
{
	char buf[8 * 1024];
	struct text_ent_list l;
	size_t len = 0;
	for (int i = 0; i < 1001; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "#t%d ", i % 10);
	arena_init(&arena, NULL, 0, 0);
	CHECK_EQ_INT(text_extract(&arena, buf, len, TEXT_ALL, &l), ERR_TOOBIG);
	CHECK_EQ_INT(l.n, 0);
	CHECK_EQ_INT(text_extract(&arena, buf, len - 4, TEXT_ALL, &l), ERR_OK);   /* 1000 */
	CHECK_EQ_INT(l.n, TEXT_MAX_ENTS);
	arena_free(&arena);
}

TEST(text_extract_reports_a_full_arena_as_toobig)
{
	struct text_ent_list l;
	const char *t = "#un #deux #trois https://tribu.fr/quatre";
	arena_init(&arena, NULL, 0, 64);
	CHECK_EQ_INT(text_extract(&arena, t, strlen(t), TEXT_ALL, &l), ERR_TOOBIG);
	arena_free(&arena);
	arena_init(&arena, NULL, 0, 4096);
	CHECK_EQ_INT(text_extract(&arena, t, strlen(t), TEXT_ALL, &l), ERR_OK);
	CHECK_EQ_INT(l.n, 4);
	arena_free(&arena);
}

TEST(text_extract_of_nothing_is_empty)
{
	struct text_ent_list l;
	arena_init(&arena, NULL, 0, 0);
	CHECK_EQ_INT(text_extract(&arena, "", 0, TEXT_ALL, &l), ERR_OK);
	CHECK_EQ_INT(l.n, 0);
	CHECK_EQ_INT(text_extract(&arena, NULL, 0, TEXT_ALL, &l), ERR_OK);
	arena_free(&arena);
}

/* Hostile input: 60 KiB of patterns that make a backtracking regex engine
 * quadratic must stay fast: every scanner here is linear. Each call gets
 * 50 ms (best of three runs, as other processes share the machine); a
 * quadratic scanner would take seconds. */
static double ms_since(const struct timespec *t0)
{
	struct timespec t1;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) * 1e3 + (double)(t1.tv_nsec - t0->tv_nsec) / 1e6;
}

static double best_ms(int op, const char *t, size_t len)
{
	double best = 1e9;
	for (int run = 0; run < 3; run++) {
		struct text_ent_list l;
		struct text_twitter_len r;
		struct timespec t0;
		size_t n;
		int rc = ERR_OK;
		arena_init(&arena, NULL, 0, 0);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		switch (op) {
		case 0: rc = text_extract(&arena, t, len, TEXT_ALL, &l); break;
		case 1: rc = text_extract(&arena, t, len, TEXT_MENTION | TEXT_URL | TEXT_MASTODON, &l); break;
		case 2: rc = text_length_twitter(t, len, NULL, &r); break;
		case 3: rc = text_length_mastodon(t, len, &n); break;
		case 4: text_url_valid(t, len, false); break;
		default: rc = text_graphemes(t, len, &n); break;
		}
		double ms = ms_since(&t0);
		arena_free(&arena);
		CHECK(rc == ERR_OK || rc == ERR_TOOBIG);        /* TOOBIG: > 1000 entities */
		best = ms < best ? ms : best;
	}
	return best;
}

TEST(text_hostile_input_of_60_kib_takes_under_50_ms_per_call)
{
	static const char *const units[] = {
		"#", "a.", "@", "$", "a", "http://", "a-", "_a.", "a.co/(", "xn--", "x.co/.",
		"\u00e9.", "\u3042.", "((", "a.com?", "@a/b", "#a\u200d", "1.", "a\u0301", "a.co ",
		"\u0301", "\U0001F468\u200D", "\U0001F1EB", "@a.", "@a@", "a.co?!", "\u00e0\u0301",
	};
	static const char *const ops[] = {"extract", "extract mastodon", "length twitter",
		"length mastodon", "url_valid", "graphemes"};
	enum { LEN = 60 * 1024 };
	char *t = malloc(LEN);
	REQUIRE(t);
	for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
		size_t ul = strlen(units[u]), len = 0;
		for (; len + ul <= LEN; len += ul)
			memcpy(t + len, units[u], ul);
		for (int op = 0; op < 6; op++) {
			double ms = best_ms(op, t, len);
			if (ms >= 50) {
				char m[128];
				snprintf(m, sizeof m, "%s of \"%s\" x %zu took %.1f ms", ops[op], units[u],
				         len / ul, ms);
				harness_fail(__FILE__, __LINE__, m);
			}
		}
	}
	free(t);
}
