#include "harness.h"

#include <pthread.h>

#include "connectors/connector.h"
#include "connectors/fake.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"

struct fix {
	const struct connector_ops *ops;
	struct arena a;
	struct connector_ctx c;
};

static void fix_init(struct fix *f)
{
	fake_reset();
	f->ops = connector_find("fake");
	arena_init(&f->a, NULL, 0, 1 << 20);
	f->c = (struct connector_ctx){.arena = &f->a};
}

static struct connector_post post_with(const char *key)
{
	return (struct connector_post){.idem_key = key, .text = "hello"};
}

/* What the scheduler does for one post: publish; after a failure it may
 * retry, look up first, and stop on FAIL / REAUTH. Returns the final rc. */
static int publish_like_the_scheduler(struct fix *f, const char *key, int attempts)
{
	struct connector_post p = post_with(key);
	struct connector_ref ref;
	bool uncertain = false;
	int rc = ERR_IO;
	for (int i = 0; i < attempts; i++) {
		if (uncertain) {
			rc = f->ops->lookup(&f->c, key, &ref);
			if (rc == ERR_OK)
				return ERR_OK;
			if (rc != ERR_NOTFOUND)
				continue;   /* lookup failed too: try it again next round */
		}
		rc = f->ops->publish(&f->c, &p, &ref);
		if (rc == ERR_OK || f->c.res.fate != CONNECTOR_RETRY)
			return rc;
		uncertain = true;
	}
	return rc;
}

TEST(every_registered_connector_is_found_by_name_and_can_publish)
{
	size_t n;
	const struct connector_ops *const *all = connector_all(&n);
	CHECK(n >= 2);
	for (size_t i = 0; i < n; i++) {
		CHECK(connector_find(all[i]->name) == all[i]);
		CHECK(all[i]->limits && all[i]->measure && all[i]->login && all[i]->refresh);
		CHECK(all[i]->publish && all[i]->lookup && all[i]->delete);
	}
	CHECK(connector_find("fake") != NULL && connector_find(NULL) == NULL);
}

TEST(fake_is_found_by_name_and_publishes_looks_up_and_deletes)
{
	struct fix f;
	struct connector_ref ref, found;
	struct connector_account who;
	fix_init(&f);
	REQUIRE(f.ops != NULL);
	CHECK_EQ_INT(f.ops->login(&f.c, "brand", "secret", &who), ERR_OK);
	CHECK(f.c.session_changed && f.c.session != NULL);
	CHECK_EQ_STR(who.name, "brand");
	struct connector_post p = post_with("k1");
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_STR(ref.id, "fake:1");
	CHECK_EQ_INT(f.ops->lookup(&f.c, "k1", &found), ERR_OK);
	CHECK_EQ_STR(found.id, ref.id);
	CHECK_EQ_INT(f.ops->lookup(&f.c, "k2", &found), ERR_NOTFOUND);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_INT(f.ops->delete(&f.c, ref.id), ERR_OK);
	CHECK_EQ_INT(f.ops->lookup(&f.c, "k1", &found), ERR_NOTFOUND);
	CHECK_EQ_INT(fake_live_posts(), 0);
	CHECK_EQ_INT(fake_published("k1"), 1);
	arena_free(&f.a);
}

TEST(fake_scripted_failures_have_the_right_fate_and_publish_nothing)
{
	struct fix f;
	struct connector_ref ref;
	fix_init(&f);
	struct connector_post p = post_with("k");
	fake_script(FAKE_PUBLISH, FAKE_TRANSIENT, 0);
	fake_script(FAKE_PUBLISH, FAKE_PERMANENT, 0);
	fake_script(FAKE_PUBLISH, FAKE_AUTH, 0);
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_INVAL);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	CHECK(f.c.res.msg[0] != '\0');
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK_EQ_INT(fake_published("k"), 0);
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);     /* script used up */
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_INT(fake_published("k"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 4);
	fake_script(FAKE_REFRESH, FAKE_AUTH, 0);
	CHECK_EQ_INT(f.ops->refresh(&f.c), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	arena_free(&f.a);
}

TEST(fake_lost_answer_publishes_and_reports_a_timeout)
{
	struct fix f;
	struct connector_ref ref;
	fix_init(&f);
	struct connector_post p = post_with("lost");
	fake_script(FAKE_PUBLISH, FAKE_LOST, 0);
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_IO);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(fake_published("lost"), 1);
	/* A caller that retries blindly publishes twice: the fake shows it. */
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_INT(fake_published("lost"), 2);
	arena_free(&f.a);
}

