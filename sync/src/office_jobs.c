/*
 * office_jobs.c - the office server's background jobs (office_jobs.h).
 *
 * A singly linked list, newest first, under one mutex; a job's thread is detached and counted
 * in `active`, which sy__jobs_free waits to reach zero. A job's thread waits (on `idle`) until no
 * older job is unfinished, so jobs run in the order they were started. A job's record lives in the
 * list until it is among the oldest finished ones beyond SY__JOBS_KEPT, and is only ever pruned
 * once finished, so a running job's pointer stays valid for its thread.
 */
#include "office_jobs.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "survey/clock.h"

enum job_state { JOB_QUEUED, JOB_RUNNING, JOB_DONE, JOB_FAILED };

static const char *const state_names[] = {"queued", "running", "done", "failed"};

struct sy__job {
    sy__jobs *js;
    int64_t id;
    char kind[32];
    char what[SY__JOB_WHAT_MAX];
    char by[SY__JOB_WHAT_MAX];
    enum job_state state;
    int64_t started, ended; /* monotonic ms; ended 0 while unfinished */
    json_t *result;
    int status;
    char *error;
    sy__job_fn run;
    void *arg;
    void (*free_arg)(void *);
    int thread_ended; /* its thread no longer touches it: it may be pruned */
    sy__job *next;
};

struct sy__jobs {
    pthread_mutex_t lock;
    pthread_cond_t idle; /* signalled when a job's thread ends */
    sy__job *head;       /* newest first */
    int64_t next_id;
    int active;   /* threads not yet ended */
    int stopping; /* sy__jobs_free was called: queued jobs fail without running */
};

sy__jobs *sy__jobs_new(void)
{
    sy__jobs *js = calloc(1, sizeof *js);
    if (!js)
        return NULL;
    pthread_mutex_init(&js->lock, NULL);
    pthread_cond_init(&js->idle, NULL);
    js->next_id = 1;
    return js;
}

static void job_free(sy__job *j)
{
    json_decref(j->result);
    free(j->error);
    free(j);
}

int sy__jobs_active(sy__jobs *js, char *what, size_t len)
{
    pthread_mutex_lock(&js->lock);
    int n = js->active;
    if (what && len) {
        what[0] = '\0';
        for (const sy__job *j = js->head; j; j = j->next)
            if (j->state == JOB_RUNNING) {
                snprintf(what, len, "%s", j->what);
                break;
            }
    }
    pthread_mutex_unlock(&js->lock);
    return n;
}

void sy__jobs_free(sy__jobs *js)
{
    if (!js)
        return;
    pthread_mutex_lock(&js->lock);
    js->stopping = 1;
    pthread_cond_broadcast(&js->idle); /* the queued wake up and fail */
    while (js->active > 0)
        pthread_cond_wait(&js->idle, &js->lock);
    pthread_mutex_unlock(&js->lock);
    for (sy__job *j = js->head, *next; j; j = next) {
        next = j->next;
        job_free(j);
    }
    pthread_cond_destroy(&js->idle);
    pthread_mutex_destroy(&js->lock);
    free(js);
}

/* Drop finished jobs beyond the newest SY__JOBS_KEPT of them (only those whose thread has ended:
 * a job is finished a moment before its thread lets go of it). Under the lock. */
static void prune(sy__jobs *js)
{
    int kept = 0;
    for (sy__job **p = &js->head; *p;) {
        sy__job *j = *p;
        if (j->thread_ended) {
            if (++kept > SY__JOBS_KEPT) {
                *p = j->next;
                job_free(j);
                continue;
            }
        }
        p = &j->next;
    }
}

/* An unfinished job started before j. Under the lock. */
static int older_unfinished(const sy__job *j)
{
    for (const sy__job *k = j->next; k; k = k->next) /* the list is newest first */
        if (k->state == JOB_QUEUED || k->state == JOB_RUNNING)
            return 1;
    return 0;
}

