/* workspace.h - workspaces (a brand, or a client of an agency), their
 * members and roles, and their audit log.
 *
 * Every other resource of Tribu lives under a workspace; the router has
 * already checked the caller's membership and role before these handlers
 * run. workspace_audit() is how any domain records a change. */
#ifndef TRIBU_WORKSPACE_H
#define TRIBU_WORKSPACE_H
#include <jansson.h>
#include <stdbool.h>

#include "core/arena.h"

struct req;
struct store;

#define WORKSPACE_NAME_MAX 100

/* A workspace name without its surrounding spaces, in `a`; NULL when it is
 * empty, longer than WORKSPACE_NAME_MAX characters or not UTF-8. */
const char *workspace_name(struct arena *a, const char *name);
/* Values a workspace accepts; messages are for the API's error. */
bool workspace_lang_ok(const char *lang);          /* "fr" or "en" */
/* Business hours: {"mon":[["09:00","18:00"]], ...}, days mon..sun, at most 4
 * ranges a day, start < end, "24:00" allowed as an end. On success returns
 * the canonical JSON text (sorted keys) in `a`; NULL with *why set if not. */
const char *workspace_hours_canonical(const json_t *v, struct arena *a, const char **why);

/* Records a change of workspace `ws` by `account` (0: the command line) from
 * `ip`, in the caller's transaction. `detail` (may be NULL) is consumed. */
int workspace_audit_add(struct store *s, int64_t ws, int64_t account, const char *ip,
			const char *action, const char *target, json_t *detail);
/* The same for a request: its account and address. */
int workspace_audit(struct req *r, int64_t ws, const char *action, const char *target,
		    json_t *detail);

/* HTTP handlers (workspace_api.c). */
void workspace_api_list(struct req *r);
void workspace_api_create(struct req *r);
void workspace_api_get(struct req *r);
void workspace_api_update(struct req *r);
void workspace_api_delete(struct req *r);
void workspace_api_members(struct req *r);
void workspace_api_member_add(struct req *r);
void workspace_api_member_update(struct req *r);
void workspace_api_member_remove(struct req *r);
void workspace_api_audit(struct req *r);

#endif
