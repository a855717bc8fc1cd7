/* scheduler.c - publishes every due variant exactly once, through crashes.
 *
 * One dispatcher thread owns the database side; worker threads make the
 * network calls. The dispatcher claims due variants (store_publish_claim:
 * one per channel at a time, marked "publishing" in the same transaction,
 * before any call), hands them to the workers as jobs, and writes the
 * outcomes they return in batched transactions. So a post crosses three
 * states on disk: scheduled, publishing (an attempt may be out), published
 * or failed; and the rule that makes it exactly once is the connector's:
 * a variant found "publishing" when claimed (a retry, or one that a killed
 * process had claimed) is looked up on the network by its idempotency key before
 * any new attempt. A crash between the network's answer and the outcome's
 * commit costs one lookup, never a duplicate.
 *
 * Memory is bounded by the number of workers (each has its own arena, reset
 * per job; the queues hold at most 2 x workers), never by the number of
 * posts waiting: those stay in the database. */
#define LOG_MODULE "scheduler"
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "core/arena.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "publish/publish.h"
#include "publish/publish_int.h"
#include "store/store.h"
#include "workspace/workspace.h"

#define REPAIR_MS 60000              /* how often channel due times are recomputed */
#define RETRY_CAP_MS (60 * 60 * 1000)
#define CHECKS_MAX 8                 /* channel checks handed out at a time */
#define BATCH_MS 15                  /* how long an outcome may wait for others */
#define JOB_ARENA_CAP (64u << 20)

enum outcome_kind { OUT_DONE, OUT_RETRY, OUT_FAIL };

struct outcome {
	struct claim k;
	enum outcome_kind kind;
	bool variant_pending;            /* RETRY: nothing can have gone out */
	bool refund;                     /* RETRY: this attempt does not count */
	int64_t run_at;                  /* RETRY */
	char external_id[512], url[512];
	char msg[320];
	char note[400];                  /* DONE, but something to tell the author */
};

/* A claimed job for a worker, its strings in one block of its own (the
 * claim's arena lives for one turn only). */
struct task {
	struct claim k;                  /* k.variant 0: a channel check of k.channel */
	char *mem;
	struct outcome *out;             /* where the worker writes the outcome */
};

static struct task own(const struct claim *k)
{
	const char *const *src[] = {&k->text, &k->link, &k->first_comment, &k->media,
				    &k->options, &k->idem_key};
	size_t len[6], total = 0;
	for (size_t i = 0; i < 6; i++)
		total += (len[i] = strlen(*src[i])) + 1;
	struct task t = {.k = *k, .mem = xmalloc(total)};
	const char **dst[] = {&t.k.text, &t.k.link, &t.k.first_comment, &t.k.media,
			      &t.k.options, &t.k.idem_key};
	char *p = t.mem;
	for (size_t i = 0; i < 6; i++) {
		memcpy(p, *src[i], len[i] + 1);
		*dst[i] = p;
		p += len[i] + 1;
	}
	return t;
}

struct scheduler {
	const struct app *app;
	pthread_t dispatcher;
	pthread_t *workers;
	int nworkers;
	size_t capacity;                 /* jobs claimed and not yet written back */
	size_t ring;                     /* tasks: capacity + CHECKS_MAX */

	pthread_mutex_t mu;
	pthread_cond_t work_cv, disp_cv;
	struct task *tasks;              /* ring of claimed jobs for the workers */
	size_t task_head, ntasks;
	struct outcome **outs;           /* outcomes for the dispatcher: only
	                                    pointers move under mu */
	struct outcome *slots;           /* one per job claimed and not written */
	struct outcome **free_slots;     /* the dispatcher's alone */
	size_t nfree;
	size_t nouts;
	size_t inflight;                 /* claimed, outcome not yet committed */
	size_t idle;                     /* workers waiting for a task */
	bool stopping, woken;
	size_t checks;                   /* channel checks handed out, not finished */
	struct channel_cache *cache;

