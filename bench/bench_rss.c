/*
 * bench_rss.c - run a command and print its peak resident set size (ru_maxrss from wait4).
 * Usage: bench_rss LABEL COMMAND [ARGS...]; prints on stderr "LABEL peak RSS N.N MB exit S".
 */
#include <stdio.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: bench_rss LABEL COMMAND [ARGS...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[2], argv + 2);
        perror(argv[2]);
        _exit(127);
    }
    int status;
    struct rusage ru;
    if (pid < 0 || wait4(pid, &status, 0, &ru) < 0) {
        perror("wait4");
        return 1;
    }
    fprintf(stderr, "%s peak RSS %.1f MB exit %d\n", argv[1], ru.ru_maxrss / 1024.0,
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    return 0;
}
