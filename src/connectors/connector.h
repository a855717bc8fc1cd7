/* connector.h - one ops table per social network.
 *
 * Every network Tribu publishes to (and later reads its inbox from) is one
 * `struct connector_ops`, found by name with connector_find(). A network's
 * quirks stay in its own file; the scheduler, the inbox and the API only see
 * this header.
 *
 * Calls are blocking and bounded by the timeouts in the context; they may run
 * on any thread, several at a time (a connector keeps no mutable global
 * state), but calls for one channel should not overlap: a session refreshed
 * by one makes the other's copy stale. Each call takes a `struct
 * connector_ctx`, which carries what the call needs (arena, credentials,
 * base URL, timeouts) and receives its outcome: a return code from enum err,
 * and in `ctx->res` what the caller should do about a failure, with a
 * readable reason.
 *
 * Exactly once. Publishing is not atomic across a network: the post may be
 * accepted and the answer lost (timeout, crash). So every post carries an
 * idempotency key, the same for every attempt of that post on that channel,
 * and the scheduler follows one rule: after any failure whose fate is
 * CONNECTOR_RETRY, and after a restart that finds a post "publishing", it
 * calls lookup(key) BEFORE publishing again. A connector makes publish itself
 * idempotent where the network allows it (Bluesky: the record key is derived
 * from the idempotency key, so a second create cannot succeed). */
#ifndef TRIBU_CONNECTOR_H
#define TRIBU_CONNECTOR_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arena;

/* How a network measures a post's length. */
enum connector_count {
	CONNECTOR_COUNT_GRAPHEMES,      /* user-perceived characters (Bluesky; Mastodon,
	                                   whose links count link_len) */
	CONNECTOR_COUNT_CODEPOINTS,     /* Unicode code points */
	CONNECTOR_COUNT_WEIGHTED,       /* weighted code points (X: CJK and emoji count 2) */
};

struct connector_limits {
	enum connector_count count;     /* how `max_len` and `max_alt_len` count */
	int max_len;                    /* text, in `count` units */
	size_t max_text_bytes;          /* text in UTF-8 bytes; 0 = no such limit */
	int max_media;                  /* images per post; 0 = text only */
	size_t max_media_bytes;         /* per image */
	const char *const *media_types; /* accepted MIME types, NULL-terminated */
	int max_alt_len;                /* alt text, in `count` units */
	int link_len;                   /* > 0: a link counts as this many (the network
	                                   shortens links); 0: as written */
};

/* What the caller should do after a call. */
enum connector_fate {
	CONNECTOR_DONE,         /* success, or a definite answer (lookup: not found) */
	CONNECTOR_RETRY,        /* transient (network down, timeout, 5xx, 429): retry with
	                           backoff, not before retry_after_ms; for a publish the
	                           network may have accepted it: lookup first */
	CONNECTOR_FAIL,         /* permanent: the network refuses this request as it is
	                           (too long, bad media, reply to a deleted post): fail the
	                           post with `msg` */
	CONNECTOR_REAUTH,       /* credentials refused (bad password, refresh token
	                           revoked): mark the channel needs_reconnect */
};

struct connector_result {
	enum connector_fate fate;
	int http_status;                /* last HTTP status seen, 0 if none */
	int64_t retry_after_ms;         /* RETRY: the network's own delay, 0 = none given */
	char msg[256];                  /* readable reason for a person; never a secret */
	const char *part;               /* connector_check_post: "text" or "media" when
	                                   that part was refused, else NULL */
};

/* Everything one call needs. The caller fills the inputs; `arena` holds
 * whatever the call returns (strings in out-structs, a new session) and its
 * scratch memory, so it lives at least as long as the results are used. */
struct connector_ctx {
	struct arena *arena;
	const char *base_url;           /* service URL (a Bluesky PDS); NULL = the network's */
	/* In/out: the channel's session as JSON, decrypted; the format belongs to
	 * the connector. When a call logs in or refreshes, `session` points to the
	 * new JSON (in the arena) and `session_changed` is set: the caller must
	 * store it (encrypted) before anything else, since the old one may stop
	 * working. */
	const char *session;
	bool session_changed;
	int connect_timeout_ms;         /* 0 = 10 s */
	int timeout_ms;                 /* per HTTP exchange, and a call may make several
	                                   (a publish: mentions, images, create); 0 = 30 s */
	struct connector_result res;    /* outcome of the last call */
};

/* A post on a network. `id` is the network's stable id for it (an AT-URI on
 * Bluesky); `cid` its content hash where the network needs one to reference
 * it (Bluesky replies), else NULL; `url` its public web address. */
struct connector_ref {
	const char *id;
	const char *cid;
	const char *url;
};

struct connector_media {
	const unsigned char *data;      /* the file's bytes */
	size_t len;
	const char *mime;               /* "image/jpeg" */
	const char *alt;                /* alt text; NULL or "" = none */
	int width, height;              /* pixels, 0 = unknown (layout hint only) */
};

