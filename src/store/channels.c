/* channels.c - connected network accounts of a workspace, and the
 * workspace's publishing settings. Credentials arrive sealed (auth_seal):
 * this file stores bytes it cannot read. */
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_PUB_GET,
       "SELECT approval_required, paused_at, pause_reason, charter, ical_hash, campaigns"
       " FROM workspace WHERE id = :ws");
DB_SQL(Q_PUB_APPROVAL, "UPDATE workspace SET approval_required = :v WHERE id = :ws");
DB_SQL(Q_PUB_PAUSE, "UPDATE workspace SET paused_at = :at, pause_reason = :why WHERE id = :ws");
DB_SQL(Q_PUB_CHARTER, "UPDATE workspace SET charter = :v WHERE id = :ws");
DB_SQL(Q_PUB_CAMPAIGNS, "UPDATE workspace SET campaigns = :v WHERE id = :ws");
DB_SQL(Q_PUB_ICAL, "UPDATE workspace SET ical_hash = :v WHERE id = :ws");
DB_SQL(Q_PUB_BY_ICAL, "SELECT id FROM workspace WHERE ical_hash = :h AND ical_hash <> ''");

#define CHANNEL_COLS                                                                     \
	"id, workspace_id, network, service, handle, account_ref, display_name, status," \
	" status_reason, charter, slots, created_at, updated_at"
DB_SQL(Q_CH_INSERT,
       "INSERT INTO channel (workspace_id, network, service, handle, account_ref, display_name,"
       " secret, checked_at, created_at, updated_at)"
       " VALUES (:ws, :network, :service, :handle, :ref, :name, :secret, :now, :now, :now)"
       " RETURNING id");
DB_SQL(Q_CH_GET, "SELECT " CHANNEL_COLS " FROM channel WHERE id = :id"
		 " AND (:ws = 0 OR workspace_id = :ws)");
DB_SQL(Q_CH_LIST, "SELECT " CHANNEL_COLS " FROM channel WHERE workspace_id = :ws"
		  " ORDER BY network, handle, id");
DB_SQL(Q_CH_SECRET, "SELECT secret FROM channel WHERE id = :id");
DB_SQL(Q_CH_SET_SECRET, "UPDATE channel SET secret = :secret, updated_at = :now WHERE id = :id");
DB_SQL(Q_CH_SET_STATUS,
       "UPDATE channel SET status = :status, status_reason = :why, updated_at = :now"
       " WHERE id = :id");
DB_SQL(Q_CH_UPDATE,
       "UPDATE channel SET display_name = :name, charter = :charter, slots = :slots,"
       " updated_at = :now WHERE id = :id");
DB_SQL(Q_CH_TO_CHECK,
       "SELECT id FROM channel WHERE status = 'active' AND checked_at < :before"
       " ORDER BY checked_at, id LIMIT :max");
DB_SQL(Q_CH_CHECKED, "UPDATE channel SET checked_at = :now WHERE id = :id");
DB_SQL(Q_CH_DELETE, "DELETE FROM channel WHERE id = :id AND workspace_id = :ws");

static int changed(struct db *c, int rc)
{
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_NOTFOUND;
}

int store_ws_publishing(struct store *s, struct arena *a, int64_t ws, struct ws_publishing *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_GET);
	db_bind_int(st, ":ws", ws);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		out->approval_required = db_col_int(st, 0) != 0;
		out->paused_at = db_col_int(st, 1);
		out->pause_reason = db_col_text(st, a, 2);
		out->charter = db_col_text(st, a, 3);
		out->ical_hash = db_col_text(st, a, 4);
		out->campaigns = db_col_text(st, a, 5);
		rc = arena_failed(a) ? ERR_TOOBIG : ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_ws_set_approval(struct store *s, int64_t ws, bool required)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_APPROVAL);
	db_bind_int(st, ":v", required);
	db_bind_int(st, ":ws", ws);
	return changed(c, db_exec(st));
}

int store_ws_set_pause(struct store *s, int64_t ws, int64_t paused_at, const char *reason)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_PAUSE);
	db_bind_int(st, ":at", paused_at);
	db_bind_text(st, ":why", reason ? reason : "");
	db_bind_int(st, ":ws", ws);
	return changed(c, db_exec(st));
}

/* One text setting of a workspace. */
static int ws_set_text(struct store *s, struct db_sql *q, int64_t ws, const char *v)
{
	DB_CONN(s, c);
	DB_STMT(c, st, *q);
	db_bind_text(st, ":v", v);
	db_bind_int(st, ":ws", ws);
	return changed(c, db_exec(st));
}

int store_ws_set_charter(struct store *s, int64_t ws, const char *charter)
{
	return ws_set_text(s, &Q_PUB_CHARTER, ws, charter);
}

