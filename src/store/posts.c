/* posts.c - posts, their variants (one per channel) and the calendar
 * queries. Every read inside a workspace takes the workspace id and the SQL
 * scopes by it. */
#include <string.h>

#include "core/err.h"
#include "store/db.h"
#include "store/store.h"

#define POST_COLS                                                                       \
	"id, workspace_id, author_id, state, scheduled_at, tz, campaign, labels, notes," \
	" review_comment, failure, override_reason, published_at, version, created_at,"  \
	" updated_at"
DB_SQL(Q_POST_INSERT,
       "INSERT INTO post (workspace_id, author_id, state, scheduled_at, tz, campaign, labels,"
       " notes, override_reason, created_at, updated_at)"
       " VALUES (:ws, :author, :state, :at, :tz, :campaign, :labels, :notes, :override, :now,"
       " :now)"
       " RETURNING id");
DB_SQL(Q_POST_GET, "SELECT " POST_COLS " FROM post WHERE id = :id AND (:ws = 0 OR workspace_id = :ws)");
DB_SQL(Q_POST_UPDATE,
       "UPDATE post SET state = :state, scheduled_at = :at, tz = :tz, campaign = :campaign,"
       " labels = :labels, notes = :notes, review_comment = :review, failure = :failure,"
       " override_reason = :override, published_at = :published, version = version + 1,"
       " updated_at = :now WHERE id = :id AND version = :version");
DB_SQL(Q_POST_DELETE, "DELETE FROM post WHERE id = :id AND workspace_id = :ws"
		      " AND version = :version");
/* Unscheduled posts (scheduled_at 0) sort last: they have no date. */
DB_SQL(Q_POST_LIST,
       "SELECT " POST_COLS " FROM post p WHERE workspace_id = :ws"
       " AND (:from = 0 OR scheduled_at >= :from) AND (:to = 0 OR scheduled_at < :to)"
       " AND (:state IS NULL OR state = :state)"
       " AND (:campaign IS NULL OR campaign = :campaign)"
       " AND (:label IS NULL OR EXISTS (SELECT 1 FROM json_each(p.labels) WHERE value = :label))"
       " AND (:channel = 0 OR EXISTS (SELECT 1 FROM variant v WHERE v.post_id = p.id"
       "      AND v.channel_id = :channel))"
       " ORDER BY scheduled_at = 0, scheduled_at, id LIMIT :limit");

#define VARIANT_COLS                                                                      \
	"v.id, v.post_id, v.channel_id, v.text, v.link, v.first_comment, v.media, v.state," \
	" v.idem_key, v.external_id, v.url, v.error, v.published_at, c.network, c.handle,"  \
	" v.first_attempt_at, v.options"
DB_SQL(Q_VAR_INSERT,
       "INSERT INTO variant (post_id, channel_id, text, link, first_comment, media, options,"
       " idem_key) VALUES (:post, :channel, :text, :link, :comment, :media, :options, :key)"
       " RETURNING id");
DB_SQL(Q_VAR_OF, "SELECT " VARIANT_COLS " FROM variant v JOIN channel c ON c.id = v.channel_id"
		 " WHERE v.post_id = :post ORDER BY v.id");
DB_SQL(Q_VAR_DELETE_ALL, "DELETE FROM variant WHERE post_id = :post");
/* By the calendar index (the workspace's posts in the range), not by the
 * channel's variants: a channel's whole history is not read for one day. */
DB_SQL(Q_CH_TIMES,
       "SELECT p.scheduled_at FROM post p"
       " WHERE p.workspace_id = (SELECT workspace_id FROM channel WHERE id = :channel)"
       " AND p.scheduled_at >= :from AND p.scheduled_at < :to AND p.id <> :except"
       " AND p.state IN ('scheduled','publishing','published')"
       " AND EXISTS (SELECT 1 FROM variant v WHERE v.post_id = p.id AND v.channel_id = :channel)"
       " ORDER BY p.scheduled_at LIMIT 10000");

static void read_post(struct db_stmt *st, struct arena *a, void *row)
{
	struct post *p = row;
	p->id = db_col_int(st, 0);
	p->workspace_id = db_col_int(st, 1);
	p->author_id = db_col_int(st, 2);
	p->state = db_col_text(st, a, 3);
	p->scheduled_at = db_col_int(st, 4);
	p->tz = db_col_text(st, a, 5);
	p->campaign = db_col_text(st, a, 6);
	p->labels = db_col_text(st, a, 7);
	p->notes = db_col_text(st, a, 8);
	p->review_comment = db_col_text(st, a, 9);
	p->failure = db_col_text(st, a, 10);
	p->override_reason = db_col_text(st, a, 11);
	p->published_at = db_col_int(st, 12);
	p->version = db_col_int(st, 13);
	p->created_at = db_col_int(st, 14);
	p->updated_at = db_col_int(st, 15);
	p->v = NULL;
	p->nv = 0;
}

static void read_variant(struct db_stmt *st, struct arena *a, void *row)
{
	struct variant *v = row;
	v->id = db_col_int(st, 0);
	v->post_id = db_col_int(st, 1);
	v->channel_id = db_col_int(st, 2);
	v->text = db_col_text(st, a, 3);
	v->link = db_col_text(st, a, 4);
	v->first_comment = db_col_text(st, a, 5);
	v->media = db_col_text(st, a, 6);
	v->state = db_col_text(st, a, 7);
	v->idem_key = db_col_text(st, a, 8);
	v->external_id = db_col_text(st, a, 9);
	v->url = db_col_text(st, a, 10);
	v->error = db_col_text(st, a, 11);
	v->published_at = db_col_int(st, 12);
	v->network = db_col_text(st, a, 13);
	v->handle = db_col_text(st, a, 14);
	v->first_attempt_at = db_col_int(st, 15);
	v->options = db_col_text(st, a, 16);
}

