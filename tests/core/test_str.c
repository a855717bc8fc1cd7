#include "harness.h"

#include "core/err.h"
#include "core/str.h"

TEST(parse_i64_accepts_bounds_and_refuses_garbage)
{
	int64_t v;
	CHECK_EQ_INT(str_parse_i64("42", 2, 0, 100, &v), ERR_OK);
	CHECK_EQ_INT(v, 42);
	CHECK_EQ_INT(str_parse_i64("-7", 2, -10, 10, &v), ERR_OK);
	CHECK_EQ_INT(v, -7);
	CHECK_EQ_INT(str_parse_i64("9223372036854775807", 19, 0, INT64_MAX, &v), ERR_OK);
	CHECK_EQ_INT(str_parse_i64("-9223372036854775808", 20, INT64_MIN, 0, &v), ERR_OK);
	CHECK(v == INT64_MIN);
	CHECK_EQ_INT(str_parse_i64("9223372036854775808", 19, 0, INT64_MAX, &v), ERR_TOOBIG);
	CHECK_EQ_INT(str_parse_i64("99999999999999999999", 20, 0, INT64_MAX, &v), ERR_TOOBIG);
	CHECK_EQ_INT(str_parse_i64("101", 3, 0, 100, &v), ERR_TOOBIG);
	CHECK_EQ_INT(str_parse_i64("", 0, 0, 100, &v), ERR_INVAL);
	CHECK_EQ_INT(str_parse_i64("-", 1, -5, 100, &v), ERR_INVAL);
	CHECK_EQ_INT(str_parse_i64("12a", 3, 0, 100, &v), ERR_INVAL);
	CHECK_EQ_INT(str_parse_i64(" 1", 2, 0, 100, &v), ERR_INVAL);
	CHECK_EQ_INT(str_parse_i64("+1", 2, 0, 100, &v), ERR_INVAL);
}

TEST(utf8_valid_accepts_french_and_emoji)
{
	const char *ok[] = {"", "abc", "été à Noël, l'œuvre", "👩‍👩‍👧 🇫🇷", "\xF4\x8F\xBF\xBF"};
	for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++)
		CHECK(utf8_valid(ok[i], strlen(ok[i])));
	CHECK_EQ_INT(utf8_count("été", strlen("été")), 3);
}

TEST(utf8_valid_refuses_overlongs_surrogates_and_truncation)
{
	const char *bad[] = {
		"\xC0\xAF",         /* overlong '/' */
		"\xE0\x80\xAF",     /* overlong */
		"\xED\xA0\x80",     /* surrogate D800 */
		"\xF4\x90\x80\x80", /* past U+10FFFF */
		"\xF8\x88\x80\x80\x80",
		"\xC3",             /* truncated é */
		"a\x80",            /* lone continuation */
		"\xFF",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK(!utf8_valid(bad[i], strlen(bad[i])));
}

TEST(b64url_and_hex_encode_known_vectors)
{
	char out[64];
	str_b64url(out, (const unsigned char *)"foobar", 6);
	CHECK_EQ_STR(out, "Zm9vYmFy");
	str_b64url(out, (const unsigned char *)"fo", 2);
	CHECK_EQ_STR(out, "Zm8");
	str_b64url(out, (const unsigned char *)"\xfb\xff", 2);
	CHECK_EQ_STR(out, "-_8");
	CHECK_EQ_INT(str_b64url_len(32), 43);
	str_hex(out, (const unsigned char *)"\x01\xab", 2);
	CHECK_EQ_STR(out, "01ab");
	CHECK(str_ieq("Content-Type", "content-type"));
	CHECK(!str_ieq("a", "ab"));
}
