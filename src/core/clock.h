/* clock.h - the one source of "now" for the product, with a test hook.
 *
 * Times are int64 milliseconds since the Unix epoch, UTC. Tests freeze or
 * move the clock with clock_set_fake(); production never calls it. */
#ifndef TRIBU_CLOCK_H
#define TRIBU_CLOCK_H
#include <stdint.h>

int64_t clock_now_ms(void);        /* wall clock (or the fake one) */
int64_t clock_mono_ns(void);       /* monotonic, for durations; never faked */
/* ms > 0 freezes the clock at ms; 0 goes back to the real clock. */
void clock_set_fake(int64_t ms);
/* Formats ms as RFC 3339 UTC with milliseconds ("2026-11-22T07:18:06.123Z");
  * always 24 characters for years 0 to 9999. */
#define CLOCK_FMT_SIZE 64
void clock_fmt_utc(char out[CLOCK_FMT_SIZE], int64_t ms);

#endif
