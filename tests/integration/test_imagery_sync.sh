#!/bin/bash
# The county's imagery from the office to the tablets: an orthophoto made here with GDAL is tiled
# by `quejie-office imagery add` (GDAL) into a GeoPackage pyramid in the county's CRS (kept,
# reprojected into the Gauss-Krueger zone, or as asked), fetched by `quejie sync` over TLS in
# content-addressed packs of tiles into basemaps/ beside the journal with the office's tiles and
# GDAL's pixels; a second sync fetches nothing; a new version fetches only the packs that
# changed; a cut download resumes; a tampered file at the office is never served; a crew gets
# only imagery assigned to it, and loses what is taken back.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFFICE=$QUEJIE_OFFICE
O=$T/office.db
for c in gdal_create gdalinfo gdalwarp openssl; do
    command -v $c >/dev/null || { fail "$c is not installed"; finish; exit 1; }
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
OPORT=$(free_port)
URL=https://127.0.0.1:$OPORT
expect "office init" "$OFFICE" init "$O" --name 临夏州自然资源局
"$OFFICE" serve "$O" --listen 127.0.0.1:$OPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    >>"$T/office.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$OPORT) 2>/dev/null && break; sleep 0.05; done

# ---- the office tiles the county's orthophoto ------------------------------------------------
# 2400 x 1600 px of noise-like texture (poorly compressible, so the pyramid spans several chunks)
# (python writes an ESRI ASCII grid; GDAL makes the GeoTIFF). CORNER: the bottom-right 100 x 100
# pixels white, for a second version.
dom() {
    "$PY" - "$T/$1.asc" "$2" <<'PY'
import random, sys
random.seed(7)
w, h = 2400, 1600
with open(sys.argv[1], "w") as f:
    f.write("ncols %d\nnrows %d\nxllcorner 103.20\nyllcorner 35.53\ncellsize 0.000025\n" % (w, h))
    for r in range(h):
        row = [(c * 7 + r * 13 + random.randrange(60)) % 256 for c in range(w)]
        if sys.argv[2] == "corner" and r >= h - 100:
            row[-100:] = [255] * 100
        f.write(" ".join(map(str, row)) + "\n")
PY
    gdal_translate -q -ot Byte -a_srs EPSG:4490 "$T/$1.asc" "$T/$1.tif"
}
dom dom plain &&
    ok "a GeoTIFF orthophoto in EPSG:4490 made with GDAL" || fail "gdal_translate dom.tif"
refuse "imagery add without --assign" "$OFFICE" imagery add "$O" "$T/dom.tif" --name dom
refuse "an imagery name with a slash" "$OFFICE" imagery add "$O" "$T/dom.tif" --name ../dom --assign 一组
refuse "a file that is not a raster" "$OFFICE" imagery add "$O" "$FIX/tasks/linxia-units-4490.geojson" --name x --assign 一组
grep -q "not" "$T/err" && ok "... and says why: $(tail -1 "$T/err" | cut -c1-100)" || fail "no reason given"
gdal_create -q -of GTiff -outsize 10 10 -bands 1 "$T/nogeo.tif" 2>/dev/null
refuse "a raster without georeference" "$OFFICE" imagery add "$O" "$T/nogeo.tif" --name x --assign 一组
grep -q "georeferenced" "$T/err" && ok "... named as not georeferenced" || fail "$(tail -1 "$T/err")"
# --whole: these checks follow the whole pyramid (what a margin sends is checked further down)
expect "imagery add DOM (EPSG:4490 kept)" "$OFFICE" imagery add "$O" "$T/dom.tif" --name 临夏DOM --assign 一组 --whole
grep -q "each device gets all of it" "$T/out" && ok "... says each device gets all of it" || fail "$(cat "$T/out")"
G=$O.imagery/临夏DOM.gpkg
gdalinfo "$G" >"$T/gi" 2>&1 && grep -q "GPKG" "$T/gi" && grep -q 'ID\["EPSG",4490\]' "$T/gi" &&
    ok "the pyramid is a GeoPackage in EPSG:4490 that GDAL reads" || fail "gdalinfo: $(head -3 "$T/gi")"
