/*
 * files.h - the files both commands read whole and write out: the attachments a crew or the
 * office keeps with a unit (quejie attach / attachments, quejie-office unit attach /
 * attachments).
 */
#ifndef QJ_CLI_FILES_H
#define QJ_CLI_FILES_H

#include <stddef.h>
#include <stdint.h>

/* The whole of the file at path, of at most max bytes (caller frees *out): 0, or -1 with errno
 * set (E2BIG: larger than max). */
int read_small(const char *path, size_t max, uint8_t **out, size_t *len);

/* Write a kept file into dir under the name it had (a second file of the same name gets its
 * hash's first 8 digits before it), never over an existing file, and print the path written;
 * a file already there with the same bytes (saved by an earlier run) is left as it is and its
 * path printed with " (already there)".
 * 0, or -1 with errno set and the path tried in failed (PATH_MAX bytes). */
int save_named(const char *dir, const char *name, const char *sha256, const void *data, size_t len,
               char *failed, size_t failed_len);

#endif
