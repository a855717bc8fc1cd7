/* Tests of the Mastodon connector against recorded responses: a scripted
 * loopback server (stub_http.h) answers with the JSON files of
 * tests/connectors/mastodon/ (shaped after the entities of Mastodon's
 * published API, see the README there), never a live instance. Each test
 * asserts what the connector sent (method, path, query, Authorization,
 * Idempotency-Key, body) and what it made of the answer. */
#include "harness.h"

#include <jansson.h>
#include <stdlib.h>

#include "connectors/connector.h"
#include "connectors/stub_http.h"
#include "core/arena.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/tz.h"

#define REC "tests/connectors/mastodon/"
#define ACCOUNT_ID "109384737220012345"
#define STATUS_ID "113315447286190842"
#define MEDIA_ID "113315447011223344"

static const char SESSION[] = "{\"acct\":\"tribu_demo\",\"id\":\"" ACCOUNT_ID "\","
			      "\"token\":\"tok-123\",\"url\":\"https://mastodon.example/@tribu_demo\"}";

struct fix {
	struct stub s;
	struct arena a;
	char url[64];
	struct connector_ctx c;
	const struct connector_ops *m;
	char *files[STUB_MAX];
	int nfiles;
};

/* A recorded answer, kept until fix_stop. */
static const char *rec(struct fix *f, const char *name)
{
	char path[160];
	snprintf(path, sizeof path, REC "%s", name);
	FILE *fp = fopen(path, "rb");
	if (!fp)
		return NULL;
	char *buf = malloc(1 << 16);
	size_t n = buf ? fread(buf, 1, (1 << 16) - 1, fp) : 0;
	fclose(fp);
	if (!buf)
		return NULL;
	buf[n] = '\0';
	f->files[f->nfiles++] = buf;
	return buf;
}

static int fix_start(struct fix *f, struct stub_reply *r, int n)
{
	for (int i = 0; i < n; i++)
		if (r[i].body && r[i].body[0] == '@') {      /* "@name.json": a recorded file */
			r[i].body = rec(f, r[i].body + 1);
			if (!r[i].body)
				return -1;
		}
	if (stub_start(&f->s, r, n))
		return -1;
	arena_init(&f->a, NULL, 0, 1 << 20);
	snprintf(f->url, sizeof f->url, "http://127.0.0.1:%d", f->s.port);
	f->c = (struct connector_ctx){.arena = &f->a, .base_url = f->url, .session = SESSION};
	f->m = connector_find("mastodon");
	return f->m ? 0 : -1;
}

#define START(f, r) do { memset(&(f), 0, sizeof (f)); \
	REQUIRE(fix_start(&(f), (r), (int)(sizeof (r) / sizeof (r)[0])) == 0); } while (0)

static void fix_stop(struct fix *f)
{
	arena_free(&f->a);
	stub_stop(&f->s);
	for (int i = 0; i < f->nfiles; i++)
		free(f->files[i]);
}

/* The JSON body request `i` sent. */
static json_t *sent_json(struct fix *f, int i)
{
	return json_loadb(f->s.body[i], f->s.body_len[i], 0, NULL);
}

/* Does request `i`'s body (binary: an image may hold NULs) contain `s`? */
static bool sent_has(struct fix *f, int i, const char *s)
{
	return memmem(f->s.body[i], f->s.body_len[i], s, strlen(s)) != NULL;
}

