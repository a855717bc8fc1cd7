/* test_scheduler.c - the scheduler against the fake network, on a real
 * SQLite database in the test's temporary directory.
 *
 * Each test builds a workspace with channels on network "fake" (credentials
 * sealed as channel.c seals them), posts with one variant per channel and
 * their publish jobs, as post_api.c would; runs the scheduler until every
 * post is settled (bounded wait), then asserts on what the fake network
 * holds (fake_published(key) == 1 is "exactly once") and on the store. */
#include "harness.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "auth/auth.h"
#include "connectors/connector.h"
#include "connectors/fake.h"
#include "core/arena.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "publish/publish.h"
#include "store/store.h"

#define MAX_CH 8
#define WAIT_MS 10000   /* generous: the ASan build on a shared machine */

struct fix {
	struct store *s;
	struct auth *auth;
	struct cfg cfg;
	struct app app;
	struct scheduler *sc;
	int64_t acc, ws;
	int saved_log;
};

static bool fix_open(struct fix *f, int workers)
{
	memset(f, 0, sizeof *f);
	fake_reset();
	/* The scheduler logs every retry; the tests assert on them instead. */
	f->saved_log = log_level_current;
	log_set_level(LOG_ERROR);
	if (sodium_init() < 0)
		return false;
	char path[512], msg[256];
	snprintf(path, sizeof path, "%s/secret.key", harness_tmpdir());
	if (auth_open(&f->auth, path, 1, 8192, msg, sizeof msg) != ERR_OK)
		return false;
	snprintf(path, sizeof path, "%s/tribu.db", harness_tmpdir());
	if (store_open(&f->s, path, 5000) != ERR_OK)
		return false;
	cfg_defaults(&f->cfg);
	f->cfg.publish_workers = workers;
	f->cfg.publish_tick = 10;
	f->cfg.publish_retry = 20;
	f->cfg.publish_attempts = 5;
	f->cfg.network_timeout = 5000;
	f->app = (struct app){.cfg = &f->cfg, .store = f->s, .auth = f->auth};
	if (store_account_insert(f->s, "author@x.fr", "Author", "h", 1, &f->acc) != ERR_OK)
		return false;
	struct workspace w = {.name = "W", .tz = "UTC", .lang = "fr", .business_hours = "{}"};
	int rc = store_begin(f->s);
	if (!rc)
		rc = store_workspace_insert(f->s, &w, f->acc, 1, &f->ws);
	return store_end(f->s, rc) == ERR_OK;
}

static void fix_close(struct fix *f)
{
	scheduler_stop(f->sc);
	f->sc = NULL;
	store_close(f->s);
	auth_close(f->auth);
	log_set_level(f->saved_log);
}

static int64_t add_channel(struct fix *f, const char *handle)
{
	static const char creds[] = "{\"identifier\":\"x\",\"password\":\"y\",\"session\":\"\"}";
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	unsigned char *sealed;
	size_t n;
	int64_t id = 0;
	struct channel c = {.workspace_id = f->ws, .network = "fake", .handle = handle,
			    .account_ref = handle};
	if (auth_seal(f->auth, &a, creds, strlen(creds), &sealed, &n) != ERR_OK ||
	    store_channel_insert(f->s, &c, sealed, n, clock_now_ms(), &id) != ERR_OK)
		id = 0;
	arena_free(&a);
	return id;
}

/* A scheduled post with one variant per channel in `ch`, keys
 * "<key>-<i>", due at `due`; returns its id (0 on failure). */
