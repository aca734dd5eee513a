/*
 * office_imagery.c - the county's imagery at the office (sync/imagery.h): a raster tiled with
 * GDAL into a GeoPackage pyramid in the county's CRS, its manifest (a skeleton - the GeoPackage
 * without its tiles - and packs of tiles, tilepack.h), the signed manifest list a device fetches
 * with its tasks and the skeletons and packs it asks for.
 *
 * GDAL does all raster work (reading the source, reprojection, tiling, overviews): the office
 * only chooses the CRS, names the file and hashes it. The tables are created by the first
 * `imagery add`, so an office made by an older build gains them then; readers treat a missing
 * table as no imagery.
 *
 * Must never: serve a chunk it has not just re-hashed, leave a half-written pyramid where a
 * device could fetch it, or hand a device imagery assigned to another crew.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cpl_error.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_srs_api.h>
#include <sodium.h>

#include "office_int.h"
#include "survey/fileio.h"
#include "survey/geo.h"
#include "survey/model.h"
#include "sync/imagery.h"
#include "tilepack.h"

#define TILE_PX 256

/* imagery: one row per name, the current version (margin_m NULL: the whole pyramid goes to
 * every device it is assigned to); imagery_packs: where each pack of it lies. */
static const char IMAGERY_SQL[] =
    "CREATE TABLE IF NOT EXISTS imagery(name TEXT PRIMARY KEY, assign TEXT NOT NULL,"
    "  file TEXT NOT NULL, version TEXT NOT NULL, epsg INTEGER NOT NULL, levels INTEGER NOT NULL,"
    "  bytes INTEGER NOT NULL, tiles INTEGER NOT NULL, skeleton BLOB NOT NULL,"
    "  skeleton_hash TEXT NOT NULL, packs TEXT NOT NULL, source TEXT, added INTEGER NOT NULL,"
    "  margin_m REAL);"
    "CREATE TABLE IF NOT EXISTS imagery_packs(hash TEXT NOT NULL, name TEXT NOT NULL,"
    "  zoom INTEGER NOT NULL, bcol INTEGER NOT NULL, brow INTEGER NOT NULL,"
    "  PRIMARY KEY (name, zoom, bcol, brow));"
    "CREATE INDEX IF NOT EXISTS imagery_packs_hash ON imagery_packs(hash);";

static pthread_once_t gdal_once = PTHREAD_ONCE_INIT;
static void gdal_init(void)
{
    GDALAllRegister();
}

/* A name that is also a safe file name on the office and the tablet: 1..SY_IMAGERY_NAME_MAX
 * bytes of UTF-8 without '/', '\', control characters or a leading dot. */
static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    /* no "..": the office serves no path that holds it (the console's tiles are addressed by
     * name) */
    if (n == 0 || n > SY_IMAGERY_NAME_MAX || s[0] == '.' || strstr(s, "..") || !sv_utf8_valid(s, n))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '/' || *p == '\\')
            return 0;
    return 1;
}

static char *imagery_dir(const sy_office *o)
{
    return sy__str_cat(o->path, ".imagery");
}

static int has_table(sy_office *o)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'imagery'", &st))
        return -1;
    int yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

int sy__imagery_init(sy_office *o)
{
    int t = has_table(o);
    if (t <= 0)
        return t < 0 ? SY_EIO : SY_OK;
    sqlite3_stmt *probe = NULL;
    int has =
        sqlite3_prepare_v2(o->db, "SELECT margin_m FROM imagery", -1, &probe, NULL) == SQLITE_OK;
    sqlite3_finalize(probe);
    /* imagery added before margins went to every device whole, and still does */
    return has ? SY_OK : sy__exec(o, "ALTER TABLE imagery ADD COLUMN margin_m REAL");
}

/* ---- the CRS ----------------------------------------------------------------------------- */

static int is_cgcs2000(int epsg)
{
    return epsg == 4490 || sv_geo_is_gk_epsg(epsg);
}

/* The EPSG code of a dataset's CRS (0 when it has none GDAL can name) and, in *lon, the
 * longitude of its centre in CGCS2000 (NaN when it cannot be transformed). */
static int source_crs(GDALDatasetH ds, double *lon)
{
    *lon = NAN;
    OGRSpatialReferenceH srs = GDALGetSpatialRef(ds);
    if (!srs)
        return 0;
    OGRSpatialReferenceH s = OSRClone(srs);
    int epsg = 0;
    const char *auth = OSRGetAuthorityName(s, NULL), *code = OSRGetAuthorityCode(s, NULL);
    if (!(auth && code && strcmp(auth, "EPSG") == 0) && OSRAutoIdentifyEPSG(s) == OGRERR_NONE) {
        auth = OSRGetAuthorityName(s, NULL);
        code = OSRGetAuthorityCode(s, NULL);
    }
    if (auth && code && strcmp(auth, "EPSG") == 0)
        epsg = atoi(code);
    double gt[6];
    if (GDALGetGeoTransform(ds, gt) == CE_None) {
        double x = gt[0] + gt[1] * GDALGetRasterXSize(ds) / 2 + gt[2] * GDALGetRasterYSize(ds) / 2;
        double y = gt[3] + gt[4] * GDALGetRasterXSize(ds) / 2 + gt[5] * GDALGetRasterYSize(ds) / 2;
        OGRSpatialReferenceH geo = OSRNewSpatialReference(NULL);
        if (OSRImportFromEPSG(geo, 4490) == OGRERR_NONE) {
            OSRSetAxisMappingStrategy(geo, OAMS_TRADITIONAL_GIS_ORDER);
            OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
            OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(s, geo);
            double z = 0;
            if (ct && OCTTransform(ct, 1, &x, &y, &z))
                *lon = x;
            if (ct)
                OCTDestroyCoordinateTransformation(ct);
        }
        OSRDestroySpatialReference(geo);
    }
    OSRDestroySpatialReference(s);
    return epsg;
}

/* ---- tiling ------------------------------------------------------------------------------ */

/* GDAL's last error as our message. GDAL quotes the file it could not open ("`x.tif' not
 * recognized as ..."): after "x.tif: " that quote is dropped, not said twice. */
static int gdal_fail(sy_office *o, int rc, const char *what)
{
    const char *m = CPLGetLastErrorMsg();
    size_t n = strlen(what);
    if (m && m[0] == '`' && strncmp(m + 1, what, n) == 0 && m[n + 1] == '\'') {
        m += n + 2;
        while (*m == ' ')
            m++;
    }
    return sy__fail(o, rc, "%s%s%s", what, m && *m ? ": " : "", m && *m ? m : "");
}

/*
 * src -> (warp into epsg when asked) -> GeoPackage tiles at tmp -> power-of-two overviews
 * until the whole raster fits one tile. *levels receives the zoom levels written.
 */
