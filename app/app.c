/*
 * app.c - the touch app's state (see app.h): the units and the current unit's records, read
 * through the read-only journal handle; navigation; the table of screens (app__screen_ops, one
 * file screen_*.c each) that building and input are dispatched through; the banner; the
 * workers' snapshots. Never draws or reads input itself, never includes SDL, never writes the
 * journal (the recorder thread does), and holds no screen's layout or widgets.
 */
#include "app_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basemap.h"
#include "i18n.h"
#include "preview.h"
#include "sync/client.h"

/* ---- data ------------------------------------------------------------------------------ */

/* The current unit's records (everything load_unit_records reads). */
static void free_unit_records(app *a)
{
    sv_bpoints_free(a->pts, a->npts);
    sv_bpoints_free(a->near, a->nnear);
    a->near = NULL;
    a->nnear = 0;
    free(a->pts_xy);
    free(a->trk_xy);
    free(a->jump_xy);
    sv_verifications_free(a->ver, a->nver);
    sv_disputes_free(a->dsp, a->ndsp);
    sv_notes_free(a->notes, a->nnotes);
    sv_attachments_free(a->atts, a->natts);
    a->atts = NULL;
    a->natts = 0;
    sv_blines_free(a->lines, a->nlines);
    a->notes = NULL;
    a->lines = NULL;
    a->nnotes = a->nlines = 0;
    a->pts = NULL;
    a->pts_xy = a->trk_xy = a->jump_xy = NULL;
    a->ver = NULL;
    a->dsp = NULL;
    a->npts = a->ntrk = a->njump = a->nver = a->ndsp = 0;
    a->trk_cap = a->jump_cap = 0;
    a->trk_seq = a->trk_walk = 0;
}

static void free_unit_view(app *a)
{
    free_unit_records(a);
    free(a->draft);
    free(a->draft_ring);
    a->draft = NULL;
    a->draft_ring = NULL;
    a->ndraft = a->ndraft_ring = 0;
}

static void load_unit_records(app *a);

static void free_units(app *a)
{
    for (size_t i = 0; i < a->nunits; i++)
        sv_unit_clear(&a->units[i].u);
    free(a->units);
    a->units = NULL;
    a->nunits = 0;
}

int app_init(app *a, sv_journal *j)
{
    memset(a, 0, sizeof *a);
    a->j = j;
    a->cur = -1;
    a->mpp = 1;
    a->follow = 1;
    a->off_m = a->off_brg = a->off_pending = NAN;
    a->pole_h = a->off_decl = NAN;
    a->basemap_on = 1;
    a->basemap_opacity = 1.0f;
    snprintf(a->power_root, sizeof a->power_root, "%s", "/sys/class/power_supply");
    a->photo_sel = -1;
    { /* photos/ beside the journal, where a camera app or a copy from a phone leaves them */
        const char *jp = sv_journal_path(j), *slash = jp ? strrchr(jp, '/') : NULL;
        if (jp && slash)
            snprintf(a->photos_dir, sizeof a->photos_dir, "%.*s/photos", (int)(slash - jp), jp);
        else
            snprintf(a->photos_dir, sizeof a->photos_dir, "%s", "photos");
    }
    int rc = sv_geo_new(&a->geo);
    if (rc != SV_OK)
        return rc;
    return app_reload(a);
}

void app_free(app *a)
{
    app__close_modal(a);
    free(a->strokes);
    free(a->day);
    free(a->photos);
    free_unit_view(a);
    free_units(a);
    sv_geo_free(a->geo);
    memset(a, 0, sizeof *a);
}

/* Unit i's records from the unit summary (survey/summary.h) and its stage with the office's
 * word from the last sync (of, may be NULL): what Today lists. */
static void unit_records(app *a, size_t i, const sy_unit_office *of)
{
    app_unit_row *r = &a->units[i];
    sv_unit_summarize_records(a->j, r->u.code, &r->s);
    sy_unit_office_take(a->j, of, &r->s); /* disputes the county office settled */
    r->p = r->s.progress;
    r->stage = (int)sv_unit_stage_office(&r->s, of ? of->status : NULL, of ? of->returned_seq : 0);
    snprintf(r->office_note, sizeof r->office_note, "%s",
             r->stage == SV_STAGE_RETURNED && of->has_note ? of->note : "");
}

