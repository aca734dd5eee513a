#!/bin/bash
# The quejie CLI end to end on real files: the contract of docs/cli.md, the bad-input classes
# (each refused with a message, the journal exactly as before), decisions, and checking.
source "$(dirname "$0")/lib.sh"
Q=$QUEJIE
J=$T/j.db
U=622901ZR000002

# snapshot J: entry count and head hash, to prove a refused command changed nothing.
snapshot() { "$Q" log "$1" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[-1]["hash"] if d else "")'; }
# usage "what" cmd...: the command must exit 2 (a usage error: the command line alone shows it)
# with a message.
usage() {
    local what=$1; shift
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq 2 ] && [ -s "$T/err" ] && ok "$what (usage, exit 2)" || fail "$what: exit $rc"
}

expect "init" "$Q" init "$J" --device-name it --crew 一组 --epsg 4522
refuse "init refuses an existing journal" "$Q" init "$J"
refuse "init refuses a non-GK EPSG" "$Q" init "$T/x.db" --epsg 4326
refuse "init refuses --epsg with --central-meridian" "$Q" init "$T/x.db" --epsg 4522 --central-meridian 103
[ ! -e "$T/x.db" ] && ok "nothing created by a refused init" || fail "refused init left a file"
expect "init with a custom central meridian" "$Q" init "$T/cm.db" --central-meridian 103.5
refuse "unknown option" "$Q" tasks list "$J" --bogus
usage "an empty journal path" "$Q" log ""
usage "an empty journal path (sync)" "$Q" sync-status ""
# Per-command help: the command's own forms, exit 0; an unknown command is a usage error.
if "$Q" record "$J" --help >"$T/h" 2>"$T/err" && grep -q -- "--remeasure SEQ" "$T/h" && ! grep -q "quejie sync" "$T/h"; then
    ok "record --help prints record's forms alone"; else fail "record --help: $(cat "$T/h" "$T/err")"; fi
"$Q" help dispute settle >"$T/h" && grep -q "quejie dispute settle JOURNAL" "$T/h" && [ "$(grep -c "^  quejie" "$T/h")" = 1 ] \
    && ok "help dispute settle: that form alone" || fail "help dispute settle: $(cat "$T/h")"
"$Q" help nonsense >/dev/null 2>&1; [ $? -eq 2 ] && ok "help of an unknown command exits 2" || fail "help nonsense did not exit 2"
# -h is --help's short form before a command too: every form, exit 0 (was "unknown command '-h'")
"$Q" -h >"$T/h" 2>"$T/err" && grep -q "quejie bundle JOURNAL" "$T/h" \
    && ok "quejie -h prints every form" || fail "quejie -h: $(cat "$T/h" "$T/err")"
"${QUEJIE_APP:-$QJ_BUILD/quejie-app}" -h >"$T/h" 2>"$T/err" && grep -q -- "--journal" "$T/h" \
    && ok "quejie-app -h prints its usage, exit 0" || fail "quejie-app -h: $(cat "$T/h" "$T/err")"
# A usage error points at the command's own forms, not at the whole list
usage "config without its VALUE" "$Q" config "$J" accept
grep -q "see quejie help config)" "$T/err" && ok "  the hint names config" || fail "  config hint: $(cat "$T/err")"
usage "an unknown option of dispute list" "$Q" dispute list "$J" --bogus
grep -q "see quejie help dispute list)" "$T/err" && ok "  the hint names dispute list" || fail "  dispute list hint: $(cat "$T/err")"
# every continuation line of the usage text is indented to the same column (16), so a form reads
# as one block and `help CMD` shows it whole
"$Q" help >"$T/h"
bad=$(grep -v '^usage:$' "$T/h" | grep -v '^  quejie ' | grep -v '^                [^ ]')
[ -z "$bad" ] && ok "usage continuation lines share one indent" || fail "usage lines indented otherwise: $bad"

expect "tasks import (lon/lat)" "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson"
"$Q" tasks list "$J" --json >"$T/list.json"
pyexpr "$T/list.json" 'sorted(u["code"] for u in d)==["622901SL000007","622901ZR000002","622925CY000031"] and all(u["name"] and u["type"] for u in d)' \
    && ok "tasks list --json" || fail "tasks list --json: $(cat "$T/list.json")"
# Text tables align by display width: the fixture's types (水流, 自然保护地, 草原) are 2 columns a
# character but 3 bytes, so the names after them must still start in one column.
"$Q" tasks list "$J" >"$T/list.txt"
"$Q" codes "$J" --list marker --add 水泥桩 --label 混凝土桩 >/dev/null
"$Q" codes "$J" >"$T/codes.txt"
"$PY" - "$T/list.txt" "$T/codes.txt" <<'PY' && ok "tasks list and codes align columns by display width" || fail "columns misaligned: $(cat "$T/list.txt")"
import sys, unicodedata
def col(line, field):  # display column where the field-th space-separated field starts
    w, f, prev_space = 0, 0, True
    for ch in line:
        if ch != " " and prev_space:
            if f == field:
                return w
            f += 1
        prev_space = ch == " "
        w += 2 if unicodedata.east_asian_width(ch) in "WF" else 1
for path, field in ((sys.argv[1], 2), (sys.argv[2], 2)):
    lines = [l for l in open(path, encoding="utf-8").read().splitlines() if l]
    cols = {col(l, field) for l in lines}
    assert len(cols) == 1, (path, cols)
PY
before=$(snapshot "$J")
expect "re-importing the same package" "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson"
[ "$(snapshot "$J")" = "$before" ] && ok "identical re-import appends nothing" || fail "re-import appended entries"

# A journal made for another zone: the import warns, naming the unit's own zone; the right one
# does not.
"$Q" init "$T/z24.db" --epsg 4524 >/dev/null 2>&1
"$Q" tasks import "$T/z24.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null 2>"$T/err" \
    && grep -q "warning: 3 units lie outside the journal's Gauss-Kruger zone .*the unit's zone is EPSG:4522" "$T/err" \
    && ok "tasks import warns of units outside the journal's zone (--epsg 4524 for units at 103 E)" || fail "zone warning: $(cat "$T/err")"
"$Q" init "$T/z22.db" --epsg 4522 >/dev/null 2>&1
"$Q" tasks import "$T/z22.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null 2>"$T/err" && ! grep -q "warning" "$T/err" \
    && ok "  and not when the zone is theirs" || fail "zone warning for the right zone: $(cat "$T/err")"
# a unit just across the zone's edge (103.45-103.56 E, mostly in zone 35) in a zone-34 journal
cat >"$T/edge.geojson" <<'EOF'
{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"code": "622901ZR000777"},
 "geometry": {"type": "Polygon", "coordinates": [[[103.45, 35.5], [103.56, 35.5], [103.56, 35.6], [103.45, 35.6], [103.45, 35.5]]]}}]}
EOF
"$Q" init "$T/zedge.db" --epsg 4522 >/dev/null 2>&1
"$Q" tasks import "$T/zedge.db" "$T/edge.geojson" >/dev/null 2>"$T/err" && ! grep -q "warning" "$T/err" \
    && ok "  nor for a unit just across the zone's edge" || fail "zone warning at the edge: $(cat "$T/err")"

# The projected package must describe the same units as the lon/lat one.
expect "tasks import (EPSG:4522, easting first)" "$Q" init "$T/p.db"
expect "tasks import of EPSG:4522 file" "$Q" tasks import "$T/p.db" "$FIX/tasks/linxia-units-4522.geojson"
"$Q" log "$J" --json >"$T/a.json"; "$Q" log "$T/p.db" --json >"$T/b.json"
"$PY" - "$T/a.json" "$T/b.json" <<'PY' && ok "EPSG:4522 import matches the lon/lat import within 1e-6 deg" || fail "projected import differs"
import json, sys
def units(f):
    return {e["payload"]["code"]: e["payload"]["geom"] for e in json.load(open(f)) if e["kind"] == "unit"}
a, b = units(sys.argv[1]), units(sys.argv[2])
assert a.keys() == b.keys(), (a.keys(), b.keys())
for k in a:
    fa = [x for part in a[k] for ring in part for x in ring]
    fb = [x for part in b[k] for ring in part for x in ring]
    assert len(fa) == len(fb), k
    assert max(abs(x - y) for x, y in zip(fa, fb)) < 1000, k   # nanodegrees
PY

# Every bad-input class: refused with a message naming the file, journal unchanged.
before=$(snapshot "$J")
n=0
for f in "$QJ_SOURCE"/tests/fixtures/tasks/bad-*.geojson; do
    [ -e "$f" ] || continue
    n=$((n + 1))
    base=$(basename "$f")
    if "$Q" tasks import "$J" "$f" >"$T/out" 2>"$T/err"; then fail "$base accepted"
    elif ! grep -q "$base" "$T/err"; then fail "$base: message does not name the file: $(cat "$T/err")"
    else ok "$base refused: $(head -1 "$T/err" | cut -c1-140)"; fi
