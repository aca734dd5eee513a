/*
 * export_gpkg.c - the GeoPackage export: one set of layers in EPSG:4490 and a slim copy in
 * each Gauss-Krueger zone in use (export_layers.c says which columns), the signatures as an
 * attributes table, all written through the private GeoPackage writer (gpkg.c).
 *
 * It must never know the GeoPackage format itself (tables, binary geometry, R-trees are
 * gpkg.c's) and never leave a partial file under the target name: the writer works on a
 * temporary file and sv__gpkg_finish renames it into place, sv__gpkg_abort removes it.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "export_int.h"
#include "gpkg.h"

/* ---- GeoPackage ------------------------------------------------------------------------------ */

/* The sink of a GeoPackage feature of layer ly in plane set set (none when set <= 0). */
static sv__ex_sink gsink(const sv__ex *x, int ly, int set)
{
    const sv__ex_set *ps = sv__ex_plane_set(x, set);
    sv__ex_sink s = {{x->sets[0].lay[ly], ps ? ps->lay[ly] : NULL},
                     NULL,
                     sv__ex_layers[ly].cols,
                     0,
                     x->zmap[ly]};
    return s;
}

typedef struct gctx {
    sv__gpkg *gp;
    sv_export_stats *st;
} gctx;

static int gpkg_fail(sv__ex *x, sv__gpkg *gp, int rc, const char *what)
{
    sv__diag(x->diag, "%s: %s: %s", x->path, what, sv__gpkg_errmsg(gp));
    return rc;
}

/* Plane x,y (east, north) of n lon/lat pairs into x->scratch; *ok 0 when some position
 * cannot be projected (the feature then has no plane geometry, see export.c's file comment). */
static int plane_xy(sv__ex *x, int set, size_t n, const double *lonlat, int *ok)
{
    int rc = sv__ex_reserve(x, &x->scratch, &x->scratch_cap, 2 * n);
    if (rc != SV_OK)
        return rc;
    *ok = sv_geo_to_plane_n(x->g, x->sets[set].crs, n, lonlat, x->scratch) == SV_OK;
    for (size_t k = 0; k < n; k++) {
        double north = x->scratch[2 * k];
        x->scratch[2 * k] = x->scratch[2 * k + 1];
        x->scratch[2 * k + 1] = north;
    }
    return SV_OK;
}

/* Insert one feature; the message (unit, kind, id a[-b]) is composed only on failure, since
 * formatting it for each of 400,000 rows would cost more than some of the inserts. */
static int gp_insert(sv__ex *x, sv__gpkg *gp, sv__gpkg_layer *l, const sv__gpkg_geom *geom,
                     const char *unit, const char *kind, const char *a, const char *b)
{
    int rc = sv__gpkg_insert(l, geom);
    if (rc == SV_OK)
        return SV_OK;
    char what[192];
    snprintf(what, sizeof what, "unit %s%s%s%s%s%s%s", unit, *kind ? " " : "", kind, a ? " " : "",
             a ? a : "", b ? "-" : "", b ? b : "");
    return gpkg_fail(x, gp, rc, what);
}

static int gp_units(sv__ex *x, sv__gpkg *gp)
{
    for (size_t i = 0; i < x->n_units; i++) {
        const sv_unit *u = &x->units[i];
        int set = x->unit_set[i];
        sv__ex_sink s = gsink(x, SV__LY_UNITS, set);
        int rc = sv__ex_unit_attrs(x, &s, i);
        if (rc != SV_OK)
            return rc;
        const sv_geom *d = &u->draft;
        sv__gpkg_geom geom = {SV__GPKG_MULTIPOLYGON, d->n_parts, d->part_rings, d->n_rings,
                              d->ring_pts,           d->n_pts,   d->lonlat};
        /* A unit without a drawn boundary is still a unit: exported without geometry. */
        const sv__gpkg_geom *gg = d->n_pts ? &geom : NULL;
        if ((rc = gp_insert(x, gp, s.l[0], gg, u->code, "", NULL, NULL)) != SV_OK)
            return rc;
        if (s.l[1]) {
            int ok = 0;
            if (d->n_pts) {
                if ((rc = plane_xy(x, set, d->n_pts, d->lonlat, &ok)) != SV_OK)
                    return rc;
                geom.xy = x->scratch;
            }
            if ((rc = gp_insert(x, gp, s.l[1], ok ? gg : NULL, u->code, "", NULL, NULL)) != SV_OK)
                return rc;
        }
    }
    return SV_OK;
}