static int64_t add_post(struct fix *f, const int64_t *ch, size_t nch, const char *key,
			int64_t due)
{
	struct variant v[MAX_CH];
	char keys[MAX_CH][64];
	memset(v, 0, sizeof v);
	for (size_t i = 0; i < nch && i < MAX_CH; i++) {
		snprintf(keys[i], sizeof keys[i], "%s-%zu", key, i);
		v[i] = (struct variant){.channel_id = ch[i], .text = "hello", .idem_key = keys[i]};
	}
	struct post p = {.workspace_id = f->ws, .author_id = f->acc, .state = "scheduled",
			 .scheduled_at = due, .v = v, .nv = nch};
	int64_t now = clock_now_ms();
	int rc = store_begin(f->s);
	if (!rc)
		rc = store_post_insert(f->s, &p, now);
	for (size_t i = 0; !rc && i < nch; i++)
		rc = store_publish_schedule(f->s, v[i].id, ch[i], due);
	return store_end(f->s, rc) == ERR_OK ? p.id : 0;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Post `id` as the store has it now, in `a`. */
static bool get_post(struct fix *f, struct arena *a, int64_t id, struct post *p)
{
	return store_post_get(f->s, a, 0, id, p) == ERR_OK;
}

static bool settled(const char *state)
{
	return strcmp(state, "published") == 0 || strcmp(state, "failed") == 0;
}

/* Polls the store until every post in `ids` is published or failed, at most
 * WAIT_MS; false on timeout. */
static bool wait_settled(struct fix *f, const int64_t *ids, size_t n)
{
	int64_t end = clock_mono_ns() / 1000000 + WAIT_MS;
	for (;;) {
		size_t done = 0;
		struct arena a;
		arena_init(&a, NULL, 0, 1 << 20);
		for (size_t i = 0; i < n; i++) {
			struct post p;
			done += get_post(f, &a, ids[i], &p) && settled(p.state);
		}
		arena_free(&a);
		if (done == n)
			return true;
		if (clock_mono_ns() / 1000000 > end)
			return false;
		sleep_ms(5);
	}
}

/* Polls until `cond(f, arg)` holds, at most WAIT_MS. */
static bool wait_until(bool (*cond)(struct fix *, const void *), struct fix *f, const void *arg)
{
	int64_t end = clock_mono_ns() / 1000000 + WAIT_MS;
	while (!cond(f, arg)) {
		if (clock_mono_ns() / 1000000 > end)
			return false;
		sleep_ms(5);
	}
	return true;
}

static bool start(struct fix *f)
{
	return scheduler_start(&f->sc, &f->app) == ERR_OK;
}

/* --- the ordinary day --------------------------------------------------- */

TEST(scheduler_publishes_every_post_on_every_channel_exactly_once)
{
	struct fix f;
	REQUIRE(fix_open(&f, 4));
	enum { NCH = 3, NPOST = 12 };
	int64_t ch[NCH], ids[NPOST];
	char name[32];
	for (int i = 0; i < NCH; i++) {
		snprintf(name, sizeof name, "ch%d", i);
		REQUIRE((ch[i] = add_channel(&f, name)) > 0);
	}
	int64_t now = clock_now_ms();
	for (int i = 0; i < NPOST; i++) {
		char key[32];
		snprintf(key, sizeof key, "p%d", i);
		/* Every post on every channel: 36 variants, 12 per lane. */
		REQUIRE((ids[i] = add_post(&f, ch, NCH, key, now - 1000 + i)) > 0);
	}
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, ids, NPOST));
	scheduler_stop(f.sc);
	f.sc = NULL;

	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	for (int i = 0; i < NPOST; i++) {
		struct post p;
		REQUIRE(get_post(&f, &a, ids[i], &p));
		CHECK_EQ_STR(p.state, "published");
		CHECK(p.published_at > 0);
		CHECK_EQ_INT(p.nv, NCH);
		for (size_t j = 0; j < p.nv; j++) {
			CHECK_EQ_INT(fake_published(p.v[j].idem_key), 1);
			CHECK_EQ_STR(p.v[j].state, "published");
			CHECK(strncmp(p.v[j].external_id, "fake:", 5) == 0);
			CHECK(strncmp(p.v[j].url, "https://fake.invalid/p/", 23) == 0);
		}
	}
	arena_free(&a);
	CHECK_EQ_INT(fake_live_posts(), NPOST * NCH);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), NPOST * NCH);
	CHECK_EQ_INT(fake_duplicates(), 0);
	int64_t queued = -1;
	CHECK_EQ_INT(store_jobs_queued(f.s, &queued), ERR_OK);
	CHECK_EQ_INT(queued, 0);
	fix_close(&f);
}

