#!/bin/bash
# Notes, disputes on the lines they concern and their on-site settlement, end to end through the
# CLI (docs/cli.md) and the exports: the GeoPackage read back with GDAL (ogrinfo) and Python's
# sqlite3, the GeoJSON with Python's json.
source "$(dirname "$0")/lib.sh"
Q=$QUEJIE
J=$T/j.db
U=622901ZR000002

# usage "what" cmd...: the command must exit 2 (a usage error) with a message.
usage() {
    local what=$1; shift
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq 2 ] && [ -s "$T/err" ] && ok "$what (usage, exit 2)" || fail "$what: exit $rc"
}
snapshot() { "$Q" log "$1" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(len(d), d[-1]["hash"] if d else "")'; }

expect "init" "$Q" init "$J" --epsg 4522
expect "tasks import" "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson"
for p in "35.5500 103.2300" "35.5500 103.2400" "35.5450 103.2400" "35.5450 103.2300"; do
    set -- $p
    "$Q" point add "$J" --unit $U --lat "$1" --lon "$2" --h 1900 >/dev/null || fail "point add $p"
done
expect "a recorded line J2-J3 (unsettled)" "$Q" line "$J" --unit $U --from J2 --to J3 --nature unsettled

# ---- notes -------------------------------------------------------------------------------------
expect "note on the unit" "$Q" note add "$J" --unit $U --text "界桩已毁，需补设"
expect "note on a point, by phrase" "$Q" note add "$J" --unit $U --point J2 --phrase marker-missing
expect "note on a line, phrase and text" "$Q" note add "$J" --unit $U --line J2-J3 --phrase line-changed --text "沟渠改道"
before=$(snapshot "$J")
refuse "note on a point that is not there" "$Q" note add "$J" --unit $U --point J9 --text x
refuse "note on a line with an end that is not there" "$Q" note add "$J" --unit $U --line J2-J9 --text x
usage "note on a line from a point to itself" "$Q" note add "$J" --unit $U --line J2-J2 --text x
refuse "note with an unknown phrase" "$Q" note add "$J" --unit $U --phrase gold-found
refuse "note without text or phrase" "$Q" note add "$J" --unit $U
refuse "note on a point and a line" "$Q" note add "$J" --unit $U --point J1 --line J1-J2 --text x
refuse "note with a malformed line" "$Q" note add "$J" --unit $U --line J2 --text x
refuse "note on an unknown unit" "$Q" note add "$J" --unit NOPE --text x
[ "$(snapshot "$J")" = "$before" ] && ok "refused notes changed nothing" || fail "a refused note changed the journal"
expect "a county's own phrase (code list note-phrase)" "$Q" codes "$J" --list note-phrase --add fence-cut --label "围栏被剪"
expect "note with the county's phrase" "$Q" note add "$J" --unit $U --point J1 --phrase fence-cut
"$Q" note list "$J" --unit $U --json >"$T/notes.json"
"$PY" - "$T/notes.json" <<'PY' && ok "note list --json: targets, phrases, texts" || fail "note list: $(cat "$T/notes.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert [n["target"] for n in d] == ["unit", "point", "line", "point"], d
assert d[0]["text"] == "界桩已毁，需补设" and d[0]["phrase"] is None
assert d[1]["point"] == "J2" and d[1]["phrase"] == "marker-missing" and d[1]["text"] == "Marker missing or destroyed"
assert (d[2]["from"], d[2]["to"], d[2]["phrase"], d[2]["text"]) == ("J2", "J3", "line-changed", "沟渠改道")
assert d[3]["phrase"] == "fence-cut" and d[3]["text"] == "fence-cut"
PY
NOTE1=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["seq"])' "$T/notes.json")
expect "void a note" "$Q" void "$J" "$NOTE1" --reason "wrong unit"
"$Q" note list "$J" --json >"$T/notes2.json"
pyexpr "$T/notes2.json" 'len(d)==3 and all(n["seq"]!='"$NOTE1"' for n in d)' && ok "a voided note is gone from the list" || fail "voided note listed"
"$Q" note list "$J" >"$T/out" && grep -q "沟渠改道" "$T/out" && ok "note list (text)" || fail "note list text: $(cat "$T/out")"

