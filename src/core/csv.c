/* csv.c - RFC 4180 reader and injection-safe writer (see csv.h).
 *
 * The reader is one forward pass over the caller's buffer. A quoted field is
 * scanned twice: once to find its closing quote and unquoted length (so the
 * field limit is checked before anything is allocated), once to copy it into
 * the arena without its "" escapes. Unquoted fields are copied as they are.
 * On a per-record error the scan still runs to the end of the record, storing
 * nothing more, so that the next call starts on a record boundary. */
#include "core/csv.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "core/err.h"

static bool is_break(char c) { return c == '\r' || c == '\n'; }

/* Consumes the line break at r->pos (CRLF, LF or CR). */
static void eat_break(struct csv_reader *r)
{
	if (r->p[r->pos] == '\r' && r->pos + 1 < r->len && r->p[r->pos + 1] == '\n')
		r->pos++;
	r->pos++;
	r->line++;
}

/* Offset of the first byte that does not start a valid UTF-8 sequence, or
 * `len` when all of s[0..len) is valid. */
static size_t utf8_bad_at(const char *s, size_t len)
{
	size_t i = 0;
	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
		if (n > len - i || !utf8_valid(s + i, n))
			return i;
		i += n;
	}
	return len;
}

static char detect_sep(const char *p, size_t len)
{
	size_t comma = 0, semi = 0;
	bool quoted = false;
	for (size_t i = 0; i < len; i++) {
		char c = p[i];
		if (c == '"')
			quoted = !quoted;   /* "" toggles twice: right either way */
		else if (quoted)
			continue;
		else if (is_break(c))
			break;
		else if (c == ',')
			comma++;
		else if (c == ';')
			semi++;
	}
	return semi > comma ? ';' : ',';
}

int csv_open(struct csv_reader *r, const char *buf, size_t len, char sep,
	     const struct csv_limits *lim)
{
	memset(r, 0, sizeof *r);
	if (!lim || (sep && sep != ',' && sep != ';') || (!buf && len))
		return ERR_INVAL;
	r->p = buf;
	r->len = len;
	r->line = 1;
	r->lim = *lim;
	if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
		r->pos = 3;
	r->sep = sep ? sep : detect_sep(buf + r->pos, len - r->pos);
	return ERR_OK;
}

/* Keeps the first error of a record. */
__attribute__((format(printf, 5, 6)))
static void fail(struct csv_reader *r, int *rc, int code, size_t line, const char *fmt, ...)
{
	if (*rc)
		return;
	*rc = code;
	r->err_line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(r->err, sizeof r->err, fmt, ap);
	va_end(ap);
}

/* Checks a field's UTF-8; `line` is where its content starts. */
static void check_utf8(struct csv_reader *r, int *rc, const char *s, size_t n, size_t line)
{
	size_t bad = utf8_bad_at(s, n);
	if (bad == n)
		return;
	for (size_t i = 0; i < bad; i++)
		line += s[i] == '\n';
	fail(r, rc, ERR_INVAL, line, "invalid UTF-8");
}

/* Reads a quoted field at r->pos (on its opening quote). Returns the copy,
 * NULL when nothing is stored (error, or `store` false). */
static char *quoted_field(struct csv_reader *r, struct arena *a, bool store, int *rc, size_t *outlen)
{
	size_t open_line = r->line, line = r->line, i = r->pos + 1, n = 0;
	for (;;) {
		if (i >= r->len) {
			fail(r, rc, ERR_INVAL, open_line, "unterminated quoted field");
			r->done = true;
			r->pos = r->len;
			return NULL;
		}
		char c = r->p[i];
		if (c == '"') {
			if (i + 1 < r->len && r->p[i + 1] == '"') {
				i += 2;
				n++;
				continue;
			}
			break;
		}
		if (c == '\r' && i + 1 < r->len && r->p[i + 1] == '\n')
			i++;
		if (is_break(c))
			line++;
		i++;
		n++;
	}
	size_t end = i;     /* the closing quote */
	char *out = NULL;
	if (n > r->lim.max_field) {
		fail(r, rc, ERR_TOOBIG, open_line, "field longer than %zu bytes", r->lim.max_field);
	} else if (store && !*rc) {
		out = arena_alloc(a, n + 1);
		if (!out) {
			fail(r, rc, ERR_TOOBIG, open_line, "out of memory for the file");
			r->done = true;
		} else {
			size_t k = 0;
			for (size_t j = r->pos + 1; j < end; j++) {
				char c = r->p[j];
				if (c == '"')
					j++;    /* the first of "" */
				else if (c == '\r') {
					if (j + 1 < end && r->p[j + 1] == '\n')
						j++;
					c = '\n';
				}
				out[k++] = c;
			}
			out[k] = '\0';
			*outlen = k;
			check_utf8(r, rc, out, k, open_line);
		}
	}
	r->line = line;
	r->pos = end + 1;
	if (r->pos < r->len && r->p[r->pos] != r->sep && !is_break(r->p[r->pos])) {
		fail(r, rc, ERR_INVAL, line, "character after a closing quote");
		while (r->pos < r->len && r->p[r->pos] != r->sep && !is_break(r->p[r->pos]))
			r->pos++;
	}
	return *rc ? NULL : out;
}

