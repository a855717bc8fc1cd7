/* Tests of the Bluesky connector: syntax validators on the AT Protocol
 * conformance files, facets against cases computed by Bluesky's reference
 * client, the record key, the limits, the error mapping against a scripted
 * HTTP server, and the whole connector against a real PDS when
 * TRIBU_TEST_PDS is set (tests/peers/bluesky.sh start prints it). */
#include "harness.h"

#include <jansson.h>
#include <stdlib.h>
#include <unistd.h>

#include "connectors/bluesky.h"
#include "connectors/connector.h"
#include "connectors/httpc.h"
#include "connectors/stub_http.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/str.h"

#define SYNTAX_DIR "../shared/data/conformance/atproto-syntax/"

/* Runs `fn` on every case of a conformance file (one a line; '#' lines and
 * blank lines are comments). Returns the number of cases, -1 if the file is
 * missing; each disagreement is a failed check. */
static int conformance(const char *name, bool (*fn)(const char *, size_t), bool want)
{
	char path[256];
	snprintf(path, sizeof path, SYNTAX_DIR "%s", name);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int cases = 0;
	while ((n = getline(&line, &cap, f)) > 0) {
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		cases++;
		if (fn(line, (size_t)n) != want) {
			char m[200];
			snprintf(m, sizeof m, "%s: \"%.120s\" should be %s", name, line,
				 want ? "valid" : "invalid");
			harness_fail(__FILE__, __LINE__, m);
		}
	}
	free(line);
	fclose(f);
	return cases;
}

TEST(bluesky_validators_agree_with_the_atproto_conformance_files)
{
	static const struct {
		const char *stem;
		bool (*fn)(const char *, size_t);
	} sets[] = {
		{"handle", bsky_valid_handle}, {"did", bsky_valid_did},
		{"nsid", bsky_valid_nsid},     {"recordkey", bsky_valid_rkey},
		{"tid", bsky_valid_tid},       {"aturi", bsky_valid_aturi},
		{"cid", bsky_valid_cid},       {"language", bsky_valid_lang},
	};
	int total = 0;
	for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++) {
		char v[64], inv[64];
		snprintf(v, sizeof v, "%s_syntax_valid.txt", sets[i].stem);
		snprintf(inv, sizeof inv, "%s_syntax_invalid.txt", sets[i].stem);
		int a = conformance(v, sets[i].fn, true), b = conformance(inv, sets[i].fn, false);
		if (a < 0 || b < 0)
			SKIP("no " SYNTAX_DIR " (shared data missing)");
		CHECK(a > 0 && b > 0);
		total += a + b;
	}
	CHECK(total > 300);
}

/* ---- facets ---------------------------------------------------------------
 * Expected values computed with @atproto/api 0.19.19 detectFacets (the
 * reference client), except where marked. */

struct want {
	char kind;              /* 'M' mention, 'L' link, 'T' tag */
	size_t start, end;
	const char *value;
};

static void check_facets(const char *text, const struct want *w, size_t n)
{
	struct arena a;
	struct bsky_facet *f;
	size_t got;
	arena_init(&a, NULL, 0, 1 << 16);
	REQUIRE(bsky_facets(&a, text, strlen(text), &f, &got) == ERR_OK);
	CHECK_EQ_INT(got, n);
	for (size_t i = 0; i < n && i < got; i++) {
		char k = f[i].kind == BSKY_FACET_MENTION ? 'M' : f[i].kind == BSKY_FACET_LINK ? 'L' : 'T';
		CHECK_EQ_INT(k, w[i].kind);
		CHECK_EQ_INT(f[i].start, w[i].start);
		CHECK_EQ_INT(f[i].end, w[i].end);
		CHECK_EQ_STR(f[i].value, w[i].value);
	}
	arena_free(&a);
}

#define FACETS(text, ...) do { \
	static const struct want w_[] = {__VA_ARGS__}; \
	check_facets(text, w_, sizeof w_ / sizeof w_[0]); } while (0)

TEST(bluesky_facets_use_utf8_byte_offsets_after_accents_and_emoji)
{
	FACETS("Café déjà 🇫🇷 @alice.test, see https://example.com/été?x=1. #Tribu!",
	       {'M', 22, 33, "alice.test"}, {'L', 39, 68, "https://example.com/été?x=1"},
	       {'T', 70, 76, "Tribu"});
}