static int read_variants(struct db *c, struct arena *a, struct post *p)
{
	DB_STMT(c, st, Q_VAR_OF);
	db_bind_int(st, ":post", p->id);
	return db_list(st, a, sizeof *p->v, (void **)&p->v, &p->nv, read_variant);
}

static int insert_variants(struct db *c, struct post *p)
{
	for (size_t i = 0; i < p->nv; i++) {
		struct variant *v = &p->v[i];
		DB_STMT(c, st, Q_VAR_INSERT);
		db_bind_int(st, ":post", p->id);
		db_bind_int(st, ":channel", v->channel_id);
		db_bind_text(st, ":text", v->text);
		db_bind_text(st, ":link", v->link ? v->link : "");
		db_bind_text(st, ":comment", v->first_comment ? v->first_comment : "");
		db_bind_text(st, ":media", v->media ? v->media : "[]");
		db_bind_text(st, ":options", v->options ? v->options : "{}");
		db_bind_text(st, ":key", v->idem_key);
		int rc = db_insert_id(st, &v->id);
		if (rc)
			return rc;
		v->post_id = p->id;
	}
	return ERR_OK;
}

int store_post_insert(struct store *s, struct post *p, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_INSERT);
	db_bind_int(st, ":ws", p->workspace_id);
	db_bind_int(st, ":author", p->author_id);
	db_bind_text(st, ":state", p->state);
	db_bind_int(st, ":at", p->scheduled_at);
	db_bind_text(st, ":tz", p->tz ? p->tz : "UTC");
	db_bind_text(st, ":campaign", p->campaign ? p->campaign : "");
	db_bind_text(st, ":labels", p->labels ? p->labels : "[]");
	db_bind_text(st, ":notes", p->notes ? p->notes : "");
	db_bind_text(st, ":override", p->override_reason ? p->override_reason : "");
	db_bind_int(st, ":now", now);
	int rc = db_insert_id(st, &p->id);
	return rc ? rc : insert_variants(c, p);
}

int store_post_get(struct store *s, struct arena *a, int64_t ws, int64_t id, struct post *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_GET);
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":ws", ws);
	int rc = db_step(st);
	if (rc == DB_ROW) {
		read_post(st, a, out);
		rc = ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc ? rc : read_variants(c, a, out);
}

int store_post_update(struct store *s, const struct post *p, int64_t now)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_UPDATE);
	db_bind_text(st, ":state", p->state);
	db_bind_int(st, ":at", p->scheduled_at);
	db_bind_text(st, ":tz", p->tz);
	db_bind_text(st, ":campaign", p->campaign);
	db_bind_text(st, ":labels", p->labels);
	db_bind_text(st, ":notes", p->notes);
	db_bind_text(st, ":review", p->review_comment);
	db_bind_text(st, ":failure", p->failure);
	db_bind_text(st, ":override", p->override_reason);
	db_bind_int(st, ":published", p->published_at);
	db_bind_int(st, ":now", now);
	db_bind_int(st, ":id", p->id);
	db_bind_int(st, ":version", p->version);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_CONFLICT;
}

int store_post_set_variants(struct store *s, struct post *p)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_VAR_DELETE_ALL);
	db_bind_int(st, ":post", p->id);
	int rc = db_exec(st);
	return rc ? rc : insert_variants(c, p);
}

int store_post_delete(struct store *s, int64_t ws, int64_t id, int64_t version)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_DELETE);
	db_bind_int(st, ":id", id);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":version", version);
	int rc = db_exec(st);
	return rc ? rc : db_changes(c) ? ERR_OK : ERR_CONFLICT;
}

int store_post_list(struct store *s, struct arena *a, int64_t ws, const struct post_filter *f,
		    struct post_list *out)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_POST_LIST);
	db_bind_int(st, ":ws", ws);
	db_bind_int(st, ":from", f->from);
	db_bind_int(st, ":to", f->to);
	db_bind_text(st, ":state", f->state);
	db_bind_text(st, ":campaign", f->campaign);
	db_bind_text(st, ":label", f->label);
	db_bind_int(st, ":channel", f->channel);
	db_bind_int(st, ":limit", f->limit > 0 ? f->limit : 500);
	int rc = db_list(st, a, sizeof *out->v, (void **)&out->v, &out->n, read_post);
	for (size_t i = 0; !rc && i < out->n; i++)
		rc = read_variants(c, a, &out->v[i]);
	return rc;
}

static void read_time(struct db_stmt *st, struct arena *a, void *row)
{
	(void)a;
	*(int64_t *)row = db_col_int(st, 0);
}

int store_channel_times(struct store *s, struct arena *a, int64_t channel, int64_t from,
			int64_t to, int64_t except, int64_t **out, size_t *n)
{
	DB_CONN(s, c);
	DB_STMT(c, st, Q_CH_TIMES);
	db_bind_int(st, ":channel", channel);
	db_bind_int(st, ":from", from);
	db_bind_int(st, ":to", to);
	db_bind_int(st, ":except", except);
	return db_list(st, a, sizeof **out, (void **)out, n, read_time);
}