grep -q "Overviews:" "$T/gi" && ok "with overview levels" || fail "no overviews"
"$PY" - "$G" <<'PY' && ok "a tile matrix per level, tiles at every level" || fail "tile matrices"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
levels = [r[0] for r in db.execute("SELECT zoom_level FROM gpkg_tile_matrix ORDER BY 1")]
have = {r[0] for r in db.execute("SELECT DISTINCT zoom_level FROM imagery")}
assert len(levels) >= 4 and set(levels) == have, (levels, have)
PY
gdalwarp -q -t_srs EPSG:32648 "$T/dom.tif" "$T/utm.tif"
expect "imagery add of a UTM raster" "$OFFICE" imagery add "$O" "$T/utm.tif" --name utm --assign 二组 --whole
grep -q "EPSG:4522 (reprojected)" "$T/out" && ok "reprojected into the county's GK zone 34 (EPSG:4522)" || fail "$(cat "$T/out")"
expect "imagery list --json" "$OFFICE" imagery list "$O" --json
pyexpr "$T/out" 'len(d)==2 and {x["name"] for x in d}=={"临夏DOM","utm"} and all(x["packs"]>=1 and x["tiles"]>=1 and len(x["version"])==64 for x in d)' &&
    ok "both listed with their versions, tiles and packs" || fail "imagery list: $(head -c 300 "$T/out")"
NP=$("$PY" -c 'import json,sys; print([x for x in json.load(open(sys.argv[1])) if x["name"]=="临夏DOM"][0]["packs"])' "$T/out")
[ "$NP" -ge 4 ] && ok "the DOM travels as $NP packs" || fail "only $NP packs: the test needs several"

# ---- a tablet of crew 一组 fetches it ------------------------------------------------------------
TOK=$("$OFFICE" device add "$O" --name crew1 --crew 一组 2>/dev/null | tail -1)
J=$T/tab/crew1.db
mkdir -p "$T/tab"
"$QUEJIE" init "$J" --device-name crew1 --crew 一组 >/dev/null
expect "enroll" "$QUEJIE" enroll "$J" --office "$URL" --token "$TOK" --ca "$T/cert.pem"
expect "sync fetches the imagery" "$QUEJIE" sync "$J" --json
pyexpr "$T/out" 'd["ok"] and d["imagery"]["files"]==1 and d["imagery"]["fetched_bytes"]>0 and d["imagery"]["error"] is None' &&
    ok "one basemap fetched" || fail "sync report: $(cat "$T/out")"
B=$T/tab/basemaps/临夏DOM.gpkg
# the same tiles, byte for byte, and the same tile matrices; GDAL reads it as the office's
same_tiles() {
    "$PY" - "$1" "$2" <<'PY'
import sqlite3, sys
a, b = (sqlite3.connect(f) for f in sys.argv[1:3])
q = "SELECT zoom_level, tile_column, tile_row, tile_data FROM imagery ORDER BY 1, 2, 3"
m = "SELECT * FROM gpkg_tile_matrix ORDER BY zoom_level"
assert list(a.execute(q)) == list(b.execute(q)), "tiles differ"
assert list(a.execute(m)) == list(b.execute(m)), "tile matrices differ"
assert not list(b.execute("SELECT name FROM sqlite_master WHERE name LIKE 'quejie%'")), "bookkeeping left"
PY
}
same_tiles "$G" "$B" && ok "basemaps/临夏DOM.gpkg holds the office's tiles and tile matrices, nothing else" || fail "the fetched basemap differs"
gdalinfo -checksum "$G" | grep Checksum >"$T/c1"; gdalinfo -checksum "$B" | grep Checksum >"$T/c2"
[ -s "$T/c1" ] && cmp -s "$T/c1" "$T/c2" && ok "GDAL reads the same pixels from both (checksums)" || fail "GDAL checksums differ"
[ ! -e "$T/tab/basemaps/utm.gpkg" ] && ok "crew 二组's imagery did not come to crew 一组" || fail "another crew's imagery arrived"
ls -a "$T/tab/basemaps" | grep -q part && fail "a partial file was left" || ok "no partial file left"
expect "a second sync" "$QUEJIE" sync "$J" --json
pyexpr "$T/out" 'd["imagery"]["files"]==0 and d["imagery"]["fetched_bytes"]==0' &&
    ok "fetches nothing: the tablet holds it" || fail "second sync: $(cat "$T/out")"