TEST(bluesky_facets_mentions_need_a_known_tld_or_dot_test)
{
	FACETS("hi @bob.bsky.social and @carol.example.invalid and @x_y.com",
	       {'M', 3, 19, "bob.bsky.social"});
	/* \b rules: "_" glues, trailing '-' and '.' are given back. */
	FACETS("@a.test_ @b.test- @c.test. @-d.test", {'M', 9, 16, "b.test"},
	       {'M', 18, 25, "c.test"}, {'M', 27, 35, "-d.test"});
}

TEST(bluesky_facets_links_bare_domains_and_trailing_punctuation)
{
	FACETS("visit example.com/path), or (bsky.app) and EXAMPLE.COM and readme.md and "
	       "my-site.com",
	       {'L', 6, 22, "https://example.com/path"}, {'L', 29, 37, "https://bsky.app"},
	       {'L', 59, 68, "https://readme.md"});
	FACETS("https://x.com/(a) HTTP://Y.COM http:// done", {'L', 0, 17, "https://x.com/(a)"});
	/* Deliberately not the reference, which makes "httpbin.org" a link URI
	 * without a scheme that the PDS refuses: here it is a bare domain. */
	FACETS("httpbin.org is a bare domain", {'L', 0, 11, "https://httpbin.org"});
}

TEST(bluesky_facets_ignore_emails_and_file_names)
{
	struct arena a;
	struct bsky_facet *f;
	size_t n = 9;
	arena_init(&a, NULL, 0, 1 << 16);
	const char *t = "email bob@example.com is not a link; foo.js neither";
	CHECK_EQ_INT(bsky_facets(&a, t, strlen(t), &f, &n), ERR_OK);
	CHECK_EQ_INT(n, 0);
	arena_free(&a);
}

