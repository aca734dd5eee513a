/*
 * screen_dayend.c - Day end: one row per unit from the unit summary (survey/summary.h), the
 * office's acknowledgement, sending (@sync) and writing bundles to a USB stick (@usb) on the
 * sync thread (sync_worker.h), the sync's outcome and the last bundles. Nothing is written here
 * (the sync thread has its own journal handle); never includes SDL.
 */
#include <math.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app_int.h"
#include "i18n.h"
#include "sync/client.h"

static void compute_day(app *a)
{
    free(a->day);
    a->day = calloc(a->nunits ? a->nunits : 1, sizeof *a->day);
    if (!a->day)
        return;
    int64_t acked = a->sync ? a->ss.acked_seq : 0;
    /* the office's word on the units from the last sync, as Today has it: a unit the county sent
     * back is "returned" here too until the crew records new work for it */
    sy_unit_office *office = NULL;
    size_t noffice = 0;
    if (sy_unit_office_read(a->j, &office, &noffice) != SY_OK)
        noffice = 0;
    for (size_t u = 0; u < a->nunits; u++) {
        const sv_unit *un = &a->units[u].u;
        app_dayend_row *r = &a->day[u];
        /* Every figure from the one unit summary (survey/summary.h), as `quejie area` and the
         * exports have them: the walk closure is over all the unit's walks. A figure it
         * cannot compute stays NaN and is not shown. */
        sv_unit_summary sm;
        sv_unit_summarize(a->j, a->geo, un->code, &sm);
        const sy_unit_office *of = sy_unit_office_find(office, noffice, un->code);
        sy_unit_office_take(a->j, of, &sm); /* disputes the county office settled */
        r->points = (int)sm.points;
        r->vertices = (int)sm.vertices;
        r->disputes_open = sm.progress.disputes_open;
        r->signatures_missing = sm.progress.signatures_missing;
        r->fields_verified = sm.progress.fields_verified;
        r->fields_disputed = sm.progress.fields_disputed;
        /* no area, and no difference from the draft, for points that form no valid boundary
         * (a crossing ring's "area" of -75 % misled): the row says it is not valid, as
         * `quejie tasks list` does */
        int valid = sm.points >= 3 && sm.surveyed_valid != SV_VALID_NO;
        r->area_m2 = valid ? sm.surveyed.ellipsoidal_m2 : NAN;
        r->closing_m = sm.points >= 3 ? sm.surveyed.closing_m : NAN;
        r->draft_m2 = sm.has_draft ? sm.draft.ellipsoidal_m2 : NAN;
        r->diff_pct = valid ? sm.difference_pct : NAN;
        r->walk_gap_m = sm.walk_closure_m;
        r->stage =
            (int)sv_unit_stage_office(&sm, of ? of->status : NULL, of ? of->returned_seq : 0);
        r->missing = sv_unit_missing(&sm);
        r->objections_open = sm.objections_open;
        /* this unit's records the office has not acknowledged yet: the library's count over
         * the same rows as Today's "not synced" (sv_progress.last_seq) */
        int64_t unsent = sv_state_unit_unsent(a->j, un->code, acked);
        r->unacked = unsent > 0 ? unsent : 0;
    }
    free(office);
}

int app__usb_dir(const char *mtab, const char *const roots[], char *out, size_t n)
{
    out[0] = '\0';
    FILE *f = setmntent(mtab, "r");
    if (!f)
        return -1;
    /* getmntent decodes the kernel's octal escapes (a space in a mount point is \040) */
    const struct mntent *m;
    while (!out[0] && (m = getmntent(f)) != NULL)
        for (size_t i = 0; roots[i] && !out[0]; i++)
            if (strncmp(m->mnt_dir, roots[i], strlen(roots[i])) == 0 &&
                access(m->mnt_dir, W_OK) == 0)
                snprintf(out, n, "%s", m->mnt_dir);
    endmntent(f);
    return out[0] ? 0 : -1;
}

/* The first writable directory mounted under /media or /run/media (a USB stick), read each
 * time Day end is drawn, so a stick plugged in late is found. */
