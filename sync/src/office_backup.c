/*
 * office_backup.c - a copy of the whole office that can be put back: its database, key, its own
 * journal of decisions, every device's replica and the imagery, taken while the office serves,
 * each journal of the copy checked, and a manifest naming every file with its size and SHA-256
 * (docs/office.md, "Backup and restore").
 *
 * Consistency without stopping the office: each SQLite file is copied through SQLite's online
 * backup (one read transaction: a snapshot, never a torn file, while ingests go on in WAL), and
 * the files are copied in an order in which the copy can only look behind, never ahead: the
 * database first, then the office journal and the replicas. Journals only grow, so the copy's
 * indexes (the county index, unit activity, decisions) are at or behind the journals copied after
 * them, and an office brings an index that lags behind up to date when it opens. Nothing in the
 * source is written.
 */
#define _XOPEN_SOURCE 700 /* nftw */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sodium.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/clock.h"
#include "survey/fileio.h"
#include "survey/journal.h"

/* What has been written, for the manifest. */
typedef struct backup {
    sy_office *o;
    const char *dest;
    json_t *files; /* [{"path", "bytes", "sha256"}], paths relative to dest */
    sy_backup_result *r;
} backup;

/* dest/rel, newly allocated. */
static char *in_dest(const backup *b, const char *rel)
{
    size_t n = strlen(b->dest) + strlen(rel) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", b->dest, rel);
    return p;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The SHA-256 (hex) and size of file path; 0, or -1 with errno set. */
static int file_sha256(const char *path, char hex[65], uint64_t *bytes)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    crypto_hash_sha256_state st;
    crypto_hash_sha256_init(&st);
    unsigned char buf[1 << 16], h[crypto_hash_sha256_BYTES];
    size_t n;
    *bytes = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        crypto_hash_sha256_update(&st, buf, n);
        *bytes += n;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        errno = EIO;
        return -1;
    }
    crypto_hash_sha256_final(&st, h);
    sodium_bin2hex(hex, 65, h, sizeof h);
    return 0;
}

/* Name the file rel of the copy in the manifest, with its size and SHA-256. */
static int manifest_add(backup *b, const char *rel)
{
    char *p = in_dest(b, rel), hex[65];
    uint64_t bytes = 0;
    if (!p)
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    if (file_sha256(p, hex, &bytes) != 0) {
        int rc = sy__fail(b->o, SY_EIO, "backup: cannot read back %s: %s", p, strerror(errno));
        free(p);
        return rc;
    }
    free(p);
    b->r->bytes += bytes;
    json_t *row =
        json_pack("{s:s, s:I, s:s}", "path", rel, "bytes", (json_int_t)bytes, "sha256", hex);
    if (!row || json_array_append_new(b->files, row))
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    return SY_OK;
}

/* One SQLite file src into the copy as rel: SQLite's online backup in one step (a snapshot of
 * the source), the copy left as a single file (rollback journal mode, no -wal beside it) and
 * synced. The source is opened read-only and never written. */
