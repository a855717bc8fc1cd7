/* jw.c - see jw.h. */
#include "core/jw.h"

#include <string.h>

#include "core/clock.h"

void jw_init(struct jw *w, struct sb *sb)
{
	w->sb = sb;
	w->depth = 0;
	w->first[0] = true;
	w->after_key = false;
}

/* Before a value or a key: the comma that separates it from the previous. */
static void sep(struct jw *w)
{
	if (w->after_key) {
		w->after_key = false;
		return;
	}
	if (!w->first[w->depth])
		sb_addc(w->sb, ',');
	w->first[w->depth] = false;
}

static void open(struct jw *w, char c)
{
	sep(w);
	sb_addc(w->sb, c);
	if (w->depth + 1 >= JW_MAX_DEPTH) {
		w->sb->err = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void close(struct jw *w, char c)
{
	sb_addc(w->sb, c);
	if (w->depth > 0)
		w->depth--;
}

void jw_obj(struct jw *w) { open(w, '{'); }
void jw_obj_end(struct jw *w) { close(w, '}'); }
void jw_arr(struct jw *w) { open(w, '['); }
void jw_arr_end(struct jw *w) { close(w, ']'); }

static void quoted(struct sb *sb, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	sb_addc(sb, '"');
	size_t run = 0;   /* start of the bytes that need no escape */
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		sb_add(sb, s + run, i - run);
		run = i + 1;
		switch (c) {
		case '"': sb_add(sb, "\\\"", 2); break;
		case '\\': sb_add(sb, "\\\\", 2); break;
		case '\n': sb_add(sb, "\\n", 2); break;
		case '\r': sb_add(sb, "\\r", 2); break;
		case '\t': sb_add(sb, "\\t", 2); break;
		default: {
			char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			sb_add(sb, u, 6);
		}
		}
	}
	sb_add(sb, s + run, n - run);
	sb_addc(sb, '"');
}

void jw_key(struct jw *w, const char *key)
{
	sep(w);
	quoted(w->sb, key, strlen(key));
	sb_addc(w->sb, ':');
	w->after_key = true;
}

void jw_strn(struct jw *w, const char *s, size_t n)
{
	sep(w);
	quoted(w->sb, s, n);
}

void jw_str(struct jw *w, const char *s)
{
	if (!s) {
		jw_null(w);
		return;
	}
	jw_strn(w, s, strlen(s));
}

void jw_int(struct jw *w, int64_t v)
{
	char buf[24];
	size_t i = sizeof buf;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
	do {
		buf[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	if (v < 0)
		buf[--i] = '-';
	sep(w);
	sb_add(w->sb, buf + i, sizeof buf - i);
}

void jw_bool(struct jw *w, bool v)
{
	sep(w);
	sb_add(w->sb, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w)
{
	sep(w);
	sb_add(w->sb, "null", 4);
}

void jw_time(struct jw *w, int64_t ms)
{
	char t[CLOCK_FMT_SIZE];
	clock_fmt_utc(t, ms);
	sep(w);
	sb_addc(w->sb, '"');
	sb_adds(w->sb, t);
	sb_addc(w->sb, '"');
}

void jw_raw(struct jw *w, const char *json)
{
	sep(w);
	sb_adds(w->sb, json);
}
