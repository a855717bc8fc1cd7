#include "harness.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>

#include "core/err.h"
#include "core/arena.h"
#include "store/store.h"
#include "store/store_int.h"

static struct store *open_tmp(char *path, size_t n)
{
	snprintf(path, n, "%s/t.db", harness_tmpdir());
	struct store *s = NULL;
	if (store_open(&s, path, 1000) != ERR_OK)
		return NULL;
	return s;
}

static int64_t pragma(const char *path, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	int64_t v = -1;
	if (sqlite3_open(path, &h) == SQLITE_OK && sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			v = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return v;
}

TEST(store_migrates_a_new_database_to_the_latest_version_and_reopens)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	int cur, latest;
	CHECK_EQ_INT(store_version(s, &cur, &latest), ERR_OK);
	CHECK_EQ_INT(cur, latest);
	CHECK(latest >= 1);
	store_close(s);
	CHECK_EQ_INT(pragma(path, "PRAGMA user_version"), latest);
	s = NULL;
	CHECK_EQ_INT(store_open(&s, path, 1000), ERR_OK);
	store_close(s);
}

TEST(store_runs_in_wal_mode_with_foreign_keys)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	sqlite3 *h;
	sqlite3_stmt *st;
	REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	sqlite3_prepare_v2(h, "PRAGMA journal_mode", -1, &st, NULL);
	CHECK(sqlite3_step(st) == SQLITE_ROW);
	CHECK_EQ_STR((const char *)sqlite3_column_text(st, 0), "wal");
	sqlite3_finalize(st);
	sqlite3_close(h);
	/* A member row for a workspace that does not exist is refused: the
	 * store's connections enforce foreign keys. */
	CHECK_EQ_INT(store_member_insert(s, 999, 999, "owner", 1), ERR_CONFLICT);
	store_close(s);
}

TEST(store_refuses_a_duplicate_email)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	int64_t id;
	CHECK_EQ_INT(store_account_insert(s, "a@b.fr", "A", "h", 1, &id), ERR_OK);
	CHECK_EQ_INT(store_account_insert(s, "a@b.fr", "A", "h", 1, &id), ERR_EXISTS);
	int64_t n;
	CHECK_EQ_INT(store_account_count(s, &n), ERR_OK);
	CHECK_EQ_INT(n, 1);
	store_close(s);
}

TEST(store_rolls_back_everything_when_a_transaction_fails)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	int64_t acc, ws;
	REQUIRE(store_account_insert(s, "o@b.fr", "", "h", 1, &acc) == ERR_OK);
	struct workspace w = {.name = "W", .tz = "UTC", .lang = "fr", .business_hours = "{}"};
	REQUIRE(store_begin(s) == ERR_OK);
	int rc = store_workspace_insert(s, &w, acc, 1, &ws);
	CHECK_EQ_INT(rc, ERR_OK);
	/* A later step of the same change fails: nothing of it may remain. */
	CHECK_EQ_INT(store_member_insert(s, ws, acc, "owner", 1), ERR_EXISTS);
	CHECK_EQ_INT(store_end(s, ERR_EXISTS), ERR_EXISTS);
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	struct workspace got;
	CHECK_EQ_INT(store_workspace_get(s, &a, ws, &got), ERR_NOTFOUND);
	const char *role;
	CHECK_EQ_INT(store_member_role(s, ws, acc, &role), ERR_NOTFOUND);
	arena_free(&a);
	store_close(s);
}

TEST(store_scopes_members_and_audit_by_workspace)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	int64_t a1, a2, w1, w2;
	REQUIRE(store_account_insert(s, "one@x.fr", "", "h", 1, &a1) == ERR_OK);
	REQUIRE(store_account_insert(s, "two@x.fr", "", "h", 1, &a2) == ERR_OK);
	struct workspace w = {.name = "W", .tz = "UTC", .lang = "fr", .business_hours = "{}"};
	REQUIRE(store_begin(s) == ERR_OK);
	REQUIRE(store_workspace_insert(s, &w, a1, 1, &w1) == ERR_OK);
	REQUIRE(store_workspace_insert(s, &w, a2, 1, &w2) == ERR_OK);
	struct audit_entry e = {.workspace_id = w1, .account_id = a1, .action = "x", .created_at = 5};
	REQUIRE(store_audit_add(s, &e) == ERR_OK);
	REQUIRE(store_end(s, ERR_OK) == ERR_OK);

	const char *role;
	CHECK_EQ_INT(store_member_role(s, w1, a1, &role), ERR_OK);
	CHECK_EQ_STR(role, "owner");
	CHECK_EQ_INT(store_member_role(s, w1, a2, &role), ERR_NOTFOUND);
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	struct audit_list al;
	CHECK_EQ_INT(store_audit_list(s, &a, w2, 0, 50, &al), ERR_OK);
	CHECK_EQ_INT(al.n, 0);
	CHECK_EQ_INT(store_audit_list(s, &a, w1, 0, 50, &al), ERR_OK);
	CHECK_EQ_INT(al.n, 1);
	CHECK_EQ_STR(al.v[0].actor, "one@x.fr");
	struct workspace_list wl;
	CHECK_EQ_INT(store_workspaces_of(s, &a, a2, &wl), ERR_OK);
	CHECK_EQ_INT(wl.n, 1);
	CHECK_EQ_INT(wl.v[0].id, w2);
	arena_free(&a);
	store_close(s);
}