static const char *member(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool idem_shape_ok(const char *v)
{
	if (strncmp(v, "tribu-", 6) != 0 || strlen(v) != 38)
		return false;
	for (const char *p = v + 6; *p; p++)
		if (!strchr("0123456789abcdef", *p))
			return false;
	return true;
}

TEST(mastodon_recorded_login_checks_the_token_and_stores_the_account)
{
	struct fix f;
	struct connector_account me;
	struct stub_reply r[] = {{.status = 200, .body = "@account.json"}};
	START(f, r);
	f.c.session = NULL;
	CHECK_EQ_INT(f.m->login(&f.c, "", "tok-abc", &me), ERR_OK);
	CHECK_EQ_STR(f.s.paths[0], "GET /api/v1/accounts/verify_credentials");
	CHECK_EQ_STR(f.s.authz[0], "Bearer tok-abc");
	CHECK_EQ_STR(me.id, ACCOUNT_ID);
	CHECK_EQ_STR(me.name, "@tribu_demo");
	CHECK(f.c.session_changed);
	json_t *s = json_loads(f.c.session, 0, NULL);
	CHECK_EQ_STR(member(s, "token"), "tok-abc");
	CHECK_EQ_STR(member(s, "id"), ACCOUNT_ID);
	CHECK_EQ_STR(member(s, "acct"), "tribu_demo");
	CHECK_EQ_STR(member(s, "url"), "https://mastodon.example/@tribu_demo");
	json_decref(s);

	/* The handle typed may name the account, with or without its domain. */
	CHECK_EQ_INT(f.m->login(&f.c, "@Tribu_Demo@mastodon.example", "tok-abc", &me), ERR_OK);
	CHECK_EQ_INT(f.m->login(&f.c, "tribu_demo", "tok-abc", &me), ERR_OK);
	CHECK_EQ_INT(f.m->login(&f.c, "someone_else", "tok-abc", &me), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK(strstr(f.c.res.msg, "@tribu_demo") != NULL);
	CHECK_EQ_INT(f.m->login(&f.c, "tribu_demo@other.example", "tok-abc", &me), ERR_DENIED);
	fix_stop(&f);
}

TEST(mastodon_recorded_login_with_a_bad_token_needs_reauth)
{
	struct fix f;
	struct connector_account me;
	struct stub_reply r[] = {{.status = 401, .body = "@error_token.json"}};
	START(f, r);
	f.c.session = NULL;
	CHECK_EQ_INT(f.m->login(&f.c, NULL, "wrong", &me), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK_EQ_INT(f.c.res.http_status, 401);
	CHECK(strstr(f.c.res.msg, "The access token is invalid") != NULL);
	CHECK(!f.c.session_changed);
	CHECK(f.c.session == NULL);
	/* No instance URL, or no token: refused before any request. */
	f.c.base_url = NULL;
	CHECK_EQ_INT(f.m->login(&f.c, NULL, "tok", &me), ERR_INVAL);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	f.c.base_url = f.url;
	CHECK_EQ_INT(f.m->login(&f.c, NULL, "", &me), ERR_DENIED);
	CHECK_EQ_INT(stub_hits(&f.s), 1);
	fix_stop(&f);
}

TEST(mastodon_recorded_refresh_finds_a_revoked_token)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "@account.json"},
				 {.status = 401, .body = "@error_revoked.json"}};
	START(f, r);
	CHECK_EQ_INT(f.m->refresh(&f.c), ERR_OK);
	CHECK_EQ_STR(f.s.authz[0], "Bearer tok-123");
	CHECK(!f.c.session_changed);            /* the same account: nothing to store */
	CHECK_EQ_INT(f.m->refresh(&f.c), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK(strstr(f.c.res.msg, "revoked") != NULL);
	fix_stop(&f);
}

TEST(mastodon_recorded_publish_text_sends_status_language_visibility_and_key)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json"}};
	START(f, r);
	struct connector_post p = {.idem_key = "post-42/channel-7",
				   .text = "Bonjour à toutes et tous ! Rencontre jeudi.",
				   .lang = "fr-CA", .visibility = "unlisted",
				   .content_warning = "Annonce"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_INT(stub_hits(&f.s), 1);
	CHECK_EQ_STR(f.s.paths[0], "POST /api/v1/statuses");
	CHECK_EQ_STR(f.s.authz[0], "Bearer tok-123");
	CHECK_EQ_STR(f.s.ctype[0], "application/json");
	CHECK(idem_shape_ok(f.s.idem[0]));
	json_t *b = sent_json(&f, 0);
	REQUIRE(b != NULL);
	CHECK_EQ_STR(member(b, "status"), p.text);
	CHECK_EQ_STR(member(b, "language"), "fr");
	CHECK_EQ_STR(member(b, "visibility"), "unlisted");
	CHECK_EQ_STR(member(b, "spoiler_text"), "Annonce");
	CHECK(json_object_get(b, "media_ids") == NULL);
	CHECK(json_object_get(b, "in_reply_to_id") == NULL);
	json_decref(b);
	CHECK_EQ_STR(ref.id, STATUS_ID);
	CHECK_EQ_STR(ref.url, "https://mastodon.example/@tribu_demo/" STATUS_ID);
	CHECK(ref.cid == NULL);
	fix_stop(&f);
}

TEST(mastodon_recorded_publish_with_image_uploads_then_polls_until_processed)
{
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0,
					    13, 'I', 'H', 'D', 'R', 0, 0, 4, 0xb0};
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 202, .body = "@media_processing.json"},
		{.status = 206, .body = "@media_processing.json"},
		{.status = 200, .body = "@media_done.json"},
		{.status = 200, .body = "@status.json"},
	};
	START(f, r);
	struct connector_media m = {.data = png, .len = sizeof png, .mime = "image/png",
				    .alt = "Affiche de la rencontre : jeudi 19 h, salle des fêtes."};
	struct connector_post p = {.idem_key = "k-img", .text = "Rencontre jeudi", .media = &m,
				   .n_media = 1};
	int64_t t0 = clock_mono_ns();
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	int64_t ms = (clock_mono_ns() - t0) / 1000000;
	CHECK(ms >= 700 && ms < 5000);          /* two short waits: 250 ms, 500 ms */
	REQUIRE(stub_hits(&f.s) == 4);
	CHECK_EQ_STR(f.s.paths[0], "POST /api/v2/media");
	CHECK_EQ_STR(f.s.paths[1], "GET /api/v1/media/" MEDIA_ID);
	CHECK_EQ_STR(f.s.paths[2], "GET /api/v1/media/" MEDIA_ID);
	CHECK_EQ_STR(f.s.paths[3], "POST /api/v1/statuses");
	for (int i = 0; i < 4; i++)
		CHECK_EQ_STR(f.s.authz[i], "Bearer tok-123");
	/* The upload: multipart, the file and its description. */
	const char *ct = f.s.ctype[0], *body = f.s.body[0];
	char close[128];
	CHECK(strncmp(ct, "multipart/form-data; boundary=", 30) == 0);
	CHECK(sent_has(&f, 0, "Content-Disposition: form-data; name=\"file\"; filename=\"image.png\""));
	CHECK(memmem(body, f.s.body_len[0], png, sizeof png) != NULL);
	CHECK(sent_has(&f, 0, "Content-Type: image/png\r\n\r\n\x89PNG"));
	CHECK(sent_has(&f, 0, "name=\"description\"\r\n\r\nAffiche de la rencontre : jeudi 19 h, "
			      "salle des fêtes.\r\n--"));
	CHECK(strncmp(body + 2, ct + 30, strlen(ct + 30)) == 0);   /* opens with --boundary */
	snprintf(close, sizeof close, "\r\n--%s--\r\n", ct + 30);
	CHECK(sent_has(&f, 0, close));
	CHECK(f.s.idem[0][0] == '\0');                  /* the key goes on the status only */
	json_t *b = sent_json(&f, 3);
	json_t *ids = json_object_get(b, "media_ids");
	CHECK_EQ_INT(json_array_size(ids), 1);
	CHECK_EQ_STR(json_string_value(json_array_get(ids, 0)), MEDIA_ID);
	json_decref(b);
	CHECK(idem_shape_ok(f.s.idem[3]));
	CHECK_EQ_STR(ref.id, STATUS_ID);
	fix_stop(&f);
}

