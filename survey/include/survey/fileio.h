/*
 * fileio.h - replacing a file so that a crash or a full disk leaves either the old file or the
 * new one, never a torn one: the one implementation every writer of whole files uses (the
 * GeoPackage and text exports, bundle files for USB, the app's session file, key files).
 *
 * The new content goes to a temporary file beside the target (same directory, so the rename is
 * atomic), is synced, renamed over the target (or linked, when the target must not exist yet),
 * and the directory is synced so the rename itself survives a power cut. Thread-safe; no globals.
 */
#ifndef SURVEY_FILEIO_H
#define SURVEY_FILEIO_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Create and open (read-write, O_EXCL) a new file "PATH.tmp-XXXXXX" beside path, its name in
 * tmp (tmp_size >= strlen(path) + 12). Returns the descriptor, or -1 with errno set. */
int sv_file_tmp_beside(const char *path, char *tmp, size_t tmp_size);

/*
 * Whether path may be replaced whole by sv_file_commit: it does not exist yet, or it is a
 * regular file. Not a symbolic link (the rename would put a plain file where the link was and
 * leave the file it names as it was), a device such as /dev/stdout, a pipe, a socket or a
 * directory (the rename would replace the device node or fail), nor "-" (which means standard
 * output to most tools: a file of that name is never what was meant). 0, or -1 with a reason
 * in why ("is a symbolic link", ...) for "PATH REASON: give ..." messages.
 */
int sv_file_replaceable(const char *path, char *why, size_t why_size);

/* Sync tmp, rename it onto path and sync the directory. 0, or -1 with errno set (tmp is then
 * left for the caller to remove). */
int sv_file_commit(const char *tmp, const char *path);

/* Sync the directory holding path, so that a file just created, renamed or linked there
 * survives a power cut. File systems that cannot sync a directory are taken as they are. */
void sv_file_sync_dir(const char *path);

/* A secret key's file, open as fd, made the owner's alone (0600, or 0400 when it was not
 * writable) when it lets anyone else in: a key copied with its permissions lost (cp without -p)
 * is as secret as before. A file system without modes (a FAT stick) refuses, and is taken as it
 * is; so is a caller that does not own the file. */
void sv_file_keep_private(int fd);

/*
 * Write len bytes of data as the whole content of path, with permission bits mode, atomically:
 * on failure path is as it was and no temporary file is left. exclusive: fail with EEXIST when
 * path already exists (a key file is never replaced), instead of replacing it. 0, or -1 with
 * errno set.
 */
int sv_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                         int exclusive);

#ifdef __cplusplus
}
#endif
#endif
