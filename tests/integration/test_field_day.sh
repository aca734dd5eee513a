#!/bin/bash
# A scripted field day at each reference display (issue 10, section 4): quejie-app under Xvfb at
# 1920x1200 and 1280x800, landscape and portrait, at 149 and 224 DPI (--dpi) and with no DPI
# reported, on a 68-unit package, with a real gpsd fed by gpsfake (the recorded Trimble RTK log,
# looped; one gpsd for every run) and a real county office over HTTPS on 127.0.0.1. One app run
# per display does the whole day: find a unit by @search, navigate to its next draft vertex
# (@navigate), record a point, open it from the point list (@points, @point:J1), change its
# marker with a reason, navigate to it, void it with a reason, and send the day to the office
# from Day end. On every screen and dialog dump-widgets must show every actionable widget at
# least 10 mm on its short side, every widget's text inside it and at least 2.5 mm high, and no
# English word in a widget of the Chinese interface; the glyph audit of the run must find no
# missing glyph and no English string drawn. The journal and the office are checked after.
source "$(dirname "$0")/lib.sh"
APP=${QUEJIE_APP:-$QJ_BUILD/quejie-app}
OFFICE=${QUEJIE_OFFICE:-$QJ_BUILD/quejie-office}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # see test_app.sh
ART=$QJ_BUILD/test-artifacts/field-day
mkdir -p "$ART"
command -v Xvfb >/dev/null || { fail "Xvfb is not installed"; finish; exit 1; }
command -v gpsfake >/dev/null || { fail "gpsfake is not installed"; finish; exit 1; }
start_xvfb 2000x2000 || { fail "Xvfb did not start"; finish; exit 1; }

# 68 units: the Linxia package's units again and again under new codes and names
"$PY" - "$FIX/tasks/linxia-units-4490.geojson" "$T/68.geojson" <<'PY'
import copy, json, sys
src = json.load(open(sys.argv[1]))
out = dict(src); out["features"] = []
for i in range(68):
    f = copy.deepcopy(src["features"][i % len(src["features"])])
    f["properties"]["ZRZYDJDYH"] = "622901ZR9%05d" % i
    f["properties"]["DJDYMC"] = "大夏河临夏市段第%02d号登记单元" % i
    out["features"].append(f)
json.dump(out, open(sys.argv[2], "w"), ensure_ascii=False)
PY
U=622901ZR900042

# The office, over HTTPS with a certificate made here
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
O=$T/office.db
"$OFFICE" init "$O" --name 临夏州自然资源局 >/dev/null
OPORT=$(free_port)
"$OFFICE" serve "$O" --listen 127.0.0.1:$OPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >>"$T/office.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$OPORT) 2>/dev/null && break; sleep 0.05; done

# The recorded Trimble log (DGPS, then RTK fixed; taken in Iowa) moved as a whole to 10 m east of
# the unit's first draft vertex: every sentence, its jitter and its fix qualities kept, only the
# positions shifted (and the checksums made again), so the position lies on the unit's map.
"$PY" - "$FIX/gnss/nmea-rtk.log" "$T/68.geojson" "$U" "$T/day.log" <<'PY'
import json, re, sys
src, tasks, unit, out = sys.argv[1:5]
f = next(f for f in json.load(open(tasks))["features"] if f["properties"]["ZRZYDJDYH"] == unit)
lon0, lat0 = f["geometry"]["coordinates"][0][0]
lon0 += 10 / 90000.0  # about 10 m east
first = None
def deg(v, h, w):
    d = int(float(v) / 100) + (float(v) % 100) / 60
    return -d if h in "SW" else d
def dm(d, w, hemi):
    a = abs(d); deg_ = int(a); m = (a - deg_) * 60
    return "%0*d%011.8f" % (w, deg_, m), hemi[0] if d >= 0 else hemi[1]
lines = []
for line in open(src):
    m = re.match(r"^\$(..(GGA|RMC)),(.*)\*[0-9A-F]{2}\s*$", line)
    if not m:
        lines.append(line.rstrip("\n")); continue
    p = m.group(3).split(",")
    i = 1 if m.group(2) == "GGA" else 2
    if p[i] and p[i + 2]:
        lat, lon = deg(p[i], p[i + 1], 2), deg(p[i + 2], p[i + 3], 3)
        if first is None:
            first = (lat, lon)
        p[i], p[i + 1] = dm(lat - first[0] + lat0, 2, "NS")
        p[i + 2], p[i + 3] = dm(lon - first[1] + lon0, 3, "EW")
    body = m.group(1) + "," + ",".join(p)
    ck = 0
    for c in body.encode():
        ck ^= c
    lines.append("$%s*%02X" % (body, ck))