# ---- a new version: only changed chunks travel -------------------------------------------------
SIZE=$(stat -c %s "$G")
dom dom2 corner
expect "the office adds a new version (a corner changed)" "$OFFICE" imagery add "$O" "$T/dom2.tif" --name 临夏DOM --assign 一组 --whole
expect "sync after the new version" "$QUEJIE" sync "$J" --json
cp "$T/out" "$T/s3.json"
pyexpr "$T/s3.json" 'd["imagery"]["files"]==1' && same_tiles "$G" "$B" && ok "the tablet has the new version's tiles" || fail "new version: $(cat "$T/s3.json")"
pyexpr "$T/s3.json" 'd["imagery"]["reused_bytes"] > d["imagery"]["fetched_bytes"] > 0' &&
    ok "only the packs with changed tiles fetched ($("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1]))["imagery"]; print(d["fetched_bytes"], "fetched,", d["reused_bytes"], "copied from the old version")' "$T/s3.json"))" ||
    fail "dedup: $(cat "$T/s3.json")"

# ---- a tampered file at the office is never served ---------------------------------------------
cp "$G" "$T/good.gpkg"
# a tile of the last pack (the finest level's last block) changed on disk: the packs before it
# arrive, the download is cut there
"$PY" - "$G" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
z = db.execute("SELECT max(zoom_level) FROM imagery").fetchone()[0]
r = db.execute("SELECT id FROM imagery WHERE zoom_level = ? ORDER BY tile_row / 8 DESC, tile_column / 8 DESC LIMIT 1", (z,)).fetchone()[0]
db.execute("UPDATE imagery SET tile_data = tile_data || x'00' WHERE id = ?", (r,))
db.commit()
PY
rm -rf "$T/tab2"; mkdir -p "$T/tab2"
TOK2=$("$OFFICE" device add "$O" --name crew1b --crew 一组 2>/dev/null | tail -1)
J2=$T/tab2/crew1b.db
"$QUEJIE" init "$J2" --device-name crew1b --crew 一组 >/dev/null
"$QUEJIE" enroll "$J2" --office "$URL" --token "$TOK2" --ca "$T/cert.pem" >/dev/null 2>&1
"$QUEJIE" point add "$J2" --unit 622901ZR000002 --lon 103.23 --lat 35.55 >/dev/null 2>&1
"$QUEJIE" sync "$J2" --json >"$T/out" 2>"$T/err"
rc=$?
[ $rc = 0 ] && pyexpr "$T/out" 'd["ok"] and d["acked_seq"]==d["last_seq"] and d["imagery"]["error"] is not None' &&
    ok "the survey data synced; the imagery failure is reported apart" || fail "rc $rc: $(cat "$T/out")"
grep -q "no longer match the manifest" "$T/office.log" && ok "the office refused to serve the changed pack" || fail "office log: $(tail -2 "$T/office.log")"
[ ! -e "$T/tab2/basemaps/临夏DOM.gpkg" ] && ok "no corrupt basemap installed" || fail "a basemap was installed from a tampered file"
cp "$T/good.gpkg" "$G"
expect "after the office's file is whole again, the sync" "$QUEJIE" sync "$J2" --json
same_tiles "$G" "$T/tab2/basemaps/临夏DOM.gpkg" && ok "the tablet completes the download (resumed)" || fail "resume: $(cat "$T/out")"
pyexpr "$T/out" 'd["imagery"]["fetched_bytes"] < '"$SIZE"' / 2' && ok "fetching only what the cut download lacked ($("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["imagery"]["fetched_bytes"])' "$T/out") bytes)" || fail "resume fetched everything: $(cat "$T/out")"

