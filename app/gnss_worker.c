/*
 * gnss_worker.c - see gnss_worker.h. The thread polls sv_gnss with a short timeout so that a
 * stop request is seen within a quarter second; sv_gnss reconnects to gpsd by itself.
 */
#include "gnss_worker.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct app_gnss {
    pthread_t thread;
    pthread_mutex_t lock;
    sv_gnss *g;
    app_gnss_snap snap;
    void (*wake)(void *);
    void *ctx;
    void (*sink)(void *, const sv_fix *);
    void *sink_ctx;
    int stop;
};

static void *run(void *arg)
{
    app_gnss *w = arg;
    for (;;) {
        pthread_mutex_lock(&w->lock);
        int stop = w->stop;
        pthread_mutex_unlock(&w->lock);
        if (stop)
            break;
        sv_fix f;
        int rc = sv_gnss_poll(w->g, 250, &f);
        int connected = sv_gnss_connected(w->g);
        int changed = 0;
        pthread_mutex_lock(&w->lock);
        if (rc == SV_OK) {
            w->snap.fix = f;
            w->snap.have_fix = 1;
            changed = 1;
        }
        if (connected != w->snap.connected) {
            w->snap.connected = connected;
            snprintf(w->snap.error, sizeof w->snap.error, "%s",
                     connected ? "" : sv_gnss_errmsg(w->g));
            changed = 1;
        }
        if (changed)
            w->snap.gen++;
        void (*sink)(void *, const sv_fix *) = w->sink;
        void *sink_ctx = w->sink_ctx;
        pthread_mutex_unlock(&w->lock);
        if (rc == SV_OK && sink)
            sink(sink_ctx, &f);
        if (changed && w->wake)
            w->wake(w->ctx);
        if (rc == SV_ENORECEIVER) {
            /* gpsd is away: sv_gnss may answer at once, so do not spin on it */
            struct timespec ts = {0, 250 * 1000000L};
            nanosleep(&ts, NULL);
        }
    }
    return NULL;
}

int app_gnss_start(const char *hostport, void (*wake)(void *), void *ctx, app_gnss **out)
{
    *out = NULL;
    app_gnss *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    if (sv_gnss_open(hostport, &w->g) != SV_OK) {
        sv_gnss_close(w->g);
        free(w);
        return -1;
    }
    w->wake = wake;
    w->ctx = ctx;
    pthread_mutex_init(&w->lock, NULL);
    if (pthread_create(&w->thread, NULL, run, w) != 0) {
        pthread_mutex_destroy(&w->lock);
        sv_gnss_close(w->g);
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

void app_gnss_stop(app_gnss *w)
{
    if (!w)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    pthread_mutex_unlock(&w->lock);
    pthread_join(w->thread, NULL);
    pthread_mutex_destroy(&w->lock);
    sv_gnss_close(w->g);
    free(w);
}

void app_gnss_get(app_gnss *w, app_gnss_snap *out)
{
    pthread_mutex_lock(&w->lock);
    *out = w->snap;
    pthread_mutex_unlock(&w->lock);
}

void app_gnss_set_sink(app_gnss *w, void (*sink)(void *, const sv_fix *), void *ctx)
{
    pthread_mutex_lock(&w->lock);
    w->sink = sink;
    w->sink_ctx = ctx;
    pthread_mutex_unlock(&w->lock);
}