/* --- an answer lost after the network accepted the post ---------------- */

struct var_wait {
	int64_t post;
	const char *error_part;
};

/* The first variant of the post carries an error containing `error_part`. */
static bool variant_error_has(struct fix *f, const void *arg)
{
	const struct var_wait *w = arg;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	bool ok = get_post(f, &a, w->post, &p) && p.nv == 1 &&
		  strstr(p.v[0].error, w->error_part) != NULL;
	arena_free(&a);
	return ok;
}

TEST(scheduler_looks_up_a_post_whose_answer_was_lost_and_does_not_publish_it_again)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	/* A long first retry leaves time to see the state in between. */
	f.cfg.publish_retry = 1500;
	int64_t ch = add_channel(&f, "lost");
	REQUIRE(ch > 0);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_LOST, 0) == ERR_OK);
	int64_t id = add_post(&f, &ch, 1, "lost", clock_now_ms());
	REQUIRE(id > 0);
	REQUIRE(start(&f));

	struct var_wait w = {id, "will retry"};
	REQUIRE(wait_until(variant_error_has, &f, &w));
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	/* An attempt may have gone out: "publishing", not "pending", so the
	 * retry looks it up first. */
	CHECK_EQ_STR(p.v[0].state, "publishing");
	CHECK_EQ_STR(p.state, "publishing");
	CHECK_EQ_INT(fake_published("lost-0"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_LOOKUP), 0);

	CHECK(wait_settled(&f, &id, 1));
	scheduler_stop(f.sc);
	f.sc = NULL;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "published");
	CHECK_EQ_STR(p.v[0].state, "published");
	CHECK_EQ_STR(p.v[0].external_id, "fake:1");
	CHECK_EQ_INT(fake_published("lost-0"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 1);
	CHECK(fake_calls(FAKE_LOOKUP) >= 1);
	arena_free(&a);
	fix_close(&f);
}

/* --- transient and permanent refusals ----------------------------------- */

TEST(scheduler_retries_transient_errors_and_publishes_once)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "flaky");
	REQUIRE(ch > 0);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_TRANSIENT, 0) == ERR_OK);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_TRANSIENT, 0) == ERR_OK);
	int64_t id = add_post(&f, &ch, 1, "flaky", clock_now_ms());
	REQUIRE(id > 0);
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, &id, 1));
	struct scheduler_stats st;
	scheduler_stats(f.sc, &st);
	scheduler_stop(f.sc);
	f.sc = NULL;

	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "published");
	CHECK_EQ_STR(p.v[0].state, "published");
	CHECK_EQ_INT(fake_published("flaky-0"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 3);
	/* Three attempts: two written back as retries, one as published. */
	CHECK_EQ_INT(st.claimed, 3);
	CHECK_EQ_INT(st.retried, 2);
	CHECK_EQ_INT(st.published, 1);
	CHECK_EQ_INT(st.failed, 0);
	arena_free(&a);
	fix_close(&f);
}

