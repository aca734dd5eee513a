/*
 * sync_worker.c - see sync_worker.h.
 */
#include "sync_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "i18n.h"
#include "survey/clock.h"
#include "survey/export.h"
#include "survey/geo.h"
#include "survey/journal.h"

enum { OP_NONE = 0, OP_STATUS = 1, OP_SYNC = 2, OP_USB = 4 };

struct app_sync {
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    void (*wake)(void *);
    void *ctx;
    sv_journal *j;
    sy_client *c;
    volatile int stop_flag; /* handed to sy_client_sync: stop between requests */
    int stop;
    int ops;
    char usb_dir[4096];
    app_sync_snap snap;
    /* after "no connection", try again on its own: 30 s, doubling to 5 min */
    int64_t retry_at_ms; /* CLOCK_MONOTONIC; 0 none */
    int retry_s;
};

static void notify(app_sync *s)
{
    if (s->wake)
        s->wake(s->ctx);
}

static void progress(void *ctx, const char *line)
{
    app_sync *s = ctx;
    pthread_mutex_lock(&s->lock);
    snprintf(s->snap.line, sizeof s->snap.line, "%s", line);
    s->snap.gen++;
    pthread_mutex_unlock(&s->lock);
    notify(s);
}

/* Re-read cursor and bundles into the snapshot (on the worker thread). */
static void read_status(app_sync *s)
{
    sy_client_status st;
    memset(&st, 0, sizeof st);
    int rc = sy_client_status_get(s->c, &st);
    pthread_mutex_lock(&s->lock);
    if (rc == SY_OK) {
        s->snap.enrolled = st.enrolled;
        snprintf(s->snap.office, sizeof s->snap.office, "%.127s",
                 st.office_name[0] ? st.office_name : st.office_url);
        s->snap.last_seq = st.last_seq;
        s->snap.acked_seq = st.acked_seq;
        s->snap.last_sync_ms = st.last_sync_ms;
        s->snap.files_pending = st.files_pending;
        s->snap.nrows = 0;
        for (size_t i = 0; i < st.n_bundles && i < APP_SYNC_ROWS; i++)
            s->snap.rows[s->snap.nrows++] = st.bundles[i];
    }
    s->snap.gen++;
    pthread_mutex_unlock(&s->lock);
    sy_client_status_clear(&st);
}

static void set_outcome(app_sync *s, app_sync_outcome o, const char *msg)
{
    pthread_mutex_lock(&s->lock);
    s->snap.outcome = o;
    snprintf(s->snap.message, sizeof s->snap.message, "%s", msg);
    s->snap.gen++;
    pthread_mutex_unlock(&s->lock);
}

static void do_sync(app_sync *s)
{
    sy_sync_opts o;
    memset(&o, 0, sizeof o);
    o.attempts = 2; /* the crew can tap again; a long back-off helps nobody in the field */
    o.backoff_s = 1;
    o.stop = &s->stop_flag;
    o.progress = progress;
    o.ctx = s;
    sy_sync_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = sy_client_sync(s->c, &o, &rep);
    char msg[400];
    app_sync_outcome out;
    switch (rc) {
    case SY_OK: {
        out = APP_SYNC_DONE;
        /* each count with its own plural: "1 entry", "1 bundle", "1 unit" */
        char bundles[64], units[100];
        snprintf(bundles, sizeof bundles,
                 ngettext("%d bundle", "%d bundles", (unsigned long)rep.bundles_sent),
                 rep.bundles_sent);
        snprintf(units, sizeof units,
                 ngettext("%d unit received", "%d units received", (unsigned long)rep.tasks_added),
                 rep.tasks_added);
        snprintf(msg, sizeof msg,
                 ngettext("%lld entry sent in %s, %s", "%lld entries sent in %s, %s",
                          (unsigned long)rep.entries_sent),
                 (long long)rep.entries_sent, bundles, units);
        if (rep.files_pending) { /* the entries went; some photographs did not yet */
            size_t used = strlen(msg);
            snprintf(msg + used, sizeof msg - used,
                     ngettext("; %d file not yet at the office", "; %d files not yet at the office",
                              (unsigned long)rep.files_pending),
                     rep.files_pending);
        }
        if (rep.tasks_error[0]) { /* the data went; the new units did not come */
            size_t used = strlen(msg);
            snprintf(msg + used, sizeof msg - used,
                     _("; the office's task package was refused, tell the county office: %s"),
                     rep.tasks_error);
        }
        break;
    }
    case SY_ENET:
        out = APP_SYNC_OFFLINE;
        snprintf(msg, sizeof msg, "%s", sy_client_errmsg(s->c));
        break;
    case SY_ENOTENROLLED:
        out = APP_SYNC_NOT_ENROLLED;
        snprintf(msg, sizeof msg, "%s", sy_client_errmsg(s->c));
        break;
    case SY_EREFUSED:
        out = APP_SYNC_REFUSED;
        snprintf(msg, sizeof msg, "%s", sy_client_errmsg(s->c));
        break;
    default:
        out = APP_SYNC_FAILED;
        snprintf(msg, sizeof msg, "%s: %s", sy_strerror(rc), sy_client_errmsg(s->c));
        break;
    }
    set_outcome(s, out, msg);
    pthread_mutex_lock(&s->lock);
    if (out == APP_SYNC_OFFLINE) {
        s->retry_s = s->retry_s ? (s->retry_s * 2 > 300 ? 300 : s->retry_s * 2) : 30;
        s->retry_at_ms = sv_mono_ms() + (int64_t)s->retry_s * 1000;
    } else {
        s->retry_s = 0;
        s->retry_at_ms = 0;
    }
    s->snap.retry_in_s = out == APP_SYNC_OFFLINE ? s->retry_s : 0;
    pthread_mutex_unlock(&s->lock);
}

