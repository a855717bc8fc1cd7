/* db_sqlite.c - the SQLite backend of the store: connections, statement
 * cache, transactions, migrations.
 *
 * Threads: each thread that touches the store gets its own connection
 * (pthread key per store), so no connection is ever shared and SQLite can run
 * in multi-thread mode without its own mutexes. Connections are kept on a list
 * in the store and closed by store_close, after the server's threads are gone.
 *
 * Durability: WAL with synchronous=NORMAL: a commit survives a crash of the
 * process (kill -9); only a power loss may drop the last transactions, never
 * corrupt the file. Writers use BEGIN IMMEDIATE so that a transaction never
 * has to upgrade a read lock (which busy_timeout cannot resolve). */
#define LOG_MODULE "store"
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "store/db.h"
#include "store/store.h"
#include "store/store_int.h"

#define MAX_STMTS 256

struct db_stmt {
	sqlite3_stmt *st;
};

struct db {
	sqlite3 *h;
	struct db *next;
	int in_tx;                      /* 1 write, 2 read; guards nesting */
	struct db_stmt stmts[MAX_STMTS];
};

DB_SQL(Q_BEGIN_WRITE, "BEGIN IMMEDIATE");
DB_SQL(Q_BEGIN_READ, "BEGIN");
DB_SQL(Q_COMMIT, "COMMIT");
DB_SQL(Q_ROLLBACK, "ROLLBACK");

struct store {
	char *path;
	int busy_ms;
	pthread_key_t key;
	pthread_mutex_t lock;            /* guards conns */
	struct db *conns;
};

static atomic_int next_slot;
static _Atomic int64_t time_ns;

int64_t store_time_ns(void) { return atomic_load(&time_ns); }

static int map_rc(sqlite3 *h, int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
		return ERR_OK;
	case SQLITE_ROW:
		return DB_ROW;
	case SQLITE_DONE:
		return DB_DONE;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return ERR_BUSY;
	case SQLITE_CONSTRAINT:
		return (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY)
			       ? ERR_EXISTS
			       : ERR_CONFLICT;
	default:
		log_error("sqlite: %s (%d)", h ? sqlite3_errmsg(h) : "?", rc);
		return ERR_DB;
	}
}

static int exec(sqlite3 *h, const char *sql)
{
	char *msg = NULL;
	int rc = sqlite3_exec(h, sql, NULL, NULL, &msg);
	if (rc != SQLITE_OK) {
		log_error("sqlite: %s", msg ? msg : sqlite3_errstr(rc));
		sqlite3_free(msg);
		return map_rc(h, rc) == ERR_BUSY ? ERR_BUSY : ERR_DB;
	}
	return ERR_OK;
}