	atomic_llong claimed, published, retried, failed, rechecked, found, db_ns, turns;
};

/* --- the worker side: one job, one channel, network calls ---------------- */

static int64_t backoff(const struct cfg *cfg, int attempts, int64_t retry_after)
{
	int64_t d = cfg->publish_retry;
	for (int i = 1; i < attempts && d < RETRY_CAP_MS; i++)
		d *= 2;
	if (d > RETRY_CAP_MS)
		d = RETRY_CAP_MS;
	/* Half fixed, half random: retries of many posts hit by one outage
	 * spread out instead of coming back together. */
	d = d / 2 + (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1));
	return d > retry_after ? d : retry_after;
}

__attribute__((format(printf, 2, 3)))
static void set_msg(struct outcome *o, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof o->msg, fmt, ap);
	va_end(ap);
}

/* The outcome of a failed call: retry (with lookup first, unless nothing
 * can have gone out), fail, or wait for a new login. */
static void after_failure(struct scheduler *sc, struct channel_conn *cc, struct outcome *o,
			  bool maybe_out)
{
	const struct connector_result *res = &cc->ctx.res;
	const struct cfg *cfg = sc->app->cfg;
	if (res->fate == CONNECTOR_FAIL) {
		o->kind = OUT_FAIL;
		set_msg(o, "%s", res->msg[0] ? res->msg : "refused by the network");
		return;
	}
	o->kind = OUT_RETRY;
	o->variant_pending = !maybe_out && !o->k.recheck;
	if (res->fate == CONNECTOR_REAUTH) {
		/* A refused session is a definite answer: the network created
		 * nothing (unless this call was a lookup of an earlier attempt). */
		o->variant_pending = !o->k.recheck;
		char why[sizeof res->msg];
		snprintf(why, sizeof why, "%s", res->msg);
		int rc = channel_relogin(sc->app, cc);
		if (rc == ERR_OK || rc == ERR_DENIED) {
			/* Logged in again: retry now. Refused: the channel stops
			 * until someone logs in (claims skip it). Either way the
			 * job keeps its place and this attempt is not counted. */
			o->run_at = clock_now_ms();
			o->refund = true;
			set_msg(o, "the network refused the session: %s%s", why,
				rc == ERR_OK ? " (logged in again)" : "; waiting for a new login");
			return;
		}
		/* The login could not reach the network: an ordinary retry. */
	}
	if (o->k.attempts >= cfg->publish_attempts) {
		o->kind = OUT_FAIL;
		set_msg(o, "gave up after %d attempts: %s", o->k.attempts, res->msg);
		return;
	}
	o->run_at = clock_now_ms() + backoff(cfg, o->k.attempts, res->retry_after_ms);
	set_msg(o, "will retry: %s", res->msg[0] ? res->msg : "network error");
}

static void done(struct outcome *o, const struct connector_ref *ref)
{
	o->kind = OUT_DONE;
	snprintf(o->external_id, sizeof o->external_id, "%s", ref->id ? ref->id : "");
	snprintf(o->url, sizeof o->url, "%s", ref->url ? ref->url : "");
}

/* Looks `key` up, then publishes if the network has nothing under it.
 * Returns true with `ref` when the post is there; false after a failure
 * (handled into `o`). */
static bool publish_once(struct scheduler *sc, struct channel_conn *cc, struct outcome *o,
			 const struct connector_post *p, bool recheck, struct connector_ref *ref)
{
	if (recheck) {
		atomic_fetch_add(&sc->rechecked, 1);
		int rc = cc->ops->lookup(&cc->ctx, p->idem_key, ref);
		channel_keep_session(sc->app, cc);
		if (rc == ERR_OK) {
			atomic_fetch_add(&sc->found, 1);
			return true;
		}
		if (!(rc == ERR_NOTFOUND && cc->ctx.res.fate == CONNECTOR_DONE)) {
			after_failure(sc, cc, o, true);
			return false;
		}
	}
	int rc = cc->ops->publish(&cc->ctx, p, ref);
	channel_keep_session(sc->app, cc);
	if (rc == ERR_OK)
		return true;
	after_failure(sc, cc, o, true);
	return false;
}