static void find_usb(char *out, size_t n)
{
    static const char *const roots[] = {"/media/", "/run/media/", NULL};
    app__usb_dir("/proc/self/mounts", roots, out, n);
}

/* Day end's second line of a unit: untouched, complete, or incomplete and why; then what is
 * not yet at the office. */
static void day_status(const app_dayend_row *r, char *buf, size_t n)
{
    size_t k = 0;
#define PUT(...)                                                                                   \
    do {                                                                                           \
        if (k < n)                                                                                 \
            k += (size_t)snprintf(buf + k, n - k, __VA_ARGS__);                                    \
    } while (0)
    buf[0] = '\0';
    if (r->stage == SV_STAGE_TODO) {
        PUT("%s", _("Untouched"));
    } else if (r->stage == SV_STAGE_RETURNED) {
        PUT("%s", _("Returned by the office"));
    } else if (r->stage == SV_STAGE_DONE) {
        PUT("%s", _("Complete on site"));
    } else {
        PUT("%s", _("Incomplete:"));
        const char *sep = " ";
        /* each reason the library gives, in its order */
        for (unsigned bit = 1; bit < (1u << SV_MISSING_COUNT); bit <<= 1) {
            if (!(r->missing & bit))
                continue;
            if (bit == SV_MISSING_POINTS)
                PUT(_("%sfewer than 3 points"), sep);
            else if (bit == SV_MISSING_FIELDS && r->fields_disputed > 0)
                PUT(_("%sfields verified %d/%d (%d disputed)"), sep, r->fields_verified,
                    (int)SV_FIELD_COUNT, r->fields_disputed);
            else if (bit == SV_MISSING_FIELDS)
                PUT(_("%sfields verified %d/%d"), sep, r->fields_verified, (int)SV_FIELD_COUNT);
            else if (bit == SV_MISSING_DISPUTES)
                PUT(ngettext("%s%d dispute open", "%s%d disputes open",
                             (unsigned long)r->disputes_open),
                    sep, r->disputes_open);
            else if (bit == SV_MISSING_ATTENDANCE)
                PUT(_("%sno attendance recorded"), sep);
            else if (bit == SV_MISSING_SIGNATURES)
                PUT(ngettext("%s%d signature missing", "%s%d signatures missing",
                             (unsigned long)r->signatures_missing),
                    sep, r->signatures_missing);
            else if (bit == SV_MISSING_OBJECTIONS)
                PUT(ngettext("%s%d objection period running", "%s%d objection periods running",
                             (unsigned long)r->objections_open),
                    sep, r->objections_open);
            else if (bit == SV_MISSING_BOUNDARY)
                PUT(_("%sthe points form no valid boundary"), sep);
            sep = _(", ");
        }
    }
    if (r->unacked > 0) /* everything at the office: nothing to say ("not yet at the office 0") */
        PUT(ngettext(" · %lld entry not yet at the office", " · %lld entries not yet at the office",
                     (unsigned long)r->unacked),
            (long long)r->unacked);
#undef PUT
    if (k >= n && n > 0)
        buf[n - 1] = '\0';
}

/* A unit's row on Day end: its first line (code, name, points, area, walk closure). */
static void row_name(const app *a, size_t u, char *buf, size_t n)
{
    const app_dayend_row *r = &a->day[u];
    char area[200] = "", gap[100] = "";
    if (isfinite(r->area_m2))
        snprintf(area, sizeof area, _(" · area %.2f ha"), r->area_m2 / 1e4);
    if (isfinite(r->diff_pct))
        snprintf(area + strlen(area), sizeof area - strlen(area), _(" (draft %.2f ha, %+.1f %%)"),
                 r->draft_m2 / 1e4, r->diff_pct);
    if (isfinite(r->walk_gap_m))
        snprintf(gap, sizeof gap, _(" · walk closure %.1f m"), r->walk_gap_m);
    char cn[SV_CODE_MAX + 200];
    snprintf(cn, sizeof cn, "%s%s%s", a->units[u].u.code, a->units[u].u.name ? " " : "",
             a->units[u].u.name ? a->units[u].u.name : "");
    snprintf(buf, n, ngettext("%s · %d point%s%s", "%s · %d points%s%s", (unsigned long)r->points),
             cn, r->points, area, gap);
}

