/* accounts.c - accounts, their sessions and their API tokens.
 * E-mails arrive normalised (lower case, trimmed) from the auth layer. */
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"


DB_SQL(Q_ACC_INSERT,
       "INSERT INTO account (email, name, pwhash, created_at, password_changed_at)"
       " VALUES (:email, :name, :pwhash, :now, :now) RETURNING id");
DB_SQL(Q_ACC_BY_EMAIL,
       "SELECT id, email, name, created_at, pwhash FROM account WHERE email = :email");
DB_SQL(Q_ACC_BY_ID, "SELECT id, email, name, created_at, pwhash FROM account WHERE id = :id");
DB_SQL(Q_ACC_SET_PW,
       "UPDATE account SET pwhash = :pwhash, password_changed_at = :now WHERE id = :id");
DB_SQL(Q_ACC_KILL_SESSIONS, "DELETE FROM session WHERE account_id = :id");
DB_SQL(Q_ACC_COUNT, "SELECT count(*) FROM account");

DB_SQL(Q_SES_INSERT,
       "INSERT INTO session (hash, account_id, created_at, expires_at, ip)"
       " VALUES (:hash, :account, :now, :expires, :ip)");
DB_SQL(Q_SES_GET, "SELECT account_id FROM session WHERE hash = :hash AND expires_at > :now");
DB_SQL(Q_SES_DELETE, "DELETE FROM session WHERE hash = :hash");
DB_SQL(Q_SES_PURGE, "DELETE FROM session WHERE expires_at <= :now");

DB_SQL(Q_TOK_INSERT,
       "INSERT INTO api_token (hash, account_id, name, created_at)"
       " VALUES (:hash, :account, :name, :now) RETURNING id");
DB_SQL(Q_TOK_GET, "SELECT account_id FROM api_token WHERE hash = :hash");

int store_account_insert(struct store *s, const char *email, const char *name,
			 const char *pwhash, int64_t now, int64_t *id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_ACC_INSERT);
	db_bind_text(st, ":email", email);
	db_bind_text(st, ":name", name ? name : "");
	db_bind_text(st, ":pwhash", pwhash);
	db_bind_int(st, ":now", now);
	return db_insert_id(st, id);
}

static int read_account(struct db_stmt *st, struct arena *a, struct account *out,
			const char **pwhash)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->email = db_col_text(st, a, 1);
		out->name = db_col_text(st, a, 2);
		out->created_at = db_col_int(st, 3);
		if (pwhash)
			*pwhash = db_col_text(st, a, 4);
		rc = arena_failed(a) ? ERR_TOOBIG : ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_account_by_email(struct store *s, struct arena *a, const char *email,
			   struct account *out, const char **pwhash)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_ACC_BY_EMAIL);
	db_bind_text(st, ":email", email);
	return read_account(st, a, out, pwhash);
}

int store_account_by_id(struct store *s, struct arena *a, int64_t id, struct account *out,
			const char **pwhash)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_ACC_BY_ID);
	db_bind_int(st, ":id", id);
	return read_account(st, a, out, pwhash);
}

int store_account_set_password(struct store *s, int64_t id, const char *pwhash, int64_t now)
{
	int rc = store_begin(s);
	if (rc)
		return rc;
	DB_CONN(s, c);
	struct db_stmt *st = db_stmt(c, &Q_ACC_SET_PW);
	if (!st) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_text(st, ":pwhash", pwhash);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", id);
	rc = db_exec(st);
	if (rc)
		goto out;
	if (db_changes(c) == 0) {
		rc = ERR_NOTFOUND;
		goto out;
	}
	st = db_stmt(c, &Q_ACC_KILL_SESSIONS);
	if (!st) {
		rc = ERR_DB;
		goto out;
	}
	db_bind_int(st, ":id", id);
	rc = db_exec(st);
out:
	return store_end(s, rc);
}

int store_account_count(struct store *s, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_ACC_COUNT);
	return db_one_int(st, n);
}

int store_session_insert(struct store *s, const char *hash, int64_t account_id,
			 int64_t now, int64_t expires_at, const char *ip)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_SES_INSERT);
	db_bind_text(st, ":hash", hash);
	db_bind_int(st, ":account", account_id);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":expires", expires_at);
	db_bind_text(st, ":ip", ip ? ip : "");
	return db_exec(st);
}

int store_session_account(struct store *s, const char *hash, int64_t now, int64_t *account_id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_SES_GET);
	db_bind_text(st, ":hash", hash);
	db_bind_int(st, ":now", now);
	return db_one_int(st, account_id);
}

int store_session_delete(struct store *s, const char *hash)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_SES_DELETE);
	db_bind_text(st, ":hash", hash);
	return db_exec(st);
}

int store_session_purge(struct store *s, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_SES_PURGE);
	db_bind_int(st, ":now", now);
	return db_exec(st);
}

int store_token_insert(struct store *s, const char *hash, int64_t account_id,
		       const char *name, int64_t now, int64_t *id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_TOK_INSERT);
	db_bind_text(st, ":hash", hash);
	db_bind_int(st, ":account", account_id);
	db_bind_text(st, ":name", name ? name : "");
	db_bind_int(st, ":now", now);
	return db_insert_id(st, id);
}

int store_token_account(struct store *s, const char *hash, int64_t *account_id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_TOK_GET);
	db_bind_text(st, ":hash", hash);
	return db_one_int(st, account_id);
}
