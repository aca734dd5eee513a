/*
 * sync_worker.h - the sync module (sync/client.h) on its own thread, so sending to the county
 * office (retries, back-off, a slow link) or writing bundles to a USB stick never holds up the
 * UI. The thread has its own writable journal handle; the recorder's writes go on meanwhile
 * (SQLite serialises the two writers). The UI asks and reads a snapshot: progress lines, the
 * last outcome and the state of each bundle. No SDL here.
 */
#ifndef APP_SYNC_WORKER_H
#define APP_SYNC_WORKER_H

#include <stdint.h>

#include "sync/client.h"

typedef struct app_sync app_sync;

#define APP_SYNC_ROWS 8

typedef enum app_sync_outcome {
    APP_SYNC_NONE,    /* nothing run yet */
    APP_SYNC_DONE,    /* everything acknowledged */
    APP_SYNC_OFFLINE, /* no connection: will send when connected */
    APP_SYNC_REFUSED, /* the office refused a bundle (reason in message) */
    APP_SYNC_NOT_ENROLLED,
    APP_SYNC_FAILED,    /* anything else (message) */
    APP_SYNC_WRITTEN,   /* bundles written to the USB stick */
    APP_SYNC_NOTHING,   /* nothing to write: the office holds every entry */
    APP_SYNC_USB_FAILED /* writing to the USB stick failed (what failed in message) */
} app_sync_outcome;

typedef struct app_sync_snap {
    uint64_t gen;
    int busy; /* a sync or USB write runs */
    int enrolled;
    char office[128]; /* office name or URL */
    int64_t last_seq, acked_seq;
    int64_t last_sync_ms; /* wall clock, 0 never */
    char line[256];       /* the latest progress line */
    app_sync_outcome outcome;
    char message[400];
    int retry_in_s; /* offline: the next try on its own, seconds after the last */
    sy_bundle_row rows[APP_SYNC_ROWS]; /* newest first */
    int nrows;
    int files_pending; /* files kept with units the office does not hold yet */
} app_sync_snap;

/* Open the journal's sync state on a new thread. Returns 0, or -1 with err. */
int app_sync_start(const char *journal_path, void (*wake)(void *), void *ctx, app_sync **out,
                   char *err, size_t errlen);
/* Stop: a sync in progress is interrupted between requests (it resumes next time). */
void app_sync_stop(app_sync *s); /* NULL-safe */
void app_sync_get(app_sync *s, app_sync_snap *out);
/* Re-read the status (cursor, bundles) soon. */
void app_sync_refresh(app_sync *s);
/* Send everything unacknowledged now. Ignored while busy. When there is no connection the
 * thread tries again on its own (30 s, doubling to 5 min) until it gets through. */
void app_sync_now(app_sync *s);
/* Write every unacknowledged entry as bundles to dir/quejie-DEVICE-SEQ.qjb. Ignored while busy. */
void app_sync_usb(app_sync *s, const char *dir);

/* What Day end says after writing to USB: the file and, in the interface's language, how
 * many entries and bundles it holds. */
void app_sync_usb_message(char *out, size_t n, const char *path, int64_t entries, int bundles,
                          int files);

#endif