TEST(bluesky_facets_hashtags_and_cashtags)
{
	FACETS("#123 is not a tag, #1a is, #tag... ends, ＃日本語 too, #️⃣ not",
	       {'T', 19, 22, "1a"}, {'T', 27, 31, "tag"}, {'T', 41, 53, "日本語"});
	FACETS("x #aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa y "
	       "#bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
	       {'T', 2, 67, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"});
	FACETS("\u00a0#nbsp\u3000#ideographic\ufeff#bom #zero\u200bwidth", {'T', 2, 7, "nbsp"},
	       {'T', 10, 22, "ideographic"}, {'T', 25, 29, "bom"}, {'T', 30, 35, "zero"});
	FACETS("stocks: $AAPL, $msft! $TOOLONG $a1 ($X)", {'T', 8, 13, "$AAPL"},
	       {'T', 15, 20, "$MSFT"}, {'T', 31, 34, "$A1"}, {'T', 36, 38, "$X"});
}

static unsigned lcg(unsigned *seed)
{
	*seed = *seed * 1103515245u + 12345u;
	return *seed >> 16;
}

/* Random texts made of the pieces facets care about: every facet lies
 * inside the text, on code point boundaries, in order (run under ASan, this
 * is also the scanners' bounds check). */
TEST(bluesky_facets_stay_in_bounds_on_random_text)
{
	static const char *const pieces[] = {
		"@", "#", "\xef\xbc\x83", "$", "(", ")", ".", ",", "!", " ", "\n", "\xc2\xa0",
		"\xe2\x80\x8b", "\xef\xb8\x8f", "a", "Z", "0", "_", "-", "/", ":", "http",
		"https://", "com", ".test", "é", "😀", "\xe2\x80\xa6", "md",
	};
	struct arena a;
	char text[256];
	unsigned seed = 12345;
	int with_facets = 0;
	for (int round = 0; round < 20000; round++) {
		size_t len = 0;
		for (unsigned k = 0, n = 1 + lcg(&seed) % 24; k < n; k++) {
			const char *p = pieces[lcg(&seed) % (sizeof pieces / sizeof pieces[0])];
			size_t pl = strlen(p);
			if (len + pl >= sizeof text)
				break;
			memcpy(text + len, p, pl);
			len += pl;
		}
		struct bsky_facet *f;
		size_t n;
		arena_init(&a, NULL, 0, 1 << 16);
		REQUIRE(bsky_facets(&a, text, len, &f, &n) == ERR_OK);
		with_facets += n > 0;
		for (size_t i = 0; i < n; i++) {
			CHECK(f[i].start < f[i].end && f[i].end <= len);
			CHECK(i == 0 || f[i - 1].start <= f[i].start);
			CHECK((text[f[i].start] & 0xC0) != 0x80);
			CHECK(f[i].end == len || (text[f[i].end] & 0xC0) != 0x80);
		}
		arena_free(&a);
	}
	CHECK(with_facets > 1000);
}

/* ---- record key ---------------------------------------------------------- */

TEST(bluesky_rkey_is_a_stable_tid_derived_from_the_idempotency_key)
{
	char a[BSKY_TID_LEN + 1], b[BSKY_TID_LEN + 1], c[BSKY_TID_LEN + 1];
	bsky_rkey("post-42/channel-7", a);
	bsky_rkey("post-42/channel-7", b);
	bsky_rkey("post-43/channel-7", c);
	CHECK_EQ_STR(a, b);
	CHECK(strcmp(a, c) != 0);
	CHECK(bsky_valid_tid(a, strlen(a)) && bsky_valid_rkey(a, strlen(a)));
	/* Pinned: published posts are named by it, it must never change. */
	CHECK_EQ_STR(a, "6y7iogfsqt5fd");
	int high = 0;
	for (int i = 0; i < 2000; i++) {
		char key[32];
		snprintf(key, sizeof key, "k%d", i);
		bsky_rkey(key, a);
		CHECK(bsky_valid_tid(a, strlen(a)));
		high += strchr("234567ab", a[0]) == NULL;      /* 63 bits: high bit clear */
	}
	CHECK_EQ_INT(high, 0);
}

/* ---- limits -------------------------------------------------------------- */

/* `n` copies of `unit` in a heap string. */
static char *repeat(const char *unit, int n)
{
	size_t u = strlen(unit);
	char *s = malloc(u * (size_t)n + 1);
	for (int i = 0; i < n; i++)
		memcpy(s + u * (size_t)i, unit, u);
	s[u * (size_t)n] = '\0';
	return s;
}

TEST(bluesky_counts_graphemes_not_bytes_or_code_points)
{
	const struct connector_ops *b = connector_find("bluesky");
	REQUIRE(b && connector_find("nope") == NULL);
	size_t n;
	const char *t = "e\xcc\x81 👨‍👩‍👧 🇫🇷 ok";       /* e + combining acute, ZWJ family, flag */
	CHECK_EQ_INT(b->measure(t, strlen(t), &n), ERR_OK);
	CHECK_EQ_INT(n, 8);
	CHECK_EQ_INT(utf8_count(t, strlen(t)), 14);
	CHECK_EQ_INT(b->measure("\xff", 1, &n), ERR_INVAL);
	CHECK_EQ_INT(b->limits->max_len, 300);
	CHECK_EQ_INT(b->limits->count, CONNECTOR_COUNT_GRAPHEMES);
}

TEST(bluesky_post_of_301_graphemes_is_refused_before_any_network_call)
{
	const struct connector_ops *b = connector_find("bluesky");
	struct connector_result res;
	char *ok = repeat("e\xcc\x81", 300), *over = repeat("e\xcc\x81", 301);
	char *heavy = repeat("👨‍👩‍👧", 200);    /* 200 graphemes, 3,600 bytes */
	struct connector_post p = {.idem_key = "k", .text = ok};
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_OK);
	p.text = heavy;
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_TOOBIG);
	CHECK(strstr(res.msg, "bytes") != NULL);

	/* Through publish, with a server that is not there: refused, no call. */
	struct arena a;
	struct connector_ref ref;
	arena_init(&a, NULL, 0, 1 << 20);
	struct connector_ctx c = {
		.arena = &a, .base_url = "http://127.0.0.1:1",
		.session = "{\"did\":\"did:plc:abc\",\"handle\":\"a.test\",\"accessJwt\":\"x\","
			   "\"refreshJwt\":\"y\"}",
	};
	p.text = over;
	CHECK_EQ_INT(b->publish(&c, &p, &ref), ERR_TOOBIG);
	CHECK_EQ_INT(c.res.fate, CONNECTOR_FAIL);
	CHECK_EQ_INT(c.res.http_status, 0);
	CHECK(strstr(c.res.msg, "301") != NULL);
	arena_free(&a);
	free(ok);
	free(over);
	free(heavy);
}

TEST(bluesky_checks_media_and_replies_before_publishing)
{
	const struct connector_ops *b = connector_find("bluesky");
	struct connector_result res;
	static const unsigned char px[4] = {1, 2, 3, 4};
	struct connector_media m[5];
	for (int i = 0; i < 5; i++)
		m[i] = (struct connector_media){.data = px, .len = 4, .mime = "image/png"};
	struct connector_post p = {.idem_key = "k", .text = "", .media = m, .n_media = 5};
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_TOOBIG);
	p.n_media = 4;
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_OK);    /* images, no text */
	m[1].mime = "image/bmp";
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_INVAL);
	m[1].mime = "image/png";
	p.n_media = 0;
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_INVAL);  /* empty post */
	struct connector_ref root = {.id = "at://did:plc:abc/app.bsky.feed.post/3abc", .cid = "x"};
	p.text = "re";
	p.reply_root = &root;
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_INVAL);  /* root without parent */
	p.idem_key = "";
	p.reply_root = NULL;
	CHECK_EQ_INT(connector_check_post(b, &p, &res), ERR_INVAL);
	CHECK_EQ_INT(res.fate, CONNECTOR_FAIL);
}

