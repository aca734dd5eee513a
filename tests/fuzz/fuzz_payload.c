/*
 * fuzz_payload.c - libFuzzer target for the entry payloads a device sends, as the county office
 * stores them: entries appended verbatim to a replica (sv_journal_append_verbatim,
 * survey/src/journal.c) are parsed and applied to its derived state by survey/src/state.c (every
 * entry kind: unit, point, vertex, line, verify, dispute, attend, sign with its strokes, code,
 * config, void), then read back through the state getters. The bundle target stops at the
 * codec, since a fuzzer cannot forge a bundle's signatures; here the harness holds the device
 * key and signs whatever the input says, as a device with a bug (or a stolen key) could.
 *
 * Input: one entry per line, "KIND PAYLOAD" (the payload is the rest of the line, as bytes).
 * Each input starts from a fresh copy of a replica holding only the device's init entry.
 * Checked: the append succeeds (the chain and head signature are right by construction, and
 * deriving never fails on content); every getter answers; sv_journal_check then finds the
 * chain intact and a rebuild of the state from the entries equal to the state built entry by
 * entry.
 */
#include "fixture.h"

#include <math.h>
#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "survey/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_ENTRIES 64

static sv_journal *device;
static char template_path[128], work_path[128];

static int setup(void)
{
    const char *dir = fuzz_scratch();
    if (!dir)
        return -1;
    char path[160];
    snprintf(path, sizeof path, "%s/device.db", dir);
    snprintf(template_path, sizeof template_path, "%s/replica-template.db", dir);
    snprintf(work_path, sizeof work_path, "%s/replica.db", dir);
    sv_journal_opts o = {
        .device_name = "tablet-1", .crew = "crew-a", .epsg = 0, .central_meridian = NAN};
    if (sv_journal_create(path, &o, &device) != SV_OK)
        return -1;
    /* The replica starts as the office's copy of the device's init entry. */
    uint8_t pk[SV_PUBKEY_BYTES], prev[SV_HASH_BYTES] = {0}, hash[SV_HASH_BYTES], sig[SV_SIG_BYTES];
    sv_journal_public_key(device, pk);
    sv_journal *r = NULL;
    if (sv_journal_create_replica(template_path, pk, &r) != SV_OK)
        return -1;
    static const char init[] = "{\"crew\":\"crew-a\",\"device_name\":\"tablet-1\"}";
    sv_entry_hash(sv_journal_device_id(device), 1, FUZZ_NOW_MS, "init", init, sizeof init - 1, prev,
                  hash);
    sv_entry e = {1, FUZZ_NOW_MS, "init", init, sizeof init - 1, prev, hash};
    int rc = sv_journal_sign_head(device, 1, hash, sig);
    if (rc == SV_OK)
        rc = sv_journal_append_verbatim(r, &e, 1, sig);
    if (rc != SV_OK)
        fprintf(stderr, "fuzz: cannot make the replica: %s\n", sv_journal_errmsg(r));
    sv_journal_close(r);
    /* A replica's connections leave its WAL in place: fold it into the template, so that the
     * template is one file to copy (rollback journal mode until the copy is opened). */
    sqlite3 *db = NULL;
    if (rc == SV_OK &&
        (sqlite3_open(template_path, &db) != SQLITE_OK ||
         sqlite3_exec(db, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK))
        rc = SV_EIO;
    sqlite3_close(db);
    return rc == SV_OK ? 0 : -1;
}

static int copy_file(const char *from, const char *to)
{
    FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
    char buf[65536];
    size_t n;
    int ok = in && out;
    while (ok && (n = fread(buf, 1, sizeof buf, in)) > 0)
        ok = fwrite(buf, 1, n, out) == n;
    if (in)
        fclose(in);
    if (out && fclose(out) != 0)
        ok = 0;
    return ok ? 0 : -1;
}

/* Every getter over every unit the state knows (and the unknown unit ""). */
static void read_state(sv_journal *r)
{
    sv_unit *u = NULL;
    size_t nu = 0;
    if (sv_state_units(r, &u, &nu) != SV_OK)
        __builtin_trap();
    for (size_t i = 0; i <= nu; i++) {
        const char *code = i < nu ? u[i].code : "";
        sv_bpoint *p = NULL;
        sv_vertex *v = NULL;
        sv_bline *l = NULL;
        sv_verification *ve = NULL;
        sv_dispute *d = NULL;
        sv_attendance *a = NULL;
        sv_signature *s = NULL;
        size_t np = 0, nv = 0, nl = 0, nve = 0, nd = 0, na = 0, ns = 0;
        uint8_t digest[32];
        sv_progress pr;
        if (sv_state_points(r, code, &p, &np) != SV_OK ||
            sv_state_vertices(r, code, &v, &nv) != SV_OK ||
            sv_state_lines(r, code, &l, &nl) != SV_OK ||
            sv_state_verifications(r, code, &ve, &nve) != SV_OK ||
            sv_state_disputes(r, code, &d, &nd) != SV_OK ||
            sv_state_attendance(r, code, &a, &na) != SV_OK ||
            sv_state_signatures(r, code, &s, &ns) != SV_OK)
            __builtin_trap();
        for (size_t k = 0; k < ns; k++)
            for (size_t m = 0; m < s[k].n_xy; m++) {
                int32_t x = s[k].xy[2 * m], y = s[k].xy[2 * m + 1];
                if ((x != -1 || y != -1) && (x < 0 || x > SV_SIG_PAD || y < 0 || y > SV_SIG_PAD))
                    __builtin_trap();
            }
        if (getenv("QJ_FUZZ_DEBUG") && i < nu)
            fprintf(stderr,
                    "  unit %s: %zu points, %zu vertices, %zu lines, %zu verifications, "
                    "%zu disputes, %zu attendances, %zu signatures\n",
                    code, np, nv, nl, nve, nd, na, ns);
        if (i < nu) {
            sv_state_boundary_digest(r, code, digest);
            sv_state_progress(r, code, &pr);
        }
        sv_bpoints_free(p, np);
        sv_vertices_free(v, nv);
        sv_blines_free(l, nl);
        sv_verifications_free(ve, nve);
        sv_disputes_free(d, nd);
        sv_attendances_free(a, na);
        sv_signatures_free(s, ns);
    }
    sv_units_free(u, nu);
    sv_code *c = NULL;
    size_t nc = 0;
    if (sv_state_codes(r, NULL, &c, &nc) != SV_OK)
        __builtin_trap();
    sv_codes_free(c, nc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int ready;
    if (!ready) {
        if (setup() != 0)
            abort();
        ready = 1;
    }
    /* a fresh copy: the previous input's WAL beside it goes first */
    char side[160];
    snprintf(side, sizeof side, "%s-wal", work_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", work_path);
    unlink(side);
    if (copy_file(template_path, work_path) != 0)
        abort();
    sv_journal *r = NULL;
    if (sv_journal_open(work_path, SV_OPEN_REPLICA, &r) != SV_OK)
        abort();
    /* The entries: kind and payload point into one copy of the input. */
    char *copy = malloc(size + 1);
    sv_entry e[MAX_ENTRIES];
    uint8_t hashes[MAX_ENTRIES + 1][SV_HASH_BYTES];
    size_t n = 0;
    if (!copy)
        abort();
    memcpy(copy, data, size);
    copy[size] = '\0';
    if (sv_journal_hash_at(r, 1, hashes[0]) != SV_OK)
        abort();
    for (char *line = copy; line && line < copy + size && n < MAX_ENTRIES;) {
        char *nl = memchr(line, '\n', (size_t)(copy + size - line));
        char *end = nl ? nl : copy + size;
        *end = '\0';
        char *sp = memchr(line, ' ', (size_t)(end - line));
        if (sp && sp > line) {
            *sp = '\0';
            sv_entry *x = &e[n];
            x->seq = (int64_t)n + 2;
            x->time_ms = FUZZ_NOW_MS + 1000 * ((int64_t)n + 1);
            x->kind = line;
            x->payload = sp + 1;
            x->payload_len = (size_t)(end - sp - 1);
            x->prev_hash = hashes[n];
            sv_entry_hash(sv_journal_device_id(r), x->seq, x->time_ms, x->kind, x->payload,
                          x->payload_len, hashes[n], hashes[n + 1]);
            x->hash = hashes[n + 1];
            n++;
        }
        line = nl ? nl + 1 : NULL;
    }
    if (n) {
        uint8_t sig[SV_SIG_BYTES];
        if (sv_journal_sign_head(device, e[n - 1].seq, e[n - 1].hash, sig) != SV_OK)
            abort();
        int rc = sv_journal_append_verbatim(r, e, n, sig);
        if (getenv("QJ_FUZZ_DEBUG"))
            fprintf(stderr, "%zu entries: rc %d %s\n", n, rc, rc ? sv_journal_errmsg(r) : "");
        if (rc != SV_OK)
            __builtin_trap();
        read_state(r);
        sv_check_report rep;
        if (sv_journal_check(r, &rep) != SV_OK) {
            fprintf(stderr, "check: %s\n", rep.detail);
            __builtin_trap();
        }
    }
    free(copy);
    sv_journal_close(r);
    return 0;
}