TEST(scheduler_fails_a_refused_post_with_its_reason_and_tells_the_author)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "strict");
	REQUIRE(ch > 0);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_PERMANENT, 0) == ERR_OK);
	int64_t id = add_post(&f, &ch, 1, "refused", clock_now_ms());
	REQUIRE(id > 0);
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, &id, 1));
	/* Several ticks more: nothing may try it again. */
	sleep_ms(150);
	scheduler_stop(f.sc);
	f.sc = NULL;

	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "failed");
	CHECK(strstr(p.failure, "HTTP 400 refused") != NULL);
	CHECK(strstr(p.failure, "strict") != NULL);
	CHECK_EQ_STR(p.v[0].state, "failed");
	CHECK(strstr(p.v[0].error, "HTTP 400 refused") != NULL);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 1);
	CHECK_EQ_INT(fake_published("refused-0"), 0);
	int64_t queued = -1;
	CHECK_EQ_INT(store_jobs_queued(f.s, &queued), ERR_OK);
	CHECK_EQ_INT(queued, 0);

	struct notification_list nl;
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	bool told = false;
	for (size_t i = 0; i < nl.n; i++)
		if (strcmp(nl.v[i].kind, "post.failed") == 0 && nl.v[i].post_id == id &&
		    nl.v[i].account_id == f.acc && strstr(nl.v[i].message, "HTTP 400") != NULL)
			told = true;
	CHECK(told);
	arena_free(&a);
	fix_close(&f);
}

TEST(scheduler_gives_up_after_the_configured_number_of_attempts)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	f.cfg.publish_attempts = 3;
	int64_t ch = add_channel(&f, "down");
	REQUIRE(ch > 0);
	for (int i = 0; i < 5; i++)
		REQUIRE(fake_script(FAKE_PUBLISH, FAKE_TRANSIENT, 0) == ERR_OK);
	int64_t id = add_post(&f, &ch, 1, "down", clock_now_ms());
	REQUIRE(id > 0);
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, &id, 1));
	sleep_ms(150);
	scheduler_stop(f.sc);
	f.sc = NULL;

	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "failed");
	CHECK(strstr(p.failure, "gave up after 3 attempts") != NULL);
	CHECK_EQ_STR(p.v[0].state, "failed");
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 3);
	CHECK_EQ_INT(fake_published("down-0"), 0);
	arena_free(&a);
	fix_close(&f);
}

/* --- a revoked login ---------------------------------------------------- */

static bool channel_needs_reconnect(struct fix *f, const void *arg)
{
	int64_t ch = *(const int64_t *)arg;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct channel c;
	bool ok = store_channel_get(f->s, &a, 0, ch, &c) == ERR_OK &&
		  strcmp(c.status, "needs_reconnect") == 0;
	arena_free(&a);
	return ok;
}

TEST(scheduler_holds_posts_of_a_channel_that_needs_a_new_login_and_publishes_them_after)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "revoked");
	REQUIRE(ch > 0);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_AUTH, 0) == ERR_OK);
	REQUIRE(fake_script(FAKE_LOGIN, FAKE_AUTH, 0) == ERR_OK);
	int64_t id = add_post(&f, &ch, 1, "held", clock_now_ms());
	REQUIRE(id > 0);
	REQUIRE(start(&f));
	REQUIRE(wait_until(channel_needs_reconnect, &f, &ch));
	/* Many ticks: the channel stays out of the claims. */
	sleep_ms(200);

	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK(!settled(p.state));
	/* A refused session created nothing: the variant is pending again
	 * (so the post may still be canceled), not "maybe out". */
	CHECK_EQ_STR(p.v[0].state, "pending");
	CHECK_EQ_INT(fake_published("held-0"), 0);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 1);
	CHECK_EQ_INT(fake_calls(FAKE_LOGIN), 1);
	int64_t queued = -1;
	CHECK_EQ_INT(store_jobs_queued(f.s, &queued), ERR_OK);
	CHECK_EQ_INT(queued, 1);
	struct notification_list nl;
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	bool told = false;
	for (size_t i = 0; i < nl.n; i++)
		told |= strcmp(nl.v[i].kind, "channel.needs_reconnect") == 0 &&
			nl.v[i].channel_id == ch;
	CHECK(told);

	/* Someone logs in again. */
	REQUIRE(store_channel_set_status(f.s, ch, "active", "", clock_now_ms()) == ERR_OK);
	scheduler_wake(f.sc);
	CHECK(wait_settled(&f, &id, 1));
	scheduler_stop(f.sc);
	f.sc = NULL;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "published");
	CHECK_EQ_STR(p.v[0].state, "published");
	CHECK_EQ_INT(fake_published("held-0"), 1);
	arena_free(&a);
	fix_close(&f);
}

