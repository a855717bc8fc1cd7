#include "harness.h"

#include "connectors/httpc.h"
#include "connectors/stub_http.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/sb.h"
#include "core/tz.h"

/* A scripted server, an arena and the request's outputs. */
struct fix {
	struct stub s;
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
};

static int fix_start(struct fix *f, const struct stub_reply *r, int n, const char *path)
{
	if (stub_start(&f->s, r, n))
		return -1;
	arena_init(&f->a, NULL, 0, 1 << 20);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d%s", f->s.port, path);
	return 0;
}

static int run(struct fix *f, const struct httpc_req *rq)
{
	return httpc_do(&f->a, rq, &f->out, f->msg, sizeof f->msg);
}

static void fix_stop(struct fix *f)
{
	arena_free(&f->a);
	stub_stop(&f->s);
}

TEST(httpc_returns_status_and_body_of_any_answer)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "{\"ok\":true}"},
				 {.status = 404, .body = "nope"}};
	REQUIRE(fix_start(&f, r, 2, "/x?a=1") == 0);
	struct httpc_req rq = {.method = "GET", .url = f.url};
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_INT(f.out.status, 200);
	CHECK_EQ_STR(f.out.body, "{\"ok\":true}");
	CHECK_EQ_INT(f.out.len, 11);
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_INT(f.out.status, 404);
	CHECK_EQ_STR(f.out.body, "nope");
	CHECK_EQ_STR(f.s.paths[0], "GET /x");
	fix_stop(&f);
}

TEST(httpc_posts_body_with_bearer_and_content_type)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "{}"}};
	REQUIRE(fix_start(&f, r, 1, "/p") == 0);
	struct httpc_req rq = {.method = "POST", .url = f.url, .bearer = "tok",
			       .content_type = "application/json", .body = "{\"a\":1}",
			       .body_len = 7};
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_STR(f.s.paths[0], "POST /p");
	CHECK_EQ_STR(f.s.body[0], "{\"a\":1}");
	CHECK(f.s.auth[0]);
	rq.bearer = NULL;
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK(!f.s.auth[1]);
	fix_stop(&f);
}

TEST(httpc_refuses_a_body_past_the_cap)
{
	static char big[5000];
	memset(big, 'x', sizeof big - 1);
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = big}};
	REQUIRE(fix_start(&f, r, 1, "/") == 0);
	struct httpc_req rq = {.method = "GET", .url = f.url, .max_response = 4096};
	CHECK_EQ_INT(run(&f, &rq), ERR_TOOBIG);
	CHECK(strstr(f.msg, "4096") != NULL);
	rq.max_response = 4999;
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_INT(f.out.len, 4999);
	fix_stop(&f);
}

TEST(httpc_times_out_on_a_hung_server)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "{}", .delay_ms = 1500}};
	REQUIRE(fix_start(&f, r, 1, "/") == 0);
	struct httpc_req rq = {.method = "GET", .url = f.url, .timeout_ms = 200};
	int64_t t0 = clock_mono_ns();
	CHECK_EQ_INT(run(&f, &rq), ERR_IO);
	int64_t ms = (clock_mono_ns() - t0) / 1000000;
	CHECK(ms >= 150 && ms < 1200);
	CHECK(strstr(f.msg, "imeout") || strstr(f.msg, "timed out"));
	fix_stop(&f);
}

TEST(httpc_reads_retry_after_in_seconds_and_as_a_date)
{
	char date[64];
	time_t later = time(NULL) + 120;
	struct tm tm;
	gmtime_r(&later, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	struct fix f;
	struct stub_reply r[] = {
		{.status = 429, .body = "{}", .header = "Retry-After", .value = "7"},
		{.status = 503, .body = "{}", .header = "Retry-After", .value = date},
		{.status = 429, .body = "{}", .header = "RateLimit-Reset", .value = "0"},
	};
	REQUIRE(fix_start(&f, r, 3, "/") == 0);
	struct httpc_req rq = {.method = "GET", .url = f.url};
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_INT(f.out.status, 429);
	CHECK_EQ_INT(f.out.retry_after_ms, 7000);
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK(f.out.retry_after_ms > 100000 && f.out.retry_after_ms <= 120000);
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_INT(f.out.retry_after_ms, 0);      /* a reset in the past: no wait */
	fix_stop(&f);
}

TEST(httpc_sends_delete_and_extra_headers_and_reads_an_iso_rate_limit_reset)
{
	char date[TZ_RFC3339_SIZE];
	REQUIRE(tz_format_rfc3339(tz_utc(), clock_now_ms() + 90000, date) == ERR_OK);
	struct fix f;
	struct stub_reply r[] = {{.status = 429, .body = "{}", .header = "X-RateLimit-Reset",
				  .value = date}};
	REQUIRE(fix_start(&f, r, 1, "/s/1") == 0);
	const char *hdrs[] = {"Idempotency-Key: abc", NULL};
	struct httpc_req rq = {.method = "DELETE", .url = f.url, .headers = hdrs};
	CHECK_EQ_INT(run(&f, &rq), ERR_OK);
	CHECK_EQ_STR(f.s.paths[0], "DELETE /s/1");
	CHECK_EQ_STR(f.s.idem[0], "abc");
	CHECK_EQ_INT(f.out.retry_after_ms, 0);          /* not a Retry-After */
	CHECK(f.out.ratelimit_reset_ms > 85000 && f.out.ratelimit_reset_ms <= 90000);
	const char *bad[] = {"X-A: 1\r\nX-B: 2", NULL};
	rq.headers = bad;
	CHECK_EQ_INT(run(&f, &rq), ERR_INVAL);
	CHECK_EQ_INT(stub_hits(&f.s), 1);
	fix_stop(&f);
}

TEST(httpc_reports_a_refused_connection_as_io_error)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "{}"}};
	REQUIRE(fix_start(&f, r, 1, "/") == 0);
	stub_stop(&f.s);            /* nothing listens there any more */
	struct httpc_req rq = {.method = "GET", .url = f.url};
	CHECK_EQ_INT(run(&f, &rq), ERR_IO);
	CHECK(f.msg[0] != '\0');
	rq.url = "ftp://127.0.0.1/";
	CHECK_EQ_INT(run(&f, &rq), ERR_INVAL);
	rq.method = "PATCH";
	CHECK_EQ_INT(run(&f, &rq), ERR_INVAL);
	arena_free(&f.a);
}

TEST(httpc_escapes_query_values)
{
	char buf[64];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, sizeof buf);
	sb_add_urlenc(&sb, "did:plc:a b&c=d/é~._-");
	CHECK_EQ_STR(sb_str(&sb), "did%3Aplc%3Aa%20b%26c%3Dd%2F%C3%A9~._-");
	sb_free(&sb);
}
