#!/bin/bash
# The county's imagery under the console's maps: `imagery add` (CLI and upload) also tiles the
# raster with GDAL in web mercator into OFFICE_DB.imagery/web/NAME.gpkg; `serve` makes it for
# imagery that predates it; GET /api/v1/imagery lists its tile URL, WGS84 bounds and zooms;
# GET /api/v1/imagery/NAME/tiles/Z/X/Y serves its tiles over TLS to a session (XYZ rows, 404
# outside, 400 for hostile coordinates, 401 without a session) and they decode as 256 x 256
# images with GDAL; the map pages load imagery.js; removing the imagery removes the pyramid. With
# chromium and selenium at hand, the unit page's map shows a tile from /api/v1/imagery/.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
O=$T/office.db
for c in gdal_translate gdalinfo openssl curl; do
    command -v $c >/dev/null || { fail "$c is not installed"; finish; exit 1; }
done

expect "init" "$OFF" init "$O" --name 临夏州自然资源局
expect "user add viewer" bash -c "echo 'View-pass-2026!' | '$OFF' user add '$O' --name view --role viewer"
expect "user add admin" bash -c "echo 'Admin-pass-2026!' | '$OFF' user add '$O' --name adm --role admin"
"$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组 >/dev/null 2>&1
UNIT=$("$OFF" units "$O" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[0]["code"])')

# ---- an orthophoto over the first unit, made with GDAL -------------------------------------------
# 800 x 600 px of texture at 0.00002 degrees (about 2 m) in EPSG:4490, its corner at the unit's
# south-west (python writes an ESRI ASCII grid; GDAL makes the GeoTIFF)
"$PY" - "$T/dom.asc" "$FIX/tasks/linxia-units-4490.geojson" "$UNIT" <<'PY'
import json, random, sys
d = json.load(open(sys.argv[2]))
f = [x for x in d["features"] if x["properties"]["ZRZYDJDYH"] == sys.argv[3]][0]
def coords(g):
    if isinstance(g[0], (int, float)):
        yield g
    else:
        for c in g:
            yield from coords(c)
pts = list(coords(f["geometry"]["coordinates"]))
x0, y0 = min(p[0] for p in pts) - 0.002, min(p[1] for p in pts) - 0.002
random.seed(3)
w, h = 800, 600
with open(sys.argv[1], "w") as o:
    o.write("ncols %d\nnrows %d\nxllcorner %.6f\nyllcorner %.6f\ncellsize 0.00002\n" % (w, h, x0, y0))
    for r in range(h):
        o.write(" ".join(str((c * 5 + r * 11 + random.randrange(40)) % 256) for c in range(w)) + "\n")
PY
gdal_translate -q -ot Byte -a_srs EPSG:4490 "$T/dom.asc" "$T/dom.tif" &&
    ok "a GeoTIFF orthophoto in EPSG:4490 made with GDAL over unit $UNIT" || fail "gdal_translate dom.tif"

# ---- imagery add (CLI) makes the console's pyramid beside the tablets' one ---------------------------
expect "imagery add (CLI)" "$OFF" imagery add "$O" "$T/dom.tif" --name 临夏DOM --assign 一组
# its name addresses its tiles (/api/v1/imagery/NAME/...): one the office could not serve is refused
refuse "imagery add with '..' in its name" "$OFF" imagery add "$O" "$T/dom.tif" --name 'dom..2026' --assign 一组
grep -q "'\.\.'" "$T/err" && [ ! -e "$O.imagery/dom..2026.gpkg" ] && ok "... saying so, and nothing made" || fail "'..' name: $(cat "$T/err")"
W=$O.imagery/web/临夏DOM.gpkg
gdalinfo "$W" >"$T/gi" 2>&1 && grep -q "GPKG" "$T/gi" && grep -q 'ID\["EPSG",3857\]' "$T/gi" &&
    ok "the console's pyramid is a GeoPackage in EPSG:3857 that GDAL reads" || fail "gdalinfo web: $(head -3 "$T/gi")"
[ -f "$O.imagery/临夏DOM.gpkg" ] && grep -q 'ID\["EPSG",4490\]' <(gdalinfo "$O.imagery/临夏DOM.gpkg" 2>&1) &&
    ok "... beside the tablets' pyramid in EPSG:4490" || fail "tablets' pyramid"
