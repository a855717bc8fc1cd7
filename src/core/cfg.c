/* cfg.c - the table behind struct cfg (see cfg.h).
 *
 * One row per key, after redis' config.c: adding a setting is one line here
 * and one field in struct cfg; parsing, bounds, environment names and the
 * reference printed by `tribu serve --help` all come from the row. */
#include "core/cfg.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/err.h"
#include "core/log.h"
#include "core/str.h"

enum kind { K_STR, K_INT, K_BOOL, K_LEVEL };
enum { F_NOFILE = 1 };  /* may not come from the file (bootstrap or secrets) */

struct row {
	const char *key;
	enum kind kind;
	size_t off;
	const char *def;
	int64_t min, max;
	int flags;
	const char *help;
};

#define OFF(f) offsetof(struct cfg, f)
static const struct row rows[] = {
	{"data", K_STR, OFF(data), "./tribu-data", 0, 0, F_NOFILE, "data directory (database, key file, tribu.conf)"},
	{"listen", K_STR, OFF(listen), "127.0.0.1:8080", 0, 0, 0, "address and port to serve HTTP on"},
	{"threads", K_INT, OFF(threads), "4", 1, 256, 0, "HTTP worker threads"},
	{"log_level", K_LEVEL, OFF(log_level), "info", 0, 3, 0, "error, warn, info or debug"},
	{"max_body", K_INT, OFF(max_body), "1048576", 1024, 1 << 30, 0, "largest JSON request body, bytes"},
	{"max_upload", K_INT, OFF(max_upload), "16777216", 1024, 1 << 30, 0, "largest image upload, bytes"},
	{"max_header", K_INT, OFF(max_header), "16384", 1024, 49152, 0, "largest total of request headers, bytes"},
	{"max_connections", K_INT, OFF(max_connections), "1024", 16, 65536, 0, "simultaneous HTTP connections"},
	{"http_timeout", K_INT, OFF(http_timeout), "60", 1, 3600, 0, "idle connection timeout, seconds"},
	{"session_ttl", K_INT, OFF(session_ttl), "1209600", 300, 31536000, 0, "session cookie lifetime, seconds"},
	{"secure_cookies", K_BOOL, OFF(secure_cookies), "false", 0, 1, 0, "mark cookies Secure (set when served over HTTPS)"},
	{"login_max_failures", K_INT, OFF(login_max_failures), "5", 1, 1000, 0, "failed logins per account before a lockout"},
	{"login_ip_max_failures", K_INT, OFF(login_ip_max_failures), "20", 1, 100000, 0, "failed logins per address before a lockout"},
	{"login_window", K_INT, OFF(login_window), "900", 1, 86400, 0, "window counting failed logins, seconds"},
	{"login_lockout", K_INT, OFF(login_lockout), "300", 1, 86400, 0, "lockout after too many failures, seconds"},
	{"argon2_memlimit", K_INT, OFF(argon2_memlimit), "65536", 8192, 4194304, 0, "argon2id memory per password hash, KiB"},
	{"argon2_opslimit", K_INT, OFF(argon2_opslimit), "2", 1, 20, 0, "argon2id passes per password hash"},
	{"db_busy_timeout", K_INT, OFF(db_busy_timeout), "5000", 0, 600000, 0, "wait for a locked database, ms"},
	{"publish_workers", K_INT, OFF(publish_workers), "16", 1, 512, 0, "posts sent to the networks at once"},
	{"publish_tick", K_INT, OFF(publish_tick), "1000", 5, 60000, 0, "how often the scheduler looks for due posts, ms"},
	{"publish_retry", K_INT, OFF(publish_retry), "30000", 10, 3600000, 0, "first retry delay after a network error, ms (doubles each time, jittered)"},
	{"publish_attempts", K_INT, OFF(publish_attempts), "8", 1, 100, 0, "attempts before a post is marked failed"},
	{"channel_check", K_INT, OFF(channel_check), "21600", 1, 604800, 0, "refresh every channel's login this often (seconds), so an expired or revoked one is found before a post needs it"},
	{"network_timeout", K_INT, OFF(network_timeout), "30000", 100, 600000, 0, "timeout of one exchange with a network, ms"},
	{"fetch_private", K_BOOL, OFF(fetch_private), "false", 0, 1, 0, "fetch imported images from loopback, private and link-local addresses too (off: refused, so that an import cannot reach this host's or its network's internal services)"},
	{"metrics_token", K_STR, OFF(metrics_token), "", 0, 0, F_NOFILE, "bearer token for /metrics from other hosts"},
	{"admin_email", K_STR, OFF(admin_email), "admin@tribu.local", 0, 0, 0, "e-mail of the first owner account"},
	{"admin_password", K_STR, OFF(admin_password), "", 0, 0, F_NOFILE, "first owner's password (else generated and printed)"},
};
#define NROWS (sizeof rows / sizeof rows[0])

/* "log-level" and "LOG_LEVEL" both name log_level. */
static const struct row *find(const char *key, size_t len)
{
	for (size_t i = 0; i < NROWS; i++) {
		const char *k = rows[i].key;
		size_t j = 0;
		for (; j < len && k[j]; j++) {
			char c = key[j];
			if (c == '-')
				c = '_';
			if (c >= 'A' && c <= 'Z')
				c += 32;
			if (c != k[j])
				break;
		}
		if (j == len && !k[j])
			return &rows[i];
	}
	return NULL;
}

