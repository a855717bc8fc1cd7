/* store_int.h - private to src/store/: the schema and what db_sqlite.c
 * shares with the aggregate files. */
#ifndef TRIBU_STORE_INT_H
#define TRIBU_STORE_INT_H

/* Migrations, in order; migration i brings the schema to version i+1.
 * Append only: a shipped migration is never edited. */
extern const char *const store_migrations[];
extern const int store_migrations_count;

#endif