static int copy_sqlite(backup *b, const char *src, const char *rel)
{
    char *dst = in_dest(b, rel);
    if (!dst)
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    sqlite3 *from = NULL, *to = NULL;
    int rc = SY_OK;
    int src_rc = sqlite3_open_v2(src, &from, SQLITE_OPEN_READONLY, NULL);
    if (src_rc != SQLITE_OK)
        rc = sy__fail(b->o, SY_EIO, "backup: cannot open %s: %s", src,
                      from ? sqlite3_errmsg(from) : sqlite3_errstr(src_rc));
    if (rc == SY_OK) {
        sqlite3_busy_timeout(from, 10000);
        int drc = sqlite3_open_v2(
            dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_EXCLUSIVE, NULL);
        if (drc != SQLITE_OK)
            rc = sy__fail(b->o, SY_EIO, "backup: cannot create %s: %s", dst,
                          to ? sqlite3_errmsg(to) : sqlite3_errstr(drc));
    }
    if (rc == SY_OK) {
        sqlite3_backup *bk = sqlite3_backup_init(to, "main", from, "main");
        int step = bk ? sqlite3_backup_step(bk, -1) : SQLITE_ERROR;
        int fin = bk ? sqlite3_backup_finish(bk) : SQLITE_ERROR;
        if (step != SQLITE_DONE || fin != SQLITE_OK)
            rc = sy__fail(b->o, SY_EIO, "backup: copying %s failed: %s", src, sqlite3_errmsg(to));
    }
    if (rc == SY_OK && sqlite3_exec(to, "PRAGMA journal_mode=DELETE; PRAGMA synchronous=FULL;",
                                    NULL, NULL, NULL) != SQLITE_OK)
        rc = sy__fail(b->o, SY_EIO, "backup: %s: %s", dst, sqlite3_errmsg(to));
    sqlite3_close_v2(from);
    if (to && sqlite3_close_v2(to) != SQLITE_OK && rc == SY_OK)
        rc = sy__fail(b->o, SY_EIO, "backup: cannot close %s", dst);
    if (rc == SY_OK) {
        /* SQLite synced its pages when the backup committed; the file's name is synced here */
        sv_file_sync_dir(dst);
        rc = manifest_add(b, rel);
    }
    free(dst);
    return rc;
}