/* A reply of the post's own (a part of its thread, its first comment),
 * under a key derived from the post's; always looked up first, since the
 * job may be a rerun. False when it did not go out: `o` then says whether
 * the job retries (the post is out, so only the rest is tried again) or
 * carries a note for the author. */
static bool follow_up(struct scheduler *sc, struct channel_conn *cc, struct outcome *o,
		      const struct claim *k, const char *suffix, const char *text,
		      const struct connector_ref *root, const struct connector_ref *parent,
		      struct connector_ref *out, const char *what)
{
	char key[160];
	snprintf(key, sizeof key, "%s-%s", k->idem_key, suffix);
	struct connector_post p = {.idem_key = key, .text = text, .reply_root = root,
				   .reply_parent = parent};
	struct outcome co = *o;
	if (publish_once(sc, cc, &co, &p, true, out))
		return true;
	if (co.kind == OUT_RETRY) {
		*o = co;
		o->variant_pending = false;
	} else {
		snprintf(o->note, sizeof o->note, "%s was not published: %s", what, co.msg);
	}
	return false;
}

/* The options of a variant: Mastodon's visibility and content warning into
 * `p`, the thread's parts (after the post) into `parts`. */
static void read_options(struct arena *a, const char *json, struct connector_post *p,
			 const char ***parts, size_t *n)
{
	*parts = NULL;
	*n = 0;
	if (!json || strcmp(json, "{}") == 0 || !*json)
		return;
	json_error_t je;
	json_t *o = json_loads(json, 0, &je);
	const char *vis = json_string_value(json_object_get(o, "visibility"));
	const char *cw = json_string_value(json_object_get(o, "content_warning"));
	p->visibility = vis ? arena_strdup(a, vis) : NULL;
	p->content_warning = cw ? arena_strdup(a, cw) : NULL;
	const json_t *t = json_object_get(o, "thread");
	size_t count = json_array_size(t);
	*parts = count ? arena_alloc(a, count * sizeof **parts) : NULL;
	for (size_t i = 0; *parts && i < count; i++) {
		const char *s = json_string_value(json_array_get(t, i));
		(*parts)[(*n)++] = arena_strdup(a, s ? s : "");
	}
	json_decref(o);
}

static void run_job(struct scheduler *sc, struct arena *a, const struct claim *k,
		    struct outcome *o)
{
	memset(o, 0, sizeof *o);
	o->k = *k;
	struct channel_conn cc;
	int rc = channel_open_cached(sc->app, sc->cache, a, k->channel, k->channel_updated_at, &cc);
	if (rc) {
		/* Nothing was sent: a database hiccup retries, a key that no
		 * longer opens the credentials fails with a reason. */
		o->kind = rc == ERR_CRYPTO ? OUT_FAIL : OUT_RETRY;
		o->variant_pending = !k->recheck;
		o->run_at = clock_now_ms() + sc->app->cfg->publish_retry;
		if (rc == ERR_CRYPTO)
			set_msg(o, "the channel's credentials cannot be decrypted: reconnect it");
		else
			set_msg(o, "could not load the channel: %s", err_str(rc));
		return;
	}
	const char *session = cc.ctx.session;
	/* The first attempt's time, the same on every attempt: Mastodon's
	 * connector looks for an earlier copy once its key has expired. */
	struct connector_post cp = {.idem_key = k->idem_key,
				    .text = publish_text(a, k->text, k->link),
				    .created_at_ms = k->first_attempt_at};
	rc = publish_media_load(sc->app, a, k->workspace, k->media, true,
				(struct connector_media **)&cp.media, &cp.n_media);
	if (rc) {
		o->kind = OUT_FAIL;
		set_msg(o, "an image of the post is gone: %s", err_str(rc));
		return;
	}
	const char **parts;
	size_t nparts;
	read_options(a, k->options, &cp, &parts, &nparts);
	struct connector_ref ref = {0};
	bool out = publish_once(sc, &cc, o, &cp, k->recheck, &ref);
	if (out)
		done(o, &ref);
	/* The thread, each part answering the one before; then the first
	 * comment, answering the post. */
	struct connector_ref prev = ref;
	for (size_t i = 0; out && i < nparts; i++) {
		char suffix[24], what[64];
		snprintf(suffix, sizeof suffix, "t%zu", i + 1);
		snprintf(what, sizeof what, "part %zu of the thread", i + 2);
		struct connector_ref part;
		out = follow_up(sc, &cc, o, k, suffix, parts[i], &ref, &prev, &part, what);
		prev = part;
	}
	struct connector_ref cref;
	if (out && *k->first_comment)
		follow_up(sc, &cc, o, k, "c", k->first_comment, &ref, &ref, &cref,
			  "the first comment");
	/* A new session or status moved the channel's updated_at: the cached
	 * credentials are stale. */
	if (cc.ctx.session != session || o->refund)
		channel_cache_forget(sc->cache, k->channel);
}

