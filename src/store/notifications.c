/* notifications.c - what Tribu has to tell people: a post that failed, a
 * channel that needs a new login. Account 0 addresses every member. */
#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

DB_SQL(Q_NOTE_INSERT,
       "INSERT INTO notification (workspace_id, account_id, kind, message, post_id, channel_id,"
       " created_at) VALUES (:ws, :account, :kind, :msg, :post, :channel, :now)");
DB_SQL(Q_NOTE_LIST,
       "SELECT n.id, n.workspace_id, n.account_id, n.kind, n.message, n.post_id, n.channel_id,"
       " n.created_at, n.id <= m.notes_read FROM notification n JOIN member m"
       " ON m.workspace_id = n.workspace_id AND m.account_id = :account"
       " WHERE n.workspace_id = :ws AND (n.account_id = 0 OR n.account_id = :account)"
       " ORDER BY n.id DESC LIMIT :limit");
DB_SQL(Q_NOTE_READ,
       "UPDATE member SET notes_read = max(notes_read, :up_to)"
       " WHERE workspace_id = :ws AND account_id = :account");
DB_SQL(Q_NOTE_UNREAD,
       "SELECT count(*) FROM notification n JOIN member m ON m.workspace_id = n.workspace_id"
       " AND m.account_id = :account WHERE n.workspace_id = :ws AND n.id > m.notes_read"
       " AND (n.account_id = 0 OR n.account_id = :account)");

static void read_notification(struct db_stmt *st, struct arena *a, void *row)
{
	struct notification *n = row;
	n->id = db_col_int(st, 0);
	n->workspace_id = db_col_int(st, 1);
	n->account_id = db_col_int(st, 2);
	n->kind = db_col_text(st, a, 3);
	n->message = db_col_text(st, a, 4);
	n->post_id = db_col_int(st, 5);
	n->channel_id = db_col_int(st, 6);
	n->created_at = db_col_int(st, 7);
	n->read = db_col_int(st, 8) != 0;
}

int store_notify(struct store *s, const struct notification *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_NOTE_INSERT);
	db_bind_int(st, ":ws", n->workspace_id);
	db_bind_int(st, ":account", n->account_id);
	db_bind_text(st, ":kind", n->kind);
	db_bind_text(st, ":msg", n->message);
	db_bind_int(st, ":post", n->post_id);
	db_bind_int(st, ":channel", n->channel_id);
	db_bind_int(st, ":now", n->created_at);
	return db_exec(st);
}

int store_notification_list(struct store *s, struct arena *a, int64_t ws, int64_t account,
			    int limit, struct notification_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_NOTE_LIST);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	db_bind_int(st, ":limit", limit > 0 ? limit : 100);
	return db_list(st, a, sizeof *out->v, (void **)&out->v, &out->n, read_notification);
}

int store_notifications_unread(struct store *s, int64_t ws, int64_t account, int64_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_NOTE_UNREAD);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	return db_one_int(st, n);
}

int store_notifications_read(struct store *s, int64_t ws, int64_t account, int64_t up_to,
			     int64_t *unread)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_NOTE_READ);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":account", account);
	db_bind_int(st, ":up_to", up_to);
	int rc = db_exec(st);
	if (!rc && !db_changes(c))
		rc = ERR_NOTFOUND;
	return rc || !unread ? rc : store_notifications_unread(s, ws, account, unread);
}