/* The same for one unit whose records changed (the office's word re-read). */
static void unit_records_one(app *a, size_t i)
{
    sy_unit_office *office = NULL;
    size_t noffice = 0;
    if (sy_unit_office_read(a->j, &office, &noffice) != SY_OK)
        noffice = 0;
    unit_records(a, i, sy_unit_office_find(office, noffice, a->units[i].u.code));
    free(office);
}

int app_reload(app *a)
{
    char keep[SV_CODE_MAX] = "";
    if (a->cur >= 0)
        snprintf(keep, sizeof keep, "%s", a->units[a->cur].u.code);
    free_units(a);
    sv_unit *u = NULL;
    size_t n = 0;
    int rc = sv_state_units(a->j, &u, &n);
    if (rc == SV_OK && !(a->units = calloc(n ? n : 1, sizeof *a->units))) {
        sv_units_free(u, n);
        rc = SV_ENOMEM;
    }
    if (rc != SV_OK) {
        /* nothing to show: back to an empty Today rather than a unit that is gone */
        snprintf(a->status, sizeof a->status, "%s",
                 rc == SV_ENOMEM ? "out of memory" : sv_journal_errmsg(a->j));
        a->cur = -1;
        free_unit_view(a);
        a->screen = APP_SCR_TODAY;
        a->depth = 0;
        return rc;
    }
    /* the office's word on the units (none when never synced, or unreadable: Today then groups
     * by the journal alone) */
    sy_unit_office *office = NULL;
    size_t noffice = 0;
    if (sy_unit_office_read(a->j, &office, &noffice) != SY_OK)
        noffice = 0;
    for (size_t i = 0; i < n; i++) {
        a->units[i].u = u[i]; /* moved */
        a->units[i].type_label_en = -1;
        unit_records(a, i, sy_unit_office_find(office, noffice, u[i].code));
    }
    free(office);
    free(u); /* the elements were moved */
    a->nunits = n;
    a->cur = -1;
    for (size_t i = 0; keep[0] && i < n; i++)
        if (strcmp(a->units[i].u.code, keep) == 0)
            a->cur = (int)i;
    if (a->cur < 0 && keep[0])
        free_unit_view(a);
    if (a->cur >= 0)
        load_unit_records(a);
    return SV_OK;
}

/* Project n lon,lat pairs into a fresh x,y array. A position the unit's plane cannot take
 * (NaN, or far outside the zone) becomes a NaN pair and *refused is set: the record is still
 * listed, it is only not drawn. NULL when out of memory. */
static double *project(app *a, const double *lonlat, size_t n, int *refused)
{
    double *xy = malloc((n ? n : 1) * 2 * sizeof *xy);
    if (!xy)
        return NULL;
    int rc = n ? sv_geo_to_plane_n(a->geo, a->crs, n, lonlat, xy) : SV_OK;
    if (refused)
        *refused = rc != SV_OK;
    return xy;
}

/* Grow *buf (pairs of doubles) to hold need pairs. */
static int reserve_pairs(double **buf, size_t *cap, size_t need)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need)
        nc *= 2;
    double *b = realloc(*buf, nc * 2 * sizeof *b);
    if (!b)
        return -1;
    *buf = b;
    *cap = nc;
    return 0;
}

/* Bring the current unit's walk up to date: read only the vertices after the last one held and
 * append them, projected. The line is each walk's vertices without its jumps (the boundary as
 * walked), one NaN pair between walks; the jumps are kept apart, drawn as refused. A walk of
 * 100,000 vertices is read once, not every time a vertex arrives. */
