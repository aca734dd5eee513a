#!/bin/bash
# make demo: a crew's day on bundled data, in the touch app. A local county office
# (quejie-office over TLS on 127.0.0.1) assigns the demo unit, the tablet enrolls with it and
# fetches its tasks; gpsd (gpsfake) replays the bundled walk around the unit, and quejie-app opens
# on the unit. With a display (and a terminal) the window is the crew's: walk, record, verify,
# sign, and sync from Day end; close it to finish. Without one (or QUEJIE_DEMO_HEADLESS=1) a
# scripted day runs under Xvfb: the walk with averaged boundary points on it, verification,
# pointing out and signing, a dispute, and the day-end sync, with screenshots in demo-out/app-*.png.
# Then areas and closure, the journal check, GeoPackage/GeoJSON/CSV exports, and the office's
# view of the synced day.
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
XV=0
cleanup() {
    [ "$OP" -ne 0 ] && kill "$OP" 2>/dev/null
    [ "$WALK" -ne 0 ] && kill "$WALK" 2>/dev/null
    [ "$GP" -ne 0 ] && kill -9 -- "-$GP" 2>/dev/null   # gpsfake ignores SIGTERM
    [ "$XV" -ne 0 ] && kill "$XV" 2>/dev/null
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
setsid gpsfake -1 -q -n -W 30 -P "$port" -c 0.02 assets/demo/demo-walk.nmea >"$OUT/gpsfake.log" 2>&1 &
GP=$!
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
echo "gpsd on 127.0.0.1:$port"

# The signed 界址签章表 comes back photographed on site: the tablet's camera leaves its
# pictures in photos/ beside the journal, where the app's Files screen finds them. The demo's
# "photograph" is a small PNG made here (a grey page with dark signature strokes).
mkdir -p "$OUT/photos"
/usr/bin/python3 - "$OUT/photos/IMG_20261205_1032.png" <<'PY'
import struct, sys, zlib
w, h = 240, 320
rows = []
for y in range(h):
    row = bytearray()
    for x in range(w):
        ink = 250 < x + 2 * y < 262 and 60 < x < 200 or (y == 240 and 40 < x < 200)
        row += bytes((40, 40, 60) if ink else (228, 226, 218))
    rows.append(b"\0" + bytes(row))
def chunk(t, d):
    return struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d) & 0xFFFFFFFF)
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(b"".join(rows), 9)) + chunk(b"IEND", b""))
open(sys.argv[1], "wb").write(png)
PY

say "4. the touch app on the demo unit"
APP=$B/quejie-app
XV=0
headless=${QUEJIE_DEMO_HEADLESS:-}
if [ -z "$headless" ] && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ] && [ -t 0 ]; then
    echo "the window is yours: walk, record points, verify, sign; Day end sends to the office. Close it to go on."
    "$APP" --journal "$J" --gnss "127.0.0.1:$port" --unit $UNIT --usb "$OUT" || true
