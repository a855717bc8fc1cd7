/* jobs.c - the durable job queue. */
#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_JOBS_QUEUED, "SELECT count(*) FROM job WHERE state = 'queued'");

int store_jobs_queued(struct store *s, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_JOBS_QUEUED);
	return db_one_int(st, n);
}
