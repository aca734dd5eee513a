/*
 * bench_app_start.c - start-up of the touch app: time from exec to the first frame shown, and
 * peak RSS, of whole processes, against a baseline command measured in the same run.
 *
 *   bench_app_start RUNS [--fresh FILE]... -- LABEL CMD [ARGS...] [-- LABEL CMD [ARGS...]]...
 *
 * --fresh FILE is removed before every run (state a run leaves for the next one, such as the
 * app's JOURNAL.session, which reopens the last unit after a crash).
 *
 * Targets (issue): cold start to the first frame <= 300 ms with a journal of 100,000 entries;
 * peak RSS <= 80 MB.
 *
 * Each command is run RUNS times, the commands taking turns (run 1 of each, then run 2 of
 * each, ...) so a noisy moment is shared. For each run: CLOCK_MONOTONIC is read just before
 * fork; the child execs CMD with stdout to /dev/null and stderr to a pipe; wait4 gives its
 * ru_maxrss. quejie-app --stats prints "stats: first_frame_mono_ms=N ..." on stderr at exit,
 * N on the same clock (CLOCK_MONOTONIC is system-wide), so start to first frame is N minus
 * the launcher's reading. A command without that line (e.g. --check-glyphs, which opens the
 * window and the font but draws no frame) reports start to exit only.
 *
 * Prints median and max per command and the ratios of each command's medians to the first
 * command's (the baseline). The page cache is warm (the journal was just written or read):
 * these are warm starts of a cold process. Never passes or fails on time.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CMDS 8
#define MAX_RUNS 100

typedef struct cmd {
    const char *label;
    char **argv;
    double first[MAX_RUNS]; /* ms from fork to the first frame, NAN if not reported */
    double exit_ms[MAX_RUNS];
    double rss_mb[MAX_RUNS];
    int status[MAX_RUNS];
} cmd;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median and max of the finite values; NAN when there are none. */
static void med_max(const double *v, int n, double *med, double *max)
{
    double c[MAX_RUNS];
    int k = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(v[i]))
            c[k++] = v[i];
    *med = *max = NAN;
    if (!k)
        return;
    qsort(c, (size_t)k, sizeof *c, cmp_double);
    *med = k % 2 ? c[k / 2] : (c[k / 2 - 1] + c[k / 2]) / 2;
    *max = c[k - 1];
}

/* Run one command; fills run i of c. Returns 0, or -1 when it could not be started. */
static int run(cmd *c, int i)
{
    int fd[2];
    if (pipe(fd) != 0)
        return -1;
    double t0 = mono_ms();
    pid_t pid = fork();
    if (pid < 0) {
        close(fd[0]);
        close(fd[1]);
        return -1;
    }
    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        if (null >= 0) {
            dup2(null, 0);
            dup2(null, 1);
        }
        dup2(fd[1], 2);
        close(fd[0]);
        close(fd[1]);
        execvp(c->argv[0], c->argv);
        dprintf(2, "exec %s: %s\n", c->argv[0], strerror(errno));
        _exit(127);
    }
    close(fd[1]);
    char buf[16384];
    size_t n = 0;
    ssize_t r;
    while ((r = read(fd[0], buf + n, sizeof buf - 1 - n)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0 && (n += (size_t)r) == sizeof buf - 1)
            n = 0; /* keep reading; the stats line is the last thing written */
    close(fd[0]);
    buf[n] = '\0';
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
        ;
    c->exit_ms[i] = mono_ms() - t0;
    c->rss_mb[i] = (double)ru.ru_maxrss / 1024.0; /* KiB on Linux */
    c->status[i] = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    c->first[i] = NAN;
    const char *s = strstr(buf, "stats: first_frame_mono_ms=");
    long long ff;
    if (s && sscanf(s, "stats: first_frame_mono_ms=%lld", &ff) == 1 && ff >= 0)
        c->first[i] = (double)ff - t0;
    if (c->status[i] != 0) {
        const char *tail = n > 300 ? buf + n - 300 : buf;
        fprintf(stderr, "bench_app_start: %s exited with %d: %s\n", c->label, c->status[i], tail);
    }
    return 0;
}

