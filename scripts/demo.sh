#!/bin/bash
# make demo: a crew's day on bundled data. Imports the demo unit, replays the bundled recorded
# walk around it through a real gpsd (gpsfake), records the walked track and the averaged
# boundary points at the same time (two processes, one journal), prints areas and closure, checks
# the journal and writes GeoPackage, GeoJSON and CSV into demo-out/. A local county office
# (quejie-office over TLS on 127.0.0.1) assigns the task package, the tablet enrolls with it,
# fetches its tasks, and at day end syncs the day to it; the office exports the county's view.
set -eu
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
Q=$B/quejie
QO=$B/quejie-office
OUT=demo-out
J=$OUT/demo.db
OFF=$OUT/office.db
UNIT=622901SL900001
rm -rf "$OUT"
mkdir -p "$OUT"
GP=0
WALK=0
OP=0
cleanup() {
    [ "$OP" -ne 0 ] && kill "$OP" 2>/dev/null
    [ "$WALK" -ne 0 ] && kill "$WALK" 2>/dev/null
    [ "$GP" -ne 0 ] && kill -9 -- "-$GP" 2>/dev/null   # gpsfake ignores SIGTERM
    return 0
}
trap cleanup EXIT

say() { printf '\n== %s\n' "$*"; }
say "1. a new tablet journal (CGCS2000, Gauss-Kruger zone 34 = EPSG:4522)"
"$Q" init "$J" --device-name demo-tablet --crew 演示组 --epsg 4522
say "2. the county office (local, TLS on 127.0.0.1) assigns the task package to the tablet"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$OUT/office-key.pem" \
    -out "$OUT/office-cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
"$QO" init "$OFF" --name 临夏州自然资源局
oport=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
"$QO" serve "$OFF" --listen 127.0.0.1:$oport --tls-cert "$OUT/office-cert.pem" \
    --tls-key "$OUT/office-key.pem" 2>"$OUT/office.log" &
OP=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$oport) 2>/dev/null && break; sleep 0.05; done
"$QO" tasks import "$OFF" assets/demo/demo-unit.geojson --assign demo-tablet
token=$("$QO" device add "$OFF" --name demo-tablet --crew 演示组 | tail -1)
echo "one-time enrollment token: $token"
"$Q" enroll "$J" --office https://127.0.0.1:$oport --token "$token" --ca "$OUT/office-cert.pem"
"$Q" sync "$J"
"$Q" tasks list "$J"

say "3. gpsd replays the recorded walk (gpsfake)"
port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
setsid gpsfake -1 -q -n -W 3 -P "$port" -c 0.01 assets/demo/demo-walk.nmea >"$OUT/gpsfake.log" 2>&1 &
GP=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
echo "gpsd on 127.0.0.1:$port"

say "4. walking the boundary (a vertex every 2 m, RTK fixed only) while occupying the corners"
"$Q" record "$J" --unit $UNIT --gnss "127.0.0.1:$port" --walk-every 2 --count 100000 \
    --accept rtk-fixed >"$OUT/walk.txt" 2>"$OUT/walk.err" &
WALK=$!
"$Q" record "$J" --unit $UNIT --gnss "127.0.0.1:$port" --count 6 --average 10 --min-seconds 10 \
    --accept rtk-fixed --min-spacing 20 --marker concrete-post --timeout 120
# The crew walks back to J1 and stops the walk: here, when the replayed log has ended.
wait "$GP" 2>/dev/null || true
GP=0
kill -INT "$WALK" 2>/dev/null; wait "$WALK" 2>/dev/null || true
WALK=0
echo "walk: $(grep -c vertex "$OUT/walk.txt") vertices; jumps marked and left out of the boundary: $(grep -c JUMP "$OUT/walk.txt")"

say "5. verification and pointing out the boundary"
"$Q" verify "$J" --unit $UNIT --field owner --status confirmed --note 村委会现场确认
"$Q" verify "$J" --unit $UNIT --field manager --status corrected --value 临夏市林业和草原局
"$Q" attend "$J" --unit $UNIT --party 南山村民委员会 --person 马某 --presence present
"$Q" attend "$J" --unit $UNIT --party 东坪村民委员会 --presence absent --notice-date 2026-05-12

say "6. day end: areas, closure, deviation from the draft"
"$Q" area "$J" --unit $UNIT

say "7. the journal proves itself"
"$Q" check "$J"

say "8. exports for the county office"
"$Q" export "$J" --format gpkg --output "$OUT/demo.gpkg"
"$Q" export "$J" --format geojson --output "$OUT/demo.geojson"
"$Q" export "$J" --format csv --output "$OUT/boundary-points.csv"
echo
cat "$OUT/boundary-points.csv"

say "9. day end: sync to the county office (signed, sealed, compressed bundles)"
"$Q" sync "$J"
"$Q" sync-status "$J"
"$QO" status "$OFF"
"$QO" export "$OFF" --format gpkg --output "$OUT/office-county.gpkg"
"$Q" check "$(ls "$OFF".replicas/*.db | head -1)"
echo "the office's replica of the tablet's journal verifies: chain, device signature, state"
kill "$OP" 2>/dev/null; wait "$OP" 2>/dev/null || true
OP=0
echo
echo "demo-out/: $(ls "$OUT" | tr '\n' ' ')"
