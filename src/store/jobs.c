/* jobs.c - the durable job queue, and the publish jobs' life: schedule,
 * claim, outcome.
 *
 * A publish job is one variant (a post on one channel); its lane is the
 * channel. Claiming writes "publishing" on the variant in the same
 * transaction that takes the job, before any network call: after a crash, a
 * variant found "publishing" means "an attempt may have gone out", and the
 * scheduler looks it up on the network before trying again. Finished jobs
 * are deleted: the variant keeps the outcome, the audit log the history. */
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_JOBS_QUEUED, "SELECT count(*) FROM job WHERE state = 'queued'");
DB_SQL(Q_PUB_SCHEDULE,
       "INSERT INTO job (kind, workspace_id, ref_id, lane, run_at, created_at)"
       " VALUES ('publish', :ws, :variant, :lane, :at, :now)");
DB_SQL(Q_PUB_UNSCHEDULE,
       "DELETE FROM job WHERE kind = 'publish' AND state = 'queued'"
       " AND ref_id IN (SELECT id FROM variant WHERE post_id = :post)");

/* channel.due_at from the jobs themselves: 0 while one runs, else the
 * oldest queued run_at (0: none). Every change to a lane's jobs ends with
 * it, except a claim, which sets 0 itself. */
#define LANE_DUE                                                                           \
	"due_at = CASE WHEN EXISTS (SELECT 1 FROM job j WHERE j.lane = channel.id"         \
	" AND j.state = 'running') THEN 0 ELSE coalesce((SELECT min(j.run_at) FROM job j" \
	" WHERE j.lane = channel.id AND j.state = 'queued'), 0) END"
DB_SQL(Q_LANE_SYNC, "UPDATE channel SET " LANE_DUE " WHERE id = :lane");
DB_SQL(Q_LANE_SYNC_POST, "UPDATE channel SET " LANE_DUE
			 " WHERE id IN (SELECT channel_id FROM variant WHERE post_id = :post)");
DB_SQL(Q_LANE_SYNC_WS, "UPDATE channel SET " LANE_DUE " WHERE :ws = 0 OR workspace_id = :ws");
DB_SQL(Q_LANE_EARLIER,
       "UPDATE channel SET due_at = :at WHERE id = :lane AND (due_at = 0 OR due_at > :at)"
       " AND NOT EXISTS (SELECT 1 FROM job j WHERE j.lane = :lane AND j.state = 'running')");
DB_SQL(Q_LANE_BUSY, "UPDATE channel SET due_at = 0 WHERE id = :id");

/* Channels with a job due, oldest first: a range of the channel_due index,
 * as long as the number of lanes ready, not of jobs waiting. */
DB_SQL(Q_PUB_LANES,
       "SELECT c.id, c.updated_at FROM channel c JOIN workspace w ON w.id = c.workspace_id"
       " WHERE c.due_at > 0 AND c.due_at <= :now AND c.status = 'active' AND w.paused_at = 0"
       " ORDER BY c.due_at LIMIT :max");
DB_SQL(Q_PUB_HEAD,
       "SELECT j.id, j.workspace_id, j.attempts, j.ref_id, v.post_id, v.state, v.text, v.link,"
       " v.first_comment, v.media, v.idem_key, v.first_attempt_at, p.author_id, v.options,"
       " NOT EXISTS (SELECT 1 FROM variant o WHERE o.post_id = v.post_id AND o.id <> v.id)"
       " FROM job j JOIN variant v ON v.id = j.ref_id JOIN post p ON p.id = v.post_id"
       " WHERE j.lane = :lane AND j.state = 'queued' AND j.run_at <= :now"
       " ORDER BY j.run_at, j.id LIMIT 1");
DB_SQL(Q_JOB_TAKE,
       "UPDATE job SET state = 'running', lease_until = :lease, attempts = attempts + 1"
       " WHERE id = :id AND state = 'queued'");
DB_SQL(Q_VAR_PUBLISHING,
       "UPDATE variant SET state = 'publishing', first_attempt_at = CASE WHEN"
       " first_attempt_at = 0 THEN :now ELSE first_attempt_at END WHERE id = :id");
DB_SQL(Q_CH_BUSY, "SELECT count(*) FROM variant WHERE channel_id = :id AND state = 'publishing'");
/* The version moves with every claim, so that an edit or a cancel read
 * before it is refused (store_post_update). */
DB_SQL(Q_POST_PUBLISHING,
       "UPDATE post SET state = CASE WHEN state = 'scheduled' THEN 'publishing' ELSE state END,"
       " version = version + 1, updated_at = :now WHERE id = :id");
DB_SQL(Q_JOBS_RECOVER,
       "UPDATE job SET state = 'queued', lease_until = 0 WHERE state = 'running'");
DB_SQL(Q_JOB_DELETE, "DELETE FROM job WHERE id = :id");
DB_SQL(Q_JOB_REQUEUE,
       "UPDATE job SET state = 'queued', run_at = :at, lease_until = 0, last_error = :err,"
       " attempts = attempts - :refund WHERE id = :id");
DB_SQL(Q_VAR_DONE,
       "UPDATE variant SET state = 'published', external_id = :ext, url = :url, error = :note,"
       " published_at = :now WHERE id = :id");
DB_SQL(Q_VAR_RETRY,
       "UPDATE variant SET state = CASE WHEN :pending THEN 'pending' ELSE state END,"
       " error = :err WHERE id = :id");