done
[ "$n" -ge 8 ] && ok "$n bad-input fixtures tried" || fail "only $n bad-input fixtures found"
refuse "a missing file" "$Q" tasks import "$J" "$T/nope.geojson"
refuse "a non-GeoJSON file" "$Q" tasks import "$J" "$QJ_SOURCE/README.md"
[ "$(snapshot "$J")" = "$before" ] && ok "journal unchanged after every refused import" || fail "a refused import changed the journal"
expect "check passes after refused imports" "$Q" check "$J"

# Points: numbering, types, code lists, offsets.
"$Q" point add "$J" --unit $U --lat 35.5500 --lon 103.2300 --h 1900 --json >"$T/p1.json" 2>"$T/err"
pyexpr "$T/p1.json" 'd["number"]=="J1" and abs(d["lat"]-35.55)<1e-9' && ok "point add: J1" || fail "point add: $(cat "$T/p1.json" "$T/err")"
"$Q" point add "$J" --unit $U --lat 35.5480 --lon 103.2550 --type map-read --json >"$T/t1.json"
pyexpr "$T/t1.json" 'd["number"]=="T2"' && ok "map-read point numbered T2: J and T points are one series" || fail "map-read numbering: $(cat "$T/t1.json")"
refuse "point add: T1 beside J1 (one series, each number once)" "$Q" point add "$J" --unit $U --lat 35.5490 --lon 103.2560 --type map-read --number T1
grep -q "T1 takes place 1 of unit $U, which is J1" "$T/err" && ok "  naming the point that has the place" || fail "one series refusal: $(cat "$T/err")"
refuse "point add: unknown unit" "$Q" point add "$J" --unit NOPE --lat 35.5 --lon 103.2
refuse "point add: latitude out of range" "$Q" point add "$J" --unit $U --lat 95 --lon 103.2
refuse "point add: NaN" "$Q" point add "$J" --unit $U --lat nan --lon 103.2
refuse "point add: unknown marker" "$Q" point add "$J" --unit $U --lat 35.5 --lon 103.2 --marker gold-bar
"$Q" point add "$J" --unit $U --lat 35.5600 --lon 103.2400 --offset-distance 100 --offset-bearing 90 --marker concrete-post --json >"$T/off.json"
# 100 m due east at 35.56 N: lon grows by 100 / (N cos(phi)) ~ 0.0011031 deg, lat barely moves.
pyexpr "$T/off.json" 'abs(d["lon"]-103.2411031)<2e-6 and abs(d["lat"]-35.56)<1e-6' && ok "offset point 100 m east" || fail "offset point: $(cat "$T/off.json")"
"$Q" log "$J" --json >"$T/log.json"
pyexpr "$T/log.json" 'd[-1]["payload"]["off"]["dist"]==100000 and d[-1]["payload"]["off"]["brg"]==90000000' && ok "offset observation kept in the entry" || fail "offset observation not kept"

# Sanity of manual input: a point far from its unit's draft needs --far (and then says so).
before=$(snapshot "$J")
refuse "point add: 14,000 km from the unit" "$Q" point add "$J" --unit $U --lat -35.0 --lon -60.0
grep -q "is 1[0-9]*\.[0-9] km from unit $U's draft, farther than the limit of 5.0 km" "$T/err" \
    && ok "far point: the message names the unit, the distance and the limit" || fail "far point message: $(cat "$T/err")"
refuse "point add: an offset 6 km out" "$Q" point add "$J" --unit $U --lat 35.5760 --lon 103.2420 --offset-distance 6000 --offset-bearing 0
refuse "point add: 1 km out with --max-distance 500" "$Q" point add "$J" --unit $U --lat 35.5850 --lon 103.2420 --max-distance 500
grep -q "limit of 500 m (given for this point)" "$T/err" && ok "the refusal names the command's own limit" || fail "far message with --max-distance: $(cat "$T/err")"
[ "$(snapshot "$J")" = "$before" ] && ok "refused far points recorded nothing" || fail "a refused far point changed the journal"
expect "config point.max-distance-m" "$Q" config "$T/cm.db" point.max-distance-m 20000
usage "config point.max-distance-m refuses a non-distance" "$Q" config "$T/cm.db" point.max-distance-m far
"$Q" point add "$J" --unit $U --lat -35.0 --lon -60.0 --far --type map-read --json >"$T/far.json" 2>"$T/err"
pyexpr "$T/far.json" 'd["far"] is True' && ok "point add --far records it, flagged" || fail "--far: $(cat "$T/far.json" "$T/err")"
"$Q" log "$J" --json >"$T/log.json"
pyexpr "$T/log.json" 'd[-1]["payload"]["flags"]==2|16' && ok "the far flag (16) is in the payload" || fail "far flag not in the payload"
expect "void the far point" "$Q" void "$J" "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/far.json")" --reason "typed in the wrong unit"

