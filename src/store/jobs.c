/* jobs.c - the publish queue: schedule, claim, outcome.
 *
 * The publish queue is the variants themselves (a post on one channel):
 * variant.run_at > 0 is a variant waiting for that instant, < 0 one claimed
 * by a worker (its due time negated, kept for a restart), 0 one out of the
 * queue. The variant_lane index (channel_id, run_at) gives each channel's
 * head, its claimed one, and its oldest due time. Claiming writes
 * "publishing" on the variant in the same statement that takes it, before
 * any network call: after a crash, a variant found "publishing" means "an
 * attempt may have gone out", and the scheduler looks it up on the network
 * before trying again. A post costs the queue one row that it has anyway:
 * no job row to insert, update and delete, no second set of indexes. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

/* Variants waiting in the publish queue, read channel by channel from
 * variant_lane. (The job table has no writer since migration 3.) */
DB_SQL(Q_JOBS_QUEUED,
       "SELECT count(*) FROM variant WHERE channel_id IN (SELECT id FROM channel)"
       " AND run_at > 0");
/* A variant already claimed (run_at < 0) keeps its place: only its outcome
 * puts it back in the queue. */
DB_SQL(Q_PUB_SCHEDULE,
       "UPDATE variant SET run_at = :at, attempts = 0 WHERE id = :variant AND run_at >= 0");
DB_SQL(Q_PUB_UNSCHEDULE, "UPDATE variant SET run_at = 0 WHERE post_id = :post AND run_at > 0");

/* channel.due_at from the queue itself: 0 while a variant of the channel is
 * claimed, else its oldest run_at (0: none). Every change to a channel's
 * queue ends with it, except a claim, which sets 0 itself. */
#define LANE_DUE                                                                           \
	"due_at = CASE WHEN EXISTS (SELECT 1 FROM variant v WHERE v.channel_id = channel.id" \
	" AND v.run_at < 0) THEN 0 ELSE coalesce((SELECT min(v.run_at) FROM variant v"      \
	" WHERE v.channel_id = channel.id AND v.run_at > 0), 0) END"
DB_SQL(Q_LANE_SYNC, "UPDATE channel SET " LANE_DUE " WHERE id = :lane");
DB_SQL(Q_LANE_SYNC_POST, "UPDATE channel SET " LANE_DUE
			 " WHERE id IN (SELECT channel_id FROM variant WHERE post_id = :post)");
DB_SQL(Q_LANE_SYNC_WS, "UPDATE channel SET " LANE_DUE " WHERE :ws = 0 OR workspace_id = :ws");
DB_SQL(Q_LANE_EARLIER,
       "UPDATE channel SET due_at = :at WHERE id = :lane AND (due_at = 0 OR due_at > :at)"
       " AND NOT EXISTS (SELECT 1 FROM variant v WHERE v.channel_id = :lane AND v.run_at < 0)");

/* The channels with a post due, oldest first, taken at once (due_at 0: one
 * is claimed): a range of the channel_due index, as long as the number of
 * channels ready, not of posts waiting. */
DB_SQL(Q_PUB_LANES,
       "UPDATE channel SET due_at = 0 WHERE id IN (SELECT c.id FROM channel c"
       " JOIN workspace w ON w.id = c.workspace_id WHERE c.due_at > 0 AND c.due_at <= :now"
       " AND c.status = 'active' AND w.paused_at = 0 ORDER BY c.due_at LIMIT :max)"
       " RETURNING id, updated_at");
DB_SQL(Q_PUB_HEAD,
       "SELECT v.id, v.attempts, v.post_id, v.state, v.text, v.link, v.first_comment, v.media,"
       " v.idem_key, v.first_attempt_at, v.options,"
       " NOT EXISTS (SELECT 1 FROM variant o WHERE o.post_id = v.post_id AND o.id <> v.id)"
       " FROM variant v WHERE v.channel_id = :lane AND v.run_at > 0 AND v.run_at <= :now"
       " ORDER BY v.run_at, v.id LIMIT 1");