struct connector_post {
	const char *idem_key;           /* required, 1 to 128 bytes: the same for every
	                                   attempt of this post on this channel */
	const char *text;               /* UTF-8, NUL-terminated; may be "" with media */
	const char *lang;               /* BCP 47 tag ("fr"), or NULL */
	const struct connector_media *media;
	int n_media;
	const struct connector_ref *reply_root;   /* both or neither: a reply in a */
	const struct connector_ref *reply_parent; /* thread (root = first post) */
	int64_t created_at_ms;          /* the post's timestamp; 0 = now */
	/* Optional, for networks that have them (Mastodon); others ignore them.
	 * visibility: the network's own word ("public", "unlisted", "private",
	 * "direct"), NULL = the account's default. content_warning: text shown
	 * in place of the post until the reader opens it, NULL or "" = none. */
	const char *visibility;
	const char *content_warning;
};

struct connector_account {
	const char *id;                 /* stable (a DID) */
	const char *name;               /* what people see (a handle) */
};

/* Inbox: a reply to, or a mention of, the channel's account. */
struct connector_item {
	struct connector_ref ref;
	struct connector_ref parent, root;      /* what it answers; id NULL if nothing */
	struct connector_account author;
	const char *text;
	int64_t created_at_ms;
	bool mention;                           /* names the account (may also be a reply) */
};

struct connector_page {
	struct connector_item *items;
	size_t n;
	const char *cursor;                     /* for the next fetch; NULL = no more */
};

/* Return codes: ERR_OK; otherwise ctx->res says what to do (fate) and why
 * (msg). Typical codes: ERR_INVAL / ERR_TOOBIG refused as it is (FAIL),
 * ERR_IO / ERR_BUSY transient (RETRY), ERR_DENIED credentials (REAUTH),
 * ERR_PROTO an answer we cannot read (RETRY), ERR_NOTFOUND as stated. */
struct connector_ops {
	const char *name;                       /* "bluesky": the registry key */
	const struct connector_limits *limits;

	/* Length of `text` (valid UTF-8 of `len` bytes) in the network's
	 * units, as `limits->count` says. ERR_INVAL if it is not valid UTF-8. */
	int (*measure)(const char *text, size_t len, size_t *out);

	/* Logs in with an identifier and an app password; on success
	 * ctx->session holds the new session (session_changed set) and `out`
	 * names the account. A refused password is ERR_DENIED / REAUTH. */
	int (*login)(struct connector_ctx *c, const char *identifier, const char *password,
		     struct connector_account *out);
	/* Renews ctx->session now (the other calls also renew it when it is
	 * about to expire). ERR_DENIED / REAUTH when the network refuses the
	 * refresh token: the channel needs a new login. */
	int (*refresh)(struct connector_ctx *c);
	/* Publishes `p`, after checking it against the limits (a refused post
	 * makes no network call); `out` in the arena. Where the network allows
	 * it (Bluesky), a post already there under the same idempotency key is
	 * returned as if just published; callers still look up before a retry,
	 * since not every network can promise that. */
	int (*publish)(struct connector_ctx *c, const struct connector_post *p,
		       struct connector_ref *out);
	/* Finds the post published with `idem_key`: ERR_OK with `out`, or
	 * ERR_NOTFOUND (fate DONE) when the network has none, which makes a new
	 * publish safe. */
	int (*lookup)(struct connector_ctx *c, const char *idem_key, struct connector_ref *out);
	/* Deletes the channel's post `id`; ERR_OK also when it is already gone. */
	int (*delete)(struct connector_ctx *c, const char *id);

	/* Inbox; NULL where not written yet. fetch: items newer than what
	 * `cursor` (NULL = from the newest) points at. reply: publishes `p` as
	 * an answer to `to`. hide: hides (or shows again) an item under the
	 * account's posts. */
	int (*fetch)(struct connector_ctx *c, const char *cursor, struct connector_page *out);
	int (*reply)(struct connector_ctx *c, const struct connector_item *to,
		     const struct connector_post *p, struct connector_ref *out);
	int (*hide)(struct connector_ctx *c, const struct connector_ref *item, bool hidden);
};

/* The connector called `name`, or NULL. The tables are static constants. */
const struct connector_ops *connector_find(const char *name);
/* Every connector, for listing the networks; `*n` gets the count. */
const struct connector_ops *const *connector_all(size_t *n);

/* Checks `p` against `ops`'s limits without any network call: valid UTF-8,
 * length, bytes, media count, types, sizes and alt text, the idempotency
 * key, a complete reply reference. ERR_INVAL or ERR_TOOBIG with fate FAIL
 * and a readable `res->msg` ("301 graphemes, Bluesky allows 300"). */
int connector_check_post(const struct connector_ops *ops, const struct connector_post *p,
			 struct connector_result *res);

/* Extended grapheme clusters in valid UTF-8 (Unicode's default rules, as
 * utf8proc implements them); ERR_INVAL if not valid UTF-8. A `measure`
 * for networks that count graphemes. */
int connector_graphemes(const char *text, size_t len, size_t *out);

/* Sets res: fate, a formatted message; returns `rc` (for `return
 * connector_fail(...)`). For connectors. */
int connector_fail(struct connector_result *res, int rc, enum connector_fate fate,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
