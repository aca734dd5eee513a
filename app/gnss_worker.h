/*
 * gnss_worker.h - the receiver on its own thread: gpsd is read (survey/gnss) away from the UI
 * thread, so a slow or vanished gpsd never holds up a frame, and the UI reads the latest fix
 * as a snapshot. Each new fix or change of connection calls wake() (from the worker thread:
 * it must be thread-safe; the platform layer pushes an event). No SDL here.
 */
#ifndef APP_GNSS_WORKER_H
#define APP_GNSS_WORKER_H

#include <stdint.h>

#include "survey/gnss.h"

typedef struct app_gnss app_gnss;

typedef struct app_gnss_snap {
    int connected; /* gpsd answers */
    int have_fix;  /* fix holds a report (it may be stale: check its age) */
    sv_fix fix;
    uint64_t gen; /* bumped on every change */
    char error[160];
} app_gnss_snap;

/* Start reading hostport ("HOST:PORT"). Returns 0, or -1 (out of memory, no thread). */
int app_gnss_start(const char *hostport, void (*wake)(void *), void *ctx, app_gnss **out);
void app_gnss_stop(app_gnss *g); /* NULL-safe; joins the thread */
void app_gnss_get(app_gnss *g, app_gnss_snap *out);
/* Hand every fix epoch to sink(ctx, fix) on the worker thread as it arrives (the recorder:
 * averaging needs every epoch, not only the latest). NULL removes it. */
void app_gnss_set_sink(app_gnss *g, void (*sink)(void *, const sv_fix *), void *ctx);

#endif