/* Claimed: "publishing" before any call, run_at kept (negated) so that a
 * restart puts the variant back in its place. */
DB_SQL(Q_VAR_TAKE,
       "UPDATE variant SET run_at = -run_at, attempts = attempts + 1, state = 'publishing',"
       " first_attempt_at = CASE WHEN first_attempt_at = 0 THEN :now ELSE first_attempt_at"
       " END WHERE id = :id AND run_at > 0");
DB_SQL(Q_CH_BUSY, "SELECT count(*) FROM variant WHERE channel_id = :id"
		  " AND (run_at < 0 OR state = 'publishing')");
/* The version moves with every claim, so that an edit or a cancel read
 * before it is refused (store_post_update). */
DB_SQL(Q_POST_PUBLISHING,
       "UPDATE post SET state = CASE WHEN state = 'scheduled' THEN 'publishing' ELSE state END,"
       " version = version + 1, updated_at = :now WHERE id = :id"
       " RETURNING workspace_id, author_id");
DB_SQL(Q_JOBS_RECOVER,
       "UPDATE variant SET run_at = -run_at"
       " WHERE channel_id IN (SELECT id FROM channel) AND run_at < 0");
DB_SQL(Q_VAR_DONE,
       "UPDATE variant SET state = 'published', external_id = :ext, url = :url, error = :note,"
       " published_at = :now, run_at = 0 WHERE id = :id");
DB_SQL(Q_VAR_RETRY,
       "UPDATE variant SET state = CASE WHEN :pending THEN 'pending' ELSE state END,"
       " error = :err, run_at = :at, attempts = attempts - :refund WHERE id = :id");
DB_SQL(Q_VAR_FAILED,
       "UPDATE variant SET state = 'failed', error = :err, run_at = 0 WHERE id = :id");
/* The post's state from its variants, once none is pending or publishing:
 * failed (with each failed variant's reason) or published. */
DB_SQL(Q_POST_SETTLE,
       "UPDATE post SET"
       " state = CASE WHEN EXISTS (SELECT 1 FROM variant WHERE post_id = :id"
       "   AND state = 'failed') THEN 'failed' ELSE 'published' END,"
       " failure = coalesce((SELECT group_concat(c.network || ' ' || c.handle || ': ' || v.error,"
       "   '; ') FROM variant v JOIN channel c ON c.id = v.channel_id"
       "   WHERE v.post_id = :id AND v.state = 'failed'), ''),"
       " published_at = coalesce((SELECT max(published_at) FROM variant WHERE post_id = :id"
       "   AND state = 'published'), 0),"
       " version = version + 1, updated_at = :now"
       " WHERE id = :id AND state = 'publishing' AND NOT EXISTS (SELECT 1 FROM variant"
       "   WHERE post_id = :id AND state IN ('pending','publishing'))"
       " RETURNING state = 'published'");
DB_SQL(Q_POST_PUBLISHED,
       "UPDATE post SET state = 'published', failure = '', published_at = :now,"
       " version = version + 1, updated_at = :now WHERE id = :id AND state = 'publishing'");
/* After a claimed variant's outcome: nothing else of the channel is claimed
 * (one at a time). */
DB_SQL(Q_LANE_NEXT,
       "UPDATE channel SET due_at = coalesce((SELECT min(run_at) FROM variant"
       " WHERE channel_id = :lane AND run_at > 0), 0) WHERE id = :lane");
DB_SQL(Q_PUB_SHIFT_QUEUE,
       "UPDATE variant SET run_at = run_at + :shift WHERE run_at > 0 AND run_at < :before"
       " AND channel_id IN (SELECT id FROM channel WHERE workspace_id = :ws)");
DB_SQL(Q_PUB_SHIFT_POSTS,
       "UPDATE post SET scheduled_at = scheduled_at + :shift, version = version + 1"
       " WHERE workspace_id = :ws AND state = 'scheduled' AND scheduled_at > 0"
       " AND scheduled_at < :before");