TEST(mastodon_recorded_idempotency_key_is_identical_across_retries_and_500_retries)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 500, .body = "@error_server.json"},
		{.status = 200, .body = "@status.json"},
		{.status = 200, .body = "@status.json"},
	};
	START(f, r);
	struct connector_post p = {.idem_key = "post-42/channel-7", .text = "hello"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.c.res.http_status, 500);
	CHECK(strstr(f.c.res.msg, "POST /api/v1/statuses: HTTP 500") != NULL);
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_STR(ref.id, STATUS_ID);
	CHECK(idem_shape_ok(f.s.idem[0]));
	CHECK_EQ_STR(f.s.idem[0], f.s.idem[1]);
	p.idem_key = "post-43/channel-7";          /* another post: another key */
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	CHECK(strcmp(f.s.idem[2], f.s.idem[0]) != 0);
	fix_stop(&f);
}

TEST(mastodon_recorded_unprocessable_post_fails_with_the_servers_message)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 422, .body = "@error_too_long.json"}};
	START(f, r);
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_INVAL);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	CHECK_EQ_INT(f.c.res.http_status, 422);
	CHECK(strstr(f.c.res.msg, "Validation failed: Text character limit of 500 exceeded") != NULL);
	fix_stop(&f);
}

TEST(mastodon_recorded_rate_limit_retries_after_the_servers_reset)
{
	char date[TZ_RFC3339_SIZE];
	REQUIRE(tz_format_rfc3339(tz_utc(), clock_now_ms() + 60000, date) == ERR_OK);
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 429, .body = "@error_rate_limited.json", .header = "X-RateLimit-Reset",
		 .value = date},
		{.status = 429, .body = "@error_rate_limited.json", .header = "Retry-After",
		 .value = "30"},
	};
	START(f, r);
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.c.res.http_status, 429);
	CHECK(f.c.res.retry_after_ms > 55000 && f.c.res.retry_after_ms <= 60000);
	CHECK(strstr(f.c.res.msg, "Too many requests") != NULL);
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.retry_after_ms, 30000);
	CHECK_EQ_INT(stub_hits(&f.s), 2);
	fix_stop(&f);
}