# Decisions.
expect "verify confirmed" "$Q" verify "$J" --unit $U --field owner --status confirmed --note 村委会确认
expect "verify corrected" "$Q" verify "$J" --unit $U --field agent --status corrected --value 临夏州人民政府
usage "verify corrected without a value" "$Q" verify "$J" --unit $U --field agent --status corrected
usage "verify disputed without a statement" "$Q" verify "$J" --unit $U --field owner --status disputed
refuse "verify unknown field" "$Q" verify "$J" --unit $U --field colour --status confirmed
expect "dispute" "$Q" dispute "$J" --unit $U --statement "东侧界线有争议" --parties "甲村;乙村" --from J1 --to T2
dseq=$(sed -n 's/.*(entry \([0-9]*\)).*/\1/p' "$T/out")
# A dispute along the boundary names two current points, as a line does.
usage "dispute --from without --to" "$Q" dispute "$J" --unit $U --statement "x" --from J1
grep -q "both end points" "$T/err" && ok "the refusal asks for both ends" || fail "one-ended dispute message: $(cat "$T/err")"
usage "dispute from a point to itself" "$Q" dispute "$J" --unit $U --statement "x" --from J1 --to J1
refuse "dispute --to an unknown point" "$Q" dispute "$J" --unit $U --statement "x" --from J1 --to J99
grep -q "J99 is not a current boundary point" "$T/err" && ok "the refusal names J99" || fail "unknown-end dispute message: $(cat "$T/err")"
# Code values join the journal's lists; a mistyped list name is refused with the lists named.
refuse "codes --add to a list that does not exist" "$Q" codes "$J" --list markers --add iron-pin --label 铁钉
grep -q "no code list 'markers'" "$T/err" && grep -q "marker" "$T/err" && ok "the refusal names the lists" || fail "unknown list message: $(cat "$T/err")"
expect "codes --add to the marker list" "$Q" codes "$J" --list marker --add iron-pin --label 铁钉
# --add without --list is the command line's problem, said before any journal is read
usage "codes --add without --list" "$Q" codes "$T/no-such.db" --add iron-pin
grep -q -- "--list" "$T/err" && ok "  the message names --list" || fail "  codes --add alone: $(cat "$T/err")"
# An option given twice, or a value left out before the next option, is the command line's
# mistake: before, the last value won ("--status confirmed ... --status disputed" recorded
# disputed) and "--text --json" recorded the text "--json", for ever, in an append-only journal.
n_before=$("$Q" log "$J" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
usage "an option given twice" "$Q" verify "$J" --unit $U --field agent --status confirmed --status disputed --note x
grep -q -- "--status given twice ('confirmed', then 'disputed')" "$T/err" && ok "  the message names both values" || fail "  twice: $(cat "$T/err")"
usage "an option given twice with =" "$Q" verify "$J" --unit $U --field agent --status=confirmed --status=disputed
usage "a value left out before another option" "$Q" note add "$J" --unit $U --text --json
grep -q -- "--text needs a value, not the option --json" "$T/err" && ok "  the message names both" || fail "  left out: $(cat "$T/err")"
usage "a value left out before one of the command's options" "$Q" point add "$J" --unit $U --lat 35.55 --lon --far
n_after=$("$Q" log "$J" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n_before" = "$n_after" ] && ok "  nothing recorded by them" || fail "  entries $n_before -> $n_after"
"$Q" tasks list "$J" --json --json >/dev/null 2>"$T/err" && ok "a switch given twice is harmless" || fail "switch twice: $(cat "$T/err")"
# A value without a label would be an empty cell in the app and the printed forms; a label
# without --add was ignored in silence
usage "codes --add without --label" "$Q" codes "$J" --list marker --add iron-bar
grep -q -- "--label" "$T/err" && ok "  the message names --label" || fail "  codes --add without label: $(cat "$T/err")"
usage "codes --add with an empty --label" "$Q" codes "$J" --list marker --add iron-bar --label ""
usage "codes --label without --add" "$Q" codes "$J" --list marker --label 铁棒
"$Q" codes "$J" --list marker | grep -q iron-bar && fail "  a refused value was recorded" || ok "  nothing recorded"
# ... and so is listing one: a mistyped list would read as an empty list
refuse "codes --list of a list that does not exist" "$Q" codes "$J" --list markers
grep -q "no code list 'markers'" "$T/err" && ok "  the refusal names the lists" || fail "unknown list listing: $(cat "$T/err")"
expect "codes --list note-phrase (a list that starts empty)" "$Q" codes "$J" --list note-phrase
expect "attendance: absent with notice" "$Q" attend "$J" --unit $U --party 乙村 --presence absent --notice-date 2026-11-20
usage "attendance: absent without notice date" "$Q" attend "$J" --unit $U --party 丙村 --presence absent
usage "attendance: a notice date for a party that was present" "$Q" attend "$J" --unit $U --party 丙村 --presence present --notice-date 2026-02-20
grep -q "a notice date is for an absent party" "$T/err" && ok "  the refusal says the date is for an absent party" || fail "present with a date: $(cat "$T/err")"
refuse "attendance: a notice date still to come" "$Q" attend "$J" --unit $U --party 丙村 --presence absent --notice-date "$(date -d '+3 days' +%F)"
grep -q "has not come yet" "$T/err" && ok "  the refusal says the date has not come" || fail "future notice date: $(cat "$T/err")"
# a date given but wrong is named as such, not "needs the date" (the crew did give one)
for bad in 2026-13-01 2026-02-30 26-12-01; do
    usage "attendance: notice date $bad" "$Q" attend "$J" --unit $U --party 丙村 --presence absent --notice-date $bad
    grep -q "notice date '$bad' is not a real date" "$T/err" && ok "  the refusal names $bad" || fail "bad notice date $bad: $(cat "$T/err")"
done
expect "line" "$Q" line "$J" --unit $U --from J1 --to T2 --category ditch --position centre --nature disputed --neighbour 乙村
lseq=$(sed -n 's/.*(entry \([0-9]*\)).*/\1/p' "$T/out")
refuse "line: an end that is not a boundary point" "$Q" line "$J" --unit $U --from J1 --to J99
grep -q "J99 is not a current boundary point" "$T/err" && ok "line: the message names the missing end" || fail "line message: $(cat "$T/err")"
refuse "line: unknown category" "$Q" line "$J" --unit $U --from J1 --to T2 --category moat
usage "line: from a point to itself" "$Q" line "$J" --unit $U --from J1 --to J1
expect "config accept" "$Q" config "$J" accept dgps
refuse "config unknown key" "$Q" config "$J" colour red
"$Q" tasks list "$J" --json >"$T/list.json"
pyexpr "$T/list.json" '[u for u in d if u["code"]=="622901ZR000002"][0]["fields_verified"]==2 and [u for u in d if u["code"]=="622901ZR000002"][0]["disputes_open"]==1' \
    && ok "progress: 2 fields verified, 1 dispute" || fail "progress: $(cat "$T/list.json")"

# Void and correction.
seq=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/t1.json")
# A point that a current line uses is not withdrawn until the line is (the line would vanish).
before=$(snapshot "$J")
refuse "void a point that a line ends at" "$Q" void "$J" "$seq" --reason "read from the wrong sheet"
grep -q "J1-T2 (entry $lseq)" "$T/err" && ok "void: the message names the line" || fail "void message: $(cat "$T/err")"
[ "$(snapshot "$J")" = "$before" ] && ok "refused void recorded nothing" || fail "refused void changed the journal"
expect "void the line" "$Q" void "$J" "$lseq" --reason "drawn to the wrong point"
# ... nor while a dispute's stretch ends there (it would cover no line, and the exports would
# no longer show that boundary disputed)
refuse "void a point that a dispute's stretch ends at" "$Q" void "$J" "$seq" --reason "read from the wrong sheet"
grep -q "stretch of dispute .*(J1-T2) ends there" "$T/err" && ok "void: the message names the dispute" || fail "void message (dispute): $(cat "$T/err")"
expect "void the dispute" "$Q" void "$J" "$dseq" --reason "recorded on the wrong stretch"
expect "void the map-read point" "$Q" void "$J" "$seq" --reason "read from the wrong sheet"
refuse "void of an entry already withdrawn" "$Q" void "$J" "$seq" --reason "again"
grep -q "already withdrawn" "$T/err" && ok "the refusal says it was withdrawn already" || fail "second void message: $(cat "$T/err")"
"$Q" export "$J" --format csv --output "$T/v.csv" >/dev/null
! grep -q "T2" "$T/v.csv" && ok "voided point gone from the export" || fail "voided point still exported"
"$Q" log "$J" --json | "$PY" -c "import json,sys; sys.exit(0 if any(e['seq']==$seq for e in json.load(sys.stdin)) else 1)" \
    && ok "voided entry still in the journal" || fail "voided entry vanished"

# Area from boundary points in number order.
for p in "103.2550 35.5480" "103.2610 35.5650" "103.2420 35.5760"; do set -- $p
    "$Q" point add "$J" --unit $U --lon $1 --lat $2 --h 1900 >/dev/null || fail "point add"; done
# A map-read point in the middle of the ring (DOMAIN.md 3: one series, J1 J2 T3 J4 J5): the ring
# runs in number order whatever the prefixes, so the area is the square's, not a bow tie's.
JT=$T/series.db
"$Q" init "$JT" >/dev/null && "$Q" tasks import "$JT" "$FIX/tasks/adjacent-units-4490.geojson" >/dev/null
for p in "J1 35.41 103.31" "J2 35.41 103.315" "T3 35.41 103.32 --type map-read" "J4 35.40 103.32" "J5 35.40 103.31"; do
    set -- $p
    n=$1 la=$2 lo=$3; shift 3
    "$Q" point add "$JT" --unit 622901ZR000102 --number $n --lat $la --lon $lo "$@" >/dev/null 2>"$T/err" || fail "point $n: $(cat "$T/err")"
done
"$Q" area "$JT" --unit 622901ZR000102 --json >"$T/series.json"
pyexpr "$T/series.json" '1.00e6 < d["ellipsoidal_m2"] < 1.02e6' && ok "a T point amid J points keeps its place in the ring (area $(cut -c1-80 "$T/series.json" | tr -d '\n '))" \
    || fail "ring with a T point: $(cat "$T/series.json")"
"$Q" point add "$JT" --unit 622901ZR000102 --lat 35.405 --lon 103.309 --type map-read --json >"$T/t6.json" 2>/dev/null
pyexpr "$T/t6.json" 'd["number"]=="T6"' && ok "  and the next map-read point is T6" || fail "next T: $(cat "$T/t6.json")"
"$Q" area "$J" --unit $U --json >"$T/area.json"
pyexpr "$T/area.json" 'd["epsg"]==4522 and d["points"]==5 and d["ellipsoidal_m2"]>1e6 and 0<(d["plane_m2"]-d["ellipsoidal_m2"])/d["ellipsoidal_m2"]<0.002' \
    && ok "area --json: $(cut -c1-200 "$T/area.json" | tr -d '\n ')" || fail "area: $(cat "$T/area.json")"
refuse "area of an unknown unit" "$Q" area "$J" --unit NOPE

# Signatures (指界签字): `sign` binds the strokes to the boundary digest taken when recording.
# The digest is recomputed here from `log --json` as docs/journal.md defines it, the way the
# county office would, independently of libsurvey.
cat >"$T/digest.py" <<'PY'
import hashlib, json, sys
log, unit = json.load(open(sys.argv[1])), sys.argv[2]
points, lines = {}, {}
for e in log:
    p = e["payload"]
    if e["kind"] == "point" and p.get("unit") == unit:
        if "supersedes" in p:
            points = {k: v for k, v in points.items() if v[0] != p["supersedes"]}
        points[p["number"]] = (e["seq"], p)
    elif e["kind"] == "line" and p.get("unit") == unit:
        lines[(p["from"], p["to"])] = (e["seq"], p)
    elif e["kind"] == "void":
        points = {k: v for k, v in points.items() if v[0] != p["target"]}
        lines = {k: v for k, v in lines.items() if v[0] != p["target"]}
def esc(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
t = "quejie-boundary-v1\nunit\t" + esc(unit) + "\n"
for n in sorted(points, key=lambda s: s.encode()):
    p = points[n][1]
    t += "\t".join(["point", esc(n), esc(p.get("ptype", "")), esc(p.get("marker", "")), str(p["lat"]),
                    str(p["lon"]), str(p["h"]) if "h" in p else ""]) + "\n"
for a, b in sorted(lines, key=lambda k: (k[0].encode(), k[1].encode())):
    l = lines[(a, b)][1]
    t += "\t".join(["line", esc(a), esc(b)] + [esc(l.get(k, "")) for k in
                    ("category", "position", "nature", "neighbour")]) + "\n"
print(hashlib.sha256(t.encode()).hexdigest())
PY
printf '[[10, 20, 30, 40], [100, 100, 120, 130, 140, 160]]\n' >"$T/strokes.json"
expect "attendance: 甲村 present" "$Q" attend "$J" --unit $U --party 甲村 --presence present --person 王五
expect "attendance: 丙村 by proxy" "$Q" attend "$J" --unit $U --party 丙村 --presence proxy --person 赵六
expect "sign" "$Q" sign "$J" --unit $U --party 甲村 --signer 王五 --role 村委会主任 --strokes "$T/strokes.json"
grep -q "signature of 甲村 by 王五 recorded for $U" "$T/out" && ok "sign reports what it recorded" || fail "sign output: $(cat "$T/out")"
! grep -q "no attendance" "$T/err" && ok "... with no note: 甲村 attended" || fail "sign note: $(cat "$T/err")"
refuse "a party that signed cannot be recorded absent" "$Q" attend "$J" --unit $U --party " 甲村 " --presence absent --notice-date 2026-11-20
grep -q "甲村 signed for unit $U (entry" "$T/err" && ok "  naming the signature" || fail "absent after signing: $(cat "$T/err")"
# a party typed differently from the attendance: recorded, with a note naming who attended
"$Q" init "$T/sn.db" >/dev/null 2>&1 && "$Q" tasks import "$T/sn.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null 2>&1
"$Q" attend "$T/sn.db" --unit $U --party 甲村村委会 --presence present --person 王五 >/dev/null 2>&1
expect "sign a party nobody recorded as attending" "$Q" sign "$T/sn.db" --unit $U --party 甲村 --signer 王五 --strokes "$T/strokes.json"
grep -q "no attendance of 甲村 is recorded for $U.*attending parties are: 甲村村委会" "$T/err" \
    && ok "... noted, naming the parties that attended" || fail "sign without attendance: $(cat "$T/err")"
expect "sign the attending party typed with a space after it" "$Q" sign "$T/sn.db" --unit $U --party "甲村村委会 " --signer 王五 --strokes "$T/strokes.json"
! grep -q "no attendance" "$T/err" && "$Q" tasks list "$T/sn.db" --json | "$PY" -c 'import json,sys; u=[x for x in json.load(sys.stdin) if x["code"]==sys.argv[1]][0]; sys.exit(u["signatures_missing"] != 0)' $U \
    && ok "... the same party: no note, none missing" || fail "trimmed party: $(cat "$T/err")"
"$Q" signatures "$J" --json >"$T/sig.json"
pyexpr "$T/sig.json" 'len(d)==1 and d[0]["unit"]=="'$U'" and d[0]["party"]=="甲村" and d[0]["signer"]=="王五" and d[0]["role"]=="村委会主任" and d[0]["strokes"]==2 and d[0]["points"]==5 and d[0]["covers_current"] is True and len(d[0]["covers"])==64 and d[0]["seq"]>0 and d[0]["time"].endswith("Z")' \
    && ok "signatures --json: one signature, covers the current boundary" || fail "signatures --json: $(cat "$T/sig.json")"
"$Q" log "$J" --json >"$T/log.json"
COVERS=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["covers"])' "$T/sig.json")
[ "$("$PY" "$T/digest.py" "$T/log.json" $U)" = "$COVERS" ] && ok "boundary digest recomputed from the log as docs/journal.md defines it" \
    || fail "digest: docs give $("$PY" "$T/digest.py" "$T/log.json" $U), signature covers $COVERS"
pyexpr "$T/log.json" '[e for e in d if e["kind"]=="sign"][0]["payload"]=={"unit":"'$U'","party":"甲村","signer":"王五","role":"村委会主任","strokes":[[10,20,30,40],[100,100,120,130,140,160]],"covers":"'$COVERS'","v":1}' \
    && ok "sign payload as documented" || fail "sign payload: $(grep -o '"kind": "sign"' "$T/log.json")"
"$Q" signatures "$J" --unit $U >"$T/sig.txt"
grep -q "甲村 signed by 王五 (村委会主任), 2 strokes; covers the current boundary" "$T/sig.txt" \
    && ok "signatures (text): covers the current boundary" || fail "signatures text: $(cat "$T/sig.txt")"
"$Q" tasks list "$J" --json >"$T/list.json"
pyexpr "$T/list.json" '[(u["signatures"],u["signatures_current"],u["signatures_missing"],u["attendance"]) for u in d if u["code"]=="'$U'"]==[(1,1,1,3)] and "disputes_open" in d[0]' \
    && ok "progress: 1 signature, current, 1 party (by proxy) still to sign" || fail "progress: $(cat "$T/list.json")"
"$Q" tasks list "$J" | grep -q "$U.*signatures 1/1 current, 1 missing" && ok "tasks list shows signatures" || fail "tasks list text: $("$Q" tasks list "$J")"

# Refused: nothing recorded.
before=$(snapshot "$J")
for bad in '[[10, 20, 30.5, 40]]' '[[10, 20, 1001, 40]]' '[[10, 20, -1, -1, 30, 40]]' '[[10, 20, 30]]' '[[10, 20]]' '[]' '[[1, 2, 3, NaN]]' 'no json'; do
    printf '%s\n' "$bad" >"$T/bad.json"
    usage "sign refuses strokes $bad" "$Q" sign "$J" --unit $U --party 甲村 --signer 王五 --strokes "$T/bad.json"
    grep -q -- "--strokes $T/bad.json: " "$T/err" && ok "  the message names the strokes file" \
        || fail "sign $bad: message without the file: $(cat "$T/err")"
done
refuse "sign: unknown unit" "$Q" sign "$J" --unit NOPE --party 甲村 --signer 王五 --strokes "$T/strokes.json"
refuse "sign: no signer" "$Q" sign "$J" --unit $U --party 甲村 --strokes "$T/strokes.json"
refuse "sign: missing strokes file" "$Q" sign "$J" --unit $U --party 甲村 --signer 王五 --strokes "$T/nope.json"
refuse "signatures: unknown unit" "$Q" signatures "$J" --unit NOPE
[ "$(snapshot "$J")" = "$before" ] && ok "journal unchanged after every refused sign" || fail "a refused sign changed the journal"

# A point corrected after signing: the signature stays, but no longer covers the boundary.
"$Q" point add "$J" --unit $U --lon 103.2420 --lat 35.5760 --h 1900 --json >"$T/p4.json"
seq4=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/p4.json")
expect "correct a signed point" "$Q" point add "$J" --unit $U --lon 103.2421 --lat 35.5761 --h 1900 --corrects "$seq4"
"$Q" signatures "$J" --json >"$T/sig.json"
pyexpr "$T/sig.json" 'len(d)==1 and d[0]["covers_current"] is False and d[0]["covers"]=="'$COVERS'"' \
    && ok "after the correction: covers_current false" || fail "after correction: $(cat "$T/sig.json")"
"$Q" signatures "$J" | grep -q "NO LONGER covers the current boundary" && ok "text: NO LONGER covers the current boundary" || fail "signatures text after correction"
"$Q" tasks list "$J" --json >"$T/list.json"
pyexpr "$T/list.json" '[(u["signatures"],u["signatures_current"],u["signatures_missing"]) for u in d if u["code"]=="'$U'"]==[(1,0,2)]' \
    && ok "progress: the signature is not current, both parties missing" || fail "progress after correction: $(cat "$T/list.json")"
expect "sign the corrected boundary" "$Q" sign "$J" --unit $U --party 甲村 --signer 王五 --strokes "$T/strokes.json"
expect "丙村 signs by proxy" "$Q" sign "$J" --unit $U --party 丙村 --signer 赵六 --role 代理人 --strokes "$T/strokes.json"
"$Q" signatures "$J" --unit $U --json >"$T/sig.json"
"$Q" log "$J" --json >"$T/log.json"
NOW=$("$PY" "$T/digest.py" "$T/log.json" $U)
pyexpr "$T/sig.json" '[s["covers_current"] for s in d]==[False,True,True] and d[1]["covers"]==d[2]["covers"]=="'$NOW'"' \
    && ok "three signatures kept, the two new ones current" || fail "signatures: $(cat "$T/sig.json")"
"$Q" tasks list "$J" --json >"$T/list.json"
pyexpr "$T/list.json" '[(u["signatures"],u["signatures_current"],u["signatures_missing"]) for u in d if u["code"]=="'$U'"]==[(3,2,0)]' \
    && ok "progress: nobody missing" || fail "progress: $(cat "$T/list.json")"
sseq=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[2]["seq"])' "$T/sig.json")
expect "void a signature" "$Q" void "$J" "$sseq" --reason "signed on the wrong sheet"
"$Q" signatures "$J" --json >"$T/sig.json"
pyexpr "$T/sig.json" 'len(d)==2 and all(s["seq"]!='$sseq' for s in d)' && ok "voided signature gone from the state" || fail "void sign: $(cat "$T/sig.json")"

# Export: an attributes table in the GeoPackage, features without geometry in GeoJSON.
"$Q" export "$J" --format gpkg --output "$T/sig.gpkg" >"$T/out" && grep -q "2 signatures" "$T/out" \
    && ok "export gpkg reports 2 signatures" || fail "export gpkg: $(cat "$T/out")"
"$PY" - "$T/sig.gpkg" "$COVERS" "$NOW" <<'PY' && ok "gpkg: signatures attributes table with covers_current" || fail "gpkg signatures table"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT data_type, srs_id FROM gpkg_contents WHERE table_name = 'signatures'").fetchone() == ("attributes", None)
assert db.execute("SELECT count(*) FROM gpkg_geometry_columns WHERE table_name = 'signatures'").fetchone()[0] == 0
rows = db.execute("SELECT party, signer, covers, covers_current, stroke_count, strokes, signed FROM signatures ORDER BY seq").fetchall()
assert [(r[0], r[2], r[3]) for r in rows] == [("甲村", sys.argv[2], 0), ("甲村", sys.argv[3], 1)], rows
assert all(r[4] == 2 and json.loads(r[5]) == [[10, 20, 30, 40], [100, 100, 120, 130, 140, 160]] and r[6].endswith("Z") for r in rows), rows
PY
VALIDATE=$(dpkg -L python3-gdal 2>/dev/null | grep 'samples/validate_gpkg.py$' | head -1)
if [ -n "$VALIDATE" ]; then
    expect "validate_gpkg.py --extra accepts the GeoPackage with signatures" "$PY" "$VALIDATE" --extra --warning-as-error -k "$T/sig.gpkg"
else
    fail "python3-gdal is not installed: validate_gpkg.py missing"
fi
expect "export geojson" "$Q" export "$J" --format geojson --output "$T/sig.geojson"
pyexpr "$T/sig.geojson" '[(f["properties"]["party"], f["properties"]["covers_current"], f["properties"]["strokes"], f["geometry"]) for f in d["features"] if f["properties"]["layer"]=="signature"]==[("甲村", False, [[10,20,30,40],[100,100,120,130,140,160]], None), ("甲村", True, [[10,20,30,40],[100,100,120,130,140,160]], None)]' \
    && ok "geojson: signature features without geometry" || fail "geojson signatures"

expect "check" "$Q" check "$J"
# Tampering behind the library's back is caught by check.
cp "$J" "$T/tampered.db"; cp "$J.key" "$T/tampered.db.key"
"$PY" - "$T/tampered.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER entries_append_only_u")
db.execute("UPDATE entries SET payload = replace(payload, '全民', '集体') WHERE kind = 'unit'")
db.commit()
PY
refuse "check detects an edited entry" "$Q" check "$T/tampered.db"
grep -q "altered" "$T/err" && ok "check names the altered entry" || fail "check message: $(cat "$T/err")"
refuse "check of a file that is not a journal" "$Q" check "$QJ_SOURCE/README.md"
"$Q" log "$J" --json >"$T/log.json" && "$PY" -c 'import json,sys; json.load(open(sys.argv[1]))' "$T/log.json" && ok "log --json" || fail "log --json"
# An outside reader re-hashes every entry from `log --json` alone, exactly as docs/journal.md
# ("Hash") specifies, and follows the chain from 32 zero bytes to the signed head.
"$PY" - "$T/log.json" <<'PY' && ok "log --json: every entry re-hashed from time_ms, prev_hash, payload_raw as documented" || fail "log --json does not re-hash"
import hashlib, json, sys
log = json.load(open(sys.argv[1]))
prev = bytes(32)
assert len(log) > 10
for e in log:
    dev, kind, payload = e["device"].encode("ascii"), e["kind"].encode("ascii"), e["payload_raw"].encode("utf-8")
    assert bytes.fromhex(e["prev_hash"]) == prev, e["seq"]
    assert json.loads(e["payload_raw"]) == e["payload"], e["seq"]
    h = hashlib.sha256(b"quejie-entry-v1\x00" + prev + e["seq"].to_bytes(8, "big")
                       + e["time_ms"].to_bytes(8, "big", signed=True)
                       + len(dev).to_bytes(4, "big") + dev + len(kind).to_bytes(4, "big") + kind
                       + len(payload).to_bytes(4, "big") + payload).digest()
    assert h.hex() == e["hash"], (e["seq"], h.hex(), e["hash"])
    prev = h
