/*
 * preview.c - the picture about to be kept with a unit, read and decoded on a worker thread
 * (preview.h). The UI asks for one path at a time; the worker takes the newest request, and a
 * result for a path no longer asked for is dropped, so tapping through ten photographs decodes
 * at most the one under way and the last one.
 *
 * Must never: read or decode on the UI thread, hold more than one decoded picture at a time
 * besides the one shown, or show a picture under another file's name.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "preview.h"
#include "survey/lifecycle.h" /* SV_ATTACH_MAX_BYTES: what the journal would keep */

#define PV_PATH 1400

struct app_preview {
    int max_side;
    app_fit_decode_fn decode;
    app_tex_new_fn tex_new;
    app_tex_free_fn tex_free;
    void *tex_ctx;
    void (*wake)(void *);
    void *wake_ctx;

    pthread_t th;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int stop;
    /* asked for (UI thread writes, under mu): the path, its size and time, a generation */
    char want[PV_PATH];
    int64_t want_bytes, want_mtime;
    uint64_t want_gen, taken_gen;
    /* done by the worker (under mu), for the generation it was asked as */
    uint64_t done_gen;
    int done;
    unsigned char *px;
    int pw, ph, palpha;
    char perr[300];

    /* shown (UI thread only) */
    app_preview_state state;
    void *tex;
    int w, h;
    char err[300];
};

/* The file's bytes, at most what the journal would keep. */
static void *read_file(const char *path, size_t *n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s", strerror(errno));
        return NULL;
    }
    void *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size <= 0 || (unsigned long)size > SV_ATTACH_MAX_BYTES || fseek(f, 0, SEEK_SET) != 0)
        snprintf(err, errlen, "%s", size <= 0 ? _("empty or unreadable") : _("larger than 32 MiB"));
    else if (!(buf = malloc((size_t)size)))
        snprintf(err, errlen, "out of memory");
    else if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        snprintf(err, errlen, "%s", ferror(f) ? strerror(errno) : "changed while read");
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = buf ? (size_t)size : 0;
    return buf;
}

static void *worker(void *arg)
{
    app_preview *pv = arg;
    pthread_mutex_lock(&pv->mu);
    for (;;) {
        while (!pv->stop && pv->taken_gen == pv->want_gen)
            pthread_cond_wait(&pv->cv, &pv->mu);
        if (pv->stop)
            break;
        char path[PV_PATH];
        memcpy(path, pv->want, sizeof path);
        uint64_t gen = pv->taken_gen = pv->want_gen;
        pthread_mutex_unlock(&pv->mu);

        char err[300] = "";
        int w = 0, h = 0, alpha = 0;
        unsigned char *px = NULL;
        size_t n = 0;
        void *data = path[0] ? read_file(path, &n, err, sizeof err) : NULL;
        /* the decode is the long part: not begun for a file no longer asked for, nor when
         * the app is closing */
        pthread_mutex_lock(&pv->mu);
        int wanted = !pv->stop && gen == pv->want_gen;
        pthread_mutex_unlock(&pv->mu);
        if (data && wanted)
            px = pv->decode(data, n, pv->max_side, &w, &h, &alpha, err, sizeof err);
        free(data);

        pthread_mutex_lock(&pv->mu);
        int wake = 0;
        if (!pv->stop && gen == pv->want_gen) { /* still what the UI asks for */
            free(pv->px);
            pv->px = px;
            pv->pw = w, pv->ph = h, pv->palpha = alpha;
            snprintf(pv->perr, sizeof pv->perr, "%s", px ? "" : err[0] ? err : "cannot decode");
            pv->done_gen = gen;
            pv->done = 1;
            wake = pv->wake != NULL;
        } else {
            free(px);
        }
        if (wake) { /* the UI woken outside the lock: its poll takes the same mutex */
            pthread_mutex_unlock(&pv->mu);
            pv->wake(pv->wake_ctx);
            pthread_mutex_lock(&pv->mu);
        }
    }
    pthread_mutex_unlock(&pv->mu);
    return NULL;
}

