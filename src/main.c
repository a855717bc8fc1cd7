/* main.c - the `tribu` command: argv -> config -> store -> server.
 *
 * One table of commands (after cgit's cmd.c) says for each its positional
 * arguments, its own options and whether it needs the store; every command
 * also takes the settings of cfg.c as flags (--data DIR, --listen ADDR:PORT,
 * --log-level debug...). `serve` blocks SIGINT/SIGTERM in every thread and
 * waits for them here, so shutdown runs on the main thread: stop accepting,
 * finish the requests in flight, close the store. */
#define LOG_MODULE "main"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "app.h"
#include "auth/auth.h"
#include "auth/throttle.h"
#include "cli/cli.h"
#include "core/cfg.h"
#include "core/clock.h"
#include "core/err.h"
#include "core/log.h"
#include "core/tz.h"
#include "http/http.h"
#include "publish/publish.h"
#include "store/store.h"

#ifndef TRIBU_VERSION
#define TRIBU_VERSION "unknown"
#endif

extern char **environ;

enum { NEEDS_STORE = 1, NEEDS_AUTH = 2 };

struct command {
	const char *name, *sub;
	int (*fn)(struct cli *c);
	int npos;
	const char *opts;      /* own options: "password-stdin name= owner= tz= lang=" */
	int needs;
	const char *usage, *help;
};

static int cmd_serve(struct cli *c);
static int cmd_migrate(struct cli *c);
static int cmd_version(struct cli *c);
static int cmd_routes(struct cli *c);

static const struct command commands[] = {
	{"serve", NULL, cmd_serve, 0, "", NEEDS_STORE | NEEDS_AUTH,
	 "tribu serve [--listen ADDR:PORT] [--data DIR] [--SETTING VALUE...]",
	 "Serves the web API. On first start creates DIR, its key file and database,\n"
	 "an owner account and a workspace, and prints how to sign in."},
	{"migrate", NULL, cmd_migrate, 0, "", NEEDS_STORE,
	 "tribu migrate [--data DIR]", "Applies pending database migrations and prints the version."},
	{"user", "add", cli_user_add, 1, "password-stdin name=", NEEDS_STORE | NEEDS_AUTH,
	 "tribu user add EMAIL [--password-stdin] [--name NAME] [--data DIR]",
	 "Creates an account. The password is read from standard input, or generated\n"
	 "and printed once without --password-stdin."},
	{"user", "passwd", cli_user_passwd, 1, "password-stdin", NEEDS_STORE | NEEDS_AUTH,
	 "tribu user passwd EMAIL --password-stdin [--data DIR]",
	 "Sets an account's password (read from standard input) and signs out its sessions."},
	{"workspace", "add", cli_workspace_add, 1, "owner= tz= lang=", NEEDS_STORE,
	 "tribu workspace add NAME --owner EMAIL [--tz Europe/Paris] [--lang fr] [--data DIR]",
	 "Creates a workspace owned by an existing account (defaults: UTC, en)."},
	{"member", "add", cli_member_add, 3, "", NEEDS_STORE,
	 "tribu member add WORKSPACE EMAIL ROLE [--data DIR]",
	 "Adds an account to a workspace (by id or name). ROLE: owner, admin, editor,\n"
	 "moderator, analyst or client."},
	{"token", "create", cli_token_create, 1, "name=", NEEDS_STORE,
	 "tribu token create EMAIL [--name LABEL] [--data DIR]",
	 "Creates a personal API token and prints it once (use it as\n"
	 "Authorization: Bearer TOKEN)."},
	{"routes", NULL, cmd_routes, 0, "json", 0, "tribu routes [--json]",
	 "Lists every HTTP route with its rule (who may call it)."},
	{"version", NULL, cmd_version, 0, "", 0, "tribu version", "Prints the version."},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

static bool opt_json;

static void usage_all(FILE *f)
{
	fprintf(f, "Tribu %s - community management, self-hosted.\n\nUsage:\n", TRIBU_VERSION);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %s\n", commands[i].usage);
	fprintf(f, "\nEvery command takes --help, and the settings below as --SETTING VALUE.\n\n");
	cfg_print_help(f);
}

static void usage_one(FILE *f, const struct command *cmd)
{
	fprintf(f, "Usage: %s\n\n%s\n\n", cmd->usage, cmd->help);
	cfg_print_help(f);
}

/* Does `opts` list option `name` ("name" or "name=")? *valued says which. */
static bool own_option(const char *opts, const char *name, bool *valued)
{
	size_t n = strlen(name);
	for (const char *p = opts; (p = strstr(p, name)); p += n) {
		bool starts = p == opts || p[-1] == ' ';
		if (starts && (p[n] == ' ' || p[n] == '\0' || p[n] == '=')) {
			*valued = p[n] == '=';
			return true;
		}
	}
	return false;
}

static void set_own(struct cli *c, const char *name, const char *value)
{
	if (!strcmp(name, "password-stdin"))
		c->password_stdin = true;
	else if (!strcmp(name, "json"))
		opt_json = true;
	else if (!strcmp(name, "name"))
		c->name = value;
	else if (!strcmp(name, "owner"))
		c->owner = value;
	else if (!strcmp(name, "tz"))
		c->tz = value;
	else if (!strcmp(name, "lang"))
		c->lang = value;
}

/* Settings: defaults < file < environment < flags. The data directory must
 * be known before the file can be read, so it is looked up first. */
static int load_config(struct cfg *cfg, const struct command *cmd, int argc, char **argv,
		       struct cli *c)
{
	char msg[512];
	cfg_defaults(cfg);
	const char *data = getenv("TRIBU_DATA");
	for (int i = 0; i + 1 < argc; i++)
		if (!strcmp(argv[i], "--data"))
			data = argv[i + 1];
	if (data && cfg_set(cfg, "data", data, "flag", msg, sizeof msg) != ERR_OK)
		goto bad;
	char path[CFG_STR_MAX + 16];
	snprintf(path, sizeof path, "%s/tribu.conf", cfg->data);
	if (cfg_load_file(cfg, path, msg, sizeof msg) != ERR_OK ||
	    cfg_load_env(cfg, environ, msg, sizeof msg) != ERR_OK)
		goto bad;
	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];
		if (strncmp(a, "--", 2) != 0) {
			if (c->npos == cmd->npos) {
				fprintf(stderr, "tribu: unexpected argument \"%s\"\n", a);
				return 2;
			}
			c->pos[c->npos++] = argv[i];
			continue;
		}
		char name[64];
		const char *eq = strchr(a + 2, '='), *value;
		size_t n = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
		if (n >= sizeof name)
			n = sizeof name - 1;
		memcpy(name, a + 2, n);
		name[n] = '\0';
		bool valued = true;
		bool own = own_option(cmd->opts, name, &valued);
		if (own && !valued) {
			set_own(c, name, NULL);
			continue;
		}
		if (eq) {
			value = eq + 1;
		} else if (i + 1 < argc) {
			value = argv[++i];
		} else {
			fprintf(stderr, "tribu: --%s needs a value\n", name);
			return 2;
		}
		if (own)
			set_own(c, name, value);
		else if (cfg_set(cfg, name, value, "flag", msg, sizeof msg) != ERR_OK)
			goto bad;
	}
	if (c->npos != cmd->npos) {
		fprintf(stderr, "Usage: %s\n", cmd->usage);
		return 2;
	}
	log_set_level((int)cfg->log_level);
	return 0;