TEST(mastodon_recorded_timeout_is_transient)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json", .delay_ms = 1500}};
	START(f, r);
	f.c.timeout_ms = 200;
	struct connector_post p = {.idem_key = "k", .text = "hello"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_IO);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	CHECK_EQ_INT(f.c.res.http_status, 0);
	fix_stop(&f);
}

TEST(mastodon_recorded_reply_names_its_parent_and_a_deleted_parent_fails)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json"},
				 {.status = 404, .body = "@error_not_found.json"}};
	START(f, r);
	struct connector_ref root = {.id = "113300000000000001"}, parent = {.id = "113300000000000002"};
	struct connector_post p = {.idem_key = "k", .text = "merci !", .reply_root = &root,
				   .reply_parent = &parent};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	json_t *b = sent_json(&f, 0);
	CHECK_EQ_STR(member(b, "in_reply_to_id"), "113300000000000002");
	json_decref(b);
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_NOTFOUND);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	CHECK(strstr(f.c.res.msg, "replies to is gone") != NULL);
	fix_stop(&f);
}

TEST(mastodon_recorded_lookup_finds_the_status_published_under_the_key)
{
	struct fix f;
	struct connector_ref ref, found;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json"}};
	START(f, r);
	struct connector_post p = {.idem_key = "post-42/channel-7", .text = "hello"};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_INT(f.m->lookup(&f.c, "post-42/channel-7", &found), ERR_OK);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	/* The probe: the same create, the same key, an empty status. */
	CHECK_EQ_STR(f.s.paths[1], "POST /api/v1/statuses");
	CHECK_EQ_STR(f.s.idem[1], f.s.idem[0]);
	json_t *b = sent_json(&f, 1);
	CHECK_EQ_STR(member(b, "status"), "");
	CHECK_EQ_INT(json_object_size(b), 1);
	json_decref(b);
	CHECK_EQ_STR(found.id, STATUS_ID);
	CHECK_EQ_STR(found.url, ref.url);
	fix_stop(&f);
}

TEST(mastodon_recorded_lookup_not_found_when_the_empty_probe_is_refused)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 422, .body = "@error_blank.json"},
				 {.status = 404, .body = "@error_not_found.json"},
				 {.status = 503, .body = "@error_server.json"}};
	START(f, r);
	CHECK_EQ_INT(f.m->lookup(&f.c, "never-published", &ref), ERR_NOTFOUND);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);         /* publishing is safe */
	CHECK_EQ_INT(f.c.res.http_status, 422);
	/* The key named a status since deleted: not found, but do not publish. */
	CHECK_EQ_INT(f.m->lookup(&f.c, "deleted-since", &ref), ERR_NOTFOUND);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	/* The server cannot tell now: ask again later. */
	CHECK_EQ_INT(f.m->lookup(&f.c, "k", &ref), ERR_BUSY);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_RETRY);
	f.c.session = NULL;
	CHECK_EQ_INT(f.m->lookup(&f.c, "k", &ref), ERR_DENIED);
	CHECK_EQ_INT(stub_hits(&f.s), 3);
	fix_stop(&f);
}

/* 2024-10-15T09:30:12.345Z, when status.json was created. */
static int64_t status_time(void)
{
	int64_t t = 0;
	tz_parse_rfc3339("2024-10-15T09:30:12.345Z", 24, &t, NULL);
	return t;
}

