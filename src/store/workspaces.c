/* workspaces.c - workspaces and their members.
 * Every query that reads inside a workspace takes its id: scoping by
 * workspace is done here, in SQL, never left to the caller. */
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_WS_INSERT,
       "INSERT INTO workspace (name, tz, lang, business_hours, created_at, updated_at)"
       " VALUES (:name, :tz, :lang, :bh, :now, :now) RETURNING id");
DB_SQL(Q_WS_GET,
       "SELECT id, name, tz, lang, business_hours, created_at, updated_at"
       " FROM workspace WHERE id = :id");
DB_SQL(Q_WS_BY_NAME,
       "SELECT id, name, tz, lang, business_hours, created_at, updated_at"
       " FROM workspace WHERE name = :name ORDER BY id LIMIT 1");
DB_SQL(Q_WS_UPDATE,
       "UPDATE workspace SET name = :name, tz = :tz, lang = :lang, business_hours = :bh,"
       " updated_at = :now WHERE id = :id");
DB_SQL(Q_WS_DELETE, "DELETE FROM workspace WHERE id = :id");
DB_SQL(Q_WS_OF,
       "SELECT w.id, w.name, w.tz, w.lang, w.business_hours, w.created_at, w.updated_at, m.role"
       " FROM member m JOIN workspace w ON w.id = m.workspace_id"
       " WHERE m.account_id = :account ORDER BY w.name, w.id");

DB_SQL(Q_MEM_ROLE, "SELECT role FROM member WHERE workspace_id = :ws AND account_id = :account");
DB_SQL(Q_MEM_INSERT,
       "INSERT INTO member (workspace_id, account_id, role, created_at)"
       " VALUES (:ws, :account, :role, :now)");
DB_SQL(Q_MEM_SET, "UPDATE member SET role = :role WHERE workspace_id = :ws AND account_id = :account");
DB_SQL(Q_MEM_DELETE, "DELETE FROM member WHERE workspace_id = :ws AND account_id = :account");
DB_SQL(Q_MEM_LIST,
       "SELECT m.account_id, a.email, a.name, m.role, m.created_at"
       " FROM member m JOIN account a ON a.id = m.account_id"
       " WHERE m.workspace_id = :ws ORDER BY a.email");
DB_SQL(Q_OWNERS, "SELECT count(*) FROM member WHERE workspace_id = :ws AND role = 'owner'");

/* Roles are stored as text; hand out static strings so callers can keep them
 * without an arena. */
static const char *const roles[] = {"owner", "admin", "editor", "moderator", "analyst", "client"};

static const char *role_static(const char *r)
{
	for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
		if (strcmp(r, roles[i]) == 0)
			return roles[i];
	return "client";  /* unreachable: the CHECK constraint holds */
}

static void read_ws(struct db_stmt *st, struct arena *a, struct workspace *w)
{
	w->id = db_col_int(st, 0);
	w->name = db_col_text(st, a, 1);
	w->tz = db_col_text(st, a, 2);
	w->lang = db_col_text(st, a, 3);
	w->business_hours = db_col_text(st, a, 4);
	w->created_at = db_col_int(st, 5);
	w->updated_at = db_col_int(st, 6);
	w->role = NULL;
}

static int one_ws(struct db_stmt *st, struct arena *a, struct workspace *out)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		read_ws(st, a, out);
		rc = arena_failed(a) ? ERR_TOOBIG : ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_workspace_insert(struct store *s, const struct workspace *w, int64_t owner,
			   int64_t now, int64_t *id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_INSERT);
	db_bind_text(st, ":name", w->name);
	db_bind_text(st, ":tz", w->tz);
	db_bind_text(st, ":lang", w->lang);
	db_bind_text(st, ":bh", w->business_hours ? w->business_hours : "{}");
	db_bind_int(st, ":now", now);
	int rc = db_insert_id(st, id);
	return rc ? rc : store_member_insert(s, *id, owner, "owner", now);
}

int store_workspace_get(struct store *s, struct arena *a, int64_t id, struct workspace *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_GET);
	db_bind_int(st, ":id", id);
	return one_ws(st, a, out);
}

int store_workspace_by_name(struct store *s, struct arena *a, const char *name,
			    struct workspace *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_BY_NAME);
	db_bind_text(st, ":name", name);
	return one_ws(st, a, out);
}

int store_workspace_update(struct store *s, const struct workspace *w, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_UPDATE);
	db_bind_text(st, ":name", w->name);
	db_bind_text(st, ":tz", w->tz);
	db_bind_text(st, ":lang", w->lang);
	db_bind_text(st, ":bh", w->business_hours);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", w->id);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_NOTFOUND;
}

int store_workspace_delete(struct store *s, int64_t id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_DELETE);
	db_bind_int(st, ":id", id);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_NOTFOUND;
}

int store_workspaces_of(struct store *s, struct arena *a, int64_t account,
			struct workspace_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_WS_OF);
	db_bind_int(st, ":account", account);
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
		struct workspace *w = &out->v[out->n++];
		read_ws(st, a, w);
		w->role = role_static(db_col_str(st, 7));
	}
	return db_rows_end(st, a, rc);
}

int store_member_role(struct store *s, int64_t ws, int64_t account, const char **role)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEM_ROLE);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*role = role_static(db_col_str(st, 0));
		rc = ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_member_insert(struct store *s, int64_t ws, int64_t account, const char *role,
			int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEM_INSERT);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	db_bind_text(st, ":role", role);
	db_bind_int(st, ":now", now);
	return db_exec(st);
}

int store_member_set_role(struct store *s, int64_t ws, int64_t account, const char *role)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEM_SET);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	db_bind_text(st, ":role", role);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_NOTFOUND;
}

int store_member_delete(struct store *s, int64_t ws, int64_t account)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEM_DELETE);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_NOTFOUND;
}

int store_member_list(struct store *s, struct arena *a, int64_t ws, struct member_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEM_LIST);
	db_bind_int(st, ":ws", ws);
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
		struct member *m = &out->v[out->n++];
		m->account_id = db_col_int(st, 0);
		m->email = db_col_text(st, a, 1);
		m->name = db_col_text(st, a, 2);
		m->role = role_static(db_col_str(st, 3));
		m->created_at = db_col_int(st, 4);
	}
	return db_rows_end(st, a, rc);
}

int store_owner_count(struct store *s, int64_t ws, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_OWNERS);
	db_bind_int(st, ":ws", ws);
	return db_one_int(st, n);
}