bad:
	fprintf(stderr, "tribu: %s\n", msg);
	return 2;
}

static int open_parts(struct cli *c, int needs)
{
	const struct cfg *cfg = c->cfg;
	char msg[512], path[CFG_STR_MAX + 16];
	umask(077);     /* the database and key file are for this user only */
	if (mkdir(cfg->data, 0700) != 0 && errno != EEXIST) {
		fprintf(stderr, "tribu: cannot create %s: %s\n", cfg->data, strerror(errno));
		return 1;
	}
	if (needs & NEEDS_AUTH) {
		snprintf(path, sizeof path, "%s/secret.key", cfg->data);
		if (auth_open(&c->auth, path, cfg->argon2_opslimit, cfg->argon2_memlimit, msg,
			      sizeof msg) != ERR_OK) {
			fprintf(stderr, "tribu: %s\n", msg);
			return 1;
		}
	}
	snprintf(path, sizeof path, "%s/tribu.db", cfg->data);
	int rc = store_open(&c->store, path, (int)cfg->db_busy_timeout);
	if (rc) {
		fprintf(stderr, "tribu: cannot open the database %s: %s\n", path, err_str(rc));
		return 1;
	}
	return 0;
}

/* An exclusive lock on DIR/tribu.lock for the life of the process (the
 * kernel drops it when the process dies, kill -9 included); -1 with a
 * message when another server holds it. */
static int lock_data(const char *dir)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/tribu.lock", dir);
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "tribu: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "tribu: another tribu serve is using %s\n", dir);
		close(fd);
		return -1;
	}
	return fd;
}