TEST(store_sessions_expire_and_password_change_revokes_them)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	int64_t acc, who;
	REQUIRE(store_account_insert(s, "s@x.fr", "", "h", 1, &acc) == ERR_OK);
	CHECK_EQ_INT(store_session_insert(s, "h1", acc, 100, 200, "127.0.0.1"), ERR_OK);
	CHECK_EQ_INT(store_session_insert(s, "h2", acc, 100, 1000, "127.0.0.1"), ERR_OK);
	CHECK_EQ_INT(store_session_account(s, "h1", 150, &who), ERR_OK);
	CHECK_EQ_INT(who, acc);
	CHECK_EQ_INT(store_session_account(s, "h1", 200, &who), ERR_NOTFOUND);
	CHECK_EQ_INT(store_account_set_password(s, acc, "new", 300), ERR_OK);
	CHECK_EQ_INT(store_session_account(s, "h2", 300, &who), ERR_NOTFOUND);
	CHECK_EQ_INT(store_account_set_password(s, 12345, "new", 300), ERR_NOTFOUND);
	store_close(s);
}

static void *insert_many(void *arg)
{
	struct store *s = arg;
	char email[64];
	for (int i = 0; i < 50; i++) {
		snprintf(email, sizeof email, "t%p-%d@x.fr", (void *)pthread_self(), i);
		int64_t id;
		if (store_account_insert(s, email, "", "h", 1, &id) != ERR_OK)
			return (void *)1;
	}
	return NULL;
}

TEST(store_gives_each_thread_its_own_connection)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	pthread_t t[4];
	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, insert_many, s);
	int errors = 0;
	for (int i = 0; i < 4; i++) {
		void *r;
		pthread_join(t[i], &r);
		errors += r != NULL;
	}
	CHECK_EQ_INT(errors, 0);
	int64_t n;
	CHECK_EQ_INT(store_account_count(s, &n), ERR_OK);
	CHECK_EQ_INT(n, 200);
	store_close(s);
}

TEST(store_refuses_a_nested_write_transaction)
{
	char path[300];
	struct store *s = open_tmp(path, sizeof path);
	REQUIRE(s);
	CHECK_EQ_INT(store_begin(s), ERR_OK);
	CHECK(store_begin(s) != ERR_OK);
	CHECK_EQ_INT(store_end(s, ERR_OK), ERR_OK);
	CHECK_EQ_INT(store_read(s), ERR_OK);
	CHECK(store_begin(s) != ERR_OK);
	store_read_end(s);
	store_close(s);
}

/* A database left at version 2 with publish jobs waiting and one running
 * (its process killed): version 3 moves them into the variants with their
 * place and attempts, and the one that was running is claimed first, as a
 * recheck (its variant was "publishing"). */
TEST(store_migration_3_moves_publish_jobs_into_the_variants)
{
	char path[300];
	snprintf(path, sizeof path, "%s/m3.db", harness_tmpdir());
	sqlite3 *h;
	REQUIRE(sqlite3_open(path, &h) == SQLITE_OK);
	for (int v = 0; v < 2; v++)
		REQUIRE(sqlite3_exec(h, store_migrations[v], NULL, NULL, NULL) == SQLITE_OK);
	const char *seed =
		"INSERT INTO workspace (id, name, tz, lang, created_at, updated_at)"
		" VALUES (1, 'W', 'UTC', 'fr', 1, 1);"
		"INSERT INTO channel (id, workspace_id, network, handle, account_ref, secret,"
		" created_at, updated_at) VALUES (7, 1, 'fake', 'h', 'h', x'00', 1, 1);"
		"INSERT INTO post (id, workspace_id, state, scheduled_at, created_at, updated_at)"
		" VALUES (1, 1, 'scheduled', 5000, 1, 1), (2, 1, 'publishing', 4000, 1, 1),"
		" (3, 1, 'published', 3000, 1, 1);"
		"INSERT INTO variant (id, post_id, channel_id, text, state, idem_key) VALUES"
		" (11, 1, 7, 'a', 'pending', 'k1'), (12, 2, 7, 'b', 'publishing', 'k2'),"
		" (13, 3, 7, 'c', 'published', 'k3');"
		"INSERT INTO job (kind, workspace_id, ref_id, lane, run_at, state, attempts, created_at)"
		" VALUES ('publish', 1, 11, 7, 5000, 'queued', 2, 1),"
		" ('publish', 1, 12, 7, 4000, 'running', 1, 1);"
		"PRAGMA user_version = 2;";
	REQUIRE(sqlite3_exec(h, seed, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);

	struct store *s = NULL;
	REQUIRE(store_open(&s, path, 1000) == ERR_OK);
	CHECK_EQ_INT(pragma(path, "SELECT count(*) FROM job"), 0);
	CHECK_EQ_INT(pragma(path, "SELECT run_at * 10 + attempts FROM variant WHERE id = 11"), 50002);
	CHECK_EQ_INT(pragma(path, "SELECT run_at * 10 + attempts FROM variant WHERE id = 12"), 40001);
	CHECK_EQ_INT(pragma(path, "SELECT run_at FROM variant WHERE id = 13"), 0);
	int64_t queued;
	CHECK_EQ_INT(store_jobs_queued(s, &queued), ERR_OK);
	CHECK_EQ_INT(queued, 2);

	CHECK_EQ_INT(store_begin(s), ERR_OK);
	CHECK_EQ_INT(store_publish_sync(s, 0), ERR_OK);
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct claim k[2];
	size_t n = 0;
	CHECK_EQ_INT(store_publish_claim(s, &a, 10000, 2, k, &n), ERR_OK);
	CHECK_EQ_INT(store_end(s, ERR_OK), ERR_OK);
	REQUIRE(n == 1);              /* one at a time on a channel */
	CHECK_EQ_INT(k[0].variant, 12);
	CHECK(k[0].recheck);
	CHECK_EQ_INT(k[0].attempts, 2);
	CHECK_EQ_STR(k[0].idem_key, "k2");
	arena_free(&a);
	store_close(s);
}