DB_SQL(Q_VAR_FAILED, "UPDATE variant SET state = 'failed', error = :err WHERE id = :id");
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
/* After a lane's job ends: no other job of the lane runs (one at a time). */
DB_SQL(Q_LANE_NEXT,
       "UPDATE channel SET due_at = coalesce((SELECT min(run_at) FROM job"
       " WHERE lane = :lane AND state = 'queued'), 0) WHERE id = :lane");
DB_SQL(Q_PUB_SHIFT_JOBS,
       "UPDATE job SET run_at = run_at + :shift WHERE workspace_id = :ws AND kind = 'publish'"
       " AND state = 'queued' AND run_at < :before");
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

int store_publish_schedule(struct store *s, int64_t ws, int64_t variant, int64_t channel,
			   int64_t run_at, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_SCHEDULE);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":variant", variant);
	db_bind_int(st, ":lane", channel);
	db_bind_int(st, ":at", run_at);
	db_bind_int(st, ":now", now);
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

int store_publish_claim(struct store *s, struct arena *a, int64_t now, int64_t lease_until,
			size_t max, struct claim *out, size_t *n)
{
	DB_CONN(s, c);
	*n = 0;
	size_t lanes = 0;
	{
		/* The lanes first (no writes under an open cursor); out[] holds
		 * their ids until each is filled in below. */
		DB_STMT(c, st, Q_PUB_LANES);
		db_bind_int(st, ":now", now);
		db_bind_int(st, ":max", (int64_t)max);
		int rc;
		while ((rc = db_step(st)) == DB_ROW && lanes < max) {
			out[lanes].channel = db_col_int(st, 0);
			out[lanes++].channel_updated_at = db_col_int(st, 1);
		}
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return rc;
	}
	for (size_t i = 0; i < lanes; i++) {
		struct claim k = {.channel = out[i].channel,
				  .channel_updated_at = out[i].channel_updated_at};
		DB_STMT(c, st, Q_PUB_HEAD);
		db_bind_int(st, ":lane", k.channel);
		db_bind_int(st, ":now", now);
		int rc = db_step(st);
		if (rc == DB_ROW) {
			k.job = db_col_int(st, 0);
			k.workspace = db_col_int(st, 1);
			k.attempts = (int)db_col_int(st, 2) + 1;
			k.variant = db_col_int(st, 3);
			k.post = db_col_int(st, 4);
			k.recheck = strcmp(db_col_str(st, 5), "publishing") == 0;
			k.text = db_col_text(st, a, 6);
			k.link = db_col_text(st, a, 7);
			k.first_comment = db_col_text(st, a, 8);
			k.media = db_col_text(st, a, 9);
			k.idem_key = db_col_text(st, a, 10);
			k.first_attempt_at = db_col_int(st, 11) ? db_col_int(st, 11) : now;
			k.author = db_col_int(st, 12);
			k.options = db_col_text(st, a, 13);
			k.single = db_col_int(st, 14) != 0;
			if (arena_failed(a))
				rc = ERR_TOOBIG;
		}
		db_reset(st);
		if (rc == DB_DONE) {   /* due_at was stale: put it right */
			rc = lane_sync(c, &Q_LANE_SYNC, ":lane", k.channel);
			if (rc)
				return rc;
			continue;
		}
		if (rc != DB_ROW)
			return rc;
		DB_STMT(c, su, Q_JOB_TAKE);
		db_bind_int(su, ":id", k.job);
		db_bind_int(su, ":lease", lease_until);
		rc = db_exec(su);
		if (!rc)
			rc = exec_id(c, &Q_VAR_PUBLISHING, k.variant, now);
		if (!rc)
			rc = exec_id(c, &Q_POST_PUBLISHING, k.post, now);
		if (!rc)
			rc = exec_id(c, &Q_LANE_BUSY, k.channel, 0);
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

int store_jobs_recover(struct store *s, int64_t *n)
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
	if (!rc)
		rc = exec_id(c, &Q_JOB_DELETE, k->job, 0);
	return rc ? rc : lane_sync(c, &Q_LANE_NEXT, ":lane", k->channel);
}

int store_publish_retry(struct store *s, const struct claim *k, int64_t run_at,
			const char *error, bool variant_pending, bool refund)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_JOB_REQUEUE);
	db_bind_int(st, ":at", run_at);
	db_bind_text(st, ":err", error);
	db_bind_int(st, ":refund", refund);
	db_bind_int(st, ":id", k->job);
	int rc = db_exec(st);
	if (rc)
		return rc;
	DB_STMT(c, sv, Q_VAR_RETRY);
	db_bind_int(sv, ":pending", variant_pending);
	db_bind_text(sv, ":err", error);
	db_bind_int(sv, ":id", k->variant);
	rc = db_exec(sv);
	return rc ? rc : lane_sync(c, &Q_LANE_NEXT, ":lane", k->channel);
}

int store_publish_failed(struct store *s, const struct claim *k, const char *error,
			 int64_t now)
{
	(void)now;
	DB_CONN(s, c);
	DB_STMT(c, st, Q_VAR_FAILED);
	db_bind_text(st, ":err", error);
	db_bind_int(st, ":id", k->variant);
	int rc = db_exec(st);
	if (!rc)
		rc = exec_id(c, &Q_JOB_DELETE, k->job, 0);
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
	DB_STMT(c, st, Q_PUB_SHIFT_JOBS);
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