/* Refreshes a channel's session now, before a post needs it: a refresh
 * token about to expire is renewed, a revoked one is found (a new login
 * with the stored password, else needs_reconnect and a notification) while
 * there is still time to reconnect. */
static void check_channel(struct scheduler *sc, struct arena *a, int64_t id)
{
	struct channel_conn cc;
	if (channel_open(sc->app, a, 0, id, &cc) != ERR_OK)
		return;
	int rc = cc.ops->refresh(&cc.ctx);
	channel_keep_session(sc->app, &cc);
	if (rc && cc.ctx.res.fate == CONNECTOR_REAUTH)
		channel_relogin(sc->app, &cc);
	else if (rc)
		log_info("channel %lld: check postponed: %s", (long long)id, cc.ctx.res.msg);
	channel_cache_forget(sc->cache, id);
}

static void *worker_main(void *arg)
{
	struct scheduler *sc = arg;
	static _Thread_local char first[64 * 1024];
	pthread_mutex_lock(&sc->mu);
	for (;;) {
		while (sc->ntasks == 0 && !sc->stopping) {
			sc->idle++;
			pthread_cond_wait(&sc->work_cv, &sc->mu);
			sc->idle--;
		}
		if (sc->ntasks == 0)
			break;
		struct task t = sc->tasks[sc->task_head];
		sc->task_head = (sc->task_head + 1) % sc->ring;
		sc->ntasks--;
		pthread_mutex_unlock(&sc->mu);

		struct arena a;
		arena_init(&a, first, sizeof first, JOB_ARENA_CAP);
		if (t.k.variant == 0) {
			check_channel(sc, &a, t.k.channel);
			arena_free(&a);
			pthread_mutex_lock(&sc->mu);
			sc->checks--;
			continue;
		}
		struct outcome *o = t.out;
		run_job(sc, &a, &t.k, o);
		arena_free(&a);
		free(t.mem);

		pthread_mutex_lock(&sc->mu);
		sc->outs[sc->nouts++] = o;
		/* The dispatcher waits BATCH_MS from the first outcome anyway
		 * (less when the workers run dry): wake it for that one or for
		 * a full batch, not for every outcome. */
		if (sc->nouts == 1 || sc->nouts >= sc->capacity / 2 || sc->stopping)
			pthread_cond_signal(&sc->disp_cv);
	}
	pthread_mutex_unlock(&sc->mu);
	return NULL;
}

/* --- the dispatcher side: the database ---------------------------------- */

