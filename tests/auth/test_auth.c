#include "harness.h"

#include <sodium.h>
#include <stdio.h>
#include <sys/stat.h>

#include "auth/auth.h"
#include "core/err.h"

static struct auth *open_auth(char *path, size_t n)
{
	if (sodium_init() < 0)
		return NULL;
	snprintf(path, n, "%s/secret.key", harness_tmpdir());
	struct auth *a = NULL;
	char msg[256];
	/* The lowest cost libsodium accepts keeps the tests fast. */
	if (auth_open(&a, path, 1, 8192, msg, sizeof msg) != ERR_OK)
		return NULL;
	return a;
}

TEST(roles_parse_and_name_each_other)
{
	const char *names[] = {"owner", "admin", "editor", "moderator", "analyst", "client"};
	for (int i = 0; i < 6; i++) {
		int r = role_parse(names[i]);
		CHECK(r != 0);
		CHECK_EQ_STR(role_name(r), names[i]);
	}
	CHECK_EQ_INT(role_parse("root"), 0);
	CHECK_EQ_INT(role_parse(""), 0);
	CHECK(role_name(ROLE_OWNER | ROLE_ADMIN) == NULL);
}

TEST(key_file_is_created_private_and_a_readable_one_is_refused)
{
	char path[300], msg[256];
	struct auth *a = open_auth(path, sizeof path);
	REQUIRE(a);
	struct stat st;
	REQUIRE(stat(path, &st) == 0);
	CHECK_EQ_INT(st.st_mode & 0777, 0600);
	CHECK_EQ_INT(st.st_size, 32);
	auth_close(a);
	chmod(path, 0644);
	a = NULL;
	CHECK_EQ_INT(auth_open(&a, path, 1, 8192, msg, sizeof msg), ERR_DENIED);
	CHECK(strstr(msg, "chmod 600") != NULL);
	chmod(path, 0600);
	FILE *f = fopen(path, "a");
	fputc('x', f);
	fclose(f);
	CHECK_EQ_INT(auth_open(&a, path, 1, 8192, msg, sizeof msg), ERR_INVAL);
}

TEST(passwords_are_argon2id_and_verify)
{
	char path[300], h[AUTH_PWHASH_SIZE];
	struct auth *a = open_auth(path, sizeof path);
	REQUIRE(a);
	CHECK_EQ_INT(auth_password_hash(a, "correct horse battery", h), ERR_OK);
	CHECK(strncmp(h, "$argon2id$", 10) == 0);
	CHECK(auth_password_verify(h, "correct horse battery"));
	CHECK(!auth_password_verify(h, "correct horse batterY"));
	auth_password_burn(a, "anything");
	char g[24];
	auth_password_generate(g);
	CHECK_EQ_INT(strlen(g), 20);
	auth_close(a);
}

TEST(password_policy_counts_characters_not_bytes)
{
	const char *why;
	CHECK_EQ_INT(auth_password_check("short", &why), ERR_INVAL);
	CHECK_EQ_INT(auth_password_check("éééééééé", &why), ERR_INVAL);    /* 8 chars, 16 bytes */
	CHECK_EQ_INT(auth_password_check("éééééééééé", &why), ERR_OK);    /* 10 chars */
	CHECK_EQ_INT(auth_password_check("abcdefghi\xff", &why), ERR_INVAL);
}

TEST(emails_are_normalized_or_refused)
{
	char out[AUTH_EMAIL_MAX + 1];
	CHECK_EQ_INT(auth_email_normalize("  Marie.Dupont@Exemple.FR ", out), ERR_OK);
	CHECK_EQ_STR(out, "marie.dupont@exemple.fr");
	const char *bad[] = {"", "a", "a@b", "@b.fr", "a@", "a@@b.fr", "a b@c.fr", "a@b.fr.",
			     "a@.fr", "<a@b.fr>", "a\n@b.fr"};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		CHECK_EQ_INT(auth_email_normalize(bad[i], out), ERR_INVAL);
}

TEST(tokens_are_random_and_stored_as_hashes)
{
	char t1[AUTH_TOKEN_SIZE], t2[AUTH_TOKEN_SIZE], h1[AUTH_HASH_SIZE], h2[AUTH_HASH_SIZE];
	auth_token_new("tribu_", t1);
	auth_token_new("tribu_", t2);
	CHECK(strncmp(t1, "tribu_", 6) == 0);
	CHECK_EQ_INT(strlen(t1), 6 + 43);
	CHECK(strcmp(t1, t2) != 0);
	auth_token_hash(t1, strlen(t1), h1);
	auth_token_hash(t1, strlen(t1), h2);
	CHECK_EQ_STR(h1, h2);
	CHECK_EQ_INT(strlen(h1), 64);
	CHECK(strstr(h1, t1 + 6) == NULL);
}

TEST(csrf_token_belongs_to_its_session)
{
	char path[300], c1[AUTH_CSRF_SIZE];
	struct auth *a = open_auth(path, sizeof path);
	REQUIRE(a);
	auth_csrf(a, "session-one", c1);
	CHECK(auth_csrf_ok(a, "session-one", c1));
	CHECK(!auth_csrf_ok(a, "session-two", c1));
	CHECK(!auth_csrf_ok(a, "session-one", ""));
	CHECK(!auth_csrf_ok(a, "session-one", "AAAA"));
	auth_close(a);
}

TEST(sealed_secrets_open_only_untampered_and_with_the_same_key)
{
	char path[300];
	struct auth *a = open_auth(path, sizeof path);
	REQUIRE(a);
	struct arena ar;
	arena_init(&ar, NULL, 0, 0);
	unsigned char *box, *plain;
	size_t n, pn;
	const char *secret = "{\"app_password\":\"abcd-efgh\"}";
	CHECK_EQ_INT(auth_seal(a, &ar, secret, strlen(secret), &box, &n), ERR_OK);
	CHECK(memmem(box, n, "abcd-efgh", 9) == NULL);
	CHECK_EQ_INT(auth_unseal(a, &ar, box, n, &plain, &pn), ERR_OK);
	CHECK_EQ_INT(pn, strlen(secret));
	CHECK_EQ_STR((char *)plain, secret);
	box[n - 1] ^= 1;
	CHECK_EQ_INT(auth_unseal(a, &ar, box, n, &plain, &pn), ERR_CRYPTO);
	CHECK_EQ_INT(auth_unseal(a, &ar, box, 10, &plain, &pn), ERR_CRYPTO);
	arena_free(&ar);
	auth_close(a);
}