static int tile(sy_office *o, GDALDatasetH src, int warp_epsg, const char *tmp, int *levels)
{
    GDALDatasetH in = src, warped = NULL;
    int rc = SY_OK;
    if (warp_epsg) {
        char srs[32];
        snprintf(srs, sizeof srs, "EPSG:%d", warp_epsg);
        char *argv[] = {"-of", "VRT", "-t_srs", srs, "-r", "bilinear", "-dstalpha", NULL};
        GDALWarpAppOptions *wo = GDALWarpAppOptionsNew(argv, NULL);
        int err = 0;
        warped = wo ? GDALWarp("", NULL, 1, &src, wo, &err) : NULL;
        GDALWarpAppOptionsFree(wo);
        if (!warped)
            return gdal_fail(o, SY_EINVAL, "cannot reproject the source");
        in = warped;
    }
    char *targv[] = {"-of", "GPKG",          "-co", "TILE_FORMAT=PNG_JPEG", "-co", "QUALITY=85",
                     "-co", "BLOCKSIZE=256", "-co", "RASTER_TABLE=imagery", NULL};
    GDALTranslateOptions *to = GDALTranslateOptionsNew(targv, NULL);
    int err = 0;
    GDALDatasetH out = to ? GDALTranslate(tmp, in, to, &err) : NULL;
    GDALTranslateOptionsFree(to);
    if (!out)
        rc = gdal_fail(o, SY_EIO, "cannot write the GeoPackage tiles");
    if (rc == SY_OK) {
        int w = GDALGetRasterXSize(out), h = GDALGetRasterYSize(out), n = 0, f[24];
        for (int k = 2; n < 24 && (w > TILE_PX * (k / 2) || h > TILE_PX * (k / 2)); k *= 2)
            f[n++] = k;
        if (n > 0 && GDALBuildOverviews(out, "AVERAGE", n, f, 0, NULL, NULL, NULL) != CE_None)
            rc = gdal_fail(o, SY_EIO, "cannot build the overviews");
        *levels = n + 1;
        GDALClose(out);
    }
    if (warped)
        GDALClose(warped);
    return rc;
}

/* ---- the console's pyramid: web mercator ------------------------------------------------- */

#define WEB_SUBDIR "/web"
#define MERCATOR_HALF 20037508.342789244 /* half the side of EPSG:3857's square, metres */

/* OFFICE_DB.imagery/web (the console's pyramids), or with "/NAME.gpkg" when name is given. */
static char *web_path(const char *office_path, const char *name)
{
    size_t n = strlen(office_path) + (name ? strlen(name) : 0) + 32;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s.imagery" WEB_SUBDIR "%s%s%s", office_path, name ? "/" : "",
                 name ? name : "", name ? ".gpkg" : "");
    return p;
}

/*
 * src tiled by GDAL's GeoPackage driver in the GoogleMapsCompatible tiling scheme (EPSG:3857,
 * the XYZ grid of web maps: GDAL reprojects, and picks the level nearest the source's
 * resolution) with power-of-two overviews until the raster fits one tile, into *tmp_out (a
 * temporary file beside the final one, caller renames or removes it and frees the name).
 */
static int web_tile(sy_office *o, GDALDatasetH src, const char *name, char **tmp_out)
{
    *tmp_out = NULL;
    char *dir = web_path(o->path, NULL), *file = web_path(o->path, name);
    size_t n = file ? strlen(file) + 32 : 0;
    char *tmp = n ? malloc(n) : NULL;
    int rc = SY_OK;
    if (!dir || !tmp)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    else if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        rc = sy__fail(o, SY_EIO, "%s: %s", dir, strerror(errno));
    if (rc == SY_OK) {
        snprintf(tmp, n, "%s/.%s.gpkg.%ld", dir, name, (long)getpid());
        unlink(tmp);
        char *argv[] = {"-of", "GPKG",
                        "-co", "TILING_SCHEME=GoogleMapsCompatible",
                        "-co", "ZOOM_LEVEL_STRATEGY=AUTO",
                        "-co", "RESAMPLING=BILINEAR",
                        "-co", "TILE_FORMAT=PNG_JPEG",
                        "-co", "QUALITY=85",
                        "-co", "RASTER_TABLE=imagery",
                        NULL};
        GDALTranslateOptions *to = GDALTranslateOptionsNew(argv, NULL);
        int err = 0;
        GDALDatasetH out = to ? GDALTranslate(tmp, src, to, &err) : NULL;
        GDALTranslateOptionsFree(to);
        if (!out) {
            rc = gdal_fail(o, SY_EIO, "cannot write the console's web-mercator tiles");
        } else {
            int w = GDALGetRasterXSize(out), h = GDALGetRasterYSize(out), k = 0,
                f[SY_TILE_ZOOM_MAX];
            for (int m = 2;
                 k < SY_TILE_ZOOM_MAX && (w > TILE_PX * (m / 2) || h > TILE_PX * (m / 2)); m *= 2)
                f[k++] = m;
            if (k > 0 && GDALBuildOverviews(out, "AVERAGE", k, f, 0, NULL, NULL, NULL) != CE_None)
                rc = gdal_fail(o, SY_EIO, "cannot build the console's overviews");
            GDALClose(out);
        }
    }
    if (rc == SY_OK) {
        *tmp_out = tmp;
        tmp = NULL;
    } else if (tmp) {
        unlink(tmp);
    }
    free(tmp);
    free(dir);
    free(file);
    return rc;
}

/* Put the console's pyramid made at tmp in place (synced, renamed, directory synced). */
static int web_commit(sy_office *o, const char *tmp, const char *name)
{
    char *file = web_path(o->path, name);
    int rc = SY_OK;
    if (!file)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    else if (sv_file_commit(tmp, file) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", file, strerror(errno));
    free(file);
    return rc;
}

/* A path segment for a URL: RFC 3986's unreserved bytes as they are, every other byte as %XX. */
static char *url_segment(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    char *out = malloc(strlen(s) * 3 + 1), *q = out;
    if (!out)
        return NULL;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~') {
            *q++ = (char)*p;
        } else {
            *q++ = '%';
            *q++ = hex[*p >> 4];
            *q++ = hex[*p & 15];
        }
    }
    *q = '\0';
    return out;
}

/* The console's pyramid of name as the listing's "console" object, or JSON null when it is not
 * there (or not one GDAL made in the GoogleMapsCompatible scheme). */
