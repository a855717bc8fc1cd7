/* schema.c - the whole schema, as an append-only list of migrations.
 *
 * The version applied is kept in PRAGMA user_version. The SQL stays within
 * what SQLite and PostgreSQL both accept where it can (INTEGER ids, TEXT,
 * ms-since-epoch INTEGER times, RETURNING), so a PostgreSQL dialect of each
 * migration is a translation, not a redesign. */
#include "store/store_int.h"

const char *const store_migrations[] = {
	/* 1: accounts, sessions, tokens, workspaces, members, audit, jobs */
	"CREATE TABLE account ("
	"  id INTEGER PRIMARY KEY,"
	"  email TEXT NOT NULL UNIQUE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  pwhash TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL,"
	"  password_changed_at INTEGER NOT NULL);"
	"CREATE TABLE session ("
	"  hash TEXT PRIMARY KEY,"
	"  account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  ip TEXT NOT NULL DEFAULT '');"
	"CREATE INDEX session_account ON session(account_id);"
	"CREATE TABLE api_token ("
	"  id INTEGER PRIMARY KEY,"
	"  hash TEXT NOT NULL UNIQUE,"
	"  account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL);"
	"CREATE TABLE workspace ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL,"
	"  tz TEXT NOT NULL,"
	"  lang TEXT NOT NULL,"
	"  business_hours TEXT NOT NULL DEFAULT '{}',"
	"  created_at INTEGER NOT NULL,"
	"  updated_at INTEGER NOT NULL);"
	"CREATE TABLE member ("
	"  workspace_id INTEGER NOT NULL REFERENCES workspace(id) ON DELETE CASCADE,"
	"  account_id INTEGER NOT NULL REFERENCES account(id) ON DELETE CASCADE,"
	"  role TEXT NOT NULL CHECK (role IN"
	"    ('owner','admin','editor','moderator','analyst','client')),"
	"  created_at INTEGER NOT NULL,"
	"  PRIMARY KEY (workspace_id, account_id));"
	"CREATE INDEX member_account ON member(account_id);"
	"CREATE TABLE audit ("
	"  id INTEGER PRIMARY KEY,"
	"  workspace_id INTEGER REFERENCES workspace(id) ON DELETE CASCADE,"
	"  account_id INTEGER,"
	"  action TEXT NOT NULL,"
	"  target TEXT NOT NULL DEFAULT '',"
	"  detail TEXT NOT NULL DEFAULT '{}',"
	"  ip TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX audit_workspace ON audit(workspace_id, id);"
	/* Durable background jobs: claimed by lease, so a job whose worker died
	 * (kill -9) is taken again once its lease is over. */
	"CREATE TABLE job ("
	"  id INTEGER PRIMARY KEY,"
	"  kind TEXT NOT NULL,"
	"  workspace_id INTEGER REFERENCES workspace(id) ON DELETE CASCADE,"
	"  ref_id INTEGER NOT NULL DEFAULT 0,"
	"  run_at INTEGER NOT NULL,"
	"  state TEXT NOT NULL DEFAULT 'queued'"
	"    CHECK (state IN ('queued','running','done','failed')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  lease_until INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT NOT NULL DEFAULT '',"
	"  created_at INTEGER NOT NULL);"
	"CREATE INDEX job_due ON job(state, run_at);",
};
const int store_migrations_count = sizeof store_migrations / sizeof store_migrations[0];
