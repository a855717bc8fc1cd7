/* store.h - Tribu's persistent state; the only interface to SQL.
 *
 * Backed by SQLite (WAL, synchronous=NORMAL, foreign keys, busy timeout),
 * one connection per thread, statements prepared once per connection.
 * Written so that a PostgreSQL backend can implement the same functions.
 *
 * Conventions: functions return enum err; rows come back in out-structs whose
 * strings are allocated in the caller's arena; times are ms since the epoch,
 * UTC. Functions never open a transaction unless their comment says so:
 * changes that must be atomic (a change and its audit entry) run between
 * store_begin and store_end on the same thread. */
#ifndef TRIBU_STORE_H
#define TRIBU_STORE_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct store;

/* Opens (creating if needed) the database at `path` and applies pending
 * migrations. ERR_IO, ERR_DB. */
int store_open(struct store **out, const char *path, int busy_timeout_ms);
void store_close(struct store *s);                       /* NULL is a no-op */
/* Schema version now and the newest this binary knows. */
int store_version(struct store *s, int *current, int *latest);

/* A write transaction (BEGIN IMMEDIATE) on the calling thread's connection;
 * ERR_BUSY if the database stayed locked past the busy timeout. */
int store_begin(struct store *s);
/* Commits when rc is ERR_OK, rolls back otherwise; returns rc, or the commit
 * error. */
int store_end(struct store *s, int rc);

/* A read transaction: every statement until store_read_end sees one snapshot
 * and the WAL read lock is taken once, not once per statement. For requests
 * that only read. */
int store_read(struct store *s);
void store_read_end(struct store *s);

/* Total nanoseconds spent inside the database, all threads (for /metrics). */
int64_t store_time_ns(void);

/* --- accounts ---------------------------------------------------------- */
struct account {
	int64_t id;
	const char *email, *name;
	int64_t created_at;
};
int store_account_insert(struct store *s, const char *email, const char *name,
			 const char *pwhash, int64_t now, int64_t *id);  /* ERR_EXISTS */
/* `pwhash` may be NULL when the caller does not need it. */
int store_account_by_email(struct store *s, struct arena *a, const char *email,
			   struct account *out, const char **pwhash);  /* ERR_NOTFOUND */
int store_account_by_id(struct store *s, struct arena *a, int64_t id, struct account *out,
			const char **pwhash);
/* Sets the hash and deletes every session of the account, in a transaction
 * of its own. */
int store_account_set_password(struct store *s, int64_t id, const char *pwhash, int64_t now);
int store_account_count(struct store *s, int64_t *n);

/* --- sessions and API tokens (only hashes are stored) ------------------- */
int store_session_insert(struct store *s, const char *hash, int64_t account_id,
			 int64_t now, int64_t expires_at, const char *ip);
/* ERR_NOTFOUND when absent or expired. */
int store_session_account(struct store *s, const char *hash, int64_t now, int64_t *account_id);
int store_session_delete(struct store *s, const char *hash);
int store_session_purge(struct store *s, int64_t now);   /* expired ones */

int store_token_insert(struct store *s, const char *hash, int64_t account_id,
		       const char *name, int64_t now, int64_t *id);
int store_token_account(struct store *s, const char *hash, int64_t *account_id);

/* --- workspaces and members --------------------------------------------- */
struct workspace {
	int64_t id;
	const char *name, *tz, *lang;
	const char *business_hours;      /* JSON text, validated by the caller */
	int64_t created_at, updated_at;
	const char *role;                /* the reader's role, when listed for one */
};
struct workspace_list {
	struct workspace *v;
	size_t n;
};
/* Creates the workspace with `owner` as its owner. Two writes: call it
 * between store_begin and store_end. */
int store_workspace_insert(struct store *s, const struct workspace *w, int64_t owner,
			   int64_t now, int64_t *id);
