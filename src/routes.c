/* routes.c - every HTTP endpoint of Tribu, in one table.
 *
 * The flags are the rule of the route and the router enforces them:
 * HTTP_PUBLIC (no sign-in), HTTP_ACCOUNT (any signed-in account), or for a
 * route inside a workspace the roles allowed (the MIN_* sets below, from the
 * least privileged role that may call it upwards). HTTP_JSON: the body must
 * be a JSON object. http_routes_check() refuses a route without a rule, and
 * tests/e2e/test_authz.py fails for a route it has no case for. */
#include "auth/auth.h"
#include "http/http.h"
#include "workspace/workspace.h"

#define MIN_OWNER ROLE_OWNER
#define MIN_ADMIN (ROLE_OWNER | ROLE_ADMIN)
#define MIN_MEMBER ROLE_ANY

const struct route http_routes[] = {
	{"GET", "/healthz", http_health_handler, HTTP_PUBLIC, "liveness"},
	{"GET", "/metrics", http_metrics_handler, HTTP_PUBLIC | HTTP_LOCAL,
	 "Prometheus metrics (loopback, or Bearer metrics_token)"},

	{"POST", "/api/v1/auth/login", auth_api_login, HTTP_PUBLIC | HTTP_JSON,
	 "sign in: session cookie + CSRF token"},
	{"POST", "/api/v1/auth/logout", auth_api_logout, HTTP_ACCOUNT, "sign out"},
	{"GET", "/api/v1/me", auth_api_me, HTTP_ACCOUNT, "the account and its workspaces"},
	{"POST", "/api/v1/me/password", auth_api_password, HTTP_ACCOUNT | HTTP_JSON,
	 "change password; revokes every session"},

	{"GET", "/api/v1/workspaces", workspace_api_list, HTTP_ACCOUNT, "workspaces of the account"},
	{"POST", "/api/v1/workspaces", workspace_api_create, HTTP_ACCOUNT | HTTP_JSON,
	 "create a workspace (the caller becomes its owner)"},
	{"GET", "/api/v1/workspaces/:ws", workspace_api_get, MIN_MEMBER, "read a workspace"},
	{"PATCH", "/api/v1/workspaces/:ws", workspace_api_update, MIN_ADMIN | HTTP_JSON,
	 "change name, time zone, language, business hours"},
	{"DELETE", "/api/v1/workspaces/:ws", workspace_api_delete, MIN_OWNER,
	 "delete a workspace and all its data"},
	{"GET", "/api/v1/workspaces/:ws/members", workspace_api_members, MIN_MEMBER,
	 "members and roles"},
	{"POST", "/api/v1/workspaces/:ws/members", workspace_api_member_add, MIN_ADMIN | HTTP_JSON,
	 "add an existing account with a role"},
	{"PATCH", "/api/v1/workspaces/:ws/members/:account", workspace_api_member_update,
	 MIN_ADMIN | HTTP_JSON, "change a member's role"},
	{"DELETE", "/api/v1/workspaces/:ws/members/:account", workspace_api_member_remove,
	 MIN_ADMIN, "remove a member"},
	{"GET", "/api/v1/workspaces/:ws/audit", workspace_api_audit, MIN_ADMIN,
	 "audit log, newest first"},
};
const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