# ---- taken back from the crew ------------------------------------------------------------------
cp "$T/tab/basemaps/临夏DOM.gpkg" "$T/tab/basemaps/own.gpkg"
expect "imagery remove" "$OFFICE" imagery remove "$O" --name 临夏DOM
expect "sync after the office took it back" "$QUEJIE" sync "$J" --quiet
[ ! -e "$B" ] && ok "the basemap is removed from the tablet" || fail "the withdrawn basemap stayed"
[ -e "$T/tab/basemaps/own.gpkg" ] && ok "a basemap the crew copied by hand is kept" || fail "the crew's own file was removed"
refuse "imagery remove of an unknown name" "$OFFICE" imagery remove "$O" --name nothing

# ---- --no-imagery ------------------------------------------------------------------------------
expect "imagery add again" "$OFFICE" imagery add "$O" "$T/dom.tif" --name 临夏DOM --assign '*' --whole
expect "sync --no-imagery" "$QUEJIE" sync "$J" --no-imagery --json
pyexpr "$T/out" 'd["imagery"]["files"]==0' && [ ! -e "$B" ] && ok "--no-imagery fetches none" || fail "--no-imagery: $(cat "$T/out")"

# ---- a county-wide orthophoto: each tablet gets only what lies around its crew's units --------------
# 8192 x 4096 px at 1e-5 degrees (about 0.9 x 1.1 m) from 103.30 E 35.60 N: 8 x 4 blocks at the
# finest level. Crew 三组's unit is a 100 m square near the south-west corner; with a 200 m margin
# its tablet gets the blocks around it at each level and none of the far ones.
gdal_create -q -of GTiff -outsize 8192 4096 -bands 1 -burn 90 -a_srs EPSG:4490 \
    -a_ullr 103.30 35.64096 103.38192 35.60 "$T/county.tif" && ok "a county-wide GeoTIFF made with GDAL" || fail "gdal_create county.tif"
unit_json() { # CODE WEST SOUTH: a 0.001-degree square
    "$PY" - "$1" "$2" "$3" <<'PY'
import json, sys
c, w, s = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ring = [[w, s], [w + 0.001, s], [w + 0.001, s + 0.001], [w, s + 0.001], [w, s]]
print(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
    "properties": {"code": c, "name": "单元 " + c, "type": "森林"},
    "geometry": {"type": "Polygon", "coordinates": [ring]}}]}, ensure_ascii=False))
PY
}
unit_json 622901SL900001 103.302 35.602 >"$T/u1.geojson"
expect "tasks for crew 三组 (one unit, south-west)" "$OFFICE" tasks import "$O" "$T/u1.geojson" --assign 三组
refuse "a negative margin" "$OFFICE" imagery add "$O" "$T/county.tif" --name 县DOM --assign 三组 --margin -5
refuse "--margin with --whole" "$OFFICE" imagery add "$O" "$T/county.tif" --name 县DOM --assign 三组 --margin 5 --whole
expect "imagery add county DOM with a 200 m margin" "$OFFICE" imagery add "$O" "$T/county.tif" --name 县DOM --assign 三组 --margin 200
grep -q "within 200 m of its units" "$T/out" && ok "... says each device gets what lies within 200 m of its units" || fail "$(cat "$T/out")"
expect "imagery list --json" "$OFFICE" imagery list "$O" --json
pyexpr "$T/out" '[x for x in d if x["name"]=="县DOM"][0]["margin_m"]==200 and [x for x in d if x["name"]=="临夏DOM"][0]["margin_m"] is None' &&
    ok "listed with margin_m 200 (null for the whole)" || fail "imagery list: $(head -c 400 "$T/out")"
