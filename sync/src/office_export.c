/*
 * office_export.c - the county-wide export: every device's replica through sv_export_journals
 * (GeoPackage, GeoJSON, CSV, the forms and the public notice), the same writer the tablet uses;
 * and the same GeoPackage as ESRI Shapefiles in one zip, converted by GDAL
 * (sy_office_export_shp), for the county's GIS tools that read no GeoPackage well.
 *
 * It must never write over the office's own files, nor open a replica for writing.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <gdal_utils.h>
#include <ogr_api.h>
#include <sqlite3.h>

#include "office_int.h"
#include "survey/fileio.h"
#include "survey/geo.h"

/* ---- export ---------------------------------------------------------------------------------- */

/* 1 when path is the office database or one of its companion files. */
static int is_office_file(const sy_office *o, const char *path)
{
    struct stat out;
    if (stat(path, &out) != 0)
        return 0;
    static const char *const suffix[] = {"", ".key", "-wal", "-shm", "-journal", ".decisions"};
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        char *p = sy__str_cat(o->path, suffix[i]);
        struct stat st;
        int same = p && stat(p, &st) == 0 && st.st_dev == out.st_dev && st.st_ino == out.st_ino;
        free(p);
        if (same)
            return 1;
    }
    return 0;
}

int sy_office_export(sy_office *o, sv_export_format fmt, const char *path, sv_export_stats *stats)
{
    return sy_office_export_unit(o, fmt, NULL, path, stats);
}

/* Whether code is one of the office's task units. */
static int task_known(sy_office *o, const char *code)
{
    sqlite3_stmt *st;
    if (sy__prep(o, "SELECT 1 FROM tasks WHERE code = ?", &st))
        return 0;
    sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
    int known = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return known;
}

int sy_office_export_unit(sy_office *o, sv_export_format fmt, const char *unit, const char *path,
                          sv_export_stats *stats)
{
    return sy_office_export_bom(o, fmt, unit, 0, path, stats);
}

/*
 * The files kept with the units (the office's decisions "attach" and the crews' entries
 * "attach" whose bytes have arrived; of unit alone when not NULL) as a layer of the GeoPackage
 * at path, written by GDAL: "attachments", no geometry (a GeoPackage attributes table), one
 * feature per attachment in the order attached, "source" office or field, the file's bytes in
 * its binary field "data". Always made, empty when there are none, so that a county's tools see one
 * schema.
 */
static int attachments_to_gpkg(sy_office *o, const char *path, const char *unit)
{
    sqlite3_stmt *st;
    if (sy__prep(o,
                 "SELECT u.unit, u.what, u.name, u.type, u.bytes, u.sha256, u.by, u.time, u.note,"
                 " 'office', a.data FROM unit_attachments u JOIN attachments a"
                 " ON a.sha256 = u.sha256 WHERE ?1 IS NULL OR u.unit = ?1"
                 " UNION ALL SELECT f.unit, f.what, f.name, f.type, f.bytes, f.sha256,"
                 " coalesce(d.name, f.device_id), f.time, f.note, 'field', a.data"
                 " FROM field_attachments f JOIN attachments a ON a.sha256 = f.sha256"
                 " LEFT JOIN devices d ON d.device_id = f.device_id"
                 " WHERE ?1 IS NULL OR f.unit = ?1 ORDER BY 8, 3",
                 &st))
        return SY_EIO;
    sy__bind_text(st, 1, unit);
    GDALAllRegister();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLErrorReset();
    const char *const drv[] = {"GPKG", NULL};
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, drv, NULL, NULL);
    OGRLayerH l = ds ? GDALDatasetCreateLayer(ds, "attachments", NULL, wkbNone, NULL) : NULL;
    static const struct {
        const char *name;
        OGRFieldType type;
    } F[] = {{"unit_code", OFTString},   {"what", OFTString},       {"name", OFTString},
             {"media_type", OFTString},  {"bytes", OFTInteger64},   {"sha256", OFTString},
             {"attached_by", OFTString}, {"attached", OFTDateTime}, {"note", OFTString},
             {"source", OFTString},      {"data", OFTBinary}};
    int ok = l != NULL;
    for (size_t i = 0; ok && i < sizeof F / sizeof F[0]; i++) {
        OGRFieldDefnH fd = OGR_Fld_Create(F[i].name, F[i].type);
        ok = fd && OGR_L_CreateField(l, fd, TRUE) == OGRERR_NONE;
        OGR_Fld_Destroy(fd);
    }
    ok = ok && GDALDatasetStartTransaction(ds, FALSE) == OGRERR_NONE;
    int s = SQLITE_DONE;
    while (ok && (s = sqlite3_step(st)) == SQLITE_ROW) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(l));
        if (!f) {
            ok = 0;
            break;
        }
        for (int i = 0; i < 10; i++) {
            if (sqlite3_column_type(st, i) == SQLITE_NULL)
                continue;
            if (i == 4) {
                OGR_F_SetFieldInteger64(f, i, sqlite3_column_int64(st, i));
            } else if (i == 7) {
                char t[32];
                sy__iso_ms(sqlite3_column_int64(st, i), t);
                OGR_F_SetFieldString(f, i, t);
            } else {
                OGR_F_SetFieldString(f, i, sy__col_text(st, i));
            }
        }
        OGR_F_SetFieldBinary(f, 10, sqlite3_column_bytes(st, 10), sqlite3_column_blob(st, 10));
        ok = OGR_L_CreateFeature(l, f) == OGRERR_NONE;
        OGR_F_Destroy(f);
    }
    int rc = SY_OK;
    if (s != SQLITE_DONE && s != SQLITE_ROW)
        rc = sy__fail_db(o, "attachments");
    else if (!ok || GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        rc = sy__fail(o, SY_EIO, "%s: cannot write the attachments layer: %s", path,
                      CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "GDAL failed");
    sqlite3_finalize(st);
    if (ds)
        GDALClose(ds);
    CPLPopErrorHandler();
    return rc;
}

