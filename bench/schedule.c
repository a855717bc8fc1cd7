/* schedule.c - the scheduler under a flood: N posts due at the same instant
 * on 1,000 channels, published through the fake network at 20 ms a call.
 *
 * Targets (the issue): 100,000 posts all published within 60 s of their due
 * time, zero duplicates, scheduler overhead under 50 us of CPU per post, and
 * memory that does not grow with the number of posts waiting.
 *
 * Each phase runs in a process of its own (this binary run again with a
 * phase name), so that its peak RSS and CPU time are its own and not the
 * database build's:
 *   build N DIR       the database: N posts, one variant each, channel i % 1000,
 *                     all due at one fixed instant (not timed)
 *   run N DIR W       moves the due time to now + 2 s, starts the scheduler
 *                     with W workers, waits until N are published
 *   baseline N W      the same N fake publishes from W threads, no scheduler,
 *                     no database: the raw cost the scheduler adds to
 * A phase writes its figures as a struct to fd 3; the driver (no argument,
 * or sizes and workers as arguments) prints them. All of it lives in
 * build/bench-schedule/, removed at the end.
 *
 * Build (bench/run.sh): `make tribu`, then link this file with every object
 * of src/ but main.o. */
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "auth/auth.h"
#include "connectors/connector.h"
#include "connectors/fake.h"
#include "core/arena.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/str.h"
#include "publish/publish.h"
#include "store/store.h"

#define CHANNELS 1000
#define LATENCY_MS 20
#define BASE_DUE 1000000000000LL   /* the fixed due time of the build */
#define LEAD_MS 2000               /* due time = start of the run + this */
#define BATCH 10000                /* posts per build transaction */
#define RUN_LIMIT_MS 600000        /* a run that takes longer is a failure */

struct result {
	int ok;
	int64_t n, workers;
	double wall_ms;            /* from due time (run) or start (baseline) to the last publish */
	double cpu_ms;             /* user + system, during that time */
	long maxrss_kb;            /* of the whole phase process */
	int64_t published, failed, duplicates, live, retried, rechecked;
	double db_ms;              /* scheduler's time in its transactions */
	int64_t turns;             /* and their number */
};

static void die(const char *what, int rc)
{
	fprintf(stderr, "schedule: %s: %s\n", what, rc ? err_str(rc) : strerror(errno));
	exit(1);
}

static double cpu_ms_now(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e3 +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e3;
}