PY

# record_live LOG CYCLE OUT ARGS...: `quejie record ARGS` started first on a free port, and
# gpsfake (looping the log) once record says the receiver is not reachable yet: however late a
# record on a loaded machine connects, the log is still being fed. Sets rc (99 when gpsfake did
# not start).
record_live() {
    local log=$1 cyc=$2 out=$3 port rp
    shift 3
    port=$(free_port)
    timeout 60 "$Q" record "$@" --gnss 127.0.0.1:$port >"$out" 2>"$T/err" &
    rp=$!
    for _ in $(seq 300); do grep -q "not reachable" "$T/err" 2>/dev/null && break; sleep 0.05; done
    if replay_loop "$log" "$cyc" "$port"; then
        wait $rp
        rc=$?
    else
        kill $rp 2>/dev/null
        wait $rp 2>/dev/null
        rc=99
    fi
}

# Recording from a real gpsd: the Trimble log is DGPS first, then RTK fixed.
record_live "$FIX/gnss/nmea-rtk.log" 0.05 "$T/rec" "$J" --unit $U --count 2 --average 5 --min-seconds 0.3 --accept dgps --json
if [ $rc -ne 99 ]; then
    [ $rc -eq 0 ] && [ "$(grep -c '"number"' "$T/rec")" -eq 2 ] && ok "record 2 averaged points" || fail "record rc=$rc: $(tail -2 "$T/err") [gpsfake: $(tail -3 "$T/gpsfake.log" | tr '\n' ' ')]"
    "$PY" - "$T/rec" <<'PY' && ok "recorded points: contract keys, n >= 5 and >= 0.3 s, position in Iowa" || fail "record output: $(cat "$T/rec")"
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    assert all(k in o for k in ("number", "lat", "lon", "h", "status", "n", "sigma_e", "sigma_n")), o
    assert o["n"] >= 5 and o["duration_s"] >= 0.3 and o["status"] in ("dgps", "rtk-fixed") and 41.57 < o["lat"] < 41.58 and -93.76 < o["lon"] < -93.74, o