/* --- a crash between the network's answer and the commit ---------------- */

TEST(scheduler_after_a_crash_looks_up_a_post_already_out_and_does_not_publish_it_again)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "crash");
	REQUIRE(ch > 0);
	int64_t id = add_post(&f, &ch, 1, "crash", clock_now_ms() - 10);
	REQUIRE(id > 0);

	/* The dead process: claimed the job, and the network took the post. */
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct claim k[2];
	size_t n = 0;
	int64_t now = clock_now_ms();
	int rc = store_begin(f.s);
	if (!rc)
		rc = store_publish_claim(f.s, &a, now, 2, k, &n);
	REQUIRE(store_end(f.s, rc) == ERR_OK);
	REQUIRE(n == 1);
	CHECK(!k[0].recheck);
	const struct connector_ops *ops = connector_find("fake");
	REQUIRE(ops != NULL);
	struct connector_ctx cx = {.arena = &a};
	struct connector_post cp = {.idem_key = "crash-0", .text = "hello"};
	struct connector_ref ref;
	REQUIRE(ops->publish(&cx, &cp, &ref) == ERR_OK);

	/* The next process. */
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, &id, 1));
	struct scheduler_stats st;
	scheduler_stats(f.sc, &st);
	scheduler_stop(f.sc);
	f.sc = NULL;
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));
	CHECK_EQ_STR(p.state, "published");
	CHECK_EQ_STR(p.v[0].state, "published");
	CHECK_EQ_STR(p.v[0].external_id, ref.id);
	CHECK_EQ_INT(fake_published("crash-0"), 1);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 1);
	CHECK(fake_calls(FAKE_LOOKUP) >= 1);
	CHECK_EQ_INT(st.found_on_recheck, 1);
	arena_free(&a);
	fix_close(&f);
}

/* --- pause -------------------------------------------------------------- */

TEST(scheduler_sends_nothing_while_the_workspace_is_paused_and_resumes_after)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "paused");
	REQUIRE(ch > 0);
	REQUIRE(store_ws_set_pause(f.s, f.ws, clock_now_ms(), "crisis") == ERR_OK);
	int64_t ids[3];
	for (int i = 0; i < 3; i++) {
		char key[16];
		snprintf(key, sizeof key, "pz%d", i);
		REQUIRE((ids[i] = add_post(&f, &ch, 1, key, clock_now_ms() - 100 + i)) > 0);
	}
	REQUIRE(start(&f));
	scheduler_wake(f.sc);
	sleep_ms(250);
	CHECK_EQ_INT(fake_calls(FAKE_PUBLISH), 0);
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	for (int i = 0; i < 3; i++) {
		struct post p;
		REQUIRE(get_post(&f, &a, ids[i], &p));
		CHECK_EQ_STR(p.state, "scheduled");
		CHECK_EQ_STR(p.v[0].state, "pending");
	}

	REQUIRE(store_ws_set_pause(f.s, f.ws, 0, "") == ERR_OK);
	scheduler_wake(f.sc);
	CHECK(wait_settled(&f, ids, 3));
	scheduler_stop(f.sc);
	f.sc = NULL;
	for (int i = 0; i < 3; i++) {
		struct post p;
		REQUIRE(get_post(&f, &a, ids[i], &p));
		CHECK_EQ_STR(p.state, "published");
		CHECK_EQ_INT(fake_published(p.v[0].idem_key), 1);
	}
	arena_free(&a);
	fix_close(&f);
}