void app_sync_usb_message(char *out, size_t n, const char *path, int64_t entries, int bundles,
                          int files)
{
    char nb[64], counts[200];
    snprintf(nb, sizeof nb, ngettext("%d bundle", "%d bundles", (unsigned long)bundles), bundles);
    snprintf(counts, sizeof counts,
             ngettext("%lld entry, %s", "%lld entries, %s", (unsigned long)entries),
             (long long)entries, nb);
    if (files > 0) { /* the photographs kept with units ride along */
        size_t k = strlen(counts);
        snprintf(counts + k, sizeof counts - k,
                 ngettext(", %d file", ", %d files", (unsigned long)files), files);
    }
    snprintf(out, n, "%.300s (%s)", path, counts);
}

/* The day as a GeoPackage on the stick, beside the bundles: the journal's whole state (every
 * unit), what a county GIS opens directly and all a crew whose tablet is not enrolled can hand
 * over. dir/quejie-DEVICE-YYYYMMDD-SEQ.gpkg, written atomically by the export. Returns 0 with
 * the file's name in name, or -1 with the reason in err. */
static int write_gpkg(app_sync *s, const char *dir, char *name, size_t n, char *err, size_t errlen)
{
    time_t now = (time_t)(sv_wall_ms() / 1000);
    struct tm tm;
    char day[16] = "00000000";
    if (localtime_r(&now, &tm))
        strftime(day, sizeof day, "%Y%m%d", &tm);
    snprintf(name, n, "%s/quejie-%s-%s-%lld.gpkg", dir, sv_journal_device_id(s->j), day,
             (long long)sv_journal_last_seq(s->j));
    sv_geo *g = NULL;
    sv_diag d = {{0}};
    int rc = sv_geo_new(&g);
    if (rc == SV_OK)
        rc = sv_export(s->j, g, SV_EXPORT_GPKG, NULL, name, NULL, &d);
    sv_geo_free(g);
    if (rc != SV_OK)
        snprintf(err, errlen, "%s", d.msg[0] ? d.msg : sv_strerror(rc));
    return rc == SV_OK ? 0 : -1;
}

static void do_usb(app_sync *s, const char *dir)
{
    char path[4200], gpkg[4200], gerr[600], msg[400];
    int gok = write_gpkg(s, dir, gpkg, sizeof gpkg, gerr, sizeof gerr) == 0;
    snprintf(path, sizeof path, "%s/quejie-%s-%lld.qjb", dir, sv_journal_device_id(s->j),
             (long long)sv_journal_last_seq(s->j));
    int64_t entries = 0;
    int n = 0, nfiles = 0;
    int rc = s->c ? sy_client_write_bundles(s->c, path, &entries, &n, &nfiles) : SY_ENOTENROLLED;
    if (!gok) {
        /* the GeoPackage failed (a full stick, say): say so, whatever the bundles did */
        snprintf(msg, sizeof msg, _("GeoPackage not written: %.300s"), gerr);
        set_outcome(s, APP_SYNC_USB_FAILED, msg);
    } else if (rc == SY_OK) {
        app_sync_usb_message(msg, sizeof msg, path, entries, n, nfiles);
        size_t k = strlen(msg);
        snprintf(msg + k, sizeof msg - k, _(" and %.200s"), strrchr(gpkg, '/') + 1);
        set_outcome(s, APP_SYNC_WRITTEN, msg);
    } else if (rc == SY_ENOTENROLLED || rc == SY_EINVAL) {
        /* no bundles to write (not enrolled, or the office holds everything): the GeoPackage
         * alone is the day on the stick */
        snprintf(msg, sizeof msg, _("%.300s (GeoPackage; no bundles: %s)"), gpkg,
                 rc == SY_EINVAL ? _("the office holds every entry") : _("not enrolled"));
        set_outcome(s, APP_SYNC_WRITTEN, msg);
    } else {
        snprintf(msg, sizeof msg, "%s", sy_client_errmsg(s->c));
        set_outcome(s, APP_SYNC_USB_FAILED, msg);
    }
}