TEST(fake_lookup_before_retry_gives_exactly_once_through_lost_answers)
{
	struct fix f;
	fix_init(&f);
	fake_script(FAKE_PUBLISH, FAKE_TRANSIENT, 0);
	fake_script(FAKE_PUBLISH, FAKE_LOST, 0);
	fake_script(FAKE_LOOKUP, FAKE_TRANSIENT, 0);
	CHECK_EQ_INT(publish_like_the_scheduler(&f, "once", 6), ERR_OK);
	CHECK_EQ_INT(fake_published("once"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 2);
	CHECK_EQ_INT(fake_calls(FAKE_LOOKUP), 3);   /* transient, not found, found */
	arena_free(&f.a);
}

TEST(fake_hang_longer_than_the_timeout_acts_but_times_out)
{
	struct fix f;
	struct connector_ref ref;
	fix_init(&f);
	struct connector_post p = post_with("slow");
	f.c.timeout_ms = 30;
	fake_script(FAKE_PUBLISH, FAKE_OK, 300);
	int64_t t0 = clock_mono_ns();
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_IO);
	int64_t ms = (clock_mono_ns() - t0) / 1000000;
	CHECK(ms >= 30 && ms < 250);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(fake_published("slow"), 1);
	f.c.timeout_ms = 0;
	fake_script(FAKE_PUBLISH, FAKE_OK, 40);
	t0 = clock_mono_ns();
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);
	CHECK((clock_mono_ns() - t0) / 1000000 >= 40);
	arena_free(&f.a);
}

TEST(fake_refuses_an_invalid_post_without_calling_the_network)
{
	struct fix f;
	struct connector_ref ref;
	char text[600];
	fix_init(&f);
	memset(text, 'a', 501);
	text[501] = '\0';
	struct connector_post p = {.idem_key = "k", .text = text};
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_TOOBIG);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 0);
	arena_free(&f.a);
}

TEST(fake_script_is_bounded)
{
	fake_reset();
	for (int i = 0; i < FAKE_MAX_STEPS; i++)
		CHECK_EQ_INT(fake_script(FAKE_LOOKUP, FAKE_OK, 0), ERR_OK);
	CHECK_EQ_INT(fake_script(FAKE_LOOKUP, FAKE_OK, 0), ERR_TOOBIG);
	fake_reset();
}

#define THREADS 8
#define PER_THREAD 40

static void *publisher(void *arg)
{
	struct fix f = {.ops = connector_find("fake")};
	char key[32];
	arena_init(&f.a, NULL, 0, 1 << 20);
	f.c = (struct connector_ctx){.arena = &f.a};
	for (int i = 0; i < PER_THREAD; i++) {
		snprintf(key, sizeof key, "t%d-%d", (int)(intptr_t)arg, i);
		if (publish_like_the_scheduler(&f, key, 1000) != ERR_OK)
			return (void *)1;
	}
	arena_free(&f.a);
	return NULL;
}