"$PY" - "$W" <<'PY' && ok "GoogleMapsCompatible: the world square, 2^z tiles a side, several levels" || fail "web tile matrix"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ms = db.execute("SELECT min_x, max_y, srs_id FROM gpkg_tile_matrix_set").fetchone()
assert abs(ms[0] + 20037508.34) < 1 and abs(ms[1] - 20037508.34) < 1 and ms[2] == 3857, ms
for z, w, h in db.execute("SELECT zoom_level, matrix_width, matrix_height FROM gpkg_tile_matrix"):
    assert w == h == 2 ** z, (z, w, h)
have = [r[0] for r in db.execute("SELECT DISTINCT zoom_level FROM imagery ORDER BY 1")]
assert len(have) >= 3 and have == list(range(have[0], have[-1] + 1)), have
PY

# ---- an office whose imagery predates the console's pyramids gains them at `serve` -----------------
rm -f "$W"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
# files an earlier server left when it was killed mid-upload: a day old, they are removed at start;
# younger ones (a second server's upload in progress) and other names are left alone
touch -d '2 days ago' "$O.upload-Ab12Cd" "$O.imagery-job-Ef34Gh" "$O.upload-longer12" "$T/other.upload-Ij56Kl"
touch "$O.upload-Mn78Op"
P=$(free_port)
"$OFF" serve "$O" --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    --assets "$QJ_SOURCE/assets/office" >"$T/office.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.1; done
URL=https://127.0.0.1:$P
[ -f "$W" ] && grep -q "console imagery: 1 made" "$T/office.log" &&
    ok "serve made the missing console pyramid before listening" || fail "no pyramid made at serve: $(tail -3 "$T/office.log")"
[ ! -e "$O.upload-Ab12Cd" ] && [ ! -e "$O.imagery-job-Ef34Gh" ] && [ -e "$O.upload-Mn78Op" ] &&
    [ -e "$O.upload-longer12" ] && [ -e "$T/other.upload-Ij56Kl" ] && grep -q "removed 2 upload files an earlier server left" "$T/office.log" &&
    ok "serve removes upload files a killed server left a day ago, and nothing else" || fail "leftovers: $(ls "$T") $(grep removed "$T/office.log")"
rm -f "$O.upload-Mn78Op" "$O.upload-longer12"

hcode() {
    local m=$1 p=$2; shift 2
    curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' --max-time 30 --cacert "$T/cert.pem" \
        -X "$m" "$@" "$URL$p"
}
login() {
    c=$(hcode POST /api/v1/login -c "$3" -H 'Content-Type: application/json' \
        --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}")
    CSRF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf",""))' "$T/body" 2>/dev/null)
}
header() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }

login view 'View-pass-2026!' "$T/view.jar"; [ "$c" = 200 ] && ok "a viewer logs in" || fail "viewer login: $c"
login adm 'Admin-pass-2026!' "$T/adm.jar"; ADM_CSRF=$CSRF; [ "$c" = 200 ] && ok "an admin logs in" || fail "admin login: $c"

# ---- the listing: tile URL template, WGS84 bounds, zooms -------------------------------------------
c=$(hcode GET /api/v1/imagery -b "$T/view.jar"); cp "$T/body" "$T/list.json"
[ "$c" = 200 ] && pyexpr "$T/list.json" '(lambda c: c["url"]=="/api/v1/imagery/%E4%B8%B4%E5%A4%8FDOM/tiles/{z}/{x}/{y}" and 0<=c["minzoom"]<c["maxzoom"]<=24)(d[0]["console"])' &&
    ok "GET /api/v1/imagery: the console's tile URL (name percent-encoded) and zoom range" || fail "listing: $c $(head -c 400 "$T/list.json")"
