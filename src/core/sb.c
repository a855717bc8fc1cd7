/* sb.c - capped string builder (see sb.h). */
#include "core/sb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void sb_init(struct sb *sb, char *stack, size_t size, size_t cap)
{
	sb->buf = stack;
	sb->size = size;
	sb->cap = cap < size ? size : cap;
	sb->len = 0;
	sb->heap = false;
	sb->err = false;
	sb->buf[0] = '\0';
}

void sb_free(struct sb *sb)
{
	if (sb->heap)
		free(sb->buf);
	sb->buf = NULL;
	sb->heap = false;
}

void sb_reset(struct sb *sb)
{
	sb->len = 0;
	sb->err = false;
	sb->buf[0] = '\0';
}

/* Ensure room for `n` more bytes plus the NUL. */
static bool grow(struct sb *sb, size_t n)
{
	if (sb->err)
		return false;
	if (n >= sb->cap || sb->len >= sb->cap - n) {
		sb->err = true;
		return false;
	}
	size_t need = sb->len + n + 1;
	if (need <= sb->size)
		return true;
	size_t size = sb->size * 2;
	while (size < need)
		size *= 2;
	if (size > sb->cap)
		size = sb->cap;
	if (sb->heap) {
		sb->buf = xrealloc(sb->buf, size);
	} else {
		char *p = xmalloc(size);
		memcpy(p, sb->buf, sb->len + 1);
		sb->buf = p;
		sb->heap = true;
	}
	sb->size = size;
	return true;
}

void sb_add(struct sb *sb, const char *s, size_t n)
{
	if (!grow(sb, n))
		return;
	memcpy(sb->buf + sb->len, s, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
}

void sb_adds(struct sb *sb, const char *s) { sb_add(sb, s, strlen(s)); }
void sb_addc(struct sb *sb, char c) { sb_add(sb, &c, 1); }

void sb_vaddf(struct sb *sb, const char *fmt, va_list ap)
{
	if (sb->err)
		return;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap2);
	va_end(ap2);
	if (n < 0) {
		sb->err = true;
		sb->buf[sb->len] = '\0';
		return;
	}
	if ((size_t)n < sb->size - sb->len) {
		sb->len += (size_t)n;
		return;
	}
	sb->buf[sb->len] = '\0';
	if (!grow(sb, (size_t)n))
		return;
	vsnprintf(sb->buf + sb->len, sb->size - sb->len, fmt, ap);
	sb->len += (size_t)n;
}

void sb_addf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sb_vaddf(sb, fmt, ap);
	va_end(ap);
}

char *sb_detach(struct sb *sb)
{
	char *p;
	if (sb->heap) {
		p = sb->buf;
	} else {
		p = xstrndup(sb->buf, sb->len);
	}
	/* Without its original stack buffer we cannot go back to it: leave the
	 * builder empty and unusable until sb_init. */
	sb->buf = NULL;
	sb->heap = false;
	sb->len = sb->size = 0;
	return p;
}

void sb_add_urlenc(struct sb *sb, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '-' || c == '.' || c == '_' || c == '~') {
			sb_addc(sb, (char)c);
		} else {
			char e[3] = {'%', hex[c >> 4], hex[c & 15]};
			sb_add(sb, e, 3);
		}
	}
}
