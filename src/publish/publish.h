/* publish.h - the content side: channels (connected network accounts),
 * posts with one variant per channel, approvals, the calendar, the charter,
 * and the scheduler that publishes each variant exactly once.
 *
 * Post states: draft -> in_review -> approved -> scheduled -> publishing ->
 * published | failed, and canceled from any state before publishing. When
 * the workspace does not require approval, draft -> scheduled directly.
 * Every change is written with its audit entry in one transaction. */
#ifndef TRIBU_PUBLISH_H
#define TRIBU_PUBLISH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "connectors/connector.h"
#include "store/store.h"

struct app;
struct arena;
struct req;

/* --- channels (channel.c) ----------------------------------------------- */
/* A channel ready for a connector call: its row, its network and a context
 * holding its session, decrypted. */
struct channel_conn {
	struct channel ch;               /* from the cache: id, workspace_id, network,
	                                    service, handle, updated_at only */
	const struct connector_ops *ops;
	struct connector_ctx ctx;
	const char *identifier, *password;  /* kept to log in again by itself */
};
/* Loads channel `id` of `ws` (0: any workspace) and unseals its
 * credentials into `out` (all in `a`). ERR_NOTFOUND, ERR_CRYPTO. */
int channel_open(const struct app *app, struct arena *a, int64_t ws, int64_t id,
		 struct channel_conn *out);
/* Unsealed credentials of the channels the scheduler uses, kept between
 * jobs: a flood of posts on one channel unseals once, not once a post. An
 * entry is valid for the channel's updated_at, which every change of its
 * credentials or status moves. Thread-safe; memory grows with the number of
 * channels, never with the number of posts. */
struct channel_cache;
struct channel_cache *channel_cache_new(void);
void channel_cache_free(struct channel_cache *c);
/* channel_open through the cache: `updated_at` is the channel's as the
 * caller read it (a claim); a different one reloads from the store. */
int channel_open_cached(const struct app *app, struct channel_cache *cache, struct arena *a,
			int64_t id, int64_t updated_at, struct channel_conn *out);
void channel_cache_forget(struct channel_cache *c, int64_t id);
/* Loads channel `id` into the cache unless it is there as of `updated_at`:
 * the scheduler's dispatcher does it for the channels it claims, so that
 * its workers need no database connection of their own to publish. */
void channel_cache_warm(const struct app *app, struct channel_cache *cache, int64_t id,
			int64_t updated_at);

/* After a connector call: when the session changed, seals and stores it at
 * once (the old one may be dead already). In a transaction of its own. */
int channel_keep_session(const struct app *app, struct channel_conn *cc);
/* A refresh the network refused: tries the stored password once; when the
 * network refuses that too, marks the channel needs_reconnect and notifies
 * the workspace. Returns ERR_OK when the channel works again. */
int channel_relogin(const struct app *app, struct channel_conn *cc);

/* Reads "charter" and "slots" from r->body when present, checked and in
 * canonical form, into *charter / *slots (either may be NULL: not taken);
 * `net_max` is the network's max length for a channel's charter, 0 for the
 * workspace's. Answers 422 naming the field and returns false when one is
 * bad. */
bool publish_rules_read(struct req *r, int64_t net_max, const char **charter,
			const char **slots);

void channel_api_list(struct req *r);
void channel_api_create(struct req *r);
void channel_api_get(struct req *r);
void channel_api_update(struct req *r);
void channel_api_delete(struct req *r);
void channel_api_reconnect(struct req *r);

/* --- media (media_api.c) ------------------------------------------------ */
/* "image/jpeg", "image/png", "image/gif" or "image/webp" from a file's first
 * bytes; NULL for anything else. */
const char *media_sniff(const unsigned char *p, size_t n);
void media_api_upload(struct req *r);

/* --- posts (post_api.c) ------------------------------------------------- */
void post_api_create(struct req *r);
void post_api_list(struct req *r);
void post_api_get(struct req *r);
void post_api_update(struct req *r);
void post_api_delete(struct req *r);
void post_api_submit(struct req *r);
void post_api_approve(struct req *r);
void post_api_reject(struct req *r);
void post_api_schedule(struct req *r);
void post_api_cancel(struct req *r);
/* calendar_api.c */
void post_api_export(struct req *r);
void post_api_import(struct req *r);
void publish_api_ical_rotate(struct req *r);
void publish_api_ical_disable(struct req *r);
void publish_api_ical_feed(struct req *r);

/* --- workspace publishing settings, pause (settings_api.c) -------------- */
void publish_api_settings(struct req *r);
void publish_api_settings_update(struct req *r);
void publish_api_charter_check(struct req *r);
void publish_api_pause(struct req *r);
void publish_api_resume(struct req *r);
void publish_api_notifications(struct req *r);
void publish_api_notifications_read(struct req *r);

/* --- the scheduler (scheduler.c) ---------------------------------------- */
struct scheduler;
/* Requeues what a previous process left running, then starts the
 * dispatcher and cfg.publish_workers worker threads. */
int scheduler_start(struct scheduler **out, const struct app *app);
/* Stops claiming, lets the calls in flight finish and record their
 * outcome, joins the threads. */
void scheduler_stop(struct scheduler *s);
/* Makes the dispatcher look for due posts now (a post scheduled "now");
 * NULL (no scheduler) is a no-op. */
void scheduler_wake(struct scheduler *s);

struct scheduler_stats {
	int64_t claimed, published, retried, failed, rechecked, found_on_recheck;
	int64_t db_ns;                     /* time in claim and outcome transactions */
	int64_t turns;                     /* those transactions */
};
void scheduler_stats(struct scheduler *s, struct scheduler_stats *out);

#endif