static int gp_points(sv__ex *x, sv__gpkg *gp)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        int set = x->pt_set[i];
        sv__ex_sink s = gsink(x, SV__LY_POINTS, set);
        sv__ex_point_attrs(x, &s, i, timebuf);
        double ll[2] = {p->lon, p->lat};
        double en[2] = {x->pt_ne[2 * i + 1], x->pt_ne[2 * i]};
        sv__gpkg_geom geom = {.type = SV__GPKG_POINT, .n_pts = 1, .xy = ll};
        int has = isfinite(p->lat) && isfinite(p->lon);
        int rc = gp_insert(x, gp, s.l[0], has ? &geom : NULL, p->unit, "point", p->number, NULL);
        if (rc == SV_OK && s.l[1]) {
            geom.xy = en;
            rc = gp_insert(x, gp, s.l[1], isfinite(en[0]) ? &geom : NULL, p->unit, "point",
                           p->number, NULL);
        }
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int gp_line(sv__ex *x, const sv__ex_seg *g, void *ctx)
{
    gctx *c = ctx;
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    int set = x->pt_set[g->a] == x->pt_set[g->b] ? x->pt_set[g->a] : -1;
    sv__ex_sink s = gsink(x, SV__LY_LINES, set);
    sv__ex_line_attrs(x, &s, g);
    double ll[4] = {a->lon, a->lat, b->lon, b->lat};
    const double *na = &x->pt_ne[2 * g->a], *nb = &x->pt_ne[2 * g->b];
    double en[4] = {na[1], na[0], nb[1], nb[0]};
    sv__gpkg_geom geom = {.type = SV__GPKG_LINESTRING, .n_pts = 2, .xy = ll};
    int rc = gp_insert(x, c->gp, s.l[0], &geom, a->unit, "line", a->number, b->number);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = en;
        int ok = isfinite(en[0]) && isfinite(en[2]);
        rc = gp_insert(x, c->gp, s.l[1], ok ? &geom : NULL, a->unit, "line", a->number, b->number);
    }
    if (rc == SV_OK)
        c->st->lines++;
    return rc;
}

static int gp_walked(sv__ex *x, const sv__ex_walk *w, void *ctx)
{
    gctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = sv__ex_walk_lonlat(x, w, 1, &n, &plane_ok);
    if (rc != SV_OK || n < 3)
        return rc;
    /* Close the rings. */
    x->scratch2[2 * n] = x->scratch2[0];
    x->scratch2[2 * n + 1] = x->scratch2[1];
    x->scratch[2 * n] = x->scratch[0];
    x->scratch[2 * n + 1] = x->scratch[1];
    int set = sv__ex_walk_set(x, w);
    sv__ex_sink s = gsink(x, SV__LY_WALKED, set);
    if ((rc = sv__ex_walked_attrs(x, &s, w, n, set)) != SV_OK)
        return rc;
    size_t rp = n + 1;
    sv__gpkg_geom geom = {
        .type = SV__GPKG_POLYGON, .n_rings = 1, .ring_pts = &rp, .n_pts = n + 1, .xy = x->scratch2};
    const char *unit = w->keys[0].unit;
    rc = gp_insert(x, c->gp, s.l[0], &geom, unit, "walked polygon", NULL, NULL);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = x->scratch;
        rc = gp_insert(x, c->gp, s.l[1], plane_ok ? &geom : NULL, unit, "walked polygon", NULL,
                       NULL);
    }
    return rc;
}

static int gp_track(sv__ex *x, const sv__ex_walk *w, void *ctx)
{
    gctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = sv__ex_walk_lonlat(x, w, 0, &n, &plane_ok);
    if (rc != SV_OK || n < 2)
        return rc; /* one vertex is not a line; it stays in the journal */
    int set = sv__ex_walk_set(x, w);
    sv__ex_sink s = gsink(x, SV__LY_TRACKS, set);
    char t0[64], t1[64];
    sv__ex_track_attrs(x, &s, w, n, t0, t1);
    sv__gpkg_geom geom = {.type = SV__GPKG_LINESTRING, .n_pts = n, .xy = x->scratch2};
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)w->keys[0].track);
    const char *unit = w->keys[0].unit;
    rc = gp_insert(x, c->gp, s.l[0], &geom, unit, "track", id, NULL);
    if (rc == SV_OK && s.l[1]) {
        geom.xy = x->scratch;
        rc = gp_insert(x, c->gp, s.l[1], plane_ok ? &geom : NULL, unit, "track", id, NULL);
    }
    if (rc == SV_OK)
        c->st->walks++;
    return rc;
}

static int gp_signatures(sv__ex *x, sv__gpkg *gp, sv__gpkg_layer *l)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_sigs; i++) {
        sv__ex_sink s = {{l, NULL}, NULL, sv__ex_sig_cols, 0, NULL};
        int rc = sv__ex_sig_attrs(x, &s, i, timebuf);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)x->sigs[i].seq);
        if (rc == SV_OK)
            rc = gp_insert(x, gp, l, NULL, x->sigs[i].unit, "signature", id, NULL);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int gp_disputes(sv__ex *x, sv__gpkg *gp, sv__gpkg_layer *l)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_disp; i++) {
        sv__ex_sink s = {{l, NULL}, NULL, sv__ex_dispute_cols, 0, NULL};
        sv__ex_dispute_attrs(x, &s, i, timebuf);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)x->disp[i].seq);
        int rc = gp_insert(x, gp, l, NULL, x->disp[i].unit, "dispute", id, NULL);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