static int export_all(sy_office *o, sv_export_format fmt, const char *unit, int bom,
                      const char *path, sv_export_stats *stats, int attachments);

int sy_office_export_bom(sy_office *o, sv_export_format fmt, const char *unit, int bom,
                         const char *path, sv_export_stats *stats)
{
    return export_all(o, fmt, unit, bom, path, stats, fmt == SV_EXPORT_GPKG);
}

static int export_all(sy_office *o, sv_export_format fmt, const char *unit, int bom,
                      const char *path, sv_export_stats *stats, int attachments)
{
    if (!path || !*path)
        return sy__fail(o, SY_EINVAL, "no output file given");
    if (is_office_file(o, path))
        return sy__fail(o, SY_EINVAL, "%s is the office database itself; choose another file",
                        path);
    sv_journal **js = NULL;
    size_t n = 0;
    int rc = sy__replicas_read(o, NULL, &js, &n);
    sv_geo *g = NULL;
    if (rc == SY_OK && sv_geo_new(&g) != SV_OK)
        rc = sy__fail(o, SY_EIO, "cannot initialise PROJ (is proj-data installed?)");
    sv_export_options opt = {0};
    opt.unit = unit;
    opt.bom = bom && fmt == SV_EXPORT_CSV;
    char **strs = NULL;
    if (rc == SY_OK)
        rc = sy__export_choices(o, &opt, &strs);
    void *settled = NULL;
    if (rc == SY_OK)
        rc = sy__export_settlements(o, &opt, &settled);
    void *units = NULL; /* every task unit, with its state in the procedure */
    if (rc == SY_OK)
        rc = sy__export_units(o, g, &opt, &units);
    if (fmt != SV_EXPORT_GPKG && fmt != SV_EXPORT_GEOJSON) {
        /* the point table, the forms and the notice are of the units crews worked on: an
         * unfetched unit has no point to list, no form to print */
        opt.unfetched = NULL;
        opt.n_unfetched = 0;
    }
    sv_export_notice *notices = NULL;
    void *notice_rows = NULL;
    if (rc == SY_OK && fmt == SV_EXPORT_NOTICE) {
        rc = sy__notices_load(o, unit, &notices, &opt.n_notices, &notice_rows);
        if (rc == SY_OK && !opt.n_notices && unit && !task_known(o, unit))
            rc = sy__fail(o, SY_ENOTFOUND,
                          "%s: unit %s is not at this office: no task unit of that code", path,
                          unit);
        else if (rc == SY_OK && !opt.n_notices)
            rc = sy__fail(o, SY_ENOTFOUND,
                          unit ? "unit %s is not in public notice (公告): give it a notice period "
                                 "first (quejie-office unit notice)"
                               : "no unit is in public notice (公告) now%s",
                          unit ? unit : "");
        opt.notices = notices;
    }
    opt.authority = sy_office_name(o); /* the forms and the notice name who receives objections */
    if (rc == SY_OK) {
        sv_diag d = {{0}};
        int src = sv_export_journals_opts(js, n, g, fmt, path, &opt, stats, &d);
        if (src == SV_ENOTFOUND && unit) /* the library's words are a journal's ("not in this
                                          * journal"): say what the office holds */
            rc = sy__fail(o, SY_ENOTFOUND,
                          task_known(o, unit)
                              ? "%s: unit %s: no crew has sent anything for it yet (it is in none "
                                "of the device replicas)"
                              : "%s: unit %s is not at this office: no task unit of that code, "
                                "and no device has sent one",
                          path, unit);
        else if (src != SV_OK)
            rc = sy__fail(o,
                          src == SV_ENOMEM      ? SY_ENOMEM
                          : src == SV_EINVAL    ? SY_EINVAL
                          : src == SV_ENOTFOUND ? SY_ENOTFOUND
                                                : SY_EIO,
                          "%s", d.msg[0] ? d.msg : sv_strerror(src));
    }
    if (rc == SY_OK && attachments)
        rc = attachments_to_gpkg(o, path, unit);
    sy__notices_free(notices, notice_rows);
    sy__export_units_free(&opt, units);
    sy__export_settlements_free(&opt, settled);
    sy__export_choices_free(&opt, strs);
    sv_geo_free(g);
    sy__replicas_close(js, n);
    return rc;
}