"$PY" - "$T/list.json" "$T/dom.tif" <<'PY' && ok "... and its WGS84 bounds hold the orthophoto's" || fail "bounds"
import json, sys
from osgeo import gdal
b = json.load(open(sys.argv[1]))[0]["console"]["bounds"]
ds = gdal.Open(sys.argv[2]); g = ds.GetGeoTransform()
w, n, e, s = g[0], g[3], g[0] + g[1] * ds.RasterXSize, g[3] + g[5] * ds.RasterYSize
assert b[0] <= w + 1e-6 and b[2] >= e - 1e-6 and b[1] <= s + 1e-6 and b[3] >= n - 1e-6, (b, (w, s, e, n))
assert b[2] - b[0] < (e - w) + 0.01 and b[3] - b[1] < (n - s) + 0.01, (b, (w, s, e, n))
PY
# the XYZ tile (north-up rows) at the orthophoto's centre, and the same row counted from the south
# (TMS), which lies outside: a server that flipped rows would get these two the wrong way round
read -r Z X Y YT < <("$PY" - "$T/list.json" <<'PY'
import json, math, sys
c = json.load(open(sys.argv[1]))[0]["console"]
w, s, e, n = c["bounds"]
lon, lat = (w + e) / 2, (s + n) / 2
z = c["maxzoom"]
x = int((lon + 180) / 360 * 2 ** z)
y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * 2 ** z)
print(z, x, y, 2 ** z - 1 - y)
PY
)
TILE=/api/v1/imagery/%E4%B8%B4%E5%A4%8FDOM/tiles
c=$(hcode GET "$TILE/$Z/$X/$Y" -b "$T/view.jar"); cp "$T/body" "$T/tile"
ct=$(header Content-Type)
[ "$c" = 200 ] && case "$ct" in image/png | image/jpeg) true ;; *) false ;; esac &&
    ok "tile $Z/$X/$Y inside the bounds: 200, $ct" || fail "tile $Z/$X/$Y: $c $ct $(head -c 200 "$T/body")"
magic=$(head -c 4 "$T/tile" | od -An -tx1 | tr -d ' \n')
{ [ "$ct" = image/png ] && [ "$magic" = 89504e47 ]; } || { [ "$ct" = image/jpeg ] && [ "${magic:0:6}" = ffd8ff ]; } &&
    ok "... its Content-Type is the blob's own ($magic)" || fail "Content-Type $ct for magic $magic"
case "$(header Cache-Control)" in private*) ok "... Cache-Control: $(header Cache-Control)" ;; *) fail "Cache-Control: $(header Cache-Control)" ;; esac
header Content-Security-Policy | grep -q "img-src 'self'" && ok "... with the CSP (img-src 'self')" || fail "CSP: $(header Content-Security-Policy)"
gdalinfo "$T/tile" >"$T/ti" 2>&1 && grep -q "Size is 256, 256" "$T/ti" &&
    ok "... and GDAL decodes it as a 256 x 256 image" || fail "tile decode: $(head -3 "$T/ti")"
c=$(hcode GET "$TILE/$Z/$X/$YT" -b "$T/view.jar"); [ "$c" = 404 ] && grep -q '"error"' "$T/body" &&
    ok "the same row counted from the south (TMS) is outside: 404 (rows are XYZ)" || fail "TMS row $YT: $c"
c=$(hcode GET "$TILE/$Z/0/0" -b "$T/view.jar"); [ "$c" = 404 ] && ok "a tile outside the imagery: 404" || fail "outside: $c"
c=$(hcode GET "/api/v1/imagery/nosuch/tiles/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 404 ] && ok "an unknown imagery: 404" || fail "unknown imagery: $c"
c=$(hcode GET "$TILE/$Z/$X/$Y"); [ "$c" = 401 ] && ok "no session: 401" || fail "tile without a session: $c"
c=$(hcode GET "$TILE/$Z/$X/$Y" -b "v=forged"); [ "$c" = 401 ] && ok "a forged session: 401" || fail "forged session: $c"
bad=0
for zxy in a/1/1 1/b/1 1/1/c -1/0/0 25/0/0 3/8/0 3/0/8 1/1/1.png 1/0x1/1 99999999999999999999/0/0 \
    1/0/99999999999 1/+1/1 '1/%20/1' 1/1 1/1/1/1 '' 18/00000000000000000001/1; do
    c=$(hcode GET "$TILE/$zxy" -b "$T/view.jar")
    case "$c" in 400 | 404) ;; *) bad=1; fail "hostile tile $zxy: $c" ;; esac
done
[ $bad = 0 ] && ok "hostile Z/X/Y all refused with 4xx" || true
for zxy in a/1/1 -1/0/0 25/0/0 3/8/0 3/0/8 1/1/1.png 99999999999999999999/0/0; do
    c=$(hcode GET "$TILE/$zxy" -b "$T/view.jar"); [ "$c" = 400 ] || { bad=1; fail "tile $zxy: $c, not 400"; }