static int apply(struct cfg *c, const struct row *r, const char *v, const char *src,
		 char *msg, size_t msgsz)
{
	char *field = (char *)c + r->off;
	int64_t n;
	switch (r->kind) {
	case K_STR:
		if (strlen(v) >= CFG_STR_MAX || !utf8_valid(v, strlen(v))) {
			snprintf(msg, msgsz, "%s: %s: value too long or not UTF-8", src, r->key);
			return ERR_INVAL;
		}
		snprintf(field, CFG_STR_MAX, "%s", v);
		return ERR_OK;
	case K_BOOL:
		if (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "yes")) {
			*(bool *)field = true;
		} else if (!strcmp(v, "false") || !strcmp(v, "0") || !strcmp(v, "no")) {
			*(bool *)field = false;
		} else {
			snprintf(msg, msgsz, "%s: %s: expected true or false, got \"%.40s\"", src, r->key, v);
			return ERR_INVAL;
		}
		return ERR_OK;
	case K_LEVEL:
		n = log_level_parse(v);
		if (n < 0) {
			snprintf(msg, msgsz, "%s: %s: expected error, warn, info or debug, got \"%.40s\"",
				 src, r->key, v);
			return ERR_INVAL;
		}
		*(int64_t *)field = n;
		return ERR_OK;
	case K_INT:
		if (str_parse_i64(v, strlen(v), r->min, r->max, &n) != ERR_OK) {
			snprintf(msg, msgsz, "%s: %s: expected a whole number from %lld to %lld, got \"%.40s\"",
				 src, r->key, (long long)r->min, (long long)r->max, v);
			return ERR_INVAL;
		}
		*(int64_t *)field = n;
		return ERR_OK;
	}
	return ERR_INVAL;
}

void cfg_defaults(struct cfg *c)
{
	char msg[256];
	memset(c, 0, sizeof *c);
	for (size_t i = 0; i < NROWS; i++)
		apply(c, &rows[i], rows[i].def, "default", msg, sizeof msg);
}

int cfg_set(struct cfg *c, const char *key, const char *value, const char *src,
	    char *msg, size_t msgsz)
{
	const struct row *r = find(key, strlen(key));
	if (!r) {
		snprintf(msg, msgsz, "%s: unknown setting \"%.60s\" (see tribu serve --help)", src, key);
		return ERR_INVAL;
	}
	return apply(c, r, value, src, msg, msgsz);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		s[--n] = '\0';
	return s;
}

int cfg_load_file(struct cfg *c, const char *path, char *msg, size_t msgsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return ERR_OK;
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		return ERR_IO;
	}
	char line[1024], src[64];
	int lineno = 0, rc = ERR_OK;
	while (fgets(line, sizeof line, f)) {
		lineno++;
		snprintf(src, sizeof src, "tribu.conf:%d", lineno);
		if (!strchr(line, '\n') && !feof(f)) {
			snprintf(msg, msgsz, "%s: line too long", src);
			rc = ERR_INVAL;
			break;
		}
		char *s = trim(line);
		if (!*s || *s == '#')
			continue;
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(msg, msgsz, "%s: expected key = value", src);
			rc = ERR_INVAL;
			break;
		}
		*eq = '\0';
		char *key = trim(s), *val = trim(eq + 1);
		const struct row *r = find(key, strlen(key));
		if (r && (r->flags & F_NOFILE)) {
			snprintf(msg, msgsz, "%s: %s cannot be set in the file (use TRIBU_%s or a flag)",
				 src, r->key, r->key);
			rc = ERR_INVAL;
			break;
		}
		rc = cfg_set(c, key, val, src, msg, msgsz);
		if (rc)
			break;
	}
	fclose(f);
	return rc;
}

int cfg_load_env(struct cfg *c, char **envp, char *msg, size_t msgsz)
{
	for (char **e = envp; e && *e; e++) {
		if (strncmp(*e, "TRIBU_", 6) != 0)
			continue;
		const char *eq = strchr(*e, '=');
		if (!eq)
			continue;
		const char *key = *e + 6;
		const struct row *r = find(key, (size_t)(eq - key));
		char src[80];
		snprintf(src, sizeof src, "environment %.*s", (int)(eq - *e), *e);
		if (!r) {
			snprintf(msg, msgsz, "%s: unknown setting (see tribu serve --help)", src);
			return ERR_INVAL;
		}
		int rc = apply(c, r, eq + 1, src, msg, msgsz);
		if (rc)
			return rc;
	}
	return ERR_OK;
}

void cfg_print_help(void *fp)
{
	FILE *f = fp;
	fprintf(f, "Settings (file tribu.conf < environment < flags):\n");
	for (size_t i = 0; i < NROWS; i++) {
		const struct row *r = &rows[i];
		char env[64];
		size_t j = 0;
		for (; r->key[j] && j < sizeof env - 1; j++)
			env[j] = (char)(r->key[j] >= 'a' && r->key[j] <= 'z' ? r->key[j] - 32 : r->key[j]);
		env[j] = '\0';
		fprintf(f, "  --%-22s TRIBU_%-22s %s", r->key, env, r->help);
		if (r->kind == K_INT)
			fprintf(f, " [%lld..%lld]", (long long)r->min, (long long)r->max);
		if (*r->def && strcmp(r->key, "admin_password"))
			fprintf(f, " (default %s)", r->def);
		fputc('\n', f);
	}
}