static json_t *web_info(const char *office_path, const char *name)
{
    char *file = web_path(office_path, name), table[64], err[256];
    sqlite3 *g = NULL;
    sqlite3_stmt *st = NULL;
    json_t *out = NULL;
    double b[4] = {0};
    int zmin = -1, zmax = -1, ok = 0;
    if (file && access(file, R_OK) == 0 &&
        sqlite3_open_v2(file, &g, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sy__gpkg_tile_table(g, table, sizeof table, err, sizeof err) == 0) {
        char *q = sqlite3_mprintf(
            "SELECT c.min_x, c.min_y, c.max_x, c.max_y, c.srs_id,"
            " (SELECT min(zoom_level) FROM \"%w\"), (SELECT max(zoom_level) FROM \"%w\")"
            " FROM gpkg_contents c WHERE c.table_name = %Q",
            table, table, table);
        if (q && sqlite3_prepare_v2(g, q, -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 4) == 3857 &&
            sqlite3_column_type(st, 5) != SQLITE_NULL) {
            for (int i = 0; i < 4; i++)
                b[i] = sqlite3_column_double(st, i);
            zmin = sqlite3_column_int(st, 5);
            zmax = sqlite3_column_int(st, 6);
            ok = 1;
        }
        sqlite3_finalize(st);
        sqlite3_free(q);
    }
    sqlite3_close(g);
    free(file);
    if (!ok)
        return json_null();
    /* the bounds in WGS84 degrees, by PROJ (through GDAL's OSR) */
    OGRSpatialReferenceH merc = OSRNewSpatialReference(NULL), wgs = OSRNewSpatialReference(NULL);
    OGRCoordinateTransformationH ct = NULL;
    double x[2] = {b[0], b[2]}, y[2] = {b[1], b[3]};
    if (merc && wgs && OSRImportFromEPSG(merc, 3857) == OGRERR_NONE &&
        OSRImportFromEPSG(wgs, 4326) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(merc, OAMS_TRADITIONAL_GIS_ORDER);
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(merc, wgs);
    }
    ok = ct && OCTTransform(ct, 2, x, y, NULL);
    if (ct)
        OCTDestroyCoordinateTransformation(ct);
    OSRDestroySpatialReference(merc);
    OSRDestroySpatialReference(wgs);
    if (!ok)
        return json_null();
    char *seg = url_segment(name);
    size_t n = seg ? strlen(seg) + 64 : 0;
    char *url = n ? malloc(n) : NULL;
    if (url)
        snprintf(url, n, "/api/v1/imagery/%s/tiles/{z}/{x}/{y}", seg);
    out = url ? json_pack("{s:s, s:[f, f, f, f], s:i, s:i}", "url", url, "bounds", x[0], y[0], x[1],
                          y[1], "minzoom", zmin, "maxzoom", zmax)
              : NULL;
    free(seg);
    free(url);
    return out ? out : json_null();
}

/* ---- the manifest: skeleton and packs ------------------------------------------------------- */

typedef struct manifest {
    sy_office *o;
    sqlite3 *db;
    char table[64];
    json_t *packs; /* [[hash, zoom, bcol, brow, bytes], ...] */
    int64_t bytes, tiles;
    crypto_generichash_state version;
    char err[256];
} manifest;

static int add_pack(void *ctx, int zoom, int64_t bcol, int64_t brow)
{
    manifest *m = ctx;
    uint8_t *p;
    size_t n;
    if (sy__pack_build(m->db, m->table, zoom, bcol, brow, &p, &n, m->err, sizeof m->err) != 0)
        return -1;
    char hex[65];
    sy__blake_hex(p, n, hex);
    free(p);
    crypto_generichash_update(&m->version, (const uint8_t *)hex, 64);
    m->bytes += (int64_t)n;
    json_t *e =
        json_pack("[s, i, I, I, I]", hex, zoom, (json_int_t)bcol, (json_int_t)brow, (json_int_t)n);
    if (!e || json_array_append_new(m->packs, e) != 0) {
        snprintf(m->err, sizeof m->err, "out of memory");
        return -1;
    }
    return 0;
}

/*
 * The pyramid at path as a skeleton (the same GeoPackage with no tiles, *skel, caller frees) and
 * its packs; the version is the BLAKE2b-256 over the skeleton's hash and every pack's hash in
 * order.
 */
static int make_manifest(sy_office *o, const char *path, uint8_t **skel, size_t *skel_len,
                         char skel_hash[65], json_t **packs, char version[65], int64_t *bytes,
                         int64_t *tiles)
{
    manifest m = {.o = o};
    *skel = NULL;
    *packs = NULL;
    if (sqlite3_open_v2(path, &m.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        int rc = sy__fail(o, SY_EIO, "%s: %s", path, sqlite3_errmsg(m.db));
        sqlite3_close(m.db);
        return rc;
    }
    int rc = SY_OK;
    if (sy__gpkg_tile_table(m.db, m.table, sizeof m.table, m.err, sizeof m.err) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", path, m.err);
    /* the skeleton: a copy without tiles, vacuumed small */
    char *sk = rc == SY_OK ? sy__str_cat(path, ".skeleton") : NULL;
    if (rc == SY_OK && !sk)
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK) {
        unlink(sk);
        char *q = sqlite3_mprintf("VACUUM INTO %Q", sk);
        if (!q || sqlite3_exec(m.db, q, NULL, NULL, NULL) != SQLITE_OK)
            rc =
                sy__fail(o, SY_EIO, "%s: cannot copy the skeleton: %s", path, sqlite3_errmsg(m.db));
        sqlite3_free(q);
    }
    if (rc == SY_OK) {
        sqlite3 *k = NULL;
        char *q = sqlite3_mprintf("DELETE FROM \"%w\"; VACUUM;", m.table);
        if (sqlite3_open(sk, &k) != SQLITE_OK || !q ||
            sqlite3_exec(k, q, NULL, NULL, NULL) != SQLITE_OK)
            rc = sy__fail(o, SY_EIO, "%s: cannot empty the skeleton: %s", sk, sqlite3_errmsg(k));
        sqlite3_free(q);
        sqlite3_close(k);
    }
    if (rc == SY_OK) {
        FILE *f = fopen(sk, "rb");
        long n = -1;
        if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0 &&
            (*skel = malloc((size_t)n)) && fread(*skel, 1, (size_t)n, f) == (size_t)n)
            *skel_len = (size_t)n;
        else
            rc = sy__fail(o, SY_EIO, "%s: cannot read the skeleton", sk);
        if (f)
            fclose(f);
    }
    if (sk)
        unlink(sk);
    free(sk);
    if (rc == SY_OK) {
        sy__blake_hex(*skel, *skel_len, skel_hash);
        crypto_generichash_init(&m.version, NULL, 0, 32);
        crypto_generichash_update(&m.version, (const uint8_t *)skel_hash, 64);
        m.packs = json_array();
        if (!m.packs)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    if (rc == SY_OK && sy__pack_blocks(m.db, m.table, add_pack, &m, m.err, sizeof m.err) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", path, m.err);
    if (rc == SY_OK) {
        sqlite3_stmt *st;
        char *q = sqlite3_mprintf("SELECT count(*) FROM \"%w\"", m.table);
        if (q && sqlite3_prepare_v2(m.db, q, -1, &st, NULL) == SQLITE_OK) {
            if (sqlite3_step(st) == SQLITE_ROW)
                *tiles = sqlite3_column_int64(st, 0);
            sqlite3_finalize(st);
        }
        sqlite3_free(q);
        uint8_t v[32];
        crypto_generichash_final(&m.version, v, 32);
        sodium_bin2hex(version, 65, v, 32);
        *bytes = m.bytes + (int64_t)*skel_len;
        *packs = m.packs;
        m.packs = NULL;
    }
    json_decref(m.packs);
    sqlite3_close(m.db);
    if (rc != SY_OK) {
        free(*skel);
        *skel = NULL;
    }
    return rc;
}

static int record(sy_office *o, const char *name, const char *assign, const char *file,
                  const char *version, int epsg, int levels, int64_t bytes, int64_t tiles,
                  const uint8_t *skel, size_t skel_len, const char *skel_hash, json_t *packs,
                  const char *source, double margin_m)
{
    char *text = json_dumps(packs, JSON_COMPACT);
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    int rc = sy__exec(o, "BEGIN IMMEDIATE");
    sqlite3_stmt *st = NULL;
    if (rc == SY_OK &&
        !(rc = sy__prep(o,
                        "INSERT OR REPLACE INTO imagery(name, assign, file, version, epsg, levels,"
                        " bytes, tiles, skeleton, skeleton_hash, packs, source, added, margin_m)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                        &st))) {
        sy__bind_text(st, 1, name);
        sy__bind_text(st, 2, assign);
        sy__bind_text(st, 3, file);
        sy__bind_text(st, 4, version);
        sqlite3_bind_int(st, 5, epsg);
        sqlite3_bind_int(st, 6, levels);
        sqlite3_bind_int64(st, 7, bytes);
        sqlite3_bind_int64(st, 8, tiles);
        sqlite3_bind_blob(st, 9, skel, (int)skel_len, SQLITE_STATIC);
        sy__bind_text(st, 10, skel_hash);
        sy__bind_text(st, 11, text);
        sy__bind_text(st, 12, source);
        sqlite3_bind_int64(st, 13, (int64_t)time(NULL) * 1000);
        if (margin_m >= 0)
            sqlite3_bind_double(st, 14, margin_m);
        else
            sqlite3_bind_null(st, 14);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "imagery");
        sqlite3_finalize(st);
    }
    if (rc == SY_OK && !(rc = sy__prep(o, "DELETE FROM imagery_packs WHERE name = ?1", &st))) {
        sy__bind_text(st, 1, name);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "imagery packs");
        sqlite3_finalize(st);
    }
    if (rc == SY_OK && !(rc = sy__prep(o,
                                       "INSERT OR REPLACE INTO imagery_packs(hash, name, zoom,"
                                       " bcol, brow) VALUES (?1, ?2, ?3, ?4, ?5)",
                                       &st))) {
        for (size_t i = 0; rc == SY_OK && i < json_array_size(packs); i++) {
            json_t *e = json_array_get(packs, i);
            sqlite3_reset(st);
            sy__bind_text(st, 1, json_string_value(json_array_get(e, 0)));
            sy__bind_text(st, 2, name);
            for (int k = 1; k <= 3; k++)
                sqlite3_bind_int64(st, 2 + k, json_integer_value(json_array_get(e, (size_t)k)));
            if (sqlite3_step(st) != SQLITE_DONE)
                rc = sy__fail_db(o, "imagery packs");
        }
        sqlite3_finalize(st);
    }
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    if (rc != SY_OK)
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    free(text);
    return rc;
}

/* ---- add, remove, list ------------------------------------------------------------------- */

int sy_office_imagery_add(sy_office *o, const char *src, const char *name, const char *assign,
                          int epsg, double margin_m, sy_imagery_info *info)
{
    memset(info, 0, sizeof *info);
    if (!name_ok(name))
        return sy__fail(o, SY_EINVAL,
                        "imagery name '%s': UTF-8 text of 1 to %d bytes without '/', '\\', '..', "
                        "control characters or a leading dot",
                        name && sv_utf8_valid(name, strlen(name)) ? name : "(not UTF-8)",
                        SY_IMAGERY_NAME_MAX);
    if (!assign || !*assign || (strcmp(assign, "*") != 0 && !sy__name_ok(assign)))
        return sy__fail(o, SY_EINVAL, "imagery %s: assign it to a device or crew name, or '*'",
                        name);
    if (margin_m != SY_IMAGERY_WHOLE && !(margin_m >= 0 && margin_m <= SY_IMAGERY_MARGIN_MAX))
        return sy__fail(o, SY_EINVAL,
                        "imagery %s: the margin around the units is 0 to %.0f metres (or the "
                        "whole imagery for every device)",
                        name, SY_IMAGERY_MARGIN_MAX);
    if (epsg && !is_cgcs2000(epsg))
        return sy__fail(o, SY_EINVAL,
                        "EPSG:%d is not a CGCS2000 CRS the tablets use (4490, or a 3-degree "
                        "Gauss-Kruger zone 4513-4554)",
                        epsg);
    pthread_once(&gdal_once, gdal_init);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(src, GDAL_OF_RASTER | GDAL_OF_READONLY | GDAL_OF_VERBOSE_ERROR,
                                 NULL, NULL, NULL);
    int rc = SY_OK;
    double gt[6];
    if (!ds)
        rc = gdal_fail(o, SY_EINVAL, src);
    else if (GDALGetGeoTransform(ds, gt) != CE_None || !GDALGetSpatialRef(ds))
        rc = sy__fail(o, SY_EINVAL, "%s: the raster is not georeferenced (no CRS or geotransform)",
                      src);
    int src_epsg = 0, target = epsg;
    if (rc == SY_OK) {
        double lon;
        src_epsg = source_crs(ds, &lon);
        if (!target)
            target = is_cgcs2000(src_epsg) ? src_epsg : (isnan(lon) ? 0 : sv_geo_default_epsg(lon));
        if (!target)
            rc = sy__fail(o, SY_EINVAL,
                          "%s: its centre is not in China's Gauss-Kruger zones (75-135 E) or its "
                          "CRS cannot be transformed: give the target with --epsg",
                          src);
    }
    char *dir = imagery_dir(o), *file = NULL, *tmp = NULL;
    if (rc == SY_OK && (!dir || (mkdir(dir, 0750) != 0 && errno != EEXIST)))
        rc = sy__fail(o, SY_EIO, "%s: %s", dir ? dir : "imagery directory",
                      dir ? strerror(errno) : "out of memory");
    if (rc == SY_OK) {
        size_t n = strlen(dir) + strlen(name) + 32;
        file = malloc(n);
        tmp = malloc(n);
        if (!file || !tmp)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
        else {
            snprintf(file, n, "%s/%s.gpkg", dir, name);
            snprintf(tmp, n, "%s/.%s.gpkg.%ld", dir, name, (long)getpid());
            unlink(tmp);
        }
    }
    int levels = 0;
    if (rc == SY_OK)
        rc = tile(o, ds, target != src_epsg ? target : 0, tmp, &levels);
    char *web_tmp = NULL;
    if (rc == SY_OK)
        rc = web_tile(o, ds, name, &web_tmp);
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    uint8_t *skel = NULL;
    size_t skel_len = 0;
    char skel_hash[65] = "", version[65] = "";
    json_t *packs = NULL;
    int64_t bytes = 0, tiles = 0;
    if (rc == SY_OK)
        rc = make_manifest(o, tmp, &skel, &skel_len, skel_hash, &packs, version, &bytes, &tiles);
    if (rc == SY_OK && sy__exec(o, IMAGERY_SQL) != SY_OK)
        rc = SY_EIO;
    /* the file first (synced, renamed, directory synced), then the row naming its packs: a
     * device fetching between the two gets packs that no longer hash as the old manifest says,
     * refused and fetched again by its next sync */
    if (rc == SY_OK && sv_file_commit(tmp, file) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", file, strerror(errno));
    if (rc == SY_OK)
        rc = web_commit(o, web_tmp, name);
    if (rc == SY_OK)
        rc = record(o, name, assign, strrchr(file, '/') + 1, version, target, levels, bytes, tiles,
                    skel, skel_len, skel_hash, packs, src, margin_m);
    if (rc != SY_OK && tmp)
        unlink(tmp);
    if (rc != SY_OK && web_tmp)
        unlink(web_tmp);
    free(web_tmp);
    if (rc == SY_OK) {
        snprintf(info->name, sizeof info->name, "%s", name);
        info->epsg = target;
        info->levels = levels;
        info->warped = target != src_epsg;
        info->bytes = bytes;
        info->tiles = tiles;
        info->packs = (int)json_array_size(packs);
        snprintf(info->version, sizeof info->version, "%s", version);
        info->margin_m = margin_m;
        sy__logf(o, "imagery %s: %s tiled in EPSG:%d, %d levels, %lld tiles in %d packs, for %s",
                 name, src, target, levels, (long long)tiles, info->packs, assign);
    }
    free(skel);
    json_decref(packs);
    free(dir);
    free(file);
    free(tmp);
    return rc;
}

int sy_office_imagery_set_source(sy_office *o, const char *name, const char *source)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "UPDATE imagery SET source = ?1 WHERE name = ?2", &st))
        return SY_EIO;
    sy__bind_text(st, 1, source);
    sy__bind_text(st, 2, name);
    int rc = sqlite3_step(st) == SQLITE_DONE ? SY_OK : sy__fail_db(o, "imagery source");
    sqlite3_finalize(st);
    if (rc == SY_OK && sqlite3_changes(o->db) == 0)
        rc = sy__fail(o, SY_ENOTFOUND, "no imagery called %s", name ? name : "");
    return rc;
}

int sy_office_imagery_remove(sy_office *o, const char *name)
{
    int t = has_table(o);
    if (t < 0)
        return SY_EIO;
    sqlite3_stmt *st;
    char *file = NULL;
    if (t && !sy__prep(o, "SELECT file FROM imagery WHERE name = ?1", &st)) {
        sy__bind_text(st, 1, name);
        if (sqlite3_step(st) == SQLITE_ROW)
            file = strdup(sy__col_text(st, 0));
        sqlite3_finalize(st);
    }
    if (!file)
        return sy__fail(o, SY_EINVAL, "no imagery called '%s'", name);
    int rc = sy__exec(o, "BEGIN IMMEDIATE");
    const char *sql[] = {"DELETE FROM imagery WHERE name = ?1",
                         "DELETE FROM imagery_packs WHERE name = ?1"};
    for (size_t i = 0; rc == SY_OK && i < 2; i++) {
        if ((rc = sy__prep(o, sql[i], &st)) != SY_OK)
            break;
        sy__bind_text(st, 1, name);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = sy__fail_db(o, "imagery");
        sqlite3_finalize(st);
    }
    if (rc == SY_OK)
        rc = sy__exec(o, "COMMIT");
    else
        sqlite3_exec(o->db, "ROLLBACK", NULL, NULL, NULL);
    if (rc == SY_OK) {
        char *dir = imagery_dir(o);
        char *path = dir ? sy__str_cat(dir, "/") : NULL,
             *full = path ? sy__str_cat(path, file) : NULL;
        if (full)
            unlink(full);
        char *web = web_path(o->path, name);
        if (web)
            unlink(web);
        free(web);
        free(dir);
        free(path);
        free(full);
        sy__logf(o, "imagery %s removed", name);
    }
    free(file);
    return rc;
}

/* ---- what a device receives: the imagery around its units --------------------------------- */

static void areas_clear(sy__areas *a)
{
    free(a->r);
    memset(a, 0, sizeof *a);
}

/* The area around one unit: its draft's lon/lat extent widened by margin metres on every side
 * (east and west at the latitude farthest from the equator, where a degree of longitude is
 * shortest), then 3 x 3 points of it transformed into the pyramid's CRS by PROJ and their
 * extent taken: across a few kilometres a Gauss-Krueger zone bends a box's edges by far less
 * than a tile. 0 when nothing transformed. */
static int unit_area(sv_geo_src *src, const sv_geom *d, double margin, double r[4])
{
    double w = 180, s = 90, e = -180, n = -90, t;
    for (size_t k = 0; k < d->n_pts; k++) {
        w = fmin(w, d->lonlat[2 * k]);
        e = fmax(e, d->lonlat[2 * k]);
        s = fmin(s, d->lonlat[2 * k + 1]);
        n = fmax(n, d->lonlat[2 * k + 1]);
    }
    if (d->n_pts == 0)
        return 0;
    double far = fabs(s) > fabs(n) ? s : n;
    sv_geo_offset(s, w, margin, 180, &s, &t);
    sv_geo_offset(n, w, margin, 0, &n, &t);
    sv_geo_offset(far, w, margin, 270, &t, &w);
    sv_geo_offset(far, e, margin, 90, &t, &e);
    double xy[18];
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            xy[2 * (3 * i + j)] = w + (e - w) * j / 2;
            xy[2 * (3 * i + j) + 1] = s + (n - s) * i / 2;
        }
    if (sv_geo_src_invert(src, 9, xy) != SV_OK)
        return 0;
    r[0] = r[1] = INFINITY;
    r[2] = r[3] = -INFINITY;
    for (int i = 0; i < 9; i++) {
        if (isnan(xy[2 * i]) || isnan(xy[2 * i + 1]))
            continue;
        r[0] = fmin(r[0], xy[2 * i]);
        r[1] = fmin(r[1], xy[2 * i + 1]);
        r[2] = fmax(r[2], xy[2 * i]);
        r[3] = fmax(r[3], xy[2 * i + 1]);
    }
    return r[0] <= r[2];
}