static int conn_open(struct store *s, struct db **out)
{
	sqlite3 *h = NULL;
	int rc = sqlite3_open_v2(s->path, &h,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
				 NULL);
	if (rc != SQLITE_OK) {
		log_error("cannot open %s: %s", s->path, h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
		sqlite3_close(h);
		return ERR_IO;
	}
	sqlite3_extended_result_codes(h, 1);
	sqlite3_busy_timeout(h, s->busy_ms);
	rc = exec(h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
		     "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY;");
	if (rc) {
		sqlite3_close(h);
		return rc;
	}
	struct db *c = xcalloc(1, sizeof *c);
	c->h = h;
	pthread_mutex_lock(&s->lock);
	c->next = s->conns;
	s->conns = c;
	pthread_mutex_unlock(&s->lock);
	*out = c;
	return ERR_OK;
}

struct db *db_conn(struct store *s)
{
	struct db *c = pthread_getspecific(s->key);
	if (c)
		return c;
	if (conn_open(s, &c) != ERR_OK)
		return NULL;
	pthread_setspecific(s->key, c);
	return c;
}

struct db_stmt *db_stmt(struct db *c, struct db_sql *q)
{
	int slot = atomic_load(&q->slot);
	if (!slot) {
		int mine = atomic_fetch_add(&next_slot, 1) + 1;
		int expected = 0;
		if (!atomic_compare_exchange_strong(&q->slot, &expected, mine))
			mine = expected;    /* another thread assigned it first */
		slot = mine;
	}
	if (slot >= MAX_STMTS) {
		log_error("statement cache full: raise MAX_STMTS");
		return NULL;
	}
	struct db_stmt *st = &c->stmts[slot];
	if (!st->st) {
		int rc = sqlite3_prepare_v3(c->h, q->text, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
		if (rc != SQLITE_OK) {
			log_error("prepare failed: %s: %s", sqlite3_errmsg(c->h), q->text);
			st->st = NULL;
			return NULL;
		}
	}
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	return st;
}

static int param(struct db_stmt *st, const char *name)
{
	int i = sqlite3_bind_parameter_index(st->st, name);
	if (!i)
		log_error("no parameter %s in: %s", name, sqlite3_sql(st->st));
	return i;
}

int db_bind_int(struct db_stmt *st, const char *name, int64_t v)
{
	int i = param(st, name);
	return i && sqlite3_bind_int64(st->st, i, v) == SQLITE_OK ? ERR_OK : ERR_DB;
}

int db_bind_text(struct db_stmt *st, const char *name, const char *v)
{
	int i = param(st, name);
	if (!i)
		return ERR_DB;
	int rc = v ? sqlite3_bind_text(st->st, i, v, -1, SQLITE_STATIC)
		   : sqlite3_bind_null(st->st, i);
	return rc == SQLITE_OK ? ERR_OK : ERR_DB;
}

int db_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t n)
{
	int i = param(st, name);
	return i && sqlite3_bind_blob64(st->st, i, p, n, SQLITE_STATIC) == SQLITE_OK ? ERR_OK
										      : ERR_DB;
}

int db_step(struct db_stmt *st)
{
	int64_t t0 = clock_mono_ns();
	int rc = sqlite3_step(st->st);
	atomic_fetch_add_explicit(&time_ns, clock_mono_ns() - t0, memory_order_relaxed);
	if (rc == SQLITE_ROW)
		return DB_ROW;
	if (rc == SQLITE_DONE)
		return DB_DONE;
	return map_rc(sqlite3_db_handle(st->st), rc);
}

int db_exec(struct db_stmt *st)
{
	int rc = db_step(st);
	while (rc == DB_ROW)
		rc = db_step(st);
	sqlite3_reset(st->st);
	return rc == DB_DONE ? ERR_OK : rc;
}

void db_reset(struct db_stmt *st) { sqlite3_reset(st->st); }

int64_t db_col_int(struct db_stmt *st, int i) { return sqlite3_column_int64(st->st, i); }

char *db_col_text(struct db_stmt *st, struct arena *a, int i)
{
	const unsigned char *t = sqlite3_column_text(st->st, i);
	int n = sqlite3_column_bytes(st->st, i);
	return arena_strndup(a, t ? (const char *)t : "", t ? (size_t)n : 0);
}

const char *db_col_str(struct db_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st->st, i);
	return t ? (const char *)t : "";
}

const void *db_col_blob(struct db_stmt *st, int i, size_t *n)
{
	const void *p = sqlite3_column_blob(st->st, i);
	*n = (size_t)sqlite3_column_bytes(st->st, i);
	return p;
}

int64_t db_changes(struct db *c) { return sqlite3_changes64(c->h); }

static int run(struct db *c, struct db_sql *q)
{
	struct db_stmt *st = db_stmt(c, q);
	return st ? db_exec(st) : ERR_DB;
}

