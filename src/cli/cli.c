/* cli.c - account, workspace, member and token commands (see cli.h).
 * Changes to a workspace are audited like API changes, with no account
 * (the command line) and the address "cli". */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

#include "auth/auth.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/str.h"
#include "core/tz.h"
#include "store/store.h"
#include "workspace/workspace.h"

/* Reads one line (the password) from stdin, without its newline. */
static int read_password(char *buf, size_t size)
{
	if (!fgets(buf, (int)size, stdin)) {
		fprintf(stderr, "tribu: no password on standard input\n");
		return 1;
	}
	size_t n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == size - 1) {
		fprintf(stderr, "tribu: password too long\n");
		return 1;
	}
	buf[n] = '\0';
	const char *why;
	if (auth_password_check(buf, &why) != ERR_OK) {
		fprintf(stderr, "tribu: %s\n", why);
		return 1;
	}
	return 0;
}

static int email_arg(const char *in, char out[AUTH_EMAIL_MAX + 1])
{
	if (auth_email_normalize(in, out) != ERR_OK) {
		fprintf(stderr, "tribu: \"%s\" is not an e-mail address\n", in);
		return 2;
	}
	return 0;
}

static int fail(const char *what, int rc)
{
	fprintf(stderr, "tribu: %s: %s\n", what, err_str(rc));
	return 1;
}

/* Creates an account with `pw`; prints nothing. */
static int add_account(struct cli *c, const char *email, const char *pw, int64_t *id)
{
	char hash[AUTH_PWHASH_SIZE];
	int rc = auth_password_hash(c->auth, pw, hash);
	if (!rc)
		rc = store_account_insert(c->store, email, c->name ? c->name : "", hash,
					  clock_now_ms(), id);
	return rc;
}

int cli_user_add(struct cli *c)
{
	char email[AUTH_EMAIL_MAX + 1], pw[AUTH_PASSWORD_MAX + 2];
	int st = email_arg(c->pos[0], email);
	if (st)
		return st;
	bool generated = !c->password_stdin;
	if (generated)
		auth_password_generate(pw);
	else if ((st = read_password(pw, sizeof pw)))
		return st;
	int64_t id;
	int rc = add_account(c, email, pw, &id);
	if (rc == ERR_EXISTS) {
		fprintf(stderr, "tribu: an account with e-mail %s exists already\n", email);
		return 1;
	}
	if (rc)
		return fail("user add", rc);
	printf("account %lld created: %s\n", (long long)id, email);
	if (generated)
		printf("password (shown once): %s\n", pw);
	return 0;
}

int cli_user_passwd(struct cli *c)
{
	char email[AUTH_EMAIL_MAX + 1], pw[AUTH_PASSWORD_MAX + 2], hash[AUTH_PWHASH_SIZE];
	int st = email_arg(c->pos[0], email);
	if (st)
		return st;
	if (!c->password_stdin) {
		fprintf(stderr, "tribu: user passwd needs --password-stdin\n");
		return 2;
	}
	if ((st = read_password(pw, sizeof pw)))
		return st;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct account acc;
	int rc = store_account_by_email(c->store, &a, email, &acc, NULL);
	if (!rc)
		rc = auth_password_hash(c->auth, pw, hash);
	if (!rc)
		rc = store_account_set_password(c->store, acc.id, hash, clock_now_ms());
	arena_free(&a);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "tribu: no account with e-mail %s\n", email);
		return 1;
	}
	if (rc)
		return fail("user passwd", rc);
	printf("password changed for %s; its sessions are signed out\n", email);
	return 0;
}

/* Creates workspace `name` owned by `owner`, audited, in one transaction. */
static int add_workspace(struct cli *c, const char *name, int64_t owner, const char *tz,
			 const char *lang, int64_t *id)
{
	struct workspace w = {.name = name, .tz = tz, .lang = lang, .business_hours = "{}"};
	int rc = store_begin(c->store);
	if (rc)
		return rc;
	rc = store_workspace_insert(c->store, &w, owner, clock_now_ms(), id);
	if (!rc)
		rc = workspace_audit_add(c->store, *id, 0, "cli", "workspace.create", name, NULL);
	return store_end(c->store, rc);
}

int cli_workspace_add(struct cli *c)
{
	const char *tz = c->tz ? c->tz : "UTC", *lang = c->lang ? c->lang : "en";
	char email[AUTH_EMAIL_MAX + 1];
	if (!c->owner) {
		fprintf(stderr, "tribu: workspace add needs --owner EMAIL\n");
		return 2;
	}
	int st = email_arg(c->owner, email);
	if (st)
		return st;
	if (!tz_valid(tz)) {
		fprintf(stderr, "tribu: unknown time zone \"%s\" (try Europe/Paris)\n", tz);
		return 2;
	}
	if (!workspace_lang_ok(lang)) {
		fprintf(stderr, "tribu: language must be fr or en\n");
		return 2;
	}
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	const char *name = workspace_name(&a, c->pos[0]);
	if (!name) {
		fprintf(stderr, "tribu: a workspace name has 1 to %d characters\n", WORKSPACE_NAME_MAX);
		arena_free(&a);
		return 2;
	}
	struct account acc;
	int64_t id = 0;
	int rc = store_account_by_email(c->store, &a, email, &acc, NULL);
	if (!rc)
		rc = add_workspace(c, name, acc.id, tz, lang, &id);
	if (rc == ERR_NOTFOUND)
		fprintf(stderr, "tribu: no account with e-mail %s\n", email);
	else if (rc)
		fail("workspace add", rc);
	else
		printf("workspace %lld created: %s (owner %s, %s, %s)\n", (long long)id, name, email,
		       tz, lang);
	arena_free(&a);
	return rc ? 1 : 0;
}