int store_workspace_get(struct store *s, struct arena *a, int64_t id, struct workspace *out);
int store_workspace_update(struct store *s, const struct workspace *w, int64_t now);
int store_workspace_delete(struct store *s, int64_t id);
/* Workspaces `account` belongs to, with its role in each, by name. */
int store_workspaces_of(struct store *s, struct arena *a, int64_t account,
			struct workspace_list *out);
int store_workspace_by_name(struct store *s, struct arena *a, const char *name,
			    struct workspace *out);

struct member {
	int64_t account_id;
	const char *email, *name, *role;
	int64_t created_at;
};
struct member_list {
	struct member *v;
	size_t n;
};
/* Role of `account` in `ws` into `role` (static string); ERR_NOTFOUND if not a
 * member or no such workspace. */
int store_member_role(struct store *s, int64_t ws, int64_t account, const char **role);
int store_member_insert(struct store *s, int64_t ws, int64_t account, const char *role,
			int64_t now);                                      /* ERR_EXISTS */
int store_member_set_role(struct store *s, int64_t ws, int64_t account, const char *role);
int store_member_delete(struct store *s, int64_t ws, int64_t account);
int store_member_list(struct store *s, struct arena *a, int64_t ws, struct member_list *out);
int store_owner_count(struct store *s, int64_t ws, int64_t *n);

/* --- audit log ---------------------------------------------------------- */
struct audit_entry {
	int64_t id, workspace_id, account_id;   /* account 0: the system / CLI */
	const char *actor;                      /* e-mail, when listed */
	const char *action, *target, *detail, *ip;  /* detail: JSON text */
	int64_t created_at;
};
struct audit_list {
	struct audit_entry *v;
	size_t n;
};
int store_audit_add(struct store *s, const struct audit_entry *e);
/* Newest first, ids below `before` (0: from the newest), at most `limit`. */
int store_audit_list(struct store *s, struct arena *a, int64_t ws, int64_t before,
		     int limit, struct audit_list *out);

/* Publishing settings of a workspace. */
struct ws_publishing {
	bool approval_required;
	int64_t paused_at;               /* 0: publishing runs */
	const char *pause_reason;
	const char *charter;             /* JSON text, canonical (charter module) */
	const char *ical_hash;           /* hash of the feed's secret, "" = no feed */
	const char *campaigns;           /* JSON {name: {utm_source, utm_medium, utm_campaign}} */
};
int store_ws_publishing(struct store *s, struct arena *a, int64_t ws, struct ws_publishing *out);
int store_ws_set_approval(struct store *s, int64_t ws, bool required);
/* paused_at 0 resumes. */
int store_ws_set_pause(struct store *s, int64_t ws, int64_t paused_at, const char *reason);
int store_ws_set_charter(struct store *s, int64_t ws, const char *charter);
int store_ws_set_campaigns(struct store *s, int64_t ws, const char *campaigns);
int store_ws_set_ical(struct store *s, int64_t ws, const char *hash);
/* The workspace whose feed secret hashes to `hash`; ERR_NOTFOUND. */
int store_ws_by_ical(struct store *s, const char *hash, int64_t *ws);

/* --- channels ----------------------------------------------------------- */
/* A connected account on a network. `secret` is the sealed credentials
 * blob: the store never sees them in clear. */
struct channel {
	int64_t id, workspace_id;
	const char *network, *service, *handle, *account_ref, *display_name;
	const char *status;              /* "active" | "needs_reconnect" */
	const char *status_reason;
	const char *charter, *slots;     /* JSON text */
	int64_t created_at, updated_at;
};
struct channel_list {
	struct channel *v;
	size_t n;
};
int store_channel_insert(struct store *s, const struct channel *c, const void *secret,
			 size_t secret_len, int64_t now, int64_t *id);     /* ERR_EXISTS */
/* ws 0: any workspace (the scheduler); else ERR_NOTFOUND outside `ws`. */
int store_channel_get(struct store *s, struct arena *a, int64_t ws, int64_t id,
		      struct channel *out);
