/* text.h - length counting and entity extraction for social posts.
 *
 * A post is written once and tailored per network, and each network counts
 * its own way; the composer shows the exact count and where the mentions,
 * hashtags, cashtags and links are:
 *   X        twitter-text v3 weighted length (text_length_twitter) and
 *            twitter-text's entity rules (text_extract), checked against
 *            twitter-text's conformance suite;
 *   Bluesky  extended grapheme clusters (text_graphemes); its facets need
 *            byte offsets, which every entity carries;
 *   Mastodon links count 23, mentions count "@user" without their domain,
 *            the rest in grapheme clusters (text_length_mastodon).
 *
 * Input is UTF-8 of at most TEXT_MAX_LEN bytes: ERR_INVAL if it is not valid
 * UTF-8 (str.h's utf8_valid), ERR_TOOBIG if longer. Every scanner is linear
 * in the input (hand-written, no backtracking), so hostile input costs only
 * its length. Nothing here keeps state: all functions are thread-safe;
 * scratch memory (a few tens of bytes per code point) is malloc'ed and freed
 * before returning. Ranges are [start, end).
 *
 * Checked against twitter-text 3.1.0 itself on random texts, the results
 * are the same except where twitter-text contradicts itself or has aged:
 *   - a link without scheme whose domain ends past its last ASCII domain
 *     ("bar.みんな.uk/x"): twitter-text's text omits the tail its indices
 *     cover, and parseTweet then counts the tail twice; here the text is
 *     what the indices cover;
 *   - the valid prefix is mapped exactly onto the text as written, where
 *     twitter-text shifts it by the whole normalization length change;
 *   - emoji sequences are grapheme clusters (see length.c), where
 *     twitter-text has its own twemoji list: sequences newer than that list
 *     or with stray joiners and selectors weigh differently. */
#ifndef TRIBU_TEXT_H
#define TRIBU_TEXT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

#define TEXT_MAX_LEN  (64 * 1024)       /* bytes of input */
#define TEXT_MAX_ENTS 1000              /* entities of one text */

enum text_kind {
	TEXT_URL     = 1 << 0,
	TEXT_MENTION = 1 << 1,
	TEXT_HASHTAG = 1 << 2,
	TEXT_CASHTAG = 1 << 3,
};
#define TEXT_ALL (TEXT_URL | TEXT_MENTION | TEXT_HASHTAG | TEXT_CASHTAG)
/* Extra flag for text_extract: Mastodon's rules for mentions ("@user" and
 * "@user@domain", no lists) and for links (a scheme is required, wider path
 * and query characters), as Mastodon's own extractor has them. Hashtags and
 * cashtags keep twitter-text's rules. */
#define TEXT_MASTODON (1 << 8)

struct text_ent {
	enum text_kind kind;
	/* NUL-terminated copies in the caller's arena. text: the link as
	 * written; the mention without '@' ("user", "user@domain" with
	 * TEXT_MASTODON); the hashtag or cashtag without '#' or '$'.
	 * list: the "/slug" of a twitter list mention ("@user/slug"), else "". */
	const char *text;
	const char *list;
	size_t start, end;      /* code points, the sigil included */
	size_t bstart, bend;    /* bytes, the same range */
};

struct text_ent_list {
	struct text_ent *v;     /* in the arena, sorted by start, disjoint */
	size_t n;
};

/* The entities of the kinds in `kinds` (TEXT_* bits, optionally
 * TEXT_MASTODON) of s[0..len), as twitter-text's extractEntitiesWithIndices
 * finds them: when entities overlap, the one starting first is kept (at equal
 * starts: link, mention, hashtag, cashtag). Asking for TEXT_HASHTAG |
 * TEXT_URL therefore drops hashtags inside links, as extractHashtags does.
 * Everything lives in `a`. ERR_INVAL, ERR_TOOBIG (input past TEXT_MAX_LEN,
 * more than TEXT_MAX_ENTS entities, or the arena's cap). */
int text_extract(struct arena *a, const char *s, size_t len, unsigned kinds,
                 struct text_ent_list *out);

/* Number of extended grapheme clusters (Unicode 15 rules of utf8proc), what
 * Bluesky limits to 300. ERR_INVAL, ERR_TOOBIG. */
int text_graphemes(const char *s, size_t len, size_t *out);

/* twitter-text's weighting configuration (its config/v3.json and kin). */
struct text_weight_range {
	uint32_t first, last;           /* code points, inclusive */
	int weight;
};
struct text_weights {
	int max_weighted;               /* maxWeightedTweetLength */
	int scale;
	int default_weight;             /* code points outside the ranges */
	int url_length;                 /* transformedURLLength: any link */
	bool emoji;                     /* emojiParsingEnabled: an emoji
	                                   sequence weighs default_weight */
	const struct text_weight_range *ranges;
	size_t nranges;
};
/* X's current rules: 280, Latin-1 and general punctuation weigh 1, other
 * characters and emoji sequences 2, links 23. */
extern const struct text_weights text_twitter_v3;

struct text_twitter_len {
	int weighted;                   /* weightedLength */
	int permillage;                 /* weighted / max, in thousandths */
	bool valid;                     /* non-empty, fits, no U+FFFE/FEFF/FFFF */
	/* The longest prefix that is still valid (twitter-text's validRange),
	 * ending on a grapheme, link or emoji boundary: where the composer
	 * starts highlighting the overflow. */
	size_t valid_end, valid_bend;   /* code points, bytes */
};

/* twitter-text's parseTweet: weighs the NFC form of the text (normalized per
 * grapheme cluster; clusters over 32 code points stay as written), links
 * (found in that form) as w->url_length, emoji sequences as one character
 * when w->emoji. w NULL means text_twitter_v3. ERR_INVAL, ERR_TOOBIG, and
 * ERR_INVAL for a scale or maximum that is not positive. */
int text_length_twitter(const char *s, size_t len, const struct text_weights *w,
                        struct text_twitter_len *out);

/* The length Mastodon's server checks against its limit (500 by default,
 * set per instance): each link with a scheme counts 23, a mention
 * "@user@domain" counts as "@user", other text counts grapheme clusters,
 * and a text of white space only counts 0. Mastodon adds the content
 * warning as written: text_graphemes(spoiler) + text_length_mastodon(body).
 * ERR_INVAL, ERR_TOOBIG. */
int text_length_mastodon(const char *s, size_t len, size_t *out);

/* twitter-text's isValidUrl: the whole of s[0..len) is one URL (RFC 3986
 * shape, IPv4, IPv6 or Unicode domain host). With need_scheme the scheme must
 * be http or https. False for invalid UTF-8 or input past TEXT_MAX_LEN. */
bool text_url_valid(const char *s, size_t len, bool need_scheme);

#endif