/* A directory of the copy (rel, its parents in the copy too) made. */
static int make_dir(backup *b, const char *rel)
{
    char *p = in_dest(b, rel);
    if (!p)
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    int rc = SY_OK;
    for (char *s = p + strlen(b->dest) + 1; rc == SY_OK; s++) {
        if (*s != '/' && *s != '\0')
            continue;
        char c = *s;
        *s = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            rc = sy__fail(b->o, SY_EIO, "backup: cannot make %s: %s", p, strerror(errno));
        *s = c;
        if (!c)
            break;
    }
    free(p);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every "*.SUFFIX" file of directory dir (NULL-terminated, sorted, newly allocated names), or
 * NULL with *rc set; a directory that does not exist has none. */
static char **list_dir(backup *b, const char *dir, const char *suffix, int *rc)
{
    *rc = SY_OK;
    size_t n = 0, cap = 8;
    char **v = calloc(cap, sizeof *v);
    DIR *d = v ? opendir(dir) : NULL;
    if (!v) {
        *rc = sy__fail(b->o, SY_ENOMEM, "out of memory");
        return NULL;
    }
    if (!d) {
        if (errno == ENOENT)
            return v;
        *rc = sy__fail(b->o, SY_EIO, "backup: cannot read %s: %s", dir, strerror(errno));
        free(v);
        return NULL;
    }
    struct dirent *e;
    size_t sl = strlen(suffix);
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (e->d_name[0] == '.' || l <= sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        if (n + 1 >= cap) {
            char **w = realloc(v, 2 * cap * sizeof *v);
            if (!w)
                break;
            v = w;
            cap *= 2;
        }
        if (!(v[n] = strdup(e->d_name)))
            break;
        v[++n] = NULL;
    }
    closedir(d);
    if (e) {
        for (size_t i = 0; i < n; i++)
            free(v[i]);
        free(v);
        *rc = sy__fail(b->o, SY_ENOMEM, "out of memory");
        return NULL;
    }
    qsort(v, n, sizeof *v, cmp_name);
    return v;
}

static void free_list(char **v)
{
    for (size_t i = 0; v && v[i]; i++)
        free(v[i]);
    free(v);
}

/* The key file, byte for byte, its own alone (0600), never over an existing file. */
static int copy_key(backup *b, const char *rel)
{
    char *src = sy__str_cat(b->o->path, ".key"), *dst = in_dest(b, rel);
    unsigned char key[512];
    size_t n = 0;
    int rc = SY_OK;
    FILE *f = src ? fopen(src, "rb") : NULL;
    if (!src || !dst)
        rc = sy__fail(b->o, SY_ENOMEM, "out of memory");
    else if (!f)
        rc = sy__fail(b->o, SY_EIO, "backup: cannot read the office key %s: %s", src,
                      strerror(errno));
    else {
        n = fread(key, 1, sizeof key, f);
        if (ferror(f) || n == sizeof key)
            rc = sy__fail(b->o, SY_EIO, "backup: cannot read the office key %s", src);
    }
    if (f)
        fclose(f);
    if (rc == SY_OK && sv_file_write_atomic(dst, key, n, 0600, 1) != 0)
        rc = sy__fail(b->o, SY_EIO, "backup: cannot write %s: %s", dst, strerror(errno));
    sodium_memzero(key, sizeof key);
    free(src);
    free(dst);
    return rc == SY_OK ? manifest_add(b, rel) : rc;
}

/* The copy's journal rel checked as `quejie check` does (chain, head signature, SQLite's
 * integrity, derived state): *entries its length. */
static int check_journal(backup *b, const char *rel, int64_t *entries)
{
    char *p = in_dest(b, rel);
    if (!p)
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    sv_journal *j = NULL;
    sv_check_report rep;
    memset(&rep, 0, sizeof rep);
    int rc = sv_journal_open(p, SV_OPEN_READONLY, &j);
    if (rc != SV_OK)
        rc = sy__fail(b->o, SY_EIO, "backup: the copy %s does not open as a journal: %s", p,
                      j ? sv_journal_errmsg(j) : sv_strerror(rc));
    else if ((rc = sv_journal_check(j, &rep)) != SV_OK)
        rc = sy__fail(b->o, SY_EIO, "backup: the copy %s fails its check: %s", p,
                      rep.detail[0] ? rep.detail : sv_journal_errmsg(j));
    else
        *entries = rep.entries;
    sv_journal_close(j);
    free(p);
    return rc == SV_OK ? SY_OK : rc;
}

/* The copy of the database rel: SQLite's integrity check, and the same office. */
static int check_database(backup *b, const char *rel)
{
    char *p = in_dest(b, rel);
    if (!p)
        return sy__fail(b->o, SY_ENOMEM, "out of memory");
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int rc = SY_OK;
    if (sqlite3_open_v2(p, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || strcmp(sy__col_text(st, 0), "ok") != 0)
        rc = sy__fail(b->o, SY_EIO, "backup: the copy %s fails SQLite's integrity check: %s", p,
                      st ? sy__col_text(st, 0) : sqlite3_errmsg(db));
    sqlite3_finalize(st);
    st = NULL;
    if (rc == SY_OK &&
        (sqlite3_prepare_v2(db, "SELECT office_id FROM office", -1, &st, NULL) != SQLITE_OK ||
         sqlite3_step(st) != SQLITE_ROW || strcmp(sy__col_text(st, 0), b->o->office_id) != 0))
        rc = sy__fail(b->o, SY_EIO, "backup: the copy %s is not office %s", p, b->o->office_id);
    sqlite3_finalize(st);
    sqlite3_close_v2(db);
    free(p);
    return rc;
}

/* Every "*.gpkg" of the imagery directory src_dir into rel_dir of the copy. */
static int copy_gpkgs(backup *b, const char *src_dir, const char *rel_dir)
{
    int rc;
    char **names = list_dir(b, src_dir, ".gpkg", &rc);
    for (size_t i = 0; rc == SY_OK && names && names[i]; i++) {
        if (i == 0)
            rc = make_dir(b, rel_dir);
        char *src = malloc(strlen(src_dir) + strlen(names[i]) + 2);
        char *rel = malloc(strlen(rel_dir) + strlen(names[i]) + 2);
        if (!src || !rel) {
            rc = sy__fail(b->o, SY_ENOMEM, "out of memory");
        } else {
            sprintf(src, "%s/%s", src_dir, names[i]);
            sprintf(rel, "%s/%s", rel_dir, names[i]);
            rc = copy_sqlite(b, src, rel);
            if (rc == SY_OK)
                b->r->imagery++;
        }
        free(src);
        free(rel);
    }
    free_list(names);
    return rc;
}

/* A finished backup in the table backups (after the copy: the backup does not hold its own
 * row). A row that cannot be written is logged; the backup stands. */
static void record(sy_office *o, const char *dest, const sy_backup_result *r)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "INSERT INTO backups(time, dest, replicas, entries, decisions, imagery, bytes)"
                 " VALUES (?, ?, ?, ?, ?, ?, ?)",
                 &st) != SY_OK) {
        sy__logf(o, "backup in %s not recorded: %s", dest, o->errmsg);
        return;
    }
    sqlite3_bind_int64(st, 1, sv_wall_ms());
    sy__bind_text(st, 2, dest);
    sqlite3_bind_int64(st, 3, (sqlite3_int64)r->replicas);
    sqlite3_bind_int64(st, 4, r->entries);
    sqlite3_bind_int64(st, 5, r->decisions);
    sqlite3_bind_int64(st, 6, (sqlite3_int64)r->imagery);
    sqlite3_bind_int64(st, 7, (sqlite3_int64)r->bytes);
    if (sqlite3_step(st) != SQLITE_DONE)
        sy__logf(o, "backup in %s not recorded: %s", dest, sqlite3_errmsg(o->db));
    sqlite3_finalize(st);
}

