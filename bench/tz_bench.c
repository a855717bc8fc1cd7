/* tz_bench.c - nanoseconds per call of the tz conversions.
 *
 * Build and run from the repository root:
 *   cc -O2 -std=c17 -D_GNU_SOURCE -Isrc -o build/tz_bench bench/tz_bench.c \
 *      src/core/tz.c src/core/mem.c src/core/clock.c -lpthread && ./build/tz_bench
 * Instants are spread over 2020-2030 (transition table) and 2040-2100 (POSIX
 * footer) so that both paths are measured; a checksum keeps the compiler
 * from dropping the calls. */
#include <stdio.h>
#include <stdlib.h>

#include "core/clock.h"
#include "core/tz.h"

#define N 2000000

static int64_t spread(uint64_t *seed, int64_t from_s, int64_t to_s)
{
	*seed = *seed * 6364136223846793005u + 1442695040888963407u;
	return (from_s + (int64_t)((*seed >> 11) % (uint64_t)(to_s - from_s))) * 1000;
}

static void run(const struct tz *z, const char *range, int64_t from_s, int64_t to_s)
{
	uint64_t seed = 42;
	int64_t *times = malloc(N * sizeof *times), sum = 0;
	struct tz_local *walls = calloc(N, sizeof *walls);
	if (!times || !walls)
		abort();
	for (int i = 0; i < N; i++) {
		times[i] = spread(&seed, from_s, to_s);
		walls[i].year = 1;  /* touch every page before timing */
	}

	int64_t t0 = clock_mono_ns();
	for (int i = 0; i < N; i++)
		sum += tz_offset(z, times[i], NULL, NULL);
	int64_t t1 = clock_mono_ns();
	for (int i = 0; i < N; i++)
		tz_to_local(z, times[i], &walls[i]);
	int64_t t2 = clock_mono_ns();
	for (int i = 0; i < N; i++) {
		int64_t t;
		if (tz_from_local(z, &walls[i], TZ_LATER, &t, NULL) == 0)
			sum += t;
	}
	int64_t t3 = clock_mono_ns();
	printf("%-17s %s  tz_offset %5.1f ns  tz_to_local %5.1f ns  tz_from_local %5.1f ns  (%lld)\n",
	       tz_name(z), range, (double)(t1 - t0) / N, (double)(t2 - t1) / N, (double)(t3 - t2) / N,
	       (long long)(sum & 0xff));
	free(times);
	free(walls);
}

int main(void)
{
	static const char *const zones[] = {"Europe/Paris", "America/New_York", "Australia/Sydney", "UTC"};
	for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
		const struct tz *z;
		if (tz_get(zones[i], &z) != 0) {
			fprintf(stderr, "tz_bench: cannot load %s\n", zones[i]);
			return 1;
		}
		run(z, "2020-2030", 1577836800, 1893456000);
		run(z, "2040-2100", 2208988800, 4102444800);
	}
	const struct tz *z;
	int64_t t0 = clock_mono_ns();
	for (int i = 0; i < N; i++)
		tz_get("Europe/Paris", &z);
	printf("tz_get (cached)  %5.1f ns\n", (double)(clock_mono_ns() - t0) / N);
	tz_cache_clear();
	return 0;
}
