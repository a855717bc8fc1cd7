/* workspace.c - what a workspace accepts, and the audit helper. */
#include "workspace/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/json.h"
#include "core/str.h"
#include "http/http.h"
#include "store/store.h"

const char *workspace_name(struct arena *a, const char *name)
{
	while (*name == ' ')
		name++;
	size_t n = strlen(name);
	while (n && name[n - 1] == ' ')
		n--;
	if (!n || !utf8_valid(name, n) || utf8_count(name, n) > WORKSPACE_NAME_MAX)
		return NULL;
	return arena_strndup(a, name, n);
}

bool workspace_lang_ok(const char *lang)
{
	return !strcmp(lang, "fr") || !strcmp(lang, "en");
}

/* "HH:MM" as minutes since midnight, 00:00..24:00; -1 when malformed. */
static int minutes(const json_t *v)
{
	const char *s = json_string_value(v);
	if (!s || strlen(s) != 5 || s[2] != ':')
		return -1;
	for (int i = 0; i < 5; i++)
		if (i != 2 && (s[i] < '0' || s[i] > '9'))
			return -1;
	int h = (s[0] - '0') * 10 + (s[1] - '0'), m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && m))
		return -1;
	return h * 60 + m;
}

const char *workspace_hours_canonical(const json_t *v, struct arena *a, const char **why)
{
	static const char *const days[] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};
	if (!json_is_object(v)) {
		*why = "business_hours must be an object of days";
		return NULL;
	}
	const char *key;
	const json_t *ranges;
	json_object_foreach((json_t *)v, key, ranges) {
		bool known = false;
		for (int d = 0; d < 7; d++)
			known |= !strcmp(key, days[d]);
		if (!known) {
			*why = "business_hours: days are mon, tue, wed, thu, fri, sat, sun";
			return NULL;
		}
		if (!json_is_array(ranges) || json_array_size(ranges) > 4) {
			*why = "business_hours: each day is a list of at most 4 [start, end] ranges";
			return NULL;
		}
		int prev_end = -1;
		size_t i;
		const json_t *rg;
		json_array_foreach(ranges, i, rg) {
			int from = json_array_size(rg) == 2 ? minutes(json_array_get(rg, 0)) : -1;
			int to = json_array_size(rg) == 2 ? minutes(json_array_get(rg, 1)) : -1;
			if (!json_is_array(rg) || from < 0 || to < 0 || from >= to || from < prev_end) {
				*why = "business_hours: a range is [\"HH:MM\", \"HH:MM\"], start before "
				       "end, ranges in order without overlap";
				return NULL;
			}
			prev_end = to;
		}
	}
	const char *out = json_text(v, a);
	if (!out)
		*why = "business_hours too large";
	return out;
}

int workspace_audit_add(struct store *s, int64_t ws, int64_t account, const char *ip,
			const char *action, const char *target, json_t *detail)
{
	char *text = detail ? json_dumps(detail, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
	json_decref(detail);
	struct audit_entry e = {
		.workspace_id = ws, .account_id = account, .action = action, .target = target,
		.detail = text ? text : "{}", .ip = ip, .created_at = clock_now_ms(),
	};
	int rc = store_audit_add(s, &e);
	free(text);
	return rc;
}

int workspace_audit(struct req *r, int64_t ws, const char *action, const char *target,
		    json_t *detail)
{
	return workspace_audit_add(r->app->store, ws ? ws : r->ws, r->account, r->ip, action,
				   target, detail);
}