static int exec_id(struct db *c, struct db_sql *q, int64_t id, int64_t now)
{
	DB_STMT(c, st, *q);
	db_bind_int(st, ":id", id);
	if (now)
		db_bind_int(st, ":now", now);
	return db_exec(st);
}

static int lane_sync(struct db *c, struct db_sql *q, const char *name, int64_t v)
{
	DB_STMT(c, st, *q);
	db_bind_int(st, name, v);
	return db_exec(st);
}

int store_jobs_queued(struct store *s, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_JOBS_QUEUED);
	return db_one_int(st, n);
}

int store_publish_schedule(struct store *s, int64_t variant, int64_t channel, int64_t run_at)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_SCHEDULE);
	db_bind_int(st, ":variant", variant);
	db_bind_int(st, ":at", run_at);
	int rc = db_exec(st);
	if (rc)
		return rc;
	DB_STMT(c, sl, Q_LANE_EARLIER);
	db_bind_int(sl, ":lane", channel);
	db_bind_int(sl, ":at", run_at);
	return db_exec(sl);
}

int store_publish_unschedule(struct store *s, int64_t post)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_UNSCHEDULE);
	db_bind_int(st, ":post", post);
	int rc = db_exec(st);
	return rc ? rc : lane_sync(c, &Q_LANE_SYNC_POST, ":post", post);
}

/* The head of channel `k->channel`'s queue into `k`: DB_ROW, or DB_DONE
 * when none is due (the channel's due_at was stale). */
static int head(struct db *c, struct arena *a, int64_t now, struct claim *k)
{
	DB_STMT(c, st, Q_PUB_HEAD);
	db_bind_int(st, ":lane", k->channel);
	db_bind_int(st, ":now", now);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		k->variant = db_col_int(st, 0);
		k->attempts = (int)db_col_int(st, 1) + 1;
		k->post = db_col_int(st, 2);
		k->recheck = strcmp(db_col_str(st, 3), "publishing") == 0;
		k->text = db_col_text(st, a, 4);
		k->link = db_col_text(st, a, 5);
		k->first_comment = db_col_text(st, a, 6);
		k->media = db_col_text(st, a, 7);
		k->idem_key = db_col_text(st, a, 8);
		k->first_attempt_at = db_col_int(st, 9) ? db_col_int(st, 9) : now;
		k->options = db_col_text(st, a, 10);
		k->single = db_col_int(st, 11) != 0;
		if (arena_failed(a))
			rc = ERR_TOOBIG;
	}
	db_reset(st);
	return rc;
}

int store_publish_claim(struct store *s, struct arena *a, int64_t now, size_t max,
			struct claim *out, size_t *n)
{
	DB_CONN(s, c);
	*n = 0;
	size_t lanes = 0;
	{
		/* The channels first, all the rows (no other statement while
		 * one is open); out[] holds them until each is filled in. */
		DB_STMT(c, st, Q_PUB_LANES);
		db_bind_int(st, ":now", now);
		db_bind_int(st, ":max", (int64_t)max);
		int rc;
		while ((rc = db_step(st)) == DB_ROW) {
			if (lanes < max) {
				out[lanes].channel = db_col_int(st, 0);
				out[lanes++].channel_updated_at = db_col_int(st, 1);
			}
		}
		db_reset(st);
		if (rc != DB_DONE)
			return rc;
	}
	for (size_t i = 0; i < lanes; i++) {
		struct claim k = {.channel = out[i].channel,
				  .channel_updated_at = out[i].channel_updated_at};
		int rc = head(c, a, now, &k);
		if (rc == DB_DONE) {   /* due_at was stale: put it right */
			rc = lane_sync(c, &Q_LANE_SYNC, ":lane", k.channel);
			if (rc)
				return rc;
			continue;
		}
		if (rc != DB_ROW)
			return rc;
		rc = exec_id(c, &Q_VAR_TAKE, k.variant, now);
		if (rc)
			return rc;
		/* The post's owner and author come back with its update. */
		DB_STMT(c, sp, Q_POST_PUBLISHING);
		db_bind_int(sp, ":id", k.post);
		db_bind_int(sp, ":now", now);
		rc = db_step(sp);
		if (rc == DB_ROW) {
			k.workspace = db_col_int(sp, 0);
			k.author = db_col_int(sp, 1);
			rc = ERR_OK;
		} else if (rc == DB_DONE) {
			rc = ERR_NOTFOUND;   /* the variant's post: cannot happen */
		}
		db_reset(sp);
		if (rc)
			return rc;
		out[(*n)++] = k;
	}
	return ERR_OK;
}

