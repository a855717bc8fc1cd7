/* cli.h - the `tribu` subcommands other than serve: accounts, workspaces,
 * members, tokens. main.c parses the command line and opens what a command
 * needs; these functions do the work and print to stdout/stderr.
 * Each returns a process exit status: 0 ok, 1 failure, 2 usage. */
#ifndef TRIBU_CLI_H
#define TRIBU_CLI_H
#include <stdbool.h>

struct cfg;
struct store;
struct auth;

struct cli {
	const struct cfg *cfg;
	struct store *store;
	struct auth *auth;
	char **pos;                 /* positional arguments */
	int npos;
	/* command options, NULL / false when not given */
	bool password_stdin;
	const char *name, *owner, *tz, *lang;
};

int cli_user_add(struct cli *c);
int cli_user_passwd(struct cli *c);
int cli_workspace_add(struct cli *c);
int cli_member_add(struct cli *c);
int cli_token_create(struct cli *c);

/* Creates the first owner account and workspace on an empty database and
 * prints how to sign in (the password once, when generated). No-op when an
 * account exists. */
int cli_first_start(struct cli *c);

#endif
