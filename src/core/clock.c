/* clock.c - see clock.h. */
#include "core/clock.h"

#include <stdatomic.h>
#include <time.h>

static _Atomic int64_t fake_ms;

int64_t clock_now_ms(void)
{
	int64_t f = atomic_load_explicit(&fake_ms, memory_order_relaxed);
	if (f)
		return f;
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t clock_mono_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void clock_set_fake(int64_t ms) { atomic_store(&fake_ms, ms); }

/* Days since 1970-01-01 to a civil date (proleptic Gregorian), after
 * Howard Hinnant's civil_from_days: pure arithmetic, no libc time zone
 * state, no locks. */
static void civil(int64_t z, int64_t *y, int *m, int *d)
{
	z += 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static char *put(char *p, int64_t v, int width)
{
	for (int i = width - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + width;
}

void clock_fmt_utc(char out[CLOCK_FMT_SIZE], int64_t ms)
{
	int64_t days = ms >= 0 ? ms / 86400000 : (ms - 86399999) / 86400000;
	int64_t rest = ms - days * 86400000;     /* 0 .. 86399999 */
	int64_t y;
	int mo, d;
	civil(days, &y, &mo, &d);
	if (y < 0 || y > 9999)
		y = y < 0 ? 0 : 9999;   /* RFC 3339 has four-digit years */
	char *p = out;
	p = put(p, y, 4);
	*p++ = '-';
	p = put(p, mo, 2);
	*p++ = '-';
	p = put(p, d, 2);
	*p++ = 'T';
	p = put(p, rest / 3600000, 2);
	*p++ = ':';
	p = put(p, rest / 60000 % 60, 2);
	*p++ = ':';
	p = put(p, rest / 1000 % 60, 2);
	*p++ = '.';
	p = put(p, rest % 1000, 3);
	*p++ = 'Z';
	*p = '\0';
}
