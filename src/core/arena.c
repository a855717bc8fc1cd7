/* arena.c - bump allocator over a list of blocks.
 *
 * Blocks grow geometrically (4 KiB to 64 KiB); an allocation larger than a
 * block gets a block of its own. Memory is only returned by arena_free. */
#include "core/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct arena_block {
	struct arena_block *next;
	size_t len, used;
	alignas(max_align_t) char data[];
};

#define ALIGN (alignof(max_align_t))
#define ROUND(n) (((n) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

void arena_init(struct arena *a, void *buf, size_t len, size_t cap)
{
	memset(a, 0, sizeof *a);
	a->cap = cap;
	if (buf && len >= ALIGN) {
		/* Align the caller's buffer start. */
		uintptr_t p = (uintptr_t)buf, q = (p + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
		a->first = (char *)q;
		a->first_len = len - (size_t)(q - p);
	}
}

void arena_free(struct arena *a)
{
	struct arena_block *b = a->head;
	while (b) {
		struct arena_block *n = b->next;
		free(b);
		b = n;
	}
	a->head = NULL;
	a->used_total = 0;
	a->first_used = 0;
	a->failed = false;
}

void *arena_alloc(struct arena *a, size_t n)
{
	/* Refuse sizes whose rounding would wrap, capped arena or not. */
	if (n > SIZE_MAX / 2) {
		a->failed = true;
		return NULL;
	}
	n = ROUND(n ? n : 1);
	if (a->cap && (n > a->cap || a->used_total > a->cap - n)) {
		a->failed = true;
		return NULL;
	}
	a->used_total += n;
	if (a->first && a->first_len - a->first_used >= n) {
		void *p = a->first + a->first_used;
		a->first_used += n;
		return p;
	}
	struct arena_block *b = a->head;
	if (!b || b->len - b->used < n) {
		size_t want = b ? b->len * 2 : 4096;
		if (want > 65536)
			want = 65536;
		if (want < n)
			want = n;
		b = xmalloc(sizeof *b + want);
		b->len = want;
		b->used = 0;
		b->next = a->head;
		a->head = b;
	}
	void *p = b->data + b->used;
	b->used += n;
	return p;
}

char *arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

char *arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

void *arena_grow(struct arena *a, void *v, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return v;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *nv = arena_alloc(a, ncap * size);
	if (nv && n)
		memcpy(nv, v, n * size);
	*cap = ncap;
	return nv;
}