static int notify_author(struct store *s, const struct outcome *o, const char *kind,
			 const char *msg, int64_t now)
{
	struct notification n = {.workspace_id = o->k.workspace, .account_id = o->k.author,
				 .kind = kind, .message = msg, .post_id = o->k.post,
				 .channel_id = o->k.channel, .created_at = now};
	return store_notify(s, &n);
}

static int write_one(struct scheduler *sc, const struct outcome *o, int64_t now)
{
	struct store *s = sc->app->store;
	int rc;
	switch (o->kind) {
	case OUT_DONE:
		rc = store_publish_done(s, &o->k, o->external_id, o->url, o->note, now);
		if (!rc && o->note[0])
			rc = notify_author(s, o, "post.partial", o->note, now);
		break;
	case OUT_RETRY:
		rc = store_publish_retry(s, &o->k, o->run_at, o->msg, o->variant_pending, o->refund);
		break;
	default:
		rc = store_publish_failed(s, &o->k, o->msg);
	}
	const char *state = NULL;
	if (!rc && o->kind == OUT_DONE && o->k.single) {
		rc = store_post_published(s, o->k.post, now);      /* no tally needed */
		state = "published";
	} else if (!rc && o->kind != OUT_RETRY) {
		rc = store_post_settle(s, o->k.post, now, &state);
	}
	if (rc || !state)
		return rc;
	char target[32];
	snprintf(target, sizeof target, "post %lld", (long long)o->k.post);
	bool ok = strcmp(state, "published") == 0;
	rc = workspace_audit_add(s, o->k.workspace, 0, "", ok ? "post.published" : "post.failed",
				 target, ok ? NULL : json_pack("{s:s}", "reason", o->msg));
	if (!rc && !ok) {
		char msg[400];
		snprintf(msg, sizeof msg, "Post %lld was not published: %s", (long long)o->k.post,
			 o->msg);
		rc = notify_author(s, o, "post.failed", msg, now);
	}
	return rc;
}

/* One transaction a turn: the outcomes the workers returned, then new
 * claims for the room left. Batching is what keeps the database's cost per
 * post low: the pages a turn touches are written once for the whole batch.
 * False when the database refused: nothing changed, the outcomes stay to be
 * written on the next turn (never dropped). */
static bool turn(struct scheduler *sc, struct arena *a, struct outcome **v, size_t nv,
		 struct claim *got, size_t room, size_t *ngot)
{
	int64_t t0 = clock_mono_ns(), now = clock_now_ms();
	struct store *s = sc->app->store;
	*ngot = 0;
	int rc = store_begin(s);
	for (size_t i = 0; !rc && i < nv; i++)
		rc = write_one(sc, v[i], now);
	if (!rc && room)
		rc = store_publish_claim(s, a, now, room, got, ngot);
	rc = store_end(s, rc);   /* also after a failed begin: it returns rc */
	atomic_fetch_add(&sc->db_ns, clock_mono_ns() - t0);
	atomic_fetch_add(&sc->turns, 1);
	if (rc) {
		*ngot = 0;
		log_warn("cannot record %zu outcomes and claim due posts yet: %s", nv, err_str(rc));
		return false;
	}
	atomic_fetch_add(&sc->claimed, (long long)*ngot);
	for (size_t i = 0; i < nv; i++) {
		atomic_fetch_add(v[i]->kind == OUT_DONE    ? &sc->published
				 : v[i]->kind == OUT_RETRY ? &sc->retried
							   : &sc->failed,
				 1);
		if (v[i]->kind != OUT_DONE)
			log_info("post %lld on channel %lld: %s", (long long)v[i]->k.post,
				 (long long)v[i]->k.channel, v[i]->msg);
		sc->free_slots[sc->nfree++] = v[i];
	}
	return true;
}

/* As many workers as there are new tasks, not all of them: a broadcast to a
 * hundred idle threads for three tasks costs each of them a wake-up and a
 * fight for the mutex. Under sc->mu. */
static void wake_workers(struct scheduler *sc, size_t n)
{
	if (n >= sc->idle) {
		if (sc->idle)
			pthread_cond_broadcast(&sc->work_cv);
		return;
	}
	while (n--)
		pthread_cond_signal(&sc->work_cv);
}