int sy_office_last_backup(sy_office *o, char **out)
{
    *out = NULL;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT time, dest, replicas, entries, decisions, imagery, bytes FROM backups"
                 " ORDER BY time DESC, id DESC LIMIT 1",
                 &st) != SY_OK)
        return SY_EIO;
    json_t *v;
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        int64_t age_s = (sv_wall_ms() - sqlite3_column_int64(st, 0)) / 1000;
        v = json_pack("{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "time",
                      sy__col_json_time(st, 0), "dest", sy__col_json_str(st, 1), "replicas",
                      (json_int_t)sqlite3_column_int64(st, 2), "entries",
                      (json_int_t)sqlite3_column_int64(st, 3), "decisions",
                      (json_int_t)sqlite3_column_int64(st, 4), "imagery",
                      (json_int_t)sqlite3_column_int64(st, 5), "bytes",
                      (json_int_t)sqlite3_column_int64(st, 6), "age_hours",
                      (json_int_t)(age_s / 3600), "stale", age_s > SY_BACKUP_STALE_S);
    } else {
        v = s == SQLITE_DONE ? json_null() : NULL;
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        return sy__fail_db(o, "backups");
    return sy__json_text(o, v, out);
}

/* dest made, or taken when it is an empty directory: a backup never writes over files. */
static int dest_ready(sy_office *o, const char *dest)
{
    if (mkdir(dest, 0700) == 0) {
        sv_file_sync_dir(dest);
        return SY_OK;
    }
    if (errno != EEXIST)
        return sy__fail(o, SY_EIO, "backup: cannot make %s: %s", dest, strerror(errno));
    DIR *d = opendir(dest);
    if (!d)
        return sy__fail(o, SY_EIO, "backup: %s exists and is not a directory one can read: %s",
                        dest, strerror(errno));
    struct dirent *e;
    int empty = 1;
    while (empty && (e = readdir(d)) != NULL)
        empty = strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0;
    closedir(d);
    return empty ? SY_OK
                 : sy__fail(o, SY_ESTATE,
                            "backup: %s is not empty (a backup never writes over files: name a "
                            "new directory)",
                            dest);
}

