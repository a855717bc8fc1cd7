/* charter_int.h - what the files of src/charter share; not for use outside it.
 *
 * charter.c parses, writes and merges rules; check.c checks drafts; words.c
 * cuts text into foldable words for both (rule entries and drafts must be
 * cut the same way for a phrase to match); utm.c adds campaign tags. */
#ifndef TRIBU_CHARTER_INT_H
#define TRIBU_CHARTER_INT_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charter/charter.h"

struct arena;
struct text_ent_list;

/* The rules, in documentation order: the index is the bit in `set`, the
 * order of canonical JSON and the tie-break between findings. */
enum crule {
	CR_MAX_LENGTH, CR_REQUIRED, CR_FORBIDDEN, CR_MAX_HASHTAGS, CR_MAX_MENTIONS,
	CR_MAX_EMOJIS, CR_MAX_LINKS, CR_ALT_TEXT, CR_UTM, CR_DAYS, CR_HOURS, CR_MIN_GAP,
	CR_MAX_PER_DAY, CR_TONE, CR__COUNT
};
extern const char *const charter_rule_names[CR__COUNT];

enum ctok_kind { CT_WORD, CT_HASHTAG, CT_MENTION, CT_CASHTAG };

/* A word of a text or of a rule entry. */
struct ctok {
	const char *fold;       /* folded form (NUL-terminated, in the arena) */
	int start, end;         /* code points */
	uint8_t kind;           /* enum ctok_kind */
	bool joined;            /* only spaces, apostrophes or hyphens since the
	                           previous token: a phrase may go on across */
};
struct ctoks {
	struct ctok *v;
	size_t n;
};

struct cword {
	const char *text;       /* canonical, as the user wrote it */
	struct ctoks toks;
};
struct cwords {
	struct cword *v;
	size_t n;
};

struct charter {
	unsigned set;           /* 1 << enum crule: the key is present */
	unsigned lifted;        /* 1 << enum crule: the key is null */
	unsigned sev_set;       /* 1 << enum crule: severity given */
	enum charter_severity sev[CR__COUNT];
	int64_t num[CR__COUNT]; /* the integer rules */
	bool flag[CR__COUNT];   /* alt_text_required, utm_required */
	struct cwords words[CR__COUNT]; /* required, forbidden, tone */
	unsigned days;          /* 1 << wday, 0 = Sunday */
	int from, to;           /* minutes since local midnight, from < to <= 1440 */
};

/* The severity of `rule` (enum crule) in `c`: its own, or the default. */
enum charter_severity charter_severity_of(const struct charter *c, int rule);

/* Folds s[0..len) for matching: NFKD, marks and default-ignorables dropped,
 * case folded, œ/æ as oe/ae. NULL when the arena is full. */
char *charter_fold(const char *s, size_t len, struct arena *a);

/* The link u[0..len) has the query parameter `name` ("name=", value or
 * not) before its fragment. */
bool charter_has_param(const char *u, size_t len, const char *name);

/* Byte offsets of the code points of valid UTF-8 s[0..len): *n + 1 of them
 * in the arena, the last == len. NULL when the arena is full. */
uint32_t *charter_offsets(const char *s, size_t len, size_t *n, struct arena *a);

/* The tokens of s (n code points at byte offsets offs) given its entities
 * (text_extract with TEXT_ALL): words outside entities, one token per
 * hashtag, mention and cashtag (folded without its sigil); links are
 * barriers that no phrase crosses. ERR_TOOBIG when the arena is full. */
int charter_tokens(const char *s, const uint32_t *offs, size_t n,
                   const struct text_ent_list *ents, struct arena *a, struct ctoks *out);

#endif