PY
    stop_replay
else fail "gpsfake did not start"; fi

# The default gate is RTK fixed: a DGPS-only receiver never yields a point, and record says why.
if replay_loop "$FIX/gnss/garmin15x.log" 0.05; then
    timeout 60 "$Q" record "$J" --unit $U --gnss 127.0.0.1:$GPSPORT --average 3 --min-seconds 0 --accept rtk-fixed --timeout 3 >"$T/rec" 2>"$T/err"
    rc=$?
    [ $rc -eq 3 ] && grep -q "timed out" "$T/err" && ok "below-gate receiver: timed out, exit 3 ($(tail -1 "$T/err" | cut -c1-150))" || fail "gate: rc=$rc $(cat "$T/err")"
    [ ! -s "$T/rec" ] && ok "nothing recorded below the gate" || fail "recorded below the gate: $(cat "$T/rec")"
    stop_replay
else fail "gpsfake did not start"; fi
# A receiver carried about (the BeiDou log moves between its epochs): a timeout says it moved,
# not only how many epochs it has.
if replay_loop "$FIX/gnss/beidou-bd.log" 0.05; then
    timeout 60 "$Q" record "$J" --unit $U --gnss 127.0.0.1:$GPSPORT --average 50 --min-seconds 0 --accept gps --timeout 4 >"$T/rec" 2>"$T/err"
    rc=$?
    [ $rc -eq 3 ] && grep -q "timed out.*moving" "$T/err" && ok "a moving receiver: the timeout says so ($(tail -1 "$T/err" | cut -c1-160))" || fail "moving: rc=$rc $(cat "$T/err")"
    stop_replay
else fail "gpsfake did not start"; fi

# No gpsd at all: "no receiver", then the timeout.
port=$(free_port)
timeout 30 "$Q" record "$J" --unit $U --gnss 127.0.0.1:$port --timeout 2 >"$T/rec" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && grep -q "no receiver" "$T/err" && ok "no gpsd: reports no receiver, exits 3" || fail "no gpsd: rc=$rc $(cat "$T/err")"
# --remeasure of an entry that is no current point of the unit is refused before any receiver.
timeout 30 "$Q" record "$J" --unit $U --gnss 127.0.0.1:$port --timeout 2 --remeasure 1 --reason "again" >"$T/rec" 2>"$T/err"
rc=$?
[ $rc -eq 2 ] && grep -q "remeasure 1: not a current boundary point" "$T/err" && ! grep -q "receiver" "$T/err" \
    && ok "record --remeasure of a non-point is refused up front" || fail "remeasure up front: rc=$rc $(cat "$T/err")"

# Walk mode: K gated vertices one every M metres.
record_live "$FIX/gnss/nmea-rtk.log" 0.05 "$T/walk" "$J" --unit $U --walk-every 0.5 --count 5 --accept dgps --json
if [ $rc -ne 99 ]; then
    [ $rc -eq 0 ] && [ "$(grep -c '"vertex"' "$T/walk")" -eq 5 ] && ok "walk: 5 vertices" || fail "walk rc=$rc: $(tail -2 "$T/err") [gpsfake: $(tail -3 "$T/gpsfake.log" | tr '\n' ' ')]"
    stop_replay
else fail "gpsfake did not start"; fi

