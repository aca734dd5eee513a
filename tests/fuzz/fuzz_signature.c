/*
 * fuzz_signature.c - libFuzzer target for signature stroke input, from the finger to the
 * stored state: the app's gesture recogniser (app_gest_feed, app/gesture.c) and signature pad
 * (app__pad_drag, app/screen_pad.c) turn pointer events into pad strokes; the journal's check of
 * strokes (sv_record_signature, survey/src/journal.c) turns them into a "sign" payload; the
 * state's apply (survey/src/state.c) stores it and sv_state_signatures reads it back. Every
 * signature is recorded inside a batch that is rolled back, so the journal (fixture.h's scratch
 * directory, one unit) is the same for every input.
 *
 * The first byte picks the source of the strokes:
 *   even: pointer events for the pad, 6 bytes each: type (DOWN, MOVE, UP; mod 3), finger (low
 *         bit; 1 = a second finger), x and y (16-bit little-endian window pixels / 8, so the
 *         pad at (100, 100) size 800 x 400 and the space around it are both reached), 16 ms
 *         apart; what the pad holds at the end is saved as a signature (as "pad-save" does);
 *   odd:  the xy pairs a caller hands sv_record_signature directly (the CLI's --strokes
 *         file after its reading), 16-bit little-endian signed each, (-1, -1) ending a stroke.
 * Checked: the pad only ever holds coordinates 0..SV_SIG_PAD or (-1, -1) separators and at most
 * SV_SIG_MAX_POINTS points; a signature recorded reads back with exactly the strokes given.
 */
#include "fixture.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "app_int.h"
#include "survey/state.h"
#include "survey/tasks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UNIT "622901ZR000002"

static const char UNIT_GEOJSON[] =
    "{\"type\": \"FeatureCollection\", \"features\": [{\"type\": \"Feature\", \"properties\": "
    "{\"code\": \"" UNIT "\", \"name\": \"fuzz unit\"}, \"geometry\": {\"type\": \"Polygon\", "
    "\"coordinates\": [[[103.3, 35.4], [103.32, 35.4], [103.32, 35.42], [103.3, 35.42], "
    "[103.3, 35.4]]]}}]}";

static sv_journal *journal(void)
{
    static sv_journal *j;
    if (j)
        return j;
    const char *dir = fuzz_scratch();
    if (!dir)
        return NULL;
    char path[128];
    snprintf(path, sizeof path, "%s/signature.db", dir);
    sv_journal_opts o = {
        .device_name = "fuzz", .crew = "crew-a", .epsg = 0, .central_meridian = NAN};
    sv_task_set set;
    sv_diag d;
    if (sv_journal_create(path, &o, &j) != SV_OK ||
        sv_tasks_parse("fuzz.geojson", UNIT_GEOJSON, sizeof UNIT_GEOJSON - 1, NULL, NULL, &set,
                       &d) != SV_OK) {
        fprintf(stderr, "fuzz: cannot make the journal: %s %s\n", sv_journal_errmsg(j), d.msg);
        abort();
    }
    if (set.n != 1 || sv_record_unit(j, &set.units[0], NULL) != SV_OK)
        abort();
    sv_task_set_clear(&set);
    return j;
}

/* Record xy (n pairs) as a signature in a batch that is rolled back; check the read-back. */
static void record(sv_journal *j, const int32_t *xy, size_t n)
{
    sv_signature s = {0};
    snprintf(s.unit, sizeof s.unit, "%s", UNIT);
    s.party = "东坪村民委员会";
    s.signer = "马某";
    s.role = "Village cadre";
    s.xy = (int32_t *)xy;
    s.n_xy = n;
    if (sv_state_boundary_digest(j, UNIT, s.covers) != SV_OK || sv_journal_begin(j) != SV_OK)
        abort();
    int64_t seq = 0;
    int rc = sv_record_signature(j, &s, &seq);
    if (getenv("QJ_FUZZ_DEBUG"))
        fprintf(stderr, "%zu pairs: rc %d %s\n", n, rc, rc ? sv_journal_errmsg(j) : "");
    if (rc == SV_OK) {
        sv_signature *got = NULL;
        size_t ng = 0;
        if (sv_state_signatures(j, UNIT, &got, &ng) != SV_OK || ng != 1 || got[0].seq != seq)
            __builtin_trap();
        /* The strokes read back are the strokes given, each ended by (-1, -1). */
        size_t want = n + (n && (xy[2 * n - 2] != -1 || xy[2 * n - 1] != -1));
        if (got[0].n_xy != want)
            __builtin_trap();
        for (size_t i = 0; i < want; i++) {
            int32_t x = i < n ? xy[2 * i] : -1, y = i < n ? xy[2 * i + 1] : -1;
            if (got[0].xy[2 * i] != x || got[0].xy[2 * i + 1] != y)
                __builtin_trap();
        }
        sv_signatures_free(got, ng);
    } else if (rc != SV_EINVAL || !sv_journal_errmsg(j)[0]) {
        __builtin_trap();
    }
    sv_journal_rollback(j);
}

static void from_pad(sv_journal *j, const uint8_t *data, size_t size)
{
    static app a; /* the pad's fields only; the rest of the app is not involved */
    a.pad_rect = (app_rect){100, 100, 800, 400};
    a.nstrokes = 0;
    a.stroke_open = 0;
    app_gest g;
    app_gest_init(&g, 12);
    int64_t t = 1000;
    for (size_t i = 0; i + 6 <= size; i += 6) {
        app_ptr e = {.type = data[i] % 3,
                     .finger = data[i + 1] & 1,
                     .x = (float)(data[i + 2] | data[i + 3] << 8) / 8,
                     .y = (float)(data[i + 4] | data[i + 5] << 8) / 8,
                     .t_ms = t += 16};
        app_gesture out[2];
        int k = app_gest_feed(&g, &e, out);
        for (int m = 0; m < k; m++)
            if (out[m].type == APP_G_DRAG || out[m].type == APP_G_DRAG_END)
                app__pad_drag(&a, &out[m]);
        app_gesture lp;
        if (app_gest_tick(&g, t, &lp) && lp.type != APP_G_LONG_PRESS)
            __builtin_trap();
    }
    app_gesture end = {.type = APP_G_DRAG_END};
    app__pad_drag(&a, &end);
    size_t points = 0;
    for (size_t i = 0; i < a.nstrokes; i++) {
        int32_t x = a.strokes[2 * i], y = a.strokes[2 * i + 1];
        if ((x == -1) != (y == -1) ||
            (x != -1 && (x < 0 || x > SV_SIG_PAD || y < 0 || y > SV_SIG_PAD)))
            __builtin_trap();
        points += x != -1;
    }
    if (points > SV_SIG_MAX_POINTS || a.stroke_open)
        __builtin_trap();
    if (a.nstrokes)
        record(j, a.strokes, a.nstrokes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sv_journal *j = journal();
    if (!j)
        abort();
    if (size < 1)
        return 0;
    if ((data[0] & 1) == 0) {
        from_pad(j, data + 1, size - 1);
        return 0;
    }
    size_t n = (size - 1) / 4;
    int32_t *xy = malloc((n ? n : 1) * 2 * sizeof *xy);
    if (!xy)
        return 0;
    for (size_t i = 0; i < 2 * n; i++)
        xy[i] = (int16_t)(data[1 + 2 * i] | data[2 + 2 * i] << 8);
    record(j, xy, n);
    free(xy);
    return 0;
}
