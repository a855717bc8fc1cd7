/* charter.h - the editorial charter (charte éditoriale): rules a workspace's
 * posts must follow, and the checker that finds where a draft breaks them.
 *
 * Rules are a JSON object stored per workspace, with per-channel overrides of
 * the same shape (docs/charter.md lists the keys). This module parses and
 * validates them, writes their canonical JSON, merges a channel override over
 * the workspace's rules, and checks a draft: its text (words, hashtags,
 * mentions, emojis, links), its images and its scheduled time. Each finding
 * names the rule, its severity, a message in French or English with the facts,
 * and the range of text to highlight.
 *
 * Pure: no database, no HTTP, no global state (time zones come from tz.h's
 * process-wide cache); thread-safe. Everything returned lives in the caller's
 * arena. Ranges are code points of the draft's text, [start, end).
 *
 * Word matching (required, forbidden, tone) ignores case and accents (NFKD,
 * marks stripped, case folded, œ/æ as oe/ae) and works on whole words: a
 * word is a run of Unicode letters, marks and digits, so an apostrophe ends
 * one and French elision needs nothing more ("l’Été" holds the word "ete",
 * "l'offre gratuite" does not hold "gratuit"). An entry may be a phrase of
 * several words; in the text its words may be separated by white space,
 * apostrophes or hyphens only. "#tag" and "@name" entries match hashtags and
 * mentions only; a word entry also matches a hashtag that is exactly that
 * word ("gratuit" matches "#Gratuit"). Words inside links never match. */
#ifndef TRIBU_CHARTER_H
#define TRIBU_CHARTER_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;
struct jw;

#define CHARTER_WORDS_MAX 200        /* entries of required / forbidden / tone */
#define CHARTER_WORD_MAX_LEN 100     /* characters of one entry */

struct charter;  /* parsed, immutable; lives in the arena it was made in */

/* Parses and validates `rules` (a JSON object; every key optional). A key
 * set to null means "no such rule here": in a channel override it lifts the
 * workspace's rule. `net_max_len` is the network's own maximum length, which
 * max_length may not exceed; 0 when the rules are not tied to one network
 * (workspace rules shared by several). On ERR_INVAL, `*field` names the
 * first problem ("hours.from", "forbidden[2]", "severity.tone", or the
 * unknown key itself) and `msg` says what is wrong, in English, for the API's
 * error; `field` may point into the arena. ERR_TOOBIG: the arena's cap. */
int charter_parse(const json_t *rules, int64_t net_max_len, struct arena *a,
                  struct charter **out, const char **field, char *msg, size_t msgsz);

/* Canonical JSON of the rules, for storage and GET: keys in documentation
 * order, entries trimmed and NFC-normalized with white space collapsed,
 * duplicate entries (the same once folded) and days dropped, days in week
 * order, hours as "HH:MM", lifted rules as null. NULL means "{}". NULL only
 * when the arena is full. */
char *charter_json(const struct charter *c, struct arena *a);

/* The rules in force on a channel: the workspace's, with each key that the
 * channel override sets replacing the workspace's key as a whole (its list,
 * its number, its hours), a null in the override lifting the rule, and
 * "severity" merged rule by rule. Either may be NULL. NULL only when the
 * arena is full. */
const struct charter *charter_merge(const struct charter *ws, const struct charter *channel,
                                    struct arena *a);

enum charter_severity { CHARTER_ERROR, CHARTER_WARNING };

struct charter_range {
	int start, end;              /* code points, [start, end) */
};

struct charter_finding {
	const char *rule;            /* the JSON key: "max_length", "forbidden", "tone", ... */
	enum charter_severity severity;
	/* In the requested language, with the facts: which word, how many, what
	 * limit, the local time and the allowed window. */
	const char *message;
	/* What to highlight, -1/-1 when the finding is about the whole post, an
	 * image or its time: a matched word (without an elided "l'"), a link, or
	 * for a count over its limit the first item past the limit. */
	int start, end;
	/* Counts over a limit (hashtags, mentions, emojis, links): every item past
	 * the limit, in text order (ranges[0] is start/end); else NULL, 0. */
	const struct charter_range *ranges;
	size_t n_ranges;
	int image;                   /* alt_text_required: the image, from 0; else -1 */
};

struct charter_draft {
	const char *text;            /* valid UTF-8 (the caller checked it), NUL-terminated */
	int64_t length;              /* in the network's units (the connector's measure) */
	unsigned text_flags;         /* 0, or TEXT_MASTODON (text.h) for Mastodon's rules
	                                for mentions and links */
	size_t n_images;
	const char *const *alts;     /* n_images alt texts; NULL or "" = none */
	int64_t at;                  /* scheduled instant, ms UTC; 0 = not scheduled,
	                                the time rules are skipped */
	const char *tz;              /* workspace time zone; NULL = UTC */
	/* The channel's other scheduled or published posts (not this one, when a
	 * scheduled post is edited), for min_gap_minutes and max_per_day. */
	const int64_t *others;
	size_t n_others;
	const char *lang;            /* "fr" for French messages, else English */
};

/* Checks `d` against `c` (NULL: no rules). `*out` gets every finding, errors
 * first, then by position (whole-post findings before ranges), then in
 * documentation order of the rules; `*n` = 0 when the draft complies.
 * ERR_INVAL: text not valid UTF-8, unknown time zone; ERR_TOOBIG: text past
 * TEXT_MAX_LEN or too many entities (text.h), or the arena's cap. */
int charter_check(const struct charter *c, const struct charter_draft *d, struct arena *a,
                  struct charter_finding **out, size_t *n);

/* Any finding of severity error: scheduling refuses the post unless an owner
 * overrides it with a reason. */
bool charter_blocks(const struct charter_finding *f, size_t n);

/* Findings as a JSON array for the API: [{"rule","severity":"error"|"warning",
 * "message","start","end","ranges":[[s,e],...],"image"}], "start"/"end" null
 * for the whole post, "ranges" only for counts and "image" only for images. */
void charter_findings_json(struct jw *w, const struct charter_finding *f, size_t n);

/* `text` with utm_source, utm_medium and utm_campaign added to every link
 * (text.h's rules for links) that lacks them: values percent-encoded
 * (RFC 3986 unreserved characters kept), after the existing query, before
 * any fragment; a parameter already on the link keeps its value. A NULL or
 * "" value is not added. NULL when `text` is not valid UTF-8, is past
 * TEXT_MAX_LEN or the arena is full. */
const char *charter_add_utm(const char *text, const char *source, const char *medium,
                            const char *campaign, struct arena *a);

#endif
