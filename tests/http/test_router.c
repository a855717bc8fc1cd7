#include "harness.h"

#include "auth/auth.h"
#include "core/err.h"
#include "http/http.h"
#include "http/http_int.h"

static void nop(struct req *r) { (void)r; }

TEST(route_table_of_the_product_passes_its_own_rules)
{
	char msg[256] = "";
	CHECK_EQ_INT(http_routes_check(http_routes, http_routes_count, msg, sizeof msg), ERR_OK);
	if (*msg)
		fprintf(stderr, "    %s\n", msg);
}

TEST(route_check_refuses_a_workspace_route_without_roles)
{
	char msg[256];
	struct route bad[] = {{"GET", "/api/v1/workspaces/:ws/posts", nop, HTTP_JSON, "x"}};
	CHECK_EQ_INT(http_routes_check(bad, 1, msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "/api/v1/workspaces/:ws/posts") != NULL);
	struct route bad2[] = {{"GET", "/api/v1/things", nop, 0, "x"}};
	CHECK_EQ_INT(http_routes_check(bad2, 1, msg, sizeof msg), ERR_INVAL);
	struct route bad3[] = {{"GET", "/api/v1/things", nop, HTTP_PUBLIC | ROLE_ADMIN, "x"}};
	CHECK_EQ_INT(http_routes_check(bad3, 1, msg, sizeof msg), ERR_INVAL);
	struct route dup[] = {{"GET", "/a", nop, HTTP_PUBLIC, "x"}, {"GET", "/a", nop, HTTP_PUBLIC, "y"}};
	CHECK_EQ_INT(http_routes_check(dup, 2, msg, sizeof msg), ERR_INVAL);
	struct route ok[] = {{"GET", "/api/v1/workspaces/:ws/x", nop, ROLE_OWNER, "x"}};
	CHECK_EQ_INT(http_routes_check(ok, 1, msg, sizeof msg), ERR_OK);
}

TEST(router_captures_parameters_and_tells_a_wrong_method)
{
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 16);
	struct req r = {.a = &a};
	const char *allow;
	int i = http_route_find("PATCH", "/api/v1/workspaces/12/members/34", &r, &allow);
	REQUIRE(i >= 0);
	CHECK_EQ_STR(http_routes[i].pattern, "/api/v1/workspaces/:ws/members/:account");
	CHECK_EQ_STR(http_param(&r, "ws"), "12");
	CHECK_EQ_STR(http_param(&r, "account"), "34");
	int64_t id;
	CHECK(http_param_id(&r, "ws", &id) && id == 12);

	struct req r2 = {.a = &a};
	CHECK_EQ_INT(http_route_find("PUT", "/api/v1/workspaces/12", &r2, &allow), -1);
	CHECK(allow != NULL);
	CHECK_EQ_INT(http_route_find("GET", "/api/v1/nothing", &r2, &allow), -1);
	CHECK(allow == NULL);
	CHECK_EQ_INT(http_route_find("GET", "/api/v1/workspaces/", &r2, &allow), -1);
	CHECK_EQ_INT(http_route_find("GET", "/api/v1/workspaces//members", &r2, &allow), -1);
	CHECK_EQ_INT(http_route_find("GET", "/healthz/", &r2, &allow), -1);
	CHECK(http_route_find("HEAD", "/healthz", &r2, &allow) >= 0);

	struct req r3 = {.a = &a};
	CHECK(http_route_find("GET", "/api/v1/workspaces/abc", &r3, &allow) >= 0);
	CHECK(!http_param_id(&r3, "ws", &id));
	struct req r4 = {.a = &a};
	CHECK(http_route_find("GET", "/api/v1/workspaces/99999999999999999999", &r4, &allow) >= 0);
	CHECK(!http_param_id(&r4, "ws", &id));
	arena_free(&a);
}
