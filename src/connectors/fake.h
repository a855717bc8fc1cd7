/* fake.h - a scriptable network, connector_find("fake"), for the tests of
 * what drives connectors (the scheduler, the inbox, the API end to end).
 *
 * Unscripted, it behaves like a well-run network: login and refresh hand out
 * sessions, publish stores the post, lookup finds it by idempotency key,
 * delete removes it. A test scripts what the next calls of an operation do
 * (fail in one of the ways a real network fails, take their time, or accept
 * a post and lose the answer) and then asserts on what the network holds:
 * fake_published(key) == 1 is "exactly once".
 *
 * The fake is NOT idempotent itself: every accepted publish is a new post,
 * so a caller that publishes again without lookup() is caught. State is
 * process-wide behind one mutex: calls may run on any threads; a test calls
 * fake_reset() first. */
#ifndef TRIBU_CONNECTORS_FAKE_H
#define TRIBU_CONNECTORS_FAKE_H

enum fake_op { FAKE_LOGIN, FAKE_REFRESH, FAKE_PUBLISH, FAKE_LOOKUP, FAKE_DELETE, FAKE__OPS };

enum fake_outcome {
	FAKE_OK,        /* does what is asked */
	FAKE_TRANSIENT, /* does nothing; ERR_BUSY, fate RETRY (a 503) */
	FAKE_PERMANENT, /* does nothing; ERR_INVAL, fate FAIL (a 400) */
	FAKE_AUTH,      /* does nothing; ERR_DENIED, fate REAUTH (a revoked token) */
	FAKE_LOST,      /* does what is asked, then reports a timeout: ERR_IO, fate
	                   RETRY (the network accepted the post, the answer was lost) */
};

#define FAKE_MAX_STEPS 64       /* scripted steps waiting, per operation */

/* Forgets the script, the posts, the counters and the latency. */
void fake_reset(void);
/* Every publish call past the script waits `publish_ms` before it acts, like
 * a network at that distance (0: at once, the default). The wait is a sleep,
 * not CPU; like a scripted delay, it ends the call with a timeout only when
 * it passes ctx->timeout_ms. For benchmarks. */
void fake_set_latency(int publish_ms);
/* Queues one step for `op`: the next call of `op` waits `delay_ms` (a hung
 * network), then ends as `outcome`. When the wait passes the call's
 * ctx->timeout_ms, the call returns ERR_IO / RETRY after timeout_ms, and
 * whether the network acted still follows `outcome` (OK and LOST act).
 * Calls find their steps in order; past the script they do FAKE_OK at once.
 * ERR_TOOBIG when FAKE_MAX_STEPS are already waiting. */
int fake_script(enum fake_op op, enum fake_outcome outcome, int delay_ms);
/* How many posts the network accepted under `idem_key` (deleted ones too). */
int fake_published(const char *idem_key);
/* Posts the network holds now (accepted, not deleted). */
int fake_live_posts(void);
/* Calls of `op` since the last reset (refused before any network call:
 * not counted). */
int fake_calls(enum fake_op op);
/* The most calls of `op` that were waiting (scripted delay or latency) at
 * the same time since the last reset: with one channel, publish calls that
 * overlap show a scheduler that does not keep a channel to one at a time. */
int fake_max_inflight(enum fake_op op);
/* Accepted posts beyond the first under each key (0: no key was published
 * twice). Sorts a copy of the keys: for counts where fake_published() per
 * key would be quadratic. */
long fake_duplicates(void);

#endif