static void *job_thread(void *p)
{
    sy__job *j = p;
    sy__jobs *js = j->js;
    pthread_mutex_lock(&js->lock);
    while (!js->stopping && older_unfinished(j))
        pthread_cond_wait(&js->idle, &js->lock);
    int run = !js->stopping;
    if (run) {
        j->state = JOB_RUNNING;
    } else {
        j->state = JOB_FAILED;
        j->status = 503;
        j->error = strdup("the office stopped before this job's turn: nothing was done with it; "
                          "send it again");
        j->ended = sv_mono_ms();
    }
    pthread_mutex_unlock(&js->lock);
    if (run)
        j->run(j, j->arg);
    if (j->free_arg)
        j->free_arg(j->arg);
    pthread_mutex_lock(&js->lock);
    if (j->state != JOB_DONE && j->state != JOB_FAILED) { /* a run that said nothing */
        j->state = JOB_FAILED;
        j->status = 500;
        j->error = strdup("the job ended without a result");
        j->ended = sv_mono_ms();
    }
    j->arg = NULL;
    j->thread_ended = 1;
    prune(js);
    js->active--;
    pthread_cond_broadcast(&js->idle);
    pthread_mutex_unlock(&js->lock);
    return NULL;
}

int64_t sy__job_start(sy__jobs *js, const char *kind, const char *what, const char *by,
                      sy__job_fn run, void *arg, void (*free_arg)(void *))
{
    sy__job *j = calloc(1, sizeof *j);
    if (!j) {
        if (free_arg)
            free_arg(arg);
        return -1;
    }
    j->js = js;
    snprintf(j->kind, sizeof j->kind, "%s", kind);
    snprintf(j->what, sizeof j->what, "%s", what);
    snprintf(j->by, sizeof j->by, "%s", by ? by : "");
    j->run = run;
    j->arg = arg;
    j->free_arg = free_arg;
    j->started = sv_mono_ms();

    pthread_mutex_lock(&js->lock);
    if (js->active >= SY__JOBS_ACTIVE) {
        pthread_mutex_unlock(&js->lock);
        free(j);
        if (free_arg)
            free_arg(arg);
        return 0;
    }
    j->id = js->next_id++;
    j->next = js->head;
    js->head = j;
    js->active++;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    pthread_t t;
    int rc = pthread_create(&t, &attr, job_thread, j);
    pthread_attr_destroy(&attr);
    if (rc != 0) {
        js->head = j->next;
        js->active--;
        pthread_mutex_unlock(&js->lock);
        free(j);
        if (free_arg)
            free_arg(arg);
        return -1;
    }
    int64_t id = j->id;
    pthread_mutex_unlock(&js->lock);
    return id;
}

void sy__job_done(sy__job *job, json_t *result)
{
    pthread_mutex_lock(&job->js->lock);
    job->state = JOB_DONE;
    job->result = result;
    job->ended = sv_mono_ms();
    pthread_mutex_unlock(&job->js->lock);
}

void sy__job_failed(sy__job *job, int http_status, const char *msg)
{
    pthread_mutex_lock(&job->js->lock);
    job->state = JOB_FAILED;
    job->status = http_status;
    free(job->error);
    job->error = strdup(msg ? msg : "failed");
    job->ended = sv_mono_ms();
    pthread_mutex_unlock(&job->js->lock);
}

/* Under the lock. */
static json_t *to_json(const sy__job *j, int64_t now)
{
    int64_t end = j->ended ? j->ended : now;
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:s, s:I}", "job", (json_int_t)j->id, "kind",
                          j->kind, "what", j->what, "by", j->by, "state", state_names[j->state],
                          "seconds", (json_int_t)((end - j->started) / 1000));
    if (!o)
        return NULL;
    /* a copy: the caller serialises it outside the lock, the job keeps its own */
    if (j->state == JOB_DONE)
        json_object_set_new(o, "result", j->result ? json_deep_copy(j->result) : json_null());
    if (j->state == JOB_FAILED) {
        json_object_set_new(o, "error", json_string(j->error ? j->error : ""));
        json_object_set_new(o, "status", json_integer(j->status));
    }
    return o;
}

json_t *sy__job_json(sy__jobs *js, int64_t id)
{
    json_t *o = NULL;
    int64_t now = sv_mono_ms();
    pthread_mutex_lock(&js->lock);
    for (const sy__job *j = js->head; j; j = j->next)
        if (j->id == id) {
            o = to_json(j, now);
            break;
        }
    pthread_mutex_unlock(&js->lock);
    return o;
}

json_t *sy__jobs_json(sy__jobs *js)
{
    json_t *a = json_array();
    int64_t now = sv_mono_ms();
    pthread_mutex_lock(&js->lock);
    for (const sy__job *j = js->head; a && j; j = j->next)
        json_array_append_new(a, to_json(j, now));
    pthread_mutex_unlock(&js->lock);
    return a;
}
