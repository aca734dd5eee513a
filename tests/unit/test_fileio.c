/*
 * test_fileio.c - atomic whole-file replacement (survey/fileio.h): content and mode as asked,
 * a key-file write never replaces an existing file, and a failed write leaves neither a torn
 * target nor a temporary file behind.
 */
#include "check.h"
#include "survey/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static size_t count_files(void)
{
    DIR *d = opendir(dir);
    size_t n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        n += e->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static int content_is(const char *path, const char *want)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char buf[256];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return n == strlen(want) && memcmp(buf, want, n) == 0;
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/qj-fileio-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    char path[128], other[128];
    snprintf(path, sizeof path, "%s/session.json", dir);
    snprintf(other, sizeof other, "%s/no-such-dir/x", dir);

    /* a new file, then a replacement; the mode is the one asked for (not the umask's) */
    CHECK_INT(sv_file_write_atomic(path, "first\n", 6, 0600, 0), 0);
    CHECK(content_is(path, "first\n"));
    struct stat st;
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0600);
    CHECK_INT(sv_file_write_atomic(path, "second\n", 7, 0644, 0), 0);
    CHECK(content_is(path, "second\n"));
    CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644);
    CHECK_INT(count_files(), 1); /* no temporary left beside it */

    /* exclusive: an existing file is kept as it was, EEXIST, nothing left behind */
    errno = 0;
    CHECK_INT(sv_file_write_atomic(path, "key", 3, 0600, 1), -1);
    CHECK_INT(errno, EEXIST);
    CHECK(content_is(path, "second\n"));
    CHECK_INT(count_files(), 1);
    char key[128];
    snprintf(key, sizeof key, "%s/j.db.key", dir);
    CHECK_INT(sv_file_write_atomic(key, "0123456789", 10, 0600, 1), 0);
    CHECK(content_is(key, "0123456789"));
    CHECK_INT(count_files(), 2);

    /* a failure (no such directory) reports errno and creates nothing */
    errno = 0;
    CHECK_INT(sv_file_write_atomic(other, "x", 1, 0644, 0), -1);
    CHECK_INT(errno, ENOENT);
    CHECK_INT(count_files(), 2);

    /* the two-step form: a temporary beside the target, committed over it */
    char tmp[160];
    int fd = sv_file_tmp_beside(path, tmp, sizeof tmp);
    CHECK(fd >= 0);
    CHECK(strncmp(tmp, path, strlen(path)) == 0 && strstr(tmp, ".tmp-") != NULL);
    CHECK(write(fd, "third\n", 6) == 6);
    close(fd);
    CHECK(content_is(path, "second\n")); /* untouched until the commit */
    CHECK_INT(sv_file_commit(tmp, path), 0);
    CHECK(content_is(path, "third\n"));
    CHECK_INT(count_files(), 2);
    /* too small a buffer for the name */
    char small[8];
    errno = 0;
    CHECK_INT(sv_file_tmp_beside(path, small, sizeof small), -1);
    CHECK_INT(errno, ENAMETOOLONG);

    unlink(path);
    unlink(key);
    rmdir(dir);
    return check_finish();
}
