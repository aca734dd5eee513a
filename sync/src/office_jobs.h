/*
 * office_jobs.h - the office server's background jobs: work a staff request starts and does not
 * wait for (tiling an uploaded orthophoto takes minutes), run on a thread of its own, its state
 * kept for the console to ask after.
 *
 * A job is queued, then running, then done (with a result object) or failed (with an HTTP
 * status and a message). Jobs run one at a time, in the order they were started: two uploads
 * of the same imagery name end with the later one in place. The registry keeps every unfinished job
 * and the last SY__JOBS_KEPT finished ones, in memory only: a restarted office has forgotten them
 * (an imagery whose tiling was cut short by the stop was never listed, docs/office.md).
 *
 * Threads: the registry's calls are safe from any thread. sy__jobs_free lets the job that is
 * running finish (nothing a job's function uses may be freed under it) and fails the queued
 * ones without running them ("the office stopped"), so a stop waits for one job at most.
 */
#ifndef QUEJIE_OFFICE_JOBS_H
#define QUEJIE_OFFICE_JOBS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define SY__JOBS_KEPT 32  /* finished jobs remembered */
#define SY__JOBS_ACTIVE 4 /* jobs queued or running at once; more are refused */
#define SY__JOB_WHAT_MAX 160

typedef struct sy__jobs sy__jobs;
typedef struct sy__job sy__job;

/* A job's work, on its own thread once every job started before it has ended: calls exactly
 * one of sy__job_done and sy__job_failed. arg is the caller's; free_arg (may be NULL) is
 * called on it after run returns. */
typedef void (*sy__job_fn)(sy__job *job, void *arg);

sy__jobs *sy__jobs_new(void);

/* How many jobs are queued or running; what, when not NULL, receives the running one's "what"
 * ("" when none runs). */
int sy__jobs_active(sy__jobs *js, char *what, size_t len);

/* Fail the queued jobs, wait for the running one to end, then free the registry (NULL:
 * nothing). */
void sy__jobs_free(sy__jobs *js);

/*
 * Start a job: kind and what say what it is ("imagery.add", the imagery's name), by names the
 * staff member. Returns its id (from 1), 0 when SY__JOBS_ACTIVE are already queued or running,
 * -1 when no thread could be started. On 0 or -1 free_arg(arg) has been called.
 */
int64_t sy__job_start(sy__jobs *js, const char *kind, const char *what, const char *by,
                      sy__job_fn run, void *arg, void (*free_arg)(void *));

/* The job's result object (taken, may be NULL). */
void sy__job_done(sy__job *job, json_t *result);
void sy__job_failed(sy__job *job, int http_status, const char *msg);

/*
 * One job as JSON: {"job", "kind", "what", "by", "state": "queued"|"running"|"done"|"failed",
 * "seconds" (since it was queued, or until it ended), "result" (done) or "error" and
 * "status" (failed)}; NULL when no such job is remembered.
 */
json_t *sy__job_json(sy__jobs *js, int64_t id);

/* Every remembered job, newest first, as a JSON array of sy__job_json objects. */
json_t *sy__jobs_json(sy__jobs *js);

#endif
