/* auth.c - see auth.h. Every primitive comes from libsodium. */
#define LOG_MODULE "auth"
#include "auth/auth.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/err.h"
#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"

struct auth {
	unsigned char csrf_key[crypto_auth_hmacsha256_KEYBYTES];
	unsigned char seal_key[crypto_secretbox_KEYBYTES];
	unsigned long long opslimit;
	size_t memlimit;
	/* A hash of a random password at the same cost, to burn time on
	 * logins for unknown e-mails; made on first need, not at start-up
	 * (it costs as much as a login). */
	pthread_once_t dummy_once;
	char dummy[AUTH_PWHASH_SIZE];
};

/* Subkey ids under the master key: never reuse or renumber one. */
enum { SUBKEY_CSRF = 1, SUBKEY_SEAL = 2 };
static const char KDF_CONTEXT[crypto_kdf_CONTEXTBYTES] = {'t', 'r', 'i', 'b', 'u', 'k', 'e', 'y'};

static const char *const role_names[] = {"owner", "admin", "editor", "moderator", "analyst", "client"};

int role_parse(const char *name)
{
	for (int i = 0; i < 6; i++)
		if (strcmp(name, role_names[i]) == 0)
			return 1 << i;
	return 0;
}

const char *role_name(int role)
{
	for (int i = 0; i < 6; i++)
		if (role == 1 << i)
			return role_names[i];
	return NULL;
}

static int read_key(const char *path, unsigned char key[32], char *msg, size_t msgsz)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		if (errno != ENOENT) {
			snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
			return ERR_IO;
		}
		/* First start: create it, exclusively, readable by us only. */
		randombytes_buf(key, 32);
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd < 0) {
			snprintf(msg, msgsz, "cannot create %s: %s", path, strerror(errno));
			return ERR_IO;
		}
		ssize_t w = write(fd, key, 32);
		int ok = w == 32 && fsync(fd) == 0;
		close(fd);
		if (!ok) {
			unlink(path);
			snprintf(msg, msgsz, "cannot write %s", path);
			return ERR_IO;
		}
		log_info("created key file %s", path);
		return ERR_OK;
	}
	struct stat st;
	int rc = ERR_OK;
	if (fstat(fd, &st) != 0) {
		snprintf(msg, msgsz, "%s: %s", path, strerror(errno));
		rc = ERR_IO;
	} else if (st.st_mode & 077) {
		snprintf(msg, msgsz, "%s is readable by others (mode %03o): chmod 600 it",
			 path, (unsigned)(st.st_mode & 0777));
		rc = ERR_DENIED;
	} else if (st.st_size != 32 || read(fd, key, 32) != 32) {
		snprintf(msg, msgsz, "%s: expected exactly 32 bytes", path);
		rc = ERR_INVAL;
	}
	close(fd);
	return rc;
}

int auth_open(struct auth **out, const char *keyfile, int64_t opslimit, int64_t memlimit_kib,
	      char *msg, size_t msgsz)
{
	unsigned char master[crypto_kdf_KEYBYTES];
	int rc = read_key(keyfile, master, msg, msgsz);
	if (rc)
		return rc;
	struct auth *a = xcalloc(1, sizeof *a);
	crypto_kdf_derive_from_key(a->csrf_key, sizeof a->csrf_key, SUBKEY_CSRF, KDF_CONTEXT, master);
	crypto_kdf_derive_from_key(a->seal_key, sizeof a->seal_key, SUBKEY_SEAL, KDF_CONTEXT, master);
	sodium_memzero(master, sizeof master);
	a->opslimit = (unsigned long long)opslimit;
	a->memlimit = (size_t)memlimit_kib * 1024;
	a->dummy_once = (pthread_once_t)PTHREAD_ONCE_INIT;
	*out = a;
	return ERR_OK;
}

void auth_close(struct auth *a)
{
	if (!a)
		return;
	sodium_memzero(a, sizeof *a);
	free(a);
}

int auth_password_check(const char *pw, const char **why)
{
	size_t n = strlen(pw);
	if (n > AUTH_PASSWORD_MAX) {
		*why = "password is longer than 1024 bytes";
		return ERR_INVAL;
	}
	if (!utf8_valid(pw, n)) {
		*why = "password is not valid UTF-8";
		return ERR_INVAL;
	}
	if (utf8_count(pw, n) < AUTH_PASSWORD_MIN) {
		*why = "password must have at least 10 characters";
		return ERR_INVAL;
	}
	return ERR_OK;
}