int store_ws_set_campaigns(struct store *s, int64_t ws, const char *campaigns)
{
	return ws_set_text(s, &Q_PUB_CAMPAIGNS, ws, campaigns);
}

int store_ws_set_ical(struct store *s, int64_t ws, const char *hash)
{
	return ws_set_text(s, &Q_PUB_ICAL, ws, hash);
}

int store_ws_by_ical(struct store *s, const char *hash, int64_t *ws)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_PUB_BY_ICAL);
	db_bind_text(st, ":h", hash);
	return db_one_int(st, ws);
}

static void read_channel(struct db_stmt *st, struct arena *a, void *row)
{
	struct channel *ch = row;
	ch->id = db_col_int(st, 0);
	ch->workspace_id = db_col_int(st, 1);
	ch->network = db_col_text(st, a, 2);
	ch->service = db_col_text(st, a, 3);
	ch->handle = db_col_text(st, a, 4);
	ch->account_ref = db_col_text(st, a, 5);
	ch->display_name = db_col_text(st, a, 6);
	ch->status = db_col_text(st, a, 7);
	ch->status_reason = db_col_text(st, a, 8);
	ch->charter = db_col_text(st, a, 9);
	ch->slots = db_col_text(st, a, 10);
	ch->created_at = db_col_int(st, 11);
	ch->updated_at = db_col_int(st, 12);
}

int store_channel_insert(struct store *s, const struct channel *ch, const void *secret,
			 size_t secret_len, int64_t now, int64_t *id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_INSERT);
	db_bind_int(st, ":ws", ch->workspace_id);
	db_bind_text(st, ":network", ch->network);
	db_bind_text(st, ":service", ch->service ? ch->service : "");
	db_bind_text(st, ":handle", ch->handle);
	db_bind_text(st, ":ref", ch->account_ref);
	db_bind_text(st, ":name", ch->display_name ? ch->display_name : "");
	db_bind_blob(st, ":secret", secret, secret_len);
	db_bind_int(st, ":now", now);
	return db_insert_id(st, id);
}

int store_channel_get(struct store *s, struct arena *a, int64_t ws, int64_t id,
		      struct channel *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_GET);
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":ws", ws);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		read_channel(st, a, out);
		rc = arena_failed(a) ? ERR_TOOBIG : ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_channel_list(struct store *s, struct arena *a, int64_t ws, struct channel_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_LIST);
	db_bind_int(st, ":ws", ws);
	return db_list(st, a, sizeof *out->v, (void **)&out->v, &out->n, read_channel);
}

int store_channel_secret(struct store *s, struct arena *a, int64_t id, void **secret,
			 size_t *len)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_SECRET);
	db_bind_int(st, ":id", id);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		const void *p = db_col_blob(st, 0, len);
		*secret = arena_alloc(a, *len ? *len : 1);
		if (*secret) {
			if (*len)
				memcpy(*secret, p, *len);
			rc = ERR_OK;
		} else {
			rc = ERR_TOOBIG;
		}
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int store_channel_set_secret(struct store *s, int64_t id, const void *secret, size_t len,
			     int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_SET_SECRET);
	db_bind_blob(st, ":secret", secret, len);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", id);
	return changed(c, db_exec(st));
}

int store_channel_set_status(struct store *s, int64_t id, const char *status,
			     const char *reason, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_SET_STATUS);
	db_bind_text(st, ":status", status);
	db_bind_text(st, ":why", reason ? reason : "");
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", id);
	return changed(c, db_exec(st));
}

int store_channel_update(struct store *s, const struct channel *ch, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_UPDATE);
	db_bind_text(st, ":name", ch->display_name);
	db_bind_text(st, ":charter", ch->charter);
	db_bind_text(st, ":slots", ch->slots);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", ch->id);
	return changed(c, db_exec(st));
}

int store_channels_to_check(struct store *s, int64_t before, int64_t now, size_t max,
			    int64_t *ids, size_t *n)
{
	DB_CONN(s, c);
	*n = 0;
	{
		DB_STMT(c, st, Q_CH_TO_CHECK);
		db_bind_int(st, ":before", before);
		db_bind_int(st, ":max", (int64_t)max);
		int rc;
		while ((rc = db_step(st)) == DB_ROW && *n < max)
			ids[(*n)++] = db_col_int(st, 0);
		db_reset(st);
		if (rc != DB_ROW && rc != DB_DONE)
			return rc;
	}
	for (size_t i = 0; i < *n; i++) {
		DB_STMT(c, st, Q_CH_CHECKED);
		db_bind_int(st, ":now", now);
		db_bind_int(st, ":id", ids[i]);
		int rc = db_exec(st);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

int store_channel_delete(struct store *s, int64_t ws, int64_t id)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_DELETE);
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":ws", ws);
	return changed(c, db_exec(st));   /* its variants, queue included, go with it */
}
