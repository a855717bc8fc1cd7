#include "harness.h"

#include "connectors/httpc.h"
#include "connectors/stub_http.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/sb.h"

static const char *url_of(struct stub *s, const char *path, char *buf, size_t n)
{
	snprintf(buf, n, "http://127.0.0.1:%d%s", s->port, path);
	return buf;
}

TEST(httpc_returns_status_and_body_of_any_answer)
{
	struct stub s;
	struct stub_reply r[] = {{.status = 200, .body = "{\"ok\":true}"},
				 {.status = 404, .body = "nope"}};
	REQUIRE(stub_start(&s, r, 2) == 0);
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	struct httpc_req rq = {.method = "GET", .url = url_of(&s, "/x?a=1", url, sizeof url)};
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(out.status, 200);
	CHECK_EQ_STR(out.body, "{\"ok\":true}");
	CHECK_EQ_INT(out.len, 11);
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(out.status, 404);
	CHECK_EQ_STR(out.body, "nope");
	CHECK_EQ_STR(s.paths[0], "GET /x");
	arena_free(&a);
	stub_stop(&s);
}

TEST(httpc_posts_body_with_bearer_and_content_type)
{
	struct stub s;
	struct stub_reply r[] = {{.status = 200, .body = "{}"}};
	REQUIRE(stub_start(&s, r, 1) == 0);
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	struct httpc_req rq = {.method = "POST", .url = url_of(&s, "/p", url, sizeof url),
			       .bearer = "tok", .content_type = "application/json",
			       .body = "{\"a\":1}", .body_len = 7};
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_STR(s.paths[0], "POST /p");
	CHECK_EQ_STR(s.body[0], "{\"a\":1}");
	CHECK(s.auth[0]);
	rq.bearer = NULL;
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK(!s.auth[1]);
	arena_free(&a);
	stub_stop(&s);
}

TEST(httpc_refuses_a_body_past_the_cap)
{
	static char big[5000];
	memset(big, 'x', sizeof big - 1);
	struct stub s;
	struct stub_reply r[] = {{.status = 200, .body = big}};
	REQUIRE(stub_start(&s, r, 1) == 0);
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	struct httpc_req rq = {.method = "GET", .url = url_of(&s, "/", url, sizeof url),
			       .max_response = 4096};
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_TOOBIG);
	CHECK(strstr(msg, "4096") != NULL);
	rq.max_response = 4999;
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(out.len, 4999);
	arena_free(&a);
	stub_stop(&s);
}

TEST(httpc_times_out_on_a_hung_server)
{
	struct stub s;
	struct stub_reply r[] = {{.status = 200, .body = "{}", .delay_ms = 1500}};
	REQUIRE(stub_start(&s, r, 1) == 0);
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	struct httpc_req rq = {.method = "GET", .url = url_of(&s, "/", url, sizeof url),
			       .timeout_ms = 200};
	int64_t t0 = clock_mono_ns();
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_IO);
	int64_t ms = (clock_mono_ns() - t0) / 1000000;
	CHECK(ms >= 150 && ms < 1200);
	CHECK(strstr(msg, "imeout") || strstr(msg, "timed out"));
	arena_free(&a);
	stub_stop(&s);
}

TEST(httpc_reads_retry_after_in_seconds_and_as_a_date)
{
	char date[64];
	time_t later = time(NULL) + 120;
	struct tm tm;
	gmtime_r(&later, &tm);
	strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
	struct stub s;
	struct stub_reply r[] = {
		{.status = 429, .body = "{}", .header = "Retry-After", .value = "7"},
		{.status = 503, .body = "{}", .header = "Retry-After", .value = date},
		{.status = 429, .body = "{}", .header = "RateLimit-Reset", .value = "0"},
	};
	REQUIRE(stub_start(&s, r, 3) == 0);
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	struct httpc_req rq = {.method = "GET", .url = url_of(&s, "/", url, sizeof url)};
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(out.status, 429);
	CHECK_EQ_INT(out.retry_after_ms, 7000);
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK(out.retry_after_ms > 100000 && out.retry_after_ms <= 120000);
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(out.retry_after_ms, 0);        /* a reset in the past: no wait */
	arena_free(&a);
	stub_stop(&s);
}

TEST(httpc_reports_a_refused_connection_as_io_error)
{
	struct stub s;
	struct stub_reply r[] = {{.status = 200, .body = "{}"}};
	REQUIRE(stub_start(&s, r, 1) == 0);
	int port = s.port;
	stub_stop(&s);              /* nothing listens there any more */
	struct arena a;
	struct httpc_resp out;
	char url[128], msg[128];
	arena_init(&a, NULL, 0, 1 << 20);
	snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
	struct httpc_req rq = {.method = "GET", .url = url};
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_IO);
	CHECK(msg[0] != '\0');
	rq.url = "ftp://127.0.0.1/";
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_INVAL);
	rq.method = "DELETE";
	CHECK_EQ_INT(httpc_do(&a, &rq, &out, msg, sizeof msg), ERR_INVAL);
	arena_free(&a);
}

TEST(httpc_escapes_query_values)
{
	char buf[64];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, sizeof buf);
	httpc_add_escaped(&sb, "did:plc:a b&c=d/é~._-");
	CHECK_EQ_STR(sb_str(&sb), "did%3Aplc%3Aa%20b%26c%3Dd%2F%C3%A9~._-");
	sb_free(&sb);
}