/* ---- Shapefiles --------------------------------------------------------------------------- */

/* dir/name, malloc'ed (NULL without memory). */
static char *join(const char *dir, const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s", dir, name);
    return p;
}

/* Remove the files of directory dir (one level) and dir itself; quiet. */
static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char *p = join(dir, e->d_name);
        if (p) {
            struct stat sb;
            if (lstat(p, &sb) == 0 && S_ISDIR(sb.st_mode))
                remove_tree(p);
            else
                unlink(p);
        }
        free(p);
    }
    if (d)
        closedir(d);
    rmdir(dir);
}

/* fields.csv: for each layer, each Shapefile column and the GeoPackage column it holds (the
 * format cuts names to 10 characters and numbers the ones that then collide). */
static int write_field_map(sy_office *o, GDALDatasetH src, GDALDatasetH out, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return sy__fail(o, SY_EIO, "cannot write %s: %s", path, strerror(errno));
    fputs("layer,shapefile_field,geopackage_field\r\n", f);
    for (int i = 0; i < GDALDatasetGetLayerCount(src); i++) {
        OGRLayerH sl = GDALDatasetGetLayer(src, i);
        OGRLayerH dl = GDALDatasetGetLayerByName(out, OGR_L_GetName(sl));
        OGRFeatureDefnH sd = OGR_L_GetLayerDefn(sl), dd = dl ? OGR_L_GetLayerDefn(dl) : NULL;
        int n = OGR_FD_GetFieldCount(sd);
        for (int k = 0; dd && k < n && k < OGR_FD_GetFieldCount(dd); k++)
            fprintf(f, "%s,%s,%s\r\n", OGR_L_GetName(sl),
                    OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(dd, k)),
                    OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(sd, k)));
    }
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return sy__fail(o, SY_EIO, "cannot write %s", path);
    return SY_OK;
}

static int only_files(const struct dirent *e)
{
    return e->d_name[0] != '.';
}