/* The areas around the units assigned to dev, in EPSG epsg (GIS order, as GeoPackage stores
 * extents), margin metres wide: *out points at the handle's, made again only when the device,
 * the CRS, the margin or the device's task rows changed. */
static int device_areas(sy_office *o, const sy_device *dev, int epsg, double margin,
                        const sy__areas **out)
{
    *out = NULL;
    char tasks[80];
    int trc = sy__tasks_stamp_for(o, dev, tasks);
    if (trc != SY_OK)
        return trc;
    sy__areas *a = &o->areas;
    if (a->made && a->epsg == epsg && a->margin == margin &&
        strcmp(a->device_id, dev->device_id) == 0 && strcmp(a->tasks, tasks) == 0) {
        *out = a;
        return SY_OK;
    }
    areas_clear(a);
    sv_task_set set;
    int rc = sy__tasks_units_for(o, dev, &set);
    if (rc != SY_OK)
        return rc;
    sv_geo *g = NULL;
    sv_geo_src *src = NULL;
    char crs[32];
    snprintf(crs, sizeof crs, "EPSG:%d", epsg);
    if (set.n && (sv_geo_new(&g) != SV_OK || sv_geo_src_new(g, crs, &src) != SV_OK))
        rc = sy__fail(o, SY_EIO, "imagery in %s: %s", crs,
                      g ? sv_geo_errmsg(g) : "cannot initialise PROJ (is proj-data installed?)");
    if (rc == SY_OK && set.n && !(a->r = malloc(set.n * 4 * sizeof *a->r)))
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    for (size_t i = 0; rc == SY_OK && i < set.n; i++)
        if (unit_area(src, &set.units[i].draft, margin, a->r + 4 * a->n))
            a->n++;
    sv_geo_src_free(src);
    sv_geo_free(g);
    sv_task_set_clear(&set);
    if (rc != SY_OK) {
        areas_clear(a);
        return rc;
    }
    a->epsg = epsg;
    a->margin = margin;
    snprintf(a->device_id, sizeof a->device_id, "%s", dev->device_id);
    snprintf(a->tasks, sizeof a->tasks, "%s", tasks);
    a->made = 1;
    *out = a;
    return SY_OK;
}