static void load_track(app *a)
{
    sv_track tk;
    if (sv_state_track_after(a->j, a->units[a->cur].u.code, a->trk_seq, &tk) != SV_OK || !tk.n) {
        sv_track_clear(&tk);
        return;
    }
    size_t walks = 0, jumps = 0;
    int64_t w = a->trk_walk;
    for (size_t i = 0; i < tk.n; i++) {
        walks += (a->trk_seq || i > 0) && tk.walk[i] != w;
        w = tk.walk[i];
        jumps += tk.jump[i] != 0;
    }
    if (reserve_pairs(&a->trk_xy, &a->trk_cap, a->ntrk + tk.n - jumps + walks) != 0 ||
        reserve_pairs(&a->jump_xy, &a->jump_cap, a->njump + jumps) != 0) {
        sv_track_clear(&tk); /* nothing taken: the next reload tries again */
        return;
    }
    size_t k0 = a->ntrk, q0 = a->njump, k = k0, q = q0;
    double *xy = a->trk_xy, *jx = a->jump_xy;
    for (size_t i = 0; i < tk.n; i++) {
        int new_walk = (a->trk_seq || i > 0) && tk.walk[i] != a->trk_walk;
        a->trk_walk = tk.walk[i];
        a->trk_seq = tk.seq[i];
        if (tk.jump[i]) {
            jx[2 * q] = tk.lonlat[2 * i];
            jx[2 * q + 1] = tk.lonlat[2 * i + 1];
            q++;
            continue;
        }
        if (new_walk && k > 0 && isfinite(xy[2 * k - 2])) {
            xy[2 * k] = xy[2 * k + 1] = NAN;
            k++;
        }
        xy[2 * k] = tk.lonlat[2 * i];
        xy[2 * k + 1] = tk.lonlat[2 * i + 1];
        k++;
    }
    sv_track_clear(&tk);
    /* projected in place; a refused position becomes NaN and is not drawn */
    sv_geo_to_plane_n(a->geo, a->crs, k - k0, xy + 2 * k0, xy + 2 * k0);
    sv_geo_to_plane_n(a->geo, a->crs, q - q0, jx + 2 * q0, jx + 2 * q0);
    a->ntrk = k;
    a->njump = q;
}

/* (Re-)read the current unit's points, walks, verifications and disputes; the view stays. */
static void load_unit_records(app *a)
{
    const sv_unit *u = &a->units[a->cur].u;
    free_unit_records(a);
    size_t n = 0;
    if (sv_state_points(a->j, u->code, &a->pts, &n) == SV_OK) {
        a->npts = n;
        double *ll = malloc((n ? n : 1) * 2 * sizeof *ll);
        for (size_t i = 0; ll && i < n; i++) {
            ll[2 * i] = a->pts[i].lon;
            ll[2 * i + 1] = a->pts[i].lat;
        }
        a->pts_xy = ll ? project(a, ll, n, NULL) : NULL;
        free(ll);
        if (!a->pts_xy)
            a->npts = 0;
    }
    if (sv_state_share_candidates(a->j, u->code, SV_SHARE_NEAR_M, &a->near, NULL, &n) == SV_OK)
        a->nnear = n;
    load_track(a);
    if (sv_state_verifications(a->j, u->code, &a->ver, &n) == SV_OK)
        a->nver = n;
    if (sv_state_disputes(a->j, u->code, &a->dsp, &n) == SV_OK)
        a->ndsp = n;
    if (sv_state_notes(a->j, u->code, &a->notes, &n) == SV_OK)
        a->nnotes = n;
    if (sv_state_attachments(a->j, u->code, &a->atts, &n) == SV_OK)
        a->natts = n;
    if (sv_state_lines(a->j, u->code, &a->lines, &n) == SV_OK)
        a->nlines = n;
    unit_records_one(a, (size_t)a->cur);
    if (app__screen(a->screen)->reload)
        app__screen(a->screen)->reload(a);
}