int csv_next(struct csv_reader *r, struct arena *a, struct csv_record *out)
{
	memset(out, 0, sizeof *out);
	if (r->done)
		return ERR_NOTFOUND;
	while (r->pos < r->len && is_break(r->p[r->pos]))
		eat_break(r);
	if (r->pos >= r->len) {
		r->done = true;
		return ERR_NOTFOUND;
	}
	int rc = ERR_OK;
	if (r->records >= r->lim.max_records) {
		snprintf(r->err, sizeof r->err, "more than %zu records", r->lim.max_records);
		r->err_line = r->line;
		r->done = true;
		return ERR_TOOBIG;
	}
	r->records++;
	out->line = r->line;
	size_t cap = 0;
	for (;;) {
		size_t fline = r->line;
		bool store = !rc;
		if (out->n >= r->lim.max_fields) {
			fail(r, &rc, ERR_TOOBIG, fline, "more than %zu fields", r->lim.max_fields);
			store = false;
		}
		char *s = NULL;
		size_t n = 0;
		if (r->pos < r->len && r->p[r->pos] == '"') {
			s = quoted_field(r, a, store, &rc, &n);
			if (r->done)
				return rc;
		} else {
			size_t start = r->pos;
			while (r->pos < r->len && r->p[r->pos] != r->sep && !is_break(r->p[r->pos]))
				r->pos++;
			n = r->pos - start;
			if (n > r->lim.max_field) {
				fail(r, &rc, ERR_TOOBIG, fline, "field longer than %zu bytes", r->lim.max_field);
			} else if (store && !rc) {
				check_utf8(r, &rc, r->p + start, n, fline);
				if (!rc && !(s = arena_strndup(a, r->p + start, n))) {
					fail(r, &rc, ERR_TOOBIG, fline, "out of memory for the file");
					r->done = true;
					return rc;
				}
			}
		}
		if (s) {
			struct slice *v = arena_grow(a, out->f, out->n, &cap, sizeof *v);
			if (!v) {
				fail(r, &rc, ERR_TOOBIG, fline, "out of memory for the file");
				r->done = true;
				return rc;
			}
			out->f = v;
			out->f[out->n] = (struct slice){s, n};
		}
		out->n++;
		if (r->pos < r->len && r->p[r->pos] == r->sep) {
			r->pos++;
			continue;
		}
		if (r->pos < r->len)
			eat_break(r);
		break;
	}
	if (rc) {
		out->f = NULL;
		out->n = 0;
	}
	return rc;
}

/* ---- writing ---- */

void csv_w_init(struct csv_writer *w, struct sb *sb, char sep)
{
	w->sb = sb;
	w->sep = sep == ';' ? ';' : ',';
	w->first = true;
}

static void next_field(struct csv_writer *w)
{
	if (!w->first)
		sb_addc(w->sb, w->sep);
	w->first = false;
}

void csv_w_field(struct csv_writer *w, const char *s, size_t len)
{
	next_field(w);
	if (!s || !len)
		return;
	/* OWASP: a leading ' makes the spreadsheet treat the cell as text. */
	bool guard = memchr("=+-@\t\r", s[0], 6) != NULL;
	bool quote = s[0] == ' ' || s[len - 1] == ' ';
	for (size_t i = 0; i < len && !quote; i++)
		quote = s[i] == w->sep || s[i] == '"' || is_break(s[i]);
	if (quote)
		sb_addc(w->sb, '"');
	if (guard)
		sb_addc(w->sb, '\'');
	size_t from = 0;
	for (size_t i = 0; i < len; i++) {
		if (s[i] == '"') {
			sb_add(w->sb, s + from, i + 1 - from);   /* up to and with the quote */
			sb_addc(w->sb, '"');
			from = i + 1;
		}
	}
	sb_add(w->sb, s + from, len - from);
	if (quote)
		sb_addc(w->sb, '"');
}

void csv_w_int(struct csv_writer *w, int64_t v)
{
	next_field(w);
	sb_addf(w->sb, "%lld", (long long)v);
}

void csv_w_end(struct csv_writer *w)
{
	sb_add(w->sb, "\r\n", 2);
	w->first = true;
}