# ---- disputes on lines and their settlement -----------------------------------------------------
"$Q" dispute "$J" --unit $U --statement "邻村不认可沟渠线" --parties "红旗村" --from J2 --to J4 >"$T/out" 2>&1 \
    && ok "dispute J2..J4: $(cat "$T/out")" || fail "dispute: $(cat "$T/out")"
D1=$(sed -n 's/.*(entry \([0-9]*\)).*/\1/p' "$T/out")
grep -q "$U-ZY$D1" "$T/out" && ok "a dispute without --number gets $U-ZY$D1" || fail "derived number not shown"
"$Q" dispute "$J" --unit $U --statement "北侧山脊" --from J4 --to J1 --number "ZY-2026-007" >"$T/out" 2>&1 \
    && ok "dispute with --number" || fail "dispute --number: $(cat "$T/out")"
D2=$(sed -n 's/.*(entry \([0-9]*\)).*/\1/p' "$T/out")
"$Q" dispute list "$J" --unit $U --json >"$T/d.json"
"$PY" - "$T/d.json" "$U" "$D1" <<'PY' && ok "dispute list: numbers and the lines each covers" || fail "dispute list: $(cat "$T/d.json")"
import json, sys
d = json.load(open(sys.argv[1])); u = sys.argv[2]; d1 = int(sys.argv[3])
assert d[0]["seq"] == d1 and d[0]["number"] == "%s-ZY%d" % (u, d1), d[0]
assert d[0]["lines"] == [["J2", "J3"], ["J3", "J4"]], d[0]["lines"]
assert d[1]["number"] == "ZY-2026-007" and d[1]["lines"] == [["J4", "J1"]], d[1]
assert not d[0]["settled"] and not d[1]["settled"]
PY
"$Q" area "$J" --unit $U --json >"$T/a.json"
pyexpr "$T/a.json" 'd["disputes_open"]==2' && ok "two disputes open" || fail "disputes_open: $(cat "$T/a.json")"

before=$(snapshot "$J")
refuse "settle without the agreement" "$Q" dispute settle "$J" --unit $U --dispute "$D1"
refuse "settle an entry that is not a dispute" "$Q" dispute settle "$J" --unit $U --dispute 3 --agreement x
refuse "settle a dispute of another unit" "$Q" dispute settle "$J" --unit 622901SL000007 --dispute "$D1" --agreement x
refuse "settle with a bad entry number" "$Q" dispute settle "$J" --unit $U --dispute x1 --agreement x
[ "$(snapshot "$J")" = "$before" ] && ok "refused settlements changed nothing" || fail "a refused settlement changed the journal"
"$Q" dispute settle "$J" --unit $U --dispute "$D1" --agreement "双方同意以沟渠中心线为界" --number "XY-2026-001" >"$T/out" 2>&1 \
    && ok "dispute settled on site: $(cat "$T/out")" || fail "settle: $(cat "$T/out")"
S1=$(sed -n 's/.*(entry \([0-9]*\)).*/\1/p' "$T/out")
refuse "settling it twice" "$Q" dispute settle "$J" --unit $U --dispute "$D1" --agreement again
refuse "voiding a dispute settled on site" "$Q" void "$J" "$D1" --reason "recorded by mistake"
grep -q "was settled on site (entry $S1): withdraw the settlement first" "$T/err" \
    && ok "  the refusal names the settlement" || fail "  settled dispute void: $(cat "$T/err")"
printf '[[10,10,200,200,400,50]]' >"$T/strokes.json"
expect "the parties sign after the settlement (quejie sign)" "$Q" sign "$J" --unit $U --party "红旗村" --signer "王五" --strokes "$T/strokes.json"
"$Q" area "$J" --unit $U --json >"$T/a.json"
pyexpr "$T/a.json" 'd["disputes_open"]==1' && ok "a settled dispute is not open (unit summary)" || fail "disputes_open after settle: $(cat "$T/a.json")"

