/* slots.c - weekly queue slots in the workspace's zone (see calendar.h).
 *
 * slots_next walks the local calendar day by day from the date of
 * `after_ms` and resolves each slot of the day with tz_from_local: first
 * with TZ_EARLIER (the first occurrence of a repeated time), and again with
 * TZ_LATER when the time was skipped (moved forward by the gap).
 *
 * The forward move breaks the order: on the night Paris springs forward,
 * slot 02:30 becomes 03:30 CEST, later than slot 03:00 and equal to slot
 * 03:30. So candidates wait in a small sorted pending list and are only
 * offered to taken() once no later day can produce an earlier instant: every
 * candidate of day d or after is at or after local midnight of day d resolved
 * with TZ_EARLIER, so anything below that bound is final. Equal instants are
 * offered once. */
#include "calendar/calendar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/err.h"
#include "core/tz.h"

#define HORIZON_DAYS 367
#define PENDING_MAX (2 * SLOTS_MAX + 16)

static const char *const DAYS[7][2] = {
	{"mon", "monday"}, {"tue", "tuesday"}, {"wed", "wednesday"}, {"thu", "thursday"},
	{"fri", "friday"}, {"sat", "saturday"}, {"sun", "sunday"},
};

static int parse_day(const char *s)
{
	for (int i = 0; i < 7; i++)
		if (strcasecmp(s, DAYS[i][0]) == 0 || strcasecmp(s, DAYS[i][1]) == 0)
			return i;
	return -1;
}

