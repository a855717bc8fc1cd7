#include "harness.h"

#include <sodium.h>
#include <stdio.h>

#include "auth/throttle.h"

TEST(throttle_locks_a_key_after_too_many_failures)
{
	REQUIRE(sodium_init() >= 0);
	struct throttle *t = throttle_new(64, 3, 60000, 10000);
	for (int i = 0; i < 2; i++) {
		throttle_fail(t, "a:x", 1000);
		CHECK_EQ_INT(throttle_wait(t, "a:x", 1000), 0);
	}
	throttle_fail(t, "a:x", 1000);
	CHECK_EQ_INT(throttle_wait(t, "a:x", 1000), 10);
	CHECK_EQ_INT(throttle_wait(t, "a:x", 9500), 2);
	CHECK_EQ_INT(throttle_wait(t, "a:y", 1000), 0);
	CHECK_EQ_INT(throttle_wait(t, "a:x", 11000), 0);
	/* After a lockout one more failure locks again at once. */
	throttle_fail(t, "a:x", 11000);
	CHECK(throttle_wait(t, "a:x", 11000) > 0);
	throttle_clear(t, "a:x");
	CHECK_EQ_INT(throttle_wait(t, "a:x", 11000), 0);
	throttle_free(t);
}

TEST(throttle_forgets_failures_outside_the_window)
{
	struct throttle *t = throttle_new(64, 3, 1000, 10000);
	throttle_fail(t, "k", 0);
	throttle_fail(t, "k", 10);
	throttle_fail(t, "k", 5000);   /* a new window: one failure */
	CHECK_EQ_INT(throttle_wait(t, "k", 5000), 0);
	throttle_free(t);
}

TEST(throttle_memory_is_bounded_under_a_flood_of_keys)
{
	struct throttle *t = throttle_new(64, 2, 60000, 60000);
	char key[32];
	/* The victim is locked; a flood of other addresses may evict it
	 * (forgetting is the safe failure), but never grows the table. */
	throttle_fail(t, "victim", 1);
	throttle_fail(t, "victim", 1);
	CHECK(throttle_wait(t, "victim", 2) > 0);
	for (int i = 0; i < 100000; i++) {
		snprintf(key, sizeof key, "i:%d", i);
		throttle_fail(t, key, 2 + i);
	}
	/* The table still works for new keys after the flood. */
	throttle_fail(t, "late", 200000);
	throttle_fail(t, "late", 200000);
	CHECK(throttle_wait(t, "late", 200000) > 0);
	throttle_free(t);
}
