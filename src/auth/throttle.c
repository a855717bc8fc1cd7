/* throttle.c - open-addressed table of 64-bit key hashes (see throttle.h).
 *
 * Keys are hashed with BLAKE2b keyed by a random per-process key, so an
 * attacker cannot craft keys that collide on purpose. A probe looks at
 * PROBE consecutive slots; when none is free or matching, the entry with the
 * oldest activity among them is replaced. */
#include "auth/throttle.h"

#include <pthread.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define PROBE 8

struct slot {
	uint64_t key;           /* 0 = free */
	int failures;
	int64_t window_start, locked_until, last;
};

struct throttle {
	pthread_mutex_t lock;
	int nslots, max_failures;
	int64_t window_ms, lockout_ms;
	unsigned char hkey[crypto_shorthash_KEYBYTES];
	struct slot *slots;
};

struct throttle *throttle_new(int slots, int max_failures, int64_t window_ms, int64_t lockout_ms)
{
	struct throttle *t = xcalloc(1, sizeof *t);
	pthread_mutex_init(&t->lock, NULL);
	t->nslots = slots < PROBE ? PROBE : slots;
	t->max_failures = max_failures;
	t->window_ms = window_ms;
	t->lockout_ms = lockout_ms;
	crypto_shorthash_keygen(t->hkey);
	t->slots = xcalloc((size_t)t->nslots, sizeof *t->slots);
	return t;
}

void throttle_free(struct throttle *t)
{
	if (!t)
		return;
	pthread_mutex_destroy(&t->lock);
	free(t->slots);
	free(t);
}

static uint64_t hash(const struct throttle *t, const char *key)
{
	unsigned char h[crypto_shorthash_BYTES];
	crypto_shorthash(h, (const unsigned char *)key, strlen(key), t->hkey);
	uint64_t v;
	memcpy(&v, h, sizeof v);
	return v ? v : 1;
}

/* The slot of `k`, or NULL; with `create`, a slot made for it. */
static struct slot *find(struct throttle *t, uint64_t k, int create)
{
	size_t start = (size_t)(k % (uint64_t)t->nslots);
	struct slot *victim = NULL;
	for (int i = 0; i < PROBE; i++) {
		struct slot *s = &t->slots[(start + (size_t)i) % (size_t)t->nslots];
		if (s->key == k)
			return s;
		if (!victim || !s->key || (victim->key && s->last < victim->last))
			victim = s;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof *victim);
	victim->key = k;
	return victim;
}

int64_t throttle_wait(struct throttle *t, const char *key, int64_t now_ms)
{
	uint64_t k = hash(t, key);
	int64_t wait = 0;
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, k, 0);
	if (s && s->locked_until > now_ms)
		wait = (s->locked_until - now_ms + 999) / 1000;
	pthread_mutex_unlock(&t->lock);
	return wait;
}

void throttle_fail(struct throttle *t, const char *key, int64_t now_ms)
{
	uint64_t k = hash(t, key);
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, k, 1);
	if (now_ms - s->window_start > t->window_ms) {
		s->window_start = now_ms;
		s->failures = 0;
	}
	s->last = now_ms;
	if (++s->failures >= t->max_failures) {
		s->locked_until = now_ms + t->lockout_ms;
		/* The next failure after the lockout locks again at once. */
		s->failures = t->max_failures - 1;
	}
	pthread_mutex_unlock(&t->lock);
}

void throttle_clear(struct throttle *t, const char *key)
{
	uint64_t k = hash(t, key);
	pthread_mutex_lock(&t->lock);
	struct slot *s = find(t, k, 0);
	if (s)
		memset(s, 0, sizeof *s);
	pthread_mutex_unlock(&t->lock);
}
