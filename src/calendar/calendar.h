/* calendar.h - the editorial calendar's pure building blocks: the iCalendar
 * feed, weekly queue slots, and the bulk-import CSV parser. No database and
 * no HTTP here: the API layer feeds them rows and sends what they write.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC (clock.h); zones are
 * IANA names resolved with core/tz.h. */
#ifndef TRIBU_CALENDAR_H
#define TRIBU_CALENDAR_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/jw.h"
#include "core/sb.h"

struct arena;

/* ---- iCalendar feed (ical.c), RFC 5545 ----
 *
 * Streaming: ical_begin, one ical_event per post, ical_end, all into one
 * string builder (errors sticky there: check sb_err() at the end). Lines end
 * in CRLF and are folded at 75 octets, never inside a UTF-8 sequence. Times
 * are written in UTC ("20260329T073000Z"), the form Google Calendar, Outlook
 * and Thunderbird all read without a VTIMEZONE; X-WR-TIMEZONE tells them the
 * workspace's zone for display. Text must be valid UTF-8; control characters
 * other than line breaks are dropped (RFC 5545 forbids them in TEXT). */

enum ical_state { ICAL_DRAFT, ICAL_SCHEDULED, ICAL_PUBLISHED, ICAL_FAILED, ICAL_CANCELED };

struct ical_event {
	int64_t post_id;
	const char *variant;          /* variant id or channel id: UID part */
	const char *host;             /* UID domain; NULL: "tribu" */
	int64_t updated_ms;           /* DTSTAMP */
	int64_t start_ms;             /* DTSTART */
	int64_t end_ms;               /* DTEND when > start_ms, else DURATION:PT15M */
	const char *channel;          /* "LinkedIn Acme": SUMMARY prefix, may be NULL */
	const char *text;             /* full text: DESCRIPTION, SUMMARY's first words */
	enum ical_state state;        /* STATUS: CONFIRMED (scheduled, published),
	                                 CANCELLED (canceled), TENTATIVE (draft, failed) */
	const char *url;              /* network URL once published, else NULL */
	const char *campaign;         /* CATEGORIES, may be NULL */
	const char *const *labels;    /* CATEGORIES too */
	size_t n_labels;
	int64_t sequence;             /* SEQUENCE: grows with each update */
};

/* BEGIN:VCALENDAR and its properties. `calname` is X-WR-CALNAME, `tz` the
 * workspace's zone name (X-WR-TIMEZONE). */
void ical_begin(struct sb *out, const char *calname, const char *tz);
/* One VEVENT. */
void ical_event(struct sb *out, const struct ical_event *e);
/* END:VCALENDAR. */
void ical_end(struct sb *out);

/* Writes one content line "name:value" folded at 75 octets. `value` is
 * written as is (escape text with ical_escape first). */
void ical_line(struct sb *out, const char *name, const char *value, size_t len);
/* Appends `s` escaped as an RFC 5545 TEXT value: \\ \; \, and \n for a line
 * break (CRLF, CR or LF); other control characters but TAB dropped. */
void ical_escape(struct sb *out, const char *s, size_t len);

/* ---- queue slots (slots.c) ----
 *
 * A channel posts at recurring weekly slots, in the workspace's zone
 * ("Mon 09:00, Wed 12:30"). A slot is a LOCAL wall time: its instant is
 * computed for each date, so 09:00 stays 09:00 across a DST change and the
 * UTC instant moves by the change. Where a date has no such wall time (the
 * clocks jump over it: 02:30 on the night DST begins), the slot moves
 * forward by the gap (03:30 with a one-hour jump), as Google Calendar does;
 * where the wall time happens twice (the clocks are turned back), the slot
 * is taken once, at its first occurrence. */

struct slot {
	int wday;       /* 0 = Monday .. 6 = Sunday */
	int minute;     /* 0..1439, local */
};

#define SLOTS_MAX 168   /* one an hour, every day */

/* Parses [{"day":"mon","time":"09:00"},...]: days "mon".."sun" or "monday"..
 * "sunday" (any case), times "H:MM" or "HH:MM", no other key. Sorts by day
 * then time and drops duplicates. `out` has room for SLOTS_MAX. ERR_INVAL
 * (with `why`, may be NULL) on anything else, ERR_TOOBIG past SLOTS_MAX. */
