/* media.c - uploaded images of a workspace. */
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_MEDIA_INSERT,
       "INSERT INTO media (workspace_id, mime, size, sha256, data, created_at)"
       " VALUES (:ws, :mime, :size, :sha, :data, :now) RETURNING id");
DB_SQL(Q_MEDIA_BY_HASH, "SELECT id FROM media WHERE workspace_id = :ws AND sha256 = :sha");
DB_SQL(Q_MEDIA_GET,
       "SELECT id, workspace_id, mime, size, sha256, created_at,"
       " CASE WHEN :data THEN data END FROM media WHERE id = :id"
       " AND (:ws = 0 OR workspace_id = :ws)");

int store_media_insert(struct store *s, struct media *m, const void *data, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEDIA_INSERT);
	db_bind_int(st, ":ws", m->workspace_id);
	db_bind_text(st, ":mime", m->mime);
	db_bind_int(st, ":size", m->size);
	db_bind_text(st, ":sha", m->sha256);
	db_bind_blob(st, ":data", data, (size_t)m->size);
	db_bind_int(st, ":now", now);
	int rc = db_insert_id(st, &m->id);
	if (rc != ERR_EXISTS)
		return rc;
	DB_STMT(c, sh, Q_MEDIA_BY_HASH);
	db_bind_int(sh, ":ws", m->workspace_id);
	db_bind_text(sh, ":sha", m->sha256);
	int rc2 = db_one_int(sh, &m->id);
	return rc2 ? rc2 : ERR_EXISTS;
}

int store_media_get(struct store *s, struct arena *a, int64_t ws, int64_t id, bool data,
		    struct media *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_MEDIA_GET);
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":data", data);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->id = db_col_int(st, 0);
		out->workspace_id = db_col_int(st, 1);
		out->mime = db_col_text(st, a, 2);
		out->size = db_col_int(st, 3);
		out->sha256 = db_col_text(st, a, 4);
		out->created_at = db_col_int(st, 5);
		out->data = NULL;
		rc = ERR_OK;
		if (data) {
			size_t n;
			const void *p = db_col_blob(st, 6, &n);
			unsigned char *copy = arena_alloc(a, n ? n : 1);
			if (copy && n)
				memcpy(copy, p, n);
			out->data = copy;
			out->size = (int64_t)n;
		}
		if (arena_failed(a))
			rc = ERR_TOOBIG;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}
