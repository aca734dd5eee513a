/*
 * clock.h - the two clocks of Quejie, read in one place.
 *
 * Wall time (CLOCK_REALTIME) is what entries, dates and logs carry; it can jump when the tablet
 * sets its clock. Monotonic time (CLOCK_MONOTONIC) never jumps and is what every age, deadline,
 * staleness and back-off is measured on. Both in milliseconds; thread-safe.
 */
#ifndef SURVEY_CLOCK_H
#define SURVEY_CLOCK_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Milliseconds since the Unix epoch, UTC (CLOCK_REALTIME). */
int64_t sv_wall_ms(void);

/* Milliseconds on the monotonic clock (CLOCK_MONOTONIC; its origin means nothing). */
int64_t sv_mono_ms(void);

/* Microseconds on the monotonic clock, for timing frames and benchmarks. */
double sv_mono_us(void);

/* Today's date on the wall clock in the local time zone, YYYY-MM-DD: the day an objection period
 * is counted against, on the tablet (its screens and unit summary) and at the office. */
void sv_local_date(char out[11]);
/* The local date of a wall-clock time (ms since the epoch), YYYY-MM-DD; "" when it has none. */
void sv_local_date_of(int64_t wall_ms, char out[11]);

#ifdef __cplusplus
}
#endif
#endif