int app_select_unit(app *a, int idx)
{
    if (idx < 0 || (size_t)idx >= a->nunits)
        return SV_EINVAL;
    free_unit_view(a);
    a->cur = idx;
    const sv_unit *u = &a->units[idx].u;
    if (strcmp(a->party_unit, u->code) != 0) {
        /* another unit: its own parties; nothing drafted for the last one carries over */
        snprintf(a->party_unit, sizeof a->party_unit, "%s", u->code);
        a->nparty = 0;
        a->pad_name[0] = '\0';
        a->nstrokes = 0;
        a->dsp_parties[0] = a->dsp_statement[0] = a->dsp_from[0] = a->dsp_to[0] = '\0';
        a->off_m = a->off_brg = NAN;
        a->override_reason[0] = '\0';
        a->override_code[0] = '\0';
        a->ptype[0] = a->marker[0] = '\0'; /* the last unit's point type and marker */
        a->scroll = 0;
        memset(&a->nav, 0, sizeof a->nav); /* navigation was to the other unit's places */
        a->remeasure = 0;
        a->pole_h = a->off_decl = NAN;
        a->off_north = 0;
        a->pts_scroll = a->pts_vel = 0;
        a->note_point[0] = a->note_from[0] = a->note_to[0] = a->note_phrase[0] = '\0';
        a->note_text[0] = a->stl_agreement[0] = a->stl_number[0] = '\0';
        a->dsp_sel = 0;
    }
    int jepsg;
    double jcm;
    sv_journal_default_crs(a->j, &jepsg, &jcm);
    /* The unit summary's zone (survey/summary.h), so the map and the figures agree; 105E for a
     * unit with nothing drawn yet (the points are loaded below, in that plane). */
    a->crs = sv_unit_crs(u, jepsg, jcm, 105, NAN);
    /* every ring: a unit in two parts, or with a hole, is drawn whole (only the first ring was) */
    size_t nring = u->draft.n_pts;
    int refused = 0;
    a->draft = project(a, u->draft.lonlat, nring, &refused);
    a->draft_ring = nring ? malloc(u->draft.n_rings * sizeof *a->draft_ring) : NULL;
    if (a->draft && a->draft_ring) {
        memcpy(a->draft_ring, u->draft.ring_pts, u->draft.n_rings * sizeof *a->draft_ring);
        a->ndraft = nring;
        a->ndraft_ring = u->draft.n_rings;
    } else {
        free(a->draft);
        free(a->draft_ring);
        a->draft = NULL;
        a->draft_ring = NULL;
        a->ndraft = a->ndraft_ring = 0;
    }
    a->status[0] = '\0';
    if (nring && refused)
        /* the crew must not take an empty map for an empty unit */
        snprintf(a->status, sizeof a->status, "%s: %s", u->code, sv_geo_errmsg(a->geo));

    load_unit_records(a);
    if (a->rec)
        app_rec_set_unit(a->rec, u->code);
    app__zoom_to_unit(a);
    return SV_OK;
}

/* ---- navigation ------------------------------------------------------------------------ */

/* The screens, indexed by app_screen: every build and input is dispatched through this. */
static const app__screen_ops *const screens[APP__NSCREENS] = {
    [APP_SCR_TODAY] = &app__screen_today,       [APP_SCR_MAP] = &app__screen_map,
    [APP_SCR_GNSS] = &app__screen_gnss,         [APP_SCR_RECORD] = &app__screen_record,
    [APP_SCR_WALK] = &app__screen_walk,         [APP_SCR_VERIFY] = &app__screen_verify,
    [APP_SCR_SIGN] = &app__screen_sign,         [APP_SCR_PAD] = &app__screen_pad,
    [APP_SCR_DISPUTE] = &app__screen_dispute,   [APP_SCR_DAYEND] = &app__screen_dayend,
    [APP_SCR_SETTINGS] = &app__screen_settings, [APP_SCR_POINTS] = &app__screen_points,
    [APP_SCR_POINT] = &app__screen_point,       [APP_SCR_NOTE] = &app__screen_note,
    [APP_SCR_ATTACH] = &app__screen_attach,     [APP_SCR_SETTLE] = &app__screen_settle};

const app__screen_ops *app__screen(app_screen s)
{
    return screens[s];
}

void app__go(app *a, app_screen s)
{
    if (s == a->screen)
        return;
    a->scroll = 0;
    a->body_scroll = a->body_vel = 0;
    if (a->search_on) /* Today's search field loses the keyboard with the screen */
        a->search_on = a->want_text = 0;
    if (a->depth < (int)(sizeof a->back / sizeof a->back[0]))
        a->back[a->depth++] = a->screen;
    a->screen = s;
}

void app__open(app *a, app_screen s)
{
    app__go(a, s);
    if (screens[s]->enter)
        screens[s]->enter(a);
}