# SIGTERM while recording: non-zero exit, everything reported is kept. The signal goes once a
# point is reported (record is then surely past its start-up, however slow an ASan build on a
# loaded machine is), never after a fixed sleep.
if replay_loop "$FIX/gnss/nmea-rtk.log" 0.05; then
    "$Q" record "$J" --unit $U --gnss 127.0.0.1:$GPSPORT --count 1000 --average 1 --min-seconds 0 --accept dgps --json >"$T/rec" 2>"$T/err" &
    rp=$!
    for _ in $(seq 600); do grep -q '}$' "$T/rec" 2>/dev/null && break; kill -0 $rp 2>/dev/null || break; sleep 0.1; done
    kill -TERM $rp; wait $rp; rc=$?
    n=$(grep -c '}$' "$T/rec")
    [ $rc -ne 0 ] && [ $rc -ne 143 ] && grep -q "interrupted" "$T/err" && [ "$n" -ge 1 ] &&
        ok "SIGTERM mid-recording: exit $rc with a message, after $n reported points" || fail "SIGTERM: rc=$rc, $n points: $(cat "$T/err")"
    "$Q" log "$J" --json >"$T/logt.json"
    "$PY" - "$T/logt.json" "$T/rec" <<'PY' && ok "... every point it reported is in the journal" || fail "SIGTERM: reported points missing"
import json, sys
seqs = {e["seq"] for e in json.load(open(sys.argv[1])) if e["kind"] == "point"}
rep = [json.loads(l) for l in open(sys.argv[2]) if l.endswith("}\n")]
assert rep and all(o["seq"] in seqs for o in rep), rep
PY
    stop_replay
else fail "gpsfake did not start"; fi
# Below the journal's gate (rtk-fixed by default) a point is an override and says why.
J3=$T/gate.db
"$Q" init "$J3" >/dev/null && "$Q" tasks import "$J3" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
if replay_loop "$FIX/gnss/nmea-rtk.log" 0.03; then
    timeout 60 "$Q" record "$J3" --unit $U --gnss 127.0.0.1:$GPSPORT --average 3 --min-seconds 0 --accept dgps --override "CORS outage" --override-code no-corrections --antenna-height 2.0 --json >"$T/ovr" 2>"$T/err"
    "$Q" log "$J3" --json >"$T/log3.json"
    pyexpr "$T/log3.json" '[e for e in d if e["kind"]=="point"][0]["payload"]["override"]=="CORS outage" and [e for e in d if e["kind"]=="point"][0]["payload"]["flags"] & 8' \
        && ok "a DGPS point under an RTK-fixed journal is an override with its reason" || fail "override not recorded: $(cat "$T/ovr" "$T/err")"
    # issue 10: the reason's code beside the label, the pole height, the method from the fix,
    # and the ground height = antenna height - pole in the payload (v 2) and the output
    pyexpr "$T/log3.json" '[(p["v"], p["ovc"], p["pole"], p["method"]) for p in [e["payload"] for e in d if e["kind"]=="point"]][0] == (2, "no-corrections", 2000, "static")' \
        && pyexpr "$T/ovr" 'abs(d["h"] - 2.0 - d["ground_h"]) < 0.0015 and d["pole_h"] == 2.0 and d["override_code"] == "no-corrections"' \
        && ok "record --antenna-height/--override-code: pole, ground height, code and method" || fail "antenna height: $(cat "$T/ovr")"
    "$Q" export "$J3" --format forms --unit $U --output "$T/ovr.html" >/dev/null 2>&1
    grep -q "超限记录：此处无 RTK 差分信号（无移动网络）</td>" "$T/ovr.html" \
        && ok "  the 界址点成果表's 备注 says it was recorded below the gate, and why" || fail "override in the forms: $(grep -o '<th>备注</th>.\{0,300\}' "$T/ovr.html" | head -c 400)"
    stop_replay
else fail "gpsfake did not start"; fi
expect "check after recording" "$Q" check "$J"

# Issue 10: corrections as superseding entries, the method, and the journal's pole default.
J4=$T/fix.db
"$Q" init "$J4" --epsg 4522 >/dev/null && "$Q" tasks import "$J4" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
expect "config antenna.height-m" "$Q" config "$J4" antenna.height-m 1.8
usage "config antenna.height-m refuses a negative pole" "$Q" config "$J4" antenna.height-m -1
expect "point add --method taped --antenna-height" "$Q" point add "$J4" --unit $U --lat 35.5500 --lon 103.2300 --h 1900 --antenna-height 1.5 --method taped --marker concrete-post
refuse "point add --method refuses an unknown method" "$Q" point add "$J4" --unit $U --lat 35.5500 --lon 103.2300 --method guessed
refuse "a magnetic bearing without a declination is refused" "$Q" point add "$J4" --unit $U --lat 35.5650 --lon 103.2610 --offset-distance 10 --offset-bearing 90 --north magnetic
grep -q -- "--declination DEG" "$T/err" && grep -q "offset.declination-deg DEG" "$T/err" && ok "  the refusal names --declination and the setting" || fail "magnetic without declination: $(cat "$T/err")"
expect "a grid bearing" "$Q" point add "$J4" --unit $U --lat 35.5650 --lon 103.2610 --offset-distance 10 --offset-bearing 90 --north grid
expect "point change: the marker, with a reason" "$Q" point change "$J4" 6 --marker paint --reason "marker misread"
refuse "point change without a reason" "$Q" point change "$J4" 7 --marker none
refuse "void of a unit entry" "$Q" void "$J4" 2 --reason "not voidable"
expect "point add --corrects --reason (re-measure by hand)" "$Q" point add "$J4" --unit $U --lat 35.5501 --lon 103.2301 --corrects 7 --reason "pole was leaning"
"$Q" log "$J4" --json >"$T/log4.json"
pyexpr "$T/log4.json" '(lambda p: (p[6]["h"], p[6]["pole"], p[6]["method"]) == (1898500, 1500, "taped") and p[7]["off"]["north"] == "grid" and p[7]["off"]["brg_in"] == 90000000 and 90.7 < p[7]["off"]["brg"] / 1e6 < 90.8 and p[8]["supersedes"] == 6 and p[8]["marker"] == "paint" and p[8]["reason"] == "marker misread" and p[9]["supersedes"] == 7 and p[9]["reason"] == "pole was leaning")({e["seq"]: e["payload"] for e in d})' \
    && ok "point payloads: ground height and pole, method, grid north turned by the convergence, corrections linked with reasons" || fail "payloads: $(cut -c1-600 "$T/log4.json")"
expect "check after corrections" "$Q" check "$J4"
# An offset point's height: the spot's plus --offset-dh, none without it (the library's rule).
JH=$T/offh.db
"$Q" init "$JH" --epsg 4522 >/dev/null && "$Q" tasks import "$JH" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
"$Q" point add "$JH" --unit $U --lat 35.5600 --lon 103.2400 --h 1900 --offset-distance 20 --offset-bearing 180 --json >"$T/offh.json"
pyexpr "$T/offh.json" 'd["h"] is None' && ok "offset point: no height without --offset-dh" || fail "offset point height: $(cat "$T/offh.json")"
"$Q" point add "$JH" --unit $U --lat 35.5600 --lon 103.2400 --h 1900 --offset-distance 20 --offset-bearing 200 --offset-dh -0.75 --json >"$T/offh.json"
pyexpr "$T/offh.json" 'abs(d["h"]-1899.25)<1e-6 and d["offset_dh_m"] == -0.75 and d["offset_distance_m"] == 20' && ok "offset point: the spot's height plus --offset-dh" || fail "offset point height with dh: $(cat "$T/offh.json")"
refuse "--offset-dh without an offset" "$Q" point add "$JH" --unit $U --lat 35.5600 --lon 103.2400 --offset-dh 1
refuse "--offset-dh without --h" "$Q" point add "$JH" --unit $U --lat 35.5600 --lon 103.2400 --offset-distance 5 --offset-bearing 10 --offset-dh 1
# A number belongs to one current point: a new point, or a correction renumbering another, does
# not silently take the place of J1 (the line and the signatures would follow it unrecorded).
N4=$("$Q" log "$J4" --json | "$PY" -c "import json,sys;print(len(json.load(sys.stdin)))")
refuse "point add --number of a current point" "$Q" point add "$J4" --unit $U --lat 35.5502 --lon 103.2302 --number J1
grep -q "J1" "$T/err" && grep -q -- "--corrects" "$T/err" && ok "the refusal names J1 and --corrects" || fail "taken-number message: $(cat "$T/err")"
# The prefix says the type on the 界址点成果表: J measured, T map-read.
refuse "a J number for a map-read point" "$Q" point add "$J4" --unit $U --lat 35.5502 --lon 103.2302 --type map-read --number J20
grep -q "does not fit its type map-read: a map-read point is numbered T (T20)" "$T/err" && ok "  the refusal says which prefix" || fail "  prefix message: $(cat "$T/err")"
refuse "a T number for a measured point" "$Q" point add "$J4" --unit $U --lat 35.5502 --lon 103.2302 --number T5
grep -q "a measured point is numbered J (J5)" "$T/err" && ok "  saying J" || fail "  T5 message: $(cat "$T/err")"
refuse "a correction renumbering onto another current point" "$Q" point add "$J4" --unit $U --lat 35.5502 --lon 103.2302 --corrects 9 --number J1 --reason "renumber"
[ "$("$Q" log "$J4" --json | "$PY" -c "import json,sys;print(len(json.load(sys.stdin)))")" = "$N4" ] \
    && ok "the refused points recorded nothing" || fail "a refused point was recorded"
