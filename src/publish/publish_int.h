/* publish_int.h - private to src/publish/: what its files share. */
#ifndef TRIBU_PUBLISH_INT_H
#define TRIBU_PUBLISH_INT_H
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "charter/charter.h"
#include "connectors/connector.h"
#include "store/store.h"

struct app;
struct arena;
struct jw;
struct req;

#define MAX_VARIANTS 16
#define PAST_GRACE_MS 60000     /* "now" typed a few seconds late is still now */

/* --- a post from a request (post_input.c); each answers the request and
 * returns false when something is refused. */
/* "variants" into p->v (new idempotency keys, state pending). */
bool post_read_variants(struct req *r, const json_t *arr, struct post *p);
/* "labels" (NULL: none given) as canonical JSON text into *out. */
bool post_read_labels(struct req *r, const json_t *arr, const char **out);
/* "scheduled_at" or "queue": true into *at (0 when neither is given). */
bool post_read_when(struct req *r, const struct workspace *ws, const struct post *p,
		    int64_t *at);
/* The campaign's UTM values (from `pub`) on every link of the variants. */
bool post_add_utm(struct req *r, const struct ws_publishing *pub, struct post *p);

/* A post as the API shows it, times in the workspace's zone. */
void post_json(struct jw *w, const struct post *p, const char *ws_tz);

/* The images of a variant (its media JSON [{"media_id","alt"}]) as the
 * connectors take them; `data`: with their bytes (else only type, size and
 * alt, for checks). ERR_NOTFOUND when one is not in workspace `ws`. */
int publish_media_load(const struct app *app, struct arena *a, int64_t ws, const char *json,
		       bool data, struct connector_media **out, int *n);

/* Keeps image bytes (of type `mime`) once per workspace, in the caller's
 * transaction: `m` gets the image's id, ERR_EXISTS when it was there. */
int publish_media_keep(struct store *s, struct arena *a, int64_t ws, const char *mime,
		       const void *p, size_t n, struct media *m);

/* Images named by URL (media_fetch.c), fetched PARALLEL at a time under the
 * limits of uploads and kept like them: each gets `media_id`, or `error` (a
 * readable reason, in `a`). ERR_OK unless the fetching itself broke down. */
struct media_fetch {
	const char *url;
	int64_t media_id;
	const char *error;
};
int publish_media_fetch(const struct app *app, struct arena *a, int64_t ws,
			struct media_fetch *v, size_t n);
/* Whether an address is one an image fetched for a user may not come from
 * (loopback, private, link-local, shared, multicast, reserved). */
struct sockaddr;
bool media_fetch_internal(const struct sockaddr *sa);

/* What goes out: the text, with the variant's link on a line of its own
 * unless the text has it already (in `a`). */
const char *publish_text(struct arena *a, const char *text, const char *link);

/* A new idempotency key "tribu-<32 hex>", in `a`. */
const char *publish_new_key(struct arena *a);

/* The charter's findings for each variant of a post. */
struct charter_report {
	struct variant_findings {
		size_t variant;
		int64_t channel_id;
		const char *part;       /* NULL: the post; "thread[0]", "first_comment" */
		struct charter_finding *f;
		size_t n;
	} *v;
	size_t nv;
	size_t errors;                  /* findings of severity error, all variants */
};
/* Posts not in the database yet that count as neighbours for the charter's
 * gap and per-day rules: earlier rows of the same import. */
struct charter_extra {
	const int64_t *channel, *at;
	size_t n;
};
/* Checks every variant of `p` against the workspace's charter with its
 * channel's override, at p->scheduled_at, messages in `lang` (NULL: the
 * workspace's); `pub`: the workspace's publishing settings when the caller
 * has them (NULL: read here); `extra` may be NULL. */
int publish_charter_check(const struct app *app, struct arena *a, const struct workspace *ws,
			  const struct ws_publishing *pub, const struct post *p, const char *lang,
			  const struct charter_extra *extra, struct charter_report *out);
/* [{"channel_id","variant","findings":[...]}] */
void publish_findings_json(struct jw *w, const struct charter_report *rep);

/* The next free queue slot after `after` for the post's first channel:
 * free means no other scheduled post of any of the post's channels at that
 * instant, nor one of the `n_extra` instants (slots given to earlier rows
 * of an import). ERR_NOTFOUND when no slot is free within a year. */
int publish_next_slot(const struct app *app, struct arena *a, const struct workspace *ws,
		      const struct post *p, int64_t after, const int64_t *extra, size_t n_extra,
		      int64_t *at);

#endif