int sy_office_backup(sy_office *o, const char *dest, int imagery, sy_backup_result *r)
{
    memset(r, 0, sizeof *r);
    if (!dest || !*dest)
        return sy__fail(o, SY_EINVAL, "backup: no destination directory given");
    int rc = dest_ready(o, dest);
    if (rc != SY_OK)
        return rc;
    backup b = {o, dest, json_array(), r};
    json_t *reps = json_array();
    const char *name = base_name(o->path);
    char *rel = malloc(strlen(name) + 64);
    if (!b.files || !reps || !rel)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    /* the database first: everything copied after it is at or ahead of its indexes */
    if (rc == SY_OK)
        rc = copy_sqlite(&b, o->path, name);
    if (rc == SY_OK)
        rc = check_database(&b, name);
    if (rc == SY_OK) {
        sprintf(rel, "%s.key", name);
        rc = copy_key(&b, rel);
    }
    char *src = sy__str_cat(o->path, ".decisions");
    if (rc == SY_OK && !src)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK && access(src, F_OK) == 0) {
        sprintf(rel, "%s.decisions", name);
        rc = copy_sqlite(&b, src, rel);
        if (rc == SY_OK)
            rc = check_journal(&b, rel, &r->decisions);
    }
    free(src);
    char **ids = NULL;
    if (rc == SY_OK)
        ids = list_dir(&b, o->replicas, ".db", &rc);
    if (rc == SY_OK) {
        sprintf(rel, "%s.replicas", name);
        rc = make_dir(&b, rel);
    }
    for (size_t i = 0; rc == SY_OK && ids && ids[i]; i++) {
        char *from = malloc(strlen(o->replicas) + strlen(ids[i]) + 2);
        char *to = malloc(strlen(name) + strlen(ids[i]) + 16);
        int64_t n = 0;
        if (!from || !to) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        } else {
            sprintf(from, "%s/%s", o->replicas, ids[i]);
            sprintf(to, "%s.replicas/%s", name, ids[i]);
            rc = copy_sqlite(&b, from, to);
            if (rc == SY_OK)
                rc = check_journal(&b, to, &n);
        }
        if (rc == SY_OK) {
            ids[i][strlen(ids[i]) - 3] = '\0'; /* the device id, without ".db" */
            r->replicas++;
            r->entries += n;
            if (json_array_append_new(
                    reps, json_pack("{s:s, s:I}", "device_id", ids[i], "entries", (json_int_t)n)))
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
        }
        free(from);
        free(to);
    }
    free_list(ids);
    if (rc == SY_OK && imagery) {
        char *dir = sy__str_cat(o->path, ".imagery"), *web = sy__str_cat(o->path, ".imagery/web");
        if (!dir || !web) {
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        } else {
            sprintf(rel, "%s.imagery", name);
            rc = copy_gpkgs(&b, dir, rel);
            sprintf(rel, "%s.imagery/web", name);
            if (rc == SY_OK)
                rc = copy_gpkgs(&b, web, rel);
        }
        free(dir);
        free(web);
    }
    /* the manifest last: a directory without one is an unfinished backup */
    if (rc == SY_OK) {
        char when[32];
        sy__iso_ms(sv_wall_ms(), when);
        json_t *m =
            json_pack("{s:s, s:i, s:s, s:s, s:s, s:s, s:O, s:I, s:b, s:O}", "format",
                      "quejie-office-backup", "version", 1, "office_id", o->office_id, "name",
                      o->name, "database", name, "created", when, "replicas", reps, "decisions",
                      (json_int_t)r->decisions, "imagery", imagery, "files", b.files);
        char *text = m ? json_dumps(m, JSON_INDENT(1) | JSON_ENSURE_ASCII) : NULL;
        char *mpath = in_dest(&b, "MANIFEST.json");
        if (!text || !mpath)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        else if (sv_file_write_atomic(mpath, text, strlen(text), 0600, 1) != 0)
            rc = sy__fail(o, SY_EIO, "backup: cannot write %s: %s", mpath, strerror(errno));
        free(text);
        free(mpath);
        json_decref(m);
    }
    if (rc != SY_OK) {
        char keep[sizeof o->errmsg];
        snprintf(keep, sizeof keep, "%s", o->errmsg);
        sy__fail(o, rc,
                 "%s; %s holds an unfinished copy (no MANIFEST.json): remove it and run the "
                 "backup again",
                 keep, dest);
    } else {
        record(o, dest, r);
        sy__logf(o,
                 "backup in %s: %zu replicas (%lld entries), %lld decisions, %zu imagery files, "
                 "%llu bytes",
                 dest, r->replicas, (long long)r->entries, (long long)r->decisions, r->imagery,
                 (unsigned long long)r->bytes);
    }
    json_decref(reps);
    json_decref(b.files);
    free(rel);
    return rc;
}

/* ---- restore ------------------------------------------------------------------------------- */

static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int say(char *err, size_t errlen, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return rc;
}