else
    for d in $(seq 70 99); do [ -e /tmp/.X11-unix/X$d ] || [ -e /tmp/.X$d-lock ] || break; done
    Xvfb :$d -screen 0 1920x1200x24 -nolisten tcp >/dev/null 2>&1 &
    XV=$!
    for _ in $(seq 50); do [ -e /tmp/.X11-unix/X$d ] && break; sleep 0.1; done
    echo "no display: a scripted demo day runs headless (Xvfb :$d); screenshots go to $OUT/app-*.png"
    S=$OUT/demo-day.script
    {
        echo "wait-for @walk"
        echo "screenshot $OUT/app-map.png"
        echo "tap @walk"
        echo "wait-for @walk-start"
        echo "tap @walk-start"
        echo "tap @back"
        echo "tap @record"
        echo "wait-for @record-go"
        echo "tap @marker"
        echo "tap @pick:0"
        # one point per corner: averaging needs the pole still for 10 epochs and 10 s, and
        # starts again whenever it moves, so the next point waits for the next corner
        for i in 1 2 3 4 5 6; do
            echo "tap @record-go"
            [ $i -eq 2 ] && echo "wait 200" && echo "screenshot $OUT/app-record.png"
            echo "wait-for @record-go"
        done
        echo "tap @back"
        echo "tap @walk"
        # the crew walks the last leg back to J1 before stopping the walk
        echo "wait 9000"
        echo "screenshot $OUT/app-walk.png"
        echo "tap @walk-stop"
        echo "wait-for @walk-start"
        echo "tap @back"
        echo "tap @verify"
        echo "wait-for @verify:owner:confirmed"
        for f in owner representative agent mode rights; do echo "tap @verify:$f:confirmed"; done
        echo "tap @verify:manager:corrected"
        echo "wait-for @phrase:0"
        echo "tap @phrase:6"
        echo "tap @text-ok"
        echo "wait 500"
        echo "screenshot $OUT/app-verify.png"
        echo "tap @back"
        echo "tap @sign"
        echo "wait-for @party-add"
        echo "tap @party-add"
        echo "type 南山村民委员会"
        echo "tap @text-ok"
        echo "wait-for @party:1:present"
        echo "tap @party:1:present"
        echo "wait-for @party:1:sign"
        echo "tap @party:1:sign"
        echo "wait-for @pad"
        echo "tap @signer"
        echo "type 马某"
        echo "tap @text-ok"
        echo "tap @role"
        echo "tap @pick:0"
        echo "drag-in @pad 0.1 0.6 0.3 0.3"
        echo "drag-in @pad 0.3 0.3 0.45 0.7"
        echo "drag-in @pad 0.5 0.5 0.9 0.45"
        echo "screenshot $OUT/app-signature.png"
        echo "tap @pad-save"
        echo "wait-for @party:1:sign"
        echo "tap @party-add"
        echo "type 东坪村民委员会"
        echo "tap @text-ok"
        # the list keeps the unit's own side first and the rest by name: 东坪 (U+4E1C) now
        # comes before 南山, which signed above (and could not be recorded absent)
        echo "wait-for @party:2:absent"
        echo "tap @party:1:absent"
        echo "wait 500"
        echo "screenshot $OUT/app-sign.png"
        echo "tap @back"
        # the signed page, photographed: kept with the unit (the Files screen)
        echo "tap @attach"
        echo "wait-for @attach-file:0"
        echo "tap @attach-file:0"
        echo "tap @attach-what:signed_form"
        echo "tap @attach-save"
        echo "wait 800"
        echo "screenshot $OUT/app-files.png"
        echo "tap @back"
        echo "tap @dispute"
        echo "tap @dsp-parties"
        echo "tap @phrase:2"
        echo "tap @text-ok"
        echo "tap @dsp-statement"
        echo "tap @phrase:0"
        echo "tap @text-ok"
        echo "tap @dsp-from"
        echo "tap @pick:1"
        echo "tap @dsp-to"
        echo "tap @pick:2"
        echo "tap @dsp-save"
        echo "wait 500"
        echo "screenshot $OUT/app-dispute.png"
        echo "tap @back"
        echo "tap @back"
        echo "wait-for @day-end"
        echo "screenshot $OUT/app-today.png"
        echo "tap @day-end"
        echo "wait-for @sync"
        echo "tap @sync"
        echo "wait 300"
        echo "wait-for @sync"
        echo "wait 500"
        echo "screenshot $OUT/app-day-end.png"
        echo "quit"
    } >"$S"
    DISPLAY=:$d "$APP" --journal "$J" --gnss "127.0.0.1:$port" --unit $UNIT --usb "$OUT" \
        --window 1920x1200 --script "$S"
    kill "$XV" 2>/dev/null; wait "$XV" 2>/dev/null || true
    XV=0
    echo "app screenshots: $(ls "$OUT"/app-*.png | xargs -n1 basename | tr '\n' ' ')"
fi
kill -9 -- "-$GP" 2>/dev/null; wait "$GP" 2>/dev/null || true
GP=0
"$Q" sync-status "$J"

say "5. what the day recorded"
"$Q" tasks list "$J"
"$Q" signatures "$J" --unit $UNIT

say "6. day end: areas, closure, deviation from the draft"
"$Q" area "$J" --unit $UNIT

say "7. the journal proves itself"
"$Q" check "$J"

say "8. exports for the county office"
"$Q" export "$J" --format gpkg --output "$OUT/demo.gpkg"
"$Q" export "$J" --format geojson --output "$OUT/demo.geojson"
"$Q" export "$J" --format csv --output "$OUT/boundary-points.csv"
"$Q" export "$J" --format forms --output "$OUT/forms.html"
echo
cat "$OUT/boundary-points.csv"

say "9. the county office: what the app's day-end sync delivered"
"$Q" sync "$J"   # anything recorded since (nothing, normally)
"$QO" status "$OFF"
"$Q" attachments "$J"
"$QO" unit attachments "$OFF" --unit $UNIT
"$QO" export "$OFF" --format gpkg --output "$OUT/office-county.gpkg"
"$Q" check "$(ls "$OFF".replicas/*.db | head -1)"
echo "the office's replica of the tablet's journal verifies: chain, device signature, state"

say "10. the county office's procedure: the dispute settled, the unit accepted, the public notice"
# the disputes the crew recorded (the scripted day records one), settled by agreement
for dno in $("$QO" disputes "$OFF" --json | python3 -c 'import json, sys
print(" ".join(d["number"] for d in json.load(sys.stdin) if d["state"] == "open"))'); do
    "$QO" dispute settle "$OFF" --unit $UNIT --dispute "$dno" --by 审核员 \
        --outcome "双方到场协商一致，以山脊为界" --document agreement --number 临界协〔2026〕17号
done
if "$QO" unit accept "$OFF" --unit $UNIT --by 审核员 --note "外业资料齐全，界址清楚"; then
    "$QO" unit notice "$OFF" --unit $UNIT --by 审核员 --from "$(date +%F)" \
        --to "$(date -d '+14 days' +%F)"
    "$QO" export "$OFF" --format notice --output "$OUT/notice.html"
fi
"$QO" units "$OFF"
"$QO" export "$OFF" --format forms --output "$OUT/office-forms.html"
kill "$OP" 2>/dev/null; wait "$OP" 2>/dev/null || true
OP=0
echo
echo "demo-out/: $(ls "$OUT" | tr '\n' ' ')"