TOK3=$("$OFFICE" device add "$O" --name crew3 --crew 三组 2>/dev/null | tail -1)
J3=$T/tab3/crew3.db
mkdir -p "$T/tab3"
"$QUEJIE" init "$J3" --device-name crew3 --crew 三组 >/dev/null
expect "enroll crew3" "$QUEJIE" enroll "$J3" --office "$URL" --token "$TOK3" --ca "$T/cert.pem"
expect "crew3 syncs" "$QUEJIE" sync "$J3" --json
cp "$T/out" "$T/c1.json"
CB=$T/tab3/basemaps/县DOM.gpkg
CG=$O.imagery/县DOM.gpkg
# tiles of the tablet's copy: every one the office's, every one near the unit, the far ones absent
near() { # TABLET OFFICE W,S,E,N... (each unit's extent): tiles within 200 m of one, by block
    "$PY" - "$@" <<'PY'
import sqlite3, sys
tab, off = (sqlite3.connect(f) for f in sys.argv[1:3])
boxes = [tuple(map(float, a.split(","))) for a in sys.argv[3:]]
mx, my = 200 / 90000.0, 200 / 111000.0   # 200 m in degrees here, generously
x0, y1 = off.execute("SELECT min_x, max_y FROM gpkg_tile_matrix_set").fetchone()
m = {z: (tw * px, th * py) for z, tw, th, px, py in off.execute(
    "SELECT zoom_level, tile_width, tile_height, pixel_x_size, pixel_y_size FROM gpkg_tile_matrix")}
q = "SELECT zoom_level, tile_column, tile_row, tile_data FROM imagery"
have = {(z, c, r): d for z, c, r, d in tab.execute(q)}
alls = {(z, c, r): d for z, c, r, d in off.execute(q)}
assert have, "the tablet has no tiles"
for k, d in have.items():
    assert alls.get(k) == d, ("a tile differs from the office's", k)
def block(z, c, r):   # the extent of the 8 x 8 block holding tile (c, r)
    bw, bh = m[z][0] * 8, m[z][1] * 8
    bx, by = x0 + (c // 8) * bw, y1 - (r // 8) * bh
    return bx, by - bh, bx + bw, by
def hits(b):
    return any(b[0] <= e + mx and b[2] >= w - mx and b[1] <= n + my and b[3] >= s - my
               for w, s, e, n in boxes)
for k in have:
    assert hits(block(*k)), ("a tile away from the units", k, block(*k))
missing = [k for k in alls if hits(block(*k)) and k not in have]
assert not missing, ("tiles near the units missing", missing[:5])
zmax = max(m)
far = [k for k in alls if k[0] == zmax and k not in have]
assert far, "every finest tile came: nothing was left out"
print(len(have), "of", len(alls), "tiles")
PY
}
near "$CB" "$CG" 103.302,35.602,103.303,35.603 >"$T/near" 2>&1 &&
    ok "the tablet holds the tiles around its unit and none far from it ($(cat "$T/near"))" || fail "margin: $(cat "$T/near")"
F1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["imagery"]["fetched_bytes"])' "$T/c1.json")
# a second unit in the north-east corner: the next sync fetches what lies around it too
unit_json 622901SL900002 103.379 35.638 >"$T/u2.geojson"
expect "a second unit for crew 三组 (north-east)" "$OFFICE" tasks import "$O" "$T/u2.geojson" --assign 三组
expect "crew3 syncs again" "$QUEJIE" sync "$J3" --json
cp "$T/out" "$T/c2.json"
near "$CB" "$CG" 103.302,35.602,103.303,35.603 103.379,35.638,103.380,35.639 >"$T/near" 2>&1 &&
    ok "... and now the tiles around both units ($(cat "$T/near"))" || fail "second unit: $(cat "$T/near")"
pyexpr "$T/c2.json" 'd["imagery"]["files"]==1 and d["imagery"]["reused_bytes"]>0' &&
    ok "the packs it held were copied, not fetched again" || fail "second sync: $(cat "$T/c2.json")"
# a device of another crew assigned the same imagery but with no units: the empty pyramid only
expect "the imagery for every device ('*')" "$OFFICE" imagery add "$O" "$T/county.tif" --name 县DOM --assign '*' --margin 200
TOK4=$("$OFFICE" device add "$O" --name crew4 --crew 四组 2>/dev/null | tail -1)
J4=$T/tab4/crew4.db
mkdir -p "$T/tab4"
"$QUEJIE" init "$J4" --device-name crew4 --crew 四组 >/dev/null
expect "enroll crew4" "$QUEJIE" enroll "$J4" --office "$URL" --token "$TOK4" --ca "$T/cert.pem"
expect "crew4 (no units) syncs" "$QUEJIE" sync "$J4" --json
"$PY" - "$T/tab4/basemaps/县DOM.gpkg" <<'PY' && ok "a device with no units gets the pyramid without tiles" || fail "crew4 got tiles"
import sqlite3, sys
assert sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM imagery").fetchone()[0] == 0
PY
finish
