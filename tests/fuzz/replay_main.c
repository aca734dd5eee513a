/*
 * replay_main.c - runs a fuzz target over saved inputs, so that seed corpora and fuzzer finds
 * are regression tests in every build (gcc, ASan/UBSan). Usage: replay PATH..., where each
 * PATH is a file or a directory whose regular files are replayed in name order (README.md
 * files, which describe a corpus, are skipped). A directory that does not exist counts as
 * empty, so a target may have no regression inputs yet.
 * Passing means: no crash, no sanitizer report, every file read, at least one file found.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

static int read_ok, failed;

static void replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        failed++;
        return;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *buf = n >= 0 ? malloc(n > 0 ? (size_t)n : 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        LLVMFuzzerTestOneInput(buf, (size_t)n);
        /* Every input again with one byte cut off: truncation at an arbitrary point. */
        if (n > 1)
            LLVMFuzzerTestOneInput(buf, (size_t)n - 1);
        read_ok++;
    } else {
        fprintf(stderr, "%s: cannot read\n", path);
        failed++;
    }
    free(buf);
    fclose(f);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void replay_path(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return; /* no such directory: nothing saved there yet */
    if (!S_ISDIR(st.st_mode)) {
        replay_file(path);
        return;
    }
    struct dirent **names;
    int n = scandir(path, &names, NULL, by_name);
    if (n < 0) {
        perror(path);
        failed++;
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        char full[4096];
        snprintf(full, sizeof full, "%s/%s", path, name);
        if (name[0] != '.' && strcmp(name, "README.md") != 0 && stat(full, &st) == 0 &&
            S_ISREG(st.st_mode))
            replay_file(full);
        free(names[i]);
    }
    free(names);
}

int main(int argc, char **argv)
{
    if (LLVMFuzzerInitialize)
        LLVMFuzzerInitialize(&argc, &argv);
    for (int i = 1; i < argc; i++)
        replay_path(argv[i]);
    printf("%d passed, %d failed\n", read_ok, failed);
    if (read_ok == 0)
        fprintf(stderr, "no input replayed: the seed corpus is missing\n");
    return failed || read_ok == 0 ? 1 : 0;
}
