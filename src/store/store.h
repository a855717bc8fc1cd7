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

/* --- jobs --------------------------------------------------------------- */
/* Jobs waiting to run (state queued), for /metrics. */
int store_jobs_queued(struct store *s, int64_t *n);

#endif
