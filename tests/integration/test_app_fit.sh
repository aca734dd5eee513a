#!/bin/bash
# The app on the reference displays (issue 10, defects 1, 4 and 9): quejie-app under Xvfb at
# 1920x1200 and 1280x800, landscape and portrait, at 149 and 224 DPI (--dpi) and with no DPI
# reported (Xvfb reports none: the app then assumes the 10.1-inch tablet). With 68 units on
# Today it finds one by @search, scrolls, opens Settings, the unit's map, its point list
# (@points), a point (@point:J1), its notes (scrolled to the last), a dispute and its
# settlement, and Day end; on each screen dump-widgets (with the text measured by SDL_ttf) must show every
# actionable widget at least 10 mm on its short side, inside the window and overlapping no
# other (a crew cannot press a button under the window's edge, and a tap on one must not land
# on its neighbour), every widget's text inside it (at least 2.5 mm high: its pixel size, the
# em), every other text drawn inside its box ("texts"), and the glyph audit no missing glyph.
source "$(dirname "$0")/lib.sh"
APP=${QUEJIE_APP:-$QJ_BUILD/quejie-app}
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 # see test_app.sh
ART=$QJ_BUILD/test-artifacts/app-fit
mkdir -p "$ART"
command -v Xvfb >/dev/null || { fail "Xvfb is not installed"; finish; exit 1; }
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
J=$T/j.db U=622901ZR900042 DEADPORT=$(free_port) # a receiver address nothing answers on
"$QUEJIE" init "$J" --device-name fit-test >/dev/null
"$QUEJIE" tasks import "$J" "$T/68.geojson" >/dev/null && ok "68 units imported" || fail "import of 68 units"
# a point on the unit, for its point list and the point's screen (issue 10, defect 3)
read -r LON LAT < <("$PY" - "$T/68.geojson" "$U" <<'PY'
import json, sys
for f in json.load(open(sys.argv[1]))["features"]:
    if f["properties"]["ZRZYDJDYH"] == sys.argv[2]:
        c = f["geometry"]["coordinates"]
        while isinstance(c[0], list):
            c = c[0]
        print(c[0], c[1])
PY
)
"$QUEJIE" point add "$J" --unit $U --lon "$LON" --lat "$LAT" >/dev/null && ok "a point on $U" || fail "point add on $U"
# an open dispute, for the Dispute screen and its on-site settlement (issue 10 section 2)
"$QUEJIE" dispute "$J" --unit $U --statement "东坪村不认可该段界线" --parties 东坪村 >/dev/null &&
    ok "a dispute on $U" || fail "dispute on $U"
# notes on J1, more than a short window holds under the Note screen's phrases: they scroll
for i in 1 2 3 4 5 6 7 8; do
    "$QUEJIE" note add "$J" --unit $U --point J1 --text "第${i}条备注：界桩旁有新修的水渠" >/dev/null ||
        fail "note $i on J1 of $U"
done
"$QUEJIE" note list "$J" --unit $U --json >"$T/notes.json" || fail "note list"

# check FILE.json: every actionable widget >= 10 mm, every text fits; prints what does not.
check_dump() {
    "$PY" - "$1" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); want_dpi = int(sys.argv[2])
bad = []
if want_dpi and abs(d["dpi"] - want_dpi) > 1:
    bad.append("dpi %s, expected %d" % (d["dpi"], want_dpi))
for w in d["widgets"]:
    if w["enabled"] and w["short_mm"] < 10 - 1e-3:
        bad.append("%s is %.1f mm" % (w["id"], w["short_mm"]))
    if w.get("text_px") and w["text_px"] * 25.4 / d["dpi"] < 2.5 - 1e-3:
        bad.append("%s: text %d px is under 2.5 mm" % (w["id"], w["text_px"]))
    if w["text"] and not w.get("fits", False):
        bad.append("%s: '%s' is %s px wide in %.0f" % (w["id"], w["text"], w.get("text_width"), w.get("text_box_w", 0)))
for t in d.get("texts", []):
    if not t.get("fits", False):
        bad.append("text '%s' (%s px) is cut by its %.0fx%.0f box" % (t["text"], t.get("text_width"), t["w"], t["h"]))
if not d["widgets"]:
    bad.append("no widgets")
print("; ".join(bad[:6]))
sys.exit(1 if bad else 0)
PY
}

# check_overlap FILE.json W H: no widget (the map under its buttons aside) overlaps another, none
# leaves the window: a tap on one must not land on its neighbour; prints what does.
check_overlap() {
    "$PY" - "$1" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1])); W, H = int(sys.argv[2]), int(sys.argv[3])
ws = [w for w in d["widgets"] if w["id"] not in ("@map",)]
bad = []
for w in ws:
    if w["x"] < -0.5 or w["y"] < -0.5 or w["x"] + w["w"] > W + 0.5 or w["y"] + w["h"] > H + 0.5:
        bad.append("%s leaves the window (%.0f,%.0f %.0fx%.0f)" % (w["id"], w["x"], w["y"], w["w"], w["h"]))
for i, a in enumerate(ws):
    for b in ws[i + 1:]:
        if min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]) > 0.5 and \
           min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]) > 0.5:
            bad.append("%s overlaps %s" % (a["id"], b["id"]))
print("; ".join(bad[:6]))
sys.exit(1 if bad else 0)
PY
}