TEST(mastodon_recorded_publish_past_the_keys_hour_finds_the_earlier_status_by_its_text)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 200, .body = "@statuses.json"},
		{.status = 200, .body = "@source_other.json"},
		{.status = 200, .body = "@source.json"},
	};
	START(f, r);
	clock_set_fake(status_time() + 3 * 3600 * 1000);    /* three hours later */
	/* Mastodon strips the trailing newline; the comparison does too. */
	struct connector_post p = {.idem_key = "k",
				   .text = "Bonjour à toutes et tous ! Rencontre jeudi.\n",
				   .created_at_ms = status_time() - 60 * 1000};
	int rc = f.m->publish(&f.c, &p, &ref);
	clock_set_fake(0);
	CHECK_EQ_INT(rc, ERR_OK);
	CHECK_EQ_STR(ref.id, STATUS_ID);
	REQUIRE(stub_hits(&f.s) == 3);                      /* no create */
	CHECK_EQ_STR(f.s.paths[0], "GET /api/v1/accounts/" ACCOUNT_ID "/statuses");
	CHECK(strstr(f.s.query[0], "limit=40") != NULL);
	/* The status with an image is no candidate; the other text is read and
	 * differs; then ours. */
	CHECK_EQ_STR(f.s.paths[1], "GET /api/v1/statuses/113315700000000002/source");
	CHECK_EQ_STR(f.s.paths[2], "GET /api/v1/statuses/" STATUS_ID "/source");
	fix_stop(&f);
}

TEST(mastodon_recorded_publish_past_the_keys_hour_creates_when_no_status_matches)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {
		{.status = 200, .body = "@statuses.json"},
		{.status = 200, .body = "@source_other.json"},
		{.status = 200, .body = "@source.json"},
		{.status = 200, .body = "@status.json"},
	};
	START(f, r);
	clock_set_fake(status_time() + 3 * 3600 * 1000);
	struct connector_post p = {.idem_key = "k", .text = "Un tout autre texte",
				   .created_at_ms = status_time() - 60 * 1000};
	int rc = f.m->publish(&f.c, &p, &ref);
	clock_set_fake(0);
	CHECK_EQ_INT(rc, ERR_OK);
	/* The list stops at the status older than the window: one page only. */
	REQUIRE(stub_hits(&f.s) == 4);
	CHECK_EQ_STR(f.s.paths[3], "POST /api/v1/statuses");
	CHECK(idem_shape_ok(f.s.idem[3]));
	fix_stop(&f);
}

TEST(mastodon_recorded_delete_and_delete_of_a_gone_status)
{
	struct fix f;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json"},
				 {.status = 404, .body = "@error_not_found.json"},
				 {.status = 403, .body = "{\"error\":\"This action is not allowed\"}"}};
	START(f, r);
	CHECK_EQ_INT(f.m->delete(&f.c, STATUS_ID), ERR_OK);
	CHECK_EQ_STR(f.s.paths[0], "DELETE /api/v1/statuses/" STATUS_ID);
	CHECK_EQ_STR(f.s.authz[0], "Bearer tok-123");
	CHECK_EQ_INT(f.m->delete(&f.c, STATUS_ID), ERR_OK);      /* already gone */
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_DONE);
	CHECK_EQ_INT(f.m->delete(&f.c, STATUS_ID), ERR_DENIED);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_REAUTH);
	CHECK_EQ_INT(f.m->delete(&f.c, ""), ERR_INVAL);
	CHECK_EQ_INT(stub_hits(&f.s), 3);
	fix_stop(&f);
}

