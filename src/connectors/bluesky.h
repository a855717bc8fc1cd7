/* bluesky.h - the Bluesky connector's network-free parts, exposed for its
 * tests (the connector itself is reached through connector_find("bluesky")).
 *
 * Syntax validators follow the AT Protocol specs (handle, DID, NSID, record
 * key, TID, AT-URI, CID, language); they take a byte string and its length,
 * accept ASCII only where the spec does, and never read past `len`. */
#ifndef TRIBU_CONNECTORS_BLUESKY_H
#define TRIBU_CONNECTORS_BLUESKY_H
#include <stdbool.h>
#include <stddef.h>

struct arena;

bool bsky_valid_handle(const char *s, size_t len);
bool bsky_valid_did(const char *s, size_t len);
bool bsky_valid_nsid(const char *s, size_t len);
bool bsky_valid_rkey(const char *s, size_t len);
bool bsky_valid_tid(const char *s, size_t len);
/* at://AUTHORITY[/COLLECTION[/RKEY]], authority a DID or a handle; no query
 * or fragment (Tribu neither sends nor expects them). */
bool bsky_valid_aturi(const char *s, size_t len);
bool bsky_valid_cid(const char *s, size_t len);
bool bsky_valid_lang(const char *s, size_t len);

/* The record key of the post published with `idem_key`: a TID-syntax string
 * (13 characters, high bit clear) made from SHA-256 of the key, so every
 * attempt of one post names the same record. */
#define BSKY_TID_LEN 13
void bsky_rkey(const char *idem_key, char out[BSKY_TID_LEN + 1]);

enum bsky_facet_kind { BSKY_FACET_MENTION, BSKY_FACET_LINK, BSKY_FACET_TAG };

struct bsky_facet {
	enum bsky_facet_kind kind;
	size_t start, end;      /* UTF-8 byte offsets in the text, end exclusive */
	/* mention: the handle without '@' (resolved to a DID later); link: the
	 * URI; tag: the tag without '#' ("$AAPL" for a cashtag). */
	const char *value;
};

/* Rich-text facets of `text` (valid UTF-8), detected the way Bluesky's own
 * client does (@atproto/api's detectFacets: mentions of handles with a known
 * TLD or ending in .test, http(s) links and bare domains with a known TLD,
 * #hashtags, $CASHTAGS), sorted by start. The array and values live in `a`.
 * ERR_TOOBIG when the arena is full. */
int bsky_facets(struct arena *a, const char *text, size_t len, struct bsky_facet **out,
		size_t *n);

#endif