/* ---- error mapping, against a scripted server ----------------------------- */

struct stubfix {
	struct stub s;
	struct arena a;
	char url[64];
	struct connector_ctx c;
	const struct connector_ops *b;
};

static const char STUB_SESSION[] = "{\"did\":\"did:plc:abc\",\"handle\":\"a.test\","
				   "\"accessJwt\":\"x\",\"refreshJwt\":\"y\",\"accessExp\":0}";

static int stubfix_start(struct stubfix *f, const struct stub_reply *r, int n)
{
	if (stub_start(&f->s, r, n))
		return -1;
	arena_init(&f->a, NULL, 0, 1 << 20);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->s.port);
	f->c = (struct connector_ctx){.arena = &f->a, .base_url = f->url, .session = STUB_SESSION};
	f->b = connector_find("bluesky");
	return 0;
}

static void stubfix_stop(struct stubfix *f)
{
	arena_free(&f->a);
	stub_stop(&f->s);
}

TEST(bluesky_server_errors_are_transient_and_read_back_first)
{
	struct stubfix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 503, .body = "{\"error\":\"Unavailable\"}"}};
	REQUIRE(stubfix_start(&f, r, 1) == 0);
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.b->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.c.res.http_status, 503);
	CHECK(strstr(f.c.res.msg, "createRecord: HTTP 503 Unavailable") != NULL);
	CHECK_EQ_INT(stub_hits(&f.s), 2);
	CHECK(strncmp(f.s.paths[0], "POST /xrpc/com.atproto.repo.createRecord", 40) == 0);
	CHECK(strncmp(f.s.paths[1], "GET /xrpc/com.atproto.repo.getRecord", 36) == 0);
	CHECK(f.s.auth[0]);
	stubfix_stop(&f);
}

TEST(bluesky_rate_limit_is_transient_with_the_servers_delay)
{
	struct stubfix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 429, .body = "{\"error\":\"RateLimitExceeded\"}",
				  .header = "Retry-After", .value = "30"}};
	REQUIRE(stubfix_start(&f, r, 1) == 0);
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.b->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.c.res.retry_after_ms, 30000);
	CHECK_EQ_INT(stub_hits(&f.s), 1);   /* refused unread: no read-back */
	stubfix_stop(&f);
}

TEST(bluesky_failed_create_of_an_existing_record_returns_that_record)
{
	struct stubfix f;
	struct connector_ref ref;
	char rkey[BSKY_TID_LEN + 1], body[256];
	bsky_rkey("dup", rkey);
	snprintf(body, sizeof body, "{\"uri\":\"at://did:plc:abc/app.bsky.feed.post/%s\","
		 "\"cid\":\"bafyreif3uok6yiamsel7izqrkmmvbnebelhr4afelsztnnkuxkbv6s4vwq\"}", rkey);
	struct stub_reply r[] = {
		{.status = 500, .body = "{\"error\":\"InternalServerError\"}"},
		{.status = 200, .body = body},
	};
	REQUIRE(stubfix_start(&f, r, 2) == 0);
	struct connector_post p = {.idem_key = "dup", .text = "hello"};
	CHECK_EQ_INT(f.b->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	CHECK(strstr(ref.id, rkey) != NULL);
	CHECK(strstr(ref.url, "https://bsky.app/profile/a.test/post/") == ref.url);
	stubfix_stop(&f);
}

TEST(bluesky_unauthorized_needs_reconnect_and_garbage_is_a_protocol_error)
{
	struct stubfix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 401, .body = "{\"error\":\"AuthenticationRequired\"}"},
		{.status = 200, .body = "<html>"},
		{.status = 400, .body = "{\"error\":\"RecordNotFound\",\"message\":\"gone\"}"},
	};
	REQUIRE(stubfix_start(&f, r, 3) == 0);
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.b->publish(&f.c, &p, &ref), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK_EQ_INT(f.b->lookup(&f.c, "k", &ref), ERR_PROTO);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.b->lookup(&f.c, "k", &ref), ERR_NOTFOUND);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	f.c.session = NULL;
	CHECK_EQ_INT(f.b->lookup(&f.c, "k", &ref), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	stubfix_stop(&f);
}