/* --- lanes: one at a time per channel, in order ------------------------- */

/* "fake:<n>" -> n: the fake numbers posts in the order it accepted them. */
static long fake_seq(const char *external_id)
{
	return strncmp(external_id, "fake:", 5) == 0 ? strtol(external_id + 5, NULL, 10) : -1;
}

TEST(scheduler_publishes_one_post_at_a_time_per_channel_in_due_order)
{
	struct fix f;
	REQUIRE(fix_open(&f, 4));
	int64_t ch = add_channel(&f, "lane");
	REQUIRE(ch > 0);
	enum { N = 4 };
	int64_t ids[N];
	/* Inserted latest first, so that order by id would be wrong. */
	int64_t now = clock_now_ms();
	for (int i = 0; i < N; i++) {
		char key[16];
		snprintf(key, sizeof key, "ln%d", i);
		REQUIRE((ids[i] = add_post(&f, &ch, 1, key, now - 100 - i)) > 0);
		REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 40) == ERR_OK);
	}
	int64_t t0 = clock_mono_ns();
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, ids, N));
	int64_t elapsed_ms = (clock_mono_ns() - t0) / 1000000;
	scheduler_stop(f.sc);
	f.sc = NULL;

	CHECK_EQ_INT(fake_max_inflight(FAKE_PUBLISH), 1);
	/* Four 40 ms calls one after the other, though four workers were free. */
	CHECK(elapsed_ms >= N * 40);
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	long prev = 1 << 30;
	for (int i = 0; i < N; i++) {
		struct post p;
		REQUIRE(get_post(&f, &a, ids[i], &p));
		CHECK_EQ_STR(p.state, "published");
		long seq = fake_seq(p.v[0].external_id);
		/* Post i is due before post i-1: published before it. */
		CHECK(seq > 0 && seq < prev);
		prev = seq;
	}
	arena_free(&a);
	fix_close(&f);
}

TEST(scheduler_publishes_on_different_channels_at_the_same_time)
{
	struct fix f;
	REQUIRE(fix_open(&f, 4));
	int64_t ch[2];
	REQUIRE((ch[0] = add_channel(&f, "left")) > 0);
	REQUIRE((ch[1] = add_channel(&f, "right")) > 0);
	int64_t ids[2];
	int64_t now = clock_now_ms();
	REQUIRE((ids[0] = add_post(&f, &ch[0], 1, "left", now - 10)) > 0);
	REQUIRE((ids[1] = add_post(&f, &ch[1], 1, "right", now - 10)) > 0);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 200) == ERR_OK);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 200) == ERR_OK);
	REQUIRE(start(&f));
	CHECK(wait_settled(&f, ids, 2));
	scheduler_stop(f.sc);
	f.sc = NULL;
	/* The lanes are per channel, not one for all: the instrument above
	 * can see an overlap. */
	CHECK_EQ_INT(fake_max_inflight(FAKE_PUBLISH), 2);
	CHECK_EQ_INT(fake_published("left-0"), 1);
	CHECK_EQ_INT(fake_published("right-0"), 1);
	fix_close(&f);
}