open(out, "w").write("\n".join(lines) + "\n")
PY
# One gpsd for the whole test: gpsfake loops the moved log until killed.
replay_loop "$T/day.log" 0.03 || fail "gpsfake did not start"

# check_dumps DIR WANT_DPI STEP...: on each step's dump DIR/STEP.json every actionable widget at
# least 10 mm, every text (a widget's, and every text drawn) inside its box and at least 2.5 mm,
# no English word (codes, numbers and the abbreviations a crew reads as they are pass); prints
# what does not.
check_dumps() {
    "$PY" - "$@" <<'PY'
import json, re, sys
base, want_dpi, steps = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
# program names a crew reads as they are (the GNSS screen names gpsd) pass too
english = lambda t: [x for x in re.findall(r"[A-Za-z]{3,}", t) if not x.isupper() and x != "gpsd"]
out = []
for step in steps:
    d = json.load(open("%s/%s.json" % (base, step)))
    bad = []
    if abs(d["dpi"] - want_dpi) > 1:
        bad.append("dpi %s, expected %d" % (d["dpi"], want_dpi))
    for w in d["widgets"]:
        if w["enabled"] and w["short_mm"] < 10 - 1e-3:
            bad.append("%s is %.1f mm" % (w["id"], w["short_mm"]))
        if w.get("text_px") and w["text_px"] * 25.4 / d["dpi"] < 2.5 - 1e-3:
            bad.append("%s: text %d px is under 2.5 mm" % (w["id"], w["text_px"]))
        if w["text"] and not w.get("fits", False):
            bad.append("%s: '%s' is %s px wide in %.0f" % (w["id"], w["text"], w.get("text_width"), w.get("text_box_w", 0)))
        if english(w["text"]):
            bad.append("%s: English in '%s'" % (w["id"], w["text"]))
    for t in d.get("texts", []):
        if not t.get("fits", False):
            bad.append("text '%s' (%s px) is cut by its %.0fx%.0f box" % (t["text"], t.get("text_width"), t["w"], t["h"]))
        if t["text_px"] * 25.4 / d["dpi"] < 2.5 - 1e-3:
            bad.append("text '%s' is %d px, under 2.5 mm" % (t["text"], t["text_px"]))
        if english(t["text"]):
            bad.append("English text '%s'" % t["text"])
    if not d["widgets"] or not d.get("texts"):
        bad.append("no widgets or no texts")
    if bad:
        out.append("[%s] %s" % (step, "; ".join(sorted(set(bad))[:6])))
print(" ".join(out))
sys.exit(1 if out else 0)
PY
}

