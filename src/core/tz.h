/* tz.h - IANA time zones without libc's TZ state.
 *
 * Scheduled posts are stored as a UTC instant plus the workspace's zone name
 * ("Europe/Paris"). This module turns one into the other with pure arithmetic
 * on zones read from /usr/share/zoneinfo (TZif files and their POSIX TZ
 * footer), so it is thread-safe and never touches setenv("TZ")/tzset().
 *
 * Times are int64 milliseconds since the Unix epoch, UTC (as in clock.h).
 * Offsets are seconds east of UTC (Paris in summer: +7200).
 *
 * Zones come from a process-wide cache and are immutable: a zone pointer may
 * be shared by any number of threads and stays valid until tz_cache_clear(). */
#ifndef TRIBU_TZ_H
#define TRIBU_TZ_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TZ_NAME_MAX 64        /* bytes in a zone name, without the NUL */
#define TZ_RFC3339_SIZE 32    /* "YYYY-MM-DDThh:mm:ss.mmm+hh:mm" and the NUL */

struct tz;  /* opaque, immutable */

/* A wall-clock time. tz_to_local() fills every field; tz_from_local() reads
 * only year to second. */
struct tz_local {
	int year, month, day;         /* month 1-12, day 1-31 */
	int hour, minute, second;     /* 0-23, 0-59, 0-59 */
	int wday, yday;               /* 0 = Sunday; 0 = January 1st */
	int32_t offset_s;             /* local - UTC at that instant */
	bool is_dst;
};

/* What a wall time is in a zone: it happens once, never (the clocks jumped
 * over it when DST began) or twice (the clocks were turned back). */
enum tz_kind { TZ_UNIQUE, TZ_SKIPPED, TZ_REPEATED };

/* How tz_from_local() resolves a wall time that is not TZ_UNIQUE.
 * TZ_EARLIER: the first of a repeated time; for a skipped time, the instant
 *   whose wall time is the requested one minus the gap (02:30 -> 01:30).
 * TZ_LATER: the second of a repeated time; for a skipped time, the instant
 *   whose wall time is the requested one plus the gap (02:30 -> 03:30), as
 *   calendar applications do.
 * TZ_REJECT: ERR_INVAL for both. */
enum tz_policy { TZ_EARLIER, TZ_LATER, TZ_REJECT };

/* The zone called `name`, loaded on first use from <root>/<name> and cached.
 * A name is 1 to TZ_NAME_MAX bytes of [A-Za-z0-9_+-] components joined by
 * single '/', with no leading or trailing '/' (so no "." or ".." either).
 * "UTC" and "Etc/UTC" are built in and need no file.
 * ERR_INVAL bad or NULL name; ERR_NOTFOUND no such zone file; ERR_PROTO
 * not a valid TZif file (also leap-second "right/" zones); ERR_IO unreadable;
 * ERR_TOOBIG the cache is full (it holds more zones than tzdata has files).
 * Takes a mutex; loading reads one small file under it. Callers that convert
 * often keep the pointer rather than looking the name up again. */
int tz_get(const char *name, const struct tz **out);
/* tz_get(name) succeeds. */
bool tz_valid(const char *name);
/* The built-in UTC zone; never NULL. */
const struct tz *tz_utc(void);
/* The name the zone was loaded under ("UTC" for the built-in one). */
const char *tz_name(const struct tz *z);

/* Offset in force at `utc_ms`. `is_dst` and `abbr` may be NULL; `*abbr`
 * ("CEST", "+0530") lives as long as the zone. */
int32_t tz_offset(const struct tz *z, int64_t utc_ms, bool *is_dst, const char **abbr);

/* The wall time at `utc_ms`, any int64. Milliseconds are dropped (floored, so
 * -1 ms is 23:59:59 on 1969-12-31). O(log transitions), no allocation. */
void tz_to_local(const struct tz *z, int64_t utc_ms, struct tz_local *out);

/* The instant at which the wall clock of `z` shows `wall` (year 0-9999, a
 * real date, hour 0-23, minute and second 0-59; else ERR_INVAL). `*kind`
 * (may be NULL) tells whether the time was unique, skipped or repeated, also
 * when `policy` rejects it (ERR_INVAL) so callers can say why.
 * O(log transitions), no allocation. */
int tz_from_local(const struct tz *z, const struct tz_local *wall, enum tz_policy policy,
		  int64_t *utc_ms, enum tz_kind *kind);

/* RFC 3339 with the local offset of `z`: "2026-03-29T03:30:00+02:00";
 * ".mmm" only when the milliseconds are not zero. An offset of zero, or one
 * that is not whole minutes (local mean time before ~1900), is written as UTC
 * with "Z" so that the string always names the right instant.
 * ERR_INVAL (and "") when the year is outside 0000-9999. */
int tz_format_rfc3339(const struct tz *z, int64_t utc_ms, char out[TZ_RFC3339_SIZE]);

/* Strict RFC 3339 date-time: "YYYY-MM-DDThh:mm:ss[.f{1,9}](Z|+hh:mm|-hh:mm)",
 * 'T' and 'Z' in either case, nothing before or after. Rejects impossible
 * dates (Feb 30), hour 24, second 60 (we keep no leap-second table) and a
 * missing offset. Fractions are truncated to milliseconds. `offset_s` (may
 * be NULL) receives the written offset. ERR_INVAL on any deviation. */
int tz_parse_rfc3339(const char *s, size_t len, int64_t *utc_ms, int32_t *offset_s);

/* Proleptic Gregorian calendar <-> days since 1970-01-01 (Howard Hinnant's
 * algorithms): exact for any year with |year| < 10^15. tz_days_from_civil
 * takes month 1-12 and day 1-31 and does not check that the date exists. */
int64_t tz_days_from_civil(int64_t year, int month, int day);
void tz_civil_from_days(int64_t days, int64_t *year, int *month, int *day);

/* Frees every cached zone: at shutdown, when no thread uses a zone any more. */
void tz_cache_clear(void);

/* Test hook: read zones from `dir` instead of /usr/share/zoneinfo (NULL goes
 * back to it). Clears the cache, so the same contract as tz_cache_clear().
 * ERR_TOOBIG if `dir` is longer than 255 bytes. */
int tz_set_root(const char *dir);

#endif