int store_channel_list(struct store *s, struct arena *a, int64_t ws, struct channel_list *out);
/* Sealed credentials, copied into `a`. */
int store_channel_secret(struct store *s, struct arena *a, int64_t id, void **secret,
			 size_t *len);
int store_channel_set_secret(struct store *s, int64_t id, const void *secret, size_t len,
			     int64_t now);
int store_channel_set_status(struct store *s, int64_t id, const char *status,
			     const char *reason, int64_t now);
/* display_name, charter, slots. */
int store_channel_update(struct store *s, const struct channel *c, int64_t now);
/* Up to `max` active channels not checked since `before` (oldest first),
 * marked checked at `now`: the scheduler refreshes their sessions. */
int store_channels_to_check(struct store *s, int64_t before, int64_t now, size_t max,
			    int64_t *ids, size_t *n);
/* With its variants and their jobs: two writes, in a transaction. */
int store_channel_delete(struct store *s, int64_t ws, int64_t id);

/* --- posts -------------------------------------------------------------- */
struct variant {
	int64_t id, post_id, channel_id;
	const char *text, *link, *first_comment, *media;  /* media: JSON text */
	const char *options;  /* JSON {"thread":[...], "visibility", "content_warning"} */
	const char *state;    /* pending | publishing | published | failed | canceled */
	const char *idem_key, *external_id, *url, *error;
	int64_t published_at;
	int64_t first_attempt_at;        /* first claim (ms), 0 = never tried */
	const char *network, *handle;    /* of its channel, when read */
};
struct post {
	int64_t id, workspace_id, author_id;
	const char *state;
	int64_t scheduled_at;            /* UTC ms; 0 = not scheduled */
	const char *tz;                  /* the zone it was scheduled in */
	const char *campaign, *labels, *notes;   /* labels: JSON array text */
	const char *review_comment, *failure, *override_reason;
	int64_t published_at, version, created_at, updated_at;
	struct variant *v;
	size_t nv;
};
struct post_list {
	struct post *v;
	size_t n;
};
/* Inserts the post and its variants (ids written back into `p`). Several
 * writes: between store_begin and store_end. */
int store_post_insert(struct store *s, struct post *p, int64_t now);
/* With its variants; ERR_NOTFOUND outside `ws` (ws 0: any). */
int store_post_get(struct store *s, struct arena *a, int64_t ws, int64_t id, struct post *out);
/* Everything but the variants; bumps version. ERR_CONFLICT when the post
 * changed since `p` was read (p->version): the scheduler may have claimed
 * it meanwhile. */
int store_post_update(struct store *s, const struct post *p, int64_t now);
/* Replaces the variants (a post not yet publishing). In a transaction. */
int store_post_set_variants(struct store *s, struct post *p);
/* ERR_CONFLICT when the post changed since its `version` was read. */
int store_post_delete(struct store *s, int64_t ws, int64_t id, int64_t version);

struct post_filter {
	int64_t from, to;                /* scheduled_at in [from, to); 0/0: all */
	int64_t channel;                 /* 0: any */
	const char *campaign, *label, *state;   /* NULL: any */
	int limit;
};
/* Posts of `ws` by scheduled time (unscheduled ones last), with variants. */
int store_post_list(struct store *s, struct arena *a, int64_t ws,
		    const struct post_filter *f, struct post_list *out);
/* Scheduled times of posts on `channel` within [from, to), excluding post
 * `except`: for the charter's gap and per-day rules and for queue slots. */
int store_channel_times(struct store *s, struct arena *a, int64_t channel, int64_t from,
			int64_t to, int64_t except, int64_t **out, size_t *n);

/* --- media -------------------------------------------------------------- */
struct media {
	int64_t id, workspace_id, size, created_at;
	const char *mime, *sha256;
	const unsigned char *data;       /* when asked for, in the arena */
};
/* ERR_EXISTS when the workspace has these bytes already: `id` is theirs. */
int store_media_insert(struct store *s, struct media *m, const void *data, int64_t now);
/* ERR_NOTFOUND outside `ws` (0: any). `data`: also read the bytes. */
int store_media_get(struct store *s, struct arena *a, int64_t ws, int64_t id, bool data,
		    struct media *out);

