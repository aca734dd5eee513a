/*
 * fileio.c - atomic whole-file replacement (fileio.h): a temporary file beside the target,
 * synced, renamed (or linked) into place, the directory synced. The only implementation; it
 * must never leave a torn target or, on failure, a temporary file behind.
 */
#include "survey/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

void sv_file_keep_private(int fd)
{
    struct stat st;
    /* the owner keeps read: root opening a group-readable key of the service's user must not
     * leave that user unable to read its own key */
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0)
        (void)fchmod(fd, (st.st_mode & 0600) | 0400);
}

/* File systems that cannot sync a directory say EINVAL; the data is as safe there as they
 * allow. */
void sv_file_sync_dir(const char *path)
{
    char *dir = sv__strdup(path);
    if (!dir)
        return;
    char *slash = strrchr(dir, '/');
    const char *d = ".";
    if (slash) {
        if (slash == dir)
            slash[1] = '\0';
        else
            *slash = '\0';
        d = dir;
    }
    int dfd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    free(dir);
}

/* splitmix64: enough to make a temporary name unlikely to collide; O_EXCL makes it safe. */
static uint64_t mix64(uint64_t x)
{
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
}

int sv_file_tmp_beside(const char *path, char *tmp, size_t tmp_size)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    size_t len = strlen(path);
    if (tmp_size < len + 12) {
        errno = ENAMETOOLONG;
        return -1;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* No global counter (the library keeps no mutable globals): the stack address and the
     * attempt number tell concurrent callers apart. */
    uint64_t seed = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^
                    ((uint64_t)ts.tv_sec << 20) ^ (uint64_t)(uintptr_t)&ts;
    for (int attempt = 0; attempt < 100; attempt++) {
        uint64_t r = mix64(seed + (uint64_t)attempt);
        memcpy(tmp, path, len);
        memcpy(tmp + len, ".tmp-", 5);
        for (int i = 0; i < 6; i++) {
            tmp[len + 5 + i] = alphabet[r % 36];
            r /= 36;
        }
        tmp[len + 11] = '\0';
        int fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

int sv_file_replaceable(const char *path, char *why, size_t why_size)
{
    struct stat sb;
    const char *r = NULL;
    if (strcmp(path, "-") == 0)
        r = "is standard output to most tools, and a file is written here: give a file name";
    else if (lstat(path, &sb) != 0)
        return 0; /* not there yet (or not reachable: the writer says why) */
    else if (S_ISLNK(sb.st_mode))
        r = "is a symbolic link: give the file it points to (the file would replace the link, "
            "not be written through it)";
    else if (S_ISDIR(sb.st_mode))
        r = "is a directory: name the file to write in it";
    else if (!S_ISREG(sb.st_mode))
        r = "is not a regular file (a device or a pipe, such as /dev/stdout): a whole file is "
            "written and renamed into place; give a file name";
    if (!r)
        return 0;
    snprintf(why, why_size, "%s", r);
    return -1;
}

int sv_file_commit(const char *tmp, const char *path)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    close(fd);
    if (rename(tmp, path) != 0)
        return -1;
    /* The rename itself lives in the directory: sync it too, or a power cut can bring back
     * the old file (or none). */
    sv_file_sync_dir(path);
    return 0;
}

int sv_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         int exclusive)
{
    size_t tsize = strlen(path) + 12;
    char *tmp = malloc(tsize);
    if (!tmp) {
        errno = ENOMEM;
        return -1;
    }
    int fd = sv_file_tmp_beside(path, tmp, tsize);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        errno = e;
        return -1;
    }
    int ok = fchmod(fd, (mode_t)mode) == 0;
    const char *p = data;
    for (size_t done = 0; ok && done < len;) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR)
            continue;
        ok = w > 0;
        if (ok)
            done += (size_t)w;
        else if (w == 0)
            errno = ENOSPC;
    }
    ok = ok && fsync(fd) == 0;
    int e = errno;
    if (close(fd) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (ok && exclusive) {
        /* link(2) refuses an existing target, where rename would replace it */
        ok = link(tmp, path) == 0;
        e = errno;
        unlink(tmp);
        if (ok)
            sv_file_sync_dir(path);
    } else if (ok) {
        ok = rename(tmp, path) == 0;
        e = errno;
        if (ok)
            sv_file_sync_dir(path);
    }
    if (!ok)
        unlink(tmp);
    free(tmp);
    errno = e;
    return ok ? 0 : -1;
}
