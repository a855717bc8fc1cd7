#include "harness.h"

#include <stdint.h>

#include "core/arena.h"

TEST(arena_serves_small_allocations_from_the_callers_buffer)
{
	char buf[1024];
	struct arena a;
	arena_init(&a, buf, sizeof buf, 0);
	char *p = arena_alloc(&a, 100);
	CHECK(p >= buf && p < buf + sizeof buf);
	CHECK(a.head == NULL);
	arena_free(&a);
}

TEST(arena_aligns_every_allocation)
{
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	for (int i = 1; i < 50; i++) {
		void *p = arena_alloc(&a, (size_t)i);
		CHECK(((uintptr_t)p % _Alignof(max_align_t)) == 0);
	}
	arena_free(&a);
}

TEST(arena_grows_past_blocks_and_large_allocations)
{
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	char *big = arena_alloc(&a, 200000);
	REQUIRE(big);
	memset(big, 'x', 200000);
	for (int i = 0; i < 1000; i++) {
		char *p = arena_alloc(&a, 100);
		REQUIRE(p);
		memset(p, 'y', 100);
	}
	CHECK(big[199999] == 'x');
	arena_free(&a);
}

TEST(arena_refuses_past_its_cap_and_remembers)
{
	struct arena a;
	arena_init(&a, NULL, 0, 4096);
	CHECK(arena_alloc(&a, 4000) != NULL);
	CHECK(!arena_failed(&a));
	CHECK(arena_alloc(&a, 200) == NULL);
	CHECK(arena_failed(&a));
	CHECK(arena_alloc(&a, SIZE_MAX) == NULL);
	arena_free(&a);
}

TEST(arena_grow_doubles_and_keeps_items)
{
	struct arena a;
	arena_init(&a, NULL, 0, 0);
	int *v = NULL;
	size_t cap = 0;
	for (size_t n = 0; n < 100; n++) {
		v = arena_grow(&a, v, n, &cap, sizeof *v);
		REQUIRE(v);
		v[n] = (int)n;
	}
	CHECK(cap >= 100);
	for (int i = 0; i < 100; i++)
		CHECK_EQ_INT(v[i], i);
	CHECK_EQ_STR(arena_strdup(&a, "héllo"), "héllo");
	arena_free(&a);
}
