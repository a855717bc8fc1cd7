/* sb.h - string builder with a hard cap and a sticky error (after SQLite's
 * StrAccum and curl's dynbuf).
 *
 * Starts in a caller's buffer (usually on the stack), moves to the heap only
 * when that is full, never grows past `cap`. Once an append fails, every later
 * append is a no-op and sb_err() stays set, so callers check once at the end.
 * The content is always NUL-terminated. */
#ifndef TRIBU_SB_H
#define TRIBU_SB_H
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

struct sb {
	char *buf;
	size_t len, size, cap;
	bool heap, err;
};

/* `stack`/`size` is the initial buffer (size >= 1); `cap` the maximum length
 * including the NUL. */
void sb_init(struct sb *sb, char *stack, size_t size, size_t cap);
void sb_free(struct sb *sb);
void sb_reset(struct sb *sb);                 /* length 0, error cleared */

void sb_add(struct sb *sb, const char *s, size_t n);
void sb_adds(struct sb *sb, const char *s);
void sb_addc(struct sb *sb, char c);
void sb_addf(struct sb *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_vaddf(struct sb *sb, const char *fmt, va_list ap);

static inline bool sb_err(const struct sb *sb) { return sb->err; }
static inline const char *sb_str(const struct sb *sb) { return sb->buf; }
static inline size_t sb_len(const struct sb *sb) { return sb->len; }
/* Hands the content to the caller as a heap string (copied if it was on the
 * stack; free() it). The builder must be sb_init'ed again before reuse. */
char *sb_detach(struct sb *sb);
/* Appends `s` percent-encoded for a URL (RFC 3986: all but the unreserved
 * characters as %XX), e.g. a query value. */
void sb_add_urlenc(struct sb *sb, const char *s);

#endif