TEST(store_refuses_an_edit_of_a_post_the_scheduler_claimed_after_it_was_read)
{
	struct fix f;
	REQUIRE(fix_open(&f, 1));
	int64_t ch = add_channel(&f, "race");
	REQUIRE(ch > 0);
	int64_t id = add_post(&f, &ch, 1, "race", clock_now_ms());
	REQUIRE(id > 0);
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post p;
	REQUIRE(get_post(&f, &a, id, &p));       /* an editor reads it... */
	struct claim k[4];
	size_t n = 0;
	REQUIRE(store_begin(f.s) == ERR_OK);     /* ...the scheduler claims it... */
	int rc = store_publish_claim(f.s, &a, clock_now_ms(), 4, k, &n);
	REQUIRE(store_end(f.s, rc) == ERR_OK);
	CHECK_EQ_INT((int)n, 1);
	p.state = "canceled";                    /* ...and the edit must not land */
	REQUIRE(store_begin(f.s) == ERR_OK);
	rc = store_post_update(f.s, &p, clock_now_ms());
	store_end(f.s, rc);
	CHECK_EQ_INT(rc, ERR_CONFLICT);
	REQUIRE(store_begin(f.s) == ERR_OK);
	rc = store_post_delete(f.s, f.ws, id, p.version);
	store_end(f.s, rc);
	CHECK_EQ_INT(rc, ERR_CONFLICT);
	struct post now;
	REQUIRE(get_post(&f, &a, id, &now));
	CHECK_EQ_STR(now.state, "publishing");
	CHECK_EQ_STR(now.v[0].state, "publishing");
	CHECK(now.v[0].first_attempt_at > 0);
	arena_free(&a);
	fix_close(&f);
}

TEST(scheduler_publishes_the_first_comment_and_reports_one_the_network_refused)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	int64_t ch = add_channel(&f, "comments");
	REQUIRE(ch > 0);
	struct variant v[1] = {
		{.channel_id = ch, .text = "post one", .first_comment = "more in the comments",
		 .idem_key = "fc-ok"},
	};
	struct variant w[1] = {
		{.channel_id = ch, .text = "post two", .first_comment = "refused comment",
		 .idem_key = "fc-bad"},
	};
	struct post p1 = {.workspace_id = f.ws, .author_id = f.acc, .state = "scheduled",
			  .scheduled_at = clock_now_ms(), .v = v, .nv = 1};
	struct post p2 = p1;
	p2.v = w;
	p2.scheduled_at += 1;                    /* after p1 on the lane */
	int64_t now = clock_now_ms();
	int rc = store_begin(f.s);
	if (!rc)
		rc = store_post_insert(f.s, &p1, now);
	if (!rc)
		rc = store_post_insert(f.s, &p2, now);
	if (!rc)
		rc = store_publish_schedule(f.s, v[0].id, ch, p1.scheduled_at);
	if (!rc)
		rc = store_publish_schedule(f.s, w[0].id, ch, p2.scheduled_at);
	REQUIRE(store_end(f.s, rc) == ERR_OK);
	/* Publishes, in order: post one, its comment, post two, its comment. */
	for (int i = 0; i < 3; i++)
		REQUIRE(fake_script(FAKE_PUBLISH, FAKE_OK, 0) == ERR_OK);
	REQUIRE(fake_script(FAKE_PUBLISH, FAKE_PERMANENT, 0) == ERR_OK);
	REQUIRE(start(&f));
	int64_t ids[2] = {p1.id, p2.id};
	CHECK(wait_settled(&f, ids, 2));
	scheduler_stop(f.sc);
	f.sc = NULL;

	CHECK_EQ_INT(fake_published("fc-ok"), 1);
	CHECK_EQ_INT(fake_published("fc-ok-c"), 1);
	CHECK_EQ_INT(fake_published("fc-bad"), 1);
	CHECK_EQ_INT(fake_published("fc-bad-c"), 0);
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct post got;
	REQUIRE(get_post(&f, &a, p2.id, &got));
	CHECK_EQ_STR(got.state, "published");    /* the post is out... */
	CHECK(strstr(got.v[0].error, "first comment") != NULL);   /* ...and it says what is not */
	struct notification_list nl;
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	bool told = false;
	for (size_t i = 0; i < nl.n; i++)
		told |= strcmp(nl.v[i].kind, "post.partial") == 0 && nl.v[i].post_id == p2.id;
	CHECK(told);
	REQUIRE(get_post(&f, &a, p1.id, &got));
	CHECK_EQ_STR(got.v[0].error, "");
	arena_free(&a);
	fix_close(&f);
}

