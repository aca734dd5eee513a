/*
 * office_files.c - the files crews keep with units (tablet entries "attach"), received after
 * the entries that name them: a device sends a file's bytes in pieces from where the office's
 * copy ends, and the office keeps the whole file once it hashes to its name
 * (docs/sync-protocol.md, "Files").
 *
 * Must never: take bytes for a file no entry of that device names (the office holds entries
 * first, so a device cannot fill the office with anything it has not signed), keep a file whose
 * bytes do not hash to its name, mix one device's pieces with another's (each device's upload
 * is its own: device_pieces is keyed by device, so no device can spoil another's), or hold more
 * than one file's pieces in memory at once.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/lifecycle.h"

/* The file the device's entries name: its size and type; SY_ENOTFOUND when none does. */
static int named_now(sy_office *o, const char *device_id, const char *sha, int64_t *bytes,
                     char type[24])
{
    if (!sha || strlen(sha) != 64 || strspn(sha, "0123456789abcdef") != 64)
        return sy__fail(o, SY_EINVAL, "a file is named by 64 lowercase hex digits");
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "SELECT bytes, type FROM field_attachments WHERE device_id = ?1 AND"
                      " sha256 = ?2 LIMIT 1",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, device_id);
    sy__bind_text(st, 2, sha);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW) {
        *bytes = sqlite3_column_int64(st, 0);
        snprintf(type, 24, "%s", sy__col_text(st, 1));
    }
    sqlite3_finalize(st);
    if (step == SQLITE_DONE)
        return sy__fail(o, SY_ENOTFOUND,
                        "no entry of this device at the office names file %.16s... (send the "
                        "entries first)",
                        sha);
    return step == SQLITE_ROW ? SY_OK : sy__fail_db(o, "the crews' files");
}

#define REFRESH_RETRY_S 60

/* The same, outside a transaction: a file no indexed entry names is looked for again once the
 * device's activity is brought up to its replica (an index that failed after the bundle was
 * acknowledged would otherwise hide the device's files until its next bundle). A refresh that
 * fails, or finds nothing to bring up, leaves the answer and its message as they were. */
static int named(sy_office *o, const char *device_id, const char *sha, int64_t *bytes,
                 char type[24])
{
    int rc = named_now(o, device_id, sha, bytes, type);
    if (rc != SY_ENOTFOUND || o->reader)
        return rc;
    char why[sizeof o->errmsg];
    snprintf(why, sizeof why, "%s", o->errmsg);
    int64_t now = sv_wall_ms();
    if (strcmp(o->refresh_failed, device_id) == 0 && now < o->refresh_retry_ms)
        return sy__fail(o, SY_ENOTFOUND, "%s", why); /* failed a moment ago: not again yet */
    int refreshed = 0;
    int frc = sy__life_device_refresh(o, device_id, &refreshed);
    if (frc == SY_OK && refreshed)
        return named_now(o, device_id, sha, bytes, type);
    if (frc != SY_OK) { /* logged; the device hears about what it asked for */
        sy__logf(o,
                 "activity of device %s not brought up to its replica: %s (not tried again "
                 "for %d s)",
                 device_id, o->errmsg, REFRESH_RETRY_S);
        snprintf(o->refresh_failed, sizeof o->refresh_failed, "%s", device_id);
        o->refresh_retry_ms = now + REFRESH_RETRY_S * 1000LL;
    }
    return sy__fail(o, SY_ENOTFOUND, "%s", why);
}

/* How much of the file the office holds for the device: all of it (*whole, from whichever
 * device or bundle file it came), or the bytes of this device's pieces. */
static int held(sy_office *o, const char *device_id, const char *sha, int64_t bytes, int64_t *have,
                int *whole)
{
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "SELECT EXISTS (SELECT 1 FROM attachments WHERE sha256 = ?1),"
                      " (SELECT coalesce(sum(length(data)), 0) FROM device_pieces"
                      "  WHERE sha256 = ?1 AND device_id = ?2)",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, sha);
    sy__bind_text(st, 2, device_id);
    if (sqlite3_step(st) == SQLITE_ROW) {
        *whole = sqlite3_column_int(st, 0);
        *have = *whole ? bytes : sqlite3_column_int64(st, 1);
    } else {
        rc = sy__fail_db(o, "the crews' files");
    }
    sqlite3_finalize(st);
    return rc;
}

int sy_office_file_status(sy_office *o, const char *device_id, const char *sha256,
                          sy_file_status *s)
{
    memset(s, 0, sizeof *s);
    char type[24];
    int rc = named(o, device_id, sha256, &s->bytes, type);
    if (rc == SY_OK)
        rc = held(o, device_id, sha256, s->bytes, &s->have, &s->complete);
    /* all of the device's pieces there but not put together (an office stopped in between):
     * put together now */
    if (rc == SY_OK && !s->complete && s->have == s->bytes && !o->reader)
        return sy_office_file_piece(o, device_id, sha256, s->have, NULL, 0, s);
    return rc;
}