/* The height of the units' rows: 1.5 targets, or more where a row's line (the reasons a unit is
 * incomplete, in portrait) needs more lines at the smallest text than half of that holds; every
 * row the same, so the list scrolls by rows. */
static float row_height(const app *a, const app_ui *ui, const size_t *ord, size_t no, float w)
{
    float t = app__target(ui), half = t * 0.75f;
    int min_px = (int)ceilf(app__mm(ui, 2.5f));
    if (min_px < 14)
        min_px = 14;
    char buf[700];
    for (size_t i = 0; i < no; i++) {
        for (int k = 0; k < 2; k++) {
            if (k == 0)
                row_name(a, ord[i], buf, sizeof buf);
            else
                day_status(&a->day[ord[i]], buf, sizeof buf);
            float lines = ceilf(app__text_width(buf, min_px) / w);
            /* the fitting counts 1.46 em a line (widgets.c) */
            float need = lines * 1.46f * (float)min_px + 2;
            if (need > half)
                half = need;
        }
    }
    return 2 * half;
}

static const char *bundle_state_label(const char *st)
{
    if (strcmp(st, "queued") == 0)
        return _("will send when connected");
    if (strcmp(st, "sending") == 0)
        return _("sending");
    if (strcmp(st, "acknowledged") == 0)
        return _("acknowledged by the office");
    if (strcmp(st, "refused") == 0)
        return _("REFUSED by the office");
    if (strcmp(st, "written") == 0)
        return _("written to USB");
    return st;
}

/* The office's part of Day end, under the units: the office line, the outcome of the last send
 * or write, the last bundles. Each text into out[k] with its colour and its size (mm); returns
 * how many. */
static int office_lines(const app *a, char out[][700], app_color col[], float mm[], int max)
{
    int n = 0;
    if (!a->sync)
        snprintf(out[n], 700, "%s", _("Sync is not available (read-only journal)"));
    else if (!a->ss.enrolled)
        snprintf(out[n], 700, "%s",
                 _("This tablet is not enrolled with the county office: the administrator "
                   "must enroll it there before it can send"));
    else
        snprintf(out[n], 700,
                 ngettext("Office %s · %lld of %lld entry acknowledged",
                          "Office %s · %lld of %lld entries acknowledged",
                          (unsigned long)a->ss.last_seq),
                 a->ss.office, (long long)a->ss.acked_seq, (long long)a->ss.last_seq);
    if (a->sync && a->ss.enrolled && a->ss.files_pending > 0) {
        size_t k = strlen(out[n]);
        snprintf(out[n] + k, 700 - k,
                 ngettext(" · %d file not yet at the office", " · %d files not yet at the office",
                          (unsigned long)a->ss.files_pending),
                 a->ss.files_pending);
    }
    mm[n] = 3.5f, col[n++] = C_INK;
    const char *o = NULL;
    app_color oc = C_DIM;
    switch (a->ss.outcome) {
    case APP_SYNC_NONE:
        break;
    case APP_SYNC_DONE:
        /* the entries are; a photograph still on its way is not "everything" */
        if (a->ss.files_pending > 0)
            o = _("The entries are at the office; files still to send (the next sync goes on)"),
            oc = C_WARN;
        else
            o = _("Everything is at the office"), oc = C_OK;
        break;
    case APP_SYNC_OFFLINE:
        o = _("No connection: will send when connected (trying again on its own)"), oc = C_WARN;
        break;
    case APP_SYNC_REFUSED:
        o = _("The office refused a bundle:"), oc = C_BAD;
        break;
    case APP_SYNC_NOT_ENROLLED:
        o = _("Not enrolled with a county office"), oc = C_BAD;
        break;
    case APP_SYNC_FAILED:
        o = _("Sync failed:"), oc = C_BAD;
        break;
    case APP_SYNC_WRITTEN:
        o = _("Written to the USB stick:"), oc = C_OK;
        break;
    case APP_SYNC_NOTHING:
        o = _("Nothing to write: the office has every entry"), oc = C_OK;
        break;
    case APP_SYNC_USB_FAILED:
        /* what to do first, the detail (the library's, the file system's) after it */
        o = _("Not written to the USB stick: check that it is plugged in, not write-protected "
              "and has room, then write again."),
        oc = C_BAD;
        break;
    }
    if (a->ss.busy)
        snprintf(out[n], 700, "%s", a->ss.line), mm[n] = 3.5f, col[n++] = C_DIM;
    else if (o)
        snprintf(out[n], 700, "%s %s", o,
                 a->ss.outcome == APP_SYNC_DONE || a->ss.outcome == APP_SYNC_OFFLINE ||
                         a->ss.outcome == APP_SYNC_NOTHING
                     ? ""
                     : a->ss.message),
            mm[n] = 3.5f, col[n++] = oc;
    for (int i = 0; i < a->ss.nrows && i < 3 && n < max; i++) {
        const sy_bundle_row *b = &a->ss.rows[i];
        snprintf(out[n], 700, _("Bundle %lld · entries %lld–%lld · %s%s%s"), (long long)b->id,
                 (long long)b->first_seq, (long long)b->last_seq, bundle_state_label(b->state),
                 b->reason[0] && strcmp(b->state, "acknowledged") != 0 ? ": " : "",
                 strcmp(b->state, "acknowledged") != 0 ? b->reason : "");
        mm[n] = 3.2f, col[n++] = strcmp(b->state, "refused") == 0 ? C_BAD : C_DIM;
    }
    return n;
}

