/* csv.h - RFC 4180 CSV: a bounded reader over a byte buffer and a writer
 * that defuses spreadsheet formulas.
 *
 * Reading. Records are separated by CRLF, LF or a lone CR (Excel for Mac's
 * "CSV (Macintosh)"); fields by ',' or ';' (French Excel writes ';'): unless
 * the caller forces one, the separator is the one found most often outside
 * quotes in the first line (',' when neither occurs, ',' on a tie). A
 * leading UTF-8 byte order mark is skipped. A field may be quoted, with ""
 * for a quote and line breaks inside; a line break inside quotes comes back
 * as "\n" whatever the file used. A quote inside an unquoted field is kept as
 * a character (as Excel and Python do); anything but a separator or a line
 * break after a closing quote is an error. Lines with nothing on them are
 * skipped (so a one-column file cannot hold an empty value).
 *
 * Every record knows the physical line (1-based) where it starts, and every
 * refusal names a line: the one holding the invalid UTF-8 byte, the one
 * where an unterminated quote opened. Limits are the caller's: bytes per
 * field, fields per record, records per file.
 *
 * Errors are per record: after ERR_INVAL (invalid UTF-8, a character after
 * a closing quote) or ERR_TOOBIG (a field or record over its limit) the next
 * csv_next() goes on with the following record, so an importer can report
 * every bad line. Two errors end the reading: an unterminated quote (it runs
 * to the end of the input) and the record limit.
 *
 * Writing. Fields are quoted only when they must be (separator, quote, CR,
 * LF, leading or trailing space). Against CSV injection (OWASP "CSV
 * Injection"): a spreadsheet runs a cell that starts with = + - @ as a
 * formula, and TAB or CR can hide that character, so such a text field gets
 * a leading ' which spreadsheets show as text. Numbers written with
 * csv_w_int() are never prefixed ("-5" stays a number). */
#ifndef TRIBU_CSV_H
#define TRIBU_CSV_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/sb.h"
#include "core/str.h"

struct arena;

struct csv_limits {
	size_t max_field;     /* bytes of one field after unquoting */
	size_t max_fields;    /* fields of one record */
	size_t max_records;   /* records of the input, the header included */
};

struct csv_record {
	struct slice *f;      /* n fields in the arena, each NUL-terminated */
	size_t n;
	size_t line;          /* physical line where the record starts, 1-based */
};

/* The reader's state; read `sep`, `err_line` and `err` only. */
struct csv_reader {
	const char *p;
	size_t len, pos;
	size_t line;          /* physical line at `pos` */
	char sep;
	struct csv_limits lim;
	size_t records;
	bool done;            /* end of input or a fatal error */
	size_t err_line;      /* line of the last error */
	char err[128];        /* its reason, in English, without the line */
};

/* Starts reading buf[0..len) (the buffer must outlive the reader). `sep` is
 * ',' or ';', or 0 to detect it from the first line. ERR_INVAL for another
 * separator or a NULL `lim`. */
int csv_open(struct csv_reader *r, const char *buf, size_t len, char sep,
	     const struct csv_limits *lim);

/* The next record, its fields in `a`. ERR_NOTFOUND at the end; ERR_INVAL or
 * ERR_TOOBIG with r->err_line and r->err set (see above for which ones let
 * reading go on); ERR_TOOBIG also when the arena is full. */
int csv_next(struct csv_reader *r, struct arena *a, struct csv_record *out);

/* Writing: one record at a time into `sb` (whose errors stay sticky). */
struct csv_writer {
	struct sb *sb;
	char sep;
	bool first;           /* no field yet in the current record */
};

void csv_w_init(struct csv_writer *w, struct sb *sb, char sep);
/* A text field, quoted if needed, with the formula guard. NULL is "". */
void csv_w_field(struct csv_writer *w, const char *s, size_t len);
static inline void csv_w_str(struct csv_writer *w, const char *s)
{
	csv_w_field(w, s, s ? __builtin_strlen(s) : 0);
}
/* A number, as digits, never prefixed. */
void csv_w_int(struct csv_writer *w, int64_t v);
/* Ends the record with CRLF (RFC 4180). */
void csv_w_end(struct csv_writer *w);

#endif
