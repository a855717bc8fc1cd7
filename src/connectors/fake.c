/* fake.c - the scriptable network of fake.h.
 *
 * One mutex guards the script, the posts and the counters. A call takes its
 * step under the lock, sleeps outside it (so a hung call does not block the
 * others), then takes the lock again to act. Posts are kept in a growing
 * array until fake_reset(); ids are "fake:<n>" in publishing order. The
 * calls waiting at once are counted per operation, so that a test can see
 * two publishes of one channel overlap. */
#include "connectors/fake.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "connectors/connector.h"
#include "core/arena.h"
#include "core/err.h"
#include "core/mem.h"
#include "core/str.h"

extern const struct connector_ops connector_fake;

struct step {
	enum fake_outcome outcome;
	int delay_ms;
};

struct post {
	char *key;
	bool deleted;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	struct step steps[FAKE__OPS][FAKE_MAX_STEPS];
	int head[FAKE__OPS], len[FAKE__OPS];
	int calls[FAKE__OPS];
	int inflight[FAKE__OPS], max_inflight[FAKE__OPS];
	int latency_ms;                 /* of unscripted publish calls */
	struct post *posts;
	size_t n_posts, cap_posts;
	int sessions;                   /* sessions handed out, to tell them apart */
} st;

void fake_reset(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < st.n_posts; i++)
		free(st.posts[i].key);
	free(st.posts);
	memset(&st, 0, sizeof st);
	pthread_mutex_unlock(&lock);
}

int fake_script(enum fake_op op, enum fake_outcome outcome, int delay_ms)
{
	int rc = ERR_TOOBIG;
	pthread_mutex_lock(&lock);
	if (st.len[op] < FAKE_MAX_STEPS) {
		st.steps[op][(st.head[op] + st.len[op]++) % FAKE_MAX_STEPS] =
			(struct step){outcome, delay_ms};
		rc = ERR_OK;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int fake_published(const char *idem_key)
{
	int n = 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < st.n_posts; i++)
		n += strcmp(st.posts[i].key, idem_key) == 0;
	pthread_mutex_unlock(&lock);
	return n;
}

int fake_live_posts(void)
{
	int n = 0;
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < st.n_posts; i++)
		n += !st.posts[i].deleted;
	pthread_mutex_unlock(&lock);
	return n;
}

int fake_calls(enum fake_op op)
{
	pthread_mutex_lock(&lock);
	int n = st.calls[op];
	pthread_mutex_unlock(&lock);
	return n;
}

void fake_set_latency(int publish_ms)
{
	pthread_mutex_lock(&lock);
	st.latency_ms = publish_ms > 0 ? publish_ms : 0;
	pthread_mutex_unlock(&lock);
}

int fake_max_inflight(enum fake_op op)
{
	pthread_mutex_lock(&lock);
	int n = st.max_inflight[op];
	pthread_mutex_unlock(&lock);
	return n;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

long fake_duplicates(void)
{
	pthread_mutex_lock(&lock);
	size_t n = st.n_posts;
	char **keys = xmalloc((n ? n : 1) * sizeof *keys);
	for (size_t i = 0; i < n; i++)
		keys[i] = st.posts[i].key;
	/* Sorted under the lock: the keys belong to the posts array. */
	qsort(keys, n, sizeof *keys, key_cmp);
	long dup = 0;
	for (size_t i = 1; i < n; i++)
		dup += strcmp(keys[i - 1], keys[i]) == 0;
	pthread_mutex_unlock(&lock);
	free(keys);
	return dup;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) != 0)
		;
}

/* Counts the call, takes its step and waits as scripted. Returns whether
 * the network acts; `*rc` is what the call reports (with c->res): ERR_OK,
 * or the scripted failure, possibly after the network acted (LOST, or a
 * delay past the timeout). */
static bool begin(struct connector_ctx *c, enum fake_op op, int *rc)
{
	struct step s = {FAKE_OK, 0};
	memset(&c->res, 0, sizeof c->res);
	pthread_mutex_lock(&lock);
	st.calls[op]++;
	if (st.len[op]) {
		s = st.steps[op][st.head[op]];
		st.head[op] = (st.head[op] + 1) % FAKE_MAX_STEPS;
		st.len[op]--;
	} else if (op == FAKE_PUBLISH) {
		s.delay_ms = st.latency_ms;
	}
	if (++st.inflight[op] > st.max_inflight[op])
		st.max_inflight[op] = st.inflight[op];
	pthread_mutex_unlock(&lock);
	bool timeout = c->timeout_ms > 0 && s.delay_ms > c->timeout_ms;
	if (s.delay_ms > 0)
		sleep_ms(timeout ? c->timeout_ms : s.delay_ms);
	pthread_mutex_lock(&lock);
	st.inflight[op]--;
	pthread_mutex_unlock(&lock);
	*rc = ERR_OK;
	if (timeout || s.outcome == FAKE_LOST)
		*rc = connector_fail(&c->res, ERR_IO, CONNECTOR_RETRY, "fake: timed out");
	else if (s.outcome == FAKE_TRANSIENT)
		*rc = connector_fail(&c->res, ERR_BUSY, CONNECTOR_RETRY, "fake: HTTP 503");
	else if (s.outcome == FAKE_PERMANENT)
		*rc = connector_fail(&c->res, ERR_INVAL, CONNECTOR_FAIL, "fake: HTTP 400 refused");
	else if (s.outcome == FAKE_AUTH)
		*rc = connector_fail(&c->res, ERR_DENIED, CONNECTOR_REAUTH, "fake: token revoked");
	return s.outcome == FAKE_OK || s.outcome == FAKE_LOST;
}

