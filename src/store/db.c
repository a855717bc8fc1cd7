/* db.c - helpers of the statement layer that do not depend on the engine. */
#include "core/err.h"
#include "store/db.h"

int db_insert_id(struct db_stmt *st, int64_t *id)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		if (id)
			*id = db_col_int(st, 0);
		rc = ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_DB;     /* RETURNING gave nothing: cannot happen */
	}
	db_reset(st);
	return rc;
}

int db_one_int(struct db_stmt *st, int64_t *v)
{
	int rc = db_step(st);
	if (rc == DB_ROW) {
		*v = db_col_int(st, 0);
		rc = ERR_OK;
	} else if (rc == DB_DONE) {
		rc = ERR_NOTFOUND;
	}
	db_reset(st);
	return rc;
}

int db_list(struct db_stmt *st, struct arena *a, size_t size, void **v, size_t *n,
	    void (*read)(struct db_stmt *st, struct arena *a, void *row))
{
	size_t cap = 0;
	int rc;
	*v = NULL;
	*n = 0;
	while ((rc = db_step(st)) == DB_ROW) {
		char *grown = arena_grow(a, *v, *n, &cap, size);
		if (!grown) {
			rc = ERR_TOOBIG;
			break;
		}
		*v = grown;
		read(st, a, grown + (*n)++ * size);
	}
	return db_rows_end(st, a, rc);
}

int db_rows_end(struct db_stmt *st, struct arena *a, int rc)
{
	db_reset(st);
	if (rc == DB_DONE)
		return arena_failed(a) ? ERR_TOOBIG : ERR_OK;
	return rc;
}