static bool refreshed(struct fix *f, const void *arg)
{
	(void)f;
	(void)arg;
	return fake_calls(FAKE_REFRESH) >= 1;
}

TEST(scheduler_refreshes_the_login_of_an_idle_channel)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	f.cfg.channel_check = 1;                 /* seconds */
	int64_t ok = add_channel(&f, "healthy");
	REQUIRE(ok > 0);
	sleep_ms(1100);                          /* older than channel_check: due */
	REQUIRE(start(&f));
	CHECK(wait_until(refreshed, &f, NULL));
	scheduler_stop(f.sc);
	f.sc = NULL;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct channel ch;
	REQUIRE(store_channel_get(f.s, &a, 0, ok, &ch) == ERR_OK);
	CHECK_EQ_STR(ch.status, "active");
	arena_free(&a);
	fix_close(&f);
}

TEST(scheduler_flags_an_idle_channel_whose_login_was_revoked_before_any_post_needs_it)
{
	struct fix f;
	REQUIRE(fix_open(&f, 2));
	f.cfg.channel_check = 1;
	int64_t bad = add_channel(&f, "revoked");
	REQUIRE(bad > 0);
	sleep_ms(1100);
	REQUIRE(fake_script(FAKE_REFRESH, FAKE_AUTH, 0) == ERR_OK);
	REQUIRE(fake_script(FAKE_LOGIN, FAKE_AUTH, 0) == ERR_OK);
	REQUIRE(start(&f));
	CHECK(wait_until(channel_needs_reconnect, &f, &bad));
	scheduler_stop(f.sc);
	f.sc = NULL;
	CHECK_EQ_INT(fake_calls(FAKE_LOGIN), 1);  /* the stored password was tried */
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct notification_list nl;
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	bool told = false;
	for (size_t i = 0; i < nl.n; i++)
		told |= strcmp(nl.v[i].kind, "channel.needs_reconnect") == 0 &&
			nl.v[i].channel_id == bad;
	CHECK(told);
	arena_free(&a);
	fix_close(&f);
}

TEST(store_marks_notifications_read_per_member_up_to_an_id_never_backwards)
{
	struct fix f;
	REQUIRE(fix_open(&f, 1));
	int64_t other;
	REQUIRE(store_account_insert(f.s, "other@x.fr", "Other", "h", 1, &other) == ERR_OK);
	REQUIRE(store_member_insert(f.s, f.ws, other, "editor", 1) == ERR_OK);
	struct notification n = {.workspace_id = f.ws, .kind = "post.failed", .message = "a",
				 .created_at = 1};
	REQUIRE(store_notify(f.s, &n) == ERR_OK);                 /* to everyone */
	n.account_id = f.acc;
	REQUIRE(store_notify(f.s, &n) == ERR_OK);                 /* to the author */
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct notification_list nl;
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	REQUIRE(nl.n == 2);
	int64_t first = nl.v[1].id, unread = -1;
	CHECK(!nl.v[0].read && !nl.v[1].read);
	REQUIRE(store_notifications_read(f.s, f.ws, f.acc, first, &unread) == ERR_OK);
	CHECK_EQ_INT((int)unread, 1);
	REQUIRE(store_notification_list(f.s, &a, f.ws, f.acc, 10, &nl) == ERR_OK);
	CHECK(!nl.v[0].read && nl.v[1].read);
	REQUIRE(store_notifications_read(f.s, f.ws, f.acc, 0, &unread) == ERR_OK);
	CHECK_EQ_INT((int)unread, 1);                             /* not backwards */
	/* The other member sees only the shared one, still unread. */
	REQUIRE(store_notifications_unread(f.s, f.ws, other, &unread) == ERR_OK);
	CHECK_EQ_INT((int)unread, 1);
	CHECK_EQ_INT(store_notifications_read(f.s, f.ws + 1, f.acc, 1, NULL), ERR_NOTFOUND);
	arena_free(&a);
	fix_close(&f);
}