static void wait_until(struct scheduler *sc, int64_t when_ms)
{
	int64_t wait = when_ms - clock_now_ms();
	if (wait < 1)
		wait = 1;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += wait / 1000;
	ts.tv_nsec += (wait % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_cond_timedwait(&sc->disp_cv, &sc->mu, &ts);
}

static void *dispatcher_main(void *arg)
{
	struct scheduler *sc = arg;
	struct outcome **batch = xmalloc(sc->capacity * sizeof *batch);
	struct claim *got = xmalloc(sc->capacity * sizeof *got);
	size_t pending = 0;              /* outcomes taken, not yet written */
	int64_t first_pending = 0, next_claim = 0, next_repair = clock_now_ms() + REPAIR_MS;
	int64_t next_check = 0;
	const int64_t tick = sc->app->cfg->publish_tick;

	pthread_mutex_lock(&sc->mu);
	for (;;) {
		if (sc->nouts) {
			if (!pending)
				first_pending = clock_now_ms();
			memcpy(batch + pending, sc->outs, sc->nouts * sizeof *batch);
			pending += sc->nouts;
			sc->nouts = 0;
		}
		if (sc->stopping && sc->inflight == pending && pending == 0)
			break;
		int64_t now = clock_now_ms();
		/* Outcomes wait a few ms for company, unless they are many, the
		 * workers have nothing left to do, or we are stopping. */
		bool write = pending && (sc->stopping || pending >= sc->capacity / 2 ||
					 sc->ntasks == 0 || now - first_pending >= BATCH_MS);
		bool claim = !sc->stopping && (write || sc->woken || now >= next_claim);
		bool may_check = !sc->stopping && sc->checks == 0 && now >= next_check;
		if (!write && !claim) {
			wait_until(sc, pending ? first_pending + BATCH_MS : next_claim);
			continue;
		}
		sc->woken = false;
		size_t room = claim ? sc->capacity - (sc->inflight - (write ? pending : 0)) : 0;
		pthread_mutex_unlock(&sc->mu);

		size_t n = 0;
		struct arena ta;
		arena_init(&ta, NULL, 0, 256u << 20);
		bool ok = turn(sc, &ta, batch, write ? pending : 0, got, room, &n);
		struct task *owned = n ? xmalloc(n * sizeof *owned) : NULL;
		for (size_t i = 0; i < n; i++) {
			owned[i] = own(&got[i]);
			owned[i].out = sc->free_slots[--sc->nfree];   /* room <= nfree */
			channel_cache_warm(sc->app, sc->cache, got[i].channel,
					   got[i].channel_updated_at);
		}
		arena_free(&ta);
		if (claim)
			next_claim = n && n == room ? now : now + tick;
		int64_t check_ids[CHECKS_MAX];
		size_t nchecks = 0;
		if (now >= next_repair) {
			store_publish_sync(sc->app->store, 0);
			next_repair = now + REPAIR_MS;
		}
		if (may_check) {
			if (store_begin(sc->app->store) == ERR_OK) {
				int rc = store_channels_to_check(sc->app->store,
								 now - sc->app->cfg->channel_check * 1000,
								 now, CHECKS_MAX, check_ids, &nchecks);
				if (store_end(sc->app->store, rc))
					nchecks = 0;
			}
			next_check = now + (nchecks == CHECKS_MAX ? tick : REPAIR_MS / 4);
		}

		pthread_mutex_lock(&sc->mu);
		if (ok && write) {
			sc->inflight -= pending;
			pending = 0;
		}
		for (size_t i = 0; i < n; i++) {
			sc->tasks[(sc->task_head + sc->ntasks) % sc->ring] = owned[i];
			sc->ntasks++;
		}
		free(owned);
		for (size_t i = 0; i < nchecks; i++) {
			sc->tasks[(sc->task_head + sc->ntasks) % sc->ring] =
				(struct task){.k = {.channel = check_ids[i]}};
			sc->ntasks++;
			sc->checks++;
		}
		sc->inflight += n;
		wake_workers(sc, n + nchecks);
		if (!ok)
			wait_until(sc, clock_now_ms() + 50);    /* the database is busy */
	}
	pthread_mutex_unlock(&sc->mu);
	free(batch);
	free(got);
	return NULL;
}

int scheduler_start(struct scheduler **out, const struct app *app)
{
	int64_t n = 0;
	int rc = store_begin(app->store);
	if (!rc)
		rc = store_end(app->store, store_publish_recover(app->store, &n));
	if (rc)
		return rc;
	if (n)
		log_info("%lld posts were being published when the last process stopped: "
			 "they are looked up on their networks before any new attempt",
			 (long long)n);
	struct scheduler *sc = xcalloc(1, sizeof *sc);
	sc->app = app;
	sc->nworkers = (int)app->cfg->publish_workers;
	sc->capacity = 2 * (size_t)sc->nworkers;
	sc->ring = sc->capacity + CHECKS_MAX;
	sc->tasks = xcalloc(sc->ring, sizeof *sc->tasks);
	sc->cache = channel_cache_new();
	sc->outs = xcalloc(sc->capacity, sizeof *sc->outs);
	sc->slots = xcalloc(sc->capacity, sizeof *sc->slots);
	sc->free_slots = xcalloc(sc->capacity, sizeof *sc->free_slots);
	for (size_t i = 0; i < sc->capacity; i++)
		sc->free_slots[sc->nfree++] = &sc->slots[i];
	sc->workers = xcalloc((size_t)sc->nworkers, sizeof *sc->workers);
	pthread_mutex_init(&sc->mu, NULL);
	pthread_cond_init(&sc->work_cv, NULL);
	pthread_cond_init(&sc->disp_cv, NULL);
	for (int i = 0; i < sc->nworkers; i++)
		pthread_create(&sc->workers[i], NULL, worker_main, sc);
	pthread_create(&sc->dispatcher, NULL, dispatcher_main, sc);
	*out = sc;
	return ERR_OK;
}

void scheduler_wake(struct scheduler *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->woken = true;
	pthread_cond_signal(&sc->disp_cv);
	pthread_mutex_unlock(&sc->mu);
}

void scheduler_stop(struct scheduler *sc)
{
	if (!sc)
		return;
	pthread_mutex_lock(&sc->mu);
	sc->stopping = true;
	pthread_cond_broadcast(&sc->work_cv);
	pthread_cond_signal(&sc->disp_cv);
	pthread_mutex_unlock(&sc->mu);
	for (int i = 0; i < sc->nworkers; i++)
		pthread_join(sc->workers[i], NULL);
	pthread_mutex_lock(&sc->mu);
	pthread_cond_signal(&sc->disp_cv);
	pthread_mutex_unlock(&sc->mu);
	pthread_join(sc->dispatcher, NULL);
	pthread_mutex_destroy(&sc->mu);
	pthread_cond_destroy(&sc->work_cv);
	pthread_cond_destroy(&sc->disp_cv);
	free(sc->tasks);
	channel_cache_free(sc->cache);
	free(sc->outs);
	free(sc->slots);
	free(sc->free_slots);
	free(sc->workers);
	free(sc);
}

void scheduler_stats(struct scheduler *sc, struct scheduler_stats *out)
{
	out->claimed = atomic_load(&sc->claimed);
	out->published = atomic_load(&sc->published);
	out->retried = atomic_load(&sc->retried);
	out->failed = atomic_load(&sc->failed);
	out->rechecked = atomic_load(&sc->rechecked);
	out->found_on_recheck = atomic_load(&sc->found);
	out->db_ns = atomic_load(&sc->db_ns);
	out->turns = atomic_load(&sc->turns);
}