/* Copy file from onto to (which must not exist), through a synced temporary file beside it, with
 * mode; the directories of to made as needed. 0, or -1 with errno set. */
static int copy_file(const char *from, const char *to, unsigned mode)
{
    char *dir = strdup(to);
    if (!dir)
        return -1;
    for (char *s = dir + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
            free(dir);
            return -1;
        }
        *s = '/';
    }
    free(dir);
    char tmp[4096];
    FILE *in = fopen(from, "rb");
    if (!in)
        return -1;
    int fd = sv_file_tmp_beside(to, tmp, sizeof tmp);
    if (fd < 0) {
        fclose(in);
        return -1;
    }
    unsigned char buf[1 << 16];
    size_t n;
    int bad = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0)
        for (size_t off = 0; !bad && off < n;) {
            ssize_t w = write(fd, buf + off, n - off);
            if (w < 0 && errno == EINTR)
                continue;
            bad = w <= 0;
            off += w > 0 ? (size_t)w : 0;
        }
    bad = bad || ferror(in);
    fclose(in);
    int keep = errno;
    bad = bad || fchmod(fd, mode) != 0;
    if (close(fd) != 0)
        bad = 1;
    /* never over an existing file: link, not rename */
    if (!bad && link(tmp, to) != 0)
        bad = 1;
    keep = bad ? (errno ? errno : keep) : 0;
    unlink(tmp);
    if (!bad) {
        int sfd = open(to, O_RDONLY | O_CLOEXEC);
        if (sfd >= 0) {
            fsync(sfd);
            close(sfd);
        }
        sv_file_sync_dir(to);
    }
    errno = keep;
    return bad ? -1 : 0;
}

/* The office's files that must not exist for a restore to go ahead: path + suffix. */
static const char *const OFFICE_FILES[] = {"",           "-wal",      "-shm",     ".key",
                                           ".decisions", ".replicas", ".imagery", NULL};

