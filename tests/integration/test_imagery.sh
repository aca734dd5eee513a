#!/bin/bash
# Imagery under the map (docs/imagery.md), end to end: a GeoTIFF made here with GDAL (green land
# with a magenta square at known CGCS2000 coordinates) turned by GDAL's own tools into
# GeoPackage tiles in EPSG:4490 (with a pyramid), in EPSG:4522 (the unit's Gauss-Krueger zone),
# in EPSG:4523 (the next zone: tiles bend into the map's plane) and into MBTiles (EPSG:3857).
# The real quejie-app under Xvfb opens each with --basemap, a script asks where the square's
# corners are (`locate`) and takes a screenshot: the magenta pixels must lie within 2 px of the
# located corners. Bad files are named on stderr and the app goes on without them.
source "$(dirname "$0")/lib.sh"
APP=${QUEJIE_APP:-$QJ_BUILD/quejie-app}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # see test_app.sh
ART=$QJ_BUILD/test-artifacts/imagery
mkdir -p "$ART"
command -v Xvfb >/dev/null || { fail "Xvfb is not installed"; finish; exit 1; }
command -v gdal_translate >/dev/null || { fail "gdal-bin is not installed"; finish; exit 1; }
start_xvfb 1920x1200 || { fail "Xvfb did not start"; finish; exit 1; }

J=$T/j.db U=622901ZR000002
"$QUEJIE" init "$J" --device-name imagery-test >/dev/null
"$QUEJIE" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null

# The square: inside the unit's outer ring, clear of its drawn boundary. Raster pixels are
# 0.00005 degrees, so its edges fall on pixel edges.
W=103.2460 E=103.2530 S=35.5530 N=35.5600
cat >"$T/sq.geojson" <<G
{"type":"FeatureCollection","features":[{"type":"Feature","properties":{},"geometry":{"type":"Polygon",
"coordinates":[[[$W,$S],[$E,$S],[$E,$N],[$W,$N],[$W,$S]]]}}]}
G
gdal_create -q -of GTiff -outsize 1800 1400 -bands 3 -ot Byte -burn 40 -burn 150 -burn 40 \
    -a_srs EPSG:4490 -a_ullr 103.20 35.59 103.29 35.52 "$T/dom.tif" &&
    gdal_rasterize -q -b 1 -b 2 -b 3 -burn 255 -burn 0 -burn 255 "$T/sq.geojson" "$T/dom.tif" &&
    ok "GeoTIFF with a magenta square made (gdal_create, gdal_rasterize)" || fail "gdal_create/gdal_rasterize"
gdal_translate -q -of GPKG -co TILE_FORMAT=PNG "$T/dom.tif" "$T/dom4490.gpkg" &&
    gdaladdo -q -r nearest "$T/dom4490.gpkg" 2 4 8 &&
    ok "GeoPackage tiles in EPSG:4490 with 4 levels (gdal_translate, gdaladdo)" || fail "GPKG 4490"
for z in 4522 4523; do
    gdalwarp -q -r near -t_srs EPSG:$z "$T/dom.tif" "$T/dom$z.tif" &&
        gdal_translate -q -of GPKG -co TILE_FORMAT=PNG "$T/dom$z.tif" "$T/dom$z.gpkg" &&
        ok "GeoPackage tiles in EPSG:$z (gdalwarp, gdal_translate)" || fail "GPKG $z"
done
gdalwarp -q -r near -t_srs EPSG:3857 "$T/dom.tif" "$T/dom3857.tif" &&
    gdal_translate -q -of MBTILES "$T/dom3857.tif" "$T/dom.mbtiles" &&
    gdaladdo -q -r nearest "$T/dom.mbtiles" 2 4 &&
    ok "MBTiles (gdalwarp to EPSG:3857, gdal_translate, gdaladdo)" || fail "MBTiles"

# check PNG X0 Y0 X1 Y1: the bounding box of the magenta pixels is the box of the located corners
# to 2 px (a pixel counted at its centre), and the square's middle is magenta
check_square() {
    "$PY" - "$@" <<'PY'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB"); w, h = im.size; px = im.load()
x0, y0, x1, y1 = (float(v) for v in sys.argv[2:6])
def mag(p): return p[0] > 180 and p[1] < 100 and p[2] > 180
xs, ys = [], []
for y in range(max(0, int(y0) - 40), min(h, int(y1) + 40)):
    for x in range(max(0, int(x0) - 40), min(w, int(x1) + 40)):
        if mag(px[x, y]): xs.append(x + 0.5); ys.append(y + 0.5)
if not xs: print("no magenta pixel near the located square"); sys.exit(1)
got = (min(xs) - 0.5, min(ys) - 0.5, max(xs) + 0.5, max(ys) + 0.5)
err = max(abs(a - b) for a, b in zip(got, (x0, y0, x1, y1)))
mid = px[int((x0 + x1) / 2), int((y0 + y1) / 2)]
print("located %.1f %.1f %.1f %.1f, magenta %.1f %.1f %.1f %.1f, off by %.2f px, middle %s"
      % (x0, y0, x1, y1, *got, err, mid))
sys.exit(0 if err <= 2 and mag(mid) else 1)
PY
}