int sy_office_files_held(sy_office *o, const char *device_id, int64_t *n)
{
    *n = 0;
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "SELECT count(DISTINCT f.sha256) FROM field_attachments f"
                      " JOIN attachments a ON a.sha256 = f.sha256 WHERE f.device_id = ?1",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, device_id);
    if (sqlite3_step(st) == SQLITE_ROW)
        *n = sqlite3_column_int64(st, 0);
    else
        rc = sy__fail_db(o, "the crews' files");
    sqlite3_finalize(st);
    return rc;
}

/* Every device's pieces of the file dropped (once it is whole), or one device's (device_id
 * not NULL: its upload failed the hash). */
static int drop_pieces(sy_office *o, const char *sha, const char *device_id)
{
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      device_id ? "DELETE FROM device_pieces WHERE sha256 = ?1 AND device_id = ?2"
                                : "DELETE FROM device_pieces WHERE sha256 = ?1",
                      &st);
    if (rc != SY_OK)
        return rc;
    sy__bind_text(st, 1, sha);
    if (device_id)
        sy__bind_text(st, 2, device_id);
    if (sqlite3_step(st) != SQLITE_DONE)
        rc = sy__fail_db(o, "the crews' files");
    sqlite3_finalize(st);
    return rc;
}

/* The device's pieces put together, checked against the file's name and its entry's type,
 * kept in attachments (and then every device's pieces of it dropped); the device's pieces are
 * dropped when they do not make the file. Inside the caller's transaction. */
static int assemble(sy_office *o, const char *device_id, const char *sha, int64_t bytes,
                    const char *type)
{
    uint8_t *buf = malloc((size_t)bytes);
    if (!buf)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sqlite3_stmt *st;
    int rc = sy__prep(o,
                      "SELECT offset, data FROM device_pieces WHERE sha256 = ?1 AND device_id = ?2"
                      " ORDER BY offset",
                      &st);
    int64_t at = 0;
    if (rc == SY_OK) {
        sy__bind_text(st, 1, sha);
        sy__bind_text(st, 2, device_id);
        while (rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
            int64_t off = sqlite3_column_int64(st, 0), n = sqlite3_column_bytes(st, 1);
            if (off != at || at + n > bytes)
                rc = sy__fail(o, SY_EIO, "file %.16s...: its pieces do not follow each other", sha);
            else if (n)
                memcpy(buf + at, sqlite3_column_blob(st, 1), (size_t)n);
            at += n;
        }
        sqlite3_finalize(st);
    }
    uint8_t md[crypto_hash_sha256_BYTES];
    char hex[2 * crypto_hash_sha256_BYTES + 1];
    crypto_hash_sha256(md, buf, (size_t)at);
    sodium_bin2hex(hex, sizeof hex, md, sizeof md);
    const char *sniffed = sv_attach_type(buf, (size_t)at);
    int good = rc == SY_OK && at == bytes && strcmp(hex, sha) == 0 && sniffed &&
               strcmp(sniffed, type) == 0;
    if (rc == SY_OK && good)
        rc = sy__attachment_store(o, sha, type, buf, (size_t)at);
    free(buf);
    if (rc == SY_OK)
        rc = drop_pieces(o, sha, good ? NULL : device_id);
    if (rc == SY_OK && !good)
        rc = sy__fail(o, SY_EREFUSED,
                      "file %.16s...: the %lld bytes received do not hash to its name (or are not "
                      "the %s its entry says): dropped, send it again",
                      sha, (long long)at, type);
    return rc;
}