static int cmd_serve(struct cli *c)
{
	const struct cfg *cfg = c->cfg;
	char msg[512];
	/* The address is checked before the first start: a typo in --listen
	 * must not create (and print the password of) an account first. */
	if (http_listen_check(cfg->listen, msg, sizeof msg) != ERR_OK) {
		fprintf(stderr, "tribu: %s\n", msg);
		return 2;
	}
	int st = cli_first_start(c);
	if (st)
		return st;
	struct app app = {
		.cfg = cfg,
		.store = c->store,
		.auth = c->auth,
		.login_account = throttle_new(16384, (int)cfg->login_max_failures,
					      cfg->login_window * 1000, cfg->login_lockout * 1000),
		.login_address = throttle_new(16384, (int)cfg->login_ip_max_failures,
					      cfg->login_window * 1000, cfg->login_lockout * 1000),
	};
	/* Block the signals before any thread starts: they inherit the mask,
	 * and only sigwait below receives them. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* One server per data directory: the scheduler takes over whatever
	 * a previous process left "publishing", which is only right when that
	 * process is gone. */
	int lock_fd = lock_data(cfg->data);
	if (lock_fd < 0) {
		st = 1;
		goto out;
	}
	if (scheduler_start(&app.scheduler, &app) != ERR_OK) {
		fprintf(stderr, "tribu: cannot start the scheduler\n");
		st = 1;
		goto out;
	}
	struct http_server *http;
	if (http_start(&http, &app, msg, sizeof msg) != ERR_OK) {
		fprintf(stderr, "tribu: %s\n", msg);
		st = 1;
		goto out;
	}

	printf("Tribu %s serving on http://%s (data in %s)\n", TRIBU_VERSION, cfg->listen, cfg->data);
	fflush(stdout);
	log_info("listening on %s, port %d, %lld threads", cfg->listen, http_port(http),
		 (long long)cfg->threads);
	for (;;) {
		/* Wake every minute to drop expired sessions. */
		struct timespec ts = {60, 0};
		int sig = sigtimedwait(&set, NULL, &ts);
		if (sig == SIGINT || sig == SIGTERM) {
			log_info("signal %d: finishing requests in flight", sig);
			break;
		}
		store_session_purge(c->store, clock_now_ms());
	}
	http_stop(http, 10000);
	log_info("stopped cleanly");
out:
	scheduler_stop(app.scheduler);
	throttle_free(app.login_account);
	throttle_free(app.login_address);
	return st;
}

static int cmd_migrate(struct cli *c)
{
	int cur, latest;
	int rc = store_version(c->store, &cur, &latest);
	if (rc) {
		fprintf(stderr, "tribu: %s\n", err_str(rc));
		return 1;
	}
	printf("database schema version %d (latest %d)\n", cur, latest);
	return 0;
}

static int cmd_version(struct cli *c)
{
	(void)c;
	printf("tribu %s\n", TRIBU_VERSION);
	return 0;
}

static int cmd_routes(struct cli *c)
{
	(void)c;
	json_t *arr = json_array();
	for (size_t i = 0; i < http_routes_count; i++) {
		const struct route *rt = &http_routes[i];
		json_t *roles = json_array();
		for (int b = ROLE_OWNER; b <= ROLE_CLIENT; b <<= 1)
			if (rt->flags & (unsigned)b)
				json_array_append_new(roles, json_string(role_name(b)));
		const char *rule = rt->flags & HTTP_LOCAL     ? "local"
				   : rt->flags & HTTP_PUBLIC  ? "public"
				   : rt->flags & HTTP_ACCOUNT ? "account"
							      : "roles";
		if (opt_json) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o, s:b, s:s}", "method",
							     rt->method, "pattern", rt->pattern, "rule",
							     rule, "roles", roles, "json_body",
							     (rt->flags & HTTP_JSON) != 0, "doc", rt->doc));
			continue;
		}
		printf("%-7s %-45s %-8s", rt->method, rt->pattern, rule);
		size_t k;
		json_t *v;
		json_array_foreach(roles, k, v) printf("%s%s", k ? "," : "", json_string_value(v));
		printf("  %s\n", rt->doc);
		json_decref(roles);
	}
	if (opt_json) {
		char *s = json_dumps(arr, JSON_INDENT(1));
		puts(s);
		free(s);
	}
	json_decref(arr);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage_all(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	const struct command *cmd = NULL;
	int skip = 2;
	for (size_t i = 0; i < NCOMMANDS && !cmd; i++) {
		if (strcmp(commands[i].name, argv[1]))
			continue;
		if (!commands[i].sub) {
			cmd = &commands[i];
		} else if (argc > 2 && !strcmp(commands[i].sub, argv[2])) {
			cmd = &commands[i];
			skip = 3;
		}
	}
	if (!cmd) {
		fprintf(stderr, "tribu: unknown command \"%s%s%s\" (tribu --help lists them)\n", argv[1],
			argc > 2 && argv[2][0] != '-' ? " " : "",
			argc > 2 && argv[2][0] != '-' ? argv[2] : "");
		return 2;
	}
	for (int i = skip; i < argc; i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage_one(stdout, cmd);
			return 0;
		}

	struct cfg cfg;
	char *pos[4] = {0};
	struct cli c = {.cfg = &cfg, .pos = pos};
	int st = load_config(&cfg, cmd, argc - skip, argv + skip, &c);
	if (st)
		return st;
	if (sodium_init() < 0) {
		fprintf(stderr, "tribu: libsodium cannot start\n");
		return 1;
	}
	if (cmd->needs && (st = open_parts(&c, cmd->needs)) == 0)
		st = cmd->fn(&c);
	else if (!cmd->needs)
		st = cmd->fn(&c);
	store_close(c.store);
	auth_close(c.auth);
	tz_cache_clear();
	return st;
}
