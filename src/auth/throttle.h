/* throttle.h - counts failed logins per key (an account, an address) and
 * locks a key out for a while once it fails too often.
 *
 * Memory is fixed at creation: a full table forgets its oldest entries, so a
 * flood of addresses cannot exhaust memory (it can only make the throttle
 * forget, never block the innocent). Thread-safe. */
#ifndef TRIBU_THROTTLE_H
#define TRIBU_THROTTLE_H
#include <stdint.h>

struct throttle;

/* `max_failures` within `window_ms` lock the key for `lockout_ms`. */
struct throttle *throttle_new(int slots, int max_failures, int64_t window_ms, int64_t lockout_ms);
void throttle_free(struct throttle *t);
/* 0 when `key` may try now, else the seconds to wait (>= 1). */
int64_t throttle_wait(struct throttle *t, const char *key, int64_t now_ms);
void throttle_fail(struct throttle *t, const char *key, int64_t now_ms);
void throttle_clear(struct throttle *t, const char *key);

#endif