/* --- notifications ------------------------------------------------------ */
struct notification {
	int64_t id, workspace_id, account_id;   /* account 0: every member */
	const char *kind, *message;
	int64_t post_id, channel_id, created_at;
	bool read;                              /* by the account it was listed for */
};
struct notification_list {
	struct notification *v;
	size_t n;
};
int store_notify(struct store *s, const struct notification *n);
/* For `account` (its own and the workspace's), newest first. */
int store_notification_list(struct store *s, struct arena *a, int64_t ws, int64_t account,
			    int limit, struct notification_list *out);
/* Marks every notification of `ws` up to id `up_to` read for `account`
 * (never moves backwards); `unread` (may be NULL) gets what is left. */
int store_notifications_read(struct store *s, int64_t ws, int64_t account, int64_t up_to,
			     int64_t *unread);
int store_notifications_unread(struct store *s, int64_t ws, int64_t account, int64_t *n);

/* --- jobs --------------------------------------------------------------- */
/* Variants waiting in the publish queue, for /metrics. */
int store_jobs_queued(struct store *s, int64_t *n);

/* Variants of channel `id` being published now (their outcome unknown). */
int store_channel_busy(struct store *s, int64_t id, int64_t *n);
/* Puts variant `variant` (of channel `channel`) in the publish queue at
 * `run_at`, its attempts at 0; a variant claimed now keeps its place. */
int store_publish_schedule(struct store *s, int64_t variant, int64_t channel, int64_t run_at);
/* Takes the variants of post `post` out of the queue (claimed ones stay). */
int store_publish_unschedule(struct store *s, int64_t post);

struct claim {
	int64_t variant, post, channel, workspace;
	int attempts;                    /* this one included */
	bool recheck;                    /* variant was already "publishing": an
	                                    earlier attempt may have gone out */
	/* What the worker needs, so that it does not read the database: */
	int64_t author, first_attempt_at, channel_updated_at;
	bool single;                     /* the post's only variant */
	const char *text, *link, *first_comment, *media, *options, *idem_key;  /* in the arena */
};
/* Claims up to `max` due variants, at most one per channel, none on a
 * channel that already has one claimed, on active channels of workspaces
 * not paused, oldest first: each variant and its post become "publishing".
 * Several writes: between store_begin and store_end. */
int store_publish_claim(struct store *s, struct arena *a, int64_t now, size_t max,
			struct claim *out, size_t *n);
/* Recomputes every channel's due time from its queue (ws 0: all): a repair
 * the scheduler runs now and then, so that no post can wait forever. */
int store_publish_sync(struct store *s, int64_t ws);
/* Claimed variants back in the queue at their place (at start-up: whoever
 * claimed them is gone). */
int store_publish_recover(struct store *s, int64_t *n);
/* Outcomes; each in the caller's transaction. */
/* `note`: kept as the variant's error although it is out ("" = none). */
int store_publish_done(struct store *s, const struct claim *c, const char *external_id,
		       const char *url, const char *note, int64_t now);
/* `refund`: the attempt the claim counted does not count (the channel's
 * login, not the post, was refused). */
int store_publish_retry(struct store *s, const struct claim *c, int64_t run_at,
			const char *error, bool variant_pending, bool refund);
int store_publish_failed(struct store *s, const struct claim *c, const char *error);
/* Derives the post's state from its variants once none is pending or
 * publishing: published, or failed with the variants' reasons. `state`
 * (static string) gets the result, NULL when unchanged. */
int store_post_settle(struct store *s, int64_t post, int64_t now, const char **state);
/* The same for a post whose only variant was just published: cheaper. */
int store_post_published(struct store *s, int64_t post, int64_t now);
/* Queued variants of workspace `ws` due before `before`: moved by `shift` ms. */
int store_publish_shift(struct store *s, int64_t ws, int64_t before, int64_t shift);

#endif