static int gp_notes(sv__ex *x, sv__gpkg *gp, sv__gpkg_layer *l)
{
    char timebuf[64];
    for (size_t i = 0; i < x->n_notes; i++) {
        sv__ex_sink s = {{l, NULL}, NULL, sv__ex_note_cols, 0, NULL};
        sv__ex_note_attrs(x, &s, i, timebuf);
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)x->notes[i].seq);
        int rc = gp_insert(x, gp, l, NULL, x->notes[i].unit, "note", id, NULL);
        if (rc != SV_OK)
            return rc;
    }
    return SV_OK;
}

int sv__ex_write_gpkg(sv__ex *x, sv_export_stats *st)
{
    /* The plane copies' columns (see unit_zone etc.). */
    for (int ly = 0; ly < SV__LY_COUNT; ly++) {
        memset(x->zmap[ly], -1, sizeof x->zmap[ly]);
        for (size_t k = 0; k < sv__ex_layers[ly].n_zone; k++) {
            size_t col = sv__ex_layers[ly].zone[k];
            x->zcols[ly][k] = sv__ex_layers[ly].cols[col];
            x->zmap[ly][col] = (signed char)k;
        }
    }
    sv__gpkg *gp = NULL;
    int rc = sv__gpkg_create(x->path, &gp, x->diag);
    if (rc != SV_OK)
        return rc;
    for (size_t si = 0; si < x->n_sets; si++) {
        sv__ex_set *s = &x->sets[si];
        const char *name = sv_geo_crs_name(x->g, s->crs);
        char namebuf[128];
        snprintf(namebuf, sizeof namebuf, "%s", name);
        const char *wkt = sv_geo_wkt(x->g, s->crs);
        if (!wkt) {
            rc = sv__ex_geo_fail(x, SV_ECRS, namebuf);
            goto fail;
        }
        rc = sv__gpkg_add_srs(gp, s->srs_id, namebuf, s->crs.epsg ? "EPSG" : "QUEJIE", s->srs_id,
                              wkt, NULL);
        if (rc != SV_OK) {
            rc = gpkg_fail(x, gp, rc, namebuf);
            goto fail;
        }
        for (int ly = 0; ly < SV__LY_COUNT; ly++) {
            char table[96], title[320];
            snprintf(table, sizeof table, "%s%s", sv__ex_layers[ly].name, s->suffix);
            if (si == 0)
                snprintf(title, sizeof title, "%s, %s", sv__ex_layers[ly].title, namebuf);
            else
                snprintf(title, sizeof title,
                         "%s, %s: plane coordinates, identity and quality; every attribute is "
                         "in %s",
                         sv__ex_layers[ly].title, namebuf, sv__ex_layers[ly].name);
            rc = sv__gpkg_add_layer(gp, table, title, sv__ex_layers[ly].type, s->srs_id,
                                    si == 0 ? sv__ex_layers[ly].cols : x->zcols[ly],
                                    si == 0 ? sv__ex_layers[ly].n_cols : sv__ex_layers[ly].n_zone,
                                    &s->lay[ly]);
            if (rc != SV_OK) {
                rc = gpkg_fail(x, gp, rc, table);
                goto fail;
            }
        }
    }
    sv__gpkg_layer *sigs = NULL;
    rc = sv__gpkg_add_attributes(gp, "signatures",
                                 "指界签字 signatures at the pointing-out of the boundary",
                                 sv__ex_sig_cols, sv__ex_n_sig_cols, &sigs);
    if (rc != SV_OK) {
        rc = gpkg_fail(x, gp, rc, "signatures");
        goto fail;
    }
    sv__gpkg_layer *notes = NULL;
    rc = sv__gpkg_add_attributes(gp, "notes", "备注 notes on units, boundary points and lines",
                                 sv__ex_note_cols, sv__ex_n_note_cols, &notes);
    if (rc != SV_OK) {
        rc = gpkg_fail(x, gp, rc, "notes");
        goto fail;
    }
    sv__gpkg_layer *disputes = NULL;
    rc = sv__gpkg_add_attributes(gp, "disputes",
                                 "权属争议 ownership disputes, their state and settlement",
                                 sv__ex_dispute_cols, sv__ex_n_dispute_cols, &disputes);
    if (rc != SV_OK) {
        rc = gpkg_fail(x, gp, rc, "disputes");
        goto fail;
    }
    gctx c = {gp, st};
    if ((rc = gp_units(x, gp)) != SV_OK || (rc = gp_points(x, gp)) != SV_OK ||
        (rc = sv__ex_for_each_line(x, gp_line, &c)) != SV_OK ||
        (rc = sv__ex_for_each_walk(x, x->vx_by_unit, 0, gp_walked, &c)) != SV_OK ||
        (rc = sv__ex_for_each_walk(x, x->vx_by_track, 1, gp_track, &c)) != SV_OK ||
        (rc = gp_signatures(x, gp, sigs)) != SV_OK || (rc = gp_notes(x, gp, notes)) != SV_OK ||
        (rc = gp_disputes(x, gp, disputes)) != SV_OK)
        goto fail;
    st->units = x->n_units;
    st->points = x->n_pts;
    st->vertices = x->n_vx;
    st->signatures = x->n_sigs;
    return sv__gpkg_finish(gp, x->diag);
fail:
    sv__gpkg_abort(gp);
    return rc;
}
