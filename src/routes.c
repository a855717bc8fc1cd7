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
#include "publish/publish.h"
#include "workspace/workspace.h"

#define MIN_OWNER ROLE_OWNER
#define MIN_ADMIN (ROLE_OWNER | ROLE_ADMIN)
#define MIN_EDITOR (ROLE_OWNER | ROLE_ADMIN | ROLE_EDITOR)
#define APPROVERS (ROLE_OWNER | ROLE_ADMIN | ROLE_CLIENT)
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

	{"GET", "/api/v1/workspaces/:ws/channels", channel_api_list, MIN_MEMBER,
	 "connected network accounts"},
	{"POST", "/api/v1/workspaces/:ws/channels", channel_api_create, MIN_ADMIN | HTTP_JSON,
	 "connect an account (logs in to the network; credentials sealed)"},
	{"GET", "/api/v1/workspaces/:ws/channels/:channel", channel_api_get, MIN_MEMBER,
	 "one channel and its status"},
	{"PATCH", "/api/v1/workspaces/:ws/channels/:channel", channel_api_update,
	 MIN_ADMIN | HTTP_JSON, "display name, charter override, queue slots"},
	{"DELETE", "/api/v1/workspaces/:ws/channels/:channel", channel_api_delete, MIN_ADMIN,
	 "disconnect (its posts' variants on it go with it)"},
	{"POST", "/api/v1/workspaces/:ws/channels/:channel/reconnect", channel_api_reconnect,
	 MIN_ADMIN | HTTP_JSON, "log in again after needs_reconnect"},

	{"POST", "/api/v1/workspaces/:ws/media", media_api_upload, MIN_EDITOR | HTTP_UPLOAD,
	 "upload an image (the body is the file) for posts"},
	{"GET", "/api/v1/workspaces/:ws/posts", post_api_list, MIN_MEMBER,
	 "calendar: posts by range (from, to, channel, campaign, label, state)"},
	{"POST", "/api/v1/workspaces/:ws/posts", post_api_create, MIN_EDITOR | HTTP_JSON,
	 "write a post (variants per channel), optionally scheduled or queued"},
	{"GET", "/api/v1/workspaces/:ws/posts/export", post_api_export, MIN_MEMBER,
	 "the calendar range as CSV or JSON"},
	{"POST", "/api/v1/workspaces/:ws/posts/import", post_api_import, MIN_EDITOR | HTTP_JSON,
	 "bulk import from CSV, all or nothing"},
	{"GET", "/api/v1/workspaces/:ws/posts/:post", post_api_get, MIN_MEMBER,
	 "a post, its state and per variant the network's id and URL"},
	{"PATCH", "/api/v1/workspaces/:ws/posts/:post", post_api_update, MIN_EDITOR | HTTP_JSON,
	 "edit a post not yet publishing"},
	{"DELETE", "/api/v1/workspaces/:ws/posts/:post", post_api_delete, MIN_EDITOR,
	 "delete a post (not while publishing)"},
	{"POST", "/api/v1/workspaces/:ws/posts/:post/submit", post_api_submit, MIN_EDITOR,
	 "draft -> in_review"},
	{"POST", "/api/v1/workspaces/:ws/posts/:post/approve", post_api_approve,
	 APPROVERS | HTTP_JSON,
	 "in_review -> approved (scheduled when it has a date)"},
	{"POST", "/api/v1/workspaces/:ws/posts/:post/reject", post_api_reject,
	 APPROVERS | HTTP_JSON, "in_review -> draft, with a comment"},
	{"POST", "/api/v1/workspaces/:ws/posts/:post/schedule", post_api_schedule,
	 MIN_EDITOR | HTTP_JSON, "schedule at a date or the next queue slot"},
	{"POST", "/api/v1/workspaces/:ws/posts/:post/cancel", post_api_cancel, MIN_EDITOR,
	 "cancel a post not yet publishing"},

	{"GET", "/api/v1/workspaces/:ws/publishing", publish_api_settings, MIN_MEMBER,
	 "approval setting, pause state, charter"},
	{"PATCH", "/api/v1/workspaces/:ws/publishing", publish_api_settings_update,
	 MIN_ADMIN | HTTP_JSON, "require approval; set the workspace charter"},
	{"POST", "/api/v1/workspaces/:ws/charter/check", publish_api_charter_check,
	 MIN_MEMBER | HTTP_JSON, "charter findings for a draft"},
	{"POST", "/api/v1/workspaces/:ws/pause", publish_api_pause, MIN_ADMIN | HTTP_JSON,
	 "crisis pause: nothing is published until resumed"},
	{"POST", "/api/v1/workspaces/:ws/resume", publish_api_resume, MIN_ADMIN | HTTP_JSON,
	 "resume: publish the missed posts or move them by the pause's length"},
	{"GET", "/api/v1/workspaces/:ws/notifications", publish_api_notifications, MIN_MEMBER,
	 "failed posts, channels to reconnect"},
	{"POST", "/api/v1/workspaces/:ws/notifications/read", publish_api_notifications_read,
	 MIN_MEMBER | HTTP_JSON, "mark notifications read up to an id"},
	{"POST", "/api/v1/workspaces/:ws/ical", publish_api_ical_rotate, MIN_ADMIN,
	 "new secret iCalendar feed URL (the old one stops working)"},
	{"DELETE", "/api/v1/workspaces/:ws/ical", publish_api_ical_disable, MIN_ADMIN,
	 "turn the iCalendar feed off"},
	{"GET", "/api/v1/ical/:token", publish_api_ical_feed, HTTP_PUBLIC,
	 "the workspace's iCalendar feed (the token is the credential)"},
};
const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];