int store_begin(struct store *s)
{
	struct db *c = db_conn(s);
	if (!c)
		return ERR_IO;
	if (c->in_tx) {
		log_error("store_begin inside a transaction");
		return ERR_DB;
	}
	/* BEGIN IMMEDIATE retries for up to busy_timeout (SQLite's busy
	 * handler), then gives ERR_BUSY: the request answers 503. */
	int rc = run(c, &Q_BEGIN_WRITE);
	if (rc == ERR_OK)
		c->in_tx = 1;
	return rc;
}

int store_end(struct store *s, int rc)
{
	struct db *c = db_conn(s);
	if (!c)
		return ERR_IO;
	if (c->in_tx != 1)
		return rc ? rc : ERR_DB;
	if (rc == ERR_OK) {
		rc = run(c, &Q_COMMIT);
		if (rc == ERR_OK) {
			c->in_tx = 0;
			return ERR_OK;
		}
	}
	run(c, &Q_ROLLBACK);
	c->in_tx = 0;
	return rc;
}

int store_read(struct store *s)
{
	struct db *c = db_conn(s);
	if (!c)
		return ERR_IO;
	if (c->in_tx)
		return ERR_DB;
	int rc = run(c, &Q_BEGIN_READ);
	if (rc == ERR_OK)
		c->in_tx = 2;
	return rc;
}

void store_read_end(struct store *s)
{
	struct db *c = db_conn(s);
	if (c && c->in_tx == 2) {
		run(c, &Q_COMMIT);
		c->in_tx = 0;
	}
}

static int user_version(sqlite3 *h, int *v)
{
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return ERR_DB;
	int rc = sqlite3_step(st);
	*v = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : 0;
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? ERR_OK : ERR_DB;
}

static int migrate(struct store *s)
{
	struct db *c = db_conn(s);
	if (!c)
		return ERR_IO;
	int v, rc = user_version(c->h, &v);
	if (rc)
		return rc;
	if (v > store_migrations_count) {
		log_error("database schema %d is newer than this binary (%d): upgrade tribu", v,
			  store_migrations_count);
		return ERR_DB;
	}
	for (; v < store_migrations_count; v++) {
		char pragma[64];
		snprintf(pragma, sizeof pragma, "PRAGMA user_version=%d", v + 1);
		rc = store_begin(s);
		if (rc)
			return rc;
		rc = exec(c->h, store_migrations[v]);
		if (!rc)
			rc = exec(c->h, pragma);
		rc = store_end(s, rc);
		if (rc) {
			log_error("migration %d failed", v + 1);
			return rc;
		}
		log_info("schema migrated to version %d", v + 1);
	}
	return ERR_OK;
}

/* Before SQLite starts: no global mutex around every allocation just to
 * keep memory statistics we never read (it serialised all threads). */
static void configure_once(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
	sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
	sqlite3_initialize();
}

int store_open(struct store **out, const char *path, int busy_timeout_ms)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, configure_once);
	struct store *s = xcalloc(1, sizeof *s);
	s->path = xstrdup(path);
	s->busy_ms = busy_timeout_ms;
	pthread_mutex_init(&s->lock, NULL);
	if (pthread_key_create(&s->key, NULL)) {
		free(s->path);
		free(s);
		return ERR_IO;
	}
	int rc = migrate(s);
	if (rc) {
		store_close(s);
		return rc;
	}
	*out = s;
	return ERR_OK;
}

int store_version(struct store *s, int *current, int *latest)
{
	struct db *c = db_conn(s);
	*latest = store_migrations_count;
	return c ? user_version(c->h, current) : ERR_IO;
}

void store_close(struct store *s)
{
	if (!s)
		return;
	struct db *c = s->conns;
	while (c) {
		struct db *n = c->next;
		for (int i = 0; i < MAX_STMTS; i++)
			sqlite3_finalize(c->stmts[i].st);
		sqlite3_close(c->h);
		free(c);
		c = n;
	}
	pthread_key_delete(s->key);
	pthread_mutex_destroy(&s->lock);
	free(s->path);
	free(s);
}
