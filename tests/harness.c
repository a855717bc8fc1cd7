/* harness.c - runner for TEST()s (see harness.h). */
#include "harness.h"

#include <stdlib.h>
#include <unistd.h>

static struct harness_test *head, **tail = &head;
static int failures;            /* failures of the running test */
static const char *skipped;     /* why the running test skipped */
static char tmpdir[256];

void harness_register(struct harness_test *t)
{
	*tail = t;
	tail = &t->next;
}

void harness_fail(const char *file, int line, const char *what)
{
	failures++;
	fprintf(stderr, "    %s:%d: check failed: %s\n", file, line, what);
}

void harness_skip(const char *why)
{
	skipped = why;
}

const char *harness_tmpdir(void)
{
	char tmpl[] = "/tmp/tribu-unit-XXXXXX";
	if (!mkdtemp(tmpl)) {
		perror("mkdtemp");
		abort();
	}
	snprintf(tmpdir, sizeof tmpdir, "%s", tmpl);
	return tmpdir;
}

int main(int argc, char **argv)
{
	/* The product logs to stderr; tests that provoke errors on purpose
	 * would drown the report. VERBOSE=1 shows everything. */
	extern int log_level_current;
	log_level_current = getenv("VERBOSE") ? 3 : -1;
	int passed = 0, failed = 0, nskipped = 0;
	for (struct harness_test *t = head; t; t = t->next) {
		if (argc > 1 && !strstr(t->name, argv[1]))
			continue;
		failures = 0;
		skipped = NULL;
		t->fn();
		if (skipped && !failures) {
			nskipped++;
			fprintf(stderr, "skip %s: %s\n", t->name, skipped);
		} else if (failures) {
			failed++;
			fprintf(stderr, "FAIL %s (%s)\n", t->name, t->file);
		} else {
			passed++;
			if (getenv("VERBOSE"))
				fprintf(stderr, "ok   %s\n", t->name);
		}
		/* Every test's temporary directories go at the end of each test. */
		if (tmpdir[0]) {
			char cmd[300];
			snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
			if (system(cmd) != 0)
				fprintf(stderr, "could not remove %s\n", tmpdir);
			tmpdir[0] = '\0';
		}
	}
	if (nskipped)
		printf("%d passed, %d failed, %d skipped\n", passed, failed, nskipped);
	else
		printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