int store_channel_busy(struct store *s, int64_t id, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_BUSY);
	db_bind_int(st, ":id", id);
	return db_one_int(st, n);
}

int store_publish_sync(struct store *s, int64_t ws)
{
	DB_CONN(s, c);
	return lane_sync(c, &Q_LANE_SYNC_WS, ":ws", ws);
}

int store_publish_recover(struct store *s, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_JOBS_RECOVER);
	int rc = db_exec(st);
	if (!rc && n)
		*n = db_changes(c);
	return rc ? rc : lane_sync(c, &Q_LANE_SYNC_WS, ":ws", 0);
}

int store_publish_done(struct store *s, const struct claim *k, const char *external_id,
		       const char *url, const char *note, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_VAR_DONE);
	db_bind_text(st, ":ext", external_id ? external_id : "");
	db_bind_text(st, ":url", url ? url : "");
	db_bind_text(st, ":note", note ? note : "");
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", k->variant);
	int rc = db_exec(st);
	return rc ? rc : lane_sync(c, &Q_LANE_NEXT, ":lane", k->channel);
}

int store_publish_retry(struct store *s, const struct claim *k, int64_t run_at,
			const char *error, bool variant_pending, bool refund)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_VAR_RETRY);
	db_bind_int(st, ":pending", variant_pending);
	db_bind_text(st, ":err", error);
	db_bind_int(st, ":at", run_at);
	db_bind_int(st, ":refund", refund);
	db_bind_int(st, ":id", k->variant);
	int rc = db_exec(st);
	return rc ? rc : lane_sync(c, &Q_LANE_NEXT, ":lane", k->channel);
}

int store_publish_failed(struct store *s, const struct claim *k, const char *error)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_VAR_FAILED);
	db_bind_text(st, ":err", error);
	db_bind_int(st, ":id", k->variant);
	int rc = db_exec(st);
	return rc ? rc : lane_sync(c, &Q_LANE_NEXT, ":lane", k->channel);
}

int store_post_published(struct store *s, int64_t post, int64_t now)
{
	DB_CONN(s, c);
	return exec_id(c, &Q_POST_PUBLISHED, post, now);
}

int store_post_settle(struct store *s, int64_t post, int64_t now, const char **state)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_SETTLE);
	db_bind_int(st, ":id", post);
	db_bind_int(st, ":now", now);
	*state = NULL;
	int rc = db_step(st);
	if (rc == DB_ROW)
		*state = db_col_int(st, 0) ? "published" : "failed";
	db_reset(st);
	return rc == DB_ROW || rc == DB_DONE ? ERR_OK : rc;
}

int store_publish_shift(struct store *s, int64_t ws, int64_t before, int64_t shift)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_SHIFT_QUEUE);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":before", before);
	db_bind_int(st, ":shift", shift);
	int rc = db_exec(st);
	if (rc)
		return rc;
	DB_STMT(c, sp, Q_PUB_SHIFT_POSTS);
	db_bind_int(sp, ":ws", ws);
	db_bind_int(sp, ":before", before);
	db_bind_int(sp, ":shift", shift);
	rc = db_exec(sp);
	return rc ? rc : lane_sync(c, &Q_LANE_SYNC_WS, ":ws", ws);
}
