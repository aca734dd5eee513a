/*
 * export_text.c - the text formats: RFC 7946 GeoJSON (jansson; every layer as features with a
 * "layer" property, one feature per line) and the CSV boundary-point table (界址点成果表).
 *
 * Both are written to a temporary file beside the target and renamed into place only when
 * complete; this file must never leave a partial file under the target name, and never
 * write JSON by hand (jansson encodes every feature).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "export_int.h"
#include "gpkg.h"
#include "survey/fileio.h"
#include "survey/geom.h"

/* ---- GeoJSON -----------------------------------------------------------------------------------
 */

/* 1e-9 degree (0.1 mm) is what the journal stores; more digits would be noise. */
static double r9(double v)
{
    return round(v * 1e9) / 1e9;
}

static json_t *jpos(double lon, double lat)
{
    return json_pack("[ff]", r9(lon), r9(lat));
}

static json_t *jring(size_t n, const double *lonlat)
{
    json_t *a = json_array();
    for (size_t k = 0; a && k < n; k++)
        if (json_array_append_new(a, jpos(lonlat[2 * k], lonlat[2 * k + 1])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

/* A polygon ring by RFC 7946's right-hand rule (3.1.6): an exterior ring counter-clockwise
 * (ccw 1), a hole clockwise (ccw 0), whichever way it was drawn or walked; GEOS says which way
 * it runs. A ring without an orientation (collapsed) is written as it is. */
static json_t *jring_rhr(size_t n, const double *lonlat, int ccw)
{
    int is = sv_ring_is_ccw(n, lonlat);
    if (is < 0 || is == ccw)
        return jring(n, lonlat);
    json_t *a = json_array();
    for (size_t k = n; a && k-- > 0;)
        if (json_array_append_new(a, jpos(lonlat[2 * k], lonlat[2 * k + 1])) != 0) {
            json_decref(a);
            return NULL;
        }
    return a;
}

static json_t *jgeom(const char *type, json_t *coords)
{
    return coords ? json_pack("{s:s, s:o}", "type", type, "coordinates", coords) : NULL;
}

static json_t *jmultipolygon(const sv_geom *d)
{
    json_t *parts = json_array();
    const double *ll = d->lonlat;
    size_t r = 0;
    for (size_t p = 0; parts && p < d->n_parts; p++) {
        json_t *poly = json_array();
        for (size_t k = 0; poly && k < d->part_rings[p]; k++, r++) {
            if (json_array_append_new(poly, jring_rhr(d->ring_pts[r], ll, k == 0)) != 0) {
                json_decref(poly);
                poly = NULL;
            }
            ll += 2 * d->ring_pts[r];
        }
        if (!poly || json_array_append_new(parts, poly) != 0) {
            json_decref(parts);
            return NULL;
        }
    }
    return jgeom("MultiPolygon", parts);
}

typedef struct jctx {
    FILE *f;
    size_t written;
    sv_export_stats *st;
} jctx;

/* A sink filling GeoJSON properties, "layer" first so a reader sees at once what it is. */
static sv__ex_sink jsink(const char *layer, const sv__gpkg_column *cols)
{
    sv__ex_sink s = {{NULL, NULL}, json_object(), cols, 0, NULL};
    if (s.props && json_object_set_new(s.props, "layer", json_string(layer)) != 0)
        s.failed = 1;
    return s;
}

/* Write one feature (steals props and geom; geom NULL = null geometry). One feature per line
 * keeps the file streamable and diffable. */
static int j_feature(sv__ex *x, jctx *c, sv__ex_sink *s, json_t *geom, int want_geom)
{
    json_t *props = s->props;
    if (s->failed || !props || (want_geom && !geom)) {
        json_decref(props);
        json_decref(geom);
        return sv__ex_nomem(x);
    }
    json_t *f = json_pack("{s:s, s:o, s:o}", "type", "Feature", "properties", props, "geometry",
                          geom ? geom : json_null());
    if (!f)
        return sv__ex_nomem(x);
    if (c->written++ && fputs(",\n", c->f) == EOF)
        goto io;
    if (json_dumpf(f, c->f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) != 0)
        goto io;
    json_decref(f);
    return SV_OK;
io:
    json_decref(f);
    sv__diag(x->diag, "%s: cannot write: %s", x->path, strerror(errno));
    return SV_EIO;
}

static int j_line(sv__ex *x, const sv__ex_seg *g, void *ctx)
{
    jctx *c = ctx;
    sv__ex_sink s = jsink(sv__ex_layers[SV__LY_LINES].geojson, sv__ex_layers[SV__LY_LINES].cols);
    sv__ex_line_attrs(x, &s, g);
    const sv_bpoint *a = &x->pts[g->a], *b = &x->pts[g->b];
    double ll[4] = {a->lon, a->lat, b->lon, b->lat};
    int rc = j_feature(x, c, &s, jgeom("LineString", jring(2, ll)), 1);
    if (rc == SV_OK)
        c->st->lines++;
    return rc;
}

static int j_walked(sv__ex *x, const sv__ex_walk *w, void *ctx)
{
    jctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = sv__ex_walk_lonlat(x, w, 1, &n, &plane_ok);
    if (rc != SV_OK || n < 3)
        return rc;
    x->scratch2[2 * n] = x->scratch2[0];
    x->scratch2[2 * n + 1] = x->scratch2[1];
    sv__ex_sink s = jsink(sv__ex_layers[SV__LY_WALKED].geojson, sv__ex_layers[SV__LY_WALKED].cols);
    if ((rc = sv__ex_walked_attrs(x, &s, w, n, sv__ex_walk_set(x, w))) != SV_OK) {
        json_decref(s.props);
        return rc;
    }
    json_t *ring = jring_rhr(n + 1, x->scratch2, 1);
    json_t *rings = ring ? json_pack("[o]", ring) : NULL;
    return j_feature(x, c, &s, jgeom("Polygon", rings), 1);
}

static int j_track(sv__ex *x, const sv__ex_walk *w, void *ctx)
{
    jctx *c = ctx;
    size_t n;
    int plane_ok;
    int rc = sv__ex_walk_lonlat(x, w, 0, &n, &plane_ok);
    if (rc != SV_OK || n < 2)
        return rc;
    sv__ex_sink s = jsink(sv__ex_layers[SV__LY_TRACKS].geojson, sv__ex_layers[SV__LY_TRACKS].cols);
    char t0[64], t1[64];
    sv__ex_track_attrs(x, &s, w, n, t0, t1);
    rc = j_feature(x, c, &s, jgeom("LineString", jring(n, x->scratch2)), 1);
    if (rc == SV_OK)
        c->st->walks++;
    return rc;
}

static int j_body(sv__ex *x, jctx *c)
{
    int rc;
    for (size_t i = 0; i < x->n_units; i++) {
        sv__ex_sink s =
            jsink(sv__ex_layers[SV__LY_UNITS].geojson, sv__ex_layers[SV__LY_UNITS].cols);
        if ((rc = sv__ex_unit_attrs(x, &s, i)) != SV_OK) {
            json_decref(s.props);
            return rc;
        }
        const sv_geom *d = &x->units[i].draft;
        if ((rc = j_feature(x, c, &s, d->n_pts ? jmultipolygon(d) : NULL, d->n_pts > 0)))
            return rc;
    }
    char timebuf[64];
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        sv__ex_sink s =
            jsink(sv__ex_layers[SV__LY_POINTS].geojson, sv__ex_layers[SV__LY_POINTS].cols);
        sv__ex_point_attrs(x, &s, i, timebuf);
        int has = isfinite(p->lat) && isfinite(p->lon);
        json_t *g = has ? jgeom("Point", jpos(p->lon, p->lat)) : NULL;
        if ((rc = j_feature(x, c, &s, g, has)) != SV_OK)
            return rc;
    }
    if ((rc = sv__ex_for_each_line(x, j_line, c)) != SV_OK ||
        (rc = sv__ex_for_each_walk(x, x->vx_by_unit, 0, j_walked, c)) != SV_OK ||
        (rc = sv__ex_for_each_walk(x, x->vx_by_track, 1, j_track, c)) != SV_OK)
        return rc;
    /* Signatures have no place on the map: features with a null geometry (RFC 7946, 3.2). */
    for (size_t i = 0; i < x->n_sigs; i++) {
        sv__ex_sink s = jsink(SV__EX_GEOJSON_SIGNATURE, sv__ex_sig_cols);
        if ((rc = sv__ex_sig_attrs(x, &s, i, timebuf)) != SV_OK) {
            json_decref(s.props);
            return rc;
        }
        if ((rc = j_feature(x, c, &s, NULL, 0)) != SV_OK)
            return rc;
    }
    /* Notes, likewise: features with a null geometry, kind "note"; and the disputes. */
    for (size_t i = 0; i < x->n_notes; i++) {
        sv__ex_sink s = jsink(SV__EX_GEOJSON_NOTE, sv__ex_note_cols);
        sv__ex_note_attrs(x, &s, i, timebuf);
        if ((rc = j_feature(x, c, &s, NULL, 0)) != SV_OK)
            return rc;
    }
    for (size_t i = 0; i < x->n_disp; i++) {
        sv__ex_sink s = jsink(SV__EX_GEOJSON_DISPUTE, sv__ex_dispute_cols);
        sv__ex_dispute_attrs(x, &s, i, timebuf);
        if ((rc = j_feature(x, c, &s, NULL, 0)) != SV_OK)
            return rc;
    }
    return SV_OK;
}

/* ---- CSV ----------------------------------------------------------------------------------------
 */

/*
 * The boundary-point table (界址点成果表): RFC 4180, CRLF line ends, header first, exactly one
 * line per point, no trailing blank line. UTF-8 without a byte-order mark by default: a BOM
 * makes Excel on Windows guess the encoding right, but it becomes part of the first header name
 * for programs that do not expect it (Python's csv without utf-8-sig, awk, some import
 * scripts), so it is written only on request (sv_export_options.bom, `--bom`).
 * edge_m is the plane distance to the next point of the unit in number order, the last back to
 * the first (the 边长 of a 界址点成果表), in metres with 3 decimals.
 * X is the northing and Y the easting, as Chinese survey tables have them, in metres with
 * 3 decimals (millimetres). The plane CRS is named as in the GeoPackage and GeoJSON: epsg its
 * EPSG code (0 for a custom central meridian, which has none) and central_meridian in degrees;
 * X, Y and both CRS columns are empty when a point has no plane CRS.
 */
static void csv_field(FILE *f, const char *s)
{
    if (!s)
        return;
    /* A text that a spreadsheet would take for a formula (=, +, -, @, a tab or a return first:
     * a unit code "=1+2+cmd|calc!A0" from a task package ran as one) starts with an apostrophe,
     * which spreadsheets show as text and do not evaluate (OWASP's rule for CSV injection). */
    int formula = strchr("=+-@\t\r", s[0]) != NULL && s[0] != '\0';
    if (!formula && !strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    if (formula)
        fputc('\'', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v, int decimals)
{
    fputc(',', f);
    if (isfinite(v))
        fprintf(f, "%.*f", decimals, v == 0 ? 0.0 : v); /* never "-0.000" */
}

/* edge[i] as export_int.h says (sv__ex_edges): the 边长 of the CSV table and of the printed
 * forms (export_forms.c). */
int sv__ex_edges(sv__ex *x, double **out)
{
    double *edge = malloc((x->n_pts ? x->n_pts : 1) * sizeof *edge);
    size_t *run = malloc((x->n_pts ? x->n_pts : 1) * sizeof *run);
    if (!edge || !run) {
        free(edge);
        free(run);
        return sv__ex_nomem(x);
    }
    size_t i = 0;
    while (i < x->n_pts) {
        size_t k = i, m = 0;
        for (; k < x->n_pts && strcmp(x->pts[k].unit, x->pts[i].unit) == 0; k++) {
            edge[k] = NAN;
            if (isfinite(x->pts[k].lat) && isfinite(x->pts[k].lon))
                run[m++] = k;
        }
        for (size_t r = 0; m >= 2 && r < m; r++) {
            size_t a = run[r], b = run[(r + 1) % m];
            const double *pa = &x->pt_ne[2 * a], *pb = &x->pt_ne[2 * b];
            if (x->pt_set[a] > 0 && x->pt_set[a] == x->pt_set[b])
                edge[a] = hypot(pb[0] - pa[0], pb[1] - pa[1]); /* NaN if either is */
        }
        i = k;
    }
    free(run);
    *out = edge;
    return SV_OK;
}

static int write_csv_body(sv__ex *x, FILE *f, sv_export_stats *st)
{
    double *edge = NULL; /* set by sv__ex_edges when it succeeds */
    int rc = sv__ex_edges(x, &edge);
    if (rc != SV_OK)
        return rc;
    if (x->bom)
        fputs("\xef\xbb\xbf", f);
    fputs("unit,number,X,Y,h,point_type,marker,fix,n,sigma_e,sigma_n,sigma_u,epsg,edge_m,"
          "ground_h,pole_h,method,central_meridian,shared_unit,shared_number,datum,sxh\r\n",
          f);
    for (size_t i = 0; i < x->n_pts; i++) {
        const sv_bpoint *p = &x->pts[i];
        csv_field(f, p->unit);
        fputc(',', f);
        csv_field(f, p->number);
        csv_num(f, x->pt_ne[2 * i], 3);
        csv_num(f, x->pt_ne[2 * i + 1], 3);
        csv_num(f, p->h, 3);
        fputc(',', f);
        csv_field(f, p->point_type);
        fputc(',', f);
        csv_field(f, p->marker);
        fputc(',', f);
        csv_field(f, sv_grade_name(p->q.grade));
        fputc(',', f);
        if (p->q.n >= 0)
            fprintf(f, "%d", p->q.n);
        csv_num(f, p->q.sigma_e, 3);
        csv_num(f, p->q.sigma_n, 3);
        csv_num(f, p->q.sigma_u, 3);
        fputc(',', f);
        /* no X/Y (beyond the zone's reach): no plane CRS named either */
        const sv__ex_set *ps = isfinite(x->pt_ne[2 * i]) ? sv__ex_plane_set(x, x->pt_set[i]) : NULL;
        if (ps)
            fprintf(f, "%d", ps->crs.epsg);
        csv_num(f, edge[i], 3);
        csv_num(f, p->ground_h, 3);
        csv_num(f, p->pole_set > 0 ? p->pole_h : NAN, 3);
        fputc(',', f);
        csv_field(f, p->method);
        fputc(',', f);
        if (ps) /* 102, 105, or a custom meridian to the digit it was given with */
            fprintf(f, "%.10g", sv_geo_central_meridian(ps->crs));
        fputc(',', f); /* a neighbour's point this unit shares: where it is measured */
        csv_field(f, p->shared_unit);
        fputc(',', f);
        csv_field(f, p->shared_number);
        fputc(',', f); /* where the position's datum is not CGCS2000 (a standalone fix) */
        csv_field(f, p->q.datum);
        fprintf(f, ",%d\r\n", x->pt_sxh[i]);
    }
    free(edge);
    st->points = x->n_pts;
    return ferror(f) ? SV_EIO : SV_OK;
}

/* The GeoJSON or CSV body (ctx: the format). */
static int text_body(sv__ex *x, FILE *f, sv_export_stats *st, void *ctx)
{
    if (*(const sv_export_format *)ctx == SV_EXPORT_CSV)
        return write_csv_body(x, f, st);
    jctx c = {f, 0, st};
    /* The name says what the file is; no "crs" member: RFC 7946 coordinates are lon/lat by
     * definition, and CGCS2000 agrees with WGS 84 to well under a metre. */
    fputs("{\"type\":\"FeatureCollection\",\"name\":\"quejie\",\"features\":[\n", f);
    int rc = j_body(x, &c);
    if (rc == SV_OK) {
        fputs("\n]}\n", f);
        st->units = x->n_units;
        st->points = x->n_pts;
        st->vertices = x->n_vx;
        st->signatures = x->n_sigs;
    }
    return rc;
}

int sv__ex_write_through(sv__ex *x, sv__ex_body_fn body, void *ctx, sv_export_stats *st)
{
    size_t tsize = strlen(x->path) + 12;
    char *tmp = malloc(tsize);
    if (!tmp)
        return sv__ex_nomem(x);
    int fd = sv_file_tmp_beside(x->path, tmp, tsize);
    if (fd < 0) {
        sv__diag(x->diag, "%s: cannot create a temporary file beside it: %s", x->path,
                 strerror(errno));
        free(tmp);
        return SV_EIO;
    }
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        unlink(tmp);
        free(tmp);
        return sv__ex_nomem(x);
    }
    int rc = body(x, f, st, ctx);
    if (rc == SV_OK && (fflush(f) != 0 || ferror(f)))
        rc = SV_EIO;
    if (fclose(f) != 0 && rc == SV_OK)
        rc = SV_EIO;
    if (rc == SV_EIO && !x->diag->msg[0])
        sv__diag(x->diag, "%s: cannot write: %s", x->path, strerror(errno));
    if (rc == SV_OK && sv_file_commit(tmp, x->path) != 0) {
        sv__diag(x->diag, "%s: cannot put the file in place: %s", x->path, strerror(errno));
        rc = SV_EIO;
    }
    if (rc != SV_OK)
        unlink(tmp);
    free(tmp);
    return rc;
}

int sv__ex_write_text(sv__ex *x, sv_export_format fmt, sv_export_stats *st)
{
    return sv__ex_write_through(x, text_body, &fmt, st);
}