TEST(fake_is_thread_safe_and_exactly_once_under_concurrent_failures)
{
	pthread_t t[THREADS];
	fake_reset();
	for (int i = 0; i < THREADS * PER_THREAD / 4; i++) {
		fake_script(FAKE_PUBLISH, i % 2 ? FAKE_LOST : FAKE_TRANSIENT, 0);
		fake_script(FAKE_LOOKUP, FAKE_TRANSIENT, 0);
	}
	for (intptr_t i = 0; i < THREADS; i++)
		REQUIRE(pthread_create(&t[i], NULL, publisher, (void *)i) == 0);
	int failed = 0;
	for (int i = 0; i < THREADS; i++) {
		void *r;
		pthread_join(t[i], &r);
		failed += r != NULL;
	}
	CHECK_EQ_INT(failed, 0);
	CHECK_EQ_INT(fake_live_posts(), THREADS * PER_THREAD);
	char key[32];
	int twice = 0;
	for (int th = 0; th < THREADS; th++)
		for (int i = 0; i < PER_THREAD; i++) {
			snprintf(key, sizeof key, "t%d-%d", th, i);
			twice += fake_published(key) != 1;
		}
	CHECK_EQ_INT(twice, 0);
	fake_reset();
}

TEST(fake_latency_delays_unscripted_publishes_and_reset_clears_it)
{
	struct fix f;
	fix_init(&f);
	fake_set_latency(30);
	struct connector_post p = post_with("slow");
	struct connector_ref ref;
	int64_t t0 = clock_mono_ns();
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);
	CHECK((clock_mono_ns() - t0) / 1000000 >= 30);
	/* Past its timeout, the latency is a hung network like a scripted one. */
	f.c.timeout_ms = 10;
	p.idem_key = "slower";
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_IO);
	CHECK_EQ_INT(fake_published("slower"), 1);
	fake_reset();
	f.c.timeout_ms = 0;
	p.idem_key = "fast";
	t0 = clock_mono_ns();
	CHECK_EQ_INT(f.ops->publish(&f.c, &p, &ref), ERR_OK);
	CHECK((clock_mono_ns() - t0) / 1000000 < 30);
	arena_free(&f.a);
	fake_reset();
}

TEST(fake_counts_duplicate_keys)
{
	struct fix f;
	fix_init(&f);
	struct connector_ref ref;
	const char *keys[] = {"b", "a", "c", "a", "b", "a"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		struct connector_post p = post_with(keys[i]);
		REQUIRE(f.ops->publish(&f.c, &p, &ref) == ERR_OK);
	}
	/* "a" three times, "b" twice: three posts too many. */
	CHECK_EQ_INT(fake_duplicates(), 3);
	fake_reset();
	CHECK_EQ_INT(fake_duplicates(), 0);
	arena_free(&f.a);
}

static void *slow_publisher(void *arg)
{
	struct fix *f = arg;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 16);
	struct connector_ctx c = {.arena = &a};
	char key[32];
	snprintf(key, sizeof key, "slow-%p", (void *)&a);
	struct connector_post p = post_with(key);
	struct connector_ref ref;
	int rc = f->ops->publish(&c, &p, &ref);
	arena_free(&a);
	return rc ? (void *)1 : NULL;
}

TEST(fake_reports_how_many_calls_waited_at_once)
{
	struct fix f;
	fix_init(&f);
	for (int i = 0; i < 3; i++)
		REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 150) == ERR_OK);
	pthread_t t[3];
	for (int i = 0; i < 3; i++)
		REQUIRE(pthread_create(&t[i], NULL, slow_publisher, &f) == 0);
	for (int i = 0; i < 3; i++)
		pthread_join(t[i], NULL);
	CHECK_EQ_INT(fake_max_inflight(FAKE_PUBLISH), 3);
	CHECK_EQ_INT(fake_max_inflight(FAKE_LOOKUP), 0);
	/* One after the other: never more than one. */
	fake_reset();
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 20) == ERR_OK);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 20) == ERR_OK);
	CHECK(slow_publisher(&f) == NULL);
	CHECK(slow_publisher(&f) == NULL);
	CHECK_EQ_INT(fake_max_inflight(FAKE_PUBLISH), 1);
	arena_free(&f.a);
	fake_reset();
}
