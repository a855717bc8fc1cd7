/* ical.c - the workspace's iCalendar feed (RFC 5545), written as a stream.
 *
 * Calendar clients poll the feed (REFRESH-INTERVAL, X-PUBLISHED-TTL: 15
 * minutes) and match events by UID, so the UID is built from stable ids only,
 * and SEQUENCE grows with each edit so that clients replace their copy.
 *
 * Each content line is built in a scratch builder, then copied out folded:
 * RFC 5545 section 3.1 limits lines to 75 octets without the CRLF, a
 * continuation line starts with one space (counted in its 75), and a fold
 * must not split a UTF-8 sequence, so the cut backs off over continuation
 * bytes (10xxxxxx). Unfolding (drop every CRLF followed by a space) gives the
 * line back byte for byte. */
#include "calendar/calendar.h"

#include <string.h>

#include "core/tz.h"

#define FOLD 75
#define LINE_CAP (1024 * 1024)   /* one property, escaped: text is far smaller */
#define SUMMARY_WORDS 60         /* code points of text in SUMMARY */

static void fold_into(struct sb *out, const struct sb *line)
{
	if (sb_err(line)) {
		out->err = true;   /* the sticky error of the feed */
		return;
	}
	const char *b = sb_str(line);
	size_t len = sb_len(line), pos = 0;
	bool first = true;
	while (pos < len || first) {
		size_t take = len - pos, max = first ? FOLD : FOLD - 1;
		if (take > max) {
			take = max;
			while (take > 0 && ((unsigned char)b[pos + take] & 0xC0) == 0x80)
				take--;
			if (take == 0)
				take = max;   /* not UTF-8 at all: still make progress */
		}
		if (!first)
			sb_addc(out, ' ');
		sb_add(out, b + pos, take);
		sb_add(out, "\r\n", 2);
		pos += take;
		first = false;
	}
}

void ical_escape(struct sb *out, const char *s, size_t len)
{
	size_t from = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *rep = NULL;
		size_t skip = 0;
		if (c == '\\')
			rep = "\\\\";
		else if (c == ';')
			rep = "\\;";
		else if (c == ',')
			rep = "\\,";
		else if (c == '\r' || c == '\n') {
			rep = "\\n";
			if (c == '\r' && i + 1 < len && s[i + 1] == '\n')
				skip = 1;
		} else if ((c < 0x20 && c != '\t') || c == 0x7F)
			rep = "";
		if (!rep)
			continue;
		sb_add(out, s + from, i - from);
		sb_adds(out, rep);
		i += skip;
		from = i + 1;
	}
	sb_add(out, s + from, len - from);
}

void ical_line(struct sb *out, const char *name, const char *value, size_t len)
{
	char buf[512];
	struct sb line;
	sb_init(&line, buf, sizeof buf, LINE_CAP);
	sb_adds(&line, name);
	sb_addc(&line, ':');
	sb_add(&line, value, len);
	fold_into(out, &line);
	sb_free(&line);
}

/* name:escaped(s) */
static void text_prop(struct sb *out, const char *name, const char *s)
{
	char buf[512];
	struct sb line;
	sb_init(&line, buf, sizeof buf, LINE_CAP);
	sb_adds(&line, name);
	sb_addc(&line, ':');
	if (s)
		ical_escape(&line, s, strlen(s));
	fold_into(out, &line);
	sb_free(&line);
}

/* A whole line known at compile time ("BEGIN:VEVENT"). */
static void lit(struct sb *out, const char *s)
{
	char buf[128];
	struct sb line;
	sb_init(&line, buf, sizeof buf, LINE_CAP);
	sb_adds(&line, s);
	fold_into(out, &line);
	sb_free(&line);
}

/* "20260329T073000Z" */
static void time_prop(struct sb *out, const char *name, int64_t ms)
{
	struct tz_local l;
	tz_to_local(tz_utc(), ms, &l);
	char v[32];
	int n = snprintf(v, sizeof v, "%04d%02d%02dT%02d%02d%02dZ", l.year, l.month, l.day, l.hour,
			 l.minute, l.second);
	ical_line(out, name, v, n > 0 ? (size_t)n : 0);
}

void ical_begin(struct sb *out, const char *calname, const char *tz)
{
	static const char *const head[] = {
		"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Tribu//Tribu//FR",
		"CALSCALE:GREGORIAN", "METHOD:PUBLISH",
	};
	for (size_t i = 0; i < sizeof head / sizeof head[0]; i++)
		lit(out, head[i]);
	text_prop(out, "X-WR-CALNAME", calname ? calname : "Tribu");
	text_prop(out, "X-WR-TIMEZONE", tz ? tz : "UTC");
	lit(out, "REFRESH-INTERVAL;VALUE=DURATION:PT15M");
	lit(out, "X-PUBLISHED-TTL:PT15M");
}

void ical_end(struct sb *out) { lit(out, "END:VCALENDAR"); }