done
[ $bad = 0 ] && ok "non-numbers and numbers outside the grid: 400" || true
c=$(hcode GET "$TILE/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 200 ] && ok "the server still serves tiles after them" || fail "after hostile: $c"
c=$(hcode POST "$TILE/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 405 ] && ok "POST to a tile: 405" || fail "POST tile: $c"

# ---- the map pages load imagery.js, a file from this origin -------------------------------------------
c=$(hcode GET "/unit/$UNIT" -b "$T/view.jar")
[ "$c" = 200 ] && grep -q '<script src="/static/imagery.js"></script>' "$T/body" &&
    "$PY" -c 'import sys; b=open(sys.argv[1]).read(); sys.exit(0 if b.index("imagery.js") < b.index("console.js") else 1)' "$T/body" &&
    ok "the unit page loads imagery.js before console.js" || fail "unit page scripts: $c"
c=$(hcode GET / -b "$T/view.jar"); grep -q '/static/imagery.js' "$T/body" && ok "so does the overview" || fail "overview scripts"
c=$(hcode GET /static/imagery.js); [ "$c" = 200 ] && grep -q "QuejieImagery" "$T/body" &&
    ok "GET /static/imagery.js: 200" || fail "imagery.js: $c"

# ---- the upload path makes it too; removing the imagery removes it -----------------------------------
IQ='/api/v1/imagery?name=dom2&assign=%E4%BA%8C%E7%BB%84'
# a number is metres: -1 is no way to ask for the whole image (it sent the county-wide image)
for m in -1 -1.0e0 abc; do
    c=$(hcode POST "$IQ&margin=$m" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" -H 'Content-Type: application/octet-stream' \
        --data-binary @"$T/dom.tif")
    [ "$c" = 400 ] && grep -q "0 to 100000" "$T/body" && ok "?margin=$m refused: 400" || fail "margin $m: $c $(head -c 200 "$T/body")"
done
c=$(hcode POST "$IQ" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" -H 'Content-Type: application/octet-stream' \
    --data-binary @"$T/dom.tif")
[ "$c" = 200 ] && [ -f "$O.imagery/web/dom2.gpkg" ] && ok "an upload (POST /api/v1/imagery) makes the console's pyramid" || fail "upload: $c $(head -c 200 "$T/body")"
# the listing names no server path for an upload (it showed the spool file's)
c=$(hcode GET /api/v1/imagery -b "$T/view.jar")
[ "$c" = 200 ] && pyexpr "$T/body" '[x["source"] for x in d if x["name"]=="dom2"]==["uploaded in the console"]' &&
    ok "... listed as uploaded in the console, no server path" || fail "imagery source: $c $(head -c 400 "$T/body")"
c=$(hcode GET "/api/v1/imagery/dom2/tiles/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 200 ] && ok "... whose tiles are served at once" || fail "dom2 tile: $c"
# GDAL writes no tile where the raster is empty (nodata corners of a reprojected orthophoto): a
# tile missing inside the imagery is "nothing to draw" (204, no browser error), not a 404
"$PY" -c 'import sqlite3, sys; db = sqlite3.connect(sys.argv[1]); db.execute("DELETE FROM imagery WHERE zoom_level = ? AND tile_column = ? AND tile_row = ?", sys.argv[2:5]); db.commit(); sys.exit(0 if db.total_changes == 1 else 1)' \
    "$O.imagery/web/dom2.gpkg" "$Z" "$X" "$Y" || fail "deleting a tile of dom2's pyramid"
c=$(hcode GET "/api/v1/imagery/dom2/tiles/$Z/$X/$Y" -b "$T/view.jar")
[ "$c" = 204 ] && [ ! -s "$T/body" ] && ! grep -qi '^content-type' "$T/hdr" &&
    ok "a tile inside the imagery that GDAL left empty: 204, no body" || fail "empty tile inside: $c $(head -c 200 "$T/body")"
c=$(hcode GET "/api/v1/imagery/dom2/tiles/$Z/$X/$YT" -b "$T/view.jar"); [ "$c" = 404 ] && ok "... outside it still 404" || fail "dom2 outside: $c"
c=$(hcode POST /api/v1/imagery/dom2/remove -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF")
[ "$c" = 200 ] && [ ! -e "$O.imagery/web/dom2.gpkg" ] && ok "POST .../remove removes the console's pyramid" || fail "remove: $c"
c=$(hcode GET "/api/v1/imagery/dom2/tiles/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 404 ] && ok "... and its tiles are gone: 404" || fail "removed tile: $c"

# ---- an upload tiled in the background (?async=1): 202 and a job to ask after --------------------------
# wait_job URL: poll the job until it has ended (60 s at most); its last answer is in $T/job
wait_job() {
    for _ in $(seq 600); do
        c=$(hcode GET "$1" -b "$T/adm.jar"); cp "$T/body" "$T/job"
        [ "$c" = 200 ] && "$PY" -c 'import json,sys; sys.exit(0 if json.load(open(sys.argv[1]))["state"] in ("done","failed") else 1)' "$T/job" && return 0
        sleep 0.1
    done
    return 1
}
c=$(hcode POST "/api/v1/imagery?name=dom3&assign=%E4%BA%8C%E7%BB%84&async=1" -b "$T/adm.jar" \
    -H "X-CSRF-Token: $ADM_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/dom.tif")
JOB=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["url"] if d["state"]=="queued" and d["url"]=="/api/v1/imagery/jobs/%d" % d["job"] else "")' "$T/body" 2>/dev/null)
[ "$c" = 202 ] && [ -n "$JOB" ] && ok "?async=1: 202 at once with the job's number and URL" || fail "async upload: $c $(head -c 300 "$T/body")"
wait_job "$JOB" && pyexpr "$T/job" 'd["state"]=="done" and d["kind"]=="imagery.add" and d["what"]=="dom3" and d["by"]=="adm" and d["result"]["name"]=="dom3" and d["result"]["tiles"]>0 and d["result"]["levels"]>0' &&
    ok "the job ends done, with what the synchronous answer says (tiles, levels)" || fail "async job: $(head -c 400 "$T/job")"
c=$(hcode GET "/api/v1/imagery/dom3/tiles/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 200 ] && ok "... and its tiles are served" || fail "dom3 tile: $c"
ls "$O".imagery-job-* "$O".upload-* >/dev/null 2>&1 && fail "an upload's file was left beside the database: $(ls "$O".imagery-job-* "$O".upload-* 2>&1)" || ok "the job's copy of the upload is gone"
grep -q "imagery.add: dom3 for 二组" "$T/office.log" && "$OFF" audit "$O" 2>/dev/null | grep -q "imagery.add.*dom3" &&
    ok "logged and audited like a synchronous upload" || fail "async audit/log: $(grep dom3 "$T/office.log" | tail -2)"
printf 'not a raster\n' >"$T/bad.tif"
c=$(hcode POST "/api/v1/imagery?name=bad&assign=x&async=1" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/bad.tif")
BADJOB=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/body" 2>/dev/null)
[ "$c" = 202 ] && wait_job "$BADJOB" && pyexpr "$T/job" 'd["state"]=="failed" and d["status"]==400 and len(d["error"])>10 and "result" not in d' &&
    ok "a file that is no raster: the job fails with 400 and the reason ($(head -c 120 "$T/job"))" || fail "bad async: $c $(head -c 300 "$T/job")"
c=$(hcode GET /api/v1/imagery -b "$T/view.jar"); pyexpr "$T/body" 'sorted(i["name"] for i in d)==["dom3","临夏DOM"]' && ok "... and nothing of it is listed" || fail "listing after the failed job: $(head -c 300 "$T/body")"
c=$(hcode GET /api/v1/imagery/jobs -b "$T/adm.jar")
[ "$c" = 200 ] && pyexpr "$T/body" '[j["what"] for j in d]==["bad","dom3"] and [j["state"] for j in d]==["failed","done"]' &&
    ok "GET /api/v1/imagery/jobs: both, newest first" || fail "jobs list: $c $(head -c 300 "$T/body")"
# two uploads of one name back to back: the jobs run in order, so the later one ends in place
gdal_translate -q -outsize 50% 50% "$T/dom.tif" "$T/dom-half.tif" || fail "gdal_translate dom-half.tif"
for f in dom-half dom; do
    hcode POST "/api/v1/imagery?name=dom3&assign=x&async=1" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" \
        -H 'Content-Type: application/octet-stream' --data-binary @"$T/$f.tif" >/dev/null
    "$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/body" >"$T/job-$f" 2>/dev/null
done
wait_job "$(cat "$T/job-dom-half")" && cp "$T/job" "$T/job-half.json" && wait_job "$(cat "$T/job-dom")" &&
    hcode GET /api/v1/imagery -b "$T/view.jar" >/dev/null &&
    "$PY" -c 'import json,sys; later=json.load(open(sys.argv[1]))["result"]["version"]; first=json.load(open(sys.argv[2]))["result"]["version"]; l=[i["version"] for i in json.load(open(sys.argv[3])) if i["name"]=="dom3"]; sys.exit(0 if l==[later] and later!=first else 1)' "$T/job" "$T/job-half.json" "$T/body" &&
    ok "two uploads of one name: the jobs run in order and the later one is in place" || fail "job order: $(head -c 300 "$T/body")"
c=$(hcode GET "$JOB" -b "$T/view.jar"); [ "$c" = 403 ] && ok "a viewer may not read a job: 403" || fail "viewer job: $c"
c=$(hcode GET /api/v1/imagery/jobs/999 -b "$T/adm.jar"); [ "$c" = 404 ] && ok "an unknown job: 404" || fail "unknown job: $c"
c=$(hcode GET /api/v1/imagery/jobs/1x -b "$T/adm.jar"); [ "$c" = 400 ] && ok "a job that is no number: 400" || fail "job 1x: $c"
c=$(hcode POST "/api/v1/imagery?name=dom4&assign=x&async=yes" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/dom.tif")
[ "$c" = 400 ] && ok "?async= other than 0 or 1: 400" || fail "async=yes: $c"
# a name that is no UTF-8 could never be listed (JSON): refused before any tiling, either way
for a in 0 1; do
    c=$(hcode POST "/api/v1/imagery?name=bad%FFname&assign=x&async=$a" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" \
        -H 'Content-Type: application/octet-stream' --data-binary @"$T/dom.tif")
    [ "$c" = 400 ] && grep -q "UTF-8" "$T/body" || fail "a name that is no UTF-8 (async=$a): $c $(head -c 200 "$T/body")"
done
c=$(hcode GET /api/v1/imagery -b "$T/view.jar"); [ "$c" = 200 ] && pyexpr "$T/body" '"dom3" in [i["name"] for i in d]' &&
    ok "a name that is no UTF-8: 400 with the reason, nothing tiled, the listing intact" || fail "listing after a bad name: $c"
c=$(hcode POST /api/v1/imagery/dom3/remove -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF"); [ "$c" = 200 ] || fail "remove dom3: $c"

# ---- a full queue refuses a background upload on its headers, before storing its body ---------------
# a slow job first (a 4000 x 4000 px raster of noise: seconds of GDAL), three quick ones behind it
"$PY" - "$T/big.tif" "$T/dom.tif" <<'PY' || fail "making big.tif"
import sys
import numpy
from osgeo import gdal
src = gdal.Open(sys.argv[2])
x0, px, _, y0, _, py = src.GetGeoTransform()
d = gdal.GetDriverByName("GTiff").Create(sys.argv[1], 4000, 4000, 1, gdal.GDT_Byte)
d.SetGeoTransform((x0, px / 4, 0, y0, 0, py / 4))
d.SetProjection(src.GetProjection())
d.GetRasterBand(1).WriteArray(numpy.random.default_rng(5).integers(0, 256, (4000, 4000), dtype=numpy.uint8))
d = None
PY
post_async() {  # FILE NAME [curl args]: the answer's status, its body in $T/q.body, the bytes sent in $SENT
    local f=$1 n=$2; shift 2
    curl -s -o "$T/q.body" -w '%{http_code} %{size_upload}' --max-time 120 --cacert "$T/cert.pem" -b "$T/adm.jar" \
        -H "X-CSRF-Token: $ADM_CSRF" -H 'Content-Type: application/octet-stream' "$@" \
        --data-binary @"$f" "$URL/api/v1/imagery?name=$n&assign=x&async=1" >"$T/q.w"
    SENT=$(cut -d' ' -f2 "$T/q.w")
    cut -d' ' -f1 "$T/q.w"
}
c1=$(post_async "$T/big.tif" big); BIGJOB=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/q.body" 2>/dev/null)
c2=$(post_async "$T/dom.tif" q2); c3=$(post_async "$T/dom.tif" q3); c4=$(post_async "$T/dom.tif" q4)
LASTJOB=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$T/q.body" 2>/dev/null)
post_async "$T/dom.tif" q5 -H 'Expect: 100-continue' >"$T/c5"; c5=$(cat "$T/c5"); SENT5=$SENT; cp "$T/q.body" "$T/q5.body"
c6=$(post_async "$T/dom.tif" q6)
c=$(hcode GET "$BIGJOB" -b "$T/adm.jar")
if [ "$c" = 200 ] && pyexpr "$T/body" 'd["state"] == "running"'; then
    # the slow job ran all along: the queue was full for the fifth and sixth
    [ "$c1$c2$c3$c4" = 202202202202 ] && [ "$c5" = 503 ] && [ "$SENT5" = 0 ] && [ "$c6" = 503 ] && grep -q "try again" "$T/q5.body" &&
        ! ls "$O".upload-* >/dev/null 2>&1 &&
        ok "four background uploads queue; a fifth is refused with 503 (on its headers when it waits for 100 Continue), nothing stored" ||
        fail "full queue: $c1 $c2 $c3 $c4 / $c5 (sent $SENT5 B) $c6 $(head -c 200 "$T/q5.body")"
else
    ok "(the slow job ended before the queue filled: the full-queue check is skipped on this machine)"
fi
wait_job "$LASTJOB" && pyexpr "$T/job" 'd["state"] == "done"' && ok "... and the queued ones are tiled in their turn" || fail "queued after big: $(head -c 300 "$T/job")"
for n in big q2 q3 q4; do "$OFF" imagery remove "$O" --name $n >/dev/null 2>&1 || fail "remove $n"; done

# ---- a real browser: the unit page's map shows the imagery ------------------------------------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && "$PY" -c 'import selenium' 2>/dev/null; then
    mkdir -p "$QJ_BUILD/test-artifacts/console-imagery"
    "$PY" "$QJ_SOURCE/tests/integration/console_imagery_browser.py" "$URL" \
        "$QJ_BUILD/test-artifacts/console-imagery" view 'View-pass-2026!' "$UNIT" \
        adm 'Admin-pass-2026!' "$T/dom.tif" "$T/bad.tif" >"$T/sel" 2>&1
    cat "$T/sel"
    PASSES=$((PASSES + $(grep -c '^ok' "$T/sel")))
    FAILS=$((FAILS + $(grep -c '^FAIL' "$T/sel")))
    grep -q '^ok\|^FAIL' "$T/sel" || fail "the browser check printed nothing: $(tail -3 "$T/sel")"
    "$OFF" imagery remove "$O" --name dom6 >/dev/null 2>&1 || fail "the browser's upload dom6 is not there to remove"
else
    ok "(no chromium/selenium here: the browser check is skipped)"
fi

expect "imagery remove (CLI)" "$OFF" imagery remove "$O" --name 临夏DOM
[ ! -e "$W" ] && ok "imagery remove removes the console's pyramid" || fail "$W is still there"
c=$(hcode GET "$TILE/$Z/$X/$Y" -b "$T/view.jar"); [ "$c" = 404 ] && ok "... and the server answers 404 for its tiles" || fail "after remove: $c"
c=$(hcode GET /api/v1/imagery -b "$T/view.jar"); [ "$c" = 200 ] && pyexpr "$T/body" 'd==[]' && ok "the listing is empty" || fail "listing after remove: $(head -c 200 "$T/body")"

# ---- a stop lets a background tiling finish: the upload is not lost with it ---------------------------
c=$(hcode POST "/api/v1/imagery?name=dom5&assign=x&async=1" -b "$T/adm.jar" -H "X-CSRF-Token: $ADM_CSRF" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/dom.tif")
OPID=${PIDS[-1]}
kill -TERM "$OPID"
for _ in $(seq 600); do kill -0 "$OPID" 2>/dev/null || break; sleep 0.1; done
! kill -0 "$OPID" 2>/dev/null && [ "$c" = 202 ] && "$OFF" imagery list "$O" --json 2>/dev/null | "$PY" -c 'import json,sys; sys.exit(0 if [i["name"] for i in json.load(sys.stdin)]==["dom5"] else 1)' &&
    grep -q "office stopped" "$T/office.log" && ! ls "$O".imagery-job-* >/dev/null 2>&1 &&
    ok "SIGTERM right after an ?async=1 upload: the office stops once it is tiled, and it is listed" || fail "stop during a job: $c $(tail -3 "$T/office.log")"
finish