/* ---- against a real PDS --------------------------------------------------- */

struct acct {
	char handle[64], password[48], did[128];
};

static struct {
	bool tried, ok;
	char suffix[32];
	struct acct brand, fan;
} pds;

/* GET or POST JSON on the PDS, outside the connector. */
static json_t *pds_call(const char *nsid, const char *query, json_t *body, int *status)
{
	struct arena a;
	struct httpc_resp r;
	char url[1024], msg[128];
	arena_init(&a, NULL, 0, 8 << 20);
	snprintf(url, sizeof url, "%s/xrpc/%s%s%s", getenv("TRIBU_TEST_PDS"), nsid, query ? "?" : "",
		 query ? query : "");
	char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
	struct httpc_req rq = {.method = body ? "POST" : "GET", .url = url,
			       .content_type = "application/json", .body = text,
			       .body_len = text ? strlen(text) : 0};
	json_t *j = NULL;
	if (httpc_do(&a, &rq, &r, msg, sizeof msg) == ERR_OK) {
		j = json_loadb(r.body, r.len, 0, NULL);
		*status = r.status;
	} else {
		*status = 0;
	}
	free(text);
	arena_free(&a);
	return j;
}

static bool make_account(struct acct *who, const char *role)
{
	int status;
	snprintf(who->handle, sizeof who->handle, "%s-%s.test", role, pds.suffix);
	snprintf(who->password, sizeof who->password, "pw-%s", pds.suffix);
	char email[96];
	snprintf(email, sizeof email, "%s-%s@example.com", role, pds.suffix);
	json_t *body = json_pack("{s:s,s:s,s:s}", "handle", who->handle, "email", email,
				 "password", who->password);
	json_t *j = pds_call("com.atproto.server.createAccount", NULL, body, &status);
	json_decref(body);
	const char *did = json_string_value(json_object_get(j, "did"));
	if (status == 200 && did)
		snprintf(who->did, sizeof who->did, "%s", did);
	else
		fprintf(stderr, "    createAccount %s: HTTP %d\n", who->handle, status);
	json_decref(j);
	return who->did[0] != '\0';
}

/* Two fresh accounts per run (the PDS keeps its state while it runs). */
static bool pds_ready(void)
{
	if (!getenv("TRIBU_TEST_PDS"))
		return false;
	if (!pds.tried) {
		pds.tried = true;
		/* Handles on a PDS: at most 18 characters before ".test". */
		snprintf(pds.suffix, sizeof pds.suffix, "%06llx%02x",
			 (unsigned long long)(clock_now_ms() / 100) & 0xffffff,
			 (unsigned)getpid() & 0xff);
		pds.ok = make_account(&pds.brand, "brand") && make_account(&pds.fan, "fan");
	}
	return pds.ok;
}

#define NEED_PDS() do { \
	if (!getenv("TRIBU_TEST_PDS")) SKIP("no PDS: run tests/peers/bluesky.sh start"); \
	REQUIRE(pds_ready()); } while (0)

struct live {
	struct arena a;
	struct connector_ctx c;
	const struct connector_ops *b;
};

static bool live_login(struct live *l, const struct acct *who)
{
	struct connector_account me;
	arena_init(&l->a, NULL, 0, 8 << 20);
	l->c = (struct connector_ctx){.arena = &l->a, .base_url = getenv("TRIBU_TEST_PDS")};
	l->b = connector_find("bluesky");
	return l->b->login(&l->c, who->handle, who->password, &me) == ERR_OK &&
	       strcmp(me.id, who->did) == 0;
}

/* A key no earlier run used: the PDS may have run for days. */
static const char *fresh_key(struct live *l, const char *what)
{
	char k[96];
	snprintf(k, sizeof k, "%s/%s", pds.suffix, what);
	return arena_strdup(&l->a, k);
}

/* The record `uri` of the PDS, as JSON (getRecord's "value"). */
static json_t *record_of(const char *uri, json_t **whole)
{
	char q[512];
	const char *rkey = strrchr(uri, '/') + 1;
	const char *did = uri + 5;
	int dl = (int)(strchr(did, '/') - did), status;
	snprintf(q, sizeof q, "repo=%.*s&collection=app.bsky.feed.post&rkey=%s", dl, did, rkey);
	*whole = pds_call("com.atproto.repo.getRecord", q, NULL, &status);
	return status == 200 ? json_object_get(*whole, "value") : NULL;
}

