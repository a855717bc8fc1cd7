/* app.h - the long-lived parts a request handler may use, built by main and
 * passed to each request (never reached through a global). Read-only after
 * start-up except through the parts' own thread-safe interfaces. */
#ifndef TRIBU_APP_H
#define TRIBU_APP_H

struct app {
	const struct cfg *cfg;
	struct store *store;
	struct auth *auth;
	struct throttle *login_account;   /* failed logins per e-mail */
	struct throttle *login_address;   /* failed logins per client address */
	struct scheduler *scheduler;      /* NULL when not publishing (tests, CLI) */
};

#endif
