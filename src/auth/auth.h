/* auth.h - identities and secrets: roles, passwords, tokens, CSRF, sealing.
 *
 * Passwords are hashed with argon2id (libsodium). Session cookies and API
 * tokens are 256-bit random strings; only their BLAKE2b hash is stored, so a
 * copy of the database does not let anyone in. The CSRF token of a session is
 * an HMAC of the session token under a key derived from the key file, so it
 * needs no storage and dies with the session. Secrets at rest (network
 * credentials) are sealed with XSalsa20-Poly1305 (secretbox) under another
 * key derived from the same key file. */
#ifndef TRIBU_AUTH_H
#define TRIBU_AUTH_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"

/* Roles in a workspace, as bits so that a route can name the set it allows. */
enum role {
	ROLE_OWNER = 1 << 0,
	ROLE_ADMIN = 1 << 1,
	ROLE_EDITOR = 1 << 2,     /* writes content */
	ROLE_MODERATOR = 1 << 3,  /* handles the inbox */
	ROLE_ANALYST = 1 << 4,    /* reads reports */
	ROLE_CLIENT = 1 << 5,     /* views and approves content */
};
#define ROLE_ANY 0x3f
/* The bit of a role name; 0 when it is not one. */
int role_parse(const char *name);
/* Static name of one role bit ("owner"); NULL when not exactly one bit. */
const char *role_name(int role);

#define AUTH_PWHASH_SIZE 128      /* >= crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_SIZE 64        /* prefix + 43 base64url chars + NUL */
#define AUTH_HASH_SIZE 65         /* 64 hex digits + NUL */
#define AUTH_CSRF_SIZE 44         /* 43 base64url chars + NUL */
#define AUTH_EMAIL_MAX 254
#define AUTH_PASSWORD_MIN 10
#define AUTH_PASSWORD_MAX 1024

struct auth;

/* Loads the 32-byte key file, creating it (mode 0600) when missing. Refuses a
 * key file readable by group or others, or of the wrong size (ERR_DENIED,
 * ERR_INVAL, ERR_IO with `msg` filled). Needs sodium_init() done. The argon2id
 * cost (passes, KiB of memory) applies to every hash made through `a`. */
int auth_open(struct auth **out, const char *keyfile, int64_t opslimit, int64_t memlimit_kib,
	      char *msg, size_t msgsz);
void auth_close(struct auth *a);                    /* NULL is a no-op */

/* ERR_INVAL when the password breaks the policy (at least AUTH_PASSWORD_MIN
 * characters, at most AUTH_PASSWORD_MAX bytes, valid UTF-8), with `why` set to
 * a message for the user. auth_password_hash: argon2id at a's cost. */
int auth_password_check(const char *pw, const char **why);
int auth_password_hash(const struct auth *a, const char *pw, char out[AUTH_PWHASH_SIZE]);
bool auth_password_verify(const char *hash, const char *pw);
/* Costs as much as a verification: called when the account does not exist so
 * that timing does not tell which e-mails have an account. */
void auth_password_burn(struct auth *a, const char *pw);
/* A random password for the first owner: 20 base64url characters. */
void auth_password_generate(char out[24]);

/* Lower-cases and checks an e-mail address (one '@', no spaces or controls,
 * dot in the domain, <= AUTH_EMAIL_MAX bytes). ERR_INVAL when it is not one. */
int auth_email_normalize(const char *in, char out[AUTH_EMAIL_MAX + 1]);

/* A new random token "<prefix><43 chars>" (prefix <= 16 bytes). */
void auth_token_new(const char *prefix, char out[AUTH_TOKEN_SIZE]);
/* The stored form of a token: hex BLAKE2b-256. */
void auth_token_hash(const char *token, size_t len, char out[AUTH_HASH_SIZE]);

void auth_csrf(const struct auth *a, const char *session_token, char out[AUTH_CSRF_SIZE]);
bool auth_csrf_ok(const struct auth *a, const char *session_token, const char *given);

/* Seals `n` bytes: the result (nonce | MAC | ciphertext) is allocated in
 * `ar`. auth_unseal fails with ERR_CRYPTO on any tampering. */
int auth_seal(const struct auth *a, struct arena *ar, const void *p, size_t n,
	      unsigned char **out, size_t *outlen);
int auth_unseal(const struct auth *a, struct arena *ar, const unsigned char *p, size_t n,
		unsigned char **out, size_t *outlen);

/* --- HTTP handlers (auth_api.c) ----------------------------------------- */
struct req;
void auth_api_login(struct req *r);     /* POST /api/v1/auth/login */
void auth_api_logout(struct req *r);    /* POST /api/v1/auth/logout */
void auth_api_me(struct req *r);        /* GET  /api/v1/me */
void auth_api_password(struct req *r);  /* POST /api/v1/me/password */
/* Writes an account as a JSON object (id, email, name, created_at). */
struct account;
struct jw;
void auth_account_json(struct jw *w, const struct account *a);

#endif