TEST(bluesky_live_login_refresh_and_bad_password)
{
	NEED_PDS();
	struct live l;
	struct connector_account me;
	REQUIRE(live_login(&l, &pds.brand));
	CHECK(l.c.session_changed);
	const char *first = l.c.session;
	CHECK(strstr(first, pds.brand.did) != NULL);
	l.c.session_changed = false;
	CHECK_EQ_INT(l.b->refresh(&l.c), ERR_OK);
	CHECK(l.c.session_changed);
	CHECK(strcmp(first, l.c.session) != 0);
	struct connector_post p = {.idem_key = fresh_key(&l, "after-refresh"), .text = "after refresh"};
	struct connector_ref ref;
	CHECK_EQ_INT(l.b->publish(&l.c, &p, &ref), ERR_OK);

	CHECK_EQ_INT(l.b->login(&l.c, pds.brand.handle, "wrong-password", &me), ERR_DENIED);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_REAUTH);
	CHECK_EQ_INT(l.c.res.http_status, 401);
	CHECK(strstr(l.c.res.msg, "wrong") == NULL);        /* never echoes secrets */
	arena_free(&l.a);
}

/* The session JSON with one member replaced. */
static const char *session_with(struct live *l, const char *key, json_t *value)
{
	json_t *j = json_loads(l->c.session, 0, NULL);
	json_object_set_new(j, key, value);
	char *s = json_dumps(j, JSON_COMPACT);
	const char *copy = arena_strdup(&l->a, s);
	free(s);
	json_decref(j);
	return copy;
}

TEST(bluesky_live_stale_tokens_are_renewed_and_a_refused_refresh_needs_reconnect)
{
	NEED_PDS();
	struct live l;
	struct connector_ref ref;
	REQUIRE(live_login(&l, &pds.brand));
	const char *good = l.c.session;

	/* Access token past its expiry: renewed before the call. */
	l.c.session = session_with(&l, "accessExp", json_integer(1000));
	l.c.session_changed = false;
	struct connector_post p = {.idem_key = fresh_key(&l, "expired"), .text = "renewed first"};
	CHECK_EQ_INT(l.b->publish(&l.c, &p, &ref), ERR_OK);
	CHECK(l.c.session_changed);

	/* Access token the server refuses: renewed after the refusal. */
	l.c.session = good;
	l.c.session = session_with(&l, "accessJwt", json_string("not.a.token"));
	l.c.session_changed = false;
	p.idem_key = fresh_key(&l, "invalid");
	CHECK_EQ_INT(l.b->publish(&l.c, &p, &ref), ERR_OK);
	CHECK(l.c.session_changed);

	/* Refresh token refused too: the channel must reconnect. */
	l.c.session = session_with(&l, "refreshJwt", json_string("not.a.token"));
	l.c.session = session_with(&l, "accessJwt", json_string("not.a.token"));
	CHECK_EQ_INT(l.b->refresh(&l.c), ERR_DENIED);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_REAUTH);
	p.idem_key = fresh_key(&l, "refused");
	CHECK_EQ_INT(l.b->publish(&l.c, &p, &ref), ERR_DENIED);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_REAUTH);
	arena_free(&l.a);
}