# ---- exports: the line table carries the numbers ----------------------------------------------
expect "export gpkg" "$Q" export "$J" --format gpkg --output "$T/x.gpkg"
expect "export geojson" "$Q" export "$J" --format geojson --output "$T/x.geojson"
"$PY" - "$T/x.gpkg" "$U" "$D1" <<'PY' && ok "gpkg boundary_lines: dispute_no, agreement_no, nature" || fail "gpkg line table"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1]); u = sys.argv[2]; d1 = int(sys.argv[3])
rows = {(r[0], r[1]): r[2:] for r in db.execute(
    "SELECT from_point, to_point, nature, dispute_no, agreement_no, nature_recorded FROM boundary_lines WHERE unit = ?", (u,))}
assert rows[("J1", "J2")] == (None, None, None, None), rows
assert rows[("J2", "J3")] == ("settled", "%s-ZY%d" % (u, d1), "XY-2026-001", "unsettled"), rows
assert rows[("J3", "J4")] == ("settled", "%s-ZY%d" % (u, d1), "XY-2026-001", None), rows
assert rows[("J4", "J1")] == ("disputed", "ZY-2026-007", None, None), rows
notes = db.execute("SELECT target, point, from_point, to_point, phrase, text FROM notes WHERE unit = ? ORDER BY seq", (u,)).fetchall()
assert notes == [("point", "J2", None, None, "marker-missing", "Marker missing or destroyed"),
                 ("line", None, "J2", "J3", "line-changed", "沟渠改道"),
                 ("point", "J1", None, None, "fence-cut", "fence-cut")], notes
PY
ogrinfo -ro -q "$T/x.gpkg" boundary_lines -where "unit='$U' AND from_point='J4'" >"$T/l" 2>&1
grep -q "dispute_no (String) = ZY-2026-007" "$T/l" && grep -q "nature (String) = disputed" "$T/l" \
    && ok "ogrinfo reads the dispute number on J4-J1" || fail "ogrinfo: $(cat "$T/l")"
ogrinfo -ro -q "$T/x.gpkg" notes >"$T/n" 2>&1
grep -q "text (String) = 沟渠改道" "$T/n" && ok "ogrinfo reads the notes table" || fail "ogrinfo notes: $(cat "$T/n")"
"$PY" - "$T/x.geojson" "$U" <<'PY' && ok "geojson: line properties and note features" || fail "geojson"
import json, sys
fc = json.load(open(sys.argv[1])); u = sys.argv[2]
lines = {(f["properties"]["from_point"], f["properties"]["to_point"]): f["properties"]
         for f in fc["features"] if f["properties"]["layer"] == "boundary_line" and f["properties"]["unit"] == u}
assert lines[("J2", "J3")]["agreement_no"] == "XY-2026-001" and lines[("J2", "J3")]["nature"] == "settled"
assert lines[("J4", "J1")]["dispute_no"] == "ZY-2026-007" and lines[("J4", "J1")]["nature"] == "disputed"
notes = [f for f in fc["features"] if f["properties"]["layer"] == "note"]
assert len(notes) == 3 and all(f["geometry"] is None for f in notes)
PY

# ---- voiding the settlement reopens the dispute -------------------------------------------------
expect "void the settlement" "$Q" void "$J" "$S1" --reason "signed the wrong agreement"
"$Q" area "$J" --unit $U --json >"$T/a.json"
pyexpr "$T/a.json" 'd["disputes_open"]==2' && ok "voided settlement: the dispute is open again" || fail "after void: $(cat "$T/a.json")"
expect "export after the void" "$Q" export "$J" --format gpkg --output "$T/y.gpkg"
"$PY" - "$T/y.gpkg" "$U" <<'PY' && ok "after the void J2-J3 is disputed again, no agreement number" || fail "line table after void"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
r = db.execute("SELECT nature, agreement_no FROM boundary_lines WHERE unit = ? AND from_point = 'J2'", (sys.argv[2],)).fetchone()
assert r == ("disputed", None), r
PY
expect "check" "$Q" check "$J"
finish