int sy_office_file_piece(sy_office *o, const char *device_id, const char *sha256, int64_t offset,
                         const uint8_t *data, size_t len, sy_file_status *s)
{
    memset(s, 0, sizeof *s);
    char type[24];
    int rc = named(o, device_id, sha256, &s->bytes, type); /* before: it may index */
    if (rc != SY_OK)
        return rc;
    rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc != SY_OK)
        return rc;
    rc = named_now(o, device_id, sha256, &s->bytes, type);
    if (rc == SY_OK)
        rc = held(o, device_id, sha256, s->bytes, &s->have, &s->complete);
    /* every piece of the device's there but never put together (an office stopped between the
     * two, a build before that was one transaction): put together now, this piece being the
     * answer's */
    int pending = rc == SY_OK && !s->complete && s->have == s->bytes;
    if (rc == SY_OK && !s->complete && !pending) {
        if (offset != s->have)
            rc = sy__fail(o, SY_EGAP, "file %.16s...: the office holds %lld bytes, not %lld",
                          sha256, (long long)s->have, (long long)offset);
        else if (len == 0 || len > SY_FILE_PIECE_BYTES || (int64_t)len > s->bytes - offset)
            rc = sy__fail(o, SY_EINVAL,
                          "file %.16s...: a piece of %zu bytes at %lld does not fit its %lld "
                          "bytes (at most %d a piece)",
                          sha256, len, (long long)offset, (long long)s->bytes, SY_FILE_PIECE_BYTES);
    }
    if (rc == SY_OK && !s->complete && !pending) {
        sqlite3_stmt *st;
        rc = sy__prep(o,
                      "INSERT INTO device_pieces(sha256, device_id, offset, data)"
                      " VALUES (?1, ?2, ?3, ?4)",
                      &st);
        if (rc == SY_OK) {
            sy__bind_text(st, 1, sha256);
            sy__bind_text(st, 2, device_id);
            sqlite3_bind_int64(st, 3, offset);
            sqlite3_bind_blob64(st, 4, data, len, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sy__fail_db(o, "the crews' files");
            sqlite3_finalize(st);
        }
        s->have = offset + (int64_t)len;
    }
    if (rc == SY_OK && !s->complete && s->have == s->bytes) {
        rc = assemble(o, device_id, sha256, s->bytes, type);
        s->complete = rc == SY_OK;
        if (rc == SY_EREFUSED) { /* the pieces are dropped: commit that, then refuse */
            char why[512];
            snprintf(why, sizeof why, "%s", sy_office_errmsg(o));
            if (sy__exec(o, "COMMIT") != SY_OK)
                sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
            s->have = 0;
            return sy__fail(o, SY_EREFUSED, "%s", why);
        }
    }
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", sy_office_errmsg(o));
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        sy__fail(o, rc, "%s", why);
    }
    if (rc == SY_OK && s->complete)
        sy__logf(o, "file %.16s... (%lld bytes) from device %s received whole", sha256,
                 (long long)s->bytes, device_id);
    return rc;
}

/* ---- from a bundle file (USB) -----------------------------------------------------------------
 */

int sy_office_file_import(sy_office *o, const uint8_t *b, size_t len, sy_file_import_result *r)
{
    memset(r, 0, sizeof *r);
    char err[256] = "";
    size_t total = 0;
    sy_file_record_info info;
    int rc = sy_file_record_peek(b, len, &info, &total, err, sizeof err);
    if (rc != SY_OK)
        return sy__fail(o, rc, "%s", err);
    snprintf(r->device_id, sizeof r->device_id, "%s", info.device_id);
    snprintf(r->sha256, sizeof r->sha256, "%s", info.sha256);
    r->bytes = info.bytes;
    sy_device dev;
    char status[16] = "";
    rc = sy__device_by_id(o, info.device_id, &dev, status, sizeof status);
    if (dev.name[0])
        snprintf(r->device, sizeof r->device, "%s", dev.name);
    if (rc != SY_OK)
        return rc;
    uint8_t *data = NULL;
    rc = sy_file_record_open(b, len, dev.pk, o->office_id, o->box_pk, o->box_sk, &info, &data, err,
                             sizeof err);
    if (rc != SY_OK)
        return sy__fail(o, rc, "%s", err);
    int64_t bytes = 0, have = 0;
    int whole = 0;
    char type[24];
    /* named() may bring the device's index up, which is its own transaction: first, and then
     * again inside this one */
    rc = named(o, info.device_id, info.sha256, &bytes, type);
    if (rc == SY_OK || rc == SY_ENOTFOUND)
        rc = sy__exec(o, "BEGIN IMMEDIATE");
    if (rc == SY_OK &&
        (rc = named_now(o, info.device_id, info.sha256, &bytes, type)) == SY_ENOTFOUND)
        rc = sy__fail(o, SY_ENOTFOUND,
                      "no entry of %s at the office names file %.16s... (its bundle must come "
                      "first: import the bundles of the same day before it)",
                      dev.name, info.sha256);
    if (rc == SY_OK)
        rc = held(o, info.device_id, info.sha256, bytes, &have, &whole);
    const char *sniffed = sv_attach_type(data, (size_t)info.bytes);
    if (rc == SY_OK && !whole && (bytes != info.bytes || !sniffed || strcmp(sniffed, type) != 0))
        rc = sy__fail(o, SY_EREFUSED,
                      "file %.16s... is not the %lld-byte %s its entry names: refused", info.sha256,
                      (long long)bytes, type);
    if (rc == SY_OK && !whole)
        rc = sy__attachment_store(o, info.sha256, type, data, (size_t)info.bytes);
    if (rc == SY_OK && !whole)
        rc = drop_pieces(o, info.sha256, NULL);
    free(data);
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", sy_office_errmsg(o));
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
        return sy__fail(o, rc, "%s", why);
    }
    r->duplicate = whole;
    if (!whole)
        sy__logf(o, "file %.16s... (%lld bytes) from device %s imported from a bundle file",
                 info.sha256, (long long)info.bytes, dev.name);
    return SY_OK;
}
