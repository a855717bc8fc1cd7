/* cfg.h - the configuration: one table of keys with default, bounds and help.
 *
 * Sources, later ones winning: built-in defaults, the file DATA/tribu.conf
 * ("key = value" lines, '#' comments), TRIBU_<KEY> environment variables, then
 * command-line flags (--key value, dashes or underscores). An unknown key, a
 * malformed value or one out of bounds is an error with a message naming the
 * source and the key; start-up stops on it. After start-up, struct cfg is
 * read-only and may be shared between threads. */
#ifndef TRIBU_CFG_H
#define TRIBU_CFG_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_STR_MAX 256

struct cfg {
	char data[CFG_STR_MAX];          /* data directory */
	char listen[CFG_STR_MAX];        /* ADDR:PORT */
	int64_t threads;                 /* HTTP worker threads */
	int64_t log_level;               /* enum log_level */
	int64_t max_body;                /* default request body limit, bytes */
	int64_t max_upload;              /* image uploads, bytes */
	int64_t max_header;              /* total request header bytes */
	int64_t max_connections;
	int64_t http_timeout;            /* idle connection timeout, seconds */
	int64_t session_ttl;             /* seconds */
	bool secure_cookies;             /* add "Secure" to cookies (behind TLS) */
	int64_t login_max_failures;      /* per account within login_window */
	int64_t login_ip_max_failures;   /* per address within login_window */
	int64_t login_window;            /* seconds */
	int64_t login_lockout;           /* seconds */
	int64_t argon2_memlimit;         /* KiB */
	int64_t argon2_opslimit;
	int64_t db_busy_timeout;         /* ms */
	int64_t publish_workers;         /* posts being sent at once */
	int64_t publish_tick;            /* scheduler's look for due posts, ms */
	int64_t publish_retry;           /* first retry delay, ms (doubles, jittered) */
	int64_t publish_attempts;        /* attempts before a post fails */
	int64_t network_timeout;         /* per network exchange, ms */
	bool fetch_private;              /* image URLs may be internal addresses */
	int64_t channel_check;           /* refresh each channel's session this often, s */
	char metrics_token[CFG_STR_MAX]; /* empty: /metrics from loopback only */
	char admin_email[CFG_STR_MAX];   /* first owner created on first start */
	char admin_password[CFG_STR_MAX];/* empty: generated and printed once */
};

void cfg_defaults(struct cfg *c);
/* Sets one key from a source named `src` ("flag", "env", "file:3"). On error
 * fills `msg` (size `msgsz`) and returns ERR_INVAL. */
int cfg_set(struct cfg *c, const char *key, const char *value, const char *src,
	    char *msg, size_t msgsz);
/* Missing file is fine (ERR_OK); unreadable or invalid is not. */
int cfg_load_file(struct cfg *c, const char *path, char *msg, size_t msgsz);
/* Every TRIBU_* variable in `envp` must be a known key. */
int cfg_load_env(struct cfg *c, char **envp, char *msg, size_t msgsz);
/* Prints the reference table (key, env, default, bounds, help) to `f`. */
void cfg_print_help(void *f);

#endif