expect "a correction keeping its own number" "$Q" point add "$J4" --unit $U --lat 35.5503 --lon 103.2303 --corrects 9 --number J2 --reason "again"
expect "a new point with a free number" "$Q" point add "$J4" --unit $U --lat 35.5504 --lon 103.2304 --number J7
refuse "void of a point a later entry corrected" "$Q" void "$J4" 6 --reason "wrong"
grep -q "entry 8 corrected it" "$T/err" && ok "the refusal names the correcting entry" || fail "superseded void message: $(cat "$T/err")"
"$Q" area "$J4" --unit $U --json >"$T/a4.json"
pyexpr "$T/a4.json" 'd["points"] == 3' && ok "three current points: J1, J2 and J7" || fail "points after numbering: $(cat "$T/a4.json")"
# Under three points there is no area: null in JSON as in tasks list and the exports, not 0.
"$Q" point add "$J4" --unit 622925CY000031 --lat 35.4002 --lon 103.3502 >/dev/null
"$Q" area "$J4" --unit 622925CY000031 --json >"$T/a5.json"
pyexpr "$T/a5.json" 'd["points"] == 1 and d["ellipsoidal_m2"] is None and d["plane_m2"] is None and d["difference_pct"] is None and d["draft_ellipsoidal_m2"] > 0' \
    && ok "area --json of a one-point unit: no area (null), the draft's area" || fail "one-point area: $(cat "$T/a5.json")"
"$Q" area "$J4" --unit 622925CY000031 >"$T/a5.txt"
grep -q "none yet" "$T/a5.txt" && ! grep -q "difference" "$T/a5.txt" && ok "area of a one-point unit says none yet, no difference" || fail "one-point area text: $(cat "$T/a5.txt")"
# A second point on the same spot counts as a point in area as in tasks list.
"$Q" point add "$J4" --unit 622925CY000031 --lat 35.4002 --lon 103.3502 >/dev/null
"$Q" area "$J4" --unit 622925CY000031 --json >"$T/a5.json"
"$Q" tasks list "$J4" --json >"$T/tl4.json"
pyexpr "$T/a5.json" "d['points'] == 2 == [u['points'] for u in json.load(open('$T/tl4.json')) if u['code'] == '622925CY000031'][0]" \
    && ok "area and tasks list count the same points" || fail "point counts: $(head -c 300 "$T/a5.json")"

# A boundary point beyond the unit's zone (recorded with --far): the plane figures cannot be
# computed, the ellipsoidal ones still are; area prints them, names the position and exits 1.
J5=$T/stray.db
"$Q" init "$J5" >/dev/null 2>&1 && "$Q" tasks import "$J5" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null 2>&1
for p in "35.55 103.23" "35.548 103.255" "35.565 103.261"; do set -- $p
    "$Q" point add "$J5" --unit 622901ZR000002 --lat $1 --lon $2 >/dev/null 2>&1; done
"$Q" point add "$J5" --unit 622901ZR000002 --lat 35.41 --lon 125 --far >/dev/null 2>&1
if "$Q" area "$J5" --unit 622901ZR000002 --json >"$T/a6.json" 2>"$T/err"; then
    fail "area with a point beyond the zone exited 0"
else
    pyexpr "$T/a6.json" 'd["ellipsoidal_m2"] > 0 and d["plane_m2"] is None and "position 4 of 4" in d["problem"]' \
        && grep -q "position 4 of 4" "$T/err" \
        && ok "area: a point beyond the zone leaves the ellipsoidal area, names the position, exits 1" \
        || fail "stray point: $(cat "$T/a6.json" "$T/err")"
fi

# A unit whose own epsg property names a zone that cannot hold its draft is refused at import.
"$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); d["features"][0]["properties"]["epsg"]=4513; json.dump(d,open(sys.argv[2],"w"),ensure_ascii=False)' \
    "$FIX/tasks/linxia-units-4490.geojson" "$T/wrongzone.geojson"
"$Q" init "$T/wz.db" >/dev/null 2>&1
refuse "tasks import refuses a unit whose own zone cannot hold it" "$Q" tasks import "$T/wz.db" "$T/wrongzone.geojson"
grep -q "feature 1 (622901SL000007): its own CRS cannot hold its draft: position 1: .*EPSG:4513" "$T/err" \
    && ok "  the refusal names the feature, the zone and the first position" || fail "wrong zone: $(cat "$T/err")"

# An export's output that cannot be a file is said to be so before anything is read.
refuse "export to a directory" "$Q" export "$J" --format csv --output "$T"
grep -q "is a directory" "$T/err" && ok "  says the output is a directory" || fail "  export to a directory: $(cat "$T/err")"
# A link, a device or "-" would be replaced by a plain file (as root, /dev/stdout itself was):
# refused, the link and the file it names as they were.
echo keep >"$T/real.csv"
ln -s real.csv "$T/link.csv"
refuse "export to a symbolic link" "$Q" export "$J" --format csv --output "$T/link.csv"
grep -q "link.csv is a symbolic link" "$T/err" && [ -L "$T/link.csv" ] && [ "$(cat "$T/real.csv")" = keep ] \
    && ok "  says so; the link and its file untouched" || fail "  export to a link: $(cat "$T/err"; ls -l "$T/link.csv")"
mkfifo "$T/pipe.csv"
refuse "export to a pipe" "$Q" export "$J" --format geojson --output "$T/pipe.csv"
grep -q "is not a regular file" "$T/err" && [ -p "$T/pipe.csv" ] && ok "  says it is not a regular file; the pipe stays" || fail "  export to a pipe: $(cat "$T/err")"
(cd "$T" && "$Q" export "$J" --format csv --output - >"$T/out" 2>"$T/err"); rc=$?
[ "$rc" -ne 0 ] && [ ! -e "$T/-" ] && grep -q "standard output" "$T/err" && ok "export --output - refused, no file named -" || fail "export to -: rc $rc $(cat "$T/err")"
usage "export to an empty name" "$Q" export "$J" --format gpkg --output ""
grep -q "output file name is empty" "$T/err" && ok "  says the name is empty" || fail "  export to '': $(cat "$T/err")"
usage "bundle to an empty name" "$Q" bundle "$J" --output ""

# A listing's --unit naming no unit of the journal (a typo) is refused, as signatures refuses it,
# rather than answering "no notes".
for c in "note list" "dispute list" "signatures"; do
    refuse "$c of a unit not in the journal" "$Q" $c "$J" --unit 622901ZR00000X
    grep -q "unit 622901ZR00000X is not in this journal" "$T/err" && ok "  names the unit" || fail "  $c: $(cat "$T/err")"
done

# No gpsd: record says so once per warning, in one voice, and times out with exit 3.
"$Q" record "$J" --unit $U --gnss 127.0.0.1:$(free_port) --timeout 2 >"$T/out" 2>"$T/err"
rc=$?
[ $rc -eq 3 ] && grep -q "no receiver: gpsd at 127.0.0.1:[0-9]* not reachable" "$T/err" && [ "$(grep -o retrying "$T/err" | wc -l)" -eq 1 ] \
    && ok "record without gpsd: 'no receiver', retrying said once, exit 3" || fail "record without gpsd (rc $rc): $(cat "$T/err")"

# A full disk is named as one, with the journal's file, instead of SQLite's bare "disk I/O error"
# (an open cannot grow the WAL index) or "database or disk is full"; nothing recorded is lost,
# and a failed init leaves no -wal or -shm behind. A small tmpfs in a private mount namespace
# (unshare: no root needed where user namespaces are allowed).
D=$T/small
mkdir -p "$D"
cat >"$T/full.sh" <<EOF
mount -t tmpfs -o size=64k tmpfs "$D" || exit 77
"$Q" init "$D/tiny.db" >/dev/null 2>"$T/full-init.err" && exit 10
ls -A "$D" >"$T/full-init.ls"
umount "$D" && mount -t tmpfs -o size=2m tmpfs "$D" || exit 77
"$Q" init "$D/j.db" >/dev/null || exit 11
"$Q" tasks import "$D/j.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null || exit 12
dd if=/dev/zero of="$D/fill" bs=4k count=440 2>/dev/null
ok=0
for i in \$(seq 1 100); do
    "$Q" note add "$D/j.db" --unit $U --text "\$(head -c 3000 /dev/zero | tr '\0' x)" >/dev/null 2>"$T/full-note.err" || break
    ok=\$((ok + 1))
done
echo \$ok >"$T/full-notes"
# room again for a clean close (its WAL and index go), then none for the next open's index
rm -f "$D/fill"
"$Q" tasks list "$D/j.db" >/dev/null || exit 16
dd if=/dev/zero of="$D/fill2" bs=4k 2>/dev/null
"$Q" tasks list "$D/j.db" >/dev/null 2>"$T/full-open.err" && exit 13
rm -f "$D/fill2"
"$Q" note list "$D/j.db" --json >"$T/full-list.json" || exit 14
"$Q" check "$D/j.db" >"$T/full-check" 2>&1 || exit 15
exit 0
EOF
rc=77
command -v unshare >/dev/null && { unshare --user --map-root-user --mount bash "$T/full.sh"; rc=$?; }
if [ $rc -eq 77 ]; then
    ok "SKIP full disk: no private tmpfs here (unshare --user --mount)"