# LANGS: the interface languages to run in
for lang in ${LANGS:-zh en}; do
if [ "$lang" = en ]; then lopt=(--lang en); else lopt=(); fi
for size in ${SIZES:-1920x1200 1200x1920 1280x800 800x1280}; do
    W=${size%x*} H=${size#*x}
    for dpi in ${DPIS:-149 224 none}; do
        tag=$size-$dpi
        [ "$lang" = en ] && tag=$tag-en
        if [ $dpi = none ]; then opt=(); want=$("$PY" -c "import math; print(round(math.hypot($W, $H) / 10.1))")
        else opt=(--dpi $dpi); want=$dpi; fi
        # Map, Walk and Record with a receiver given (none answers: the receiver's banner shows
        # on Walk and Record): the map's buttons, @navigate among them, stay on the map whatever
        # its height; Record's button stays in the window under the banner
        cat >"$T/mapwalk.s" <<S
wait-for @navigate
dump-widgets $T/$tag-map2.json
tap @walk
wait-for @walk-start
dump-widgets $T/$tag-walk.json
screenshot $ART/$tag-walk.png
tap @back
wait-for @record
tap @record
wait-for @ptype
dump-widgets $T/$tag-record2.json
screenshot $ART/$tag-record2.png
quit
S
        if timeout 60 "$APP" --journal "$J" --window $size "${opt[@]}" "${lopt[@]}" --unit $U --gnss 127.0.0.1:$DEADPORT \
            --script "$T/mapwalk.s" >"$T/out" 2>"$T/err"; then
            for s in map2 walk record2; do
                if msg=$(check_overlap "$T/$tag-$s.json" $W $H) && msg=$(check_dump "$T/$tag-$s.json" "$want"); then
                    ok "$tag $s: no widget overlaps another or leaves the window"
                else fail "$tag $s: $msg"; fi
            done
        else
            fail "$tag: map and walk: $(tail -2 "$T/err")"
        fi
        cat >"$T/fit.s" <<S
wait-for @search
dump-widgets $T/$tag-today.json
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 3))
wait 300
dump-widgets $T/$tag-scrolled.json
tap @search
type zr9000
type 42
wait-for @unit:$U
dump-widgets $T/$tag-search.json
screenshot $ART/$tag-search.png
tap @settings
wait-for @dpi:auto
dump-widgets $T/$tag-settings.json
tap @back
wait-for @unit:$U
tap @unit:$U
wait-for @map
dump-widgets $T/$tag-map.json
tap @sign
wait-for @party-add
tap @party-add
wait-for @text-cancel
type 东坪村民委员会
wait-for @text-ok
tap @text-ok
wait-for @party:0:present
dump-widgets $T/$tag-sign.json
tap @back
wait-for @verify
tap @verify
wait-for @verify:owner:confirmed
dump-widgets $T/$tag-verify.json
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
wait-for @verify:manager:confirmed
dump-widgets $T/$tag-verify2.json
tap @back
wait-for @record
tap @record
wait-for @offset
dump-widgets $T/$tag-record.json
tap @offset
wait-for @key:0
dump-widgets $T/$tag-keypad.json
tap @key:cancel
wait-for @offset
tap @back
wait-for @points
tap @points
wait-for @point:J1
dump-widgets $T/$tag-points.json
tap @point:J1
wait-for @void
dump-widgets $T/$tag-point.json
tap @note
wait-for @note-text
dump-widgets $T/$tag-note.json
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
drag $((W / 2)) $((H * 3 / 4)) $((W / 2)) $((H / 4))
wait 1500
dump-widgets $T/$tag-note2.json
tap @back
tap @back
tap @back
wait-for @dispute
tap @dispute
wait-for @settle
dump-widgets $T/$tag-dispute.json
tap @settle
wait-for @settle-agreement
dump-widgets $T/$tag-settle.json
tap @back
wait-for @settle
tap @back
wait-for @dispute
tap @back
wait-for @day-end
tap @day-end
wait-for @back
wait 500
dump-widgets $T/$tag-dayend.json
quit
S
        if timeout 120 "$APP" --journal "$J" --window $size "${opt[@]}" "${lopt[@]}" --audit-glyphs --script "$T/fit.s" >"$T/out" 2>"$T/err"; then
            ok "$tag: Today, search, Settings, a unit's map, its points, a point, a note, a dispute and its settlement, Day end"
        else
            fail "$tag: $(tail -2 "$T/err")"
            continue
        fi
        grep -q " 0 with missing glyphs" "$T/err" && ok "$tag: every string drawn has glyphs" || fail "$tag: $(grep audit "$T/err")"
        for s in today scrolled search settings map sign verify verify2 record keypad points point note note2 dispute settle dayend; do
            if msg=$(check_dump "$T/$tag-$s.json" "$want") && msg=$(check_overlap "$T/$tag-$s.json" $W $H); then ok "$tag $s: targets >= 10 mm, none overlapping, texts fit and >= 2.5 mm, $want DPI"
            else fail "$tag $s: $msg"; fi
        done
        "$PY" - "$T/$tag-today.json" "$T/$tag-scrolled.json" "$T/$tag-search.json" <<'PY' && ok "$tag: the list scrolls and the search finds the unit" || fail "$tag: scrolling or search"
import json, sys
ids = lambda f: [w["id"] for w in json.load(open(f))["widgets"] if w["id"].startswith("@unit:")]
a, b, c = (ids(f) for f in sys.argv[1:4])
assert a and b and a != b, (a, b)
assert c == ["@unit:622901ZR900042"], c
PY
        # the notes list scrolls to its end: the oldest of J1's notes (the last row) can be voided
        "$PY" - "$T/notes.json" "$T/$tag-note2.json" <<'PY' && ok "$tag: the notes scroll to the oldest" || fail "$tag: the oldest note is out of reach"
import json, sys
oldest = min(n["seq"] for n in json.load(open(sys.argv[1])) if n["point"] == "J1")
ids = [w["id"] for w in json.load(open(sys.argv[2]))["widgets"]]
assert "@note-void:%d" % oldest in ids, ids
PY
    done
done
done
cp "$T"/*-today.json "$ART/" 2>/dev/null
finish