static void *run(void *arg)
{
    app_sync *s = arg;
    pthread_mutex_lock(&s->lock);
    for (;;) {
        while (!s->stop && !s->ops) {
            if (!s->retry_at_ms) {
                pthread_cond_wait(&s->cond, &s->lock);
                continue;
            }
            int64_t now = sv_mono_ms();
            if (now >= s->retry_at_ms) {
                s->retry_at_ms = 0;
                s->ops |= OP_SYNC; /* the promised "will send when connected" */
                break;
            }
            /* the condition variable runs on CLOCK_MONOTONIC (set in app_sync_start) */
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            int64_t wait = s->retry_at_ms - now;
            ts.tv_sec += (time_t)(wait / 1000);
            ts.tv_nsec += (long)(wait % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&s->cond, &s->lock, &ts);
        }
        if (s->stop)
            break;
        int ops = s->ops;
        s->ops = 0;
        char dir[4096];
        snprintf(dir, sizeof dir, "%s", s->usb_dir);
        s->snap.busy = (ops & (OP_SYNC | OP_USB)) != 0;
        if (s->snap.busy)
            s->snap.line[0] = '\0';
        s->snap.gen++;
        pthread_mutex_unlock(&s->lock);
        notify(s);
        if (ops & OP_SYNC)
            do_sync(s);
        if (ops & OP_USB)
            do_usb(s, dir);
        read_status(s);
        pthread_mutex_lock(&s->lock);
        s->snap.busy = 0;
        s->snap.gen++;
        pthread_mutex_unlock(&s->lock);
        notify(s);
        pthread_mutex_lock(&s->lock);
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int app_sync_start(const char *journal_path, void (*wake)(void *), void *ctx, app_sync **out,
                   char *err, size_t errlen)
{
    *out = NULL;
    app_sync *s = calloc(1, sizeof *s);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = sv_journal_open(journal_path, 0, &s->j);
    if (rc != SV_OK) {
        snprintf(err, errlen, "%s", s->j ? sv_journal_errmsg(s->j) : sv_strerror(rc));
        sv_journal_close(s->j);
        free(s);
        return -1;
    }
    rc = sy_client_open(s->j, &s->c);
    if (rc != SY_OK) {
        snprintf(err, errlen, "%s", s->c ? sy_client_errmsg(s->c) : sy_strerror(rc));
        sy_client_close(s->c);
        sv_journal_close(s->j);
        free(s);
        return -1;
    }
    s->wake = wake;
    s->ctx = ctx;
    s->ops = OP_STATUS;
    pthread_mutex_init(&s->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&s->cond, &ca);
    pthread_condattr_destroy(&ca);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        snprintf(err, errlen, "cannot start the sync thread");
        pthread_cond_destroy(&s->cond);
        pthread_mutex_destroy(&s->lock);
        sy_client_close(s->c);
        sv_journal_close(s->j);
        free(s);
        return -1;
    }
    *out = s;
    return 0;
}

void app_sync_stop(app_sync *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->lock);
    s->stop = 1;
    s->stop_flag = 1;
    pthread_cond_signal(&s->cond);
    pthread_mutex_unlock(&s->lock);
    pthread_join(s->thread, NULL);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->lock);
    sy_client_close(s->c);
    sv_journal_close(s->j);
    free(s);
}

void app_sync_get(app_sync *s, app_sync_snap *out)
{
    pthread_mutex_lock(&s->lock);
    *out = s->snap;
    pthread_mutex_unlock(&s->lock);
}

static void ask(app_sync *s, int op, const char *dir)
{
    pthread_mutex_lock(&s->lock);
    if (!(s->snap.busy && (op & (OP_SYNC | OP_USB)))) {
        s->ops |= op;
        if (dir)
            snprintf(s->usb_dir, sizeof s->usb_dir, "%s", dir);
        if (op & (OP_SYNC | OP_USB)) {
            s->snap.busy = 1; /* shown at once; the thread confirms */
            s->snap.gen++;
        }
        pthread_cond_signal(&s->cond);
    }
    pthread_mutex_unlock(&s->lock);
}

void app_sync_refresh(app_sync *s)
{
    ask(s, OP_STATUS, NULL);
}

void app_sync_now(app_sync *s)
{
    ask(s, OP_SYNC, NULL);
}

void app_sync_usb(app_sync *s, const char *dir)
{
    ask(s, OP_USB, dir);
}
