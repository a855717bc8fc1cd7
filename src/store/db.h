/* db.h - private to src/store/: the statement layer every aggregate file uses.
 *
 * It hides the engine so that the aggregate files (users.c, workspaces.c...)
 * hold only portable SQL: statements are static `struct db_sql`, prepared once
 * per connection and cached, values bound by :name. A PostgreSQL backend
 * implements this same header (translating :name to $n at prepare time); the
 * aggregates do not change.
 *
 * One connection per thread: db_conn() returns the calling thread's
 * connection to the store, opening it on first use. */
#ifndef TRIBU_STORE_DB_H
#define TRIBU_STORE_DB_H
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

struct store;
struct db;            /* one connection */
struct db_stmt;       /* a prepared statement of that connection */

struct db_sql {
	const char *text;
	atomic_int slot;  /* cache index, assigned on first use (0 = none yet) */
};
#define DB_SQL(name, sql) static struct db_sql name = {sql, 0}

enum { DB_ROW = 100, DB_DONE = 101 };

/* The calling thread's connection; NULL (logged) if it cannot be opened. */
struct db *db_conn(struct store *s);
/* The cached statement, reset and with its bindings cleared; NULL on a
 * prepare error (logged: a bug in our SQL). */
struct db_stmt *db_stmt(struct db *c, struct db_sql *q);

int db_bind_int(struct db_stmt *st, const char *name, int64_t v);
int db_bind_text(struct db_stmt *st, const char *name, const char *v); /* NULL binds NULL */
int db_bind_blob(struct db_stmt *st, const char *name, const void *p, size_t n);

/* DB_ROW, DB_DONE, or ERR_EXISTS (unique), ERR_CONFLICT (other constraint),
 * ERR_BUSY, ERR_DB. */
int db_step(struct db_stmt *st);
/* Runs a statement that returns no rows (or ignores them) and resets it. */
int db_exec(struct db_stmt *st);
void db_reset(struct db_stmt *st);

int64_t db_col_int(struct db_stmt *st, int i);
/* Text of column i copied into `a` ("" for NULL); NULL only past the cap. */
char *db_col_text(struct db_stmt *st, struct arena *a, int i);
/* Borrowed text ("" for NULL), valid until the next step/reset. */
const char *db_col_str(struct db_stmt *st, int i);
/* Borrowed bytes, valid until the next step/reset. */
const void *db_col_blob(struct db_stmt *st, int i, size_t *n);

/* Backend-neutral helpers (db.c). db_insert_id runs an INSERT ... RETURNING id
 * (id may be NULL); db_one_int reads the first column of the first row
 * (ERR_NOTFOUND when there is none). Both reset the statement. */
int db_insert_id(struct db_stmt *st, int64_t *id);
/* Every row of `st` into a new array of `size`-byte elements in `a`, each
 * filled by `read`; resets the statement. ERR_TOOBIG past the arena's cap. */
int db_list(struct db_stmt *st, struct arena *a, size_t size, void **v, size_t *n,
	    void (*read)(struct db_stmt *st, struct arena *a, void *row));
int db_one_int(struct db_stmt *st, int64_t *v);
/* Ends a loop reading rows into arena `a`: resets the statement; DB_DONE
 * becomes ERR_OK (or ERR_TOOBIG if the arena overflowed), errors stay. */
int db_rows_end(struct db_stmt *st, struct arena *a, int rc);

/* The connection and a statement, or return from the calling function. */
#define DB_CONN(s, c) struct db *c = db_conn(s); if (!c) return ERR_IO
#define DB_STMT(c, st, q) struct db_stmt *st = db_stmt(c, &q); if (!st) return ERR_DB

/* Rows changed by the last INSERT/UPDATE/DELETE on this connection. */
int64_t db_changes(struct db *c);

#endif
