/*
 * clock.c - the wall and monotonic clocks (clock.h): every time Quejie keeps or compares is read
 * here. (Only the temp-name seed in gpkg.c and the app sync worker's condition-variable
 * deadline take a struct timespec of their own.)
 */
#include "survey/clock.h"

#include <time.h>

static int64_t ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sv_wall_ms(void)
{
    return ms(CLOCK_REALTIME);
}

int64_t sv_mono_ms(void)
{
    return ms(CLOCK_MONOTONIC);
}

double sv_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

void sv_local_date(char out[11])
{
    sv_local_date_of(sv_wall_ms(), out);
}

void sv_local_date_of(int64_t wall_ms, char out[11])
{
    time_t t = (time_t)(wall_ms / 1000);
    struct tm tm;
    if (!localtime_r(&t, &tm) || strftime(out, 11, "%Y-%m-%d", &tm) != 10)
        out[0] = '\0';
}