# The day, at each display. Each dump is named after the step; every one is checked.
STEPS="today search map gnss nav-choice navigating record marker-pick recorded points point \
change-pick reason changed nav-point void-reason voided dayend synced"
# The three DPIs of a window size run side by side (the app waits on gpsd, the recorder and the
# office far more than it computes), each in its own window on the one X server.
START=$SECONDS
for size in 1920x1200 1200x1920 1280x800 800x1280; do
    W=${size%x*} H=${size#*x}
    RUNS=()
    for dpi in 149 224 none; do
        tag=$size-$dpi D=$T/$tag
        mkdir -p "$D"
        if [ $dpi = none ]; then opt=(); want=$("$PY" -c "import math; print(round(math.hypot($W, $H) / 10.1))")
        else opt=(--dpi $dpi); want=$dpi; fi
        echo "$want" >"$D/want"
        # a journal per display: 68 units, enrolled with the office
        J=$D/j.db
        "$QUEJIE" init "$J" --device-name "day-$tag" --crew 一组 >/dev/null
        "$QUEJIE" tasks import "$J" "$T/68.geojson" >/dev/null || fail "$tag: import of 68 units"
        "$QUEJIE" config "$J" accept dgps >/dev/null
        "$QUEJIE" config "$J" average.epochs 3 >/dev/null
        "$QUEJIE" config "$J" average.seconds 0 >/dev/null
        TOKEN=$("$OFFICE" device add "$O" --name "day-$tag" --crew 一组 2>/dev/null | tail -1)
        "$QUEJIE" enroll "$J" --office https://127.0.0.1:$OPORT --token "$TOKEN" --ca "$T/cert.pem" >/dev/null 2>&1 \
            || fail "$tag: enrollment with the office"
        cat >"$D/day.s" <<S
wait-for @search
dump-widgets $D/today.json
tap @search
type zr9000
type 42
wait-for @unit:$U
dump-widgets $D/search.json
tap @unit:$U
wait-for @map
wait-for @record
dump-widgets $D/map.json
tap @gnss
wait 300
dump-widgets $D/gnss.json
tap @back
wait-for @navigate
tap @navigate
wait-for @pick:0
dump-widgets $D/nav-choice.json
tap @pick:0
wait-for @nav-next
dump-widgets $D/navigating.json
tap @record
wait-for @record-go
dump-widgets $D/record.json
tap @marker
wait-for @pick:0
dump-widgets $D/marker-pick.json
tap @pick:0
wait-for @record-go
tap @record-go
wait 300
wait-for @record-go
dump-widgets $D/recorded.json
screenshot $ART/$tag-record.png
tap @back
wait-for @points
tap @points
wait-for @point:J1
dump-widgets $D/points.json
tap @point:J1
wait-for @change-marker
dump-widgets $D/point.json
tap @change-marker
wait-for @pick:1
dump-widgets $D/change-pick.json
tap @pick:1
wait-for @phrase:0
dump-widgets $D/reason.json
tap @phrase:1
tap @text-ok
wait 300
wait-for @void
dump-widgets $D/changed.json
screenshot $ART/$tag-point.png
tap @back
wait-for @point:J1
tap @back
wait-for @navigate
tap @navigate
wait-for @pick:3
tap @pick:3
wait 300
dump-widgets $D/nav-point.json
screenshot $ART/$tag-nav.png
tap @points
wait-for @point:J1
tap @point:J1
wait-for @void
tap @void
wait-for @phrase:0
dump-widgets $D/void-reason.json
tap @phrase:0
tap @text-ok
wait 300
dump-widgets $D/voided.json
tap @back
wait-for @navigate
tap @back
wait-for @day-end
tap @day-end
wait-for @sync
dump-widgets $D/dayend.json
tap @sync
wait 200
wait-for @sync
wait 300
dump-widgets $D/synced.json
screenshot $ART/$tag-dayend.png
quit
S
        timeout 120 "$APP" --journal "$J" --window $size "${opt[@]}" --gnss 127.0.0.1:$GPSPORT \
            --audit-glyphs --script "$D/day.s" >"$D/out" 2>"$D/err" &
        RUNS+=("$!:$tag")
    done
    t0=$SECONDS
    for run in "${RUNS[@]}"; do
        tag=${run#*:} D=$T/${run#*:} J=$T/${run#*:}/j.db want=$(cat "$T/${run#*:}/want")
        if wait "${run%%:*}"; then
            ok "$tag: the day runs through the app (by $((SECONDS - t0)) s)"
        else
            fail "$tag: $(tail -2 "$D/err")"
            continue
        fi
        grep -q " 0 with missing glyphs" "$D/err" && ok "$tag: every string drawn has glyphs" || fail "$tag: $(grep audit "$D/err")"
        # shellcheck disable=SC2086
        if msg=$(check_dumps "$D" "$want" $STEPS); then
            ok "$tag: on all $(echo $STEPS | wc -w) screens targets >= 10 mm, texts fit, >= 2.5 mm, in Chinese, $want DPI"
        else
            fail "$tag: $msg"
        fi
        "$QUEJIE" log "$J" --json >"$D/log.json" 2>/dev/null
        "$PY" - "$D/log.json" "$U" <<'PY' && ok "$tag: J1 recorded on $U, its marker changed with a reason, then voided with a reason" || fail "$tag: journal: $(tail -c 400 "$D/log.json")"
import json, sys
e = json.load(open(sys.argv[1])); by = {x["seq"]: x for x in e}
pts = [x for x in e if x["kind"] == "point"]
assert len(pts) == 2, pts
first, chg = pts
assert first["payload"]["number"] == "J1" and first["payload"].get("unit", sys.argv[2]) == sys.argv[2], first
assert chg["payload"]["supersedes"] == first["seq"] and chg["payload"]["reason"], chg
assert chg["payload"]["marker"] != first["payload"].get("marker"), (first, chg)
v = [x for x in e if x["kind"] == "void"]
assert len(v) == 1 and v[0]["payload"]["target"] == chg["seq"] and v[0]["payload"]["reason"], v
PY
        "$QUEJIE" sync-status "$J" --json >"$D/ss.json" 2>/dev/null
        pyexpr "$D/ss.json" 'd["pending"] == 0 and d["acked_seq"] == d["last_seq"]' \
            && ok "$tag: the office acknowledged every entry" || fail "$tag: sync: $(cat "$D/ss.json")"
    done
done
ok "12 field days in $((SECONDS - START)) s"
cp "$T"/*/synced.json "$ART/" 2>/dev/null
finish
