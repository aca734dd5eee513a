/*
 * test_jobs.c - the office server's background jobs (sync/src/office_jobs.c): jobs run one at a
 * time in the order they were started; their state reads queued, running, done (with the result)
 * or failed (with status and reason); at most SY__JOBS_ACTIVE are unfinished; finished ones are
 * forgotten beyond SY__JOBS_KEPT; a stop lets the running job finish and fails the queued ones
 * without running them. Every wait is on a condition, never a fixed sleep.
 */
#include <pthread.h>
#include <sched.h>

#include "check.h"
#include "office_jobs.h"

/* What the jobs did, in order, under one lock; a gate holds the first job until released. */
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static char order[64];
static int freed, gate_open, gated_waiting;

typedef struct arg {
    char tag;
    int gated; /* wait for gate_open before finishing */
    int fail;  /* end failed rather than done */
} arg;

static void run(sy__job *job, void *p)
{
    arg *a = p;
    pthread_mutex_lock(&mu);
    size_t n = strlen(order);
    if (n + 1 < sizeof order)
        order[n] = a->tag, order[n + 1] = '\0';
    if (a->gated) {
        gated_waiting = 1;
        pthread_cond_broadcast(&changed);
        while (!gate_open)
            pthread_cond_wait(&changed, &mu);
    }
    pthread_mutex_unlock(&mu);
    if (a->fail) {
        sy__job_failed(job, 400, "not a raster");
    } else {
        char tag[2] = {a->tag, '\0'};
        sy__job_done(job, json_pack("{s:s}", "tag", tag));
    }
}

static void free_arg(void *p)
{
    free(p);
    pthread_mutex_lock(&mu);
    freed++;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&mu);
}

static int64_t start(sy__jobs *js, char tag, int gated, int fail)
{
    arg *a = calloc(1, sizeof *a);
    a->tag = tag;
    a->gated = gated;
    a->fail = fail;
    char what[2] = {tag, '\0'};
    return sy__job_start(js, "imagery.add", what, "adm", run, a, free_arg);
}

static void reset(void)
{
    pthread_mutex_lock(&mu);
    order[0] = '\0';
    freed = gate_open = gated_waiting = 0;
    pthread_mutex_unlock(&mu);
}

static void wait_freed(int n)
{
    pthread_mutex_lock(&mu);
    while (freed < n)
        pthread_cond_wait(&changed, &mu);
    pthread_mutex_unlock(&mu);
}

static void wait_gated(void)
{
    pthread_mutex_lock(&mu);
    while (!gated_waiting)
        pthread_cond_wait(&changed, &mu);
    pthread_mutex_unlock(&mu);
}

static void open_gate(void)
{
    pthread_mutex_lock(&mu);
    gate_open = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&mu);
}

/* The state of job id, as its JSON says ("" when it is forgotten). */
static const char *state_of(sy__jobs *js, int64_t id, char *buf, size_t len)
{
    json_t *o = sy__job_json(js, id);
    snprintf(buf, len, "%s", o ? json_string_value(json_object_get(o, "state")) : "");
    json_decref(o);
    return buf;
}

static void test_order_and_states(void)
{
    reset();
    sy__jobs *js = sy__jobs_new();
    CHECK(js != NULL);
    int64_t a = start(js, 'A', 1, 0), b = start(js, 'B', 0, 1), c = start(js, 'C', 0, 0);
    CHECK_INT(a, 1);
    CHECK_INT(b, 2);
    CHECK_INT(c, 3);
    wait_gated();
    char s[16], what[16];
    CHECK_STR(state_of(js, a, s, sizeof s), "running");
    CHECK_STR(state_of(js, b, s, sizeof s), "queued"); /* B and C wait for A */
    CHECK_STR(state_of(js, c, s, sizeof s), "queued");
    CHECK_INT(sy__jobs_active(js, what, sizeof what), 3);
    CHECK_STR(what, "A");
    /* the fifth unfinished job is refused, and its argument freed */
    CHECK(start(js, 'D', 0, 0) > 0);
    CHECK_INT(start(js, 'E', 0, 0), 0);
    CHECK_INT(freed, 1);
    open_gate();
    wait_freed(5);
    CHECK_STR(order, "ABCD");
    json_t *o = sy__job_json(js, b);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "failed");
    CHECK_INT(json_integer_value(json_object_get(o, "status")), 400);
    CHECK_STR(json_string_value(json_object_get(o, "error")), "not a raster");
    CHECK(json_object_get(o, "result") == NULL);
    json_decref(o);
    o = sy__job_json(js, c);
    CHECK_STR(json_string_value(json_object_get(o, "state")), "done");
    CHECK_STR(json_string_value(json_object_get(json_object_get(o, "result"), "tag")), "C");
    CHECK_STR(json_string_value(json_object_get(o, "what")), "C");
    CHECK_STR(json_string_value(json_object_get(o, "by")), "adm");
    CHECK_STR(json_string_value(json_object_get(o, "kind")), "imagery.add");
    json_decref(o);
    CHECK(sy__job_json(js, 99) == NULL);
    /* the listing, newest first */
    json_t *l = sy__jobs_json(js);
    CHECK_INT(json_array_size(l), 4);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(l, 0), "job")), 4);
    CHECK_INT(json_integer_value(json_object_get(json_array_get(l, 3), "job")), 1);
    json_decref(l);
    sy__jobs_free(js);
}

static void *stop_thread(void *js)
{
    sy__jobs_free(js);
    return NULL;
}

static void test_stop(void)
{
    reset();
    sy__jobs *js = sy__jobs_new();
    start(js, 'A', 1, 0);
    start(js, 'B', 0, 0);
    start(js, 'C', 0, 0);
    wait_gated();
    /* the stop, on a thread of its own: it waits for A, the queued fail without running */
    pthread_t t;
    CHECK(pthread_create(&t, NULL, stop_thread, js) == 0);
    wait_freed(2); /* B and C let go of, A still running */
    pthread_mutex_lock(&mu);
    CHECK_STR(order, "A");
    pthread_mutex_unlock(&mu);
    open_gate();
    pthread_join(t, NULL);
    CHECK_STR(order, "A"); /* B and C never ran */
    CHECK_INT(freed, 3);
}

static void test_forgetting(void)
{
    reset();
    sy__jobs *js = sy__jobs_new();
    int64_t first = 0, last = 0;
    for (int i = 0; i < SY__JOBS_KEPT + 8; i++) {
        last = start(js, 'x', 0, 0);
        if (!first)
            first = last;
        wait_freed(i + 1); /* one at a time: never more than SY__JOBS_ACTIVE unfinished */
    }
    /* a finished job's thread lets go of it a moment later: wait for every thread to end */
    while (sy__jobs_active(js, NULL, 0) > 0)
        sched_yield();
    json_t *l = sy__jobs_json(js);
    CHECK_INT(json_array_size(l), SY__JOBS_KEPT);
    json_decref(l);
    char s[16];
    CHECK_STR(state_of(js, first, s, sizeof s), ""); /* forgotten */
    CHECK_STR(state_of(js, last, s, sizeof s), "done");
    sy__jobs_free(js);
}

int main(void)
{
    test_order_and_states();
    test_stop();
    test_forgetting();
    sy__jobs_free(NULL);
    return check_finish();
}
