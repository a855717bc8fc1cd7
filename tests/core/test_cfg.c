#include "harness.h"

#include <stdio.h>

#include "core/cfg.h"
#include "core/err.h"

TEST(cfg_defaults_are_sane)
{
	struct cfg c;
	cfg_defaults(&c);
	CHECK_EQ_STR(c.listen, "127.0.0.1:8080");
	CHECK_EQ_STR(c.data, "./tribu-data");
	CHECK_EQ_INT(c.threads, 4);
	CHECK(!c.secure_cookies);
}

TEST(cfg_set_accepts_dashes_and_refuses_unknown_and_out_of_range)
{
	struct cfg c;
	char msg[256];
	cfg_defaults(&c);
	CHECK_EQ_INT(cfg_set(&c, "log-level", "debug", "flag", msg, sizeof msg), ERR_OK);
	CHECK_EQ_INT(c.log_level, 3);
	CHECK_EQ_INT(cfg_set(&c, "threads", "0", "flag", msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "threads") && strstr(msg, "1 to 256"));
	CHECK_EQ_INT(cfg_set(&c, "threads", "8x", "flag", msg, sizeof msg), ERR_INVAL);
	CHECK_EQ_INT(cfg_set(&c, "nope", "1", "flag", msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "unknown setting"));
	CHECK_EQ_INT(cfg_set(&c, "secure_cookies", "maybe", "flag", msg, sizeof msg), ERR_INVAL);
	CHECK_EQ_INT(cfg_set(&c, "secure_cookies", "yes", "flag", msg, sizeof msg), ERR_OK);
	CHECK(c.secure_cookies);
}

TEST(cfg_file_is_read_and_its_errors_name_the_line)
{
	const char *dir = harness_tmpdir();
	char path[300], msg[256];
	snprintf(path, sizeof path, "%s/tribu.conf", dir);
	FILE *f = fopen(path, "w");
	REQUIRE(f);
	fputs("# comment\n\nlisten = 0.0.0.0:9000\nthreads=2\n", f);
	fclose(f);
	struct cfg c;
	cfg_defaults(&c);
	CHECK_EQ_INT(cfg_load_file(&c, path, msg, sizeof msg), ERR_OK);
	CHECK_EQ_STR(c.listen, "0.0.0.0:9000");
	CHECK_EQ_INT(c.threads, 2);

	f = fopen(path, "w");
	REQUIRE(f);
	fputs("threads = 2\nbogus = 1\n", f);
	fclose(f);
	CHECK_EQ_INT(cfg_load_file(&c, path, msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "tribu.conf:2"));

	f = fopen(path, "w");
	REQUIRE(f);
	fputs("admin_password = secret-secret\n", f);
	fclose(f);
	CHECK_EQ_INT(cfg_load_file(&c, path, msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "cannot be set in the file"));

	snprintf(path, sizeof path, "%s/missing.conf", dir);
	CHECK_EQ_INT(cfg_load_file(&c, path, msg, sizeof msg), ERR_OK);
}

TEST(cfg_env_sets_known_keys_and_refuses_unknown_tribu_variables)
{
	struct cfg c;
	char msg[256];
	cfg_defaults(&c);
	char *env1[] = {"PATH=/bin", "TRIBU_LISTEN=127.0.0.1:1234", "TRIBU_DATA=/x", NULL};
	CHECK_EQ_INT(cfg_load_env(&c, env1, msg, sizeof msg), ERR_OK);
	CHECK_EQ_STR(c.listen, "127.0.0.1:1234");
	CHECK_EQ_STR(c.data, "/x");
	char *env2[] = {"TRIBU_LISTN=1", NULL};
	CHECK_EQ_INT(cfg_load_env(&c, env2, msg, sizeof msg), ERR_INVAL);
	CHECK(strstr(msg, "TRIBU_LISTN"));
}
