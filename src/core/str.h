/* str.h - string views, bounded number parsing, UTF-8 and encodings.
 *
 * Nothing here allocates except where an arena is passed. Parsers take an
 * explicit length and reject trailing garbage, overflow and empty input. */
#ifndef TRIBU_STR_H
#define TRIBU_STR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A view into bytes owned by someone else; not NUL-terminated. */
struct slice {
	const char *p;
	size_t len;
};

/* Decimal integer in [min,max], optional leading '-', nothing else.
 * ERR_INVAL on syntax, ERR_TOOBIG outside the bounds. */
int str_parse_i64(const char *s, size_t len, int64_t min, int64_t max, int64_t *out);

/* Strict UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF). */
bool utf8_valid(const char *s, size_t len);
/* Number of code points of valid UTF-8. */
size_t utf8_count(const char *s, size_t len);

/* Constant-time comparison of equal-length byte strings. */
bool str_ct_eq(const void *a, const void *b, size_t n);

/* base64url without padding; `out` needs str_b64url_len(n)+1 bytes. */
size_t str_b64url_len(size_t n);
void str_b64url(char *out, const unsigned char *in, size_t n);
/* Lower-case hex; `out` needs 2n+1 bytes. */
void str_hex(char *out, const unsigned char *in, size_t n);

/* ASCII case-insensitive equality (header names, e-mail domains). */
bool str_ieq(const char *a, const char *b);

#endif
