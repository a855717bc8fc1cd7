/* arena.h - region allocator: one per HTTP request and one per job.
 *
 * Everything allocated from an arena is freed at once by arena_free(); nothing
 * allocated from it may be passed to free(). Each arena has a cap: past it,
 * arena_alloc() returns NULL and the arena remembers the failure
 * (arena_failed), so a handler can turn it into ERR_TOOBIG instead of
 * exhausting the machine on one hostile request. */
#ifndef TRIBU_ARENA_H
#define TRIBU_ARENA_H
#include <stddef.h>
#include <stdbool.h>

struct arena_block;
struct arena {
	struct arena_block *head;   /* newest block first */
	size_t used_total;          /* bytes handed out, for the cap */
	size_t cap;                 /* 0 = no cap */
	bool failed;
	/* The first block lives inline so that small requests never call malloc
	 * more than once. */
	char *first;
	size_t first_len, first_used;
};

/* `buf`/`len` may be a caller's stack buffer used first (may be NULL/0). */
void arena_init(struct arena *a, void *buf, size_t len, size_t cap);
/* Frees every block; the arena may be reused after arena_init. */
void arena_free(struct arena *a);

/* Aligned to max_align_t; NULL (and a->failed) only past the cap. */
void *arena_alloc(struct arena *a, size_t n);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);
/* Array growth for lists built row by row: returns `v` while n < *cap, else a
 * copy with twice the room (*cap updated); NULL past the cap. */
void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size);
static inline bool arena_failed(const struct arena *a) { return a->failed; }

#endif