/* Every file of dir into a new zip at zip_path. */
static int zip_dir(sy_office *o, const char *dir, const char *zip_path)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, only_files, alphasort);
    if (n < 0)
        return sy__fail(o, SY_EIO, "cannot list %s: %s", dir, strerror(errno));
    int rc = SY_OK;
    void *z = CPLCreateZip(zip_path, NULL);
    if (!z)
        rc = sy__fail(o, SY_EIO, "cannot create %s: %s", zip_path, CPLGetLastErrorMsg());
    char buf[65536];
    for (int i = 0; i < n; i++) {
        char *p = rc == SY_OK ? join(dir, names[i]->d_name) : NULL;
        FILE *f = p ? fopen(p, "rb") : NULL;
        if (rc == SY_OK && !f)
            rc = sy__fail(o, SY_EIO, "cannot read %s", p ? p : names[i]->d_name);
        if (rc == SY_OK && CPLCreateFileInZip(z, names[i]->d_name, NULL) != CE_None)
            rc = sy__fail(o, SY_EIO, "cannot add %s to the zip", names[i]->d_name);
        size_t got;
        while (rc == SY_OK && (got = fread(buf, 1, sizeof buf, f)) > 0)
            if (CPLWriteFileInZip(z, buf, (int)got) != CE_None)
                rc = sy__fail(o, SY_EIO, "cannot write %s: %s", zip_path, CPLGetLastErrorMsg());
        if (rc == SY_OK && ferror(f))
            rc = sy__fail(o, SY_EIO, "cannot read %s", p);
        if (rc == SY_OK && CPLCloseFileInZip(z) != CE_None)
            rc = sy__fail(o, SY_EIO, "cannot write %s", zip_path);
        if (f)
            fclose(f);
        free(p);
        free(names[i]);
    }
    free(names);
    if (z && CPLCloseZip(z) != CE_None && rc == SY_OK)
        rc = sy__fail(o, SY_EIO, "cannot finish %s", zip_path);
    return rc;
}

int sy_office_export_shp(sy_office *o, const char *unit, const char *path, sv_export_stats *stats)
{
    if (!path || !*path)
        return sy__fail(o, SY_EINVAL, "no output file given");
    if (is_office_file(o, path))
        return sy__fail(o, SY_EINVAL, "%s is the office database itself; choose another file",
                        path);
    char why[200];
    if (sv_file_replaceable(path, why, sizeof why) != 0)
        return sy__fail(o, SY_EINVAL, "%s %s", path, why);
    char *dir = sy__str_cat(path, ".tmp-XXXXXX");
    if (!dir)
        return sy__fail(o, SY_ENOMEM, "out of memory");
    if (!mkdtemp(dir)) {
        int e = errno;
        free(dir);
        return sy__fail(o, SY_EIO, "cannot make a temporary directory beside %s: %s", path,
                        strerror(e));
    }
    char *gpkg = sy__str_cat(dir, "/county.gpkg"), *shp = sy__str_cat(dir, "/shp");
    char *map = sy__str_cat(dir, "/shp/fields.csv"), *zip = sy__str_cat(dir, "/county.zip");
    int rc = gpkg && shp && map && zip ? SY_OK : sy__fail(o, SY_ENOMEM, "out of memory");
    if (rc == SY_OK)
        /* without the attachments layer: a Shapefile holds no file's bytes */
        rc = export_all(o, SV_EXPORT_GPKG, unit, 0, gpkg, stats, 0);
    if (rc == SY_OK) {
        GDALAllRegister();
        CPLPushErrorHandler(CPLQuietErrorHandler); /* the names cut short: fields.csv says */
        const char *const drv[] = {"GPKG", NULL};
        GDALDatasetH src = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, drv, NULL, NULL);
        char *argv[] = {"-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", NULL};
        GDALVectorTranslateOptions *vo = src ? GDALVectorTranslateOptionsNew(argv, NULL) : NULL;
        int err = 0;
        GDALDatasetH out = vo ? GDALVectorTranslate(shp, NULL, 1, &src, vo, &err) : NULL;
        if (!out)
            rc = sy__fail(o, SY_EIO, "cannot write the Shapefiles: %s",
                          CPLGetLastErrorMsg()[0] ? CPLGetLastErrorMsg() : "GDAL failed");
        CPLPopErrorHandler();
        if (rc == SY_OK)
            rc = write_field_map(o, src, out, map);
        GDALVectorTranslateOptionsFree(vo);
        if (out)
            GDALClose(out);
        if (src)
            GDALClose(src);
    }
    if (rc == SY_OK)
        rc = zip_dir(o, shp, zip);
    if (rc == SY_OK && rename(zip, path) != 0)
        rc = sy__fail(o, SY_EIO, "cannot write %s: %s", path, strerror(errno));
    remove_tree(dir);
    free(dir);
    free(gpkg);
    free(shp);
    free(map);
    free(zip);
    return rc;
}