# run_case NAME FILE...: the app on the unit's map with those basemaps; waits longer each try
# until the tiles are drawn (the test waits for the picture, not for a time)
run_case() {
    local name=$1 try wait; shift
    local args=()
    for f in "$@"; do args+=(--basemap "$f"); done
    for wait in 300 1000 3000 8000; do
        cat >"$T/s" <<S
wait-for @map
wait $wait
${PANS:-}
locate $S $W
locate $S $E
locate $N $W
locate $N $E
screenshot $ART/$name.png
quit
S
        if ! timeout 90 "$APP" --journal "$J" --window 1920x1200 --unit $U "${args[@]}" \
            --script "$T/s" >"$T/out" 2>"$T/err"; then
            echo "app failed: $(tail -2 "$T/err")"
            return 1
        fi
        [ "$(grep -c '^locate ' "$T/out")" = 4 ] || { echo "locate: $(cat "$T/out")"; return 1; }
        read -r bx0 by0 bx1 by1 < <(awk '/^locate/ { x[NR] = $5; y[NR] = $6 }
            END { a = x[1]; b = y[1]; c = x[1]; d = y[1]
                  for (i in x) { if (x[i] < a) a = x[i]; if (x[i] > c) c = x[i]
                                 if (y[i] < b) b = y[i]; if (y[i] > d) d = y[i] }
                  print a, b, c, d }' "$T/out")
        check_square "$ART/$name.png" "$bx0" "$by0" "$bx1" "$by1" >"$T/chk" && return 0
    done
    cat "$T/chk"
    return 1
}

for c in "4490 dom4490.gpkg" "4522 dom4522.gpkg" "4523 dom4523.gpkg" "3857 dom.mbtiles"; do
    set -- $c
    if run_case "crs$1" "$T/$2"; then ok "EPSG:$1 ($2): the square under its coordinates ($(cat "$T/chk" | sed 's/.*off by/off by/'))"
    else fail "EPSG:$1 ($2): $(cat "$T/chk" 2>/dev/null)"; fi
done

# locate: the line's form, and a script asking for it with no map shown fails naming the line
# Panned: the imagery is kept as one layer that a pan only shifts (by whole pixels) and whose
# uncovered strips are drawn anew (platform_sdl.c draw_layer); the square stays under its
# coordinates after pans of whole and fractional pixels.
PANS=$(printf 'drag 900 600 840 570\nwait 300\ndrag 900 600 953 627\nwait 300\ndrag 900 600 887 611\nwait 800')
if run_case pan4490 "$T/dom4490.gpkg"; then ok "panned, EPSG:4490: the square under its coordinates ($(sed 's/.*off by/off by/' "$T/chk"))"
else fail "panned, EPSG:4490: $(cat "$T/chk" 2>/dev/null)"; fi
PANS=

printf 'locate 35.5600 103.2450\nquit\n' >"$T/nomap.s"
refuse "locate with no map shown" timeout 60 "$APP" --journal "$J" --window 1280x800 --script "$T/nomap.s"
grep -q "line 1" "$T/err" && ok "the refusal names the script line" || fail "locate refusal: $(cat "$T/err")"

# Bad files: named on stderr, left out; the good one beside them is still drawn.
echo "not a database" >"$T/text.gpkg"
ogr2ogr -q -f GPKG "$T/vector.gpkg" "$T/sq.geojson"
cp "$T/dom4522.gpkg" "$T/corrupt.gpkg"
"$PY" - "$T/corrupt.gpkg" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
t = db.execute("SELECT table_name FROM gpkg_contents WHERE data_type='tiles'").fetchone()[0]
db.execute('UPDATE "%s" SET tile_data = x\'89504e470d0a1a0a0000\'' % t)
db.commit()
PY
if run_case bad "$T/text.gpkg" "$T/vector.gpkg" "$T/corrupt.gpkg" "$T/dom4490.gpkg"; then
    ok "with bad basemaps beside it the good one is drawn"
else
    fail "bad basemaps: $(cat "$T/chk" 2>/dev/null)"
fi
grep -q "text.gpkg: not a GeoPackage or MBTiles file" "$T/err" && ok "a text file is named: not a GeoPackage" || fail "text file: $(cat "$T/err")"
grep -q "vector.gpkg: no tiles table" "$T/err" && ok "a GeoPackage without tiles is named: no tiles table" || fail "vector GPKG: $(cat "$T/err")"
# the decoder's reason in the app's language (zh_CN by default; the crew reads the same words
# when a photo cannot be shown)
grep -q "corrupt.gpkg: tile .*\(not a PNG or JPEG\|不是 PNG 或 JPEG\)" "$T/err" && ok "a corrupt tile is named with its file and tile" || fail "corrupt tile: $(cat "$T/err")"

# basemaps/ beside the journal are found without --basemap; @basemap turns them off
mkdir -p "$T/basemaps" && cp "$T/dom4490.gpkg" "$T/basemaps/"
printf 'wait-for @basemap\ntap @basemap\nwait 500\nscreenshot %s\nquit\n' "$ART/off.png" >"$T/off.s"
expect "basemaps/ beside the journal opened, @basemap tapped" timeout 60 "$APP" --journal "$J" --window 1920x1200 --unit $U --script "$T/off.s"
grep -q "basemap $T/basemaps/dom4490.gpkg" "$T/err" && ok "the folder's file is listed" || fail "basemaps/: $(cat "$T/err")"
"$PY" - "$ART/off.png" <<'PY' && ok "@basemap off: no imagery drawn" || fail "imagery still drawn after @basemap"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
sys.exit(1 if any(p[0] > 180 and p[1] < 100 and p[2] > 180 for p in im.getdata()) else 0)
PY
finish
