/*
 * files.c - whole files in and out for the commands that keep files with units (files.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "files.h"
#include "survey/fileio.h"
#include "survey/lifecycle.h"

int read_small(const char *path, size_t max, uint8_t **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t *b = malloc(max + 1);
    size_t n = b ? fread(b, 1, max + 1, f) : 0;
    int bad = !b || ferror(f);
    fclose(f);
    if (bad || n > max) {
        free(b);
        errno = bad ? (b ? EIO : ENOMEM) : E2BIG;
        return -1;
    }
    *out = b;
    *len = n;
    return 0;
}

/* 1 when the file at path holds exactly these bytes. */
static int same_bytes(const char *path, const void *data, size_t len)
{
    uint8_t *b;
    size_t n;
    if (read_small(path, len, &b, &n) != 0)
        return 0;
    int same = n == len && memcmp(b, data, len) == 0;
    free(b);
    return same;
}

int save_named(const char *dir, const char *name, const char *sha256, const void *data, size_t len,
               char *failed, size_t failed_len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!sv_attach_name_ok(name)) { /* never a path out of dir, whatever an entry says */
        snprintf(failed, failed_len, "%s", path);
        errno = EINVAL;
        return -1;
    }
    /* saved before (a daily script run again): the same bytes are there, nothing to write */
    if (access(path, F_OK) == 0 && same_bytes(path, data, len)) {
        printf("%s (already there)\n", path);
        return 0;
    }
    if (access(path, F_OK) == 0)
        snprintf(path, sizeof path, "%s/%.8s-%s", dir, sha256, name);
    if (access(path, F_OK) == 0 && same_bytes(path, data, len)) {
        printf("%s (already there)\n", path);
        return 0;
    }
    if (sv_file_write_atomic(path, data, len, 0644, 1) != 0) { /* never over a file */
        snprintf(failed, failed_len, "%s", path);
        return -1;
    }
    printf("%s\n", path);
    return 0;
}