void app_build(app *a, app_ui *ui, int64_t now_ms)
{
    app__set_theme(a->set.theme);
    app_ui_fill(ui, (app_rect){0, 0, (float)ui->width, (float)ui->height}, C_BG);
    /* The banner under the top bar: decisions that could not be recorded (with a retry) before
     * anything else, then this screen's message, why nothing can be recorded, the recorder's
     * last error, or what is still being saved. All but the last stay until dealt with: the
     * top bar makes room for them (app__top_bar), so they hide no part of the screen (a
     * read-only journal's message lay over Today's search field). What is being saved shows
     * for a moment only: over the screen, so nothing moves under a finger. */
    char fb[800];
    const char *msg = a->status;
    int retry = 0, saving = 0;
    if (a->rec && a->rs.jobs_failed > 0) {
        snprintf(fb, sizeof fb,
                 ngettext("%d decision NOT recorded (last: %s): %s",
                          "%d decisions NOT recorded (last: %s): %s",
                          (unsigned long)a->rs.jobs_failed),
                 a->rs.jobs_failed, a->rs.failed_label, a->rs.message);
        msg = fb;
        retry = 1;
    } else if (!msg[0] && a->readonly[0]) {
        msg = a->readonly;
    } else if (!msg[0] && a->rec && a->rs.error && a->rs.message[0]) {
        msg = a->rs.message;
    } else if (!msg[0] && a->rec && a->rs.jobs_pending > 0) {
        snprintf(fb, sizeof fb,
                 ngettext("Saving %d decision…", "Saving %d decisions…",
                          (unsigned long)a->rs.jobs_pending),
                 a->rs.jobs_pending);
        msg = fb;
        saving = 1;
    }
    app__copy(a->banner, sizeof a->banner, saving ? "" : msg);
    a->banner_retry = retry;
    screens[a->screen]->build(a, ui, now_ms);
    if (saving) {
        float top = a->top_h > 0 ? a->top_h : app__target(ui) + app__mm(ui, 2);
        app_rect r = {0, top, (float)ui->width, app__mm(ui, 9)};
        app_ui_fill(ui, r, app__th->banner_info);
        app__text_fit(ui, app_rect_inset(r, app__mm(ui, 1)), msg, 3.2f, APP_ALIGN_LEFT, C_DIM);
    }
    a->banner[0] = '\0';
    if (a->modal != APP_MODAL_NONE)
        app__build_modal(a, ui);
}

/* ---- input ----------------------------------------------------------------------------- */

static int on_tap(app *a, const app_widget *w)
{
    if (!w)
        return 0;
    if (a->modal != APP_MODAL_NONE)
        return app__tap_modal(a, w->id);
    /* the top bar and the banner are on every screen, the map's buttons on Map and Walk */
    if (strcmp(w->id, "back") == 0)
        return app_go_back(a);
    if (strcmp(w->id, "gnss") == 0) {
        app__go(a, APP_SCR_GNSS);
        return 1;
    }
    if (strcmp(w->id, "retry-failed") == 0 && a->rec) {
        app_rec_retry_failed(a->rec);
        app_rec_get(a->rec, &a->rs);
        return 1;
    }
    if (strcmp(w->id, "discard-failed") == 0 && a->rec && a->rs.jobs_refused > 0) {
        char title[300];
        snprintf(title, sizeof title,
                 ngettext("Give up %d decision the journal refused? It will NOT be recorded.",
                          "Give up %d decisions the journal refused? They will NOT be recorded.",
                          (unsigned long)a->rs.jobs_refused),
                 a->rs.jobs_refused);
        app__open_modal(a, APP_MODAL_PICK, APP_ASK_DISCARD_FAILED, title);
        a->discard_shown = a->rs.jobs_refused; /* only those asked about go */
        app__pick_add(a, _("Give up: not recorded"), "discard");
        app__pick_add(a, _("Keep them (try again later)"), "keep");
        return 1;
    }
    int r = app__map_tap(a, w->id);
    if (r >= 0)
        return r;
    const app__screen_ops *s = screens[a->screen];
    return s->tap ? s->tap(a, w->id) : 0;
}

int app_on_gesture(app *a, const app_ui *ui, const app_gesture *g)
{
    const app_widget *w = app_ui_hit(ui, g->x, g->y);
    if (a->modal != APP_MODAL_NONE) {
        if (a->modal == APP_MODAL_PICK && g->type == APP_G_DRAG)
            return app__list_gesture(a, w, g);
        return g->type == APP_G_TAP ? on_tap(a, w) : 0;
    }
    const app__screen_ops *s = screens[a->screen];
    /* a tap on the map itself is the screen's (Map: choosing a draft vertex to navigate to) */
    if (g->type == APP_G_TAP && w && strcmp(w->id, "map") == 0 && s->gesture && s->gesture(a, w, g))
        return 1;
    if (g->type == APP_G_TAP)
        return on_tap(a, w);
    return s->gesture ? s->gesture(a, w, g) : 0;
}

int app_go_back(app *a)
{
    if (a->modal != APP_MODAL_NONE) {
        app__close_modal(a);
        return 1;
    }
    if (a->depth == 0)
        return 0;
    a->screen = a->back[--a->depth];
    a->body_scroll = a->body_vel = 0;
    return 1;
}