int sy_office_restore(const char *backup_dir, const char *path, sy_backup_result *r, char *err,
                      size_t errlen)
{
    memset(r, 0, sizeof *r);
    err[0] = '\0';
    if (sodium_init() < 0)
        return say(err, errlen, SY_ERR, "libsodium failed to initialise");
    for (size_t i = 0; OFFICE_FILES[i]; i++) {
        char *p = sy__str_cat(path, OFFICE_FILES[i]);
        int there = p && access(p, F_OK) == 0;
        if (there)
            say(err, errlen, SY_ESTATE,
                "%s exists: a restore never writes over an office (move it away first)", p);
        free(p);
        if (there)
            return SY_ESTATE;
    }
    size_t bl = strlen(backup_dir);
    char *mpath = malloc(bl + 16);
    if (!mpath)
        return say(err, errlen, SY_ENOMEM, "out of memory");
    sprintf(mpath, "%s/MANIFEST.json", backup_dir);
    json_error_t je;
    json_t *m = json_load_file(mpath, JSON_REJECT_DUPLICATES, &je);
    const char *fmt = json_string_value(json_object_get(m, "format"));
    const char *db = json_string_value(json_object_get(m, "database"));
    json_t *files = json_object_get(m, "files");
    int rc = SY_OK;
    if (!m)
        rc =
            say(err, errlen, SY_EFORMAT, "%s: %s (not a finished backup of `quejie-office backup`)",
                mpath, access(mpath, F_OK) == 0 ? je.text : "no such file");
    else if (!fmt || strcmp(fmt, "quejie-office-backup") != 0 ||
             json_integer_value(json_object_get(m, "version")) != 1 || !db || !*db ||
             strchr(db, '/') || !json_is_array(files) || json_array_size(files) == 0)
        rc = say(err, errlen, SY_EFORMAT,
                 "%s is not the manifest of a backup this build reads (format "
                 "quejie-office-backup, version 1)",
                 mpath);
    free(mpath);
    /* every file as the manifest says, before anything is written */
    size_t i;
    json_t *f;
    size_t dl = db ? strlen(db) : 0;
    json_array_foreach(files, i, f)
    {
        if (rc != SY_OK)
            break;
        const char *rel = json_string_value(json_object_get(f, "path"));
        const char *want = json_string_value(json_object_get(f, "sha256"));
        json_int_t size = json_integer_value(json_object_get(f, "bytes"));
        if (!rel || !want || strncmp(rel, db, dl) != 0 || strstr(rel, "..") ||
            (rel[dl] != '\0' && rel[dl] != '.')) {
            rc = say(err, errlen, SY_EFORMAT, "the manifest names a file outside the office: %s",
                     rel ? rel : "?");
            break;
        }
        char *p = malloc(bl + strlen(rel) + 2), hex[65];
        uint64_t bytes = 0;
        if (!p) {
            rc = say(err, errlen, SY_ENOMEM, "out of memory");
            break;
        }
        sprintf(p, "%s/%s", backup_dir, rel);
        if (file_sha256(p, hex, &bytes) != 0)
            rc = say(err, errlen, SY_EIO, "%s: %s (the backup is incomplete)", p, strerror(errno));
        else if ((json_int_t)bytes != size || strcmp(hex, want) != 0)
            rc = say(err, errlen, SY_EFORMAT,
                     "%s differs from the backup's manifest (%llu bytes, SHA-256 %.12s..., "
                     "expected %lld bytes, %.12s...): the backup is damaged, nothing restored",
                     p, (unsigned long long)bytes, hex, (long long)size, want);
        free(p);
    }
    /* then copied into place, the database last: a restore cut short leaves no office that
     * opens as one */
    for (int pass = 0; rc == SY_OK && pass < 2; pass++) {
        json_array_foreach(files, i, f)
        {
            const char *rel = json_string_value(json_object_get(f, "path"));
            int is_db = strcmp(rel, db) == 0;
            if (rc != SY_OK || is_db != (pass == 1))
                continue;
            char *from = malloc(bl + strlen(rel) + 2);
            char *to = sy__str_cat(path, rel + dl);
            if (!from || !to) {
                rc = say(err, errlen, SY_ENOMEM, "out of memory");
            } else {
                sprintf(from, "%s/%s", backup_dir, rel);
                if (copy_file(from, to, 0600) != 0)
                    rc = say(err, errlen, SY_EIO,
                             "cannot restore %s: %s (the files restored before it are left: "
                             "remove %s* before trying again)",
                             to, strerror(errno), path);
                else
                    r->bytes += (uint64_t)json_integer_value(json_object_get(f, "bytes"));
            }
            free(from);
            free(to);
        }
    }
    if (rc == SY_OK) {
        r->replicas = json_array_size(json_object_get(m, "replicas"));
        json_t *x;
        json_array_foreach(json_object_get(m, "replicas"), i, x)
        {
            r->entries += json_integer_value(json_object_get(x, "entries"));
        }
        r->decisions = json_integer_value(json_object_get(m, "decisions"));
    }
    json_decref(m);
    if (rc != SY_OK) {
        if (!err[0])
            say(err, errlen, rc, "restore failed");
        return rc;
    }
    /* the restored office opened, its indexes brought up to its replicas (the database was
     * copied before them) as every device's next ingest would */
    sy_office *o = NULL;
    rc = sy_office_open(path, &o);
    if (rc == SY_OK)
        rc = sy__reindex(o, 1);
    if (rc == SY_OK)
        rc = sy__life_init(o);
    if (rc != SY_OK)
        say(err, errlen, rc, "the files are restored, but the office does not open: %s",
            o ? o->errmsg : sy_strerror(rc));
    else
        sy__logf(o, "restored from %s: %zu replicas (%lld entries), %lld decisions", backup_dir,
                 r->replicas, (long long)r->entries, (long long)r->decisions);
    sy_office_close(o);
    return rc;
}

/* ---- a directory of dated backups ---------------------------------------------------------- */