/* "H:MM" or "HH:MM" -> minute of the day, -1 if not a time. */
static int parse_hhmm(const char *s)
{
	size_t len = strlen(s);
	if (len < 4 || len > 5 || s[len - 3] != ':')
		return -1;
	for (size_t i = 0; i < len; i++)
		if (i != len - 3 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = len == 5 ? (s[0] - '0') * 10 + (s[1] - '0') : s[0] - '0';
	int m = (s[len - 2] - '0') * 10 + (s[len - 1] - '0');
	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static int slot_cmp(const void *a, const void *b)
{
	const struct slot *x = a, *y = b;
	return x->wday != y->wday ? x->wday - y->wday : x->minute - y->minute;
}

int slots_from_json(const json_t *arr, struct slot *out, size_t *n, char *why, size_t whylen)
{
	char dummy[1];
	if (!why) {
		why = dummy;
		whylen = sizeof dummy;
	}
	*n = 0;
	if (!json_is_array(arr)) {
		snprintf(why, whylen, "slots must be an array");
		return ERR_INVAL;
	}
	size_t count = json_array_size(arr);
	if (count > SLOTS_MAX) {
		snprintf(why, whylen, "at most %d slots", SLOTS_MAX);
		return ERR_TOOBIG;
	}
	for (size_t i = 0; i < count; i++) {
		const json_t *o = json_array_get(arr, i);
		const json_t *d = json_object_get(o, "day"), *t = json_object_get(o, "time");
		if (!json_is_object(o) || json_object_size(o) != 2 || !json_is_string(d) || !json_is_string(t)) {
			snprintf(why, whylen, "slot %zu: expected {\"day\":\"mon\",\"time\":\"09:00\"}", i + 1);
			return ERR_INVAL;
		}
		int wday = parse_day(json_string_value(d));
		int minute = parse_hhmm(json_string_value(t));
		if (wday < 0) {
			snprintf(why, whylen, "slot %zu: day must be mon, tue, wed, thu, fri, sat or sun", i + 1);
			return ERR_INVAL;
		}
		if (minute < 0) {
			snprintf(why, whylen, "slot %zu: time must be HH:MM from 00:00 to 23:59", i + 1);
			return ERR_INVAL;
		}
		out[i] = (struct slot){wday, minute};
	}
	qsort(out, count, sizeof *out, slot_cmp);
	size_t k = 0;
	for (size_t i = 0; i < count; i++)
		if (k == 0 || slot_cmp(&out[k - 1], &out[i]) != 0)
			out[k++] = out[i];
	*n = k;
	return ERR_OK;
}

int slots_parse(const char *json, size_t len, struct slot *out, size_t *n, char *why, size_t whylen)
{
	json_error_t je;
	json_t *v = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!v) {
		*n = 0;
		if (why)
			snprintf(why, whylen, "invalid JSON: %s", je.text);
		return ERR_INVAL;
	}
	int rc = slots_from_json(v, out, n, why, whylen);
	json_decref(v);
	return rc;
}

void slots_to_json(struct jw *w, const struct slot *v, size_t n)
{
	jw_arr(w);
	for (size_t i = 0; i < n; i++) {
		char t[16];
		int m = v[i].minute < 0 || v[i].minute > 1439 ? 0 : v[i].minute;
		snprintf(t, sizeof t, "%02d:%02d", m / 60, m % 60);
		jw_obj(w);
		jw_kstr(w, "day", DAYS[v[i].wday >= 0 && v[i].wday < 7 ? v[i].wday : 0][0]);
		jw_kstr(w, "time", t);
		jw_obj_end(w);
	}
	jw_arr_end(w);
}

static int i64_cmp(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
	return (x > y) - (x < y);
}

/* The instant of `minute` on local day `days` (days since 1970-01-01). */
static int resolve(const struct tz *z, int64_t days, int minute, enum tz_policy policy, int64_t *out)
{
	int64_t y;
	struct tz_local w = {0};
	tz_civil_from_days(days, &y, &w.month, &w.day);
	w.year = (int)y;
	w.hour = minute / 60;
	w.minute = minute % 60;
	enum tz_kind kind;
	int rc = tz_from_local(z, &w, policy, out, &kind);
	if (rc == ERR_OK && kind == TZ_SKIPPED && policy == TZ_EARLIER)
		rc = tz_from_local(z, &w, TZ_LATER, out, NULL);
	return rc;
}

int slots_next(const struct slot *v, size_t n, const char *tzname, int64_t after_ms,
	       bool (*taken)(void *ctx, int64_t at_ms), void *ctx, int64_t *out_ms)
{
	const struct tz *z;
	int rc = tz_get(tzname, &z);
	if (rc)
		return rc;
	if (n > SLOTS_MAX)
		return ERR_INVAL;
	for (size_t i = 0; i < n; i++)
		if (v[i].wday < 0 || v[i].wday > 6 || v[i].minute < 0 || v[i].minute > 1439)
			return ERR_INVAL;
	if (n == 0)
		return ERR_NOTFOUND;

	struct tz_local now;
	tz_to_local(z, after_ms, &now);
	int64_t base = tz_days_from_civil(now.year, now.month, now.day);
	int64_t pending[PENDING_MAX], last = 0;
	size_t np = 0;
	bool offered = false;
	/* Day -1: a slot of the day before may have been pushed past after_ms. */
	for (int64_t k = -1; k <= HORIZON_DAYS + 1; k++) {
		int64_t day = base + k, floor_ms = INT64_MAX;
		if (k <= HORIZON_DAYS && (rc = resolve(z, day, 0, TZ_EARLIER, &floor_ms)))
			return rc;
		qsort(pending, np, sizeof *pending, i64_cmp);
		size_t done = 0;
		for (; done < np && pending[done] < floor_ms; done++) {
			if (offered && pending[done] == last)
				continue;
			offered = true;
			last = pending[done];
			if (!taken || !taken(ctx, last)) {
				*out_ms = last;
				return ERR_OK;
			}
		}
		memmove(pending, pending + done, (np - done) * sizeof *pending);
		np -= done;
		if (k > HORIZON_DAYS)
			break;
		int wday = (int)(((day % 7) + 7 + 3) % 7);   /* 1970-01-01 was a Thursday */
		for (size_t i = 0; i < n; i++) {
			if (v[i].wday != wday)
				continue;
			int64_t at;
			if ((rc = resolve(z, day, v[i].minute, TZ_EARLIER, &at)))
				return rc;
			if (at <= after_ms)
				continue;
			if (np == PENDING_MAX)
				return ERR_TOOBIG;   /* not reached: see PENDING_MAX */
			pending[np++] = at;
		}
	}
	return ERR_NOTFOUND;
}