int main(int argc, char **argv)
{
    cmd cmds[MAX_CMDS];
    int ncmd = 0;
    int runs = argc > 1 ? atoi(argv[1]) : 0;
    const char *fresh[MAX_CMDS];
    int nfresh = 0, a0 = 2;
    while (a0 + 1 < argc && strcmp(argv[a0], "--fresh") == 0 && nfresh < MAX_CMDS) {
        fresh[nfresh++] = argv[a0 + 1];
        a0 += 2;
    }
    if (argc < a0 + 3 || runs < 1 || runs > MAX_RUNS || strcmp(argv[a0], "--") != 0) {
        fprintf(stderr, "usage: bench_app_start RUNS [--fresh FILE]... -- LABEL CMD [ARGS...] "
                        "[-- LABEL CMD [ARGS...]]...\n");
        return 2;
    }
    /* every "--" ends the previous command's argv and starts a LABEL CMD [ARGS...] group */
    int seps[MAX_CMDS + 1], nsep = 0;
    for (int i = a0; i < argc; i++) {
        if (strcmp(argv[i], "--") != 0)
            continue;
        if (nsep == MAX_CMDS) {
            fprintf(stderr, "bench_app_start: at most %d commands\n", MAX_CMDS);
            return 2;
        }
        seps[nsep++] = i;
        argv[i] = NULL;
    }
    seps[nsep] = argc;
    for (int k = 0; k < nsep; k++) {
        if (seps[k + 1] - seps[k] < 3) {
            fprintf(stderr, "bench_app_start: each -- needs a LABEL and a CMD\n");
            return 2;
        }
        memset(&cmds[ncmd], 0, sizeof cmds[ncmd]);
        cmds[ncmd].label = argv[seps[k] + 1];
        cmds[ncmd].argv = &argv[seps[k] + 2];
        ncmd++;
    }

    for (int i = 0; i < runs; i++)
        for (int k = 0; k < ncmd; k++) {
            for (int f = 0; f < nfresh; f++)
                if (unlink(fresh[f]) != 0 && errno != ENOENT)
                    fprintf(stderr, "bench_app_start: %s: %s\n", fresh[f], strerror(errno));
            if (run(&cmds[k], i) != 0) {
                fprintf(stderr, "bench_app_start: cannot start %s: %s\n", cmds[k].label,
                        strerror(errno));
                return 1;
            }
        }

    double base_first = NAN, base_exit = NAN, base_rss = NAN;
    int bad = 0;
    printf("  %-40s %21s %21s %21s\n", "", "start to first frame", "start to exit", "peak RSS");
    printf("  %-40s %10s %10s %10s %10s %10s %10s\n",
           "("
           "median, max of runs)",
           "median", "max", "median", "max", "median", "max");
    for (int k = 0; k < ncmd; k++) {
        cmd *c = &cmds[k];
        double fmed, fmax, emed, emax, rmed, rmax;
        med_max(c->first, runs, &fmed, &fmax);
        med_max(c->exit_ms, runs, &emed, &emax);
        med_max(c->rss_mb, runs, &rmed, &rmax);
        for (int i = 0; i < runs; i++)
            bad += c->status[i] != 0;
        char f1[32] = "-", f2[32] = "-";
        if (isfinite(fmed)) {
            snprintf(f1, sizeof f1, "%.1f ms", fmed);
            snprintf(f2, sizeof f2, "%.1f ms", fmax);
        }
        printf("  %-40s %10s %10s %7.1f ms %7.1f ms %7.1f MB %7.1f MB\n", c->label, f1, f2, emed,
               emax, rmed, rmax);
        if (k == 0) {
            base_first = fmed, base_exit = emed, base_rss = rmed;
            continue;
        }
        printf("  %-40s", "  ratio to the first line (medians)");
        if (isfinite(fmed) && isfinite(base_first))
            printf(" %10.2f %10s", fmed / base_first, "");
        else
            printf(" %10s %10s", "-", "");
        printf(" %10.2f %10s %10.2f\n", emed / base_exit, "", rmed / base_rss);
    }
    if (bad)
        printf("  %d run(s) exited non-zero (see above): their figures are not comparable\n", bad);
    return bad ? 1 : 0;
}