TEST(mastodon_recorded_limits_refuse_without_a_request_and_count_links_as_23)
{
	struct fix f;
	struct connector_ref ref;
	struct stub_reply r[] = {{.status = 200, .body = "@status.json"}};
	START(f, r);
	char text[1024];
	size_t n;
	/* 501 characters: refused, nothing sent. */
	memset(text, 'a', 501);
	text[501] = '\0';
	struct connector_post p = {.idem_key = "k", .text = text};
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_TOOBIG);
	CHECK_EQ_INT(f.c.res.fate, CONNECTOR_FAIL);
	CHECK(strstr(f.c.res.msg, "501") != NULL);
	text[500] = '\0';
	CHECK_EQ_INT(f.m->measure(text, 500, &n), ERR_OK);
	CHECK_EQ_INT(n, 500);
	/* 600 characters of which a 150-character link counts 23: 473. */
	char link[160];
	snprintf(link, sizeof link, "https://example.org/%0129d", 7);
	CHECK_EQ_INT(strlen(link), 149);
	memset(text, 'b', 450);
	text[450] = ' ';
	memcpy(text + 451, link, 149);
	text[600] = '\0';
	CHECK_EQ_INT(f.m->measure(text, 600, &n), ERR_OK);
	CHECK_EQ_INT(n, 451 + 23);
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_OK);
	CHECK_EQ_INT(stub_hits(&f.s), 1);
	/* A mention counts its local part only. */
	CHECK_EQ_INT(f.m->measure("hi @camille@pouet.example", 25, &n), ERR_OK);
	CHECK_EQ_INT(n, 11);
	/* The content warning counts with the text. */
	p.content_warning = "0123456789012345678901234567";
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_TOOBIG);
	p.content_warning = NULL;
	p.visibility = "followers";
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_INVAL);
	p.visibility = NULL;
	/* Alt text: 1,500 code points at most, as Mastodon counts them. */
	static char alt[1600];
	static const unsigned char px[] = {0xff, 0xd8, 0xff, 0xe0};
	memset(alt, 'x', 1501);
	struct connector_media m = {.data = px, .len = sizeof px, .mime = "image/jpeg", .alt = alt};
	p.text = "photo";
	p.media = &m;
	p.n_media = 1;
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_TOOBIG);
	m.mime = "image/bmp";
	alt[100] = '\0';
	CHECK_EQ_INT(f.m->publish(&f.c, &p, &ref), ERR_INVAL);
	CHECK_EQ_INT(stub_hits(&f.s), 1);
	const struct connector_limits *l = f.m->limits;
	CHECK_EQ_INT(l->max_len, 500);
	CHECK_EQ_INT(l->max_media, 4);
	CHECK_EQ_INT(l->max_media_bytes, 16 * 1024 * 1024);
	CHECK_EQ_INT(l->max_alt_len, 1500);
	CHECK_EQ_INT(l->link_len, 23);
	fix_stop(&f);
}

TEST(mastodon_recorded_fetch_returns_mentions_as_plain_text_with_a_cursor)
{
	struct fix f;
	struct connector_page page;
	struct stub_reply r[] = {{.status = 200, .body = "@notifications.json"},
				 {.status = 200, .body = "[]"}};
	START(f, r);
	CHECK_EQ_INT(f.m->fetch(&f.c, NULL, &page), ERR_OK);
	CHECK_EQ_STR(f.s.paths[0], "GET /api/v1/notifications");
	CHECK(strstr(f.s.query[0], "types[]=mention") != NULL);
	CHECK(strstr(f.s.query[0], "min_id") == NULL);
	REQUIRE(page.n == 2);
	CHECK_EQ_STR(page.cursor, "35021");
	const struct connector_item *it = &page.items[0];
	CHECK_EQ_STR(it->ref.id, "113316000000000010");
	CHECK_EQ_STR(it->ref.url, "https://pouet.example/@camille/113316000000000010");
	CHECK_EQ_STR(it->parent.id, STATUS_ID);
	CHECK_EQ_STR(it->author.id, "109500000000000777");
	CHECK_EQ_STR(it->author.name, "@camille@pouet.example");
	CHECK_EQ_STR(it->text, "@tribu_demo J'y serai !\nAvec Dom & Lou <3\n\nÀ jeudi");
	CHECK(it->mention);
	int64_t when = 0;
	tz_parse_rfc3339("2024-10-15T12:00:05.000Z", 24, &when, NULL);
	CHECK_EQ_INT(it->created_at_ms, when);
	CHECK(page.items[1].parent.id == NULL);
	CHECK_EQ_INT(f.m->fetch(&f.c, "35021", &page), ERR_OK);
	CHECK(strstr(f.s.query[1], "min_id=35021") != NULL);
	CHECK_EQ_INT(page.n, 0);
	CHECK_EQ_STR(page.cursor, "35021");         /* nothing new: stay where we were */
	fix_stop(&f);
}