int cli_member_add(struct cli *c)
{
	char email[AUTH_EMAIL_MAX + 1];
	int st = email_arg(c->pos[1], email);
	if (st)
		return st;
	const char *role = c->pos[2];
	if (!role_parse(role)) {
		fprintf(stderr, "tribu: role must be owner, admin, editor, moderator, analyst or client\n");
		return 2;
	}
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct workspace w;
	struct account acc;
	int64_t wsid;
	const char *ws = c->pos[0];
	/* A workspace is named by id or by name. */
	int rc = str_parse_i64(ws, strlen(ws), 1, INT64_MAX, &wsid) == ERR_OK
			 ? store_workspace_get(c->store, &a, wsid, &w)
			 : store_workspace_by_name(c->store, &a, ws, &w);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "tribu: no workspace \"%s\"\n", ws);
		arena_free(&a);
		return 1;
	}
	if (!rc)
		rc = store_account_by_email(c->store, &a, email, &acc, NULL);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "tribu: no account with e-mail %s\n", email);
		arena_free(&a);
		return 1;
	}
	if (!rc && !(rc = store_begin(c->store))) {
		rc = store_member_insert(c->store, w.id, acc.id, role_name(role_parse(role)),
					 clock_now_ms());
		if (!rc)
			rc = workspace_audit_add(c->store, w.id, 0, "cli", "member.add", email,
						 json_pack("{s:s}", "role", role));
		rc = store_end(c->store, rc);
	}
	if (rc == ERR_EXISTS)
		fprintf(stderr, "tribu: %s is a member of %s already\n", email, w.name);
	else if (rc)
		fail("member add", rc);
	else
		printf("%s is now %s of workspace %lld (%s)\n", email, role, (long long)w.id, w.name);
	arena_free(&a);
	return rc ? 1 : 0;
}

int cli_token_create(struct cli *c)
{
	char email[AUTH_EMAIL_MAX + 1], tok[AUTH_TOKEN_SIZE], hash[AUTH_HASH_SIZE];
	int st = email_arg(c->pos[0], email);
	if (st)
		return st;
	struct arena a;
	arena_init(&a, NULL, 0, 1 << 20);
	struct account acc;
	int64_t id;
	int rc = store_account_by_email(c->store, &a, email, &acc, NULL);
	arena_free(&a);
	if (rc == ERR_NOTFOUND) {
		fprintf(stderr, "tribu: no account with e-mail %s\n", email);
		return 1;
	}
	auth_token_new("tribu_", tok);
	auth_token_hash(tok, strlen(tok), hash);
	if (!rc)
		rc = store_token_insert(c->store, hash, acc.id, c->name ? c->name : "", clock_now_ms(), &id);
	if (rc)
		return fail("token create", rc);
	/* The token itself on stdout, alone, so scripts can capture it. */
	printf("%s\n", tok);
	fprintf(stderr, "API token %lld for %s: shown once, keep it secret\n", (long long)id, email);
	return 0;
}

int cli_first_start(struct cli *c)
{
	int64_t n;
	int rc = store_account_count(c->store, &n);
	if (rc)
		return fail("first start", rc);
	if (n)
		return 0;
	const struct cfg *cfg = c->cfg;
	char email[AUTH_EMAIL_MAX + 1], pw[24];
	if (auth_email_normalize(cfg->admin_email, email) != ERR_OK) {
		fprintf(stderr, "tribu: admin_email \"%s\" is not an e-mail address\n", cfg->admin_email);
		return 2;
	}
	const char *pass = cfg->admin_password, *why;
	if (*pass && auth_password_check(pass, &why) != ERR_OK) {
		fprintf(stderr, "tribu: TRIBU_ADMIN_PASSWORD: %s\n", why);
		return 2;
	}
	if (!*pass) {
		auth_password_generate(pw);
		pass = pw;
	}
	int64_t acc, ws;
	c->name = "Admin";
	rc = add_account(c, email, pass, &acc);
	if (!rc)
		rc = add_workspace(c, "My workspace", acc, "UTC", "en", &ws);
	if (rc)
		return fail("first start", rc);
	printf("First start: created the owner account and the workspace \"My workspace\".\n"
	       "  sign in with  e-mail:   %s\n", email);
	if (pass == pw)
		printf("                password: %s   (shown once: change it with\n"
		       "                tribu user passwd %s --password-stdin)\n", pw, email);
	else
		printf("                password: the one in TRIBU_ADMIN_PASSWORD\n");
	fflush(stdout);
	return 0;
}
