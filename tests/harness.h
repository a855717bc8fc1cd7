/* harness.h - Tribu's unit-test harness.
 *
 * TEST(name) defines a test and registers it before main (constructor);
 * names are sentences: TEST(arena_frees_every_block). CHECK(cond) records a
 * failure and continues; REQUIRE(cond) returns from the test. The runner
 * (harness.c) runs every test, or those whose name contains argv[1], and ends
 * with one line "N passed, N failed" (", N skipped" when any were). */
#ifndef TRIBU_HARNESS_H
#define TRIBU_HARNESS_H
#include <stdint.h>
#include <stdio.h>
#include <string.h>

struct harness_test {
	const char *name, *file;
	void (*fn)(void);
	struct harness_test *next;
};
void harness_register(struct harness_test *t);
void harness_fail(const char *file, int line, const char *what);
void harness_skip(const char *why);
/* A fresh temporary directory for this test (removed after the run). */
const char *harness_tmpdir(void);

#define TEST(name)                                                          \
	static void test_##name(void);                                      \
	static struct harness_test reg_##name = {#name, __FILE__, test_##name, 0}; \
	__attribute__((constructor)) static void register_##name(void)      \
	{ harness_register(&reg_##name); }                                  \
	static void test_##name(void)

/* Marks the test skipped (counted apart) and returns: only for tests that
 * need a peer that is not running; `make test` always starts the peers. */
#define SKIP(why) do { harness_skip(why); return; } while (0)
#define CHECK(c) do { if (!(c)) harness_fail(__FILE__, __LINE__, #c); } while (0)
#define REQUIRE(c) do { if (!(c)) { harness_fail(__FILE__, __LINE__, #c); return; } } while (0)
#define CHECK_EQ_INT(a, b) do { long long a_ = (long long)(a), b_ = (long long)(b); \
	if (a_ != b_) { char m_[256]; snprintf(m_, sizeof m_, "%s == %s (%lld != %lld)", #a, #b, a_, b_); \
	harness_fail(__FILE__, __LINE__, m_); } } while (0)
#define CHECK_EQ_STR(a, b) do { const char *a_ = (a), *b_ = (b); \
	if (!a_ || !b_ || strcmp(a_, b_)) { char m_[512]; snprintf(m_, sizeof m_, "%s == %s (\"%.200s\" != \"%.200s\")", #a, #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)"); \
	harness_fail(__FILE__, __LINE__, m_); } } while (0)

#endif