app_preview *app_preview_new(int max_side, app_fit_decode_fn decode, app_tex_new_fn tex_new,
                             app_tex_free_fn tex_free, void *tex_ctx, void (*wake)(void *),
                             void *wake_ctx)
{
    if (!decode || !tex_new || !tex_free || max_side < 16)
        return NULL;
    app_preview *pv = calloc(1, sizeof *pv);
    if (!pv)
        return NULL;
    pv->max_side = max_side;
    pv->decode = decode;
    pv->tex_new = tex_new;
    pv->tex_free = tex_free;
    pv->tex_ctx = tex_ctx;
    pv->wake = wake;
    pv->wake_ctx = wake_ctx;
    pthread_mutex_init(&pv->mu, NULL);
    pthread_cond_init(&pv->cv, NULL);
    if (pthread_create(&pv->th, NULL, worker, pv) != 0) {
        pthread_cond_destroy(&pv->cv);
        pthread_mutex_destroy(&pv->mu);
        free(pv);
        return NULL;
    }
    return pv;
}

void app_preview_free(app_preview *pv)
{
    if (!pv)
        return;
    pthread_mutex_lock(&pv->mu);
    pv->stop = 1;
    pthread_cond_signal(&pv->cv);
    pthread_mutex_unlock(&pv->mu);
    pthread_join(pv->th, NULL);
    free(pv->px);
    if (pv->tex)
        pv->tex_free(pv->tex_ctx, pv->tex);
    pthread_cond_destroy(&pv->cv);
    pthread_mutex_destroy(&pv->mu);
    free(pv);
}

void app_preview_want(app_preview *pv, const char *path, int64_t bytes, int64_t mtime_ms)
{
    if (!pv)
        return;
    if (!path)
        path = "";
    pthread_mutex_lock(&pv->mu);
    int same = strcmp(pv->want, path) == 0 && pv->want_bytes == bytes && pv->want_mtime == mtime_ms;
    if (!same) {
        snprintf(pv->want, sizeof pv->want, "%s", path);
        pv->want_bytes = bytes;
        pv->want_mtime = mtime_ms;
        pv->want_gen++;
        pv->done = 0; /* a result for an older request is never shown, nor kept */
        free(pv->px);
        pv->px = NULL;
        pthread_cond_signal(&pv->cv);
    }
    pthread_mutex_unlock(&pv->mu);
    if (same)
        return;
    /* what was shown belongs to another file: gone at once */
    if (pv->tex)
        pv->tex_free(pv->tex_ctx, pv->tex);
    pv->tex = NULL;
    pv->w = pv->h = 0;
    pv->err[0] = '\0';
    pv->state = path[0] ? APP_PREVIEW_LOADING : APP_PREVIEW_NONE;
}

int app_preview_poll(app_preview *pv)
{
    if (!pv)
        return 0;
    pthread_mutex_lock(&pv->mu);
    int ready = pv->done && pv->done_gen == pv->want_gen && pv->want[0];
    unsigned char *px = NULL;
    int w = 0, h = 0, alpha = 0;
    char err[sizeof pv->perr];
    if (ready) {
        px = pv->px;
        pv->px = NULL;
        w = pv->pw, h = pv->ph, alpha = pv->palpha;
        memcpy(err, pv->perr, sizeof err);
        pv->done = 0;
    }
    pthread_mutex_unlock(&pv->mu);
    if (!ready)
        return 0;
    if (pv->tex)
        pv->tex_free(pv->tex_ctx, pv->tex);
    int decoded = px != NULL;
    pv->tex = decoded ? pv->tex_new(pv->tex_ctx, px, w, h, alpha) : NULL;
    free(px);
    pv->w = pv->tex ? w : 0;
    pv->h = pv->tex ? h : 0;
    snprintf(pv->err, sizeof pv->err, "%s", pv->tex ? "" : decoded ? "no texture" : err);
    pv->state = pv->tex ? APP_PREVIEW_READY : APP_PREVIEW_FAILED;
    return 1;
}

app_preview_state app_preview_get(const app_preview *pv, void **tex, int *w, int *h,
                                  const char **err)
{
    if (tex)
        *tex = pv ? pv->tex : NULL;
    if (w)
        *w = pv ? pv->w : 0;
    if (h)
        *h = pv ? pv->h : 0;
    if (err)
        *err = pv ? pv->err : "";
    return pv ? pv->state : APP_PREVIEW_NONE;
}