/* 1 when name is a dated backup's directory name: YYYY-MM-DDTHHMMSS. */
static int dated_name(const char *name)
{
    static const char form[] = "dddd-dd-ddTdddddd";
    size_t n = strlen(name), f = sizeof form - 1;
    if (n < f)
        return 0;
    for (size_t i = 0; form[i]; i++)
        if (form[i] == 'd' ? name[i] < '0' || name[i] > '9' : name[i] != form[i])
            return 0;
    /* a second backup in the same second: "-2" .. "-99" after the time */
    return n == f || (name[f] == '-' && n - f - 1 >= 1 && n - f - 1 <= 2 &&
                      strspn(name + f + 1, "0123456789") == n - f - 1 && name[f + 1] != '0');
}

/* Whether dir/name/MANIFEST.json is a finished backup of this office. */
static int ours(const sy_office *o, const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 32;
    char *p = malloc(n);
    if (!p)
        return 0;
    snprintf(p, n, "%s/%s/MANIFEST.json", dir, name);
    json_t *m = json_load_file(p, 0, NULL);
    free(p);
    const char *id = json_string_value(json_object_get(m, "office_id"));
    int yes = id && strcmp(id, o->office_id) == 0;
    json_decref(m);
    return yes;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return flag == FTW_DP ? rmdir(path) : unlink(path);
}

int sy_office_backup_into(sy_office *o, const char *dir, int imagery, unsigned keep,
                          sy_backup_result *r, char **made, size_t *removed)
{
    *made = NULL;
    *removed = 0;
    memset(r, 0, sizeof *r);
    if (!dir || !*dir || keep < 1)
        return sy__fail(o, SY_EINVAL, "backup: a directory and at least one backup to keep");
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return sy__fail(o, SY_EIO, "backup: %s is not a directory (make it first)", dir);
    char stamp[32];
    time_t now = (time_t)(sv_wall_ms() / 1000);
    struct tm lt;
    if (!localtime_r(&now, &lt) || !strftime(stamp, sizeof stamp, "%Y-%m-%dT%H%M%S", &lt))
        return sy__fail(o, SY_ERR, "backup: the clock cannot be read");
    size_t n = strlen(dir) + sizeof stamp + 8;
    char *dest = malloc(n);
    if (!dest)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    /* the directory made here, atomically: a second backup in the same second (or another
     * process's at once) takes the next free name, "-2" ... */
    int made_dir = 0;
    for (int i = 1; i < 100 && !made_dir; i++) {
        if (i == 1)
            snprintf(dest, n, "%s/%s", dir, stamp);
        else
            snprintf(dest, n, "%s/%s-%d", dir, stamp, i);
        if (mkdir(dest, 0700) == 0)
            made_dir = 1;
        else if (errno != EEXIST)
            break;
    }
    if (!made_dir) {
        int e = errno;
        free(dest);
        return sy__fail(o, SY_EIO, "backup: cannot make a new directory in %s: %s", dir,
                        e == EEXIST ? "99 backups were made this second" : strerror(e));
    }
    int rc = sy_office_backup(o, dest, imagery, r);
    if (rc != SY_OK) {
        free(dest);
        return rc;
    }
    *made = dest;
    /* then the older finished backups of this office beyond the newest keep (names sort by
     * time); an unfinished one, another office's or anything else is left alone */
    backup b = {o, dir, NULL, r};
    int lrc;
    char **names = list_dir(&b, dir, "", &lrc);
    size_t count = 0;
    for (size_t i = 0; names && names[i]; i++)
        count += dated_name(names[i]) && ours(o, dir, names[i]);
    for (size_t i = 0; names && names[i] && count > keep; i++) {
        if (!dated_name(names[i]) || !ours(o, dir, names[i]))
            continue;
        char *old = malloc(strlen(dir) + strlen(names[i]) + 2);
        if (!old)
            break;
        sprintf(old, "%s/%s", dir, names[i]);
        if (nftw(old, remove_entry, 16, FTW_DEPTH | FTW_PHYS) == 0) {
            (*removed)++;
            sy__logf(o, "backup: removed %s (keeping the newest %u)", old, keep);
        } else {
            sy__logf(o, "backup: cannot remove %s: %s", old, strerror(errno));
        }
        count--;
        free(old);
    }
    free_list(names);
    sv_file_sync_dir(dest);
    return SY_OK;
}