static int new_session(struct connector_ctx *c)
{
	char buf[64];
	pthread_mutex_lock(&lock);
	int n = ++st.sessions;
	pthread_mutex_unlock(&lock);
	snprintf(buf, sizeof buf, "{\"session\":%d}", n);
	c->session = arena_strdup(c->arena, buf);
	c->session_changed = true;
	return c->session ? ERR_OK : connector_fail(&c->res, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
}

static int ref_of(struct connector_ctx *c, size_t i, struct connector_ref *out)
{
	char id[32], url[64];
	snprintf(id, sizeof id, "fake:%zu", i + 1);
	snprintf(url, sizeof url, "https://fake.invalid/p/%zu", i + 1);
	out->id = arena_strdup(c->arena, id);
	out->cid = NULL;
	out->url = arena_strdup(c->arena, url);
	return out->id && out->url ? ERR_OK
		: connector_fail(&c->res, ERR_TOOBIG, CONNECTOR_FAIL, "arena full");
}

static int fake_measure(const char *text, size_t len, size_t *out)
{
	if (!utf8_valid(text, len))
		return ERR_INVAL;
	*out = utf8_count(text, len);
	return ERR_OK;
}

static int fake_login(struct connector_ctx *c, const char *identifier, const char *password,
		      struct connector_account *out)
{
	int rc;
	if (!begin(c, FAKE_LOGIN, &rc) || rc)
		return rc;
	if (!identifier || !*identifier || !password || !*password)
		return connector_fail(&c->res, ERR_DENIED, CONNECTOR_REAUTH, "fake: bad credentials");
	out->id = out->name = arena_strdup(c->arena, identifier);
	return new_session(c);
}

static int fake_refresh(struct connector_ctx *c)
{
	int rc;
	if (!begin(c, FAKE_REFRESH, &rc) || rc)
		return rc;
	return new_session(c);
}

static int fake_publish(struct connector_ctx *c, const struct connector_post *p,
			struct connector_ref *out)
{
	int rc = connector_check_post(&connector_fake, p, &c->res);
	if (rc)
		return rc;
	if (!begin(c, FAKE_PUBLISH, &rc))
		return rc;
	pthread_mutex_lock(&lock);
	if (st.n_posts == st.cap_posts) {
		st.cap_posts = st.cap_posts ? st.cap_posts * 2 : 16;
		st.posts = xrealloc(st.posts, st.cap_posts * sizeof *st.posts);
	}
	size_t i = st.n_posts++;
	st.posts[i] = (struct post){xstrdup(p->idem_key), false};
	pthread_mutex_unlock(&lock);
	int r2 = ref_of(c, i, out);
	return rc ? rc : r2;
}

static int fake_lookup(struct connector_ctx *c, const char *idem_key, struct connector_ref *out)
{
	int rc;
	if (!begin(c, FAKE_LOOKUP, &rc) || rc)
		return rc;
	size_t i = 0;
	pthread_mutex_lock(&lock);
	while (i < st.n_posts && (st.posts[i].deleted || strcmp(st.posts[i].key, idem_key) != 0))
		i++;
	bool found = i < st.n_posts;
	pthread_mutex_unlock(&lock);
	return found ? ref_of(c, i, out) : connector_fail(&c->res, ERR_NOTFOUND, CONNECTOR_DONE,
							   "fake: no post with this key");
}

static int fake_delete(struct connector_ctx *c, const char *id)
{
	int rc;
	int64_t n = 0;
	if (!id || strncmp(id, "fake:", 5) != 0 ||
	    str_parse_i64(id + 5, strlen(id + 5), 1, INT64_MAX, &n) != ERR_OK)
		return connector_fail(&c->res, ERR_INVAL, CONNECTOR_FAIL, "fake: not a fake id");
	if (!begin(c, FAKE_DELETE, &rc))
		return rc;
	pthread_mutex_lock(&lock);
	if ((size_t)n <= st.n_posts)
		st.posts[n - 1].deleted = true;
	pthread_mutex_unlock(&lock);
	return rc;
}

static const char *const fake_types[] = {"image/jpeg", "image/png", NULL};
static const struct connector_limits fake_limits = {
	.count = CONNECTOR_COUNT_CODEPOINTS,
	.max_len = 500,
	.max_media = 4,
	.max_media_bytes = 1 << 20,
	.media_types = fake_types,
	.max_alt_len = 1000,
};

const struct connector_ops connector_fake = {
	.name = "fake",
	.limits = &fake_limits,
	.measure = fake_measure,
	.login = fake_login,
	.refresh = fake_refresh,
	.publish = fake_publish,
	.lookup = fake_lookup,
	.delete = fake_delete,
};