int slots_from_json(const json_t *arr, struct slot *out, size_t *n, char *why, size_t whylen);
int slots_parse(const char *json, size_t len, struct slot *out, size_t *n, char *why, size_t whylen);
/* Writes the list as the same JSON (days "mon", times "HH:MM"). */
void slots_to_json(struct jw *w, const struct slot *v, size_t n);

/* The first slot instant strictly after `after_ms` that taken() (may be NULL)
 * does not claim, searching about a year ahead. `v` is sorted and deduplicated
 * as slots_from_json leaves it (n <= SLOTS_MAX). ERR_NOTFOUND when there is
 * no slot or every one is taken; ERR_INVAL or tz_get's error for a bad zone
 * or slot. */
int slots_next(const struct slot *v, size_t n, const char *tz, int64_t after_ms,
	       bool (*taken)(void *ctx, int64_t at_ms), void *ctx, int64_t *out_ms);

/* ---- bulk import (import.c) ----
 *
 * CSV files from other tools' bulk composers or from Excel (csv.h: ',' or
 * ';', BOM, CRLF). Columns are found by header name, whatever the case and
 * accents, spaces, '_' or '-', in English or French; others are ignored:
 *   date           date, jour                            (required)
 *   time           time, heure, hour
 *   channel        channel, canal, reseau, compte, account, network (required)
 *   text           text, texte, message, contenu, content (required)
 *   link           link, lien, url
 *   media_url      media, media_url, image, image_url, images: image URLs
 *                  separated by spaces or '|'
 *   alt            alt, alt_text, texte alternatif, alternative: each
 *                  image's alt text, in the same order, separated by '|'
 *   first_comment  first_comment, premier commentaire
 * Dates: YYYY-MM-DD or DD/MM/YYYY, optionally followed (space or 'T') by the
 * time in the date column. Times: HH:MM, HH:MM:SS, "9h30", "9h". A row with
 * no time is a queue row: the caller gives it the next free slot from that
 * date. A time is resolved in the workspace's zone: one the clocks skip is an
 * error for its line; one that happens twice is its first occurrence.
 *
 * Every problem is collected as (line, column, message), never stopping at
 * the first; rows with problems are still returned (ok = false) so the user
 * sees the whole file. Rows whose every field is empty (Excel's ";;;;") are
 * skipped. Checking that the date is in the future, resolving channel names
 * and each network's limits is the caller's job. */

#define IMPORT_TEXT_MAX 10000   /* default text limit, in code points */
#define IMPORT_MEDIA_MAX 4      /* images a row may name (as Bluesky and Mastodon take) */

struct import_limits {
	size_t max_rows;        /* data rows, the header excluded (e.g. 5000) */
	size_t max_text;        /* code points of text / first_comment; 0: IMPORT_TEXT_MAX */
};

struct import_row {
	size_t line;            /* physical line where the row starts */
	bool ok;                /* no problem on this row */
	bool queue;             /* no time given: use the next free slot */
	int year, month, day;   /* local date as written */
	int hour, minute, second;   /* local time as written (0 for a queue row) */
	/* The instant: of the local time, or for a queue row of the start of
	 * the local day (take slots_next(after = at_ms - 1)). 0 when !ok. */
	int64_t at_ms;
	/* Trimmed, NUL-terminated, in the arena; "" when absent. `text` and
	 * `first_comment` are kept as written (line breaks included). */
	const char *channel, *text, *link, *first_comment;
	/* Images to fetch, each with its alt text ("" when none). */
	const char *media[IMPORT_MEDIA_MAX], *alt[IMPORT_MEDIA_MAX];
	size_t n_media;
};

struct import_problem {
	size_t line;            /* 0: the file as a whole */
	const char *column;     /* canonical name ("date"), NULL: the whole line */
	const char *message;    /* English, in the arena */
};

struct import_result {
	struct import_row *rows;
	size_t n_rows;
	struct import_problem *problems;
	size_t n_problems;
	char sep;               /* the separator the file used */
};

/* Parses buf[0..len). ERR_OK whenever the file could be looked at, problems
 * or not (check n_problems); ERR_INVAL for a NULL argument or a zone tz_get
 * refuses (or its error); ERR_TOOBIG when the arena is full. Everything in
 * `out` lives in `a`. */
int import_csv(struct arena *a, const char *buf, size_t len, const char *tz,
	       const struct import_limits *lim, struct import_result *out);

#endif