elif [ $rc -ne 0 ]; then
    fail "full disk scenario stopped at step $rc: $(cat "$T"/full-*.err 2>/dev/null)"
else
    grep -q "the disk is full .*tiny.db" "$T/full-init.err" && [ ! -s "$T/full-init.ls" ] \
        && ok "init on a full disk says so and leaves nothing behind" \
        || fail "init on a full disk: $(cat "$T/full-init.err") left: $(cat "$T/full-init.ls")"
    for e in note open; do
        grep -q "j.db.*the disk is full\|the disk is full .*j.db" "$T/full-$e.err" \
            && ok "$e on a full disk names the problem and the journal: $(cut -c1-100 "$T/full-$e.err")" \
            || fail "$e on a full disk: $(cat "$T/full-$e.err")"
    done
    [ "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/full-list.json")" = "$(cat "$T/full-notes")" ] \
        && grep -q ": ok:" "$T/full-check" \
        && ok "after space is freed: every note reported recorded is there ($(cat "$T/full-notes")), check passes" \
        || fail "after the full disk: notes $(cat "$T/full-notes") vs $(head -c 200 "$T/full-list.json"); $(cat "$T/full-check")"
fi
# A journal that cannot be written (a USB stick mounted read-only, no permission on the file or
# its directory) is named as such with the reason, instead of SQLite's bare "unable to open
# database file" or "attempt to write a readonly database". A read-only tmpfs in a private mount
# namespace, as for the full disk above.
R=$T/romedium
mkdir -p "$R"
cat >"$T/ro.sh" <<EOF
mount -t tmpfs -o size=2m tmpfs "$R" || exit 77
"$Q" init "$R/j.db" >/dev/null || exit 10
"$Q" tasks import "$R/j.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null || exit 11
mount -o remount,ro "$R" || exit 77
"$Q" note add "$R/j.db" --unit $U --text x >/dev/null 2>"$T/ro-note.err" && exit 12
"$Q" tasks list "$R/j.db" >/dev/null 2>"$T/ro-list.err" && exit 13
exit 0
EOF
rc=77
command -v unshare >/dev/null && { unshare --user --map-root-user --mount bash "$T/ro.sh"; rc=$?; }
if [ $rc -eq 77 ]; then
    ok "SKIP read-only medium: no private tmpfs here (unshare --user --mount)"
elif [ $rc -ne 0 ]; then
    fail "read-only medium scenario stopped at step $rc: $(cat "$T"/ro-*.err 2>/dev/null)"
else
    for e in note list; do
        grep -q "j.db: the journal cannot be written: it is on a read-only file system" "$T/ro-$e.err" \
            && ok "$e on a read-only medium names the problem and the journal" \
            || fail "$e on a read-only medium: $(cat "$T/ro-$e.err")"
    done
fi

# A device key that is there but not readable by this user is not called "missing". As root the
# command runs as nobody (setpriv) on a journal that nobody may read but whose key it may not.
KD=$T/keyperm
mkdir -p "$KD"
"$Q" init "$KD/k.db" >/dev/null && "$Q" tasks import "$KD/k.db" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null
chmod 0600 "$KD/k.db.key"
if [ "$(id -u)" = 0 ]; then
    chmod 0711 "$T" && chmod 0777 "$KD" && chmod 0666 "$KD/k.db"
    as=(setpriv --reuid=65534 --regid=65534 --clear-groups)
else
    chmod 0000 "$KD/k.db.key"
    as=()
fi
if [ "$(id -u)" = 0 ] && ! command -v setpriv >/dev/null; then
    ok "SKIP unreadable key: no setpriv"
else
    refuse "note add with an unreadable device key" "${as[@]}" "$Q" note add "$KD/k.db" --unit $U --text x
    grep -q "k.db.key: cannot read the device key (Permission denied" "$T/err" && ! grep -q "missing" "$T/err" \
        && ok "  the refusal says the key cannot be read, not that it is missing" || fail "unreadable key: $(cat "$T/err")"
fi
chmod 0700 "$T"; chmod 0600 "$KD/k.db.key"

# ---- what an outside check of the CLI found (December 2026) -----------------------------------
# A dispute between two corners also covers a line recorded between exactly them (every export
# marks it); the text form lists every covered line however many; point change --json; the
# names echoed as recorded; a void of a twice-corrected point names the current entry; a point
# beyond its zone's reach names no plane CRS.
D=$T/found.db
"$Q" init "$D" >/dev/null && "$Q" tasks import "$D" "$FIX/tasks/adjacent-units-4490.geojson" >/dev/null
W=622901ZR000101
for ll in "35.400 103.300" "35.400 103.310" "35.410 103.310" "35.410 103.300"; do
    set -- $ll
    "$Q" point add "$D" --unit $W --lat $1 --lon $2 >/dev/null 2>&1 || fail "point add $ll"
done
expect "line J1-J3 across the unit" "$Q" line "$D" --unit $W --from J1 --to J3
expect "a dispute from J1 to J3" "$Q" dispute "$D" --unit $W --statement 争议 --from J1 --to J3
"$Q" dispute list "$D" --json >"$T/dl.json" 2>"$T/err"
pyexpr "$T/dl.json" '["J1","J3"] in d[0]["lines"] and ["J1","J2"] in d[0]["lines"] and ["J2","J3"] in d[0]["lines"] and len(d[0]["lines"]) == 3' \
    && ok "dispute list covers the recorded line J1-J3 beside the ring's J1-J2, J2-J3" || fail "dispute list lines: $(cat "$T/dl.json")"
"$Q" dispute list "$D" >"$T/out" 2>&1
grep -q "lines: J1-J2, J2-J3, J1-J3; open" "$T/out" && ok "  the text form lists the same" || fail "dispute list text: $(cat "$T/out")"
"$Q" point change "$D" 4 --marker paint --reason 复查 --json >"$T/pc.json" 2>"$T/err"
pyexpr "$T/pc.json" 'd["number"]=="J1" and d["supersedes"]==4 and d["seq"]>4' \
    && ok "point change --json prints the new point" || fail "point change --json: $(cat "$T/pc.json" "$T/err")"
PC=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["seq"])' "$T/pc.json")
"$Q" point change "$D" "$PC" --marker concrete-post --reason 再查 >"$T/out" 2>&1
PC2=$(grep -o 'entry [0-9]*)' "$T/out" | tr -dc 0-9)
refuse "void of a point corrected twice" "$Q" void "$D" 4 --reason x
grep -q "entry 4 is not a current point: entry $PC corrected it, and later corrections lead to entry $PC2; withdraw that one" "$T/err" \
    && ok "  names the current entry ($PC2), not the first correction" || fail "void hint: $(cat "$T/err")"
"$Q" attend "$D" --unit $W --party " 马家庄 " --presence present --person 李 >"$T/out" 2>&1
grep -q "attendance of 马家庄 recorded" "$T/out" && ok "attend echoes the party as recorded (trimmed)" || fail "attend echo: $(cat "$T/out")"
"$Q" point add "$D" --unit $W --lat 35.401 --lon 125.0 --far >/dev/null 2>&1 || fail "far point"
expect "CSV with a point beyond its zone" "$Q" export "$D" --format csv --output "$T/far.csv"
"$PY" - "$T/far.csv" <<'PY' && ok "a point with no X/Y names no epsg or central_meridian; the others do" || fail "far point CSV: $(cat "$T/far.csv")"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
far = [r for r in rows if r["X"] == ""]
near = [r for r in rows if r["X"] != ""]
assert len(far) == 1 and far[0]["epsg"] == "" and far[0]["central_meridian"] == "", far
assert near and all(r["epsg"] and r["central_meridian"] for r in near), near
PY

# A text a spreadsheet would run as a formula (a unit code from a task package) is written with
# a leading apostrophe in the CSV (OWASP's rule for CSV injection).
cat >"$T/formula.geojson" <<'EOF'
{"type": "FeatureCollection", "features": [
{"type": "Feature", "properties": {"ZRZYDJDYH": "=1+2+cmd|calc!A0", "DJDYMC": "单元", "DJDYLX": "草原"}, "geometry": {"type": "Polygon", "coordinates": [[[103.300, 35.400], [103.301, 35.400], [103.301, 35.401], [103.300, 35.401], [103.300, 35.400]]]}}
]}
EOF
"$Q" init "$T/formula.db" >/dev/null && "$Q" tasks import "$T/formula.db" "$T/formula.geojson" >/dev/null \
    && "$Q" point add "$T/formula.db" --unit "=1+2+cmd|calc!A0" --lat 35.4 --lon 103.3 >/dev/null \
    && "$Q" export "$T/formula.db" --format csv --output "$T/formula.csv" >/dev/null
grep -q "^\"'=1+2+cmd|calc!A0\",J1," "$T/formula.csv" && ! grep -q '^=' "$T/formula.csv" \
    && ok "CSV: a formula-like text starts with an apostrophe" || fail "CSV formula: $(cat "$T/formula.csv")"

finish