static long maxrss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void send_result(const struct result *r)
{
	if (write(3, r, sizeof *r) != (ssize_t)sizeof *r)
		die("write result", 0);
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* The app of a phase: store and auth in `dir`, default cfg but the workers
 * and a tick fit for a flood. */
static void open_app(const char *dir, int64_t workers, struct cfg *cfg, struct app *app)
{
	char path[512], msg[256];
	if (sodium_init() < 0)
		die("sodium_init", ERR_CRYPTO);
	log_set_level(LOG_WARN);
	cfg_defaults(cfg);
	cfg->publish_workers = workers;
	struct auth *auth;
	struct store *s;
	snprintf(path, sizeof path, "%s/secret.key", dir);
	int rc = auth_open(&auth, path, 1, 8192, msg, sizeof msg);
	if (rc)
		die(msg, rc);
	snprintf(path, sizeof path, "%s/tribu.db", dir);
	if ((rc = store_open(&s, path, (int)cfg->db_busy_timeout)))
		die("store_open", rc);
	*app = (struct app){.cfg = cfg, .store = s, .auth = auth};
}

/* --- build -------------------------------------------------------------- */

static void build(int64_t n, const char *dir)
{
	struct cfg cfg;
	struct app app;
	open_app(dir, 1, &cfg, &app);
	struct store *s = app.store;
	int64_t acc, ws, now = clock_now_ms();
	int rc = store_account_insert(s, "bench@x.fr", "Bench", "h", now, &acc);
	struct workspace w = {.name = "Bench", .tz = "UTC", .lang = "en", .business_hours = "{}"};
	if (!rc && !(rc = store_begin(s)))
		rc = store_end(s, store_workspace_insert(s, &w, acc, now, &ws));
	if (rc)
		die("workspace", rc);

	static const char creds[] = "{\"identifier\":\"x\",\"password\":\"y\",\"session\":\"\"}";
	static int64_t ch[CHANNELS];
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	rc = store_begin(s);
	for (int i = 0; !rc && i < CHANNELS; i++) {
		char handle[32];
		snprintf(handle, sizeof handle, "ch%04d", i);
		unsigned char *sealed;
		size_t len;
		struct channel c = {.workspace_id = ws, .network = "fake", .handle = handle,
				    .account_ref = handle};
		rc = auth_seal(app.auth, &a, creds, strlen(creds), &sealed, &len);
		if (!rc)
			rc = store_channel_insert(s, &c, sealed, len, now, &ch[i]);
	}
	if ((rc = store_end(s, rc)))
		die("channels", rc);
	arena_free(&a);

	for (int64_t i = 0; i < n;) {
		rc = store_begin(s);
		for (int64_t end = i + BATCH; !rc && i < n && i < end; i++) {
			char key[32];
			snprintf(key, sizeof key, "sched-%07lld", (long long)i);
			struct variant v = {.channel_id = ch[i % CHANNELS], .text = "Bench post",
					    .idem_key = key};
			struct post p = {.workspace_id = ws, .author_id = acc, .state = "scheduled",
					 .scheduled_at = BASE_DUE, .v = &v, .nv = 1};
			rc = store_post_insert(s, &p, now);
			if (!rc)
				rc = store_publish_schedule(s, v.id, v.channel_id, BASE_DUE);
		}
		if ((rc = store_end(s, rc)))
			die("posts", rc);
	}
	store_close(s);
	auth_close(app.auth);
	struct result r = {.ok = 1, .n = n};
	send_result(&r);
}

/* --- run ---------------------------------------------------------------- */

static void run(int64_t n, const char *dir, int64_t workers)
{
	struct cfg cfg;
	struct app app;
	open_app(dir, workers, &cfg, &app);
	fake_reset();
	fake_set_latency(LATENCY_MS);
	struct store *s = app.store;
	/* The workspace is the build's first and only one. */
	int64_t due = clock_now_ms() + LEAD_MS;
	int rc = store_begin(s);
	if (!rc)
		rc = store_publish_shift(s, 1, BASE_DUE + 1, due - BASE_DUE);
	if ((rc = store_end(s, rc)))
		die("shift", rc);

	struct scheduler *sc;
	double cpu0 = cpu_ms_now();
	if ((rc = scheduler_start(&sc, &app)))
		die("scheduler_start", rc);
	struct scheduler_stats st;
	int64_t until = due + RUN_LIMIT_MS;
	for (;;) {
		scheduler_stats(sc, &st);
		if (st.published + st.failed >= n || clock_now_ms() > until)
			break;
		sleep_ms(5);
	}
	int64_t t_end = clock_now_ms();
	double cpu1 = cpu_ms_now();
	scheduler_stop(sc);

	struct result r = {.n = n, .workers = workers};
	r.wall_ms = (double)(t_end - due);
	r.cpu_ms = cpu1 - cpu0;
	r.published = st.published;
	r.failed = st.failed;
	r.retried = st.retried;
	r.rechecked = st.rechecked;
	r.db_ms = (double)st.db_ns / 1e6;
	r.turns = st.turns;
	r.duplicates = fake_duplicates();
	r.live = fake_live_posts();
	int64_t queued = -1;
	store_jobs_queued(s, &queued);
	r.ok = r.published == n && r.failed == 0 && r.live == n && queued == 0;
	r.maxrss_kb = maxrss_kb();
	store_close(s);
	auth_close(app.auth);
	send_result(&r);
}

/* --- baseline ----------------------------------------------------------- */

struct base {
	int64_t n;
	atomic_llong next;
};

static void *base_worker(void *arg)
{
	struct base *b = arg;
	const struct connector_ops *ops = connector_find("fake");
	static _Thread_local char first[16 * 1024];
	for (;;) {
		long long i = atomic_fetch_add(&b->next, 1);
		if (i >= b->n)
			break;
		/* As the scheduler's workers do: a fresh arena per post. */
		struct arena a;
		arena_init(&a, first, sizeof first, 1 << 20);
		char key[32];
		snprintf(key, sizeof key, "sched-%07lld", i);
		struct connector_ctx c = {.arena = &a, .timeout_ms = 30000};
		struct connector_post p = {.idem_key = key, .text = "Bench post"};
		struct connector_ref ref;
		if (ops->publish(&c, &p, &ref) != ERR_OK)
			die("fake publish", ERR_IO);
		arena_free(&a);
	}
	return NULL;
}

static void baseline(int64_t n, int64_t workers)
{
	fake_reset();
	fake_set_latency(LATENCY_MS);
	struct base b = {.n = n};
	pthread_t *t = calloc((size_t)workers, sizeof *t);
	if (!t)
		die("calloc", 0);
	int64_t t0 = clock_mono_ns();
	double cpu0 = cpu_ms_now();
	for (int64_t i = 0; i < workers; i++)
		pthread_create(&t[i], NULL, base_worker, &b);
	for (int64_t i = 0; i < workers; i++)
		pthread_join(t[i], NULL);
	struct result r = {.ok = 1, .n = n, .workers = workers};
	r.cpu_ms = cpu_ms_now() - cpu0;
	r.wall_ms = (double)(clock_mono_ns() - t0) / 1e6;
	r.published = fake_live_posts();
	r.live = r.published;
	r.duplicates = fake_duplicates();
	r.ok = r.live == n && r.duplicates == 0;
	r.maxrss_kb = maxrss_kb();
	free(t);
	send_result(&r);
}

/* --- the driver --------------------------------------------------------- */

static char self[4096];

/* Runs this binary with `argv` (a phase) and returns its result. */
static struct result phase(char *const argv[])
{
	int fd[2];
	if (pipe(fd) != 0)
		die("pipe", 0);
	fflush(stdout);
	pid_t pid = fork();
	if (pid < 0)
		die("fork", 0);
	if (pid == 0) {
		close(fd[0]);
		if (fd[1] != 3) {
			dup2(fd[1], 3);
			close(fd[1]);
		}
		execv(self, argv);
		_exit(127);
	}
	close(fd[1]);
	struct result r = {0};
	ssize_t got = read(fd[0], &r, sizeof r);
	close(fd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	if (got != (ssize_t)sizeof r || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "schedule: phase %s failed\n", argv[1]);
		exit(1);
	}
	return r;
}

static int64_t arg_int(const char *s, int64_t lo, int64_t hi)
{
	int64_t v;
	if (str_parse_i64(s, strlen(s), lo, hi, &v) != ERR_OK) {
		fprintf(stderr, "schedule: bad number %s\n", s);
		exit(2);
	}
	return v;
}

static void report(const struct result *run_r, const struct result *base_r)
{
	double us_post = run_r->cpu_ms * 1e3 / (double)run_r->n;
	double base_us = base_r->cpu_ms * 1e3 / (double)base_r->n;
	printf("  N=%lld workers=%lld channels=%d latency=%d ms\n", (long long)run_r->n,
	       (long long)run_r->workers, CHANNELS, LATENCY_MS);
	printf("  baseline  (fake publishes from %lld threads): wall %.2f s, CPU %.1f us/post, "
	       "peak RSS %.1f MB\n",
	       (long long)base_r->workers, base_r->wall_ms / 1e3, base_us,
	       (double)base_r->maxrss_kb / 1024);
	printf("  scheduler (due -> last published):          wall %.2f s, CPU %.1f us/post, "
	       "peak RSS %.1f MB\n",
	       run_r->wall_ms / 1e3, us_post, (double)run_r->maxrss_kb / 1024);
	printf("  overhead: %.1f us CPU/post over the baseline (target < 50), wall ratio %.2f, "
	       "CPU ratio %.2f\n",
	       us_post - base_us, run_r->wall_ms / base_r->wall_ms,
	       base_r->cpu_ms > 0 ? run_r->cpu_ms / base_r->cpu_ms : 0.0);
	printf("  DB transactions: %lld, %.1f posts each, %.2f s in total, %.1f us/post\n",
	       (long long)run_r->turns, (double)run_r->n / (double)(run_r->turns ? run_r->turns : 1),
	       run_r->db_ms / 1e3, run_r->db_ms * 1e3 / (double)run_r->n);
	printf("  published %lld, failed %lld, retried %lld, rechecked %lld, on the network %lld, "
	       "duplicates %lld (target 0)%s\n",
	       (long long)run_r->published, (long long)run_r->failed, (long long)run_r->retried,
	       (long long)run_r->rechecked, (long long)run_r->live, (long long)run_r->duplicates,
	       run_r->ok ? "" : "  NOT ALL PUBLISHED");
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 4 && strcmp(argv[1], "build") == 0) {
		build(arg_int(argv[2], 1, 10000000), argv[3]);
		return 0;
	}
	if (argc >= 5 && strcmp(argv[1], "run") == 0) {
		run(arg_int(argv[2], 1, 10000000), argv[3], arg_int(argv[4], 1, 512));
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "baseline") == 0) {
		baseline(arg_int(argv[2], 1, 10000000), arg_int(argv[3], 1, 512));
		return 0;
	}

	/* The driver: schedule [WORKERS [N...]] */
	ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
	if (len <= 0)
		die("readlink /proc/self/exe", 0);
	self[len] = 0;
	int64_t workers = argc > 1 ? arg_int(argv[1], 1, 512) : 128;
	int64_t sizes[8] = {10000, 100000};
	int nsizes = 2;
	if (argc > 2) {
		nsizes = 0;
		for (int i = 2; i < argc && nsizes < 8; i++)
			sizes[nsizes++] = arg_int(argv[i], 1, 10000000);
	}
	const char *root = "build/bench-schedule";
	mkdir("build", 0755);
	mkdir(root, 0755);
	printf("schedule: posts due at one instant on %d channels, fake network at %d ms a "
	       "publish, %lld workers\n",
	       CHANNELS, LATENCY_MS, (long long)workers);
	printf("targets: 100,000 published within 60 s of due, 0 duplicates, < 50 us CPU/post "
	       "of scheduler overhead, peak RSS flat in N\n");
	struct result runs[8], bases[8];
	int fails = 0;
	for (int i = 0; i < nsizes; i++) {
		char n[24], w[24], dir[256];
		snprintf(n, sizeof n, "%lld", (long long)sizes[i]);
		snprintf(w, sizeof w, "%lld", (long long)workers);
		snprintf(dir, sizeof dir, "%s/n%lld", root, (long long)sizes[i]);
		char cmd[300];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0 || mkdir(dir, 0700) != 0)
			die(dir, 0);
		int64_t t0 = clock_mono_ns();
		phase((char *const[]){self, "build", n, dir, NULL});
		printf("N=%s: database built in %.1f s (not counted)\n", n,
		       (double)(clock_mono_ns() - t0) / 1e9);
		bases[i] = phase((char *const[]){self, "baseline", n, w, NULL});
		runs[i] = phase((char *const[]){self, "run", n, dir, w, NULL});
		report(&runs[i], &bases[i]);
		fails += !runs[i].ok || runs[i].duplicates != 0;
		if (system(cmd) != 0)
			fprintf(stderr, "schedule: could not remove %s\n", dir);
	}
	if (nsizes >= 2) {
		const struct result *a = &runs[0], *b = &runs[nsizes - 1];
		printf("memory: scheduler peak RSS %.1f MB at N=%lld, %.1f MB at N=%lld "
		       "(the fake network's own: %.1f MB, %.1f MB)\n",
		       (double)a->maxrss_kb / 1024, (long long)a->n, (double)b->maxrss_kb / 1024,
		       (long long)b->n, (double)bases[0].maxrss_kb / 1024,
		       (double)bases[nsizes - 1].maxrss_kb / 1024);
		printf("memory above the baseline: %.1f MB at N=%lld, %.1f MB at N=%lld\n",
		       (double)(a->maxrss_kb - bases[0].maxrss_kb) / 1024, (long long)a->n,
		       (double)(b->maxrss_kb - bases[nsizes - 1].maxrss_kb) / 1024, (long long)b->n);
	}
	rmdir(root);
	return fails ? 1 : 0;
}