static void build_dayend(app *a, app_ui *ui, int64_t now_ms)
{
    float top = app__top_bar(a, ui, _("Day end"), now_ms), pad = app__mm(ui, 2),
          t = app__target(ui);
    if (!a->usb_fixed)
        find_usb(a->usb_dir, sizeof a->usb_dir);
    uint64_t key = (a->journal_gen * 1000003u + (uint64_t)a->ss.acked_seq) * 1009u + a->nunits;
    if (!a->day || a->day_gen != key) {
        compute_day(a);
        a->day_gen = key;
    }
    float y = top + pad, w = ui->width - 2 * pad;
    char buf[700];
    /* the buttons at the window's foot, where they stay whatever is said above them; over
     * them the office's lines, as many as they take (a long outcome up to three); the units
     * take the rest (the six lines kept for the office whatever it said left two units of 68
     * on a 1920x1200 screen over an empty third of it) */
    char lines[5][700];
    app_color lcol[5];
    float lmm[5];
    int nl = office_lines(a, lines, lcol, lmm, 5);
    float lh = t * 0.7f, bh = t * 1.3f, lines_h[5], office_h = 0;
    for (int i = 0; i < nl; i++) {
        float need = app__text_width(lines[i], app__text_px(ui, lmm[i])) / w;
        lines_h[i] = need > 2 ? 3 * lh : need > 1 ? 2 * lh : lh;
        office_h += lines_h[i];
    }
    float by = ui->height - pad - bh;
    float oy = by - pad / 2 - office_h;
    /* units */
    float dy0 = y, dy1 = oy - pad;
    /* the units worked on first: the one open, then those with entries the office has not yet
     * acknowledged (today's work), then the incomplete ones, then the rest, each in code order */
    size_t *ord = malloc((a->nunits ? a->nunits : 1) * sizeof *ord), no = 0;
    for (int rank = 0; ord && a->day && rank < 4; rank++)
        for (size_t u = 0; u < a->nunits; u++) {
            const app_dayend_row *r = &a->day[u];
            int k = (int)u == a->cur ? 0 : r->unacked > 0 ? 1 : r->stage != SV_STAGE_DONE ? 2 : 3;
            if (k == rank)
                ord[no++] = u;
        }
    /* the row (rh - pad / 2 high) and the text inside it (row.w - 2 * pad wide) */
    float rh = row_height(a, ui, ord, no, w - 2 * pad) + pad / 2;
    int dfirst = app__list_first(a, dy0, dy1, rh, (int)no), dshown = 0;
    for (size_t i = (size_t)dfirst; i < no && y + rh <= dy1; i++, dshown++) {
        size_t u = ord[i];
        const app_dayend_row *r = &a->day[u];
        app_rect row = {pad, y, w, rh - pad / 2};
        app_ui_fill(ui, row, u % 2 ? app__th->row_alt : C_BG);
        app_ui_frame(ui, row, 1, C_LINE);
        row_name(a, u, buf, sizeof buf);
        app__text_line(ui, row.x + pad, row.y, row.w - 2 * pad, row.h / 2, buf, 3.8f, C_INK);
        /* the unit's stage and what keeps it from done: the library's rule (sv_unit_stage,
         * sv_unit_missing), the same as Today's groups and `quejie tasks list` */
        app_color sc = r->stage == SV_STAGE_DONE   ? C_OK
                       : r->stage == SV_STAGE_TODO ? C_DIM
                                                   : C_WARN;
        app_ui_fill(ui, (app_rect){row.x, row.y, app__mm(ui, 1.5f), row.h}, sc);
        day_status(r, buf, sizeof buf);
        app__text_line(ui, row.x + pad, row.y + row.h / 2, row.w - 2 * pad, row.h / 2, buf, 3.4f,
                       sc);
        y += rh;
    }
    app__list_hints(ui, pad, dy0, dy1, w, dfirst, dshown, (int)no);
    free(ord);
    /* the office */
    app_ui_fill(ui, (app_rect){0, oy - pad / 2, (float)ui->width, 2}, C_INK);
    for (int i = 0; i < nl; i++) {
        app__text_line(ui, pad, oy, w, lines_h[i], lines[i], lmm[i], lcol[i]);
        oy += lines_h[i];
    }
    float bw = (w - pad) / 2;
    int can = a->sync && !a->ss.busy;
    app__big_button(ui, "sync", (app_rect){pad, by, bw, bh},
                    a->ss.busy ? _("Sending…") : _("Send to the office"), C_GO,
                    can && a->ss.enrolled);
    app__button(ui, "usb", (app_rect){2 * pad + bw, by, bw, bh},
                /* bundles for the office and the day as a GeoPackage; not enrolled: the
                 * GeoPackage alone */
                !a->usb_dir[0]   ? _("Write to USB stick (none found)")
                : a->ss.enrolled ? _("Write to USB stick")
                                 : _("Write to USB stick (GeoPackage)"),
                can && a->usb_dir[0]);
}

static int tap_dayend(app *a, const char *id)
{
    if (strcmp(id, "sync") == 0 && a->sync) {
        app_sync_now(a->sync);
        app_sync_get(a->sync, &a->ss);
        return 1;
    }
    if (strcmp(id, "usb") == 0 && a->sync && a->usb_dir[0]) {
        app_sync_usb(a->sync, a->usb_dir);
        app_sync_get(a->sync, &a->ss);
        return 1;
    }
    return 0;
}

/* Opened from Today: the figures are recomputed, and the sync thread, if it could not start
 * (the journal was busy at start-up), is tried again. */
static void enter_dayend(app *a)
{
    a->day_gen = (uint64_t)-1; /* recompute */
    /* the sync thread could not start (the journal was busy at start-up): try again */
    if (!a->sync && a->rec && a->journal_path[0] &&
        app_sync_start(a->journal_path, a->wake, a->wake_ctx, &a->sync, a->sync_err,
                       sizeof a->sync_err) == 0)
        a->sync_err[0] = '\0';
    if (a->sync)
        app_sync_refresh(a->sync);
}

const app__screen_ops app__screen_dayend = {
    .build = build_dayend, .tap = tap_dayend, .gesture = app__list_gesture, .enter = enter_dayend};