TEST(bluesky_live_publish_stores_text_and_facets_at_byte_offsets)
{
	NEED_PDS();
	struct live l;
	struct connector_ref ref;
	char text[512], mention[80], ghost[80];
	REQUIRE(live_login(&l, &pds.brand));
	snprintf(mention, sizeof mention, "@%s", pds.fan.handle);
	snprintf(ghost, sizeof ghost, "@nobody-%s.test", pds.suffix);
	snprintf(text, sizeof text, "Café ☕ déjà vu 🇫🇷 — merci %s ! Voir https://example.com/été?x=1 "
		 "#Tribu2026 et %s", mention, ghost);
	struct connector_post p = {.idem_key = fresh_key(&l, "facets"), .text = text, .lang = "fr"};
	REQUIRE(l.b->publish(&l.c, &p, &ref) == ERR_OK);
	CHECK(bsky_valid_aturi(ref.id, strlen(ref.id)));
	CHECK(strstr(ref.url, pds.brand.handle) != NULL);

	json_t *whole, *v = record_of(ref.id, &whole);
	REQUIRE(v != NULL);
	CHECK_EQ_STR(json_string_value(json_object_get(v, "text")), text);
	CHECK_EQ_STR(json_string_value(json_array_get(json_object_get(v, "langs"), 0)), "fr");
	json_t *facets = json_object_get(v, "facets");
	CHECK_EQ_INT(json_array_size(facets), 3);      /* the unknown handle gets none */
	const struct {
		const char *needle, *type, *key, *value;
	} want[] = {
		{mention, "app.bsky.richtext.facet#mention", "did", pds.fan.did},
		{"https://example.com/été?x=1", "app.bsky.richtext.facet#link", "uri",
		 "https://example.com/été?x=1"},
		{"#Tribu2026", "app.bsky.richtext.facet#tag", "tag", "Tribu2026"},
	};
	for (size_t i = 0; i < 3 && i < json_array_size(facets); i++) {
		json_t *f = json_array_get(facets, i);
		json_t *idx = json_object_get(f, "index");
		json_t *feat = json_array_get(json_object_get(f, "features"), 0);
		size_t start = (size_t)(strstr(text, want[i].needle) - text);
		CHECK(utf8_count(text, start) < start);    /* bytes, not characters */
		CHECK_EQ_INT(json_integer_value(json_object_get(idx, "byteStart")), start);
		CHECK_EQ_INT(json_integer_value(json_object_get(idx, "byteEnd")),
			     start + strlen(want[i].needle));
		CHECK_EQ_STR(json_string_value(json_object_get(feat, "$type")), want[i].type);
		CHECK_EQ_STR(json_string_value(json_object_get(feat, want[i].key)), want[i].value);
	}
	CHECK_EQ_STR(json_string_value(json_object_get(whole, "cid")), ref.cid);
	json_decref(whole);
	arena_free(&l.a);
}