static int in_areas(const sy__areas *a, const double ext[4])
{
    for (size_t i = 0; i < a->n; i++) {
        const double *r = a->r + 4 * i;
        if (ext[0] <= r[2] && ext[2] >= r[0] && ext[1] <= r[3] && ext[3] >= r[1])
            return 1;
    }
    return 0;
}

/* The grid of the pyramid called file in the office's imagery directory. */
static int pyramid_grid(sy_office *o, const char *file, sy_pack_grid *grid)
{
    char *dir = imagery_dir(o), *p = dir ? sy__str_cat(dir, "/") : NULL,
         *path = p ? sy__str_cat(p, file) : NULL;
    free(dir);
    free(p);
    if (!path)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sqlite3 *g = NULL;
    char table[64], err[256] = "";
    int rc = SY_OK;
    if (sqlite3_open_v2(path, &g, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sy__gpkg_tile_table(g, table, sizeof table, err, sizeof err) != 0 ||
        sy__pack_grid(g, table, grid, err, sizeof err) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", path, err[0] ? err : sqlite3_errmsg(g));
    sqlite3_close(g);
    free(path);
    return rc;
}

/* Keep in packs ([[hash, zoom, bcol, brow, bytes], ...], in order) those around the device's
 * units (a), and give the version and bytes of what is left with the skeleton. */
static int select_packs(sy_office *o, const char *file, const sy__areas *a, json_t *packs,
                        const char *skel_hash, int64_t skel_bytes, char version[65], int64_t *bytes)
{
    sy_pack_grid grid;
    int rc = pyramid_grid(o, file, &grid);
    if (rc != SY_OK)
        return rc;
    crypto_generichash_state h;
    crypto_generichash_init(&h, NULL, 0, 32);
    crypto_generichash_update(&h, (const uint8_t *)skel_hash, strlen(skel_hash));
    *bytes = skel_bytes;
    for (size_t i = 0; i < json_array_size(packs);) {
        json_t *e = json_array_get(packs, i);
        double ext[4];
        int zoom = (int)json_integer_value(json_array_get(e, 1));
        if (sy__pack_extent(&grid, zoom, json_integer_value(json_array_get(e, 2)),
                            json_integer_value(json_array_get(e, 3)), ext) != 0 ||
            !in_areas(a, ext)) {
            json_array_remove(packs, i);
            continue;
        }
        const char *hex = json_string_value(json_array_get(e, 0));
        crypto_generichash_update(&h, (const uint8_t *)(hex ? hex : ""), hex ? strlen(hex) : 0);
        *bytes += json_integer_value(json_array_get(e, 4));
        i++;
    }
    uint8_t v[32];
    crypto_generichash_final(&h, v, 32);
    sodium_bin2hex(version, 65, v, 32);
    return SY_OK;
}

/* Rows of imagery as JSON objects: every row (dev NULL), or those assigned to dev with their
 * manifests (of imagery with a margin, what lies around the device's units). */
static int rows(sy_office *o, const sy_device *dev, json_t *out)
{
    int t = has_table(o);
    if (t <= 0)
        return t < 0 ? SY_EIO : SY_OK;
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT name, assign, file, version, epsg, levels, bytes, tiles, skeleton_hash,"
                 " length(skeleton), packs, source, added, margin_m FROM imagery WHERE ?1 IS NULL"
                 " OR assign = '*' OR assign = ?1 OR (?2 <> '' AND assign = ?2) ORDER BY name",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, dev ? dev->name : NULL);
    sy__bind_text(st, 2, dev ? dev->crew : "");
    int rc = SY_OK, src;
    const sy__areas *around = NULL;
    while (rc == SY_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *packs = json_loads(sy__col_text(st, 10), 0, NULL), *o1;
        if (!packs) {
            rc = sy__fail(o, SY_EIO, "imagery %s: its pack list is not JSON", sy__col_text(st, 0));
            break;
        }
        int clipped = sqlite3_column_type(st, 13) != SQLITE_NULL;
        if (dev) {
            char version[65];
            snprintf(version, sizeof version, "%s", sy__col_text(st, 3));
            int64_t bytes = sqlite3_column_int64(st, 6);
            if (clipped &&
                ((rc = device_areas(o, dev, sqlite3_column_int(st, 4),
                                    sqlite3_column_double(st, 13), &around)) != SY_OK ||
                 (rc = select_packs(o, sy__col_text(st, 2), around, packs, sy__col_text(st, 8),
                                    sqlite3_column_int64(st, 9), version, &bytes)) != SY_OK)) {
                json_decref(packs);
                break;
            }
            o1 = json_pack("{s:s, s:s, s:s, s:i, s:i, s:I, s:s, s:I, s:o, s:o}", "name",
                           sy__col_text(st, 0), "file", sy__col_text(st, 2), "version", version,
                           "epsg", sqlite3_column_int(st, 4), "levels", sqlite3_column_int(st, 5),
                           "bytes", (json_int_t)bytes, "skeleton", sy__col_text(st, 8),
                           "skeleton_bytes", (json_int_t)sqlite3_column_int64(st, 9), "packs",
                           packs, "added", sy__col_json_time(st, 12));
        } else {
            o1 = json_pack("{s:s, s:s, s:i, s:i, s:I, s:I, s:i, s:s, s:o, s:o}", "name",
                           sy__col_text(st, 0), "assign", sy__col_text(st, 1), "epsg",
                           sqlite3_column_int(st, 4), "levels", sqlite3_column_int(st, 5), "bytes",
                           (json_int_t)sqlite3_column_int64(st, 6), "tiles",
                           (json_int_t)sqlite3_column_int64(st, 7), "packs",
                           (int)json_array_size(packs), "version", sy__col_text(st, 3), "added",
                           sy__col_json_time(st, 12), "source", sy__col_json_str(st, 11));
            json_decref(packs);
            if (o1 && (json_object_set_new(o1, "console", web_info(o->path, sy__col_text(st, 0))) ||
                       json_object_set_new(o1, "margin_m",
                                           clipped ? json_real(sqlite3_column_double(st, 13))
                                                   : json_null())))
                rc = sy__fail(o, SY_ENOMEM, "out of memory");
        }
        if (!o1 || json_array_append_new(out, o1) != 0)
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    if (rc == SY_OK && src != SQLITE_DONE)
        rc = sy__fail_db(o, "imagery");
    sqlite3_finalize(st);
    return rc;
}

int sy_office_imagery_list(sy_office *o, char **out)
{
    *out = NULL;
    json_t *a = json_array();
    int rc = a ? rows(o, NULL, a) : sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK && !(*out = json_dumps(a, JSON_COMPACT | JSON_PRESERVE_ORDER)))
        rc = sy__fail(o, SY_ENOMEM, "out of memory");
    json_decref(a);
    return rc;
}

/* ---- the console's pyramids: made for older imagery, read tile by tile --------------------- */

int sy_office_imagery_console_prepare(sy_office *o, int *made, int *failed)
{
    *made = *failed = 0;
    int t = has_table(o);
    if (t <= 0)
        return t < 0 ? SY_EIO : SY_OK;
    json_t *todo = json_array();
    sqlite3_stmt *st;
    if (!todo || sy__prep(o, "SELECT name, file FROM imagery ORDER BY name", &st)) {
        json_decref(todo);
        return SY_EIO;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        char *web = web_path(o->path, sy__col_text(st, 0));
        if (web && access(web, F_OK) != 0)
            json_array_append_new(todo,
                                  json_pack("[s, s]", sy__col_text(st, 0), sy__col_text(st, 1)));
        free(web);
    }
    sqlite3_finalize(st);
    pthread_once(&gdal_once, gdal_init);
    size_t i;
    json_t *e;
    json_array_foreach(todo, i, e)
    {
        const char *name = json_string_value(json_array_get(e, 0));
        char *dir = imagery_dir(o), *p = dir ? sy__str_cat(dir, "/") : NULL,
             *src = p ? sy__str_cat(p, json_string_value(json_array_get(e, 1))) : NULL, *tmp = NULL;
        CPLPushErrorHandler(CPLQuietErrorHandler);
        CPLErrorReset();
        GDALDatasetH ds =
            src ? GDALOpenEx(src, GDAL_OF_RASTER | GDAL_OF_READONLY, NULL, NULL, NULL) : NULL;
        int rc =
            ds ? web_tile(o, ds, name, &tmp) : gdal_fail(o, SY_EIO, src ? src : "out of memory");
        if (ds)
            GDALClose(ds);
        CPLPopErrorHandler();
        if (rc == SY_OK)
            rc = web_commit(o, tmp, name);
        if (rc != SY_OK && tmp)
            unlink(tmp);
        if (rc == SY_OK) {
            ++*made;
            sy__logf(o, "imagery %s: the console's web-mercator pyramid made from %s", name, src);
        } else {
            ++*failed;
            sy__logf(o, "imagery %s: no console pyramid: %s", name, sy_office_errmsg(o));
        }
        free(tmp);
        free(src);
        free(p);
        free(dir);
    }
    json_decref(todo);
    return SY_OK;
}

static const char *tile_type(const uint8_t *b, size_t n)
{
    if (n >= 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (n >= 3 && b[0] == 0xff && b[1] == 0xd8 && b[2] == 0xff)
        return "image/jpeg";
    if (n >= 12 && memcmp(b, "RIFF", 4) == 0 && memcmp(b + 8, "WEBP", 4) == 0)
        return "image/webp";
    return NULL;
}

/* Whether web-mercator tile z/x/y (XYZ) lies inside the pyramid in table of g: one of its zoom
 * levels, and overlapping its extent (gpkg_contents, EPSG:3857 metres). */
static int within_pyramid(sqlite3 *g, const char *table, int z, int64_t x, int64_t y)
{
    const double world = 20037508.342789244; /* half the GoogleMapsCompatible square */
    sqlite3_stmt *st = NULL;
    int in = 0;
    char *q = sqlite3_mprintf("SELECT c.min_x, c.min_y, c.max_x, c.max_y FROM gpkg_contents c"
                              " WHERE c.table_name = %Q AND EXISTS (SELECT 1 FROM"
                              " gpkg_tile_matrix m WHERE m.table_name = %Q AND m.zoom_level = ?1)",
                              table, table);
    if (q && sqlite3_prepare_v2(g, q, -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_int(st, 1, z);
        if (sqlite3_step(st) == SQLITE_ROW) {
            double size = 2 * world / (double)(INT64_C(1) << z);
            double x0 = -world + (double)x * size, y1 = world - (double)y * size;
            in = x0 < sqlite3_column_double(st, 2) && x0 + size > sqlite3_column_double(st, 0) &&
                 y1 - size < sqlite3_column_double(st, 3) && y1 > sqlite3_column_double(st, 1);
        }
    }
    sqlite3_finalize(st);
    sqlite3_free(q);
    return in;
}

int sy_office_imagery_tile(const char *office_path, const char *name, int z, int64_t x, int64_t y,
                           uint8_t **data, size_t *len, const char **ctype, char *err,
                           size_t errlen)
{
    *data = NULL;
    *len = 0;
    *ctype = NULL;
    err[0] = '\0';
    if (z < 0 || z > SY_TILE_ZOOM_MAX || x < 0 || y < 0 || x >= (INT64_C(1) << z) ||
        y >= (INT64_C(1) << z)) {
        snprintf(err, errlen, "tile %d/%lld/%lld is outside the web-mercator grid", z, (long long)x,
                 (long long)y);
        return SY_EINVAL;
    }
    if (!name_ok(name)) {
        snprintf(err, errlen, "no imagery called '%s'", name ? name : "");
        return SY_EREFUSED;
    }
    char *file = web_path(office_path, name);
    if (!file) {
        snprintf(err, errlen, "out of memory");
        return SY_ENOMEM;
    }
    sqlite3 *g = NULL;
    sqlite3_stmt *st = NULL;
    char table[64];
    int rc = SY_OK;
    if (access(file, F_OK) != 0) {
        snprintf(err, errlen, "no console imagery called '%s'", name);
        rc = SY_EREFUSED;
    } else if (sqlite3_open_v2(file, &g, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "%s: %s", file, sqlite3_errmsg(g));
        rc = SY_EIO;
    } else if (sy__gpkg_tile_table(g, table, sizeof table, err, errlen) != 0) {
        rc = SY_EIO;
    }
    if (rc == SY_OK) {
        /* the GoogleMapsCompatible tile matrix set covers the whole EPSG:3857 square with 2^z
         * tiles a side, and a GeoPackage counts tile_row from the top: XYZ as it is */
        sqlite3_busy_timeout(g, 2000);
        char *q = sqlite3_mprintf("SELECT tile_data FROM \"%w\" WHERE zoom_level = ?1"
                                  " AND tile_column = ?2 AND tile_row = ?3",
                                  table);
        if (!q || sqlite3_prepare_v2(g, q, -1, &st, NULL) != SQLITE_OK) {
            snprintf(err, errlen, "%s: %s", file, q ? sqlite3_errmsg(g) : "out of memory");
            rc = SY_EIO;
        }
        sqlite3_free(q);
    }
    if (rc == SY_OK) {
        sqlite3_bind_int(st, 1, z);
        sqlite3_bind_int64(st, 2, x);
        sqlite3_bind_int64(st, 3, y);
        int s = sqlite3_step(st);
        if (s == SQLITE_ROW) {
            size_t n = (size_t)sqlite3_column_bytes(st, 0);
            const uint8_t *b = sqlite3_column_blob(st, 0);
            *ctype = b ? tile_type(b, n) : NULL;
            if (!*ctype) {
                snprintf(err, errlen, "%s: tile %d/%lld/%lld is not PNG, JPEG or WebP", file, z,
                         (long long)x, (long long)y);
                rc = SY_EIO;
            } else if (!(*data = malloc(n))) {
                snprintf(err, errlen, "out of memory");
                rc = SY_ENOMEM;
            } else {
                memcpy(*data, b, n);
                *len = n;
            }
        } else if (s == SQLITE_DONE) {
            if (!within_pyramid(g, table, z, x, y)) {
                snprintf(err, errlen, "no tile %d/%lld/%lld in '%s'", z, (long long)x, (long long)y,
                         name);
                rc = SY_EREFUSED;
            } /* else SY_OK with no data: GDAL wrote no tile where the raster is empty */
        } else {
            snprintf(err, errlen, "%s: %s", file, sqlite3_errmsg(g));
            rc = SY_EIO;
        }
    }
    sqlite3_finalize(st);
    sqlite3_close(g);
    free(file);
    return rc;
}

/* ---- what devices fetch ------------------------------------------------------------------ */

void sy__sign_for_device(const sy_office *o, const char *domain, const sy_device *dev,
                         const uint8_t *body, size_t len, char sig_hex[2 * 64 + 1])
{
    size_t dl = strlen(domain) + 1;
    uint8_t msg[64 + 32 + crypto_hash_sha256_BYTES], sig[crypto_sign_BYTES];
    if (dl > 64)
        dl = 64; /* domains are short literals */
    memcpy(msg, domain, dl);
    memcpy(msg + dl, dev->device_id, 32);
    crypto_hash_sha256(msg + dl + 32, body, len);
    crypto_sign_detached(sig, NULL, msg, dl + 32 + crypto_hash_sha256_BYTES, o->sign_sk);
    sodium_bin2hex(sig_hex, 2 * 64 + 1, sig, sizeof sig);
}

int sy_office_imagery_for(sy_office *o, const sy_device *dev, char **body, size_t *len,
                          char sig_hex[2 * 64 + 1])
{
    *body = NULL;
    *len = 0;
    json_t *a = json_array(), *root = json_pack("{s:o*}", "imagery", a);
    int rc = root ? rows(o, dev, a) : sy__fail(o, SY_ENOMEM, "out of memory");
    char *text = rc == SY_OK ? json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (rc != SY_OK)
        return rc;
    if (!text)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    *body = text;
    *len = strlen(text);
    sy__sign_for_device(o, SY_IMAGERY_DOMAIN, dev, (const uint8_t *)text, *len, sig_hex);
    return SY_OK;
}

int sy_office_imagery_chunk(sy_office *o, const sy_device *dev, const char *hash_hex,
                            uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    uint8_t want[32];
    if (!hash_hex || strlen(hash_hex) != 64 || sy_hex2bin(want, 32, hash_hex) != SY_OK)
        return sy__fail(o, SY_EFORMAT, "a chunk is named by 64 hex digits");
    char lower[65];
    sodium_bin2hex(lower, sizeof lower, want, 32);
    int t = has_table(o);
    if (t <= 0)
        return t < 0 ? SY_EIO : sy__fail(o, SY_EREFUSED, "no imagery chunk %.16s...", lower);
    static const char assigned[] =
        " AND (i.assign = '*' OR i.assign = ?2 OR (?3 <> '' AND i.assign = ?3))";
    /* a skeleton */
    sqlite3_stmt *st;
    char sql[400];
    snprintf(sql, sizeof sql,
             "SELECT i.skeleton FROM imagery i WHERE i.skeleton_hash = ?1%s LIMIT 1", assigned);
    if (sy__prep(o, sql, &st))
        return SY_EIO;
    sy__bind_text(st, 1, lower);
    sy__bind_text(st, 2, dev->name);
    sy__bind_text(st, 3, dev->crew);
    if (sqlite3_step(st) == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(st, 0);
        uint8_t *b = malloc(n ? n : 1);
        if (b && n)
            memcpy(b, sqlite3_column_blob(st, 0), n);
        sqlite3_finalize(st);
        if (!b)
            return sy__fail(o, SY_ENOMEM, "out of memory");
        *data = b;
        *len = n;
        return SY_OK;
    }
    sqlite3_finalize(st);
    /* a pack, rebuilt from the pyramid and checked against its name */
    /* (the same tiles can be a pack of several imagery: any one the device may have will do) */
    snprintf(sql, sizeof sql,
             "SELECT i.file, p.zoom, p.bcol, p.brow, i.margin_m, i.epsg FROM imagery_packs p"
             " JOIN imagery i ON i.name = p.name WHERE p.hash = ?1%s",
             assigned);
    if (sy__prep(o, sql, &st))
        return SY_EIO;
    sy__bind_text(st, 1, lower);
    sy__bind_text(st, 2, dev->name);
    sy__bind_text(st, 3, dev->crew);
    char *file = NULL;
    int zoom = 0, away = 0, rc = SY_OK;
    int64_t bcol = 0, brow = 0;
    const sy__areas *around = NULL;
    while (!file && rc == SY_OK && sqlite3_step(st) == SQLITE_ROW) {
        zoom = sqlite3_column_int(st, 1);
        bcol = sqlite3_column_int64(st, 2);
        brow = sqlite3_column_int64(st, 3);
        /* imagery with a margin: only what the device's manifest lists, around its units */
        if (sqlite3_column_type(st, 4) != SQLITE_NULL) {
            sy_pack_grid grid;
            double ext[4];
            rc = device_areas(o, dev, sqlite3_column_int(st, 5), sqlite3_column_double(st, 4),
                              &around);
            if (rc == SY_OK)
                rc = pyramid_grid(o, sy__col_text(st, 0), &grid);
            if (rc != SY_OK)
                break;
            if (sy__pack_extent(&grid, zoom, bcol, brow, ext) != 0 || !in_areas(around, ext)) {
                away = 1;
                continue;
            }
        }
        if (!(file = strdup(sy__col_text(st, 0))))
            rc = sy__fail(o, SY_ENOMEM, "out of memory");
    }
    sqlite3_finalize(st);
    if (rc != SY_OK)
        return rc;
    if (!file)
        return sy__fail(o, SY_EREFUSED, "no imagery chunk %.16s... for device %s%s", lower,
                        dev->name, away ? ": it lies away from the device's units" : "");
    char *dir = imagery_dir(o), *p = dir ? sy__str_cat(dir, "/") : NULL,
         *path = p ? sy__str_cat(p, file) : NULL;
    free(dir);
    free(p);
    free(file);
    if (!path)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    sqlite3 *g = NULL;
    char table[64], err[256] = "";
    uint8_t *b = NULL;
    size_t n = 0;
    if (sqlite3_open_v2(path, &g, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sy__gpkg_tile_table(g, table, sizeof table, err, sizeof err) != 0 ||
        sy__pack_build(g, table, zoom, bcol, brow, &b, &n, err, sizeof err) != 0)
        rc = sy__fail(o, SY_EIO, "%s: %s", path, err[0] ? err : sqlite3_errmsg(g));
    sqlite3_close(g);
    char got[65];
    if (rc == SY_OK) {
        sy__blake_hex(b, n, got);
        if (strcmp(got, lower) != 0)
            rc = sy__fail(o, SY_EIO,
                          "%s: the tiles of level %d block %lld/%lld no longer match the manifest "
                          "(the file changed on disk): not served; add the imagery again",
                          path, zoom, (long long)bcol, (long long)brow);
    }
    free(path);
    if (rc != SY_OK) {
        free(b);
        return rc;
    }
    *data = b;
    *len = n;
    return SY_OK;
}
