/* audit.c - the audit log: who changed what, when, from where.
 * Written in the same transaction as the change it records, so the log
 * never claims a change that was rolled back, nor misses one. */
#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_AUDIT_ADD,
       "INSERT INTO audit (workspace_id, account_id, action, target, detail, ip, created_at)"
       " VALUES (:ws, :account, :action, :target, :detail, :ip, :now)");
DB_SQL(Q_AUDIT_LIST,
       "SELECT u.id, u.workspace_id, u.account_id, coalesce(a.email, ''), u.action,"
       " u.target, u.detail, u.ip, u.created_at"
       " FROM audit u LEFT JOIN account a ON a.id = u.account_id"
       " WHERE u.workspace_id = :ws AND u.id < :before ORDER BY u.id DESC LIMIT :limit");

int store_audit_add(struct store *s, const struct audit_entry *e)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_AUDIT_ADD);
	if (e->workspace_id)
		db_bind_int(st, ":ws", e->workspace_id);
	else
		db_bind_text(st, ":ws", NULL);
	if (e->account_id)
		db_bind_int(st, ":account", e->account_id);
	else
		db_bind_text(st, ":account", NULL);
	db_bind_text(st, ":action", e->action);
	db_bind_text(st, ":target", e->target ? e->target : "");
	db_bind_text(st, ":detail", e->detail ? e->detail : "{}");
	db_bind_text(st, ":ip", e->ip ? e->ip : "");
	db_bind_int(st, ":now", e->created_at);
	return db_exec(st);
}

int store_audit_list(struct store *s, struct arena *a, int64_t ws, int64_t before,
		     int limit, struct audit_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_AUDIT_LIST);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":before", before > 0 ? before : INT64_MAX);
	db_bind_int(st, ":limit", limit);
	size_t cap = 0;
	int rc;
	out->v = NULL;
	out->n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		out->v = arena_grow(a, out->v, out->n, &cap, sizeof *out->v);
		if (!out->v) {
			rc = ERR_TOOBIG;
			break;
		}
		struct audit_entry *e = &out->v[out->n++];
		e->id = db_col_int(st, 0);
		e->workspace_id = db_col_int(st, 1);
		e->account_id = db_col_int(st, 2);
		e->actor = db_col_text(st, a, 3);
		e->action = db_col_text(st, a, 4);
		e->target = db_col_text(st, a, 5);
		e->detail = db_col_text(st, a, 6);
		e->ip = db_col_text(st, a, 7);
		e->created_at = db_col_int(st, 8);
	}
	return db_rows_end(st, a, rc);
}