static const unsigned char PNG_2X2[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
	0x52, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x02, 0x08, 0x06, 0x00, 0x00, 0x00, 0x72,
	0xb6, 0x0d, 0x24, 0x00, 0x00, 0x00, 0x11, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8,
	0xcf, 0xc0, 0xf0, 0x1f, 0x84, 0x41, 0x08, 0x0c, 0x01, 0x45, 0xcc, 0x07, 0xf9, 0xca, 0x27,
	0x19, 0xcf, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

TEST(bluesky_live_publish_with_an_image_and_alt_text)
{
	NEED_PDS();
	struct live l;
	struct connector_ref ref;
	REQUIRE(live_login(&l, &pds.brand));
	struct connector_media m = {.data = PNG_2X2, .len = sizeof PNG_2X2, .mime = "image/png",
				    .alt = "Deux pixels rouges, deux verts", .width = 2, .height = 2};
	struct connector_post p = {.idem_key = fresh_key(&l, "image"), .text = "Une image",
				   .media = &m, .n_media = 1};
	REQUIRE(l.b->publish(&l.c, &p, &ref) == ERR_OK);
	json_t *whole, *v = record_of(ref.id, &whole);
	REQUIRE(v != NULL);
	json_t *embed = json_object_get(v, "embed");
	json_t *img = json_array_get(json_object_get(embed, "images"), 0);
	json_t *blob = json_object_get(img, "image");
	CHECK_EQ_STR(json_string_value(json_object_get(embed, "$type")), "app.bsky.embed.images");
	CHECK_EQ_STR(json_string_value(json_object_get(img, "alt")), m.alt);
	CHECK_EQ_STR(json_string_value(json_object_get(blob, "mimeType")), "image/png");
	CHECK_EQ_INT(json_integer_value(json_object_get(blob, "size")), sizeof PNG_2X2);
	CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(img, "aspectRatio"),
							 "width")), 2);

	/* The bytes the PDS keeps are ours. */
	const char *cid = json_string_value(json_object_get(json_object_get(blob, "ref"), "$link"));
	REQUIRE(cid != NULL);
	char url[512], msg[128];
	snprintf(url, sizeof url, "%s/xrpc/com.atproto.sync.getBlob?did=%s&cid=%s",
		 getenv("TRIBU_TEST_PDS"), pds.brand.did, cid);
	struct httpc_req rq = {.method = "GET", .url = url};
	struct httpc_resp r;
	CHECK_EQ_INT(httpc_do(&l.a, &rq, &r, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(r.status, 200);
	CHECK(r.len == sizeof PNG_2X2 && memcmp(r.body, PNG_2X2, r.len) == 0);
	json_decref(whole);
	arena_free(&l.a);
}

TEST(bluesky_live_reply_names_its_root_and_parent)
{
	NEED_PDS();
	struct live brand, fan;
	struct connector_ref root, r1, r2;
	REQUIRE(live_login(&brand, &pds.brand));
	REQUIRE(live_login(&fan, &pds.fan));
	struct connector_post p = {.idem_key = fresh_key(&brand, "root"), .text = "Our news"};
	REQUIRE(brand.b->publish(&brand.c, &p, &root) == ERR_OK);
	struct connector_post q = {.idem_key = fresh_key(&fan, "r1"), .text = "Great!",
				   .reply_root = &root, .reply_parent = &root};
	REQUIRE(fan.b->publish(&fan.c, &q, &r1) == ERR_OK);
	struct connector_post s = {.idem_key = fresh_key(&brand, "r2"), .text = "Thanks!",
				   .reply_root = &root, .reply_parent = &r1};
	REQUIRE(brand.b->publish(&brand.c, &s, &r2) == ERR_OK);
	json_t *whole, *v = record_of(r2.id, &whole);
	REQUIRE(v != NULL);
	json_t *reply = json_object_get(v, "reply");
	json_t *rt = json_object_get(reply, "root"), *pa = json_object_get(reply, "parent");
	CHECK_EQ_STR(json_string_value(json_object_get(rt, "uri")), root.id);
	CHECK_EQ_STR(json_string_value(json_object_get(rt, "cid")), root.cid);
	CHECK_EQ_STR(json_string_value(json_object_get(pa, "uri")), r1.id);
	CHECK_EQ_STR(json_string_value(json_object_get(pa, "cid")), r1.cid);
	json_decref(whole);
	arena_free(&brand.a);
	arena_free(&fan.a);
}

/* Records of `did` whose text is `text`. */
static int count_records(const char *did, const char *text)
{
	char q[256];
	int status, n = 0;
	snprintf(q, sizeof q, "repo=%s&collection=app.bsky.feed.post&limit=100", did);
	json_t *j = pds_call("com.atproto.repo.listRecords", q, NULL, &status), *r;
	size_t i;
	json_array_foreach(json_object_get(j, "records"), i, r) {
		const char *t = json_string_value(json_object_get(json_object_get(r, "value"), "text"));
		n += t && strcmp(t, text) == 0;
	}
	json_decref(j);
	return status == 200 ? n : -1;
}

TEST(bluesky_live_same_idempotency_key_publishes_exactly_once)
{
	NEED_PDS();
	struct live l;
	struct connector_ref a, b, found;
	char text[96];
	REQUIRE(live_login(&l, &pds.brand));
	snprintf(text, sizeof text, "Exactly once %s", pds.suffix);
	struct connector_post p = {.idem_key = fresh_key(&l, "once"), .text = text};
	REQUIRE(l.b->publish(&l.c, &p, &a) == ERR_OK);
	/* The retry after a lost answer: same key, the PDS refuses a second
	 * record under the same rkey, the connector finds the first one. */
	CHECK_EQ_INT(l.b->publish(&l.c, &p, &b), ERR_OK);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_STR(b.id, a.id);
	CHECK_EQ_STR(b.cid, a.cid);
	CHECK_EQ_STR(b.url, a.url);
	CHECK_EQ_INT(count_records(pds.brand.did, text), 1);
	CHECK_EQ_INT(l.b->lookup(&l.c, p.idem_key, &found), ERR_OK);
	CHECK_EQ_STR(found.id, a.id);
	arena_free(&l.a);
}

TEST(bluesky_live_delete_then_lookup_finds_nothing)
{
	NEED_PDS();
	struct live l;
	struct connector_ref ref, found;
	REQUIRE(live_login(&l, &pds.brand));
	struct connector_post p = {.idem_key = fresh_key(&l, "delete-me"), .text = "Short-lived"};
	REQUIRE(l.b->publish(&l.c, &p, &ref) == ERR_OK);
	CHECK_EQ_INT(l.b->lookup(&l.c, p.idem_key, &found), ERR_OK);
	CHECK_EQ_INT(l.b->delete(&l.c, ref.id), ERR_OK);
	CHECK_EQ_INT(l.b->lookup(&l.c, p.idem_key, &found), ERR_NOTFOUND);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_INT(l.b->delete(&l.c, ref.id), ERR_OK);            /* already gone */
	CHECK_EQ_INT(l.b->lookup(&l.c, fresh_key(&l, "never"), &found), ERR_NOTFOUND);
	/* Someone else's post is not ours to delete. */
	char other[200];
	snprintf(other, sizeof other, "at://%s/app.bsky.feed.post/3abcdefghij22", pds.fan.did);
	CHECK_EQ_INT(l.b->delete(&l.c, other), ERR_INVAL);
	CHECK_EQ_INT(l.c.res.fate, CONNECTOR_FAIL);
	arena_free(&l.a);
}
