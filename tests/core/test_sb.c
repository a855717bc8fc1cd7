#include "harness.h"

#include <stdlib.h>

#include "core/sb.h"

TEST(sb_stays_on_the_stack_while_it_fits)
{
	char buf[32];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 1024);
	sb_addf(&sb, "%s-%d", "abc", 42);
	CHECK_EQ_STR(sb_str(&sb), "abc-42");
	CHECK(!sb.heap);
	sb_free(&sb);
}

TEST(sb_moves_to_the_heap_and_keeps_content)
{
	char buf[8];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 1024);
	for (int i = 0; i < 10; i++)
		sb_addf(&sb, "%d", i);
	CHECK_EQ_STR(sb_str(&sb), "0123456789");
	CHECK(sb.heap);
	CHECK(!sb_err(&sb));
	sb_free(&sb);
}

TEST(sb_error_is_sticky_past_the_cap)
{
	char buf[8];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 16);
	sb_adds(&sb, "0123456789");
	CHECK(!sb_err(&sb));
	sb_adds(&sb, "0123456789");
	CHECK(sb_err(&sb));
	sb_adds(&sb, "x");
	CHECK(sb_err(&sb));
	CHECK_EQ_STR(sb_str(&sb), "0123456789");
	sb_free(&sb);
}

TEST(sb_addf_grows_for_long_formats)
{
	char buf[4];
	struct sb sb;
	sb_init(&sb, buf, sizeof buf, 4096);
	sb_addf(&sb, "%0100d", 7);
	CHECK_EQ_INT(sb_len(&sb), 100);
	CHECK(sb_str(&sb)[99] == '7');
	char *p = sb_detach(&sb);
	CHECK_EQ_INT(strlen(p), 100);
	free(p);
}