int auth_password_hash(const struct auth *a, const char *pw, char out[AUTH_PWHASH_SIZE])
{
	_Static_assert(AUTH_PWHASH_SIZE >= crypto_pwhash_STRBYTES, "hash buffer");
	if (crypto_pwhash_str_alg(out, pw, strlen(pw), a->opslimit, a->memlimit,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return ERR_NOMEM;  /* libsodium could not get the memory */
	return ERR_OK;
}

bool auth_password_verify(const char *hash, const char *pw)
{
	return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

/* pthread_once gives no argument: the auth being set up is handed over
 * through this thread-local. */
static _Thread_local struct auth *dummy_for;

static void make_dummy(void)
{
	char pw[24];
	auth_password_generate(pw);
	if (auth_password_hash(dummy_for, pw, dummy_for->dummy) != ERR_OK)
		dummy_for->dummy[0] = '\0';    /* verify then fails fast: logged below */
}

void auth_password_burn(struct auth *a, const char *pw)
{
	dummy_for = a;
	pthread_once(&a->dummy_once, make_dummy);
	if (!a->dummy[0])
		log_error("cannot make the dummy password hash: out of memory");
	volatile int sink = crypto_pwhash_str_verify(a->dummy, pw, strlen(pw));
	(void)sink;
}

void auth_password_generate(char out[24])
{
	unsigned char r[15];
	randombytes_buf(r, sizeof r);
	str_b64url(out, r, sizeof r);   /* 20 characters */
}

int auth_email_normalize(const char *in, char out[AUTH_EMAIL_MAX + 1])
{
	size_t n = strlen(in);
	while (n && (in[n - 1] == ' ' || in[n - 1] == '\t'))
		n--;
	while (n && (*in == ' ' || *in == '\t')) {
		in++;
		n--;
	}
	if (n < 3 || n > AUTH_EMAIL_MAX || !utf8_valid(in, n))
		return ERR_INVAL;
	size_t at = n, dots_after_at = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)in[i];
		if (c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '"' || c == ',' ||
		    c == ';' || c == '\\')
			return ERR_INVAL;
		if (c == '@') {
			if (at != n)
				return ERR_INVAL;
			at = i;
		} else if (c == '.' && at != n) {
			dots_after_at++;
		}
		out[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
	}
	out[n] = '\0';
	if (at == 0 || at == n || at + 1 == n || !dots_after_at || in[at + 1] == '.' ||
	    in[n - 1] == '.')
		return ERR_INVAL;
	return ERR_OK;
}

void auth_token_new(const char *prefix, char out[AUTH_TOKEN_SIZE])
{
	unsigned char r[32];
	randombytes_buf(r, sizeof r);
	size_t p = strnlen(prefix, 16);
	memcpy(out, prefix, p);
	str_b64url(out + p, r, sizeof r);
	sodium_memzero(r, sizeof r);
}

void auth_token_hash(const char *token, size_t len, char out[AUTH_HASH_SIZE])
{
	unsigned char h[32];
	crypto_generichash(h, sizeof h, (const unsigned char *)token, len, NULL, 0);
	str_hex(out, h, sizeof h);
}

void auth_csrf(const struct auth *a, const char *session_token, char out[AUTH_CSRF_SIZE])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	crypto_auth_hmacsha256(mac, (const unsigned char *)session_token, strlen(session_token),
			       a->csrf_key);
	str_b64url(out, mac, sizeof mac);
}

bool auth_csrf_ok(const struct auth *a, const char *session_token, const char *given)
{
	char want[AUTH_CSRF_SIZE];
	auth_csrf(a, session_token, want);
	return strlen(given) == strlen(want) && str_ct_eq(want, given, strlen(want));
}

int auth_seal(const struct auth *a, struct arena *ar, const void *p, size_t n,
	      unsigned char **out, size_t *outlen)
{
	size_t len = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;
	if (n > (1u << 24))
		return ERR_TOOBIG;
	unsigned char *buf = arena_alloc(ar, len);
	if (!buf)
		return ERR_TOOBIG;
	randombytes_buf(buf, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(buf + crypto_secretbox_NONCEBYTES, p, n, buf, a->seal_key);
	*out = buf;
	*outlen = len;
	return ERR_OK;
}

int auth_unseal(const struct auth *a, struct arena *ar, const unsigned char *p, size_t n,
		unsigned char **out, size_t *outlen)
{
	if (n < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)
		return ERR_CRYPTO;
	size_t len = n - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	unsigned char *buf = arena_alloc(ar, len + 1);
	if (!buf)
		return ERR_TOOBIG;
	if (crypto_secretbox_open_easy(buf, p + crypto_secretbox_NONCEBYTES,
				       n - crypto_secretbox_NONCEBYTES, p, a->seal_key) != 0)
		return ERR_CRYPTO;
	buf[len] = '\0';     /* convenient for sealed text */
	*out = buf;
	*outlen = len;
	return ERR_OK;
}