static const char *state_name(enum ical_state s)
{
	switch (s) {
	case ICAL_DRAFT: return "draft";
	case ICAL_SCHEDULED: return "scheduled";
	case ICAL_PUBLISHED: return "published";
	case ICAL_FAILED: return "failed";
	case ICAL_CANCELED: return "canceled";
	}
	return "draft";
}

static const char *status_of(enum ical_state s)
{
	return s == ICAL_SCHEDULED || s == ICAL_PUBLISHED ? "CONFIRMED"
	       : s == ICAL_CANCELED ? "CANCELLED" : "TENTATIVE";
}

/* A URI value may not hold controls, spaces or quotes; anything else the
 * caller built, so a bad one is left out rather than escaped. */
static bool uri_ok(const char *u)
{
	if (!u || !*u)
		return false;
	for (const unsigned char *p = (const unsigned char *)u; *p; p++)
		if (*p <= 0x20 || *p == 0x7F || *p == '"')
			return false;
	return true;
}

/* "[channel] first words…": whitespace runs become one space, the text is
 * cut at a word boundary after at most SUMMARY_WORDS code points. */
static void summary(struct sb *line, const struct ical_event *e)
{
	char buf[512];
	struct sb s;
	sb_init(&s, buf, sizeof buf, LINE_CAP);
	if (e->channel && *e->channel) {
		sb_addc(&s, '[');
		sb_adds(&s, e->channel);
		sb_adds(&s, "] ");
	}
	const char *t = e->text ? e->text : "";
	size_t cps = 0, last_space = 0, i = 0;
	bool space = true;   /* drops leading whitespace */
	size_t base = sb_len(&s);
	for (; t[i] && cps < SUMMARY_WORDS; i++) {
		unsigned char c = (unsigned char)t[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			if (!space) {
				last_space = sb_len(&s);
				sb_addc(&s, ' ');
				cps++;
			}
			space = true;
			continue;
		}
		space = false;
		sb_addc(&s, (char)c);
		cps += (c & 0xC0) != 0x80;
	}
	/* Finish the code point under way. */
	while (t[i] && ((unsigned char)t[i] & 0xC0) == 0x80)
		sb_addc(&s, t[i++]);
	bool cut = false;
	while (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r')
		i++;
	if (t[i]) {
		cut = true;
		if (last_space > base)
			s.len = last_space;
	}
	while (s.len > 0 && s.buf[s.len - 1] == ' ')
		s.len--;
	s.buf[s.len] = '\0';
	if (cut)
		sb_adds(&s, "\xE2\x80\xA6");   /* … */
	if (sb_err(&s))
		line->err = true;
	ical_escape(line, sb_str(&s), sb_len(&s));
	sb_free(&s);
}

void ical_event(struct sb *out, const struct ical_event *e)
{
	char buf[1024];
	struct sb line;
	lit(out, "BEGIN:VEVENT");

	sb_init(&line, buf, sizeof buf, LINE_CAP);
	sb_addf(&line, "UID:post-%lld-", (long long)e->post_id);
	ical_escape(&line, e->variant ? e->variant : "0", e->variant ? strlen(e->variant) : 1);
	sb_addc(&line, '@');
	const char *host = e->host && *e->host ? e->host : "tribu";
	ical_escape(&line, host, strlen(host));
	fold_into(out, &line);

	time_prop(out, "DTSTAMP", e->updated_ms);
	time_prop(out, "DTSTART", e->start_ms);
	if (e->end_ms > e->start_ms)
		time_prop(out, "DTEND", e->end_ms);
	else
		lit(out, "DURATION:PT15M");

	sb_reset(&line);
	sb_adds(&line, "SUMMARY:");
	summary(&line, e);
	fold_into(out, &line);

	sb_reset(&line);
	sb_adds(&line, "DESCRIPTION:");
	if (e->text && *e->text) {
		ical_escape(&line, e->text, strlen(e->text));
		sb_adds(&line, "\\n\\n");
	}
	sb_addf(&line, "State: %s", state_name(e->state));
	if (uri_ok(e->url)) {
		sb_adds(&line, "\\n");
		ical_escape(&line, e->url, strlen(e->url));
	}
	fold_into(out, &line);

	if (uri_ok(e->url))
		ical_line(out, "URL", e->url, strlen(e->url));
	sb_reset(&line);
	sb_adds(&line, "STATUS:");
	sb_adds(&line, status_of(e->state));
	fold_into(out, &line);

	sb_reset(&line);
	sb_adds(&line, "CATEGORIES:");
	size_t empty = sb_len(&line);
	if (e->campaign && *e->campaign)
		ical_escape(&line, e->campaign, strlen(e->campaign));
	for (size_t i = 0; i < e->n_labels; i++) {
		const char *l = e->labels[i];
		if (!l || !*l)
			continue;
		if (sb_len(&line) > empty)
			sb_addc(&line, ',');
		ical_escape(&line, l, strlen(l));
	}
	if (sb_len(&line) > empty)
		fold_into(out, &line);

	sb_reset(&line);
	sb_addf(&line, "SEQUENCE:%lld", (long long)(e->sequence < 0 ? 0 : e->sequence));
	fold_into(out, &line);
	sb_free(&line);
	lit(out, "END:VEVENT");
}