int app_open_unit(app *a, const char *code)
{
    for (size_t i = 0; i < a->nunits; i++)
        if (strcmp(a->units[i].u.code, code) == 0) {
            int rc = app_select_unit(a, (int)i);
            if (rc == SV_OK)
                app__go(a, APP_SCR_MAP);
            return rc;
        }
    return SV_ENOTFOUND;
}

void app_walk_refresh(app *a, const char *code)
{
    for (size_t i = 0; i < a->nunits; i++) {
        if (strcmp(a->units[i].u.code, code) != 0)
            continue;
        if ((int)i == a->cur)
            load_track(a); /* only the new vertices */
        unit_records_one(a, i);
        return;
    }
}

#define WALK_RELOAD_MS 2000 /* while only walk vertices arrive, re-read the unit this often */

int app_poll_workers(app *a)
{
    int changed = 0;
    /* imagery tiles decoded: the map shows them */
    int tiles = app_tiles_poll(a->tiles) && (a->screen == APP_SCR_MAP || a->screen == APP_SCR_WALK);
    int64_t now = sv_mono_ms();
    if (a->rec) {
        app_rec_snap s;
        app_rec_get(a->rec, &s);
        changed = s.gen != a->rs.gen;
        if (s.points != a->points_seen) {
            /* a point was recorded: its offset, override, type and marker were for it alone (a
             * map-read type never carries over to the next point, issue 10 defect 2; nor does a
             * marker: the next point's is chosen for it, else none is recorded) */
            a->off_m = a->off_brg = NAN;
            a->override_reason[0] = '\0';
            a->ptype[0] = '\0';
            a->marker[0] = '\0';
            a->override_code[0] = '\0';
            a->pole_h = a->off_decl = NAN; /* so were its pole height and north */
            a->off_north = 0;
            a->remeasure = 0; /* the re-measurement is recorded */
            a->remeasure_reason[0] = '\0';
            a->points_seen = s.points;
        }
        /* Decisions and points: re-read everything at once. Walk vertices alone: only the
         * walked unit, at most every 2 s, so a long walk does not re-read every unit's
         * progress (and the whole track) for each vertex. */
        int other = s.other_gen != a->other_gen;
        int verts = s.journal_gen != a->journal_gen && !other;
        if (other || (verts && now - a->reloaded_ms >= WALK_RELOAD_MS)) {
            a->journal_gen = s.journal_gen;
            a->other_gen = s.other_gen;
            a->reloaded_ms = now;
            a->reload_due = 0;
            if (other)
                app_reload(a);
            else
                app_walk_refresh(a, s.walk_unit);
            if (a->sync)
                app_sync_refresh(a->sync);
            changed = 1;
        } else if (verts) {
            a->reload_due = a->reloaded_ms + WALK_RELOAD_MS;
        }
        a->rs = s;
    }
    if (a->sync) {
        app_sync_snap s;
        app_sync_get(a->sync, &s);
        if (s.gen != a->ss.gen) {
            changed = 1;
            /* the office may have sent new units */
            if (a->ss.busy && !s.busy) {
                app_reload(a);
                a->day_gen = (uint64_t)-1;
            }
            a->ss = s;
        }
    }
    /* the Files screen's picture decoded: shown */
    int preview = app_preview_poll(a->preview) && a->screen == APP_SCR_ATTACH;
    return changed || tiles || preview;
}

int64_t app_next_tick(const app *a, int64_t now_ms)
{
    /* averaging shows seconds; a sync shows its progress; the recording screens notice a
     * receiver that went silent (the receiver banner): once a second is enough */
    int64_t t = -1;
    if ((a->rec && (a->rs.averaging || a->rs.walking)) || (a->sync && a->ss.busy) ||
        (a->gnss_ok && (a->screen == APP_SCR_RECORD || a->screen == APP_SCR_WALK)))
        t = now_ms + 1000;
    if (a->reload_due > 0 && (t < 0 || a->reload_due < t))
        t = a->reload_due;
    if (a->screen == APP_SCR_TODAY && a->today_vel != 0 && !a->today_dragging)
        t = now_ms + 16; /* a fling moves the list every frame */
    if (a->screen == APP_SCR_POINTS && a->pts_vel != 0 && !a->pts_dragging)
        t = now_ms + 16;
    if (a->body_vel != 0 && !a->body_dragging) /* a screen's body flung (app__body_begin) */
        t = now_ms + 16;
    return t;
}
