#!/bin/bash
# The unit's lifecycle at the county office and the office's own journal, end to end on real
# files, a real TLS office and two real tablets: decisions as signed entries `quejie check`
# verifies, the states and the refused transitions of docs/office.md, a review case decided by
# choosing a version (the county export then holds that version only, with its provenance; of a
# point and of a unit field's verification), a
# returned unit and its note reaching the tablet, and an office made before the journal existed.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
Q=$QUEJIE
O=$T/office.db
U=622901ZR000002 S=622901SL000007
usage() {
    local what=$1; shift
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq 2 ] && [ -s "$T/err" ] && ok "$what (usage, exit 2)" || fail "$what: exit $rc"
}
# unit_is CODE EXPR: EXPR over the unit's item (u) of `units --json`.
unit_is() {
    "$OFF" units "$O" --json >"$T/u.json" 2>"$T/u.err" || return 1
    pyexpr "$T/u.json" "[u for u in d if u['code']=='$1'] and (lambda u: $2)([u for u in d if u['code']=='$1'][0])"
}
# tablet_is JOURNAL CODE EXPR: EXPR over the unit's item (u) of the tablet's tasks list --json.
tablet_is() {
    "$Q" tasks list "$1" --json >"$T/t.json" 2>/dev/null || return 1
    pyexpr "$T/t.json" "(lambda u: $3)([u for u in d if u['code']=='$2'][0])"
}
decisions() { "$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM entries WHERE kind = '"'decision'"'").fetchone()[0])' "$O.decisions"; }

# ---- the office's journal ------------------------------------------------------------------------
expect "init" "$OFF" init "$O" --name 临夏州
[ -f "$O.decisions" ] && [ ! -e "$O.decisions.key" ] && ok "init makes OFFICE_DB.decisions (no second key file)" \
    || fail "no office journal: $(ls "$T")"
expect "quejie check of the new office journal" "$Q" check "$O.decisions"
oid=$("$OFF" status "$O" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["office_id"])')
"$PY" - "$O.decisions" "$oid" <<'PY' && ok "the office journal's device id is the office id" || fail "office journal identity"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert dict(db.execute("SELECT key, value FROM meta"))["device_id"] == sys.argv[2]
PY

# An office made by an older build: no journal, none of the lifecycle's tables.
expect "an older office: init" "$OFF" init "$T/old.db"
"$PY" - "$T/old.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for t in ("office_decisions", "unit_activity", "life_indexed"):
    db.execute("DROP TABLE %s" % t)
# unit_activity as an office of the previous release had it (no complete_after)
db.execute("CREATE TABLE unit_activity(unit TEXT NOT NULL, device_id TEXT NOT NULL,"
           " last_seq INTEGER NOT NULL, last_time INTEGER NOT NULL, arrived INTEGER NOT NULL,"
           " work_arrived INTEGER NOT NULL DEFAULT 0, complete INTEGER NOT NULL DEFAULT 0,"
           " PRIMARY KEY (unit, device_id))")
db.commit()
PY
rm -f "$T/old.db.decisions" "$T/old.db.decisions-wal" "$T/old.db.decisions-shm"
"$OFF" tasks import "$T/old.db" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组 >/dev/null 2>&1
"$OFF" units "$T/old.db" --json >"$T/old.json" 2>"$T/err" && pyexpr "$T/old.json" 'len(d)==3 and all(u["status"]=="assigned" for u in d)' \
    && [ -f "$T/old.db.decisions" ] && ok "an older office keeps working: units listed, its journal made on first open" \
    || fail "older office: $(cat "$T/old.json" "$T/err")"
"$PY" -c 'import sqlite3,sys; sys.exit(0 if "complete_after" in [r[1] for r in sqlite3.connect(sys.argv[1]).execute("PRAGMA table_info(unit_activity)")] else 1)' "$T/old.db" \
    && ok "an older office's unit_activity gains complete_after" || fail "no complete_after in the older office"
expect "quejie check of the older office's new journal" "$Q" check "$T/old.db.decisions"

# ---- two tablets ------------------------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" -out "$T/cert.pem" \
    -days 30 -subj "/CN=localhost" -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
P=$(free_port)
URL=https://127.0.0.1:$P
"$OFF" serve "$O" --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/office.log" 2>&1 &
SERVER=$!
PIDS+=($SERVER)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.1; done
expect "tasks import" "$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组
unit_is $U 'u["status"]=="assigned" and u["assign"]=="一组" and u["last_entry"] is None and u["open_cases"]==0 and u["name"]' \
    && ok "units --json: assigned, with name, assign, last_entry, open_cases" || fail "units: $(cat "$T/u.json")"
refuse "accept refused for a unit nothing arrived for" "$OFF" unit accept "$O" --unit $U --by rev
grep -q "assigned" "$T/err" && ok "the refusal names the state" || fail "refusal: $(cat "$T/err")"
for c in a b; do
    tok=$("$OFF" device add "$O" --name crew$c --crew 一组 2>/dev/null | tail -1)
    "$Q" init "$T/$c.db" --device-name crew$c >/dev/null 2>&1
    expect "crew$c enrolls and syncs" bash -c "'$Q' enroll '$T/$c.db' --office $URL --token $tok --ca '$T/cert.pem' && '$Q' sync '$T/$c.db'"
done
unit_is $U 'u["status"]=="in_field" and u["last_entry"]' && ok "the task reached the crew: in_field" || fail "after sync: $(cat "$T/u.json")"
# Both crews measure J1 about 3 m apart (a review case); only crew b's J2.
"$Q" point add "$T/a.db" --unit $U --lon 103.23000 --lat 35.55000 >/dev/null 2>&1
"$Q" point add "$T/b.db" --unit $U --lon 103.23003 --lat 35.55002 >/dev/null 2>&1
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
unit_is $U 'u["status"]=="under_review" and u["open_cases"]==1' && ok "an open review case: under_review" || fail "review: $(cat "$T/u.json")"
refuse "accept refused while a case is open" "$OFF" unit accept "$O" --unit $U --by rev
refuse "notice refused before acceptance" "$OFF" unit notice "$O" --unit $U --by rev --from 2026-01-01 --to 2026-01-15
refuse "objection refused outside a notice" "$OFF" unit objection "$O" --unit $U --by rev --note x
usage "unit return without --by" "$OFF" unit return "$O" --unit $U
usage "unit objection without --note" "$OFF" unit objection "$O" --unit $U --by rev
usage "review resolve --accept without --by" "$OFF" review resolve "$O" 1 --accept a
# what the command line alone shows is said before any office is read
usage "review resolve --accept without --by, no office" "$OFF" review resolve "$T/none.db" 1 --accept a
usage "review resolve --by of 200 bytes" "$OFF" review resolve "$O" 1 --accept a --by "$(printf 'x%.0s' $(seq 200))"
usage "unit return --by of 200 bytes" "$OFF" unit return "$O" --unit $U --by "$(printf 'x%.0s' $(seq 200))"
usage "review resolve refuses a choice that is not a, b or neither" "$OFF" review resolve "$O" 1 --accept c --by rev
usage "review resolve --accept without a reason" "$OFF" review resolve "$O" 1 --accept a --by rev
usage "unit return without a note" "$OFF" unit return "$O" --unit $U --by rev
[ "$(decisions)" = 0 ] && ok "nothing refused was recorded" || fail "decisions after refusals: $(decisions)"

# ---- a review case decided by choosing a version -----------------------------------------------------
expect "county export before the decision" "$OFF" export "$O" --format geojson --output "$T/before.geojson"
# The union took one crew's J1; decide for the other side (a case's sides a and b are ordered by
# device id, not by crew), so that the export can only hold it because of the decision.
"$OFF" review list "$O" --json >"$T/r.json"
read -r id side bid < <("$PY" - "$T/r.json" "$T/before.geojson" "$U" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["cases"][0]
took = [f["properties"]["device"] for f in json.load(open(sys.argv[2]))["features"]
        if f["properties"].get("unit") == sys.argv[3] and f["properties"].get("number") == "J1"]
assert len(took) == 1
side = "b" if c["a"]["device_id"] == took[0] else "a"
print(c["id"], side, c[side]["device_id"])
PY
)
[ ${#bid} -eq 32 ] && ok "the side the union left out: $side" || fail "review case sides: $(cat "$T/r.json")"
expect "review resolve ID --accept $side --by rev" "$OFF" review resolve "$O" "$id" --accept $side --by rev --note "实测于界桩"
unit_is $U 'u["status"]=="in_field" and u["open_cases"]==0' && ok "the case is closed by the decision" || fail "after decision: $(cat "$T/u.json")"
refuse "a decided case cannot be decided again" "$OFF" review resolve "$O" "$id" --accept a --by rev --note again
expect "county export after the decision" "$OFF" export "$O" --format geojson --output "$T/after.geojson"
"$PY" - "$T/before.geojson" "$T/after.geojson" "$U" "$bid" <<'PY' && ok "the export holds the chosen version only, with device, seq, decided_by, decided" || fail "export of the chosen version"
import json, sys
def j1(path):
    fs = [f["properties"] for f in json.load(open(path))["features"]
          if f["properties"].get("layer") == "boundary_point" or "number" in f["properties"]]
    return [p for p in fs if p.get("unit") == sys.argv[3] and p.get("number") == "J1"]
before, after = j1(sys.argv[1]), j1(sys.argv[2])
assert len(before) == 1 and before[0]["device"] != sys.argv[4], before  # the union took the other
assert len(after) == 1, after
p = after[0]
assert p["device"] == sys.argv[4] and p["seq"] > 0, p
assert p["review_decision"] == "chosen" and p["decided_by"] == "rev" and p["decided"], p
PY
[ "$(decisions)" = 1 ] && ok "the decision is an entry of the office journal" || fail "decisions: $(decisions)"
"$PY" - "$O.decisions" "$id" "$bid" "$side" <<'PY' && ok "the review entry names by, case, choice, device and seq of the chosen entry" || fail "review entry payload"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
p = json.loads(db.execute("SELECT payload FROM entries WHERE kind = 'decision'").fetchone()[0])
assert p["action"] == "review" and p["by"] == "rev" and p["case"] == int(sys.argv[2]), p
assert p["accept"] == sys.argv[4] and p["device"] == sys.argv[3] and p["entry"] > 0 and p["subject"] == "J1", p
PY

# ---- returned, and back -------------------------------------------------------------------------------
expect "unit return --note" "$OFF" unit return "$O" --unit $U --by rev --note "请补测 J2"
unit_is $U 'u["status"]=="returned" and u["note"]=="请补测 J2" and u["decided_by"]=="rev"' && ok "units: returned with the note" || fail "returned: $(cat "$T/u.json")"
refuse "accept refused until the crew sends new work" "$OFF" unit accept "$O" --unit $U --by rev
"$Q" sync "$T/a.db" >"$T/sync.out" 2>/dev/null
grep -A1 "^returned by the office" "$T/sync.out" | grep -q "  $U: 请补测 J2" \
    && ok "sync says which units came back returned, with the note" || fail "sync output: $(cat "$T/sync.out")"
"$Q" tasks list "$T/a.db" | grep -q "^$U.*returned: RETURNED by the office: 请补测 J2" \
    && ok "tasks list (text) shows it returned with the note" || fail "tasks list text: $("$Q" tasks list "$T/a.db")"
tablet_is "$T/a.db" $U 'u["office_status"]=="returned" and u["office_note"]=="请补测 J2" and u["stage"]=="returned"' \
    && ok "the returned unit and its note reach the tablet (tasks list --json)" || fail "tablet: $(head -c 300 "$T/t.json")"
tablet_is "$T/a.db" $S 'u["office_status"]=="in_field" and u["office_note"] is None' \
    && ok "the other units carry their office status too" || fail "tablet other unit: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["stage"]=="returned"' && ok "a sync without new work keeps it returned on the tablet" || fail "tablet resync: $(head -c 300 "$T/t.json")"
"$Q" point add "$T/a.db" --unit $U --lon 103.23100 --lat 35.55100 >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["stage"]!="returned" and u["office_status"]=="returned"' \
    && ok "the crew's new work ends returned on the tablet at once (stage, sv_unit_stage_office)" || fail "tablet after new work: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $U 'u["status"]=="in_field"' && ok "new work from the crew ends returned" || fail "after new work: $(cat "$T/u.json")"
tablet_is "$T/a.db" $U 'u["stage"]!="returned"' && ok "the sync that sends it (the office still said returned) keeps it out" || fail "tablet after sending: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["office_status"]=="in_field"' && ok "and the tablet hears so on its next sync" || fail "tablet after new work: $(head -c 300 "$T/t.json")"
# Work later withdrawn is work all the same, on both ends: a note recorded and voided after a
# return ends it on the tablet (sv_progress.work_seq counts the void) as at the office.
expect "unit return again" "$OFF" unit return "$O" --unit $U --by rev --note "J5 位置存疑"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["stage"]=="returned"' && ok "returned again on the tablet" || fail "second return: $(head -c 300 "$T/t.json")"
"$Q" note add "$T/a.db" --unit $U --text "J5 旁有新界桩" >"$T/n5.out" 2>&1
n5=$(grep -o 'entry [0-9]*' "$T/n5.out" | tail -1 | cut -d' ' -f2)
expect "the crew withdraws that note" "$Q" void "$T/a.db" "$n5" --reason 误记
tablet_is "$T/a.db" $U 'u["stage"]!="returned"' && ok "a note recorded and withdrawn ends returned on the tablet" || fail "tablet after note+void: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $U 'u["status"]=="in_field"' && ok "and at the office" || fail "office after note+void: $(cat "$T/u.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["stage"]!="returned" and u["office_status"]=="in_field"' && ok "both ends agree after the next sync" || fail "tablet after resync: $(head -c 300 "$T/t.json")"


# ---- accepted, notice, objection, ready ---------------------------------------------------------------
# On a unit of its own: once its notice has passed the record it published is final, and the
# sections below still decide cases and disputes of $U.
R=622901ZR000101
expect "tasks import of two more units" "$OFF" tasks import "$O" "$FIX/tasks/adjacent-units-4490.geojson" --assign 一组
"$Q" sync "$T/a.db" >/dev/null 2>&1
"$Q" point add "$T/a.db" --unit $R --lon 103.30500 --lat 35.40500 >/dev/null 2>&1
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $R 'u["status"]=="in_field"' && ok "the crew's work on it arrived" || fail "$R: $(cat "$T/u.json")"
# A point shared across the common edge (kind "share", docs/journal.md "Shared points"): the east
# unit is returned for it, and the crew re-measures it where it is measured, in the west unit.
# That is work on the east unit too, at the office and on the tablet, by the same rule.
E=622901ZR000102
"$Q" point add "$T/a.db" --unit $R --lat 35.40 --lon 103.31 >/dev/null 2>&1
W2=$("$Q" point near "$T/a.db" --unit $E --json | "$PY" -c 'import json,sys; p=[p for p in json.load(sys.stdin) if p["distance_m"] < 1][0]; print(p["number"], p["seq"])')
expect "the east unit shares the west unit's point on the common edge" "$Q" point share "$T/a.db" --unit $E --from-unit $R --from-number ${W2% *}
"$Q" sync "$T/a.db" >/dev/null 2>&1
expect "the east unit returned for its shared point" "$OFF" unit return "$O" --unit $E --by rev --note "J1 位置存疑"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $E 'u["stage"]=="returned"' && ok "  returned on the tablet" || fail "east unit returned: $(head -c 300 "$T/t.json")"
expect "the crew re-measures the point in the west unit" "$Q" point add "$T/a.db" --unit $R --lat 35.40001 --lon 103.31001 --corrects ${W2#* } --reason 界桩重测
tablet_is "$T/a.db" $E 'u["stage"]!="returned"' && ok "  which ends returned for the east unit on the tablet" || fail "tablet after the re-measure: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $E 'u["status"]=="in_field"' && ok "  and at the office (work on the unit sharing the point)" || fail "office after the re-measure: $(cat "$T/u.json")"
# a decision's text of nothing but spaces (ASCII, or the full-width space of Chinese input) is no
# text: refused, nothing recorded
refuse "accept with a note of spaces" "$OFF" unit accept "$O" --unit $R --by rev --note "   "
grep -q "only spaces" "$T/err" && ok "  saying the note is only spaces" || fail "blank note: $(cat "$T/err")"
refuse "accept by a name of full-width spaces" "$OFF" unit accept "$O" --unit $R --by "　　"
expect "unit accept" "$OFF" unit accept "$O" --unit $R --by rev
grep -q "note: no crew has sent the unit complete on site" "$T/err" && ok "  with a note that no crew has it complete on site" || fail "accept of work not complete: $(cat "$T/err")"
refuse "accept refused twice" "$OFF" unit accept "$O" --unit $R --by rev
usage "notice refused with a date that is none" "$OFF" unit notice "$O" --unit $R --by rev --from 2026-02-30 --to 2026-03-15
usage "notice refused ending before it starts" "$OFF" unit notice "$O" --unit $R --by rev --from 2026-03-15 --to 2026-03-01
usage "notice refused shorter than 15 days" "$OFF" unit notice "$O" --unit $R --by rev --from 2026-03-01 --to 2026-03-14
grep -q "at least 15 days" "$T/err" && ok "the refusal names the shortest notice" || fail "short notice: $(cat "$T/err")"
usage "notice refused longer than 90 days (2062 for 2026 would lock the unit)" "$OFF" unit notice "$O" --unit $R --by rev --from 2026-03-01 --to 2062-03-14
# a dispute that arrives after the acceptance holds the notice back: the 公告 must not publish it
"$Q" dispute "$T/a.db" --unit $R --statement "北侧林地权属有争议" --parties "甲村;乙村" >/dev/null 2>&1 || fail "dispute on $R"
"$Q" sync "$T/a.db" >/dev/null 2>&1
refuse "notice refused while a dispute that arrived after the acceptance is open" "$OFF" unit notice "$O" --unit $R --by rev --from 2020-01-01 --to 2020-01-15
grep -q "open ownership dispute" "$T/err" && ok "  naming the open dispute" || fail "notice with a dispute: $(cat "$T/err")"
rdn=$("$OFF" disputes "$O" --json 2>/dev/null | "$PY" -c 'import json,sys; print([x["number"] for x in json.load(sys.stdin) if x["unit"]==sys.argv[1] and x["state"]=="open"][0])' $R)
expect "  settled at the office" "$OFF" dispute settle "$O" --unit $R --dispute "$rdn" --by rev --outcome 协商一致 --document agreement --number "临夏协〔2026〕3号"
expect "unit notice in the past" "$OFF" unit notice "$O" --unit $R --by rev --from 2020-01-01 --to 2020-01-15
grep -q "starts before today.*has ended.*ready for registration" "$T/err" \
    && ok "  recorded (a paper notice filled in), saying it started before today and has ended" || fail "past notice note: $(cat "$T/err")"
unit_is $R 'u["status"]=="ready" and u["notice_from"]=="2020-01-01" and u["notice_to"]=="2020-01-15"' \
    && ok "a notice ended by the office's date: ready for registration" || fail "ready: $(cat "$T/u.json")"
refuse "objection refused after the notice ended" "$OFF" unit objection "$O" --unit $R --by rev --note 迟到
refuse "return refused once ready" "$OFF" unit return "$O" --unit $R --by rev --note 补测
# A ready unit keeps what it was accepted with: a package changing its name is refused whole; the
# same package again (a new assignment) is taken.
"$PY" - "$FIX/tasks/adjacent-units-4490.geojson" "$T/renamed.geojson" "$R" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for f in d["features"]:
    p = f["properties"]
    for k in ("DJDYMC", "name"):
        if k in p and any(p.get(c) == sys.argv[3] for c in ("ZRZYDJDYH", "code")):
            p[k] = p[k] + "（改）"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
refuse "a package changing a ready unit is refused" "$OFF" tasks import "$O" "$T/renamed.geojson" --assign 一组
grep -q "unit $R is ready for registration at the office" "$T/err" && ok "the refusal names the unit and its state" || fail "renamed package: $(cat "$T/err")"
unit_is $R 'not u["name"].endswith("（改）")' && ok "nothing of the refused package was imported" || fail "after the refusal: $(cat "$T/u.json")"
expect "the same package again is taken" "$OFF" tasks import "$O" "$FIX/tasks/adjacent-units-4490.geojson" --assign 一组
# the same units in the county's Gauss-Krueger zone (digits of a reprojection), and with an extra
# column and the properties in another order: no change by the tablet's rule (sv_unit_same)
expect "the same units in EPSG:4522 are taken" "$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4522.geojson" --assign 一组
"$PY" - "$FIX/tasks/linxia-units-4490.geojson" "$T/reordered.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
for f in d["features"]:
    f["properties"] = dict(list(reversed(list(f["properties"].items()))) + [("FID", 7)])
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
expect "the same units, properties reordered and an FID column, are taken" "$OFF" tasks import "$O" "$T/reordered.geojson" --assign 一组
expect "unit accept (the other unit)" "$OFF" unit accept "$O" --unit $S --by rev
# from today (posted: an objection can be recorded) for 60 days
NFROM=$(date +%F) NTO=$(date -d "+59 days" +%F)
expect "unit notice (running 60 days)" "$OFF" unit notice "$O" --unit $S --by rev --from $NFROM --to $NTO
unit_is $S 'u["status"]=="notice"' && ok "units: notice" || fail "notice: $(cat "$T/u.json")"
expect "export --format notice: the public notice of the units in notice" "$OFF" export "$O" --format notice --output "$T/notice.html"
grep -q "public notice (公告) of 1 unit in notice, with its map" "$T/out" && ok "notice: the command says how many units" || fail "notice: $(cat "$T/out")"
"$PY" - "$T/notice.html" "$S" "$U" "$NFROM" "$NTO" <<'PY' && ok "notice: the unit in notice, its period, the office as authority, its 宗地草图 as 附图; the others left out" || fail "the public notice"
import re, sys
doc, s, u = open(sys.argv[1], encoding="utf-8").read(), sys.argv[2], sys.argv[3]
y, m, d = (int(x) for x in sys.argv[4].split("-"))
assert doc.count("<h1>自然资源统一确权登记公告</h1>") == 1
rows = re.findall(r"<tr><td class=\"c\">(\d+)</td><td>([^<]*)</td>(.*?)</tr>", doc)
assert [r[1] for r in rows] == [s], rows
ty, tm, td = (int(x) for x in sys.argv[5].split("-"))
assert "%d年%d月%d日至%d年%d月%d日" % (y, m, d, ty, tm, td) in rows[0][2] and "附图1" in rows[0][2], rows
assert re.search(r"以书面形式向临夏州提出", doc) and "<div class=\"issuer\">临夏州<br>" in doc
maps = re.findall(r"<section><h1>附图1　宗地草图</h1>(.*?)</section>", doc, re.S)
assert len(maps) == 1 and "<td>%s</td>" % s in maps[0] and "<svg class=\"map\"" in maps[0], maps
assert u not in doc and "<script" not in doc
PY
refuse "notice of a unit that is not in notice" "$OFF" export "$O" --format notice --unit $U --output "$T/n2.html"
grep -q "unit $U is not in public notice" "$T/err" && [ ! -e "$T/n2.html" ] && ok "the refusal names the unit; no file" || fail "notice --unit: $(cat "$T/err")"
refuse "notice of a unit the office does not have" "$OFF" export "$O" --format notice --unit 000000XX000000 --output "$T/n2.html"
grep -q "unit 000000XX000000 is not at this office" "$T/err" && ok "  says there is no such unit" || fail "notice of an unknown unit: $(cat "$T/err")"
refuse "a tablet prints no public notice" "$Q" export "$T/a.db" --format notice --output "$T/n3.html"
grep -q "printed at the county office" "$T/err" && ok "the tablet says where the notice is printed" || fail "tablet notice: $(cat "$T/err")"
refuse "return refused during the notice" "$OFF" unit return "$O" --unit $S --by rev --note x
grep -q "notice" "$T/err" && ok "the refusal says why (notice)" || fail "refusal: $(cat "$T/err")"
# Work arriving during the notice opens a case, but the record the notice published does not
# change under it: a choice is refused until an objection sends the unit back to review.
"$Q" point add "$T/a.db" --unit $S --lon 103.18900 --lat 35.59350 >/dev/null 2>&1
"$Q" point add "$T/b.db" --unit $S --lon 103.18903 --lat 35.59352 >/dev/null 2>&1
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
SID=$("$OFF" review list "$O" --json | "$PY" -c 'import json,sys; print([c["id"] for c in json.load(sys.stdin)["cases"] if c["unit"]==sys.argv[1] and c["status"]=="open"][0])' $S)
[ -n "$SID" ] && ok "a case about the unit in notice: $SID" || fail "no case for $S"
refuse "a review choice refused during the notice" "$OFF" review resolve "$O" "$SID" --accept a --by rev --note 实测
grep -q "the county record it published does not change during the notice" "$T/err" && grep -q "record an objection" "$T/err" \
    && ok "  saying the published record stands until an objection" || fail "choice in notice: $(cat "$T/err")"
"$OFF" review list "$O" --json >"$T/r.json"
pyexpr "$T/r.json" '[c["record_fixed"]["reason"] for c in d["cases"] if c["id"]=='$SID'] == ["record_published"] and all(c["record_fixed"] is None for c in d["cases"] if c["unit"]!="'$S'")' \
    && ok "  review list says so beforehand (record_fixed), for that case alone" || fail "record_fixed: $(cat "$T/r.json")"
expect "unit objection --note" "$OFF" unit objection "$O" --unit $S --by rev --note "邻村称界线东移"
unit_is $S 'u["status"]=="objection" and u["note"]=="邻村称界线东移"' && ok "an objection: back to review" || fail "objection: $(cat "$T/u.json")"
expect "the case decided once the objection sent the unit back to review" "$OFF" review resolve "$O" "$SID" --accept a --by rev --note 复核实测
expect "accept after the objection" "$OFF" unit accept "$O" --unit $S --by rev
refuse "a notice after the objection dated before it" "$OFF" unit notice "$O" --unit $S --by rev --from 2026-01-01 --to 2026-01-20
grep -q "before the objection of" "$T/err" && ok "... saying it is posted anew" || fail "notice before the objection: $(cat "$T/err")"
usage "review resolve with neither --accept nor --note" "$OFF" review resolve "$O" 1 --by rev
refuse "a decision on an unknown unit" "$OFF" unit return "$O" --unit 000000XX000000 --by rev --note 补测
refuse "a notice with a bad date on an unknown unit" "$OFF" unit notice "$O" --unit 000000XX000000 --by rev --from 2026-02-30 --to 2026-03-15
grep -q "no unit 000000XX000000" "$T/err" && ok "names the unknown unit first (404 before a bad field's 400)" || fail "unknown unit with bad dates: $(cat "$T/err")"
expect "text units" "$OFF" units "$O"
grep -q "$S" "$T/out" && ok "text units lists the codes" || fail "text units: $(cat "$T/out")"

# ---- the older form of review resolve, and neither ------------------------------------------------------
"$Q" point add "$T/b.db" --unit $U --lon 103.23105 --lat 35.55103 >/dev/null 2>&1
"$Q" point add "$T/b.db" --unit $U --lon 103.23300 --lat 35.55300 >/dev/null 2>&1
"$Q" point add "$T/a.db" --unit $U --lon 103.23305 --lat 35.55303 >/dev/null 2>&1
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
"$OFF" review list "$O" --json >"$T/r.json"
ids=$("$PY" -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(open(sys.argv[1]))["cases"]))' "$T/r.json")
set -- $ids
[ $# -eq 2 ] && ok "two new cases (J2, J3)" || fail "cases: $(cat "$T/r.json")"
expect "review resolve ID --note (the older form)" "$OFF" review resolve "$O" "$1" --note "现场复核一致"
expect "review resolve ID --accept neither" "$OFF" review resolve "$O" "$2" --accept neither --by rev --note 重测
"$OFF" review list "$O" --json --all >"$T/r.json"
pyexpr "$T/r.json" 'all(c["status"]=="resolved" for c in d["cases"]) and any(c.get("note")=="现场复核一致" for c in d["cases"])' \
    && ok "both closed, notes kept" || fail "review all: $(cat "$T/r.json")"
# the text form of --all says how each case ended (it showed only "resolved" before)
"$OFF" review list "$O" --all >"$T/out" 2>&1
grep -q "closed with a note by office at .*: 现场复核一致" "$T/out" && grep -q "decided neither by rev at .*: 重测" "$T/out" \
    && ok "review list --all (text): the choice, who and the note" || fail "review list --all text: $(cat "$T/out")"
expect "county export with neither" "$OFF" export "$O" --format geojson --output "$T/n.geojson"
subj=$("$PY" -c 'import json,sys; print([c["subject"] for c in json.load(open(sys.argv[1]))["cases"] if c["id"]==int(sys.argv[2])][0])' "$T/r.json" "$2")
"$PY" - "$T/n.geojson" "$U" "$subj" <<'PY' && ok "neither marks the point for re-survey" || fail "neither in the export"
import json, sys
ps = [f["properties"] for f in json.load(open(sys.argv[1]))["features"]
      if f["properties"].get("unit") == sys.argv[2] and f["properties"].get("number") == sys.argv[3]]
assert len(ps) == 1 and ps[0]["review_decision"] == "resurvey" and ps[0]["decided_by"] == "rev", ps
PY
refuse "export refuses to write over the office journal" "$OFF" export "$O" --format geojson --output "$O.decisions"
expect "county export as Shapefiles" "$OFF" export "$O" --format shp --output "$T/county.zip"
expect "the same as a GeoPackage" "$OFF" export "$O" --format gpkg --output "$T/county.gpkg"
"$PY" - "$T/county.zip" "$T/county.gpkg" <<'PY' && ok "shp: a zip with a Shapefile per layer (UTF-8, .cpg), the same features and values as the GeoPackage, fields.csv naming each cut column" || fail "the Shapefile export"
import csv, io, sys, zipfile
from osgeo import ogr
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
names = set(z.namelist())
g = ogr.Open(sys.argv[2])
s = ogr.Open("/vsizip/" + sys.argv[1])
fmap = {}
for r in csv.DictReader(io.StringIO(z.read("fields.csv").decode("utf-8"))):
    fmap.setdefault(r["layer"], {})[r["geopackage_field"]] = r["shapefile_field"]
for i in range(g.GetLayerCount()):
    gl = g.GetLayer(i)
    name = gl.GetName()
    if name == "attachments":  # the files' bytes: GeoPackage only (docs/office.md)
        assert name + ".dbf" not in names
        continue
    assert name + ".dbf" in names and z.read(name + ".cpg").decode().strip() == "UTF-8", name
    sl = s.GetLayerByName(name)
    assert sl is not None and sl.GetFeatureCount() == gl.GetFeatureCount(), name
    gd = gl.GetLayerDefn()
    assert len(fmap[name]) == gd.GetFieldCount(), (name, fmap.get(name))
assert fmap["units"]["surveyed_area_m2"] != "surveyed_area_m2" and len(fmap["units"]["surveyed_area_m2"]) <= 10
gu = {f.GetField("code"): f for f in g.GetLayerByName("units_4522")}
for f in s.GetLayerByName("units_4522"):
    want = gu[f.GetField("code")]
    assert f.GetField("name") == want.GetField("name"), (f.GetField("name"), want.GetField("name"))
    a, b = f.GetField(fmap["units_4522"]["surveyed_area_m2"]), want.GetField("surveyed_area_m2")
    assert (a is None and b is None) or abs(a - b) < 1e-6, (a, b)
    fg, wg = f.GetGeometryRef(), want.GetGeometryRef()
    assert (fg is None and wg is None) or abs(fg.Area() - wg.Area()) < 1e-3, (fg, wg)
PY
refuse "shp export over the office database is refused" "$OFF" export "$O" --format shp --output "$O"
ls "$T"/*.tmp-* >/dev/null 2>&1 && fail "temporary files left beside the export" || ok "no temporary file is left beside the export"
expect "county export as GeoPackage" "$OFF" export "$O" --format gpkg --output "$T/c.gpkg"
[ "$(decisions)" = 14 ] && ok "every decision is an entry (14)" || fail "decisions: $(decisions)"
expect "quejie check of the office journal after decisions" "$Q" check "$O.decisions"

# ---- a dispute settled at the office ------------------------------------------------------------------
"$Q" dispute "$T/a.db" --unit $U --statement "两村对 J1-J2 段有争议" --parties "甲村;乙村" --from J1 --to J2 >/dev/null 2>&1
"$Q" sync "$T/a.db" >/dev/null 2>&1
"$OFF" disputes "$O" --json >"$T/d.json" 2>/dev/null
dno=$(pyexpr "$T/d.json" 'print([x["number"] for x in d if x["unit"]=="'$U'" and x["state"]=="open"][0]) or True' | head -1)
[ -n "$dno" ] && ok "disputes lists the crew's dispute as open ($dno)" || fail "disputes: $(head -c 400 "$T/d.json")"
refuse "settle refuses an unknown dispute" "$OFF" dispute settle "$O" --unit $U --dispute NOPE --by rev --outcome x --document agreement --number N1
usage "settle refuses a document kind it does not know" "$OFF" dispute settle "$O" --unit $U --dispute "$dno" --by rev --outcome x --document letter --number N1
grep -q "agreement or statement" "$T/err" && ok "and says which kinds there are" || fail "bad kind message: $(cat "$T/err")"
usage "settle refuses a document number of 100 bytes" "$OFF" dispute settle "$O" --unit $U --dispute "$dno" --by rev --outcome x --document agreement --number "$(printf 'N%.0s' $(seq 100))"
expect "dispute settle" "$OFF" dispute settle "$O" --unit $U --dispute "$dno" --by rev --outcome "以沟渠中心线为界" --document agreement --number "临夏协〔2026〕12号"
"$OFF" disputes "$O" --json >"$T/d.json" 2>/dev/null
pyexpr "$T/d.json" '[x for x in d if x["number"]=="'"$dno"'" and x["state"]=="settled_at_office" and x["document"]=="agreement" and x["document_no"]=="临夏协〔2026〕12号" and x["outcome"]=="以沟渠中心线为界" and x["decided_by"]=="rev"]' \
    && ok "disputes shows it settled at the office with outcome and document" || fail "disputes after: $(head -c 400 "$T/d.json")"
tablet_is "$T/a.db" $U 'u["disputes_open"]==1' || fail "before the sync the tablet still counts it open: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
tablet_is "$T/a.db" $U 'u["disputes_open"]==0 and "disputes" not in u["missing"]' \
    && ok "  and the tablet learns so with its next sync (tasks list: no dispute open)" || fail "tablet after the settlement: $(head -c 400 "$T/t.json")"
expect "county export after the settlement" "$OFF" export "$O" --format geojson --output "$T/s.geojson"
expect "the forms after the settlement" "$OFF" export "$O" --format forms --unit $U --output "$T/s-forms.html"
grep -q "<th>调处结果（县局）</th><td colspan=\"3\" class=\"long\">以沟渠中心线为界</td>" "$T/s-forms.html" \
    && ok "  the 争议原由书 prints the office's outcome" || fail "forms without the office's outcome: $(grep -o '现状</th>.\{0,200\}' "$T/s-forms.html" | head -2)"
"$PY" - "$T/s.geojson" "$U" "$dno" <<'PY' && ok "the export's lines J1-J2 are settled with the agreement's number" || fail "settled lines in the export"
import json, sys
ls = [f["properties"] for f in json.load(open(sys.argv[1]))["features"]
      if f["properties"].get("unit") == sys.argv[2] and f["properties"].get("layer") == "boundary_line"
      and {f["properties"]["from_point"], f["properties"]["to_point"]} == {"J1", "J2"}]
assert ls and all(p["agreement_no"] == "临夏协〔2026〕12号" and p["nature"] == "settled"
                  and p["dispute_no"] == sys.argv[3] for p in ls), ls
PY
[ "$(decisions)" = 15 ] && ok "the settlement is a decision entry (15)" || fail "decisions: $(decisions)"
expect "quejie check of the office journal after the settlement" "$Q" check "$O.decisions"
# A changed entry is found.
"$PY" - "$O.decisions" "$T/bad.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[2])
sqlite3.connect(sys.argv[1]).backup(db)  # with what the WAL holds
sqlite3.connect(sys.argv[1]).backup(sqlite3.connect(sys.argv[2].replace("bad", "good")))
for (t,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'entries'").fetchall():
    db.execute("DROP TRIGGER %s" % t)  # the journal refuses updates: a hostile copy would not
db.execute("UPDATE entries SET payload = replace(payload, 'rev', 'eve') WHERE seq = 3")
db.commit()
PY
expect "the copy checks before it is changed" "$Q" check "$T/good.db"
refuse "quejie check finds a changed decision" "$Q" check "$T/bad.db"
grep -qi "hash\|chain\|entry 3" "$T/err" "$T/out" && ok "check names the broken chain" || fail "check output: $(cat "$T/out" "$T/err")"

# ---- a verification case decided: the county record holds the chosen field value ---------------------
# Both crews verify the owner and the rights of $S differently: two verification cases.
"$Q" verify "$T/a.db" --unit $S --field owner --status corrected --value 甲村 >/dev/null 2>&1
"$Q" verify "$T/a.db" --unit $S --field rights --status confirmed >/dev/null 2>&1
"$Q" verify "$T/b.db" --unit $S --field owner --status corrected --value 乙村 >/dev/null 2>&1
"$Q" verify "$T/b.db" --unit $S --field rights --status disputed --note 邻村有异议 >/dev/null 2>&1
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
expect "county export before the verification decisions" "$OFF" export "$O" --format geojson --output "$T/vb.geojson"
"$OFF" review list "$O" --json >"$T/r.json"
# Decide the owner for the side the latest-by-time rule did not take, the rights for neither.
read -r oid oside obid ovalue rid < <("$PY" - "$T/r.json" "$T/vb.geojson" "$S" <<'PY'
import json, sys
cs = {c["subject"]: c for c in json.load(open(sys.argv[1]))["cases"]
      if c["kind"] == "verification" and c["unit"] == sys.argv[3]}
u = [f["properties"] for f in json.load(open(sys.argv[2]))["features"]
     if f["properties"].get("code") == sys.argv[3] and "owner_status" in f["properties"]][0]
c = cs["owner"]
side = "b" if c["a"]["device_id"] == u["owner_device"] else "a"
assert c[side]["device_id"] != u["owner_device"] and c[side]["value"] != u["owner_value"], (c, u)
print(c["id"], side, c[side]["device_id"], c[side]["value"], cs["rights"]["id"])
PY
)
[ ${#obid} -eq 32 ] && [ -n "$rid" ] && ok "two verification cases; the owner's side the latest-by-time rule left out: $oside ($ovalue)" \
    || fail "verification cases: $(cat "$T/r.json")"
expect "review resolve (verification) --accept $oside" "$OFF" review resolve "$O" "$oid" --accept $oside --by rev --note 以户籍登记为准
expect "review resolve (verification) --accept neither" "$OFF" review resolve "$O" "$rid" --accept neither --by rev --note 重新核实
expect "county export after the verification decisions" "$OFF" export "$O" --format geojson --output "$T/va.geojson"
"$PY" - "$T/va.geojson" "$S" "$obid" "$ovalue" "$T/r.json" "$oside" <<'PY' && ok "the export holds the chosen owner with its provenance, and the rights as not verified" || fail "export of the verification decisions: $(head -c 600 "$T/va.geojson")"
import json, sys
u = [f["properties"] for f in json.load(open(sys.argv[1]))["features"]
     if f["properties"].get("code") == sys.argv[2] and "owner_status" in f["properties"]]
assert len(u) == 1, u
u = u[0]
c = [c for c in json.load(open(sys.argv[5]))["cases"] if c["unit"] == sys.argv[2] and c["subject"] == "owner"][0]
assert u["owner_status"] == "corrected" and u["owner_value"] == sys.argv[4], u
assert u["owner_device"] == sys.argv[3] and u["owner_seq"] == c[sys.argv[6]]["seq"], u
assert u["owner_decision"] == "chosen" and u["owner_decided_by"] == "rev" and u["owner_decided"], u
assert u["rights_status"] is None and u["rights_value"] is None and u["rights_note"] is None, u
assert u["rights_device"] is None and u["rights_decision"] == "reverify" and u["rights_decided_by"] == "rev", u
PY
expect "county export as GeoPackage after the verification decisions" "$OFF" export "$O" --format gpkg --output "$T/v.gpkg"
"$PY" - "$T/v.gpkg" "$S" "$ovalue" <<'PY' && ok "the GeoPackage's units hold the same" || fail "GeoPackage units after the verification decisions"
import sqlite3, sys
r = sqlite3.connect(sys.argv[1]).execute("SELECT owner_value, owner_decision, rights_status, rights_decision"
                                         " FROM units WHERE code = ?", (sys.argv[2],)).fetchone()
assert r == (sys.argv[3], "chosen", None, "reverify"), r
PY
# "neither" asks the crews to verify again, and ends with it: crew b's new verification, sent
# after the decision, is the county record's (rights_decision "reverified"); nothing from before
# the decision is (crew a's confirmation stays out).
"$Q" verify "$T/b.db" --unit $S --field rights --status disputed --note 复核：邻村仍有异议 >/dev/null 2>&1
"$Q" sync "$T/b.db" >/dev/null 2>&1
expect "county export after the crew verified again" "$OFF" export "$O" --format geojson --output "$T/vr.geojson"
"$PY" - "$T/vr.geojson" "$S" <<'PY' && ok "a verification sent after a neither decision is the record (reverified), a disputed field again" || fail "export after re-verification: $(head -c 600 "$T/vr.geojson")"
import json, sys
u = [f["properties"] for f in json.load(open(sys.argv[1]))["features"]
     if f["properties"].get("code") == sys.argv[2] and "owner_status" in f["properties"]][0]
assert u["rights_status"] == "disputed" and u["rights_note"] == "复核：邻村仍有异议", u
assert u["rights_decision"] == "reverified" and u["rights_decided_by"] == "rev" and u["rights_device"], u
assert u["owner_decision"] == "chosen", u
PY

# every staff action done with the command line is in the audit log too, as the console's are:
# the decisions under their --by name, the rest as "(command line)", the address "local"
"$OFF" audit "$O" --json --limit 1000 >"$T/audit.json" 2>/dev/null
"$PY" - "$T/audit.json" "$U" <<'PY' && ok "the command line's actions are audited (decisions under --by, the rest as the command line, address local)" || fail "command-line audit rows"
import json, sys
rows = json.load(open(sys.argv[1]))
local = [r for r in rows if r["address"] == "local"]
def has(action, user, target=None):
    assert any(r["action"] == action and r["user"] == user and (target is None or r["target"] == target)
               for r in local), (action, user, target, [(r["action"], r["user"], r["target"]) for r in local])
has("device.add", "(command line)", "crewa")
has("unit.return", "rev", sys.argv[2])
has("unit.accept", "rev", "622901ZR000101")
has("review.resolve", "rev")
has("dispute.settle", "rev", sys.argv[2])
has("export", "(command line)", "geojson")
ret = [r for r in local if r["action"] == "unit.return" and r["detail"] == "请补测 J2"]
assert ret, "the return's note is its detail"
# a notice's row says its period, as the console's does (one rule: sy_audit_decision_detail)
notice = [r for r in local if r["action"] == "unit.notice" and r["target"] == "622901ZR000101"]
assert notice and notice[0]["detail"].startswith("2020-01-01 – 2020-01-15"), notice
PY

# ---- complete on site, as the device's summary says it: after a void too ---------------------------------
# A unit whose only gap is an open dispute becomes submitted when the crew withdraws the dispute:
# the void names no unit of its own, it is about what it withdraws (sv_state_entry_unit).
W=622925CY000031
i=0
for ll in "103.35 35.38" "103.362 35.381" "103.36 35.39"; do
    set -- $ll; i=$((i + 1))
    "$Q" point add "$T/a.db" --unit $W --lon $1 --lat $2 >/dev/null 2>&1 || fail "point $i on $W"
done
for f in owner representative agent mode rights manager; do
    "$Q" verify "$T/a.db" --unit $W --field $f --status confirmed >/dev/null 2>&1 || fail "verify $f on $W"
done
"$Q" attend "$T/a.db" --unit $W --party 松鸣村 --presence present --person 马五 >/dev/null 2>&1 || fail "attend on $W"
printf '[[10, 20, 30, 40]]\n' >"$T/w-strokes.json"
"$Q" sign "$T/a.db" --unit $W --party 松鸣村 --signer 马五 --strokes "$T/w-strokes.json" >/dev/null 2>&1 || fail "sign on $W"
"$Q" dispute "$T/a.db" --unit $W --statement 误以为东界有争议 >"$T/dsp.out" 2>&1 || fail "dispute on $W: $(cat "$T/dsp.out")"
dseq=$(grep -o 'entry [0-9]*' "$T/dsp.out" | tail -1 | cut -d' ' -f2)
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="in_field"' && ok "an open dispute keeps the unit in the field" || fail "with the dispute: $(cat "$T/u.json")"
expect "the crew withdraws the dispute (void)" "$Q" void "$T/a.db" "$dseq" --reason 误记
tablet_is "$T/a.db" $W 'u["stage"]=="done"' && ok "the tablet says done" || fail "tablet stage: $(head -c 300 "$T/t.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="submitted"' && ok "the office says submitted once the void arrives (it kept in_field)" || fail "after the void: $(cat "$T/u.json")"
# A new dispute on it takes it back to the field; the office's settlement of that dispute is all it
# lacks, and it is submitted again (the device's summary never holds the office's settlement).
"$Q" dispute "$T/a.db" --unit $W --statement 松鸣村与邻村对西界有争议 --parties "松鸣村;邻村" >/dev/null 2>&1 || fail "second dispute on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="in_field"' && ok "a new open dispute: back in the field" || fail "second dispute: $(cat "$T/u.json")"
"$OFF" disputes "$O" --json >"$T/d.json" 2>/dev/null
wno=$(pyexpr "$T/d.json" 'print([x["number"] for x in d if x["unit"]=="'$W'" and x["state"]=="open"][0]) or True' | head -1)
refuse "accept refused while an ownership dispute is open" "$OFF" unit accept "$O" --unit $W --by rev
grep -q "1 open ownership dispute" "$T/err" && ok "the refusal says a dispute is open" || fail "accept with a dispute: $(cat "$T/err")"
expect "the office settles it" "$OFF" dispute settle "$O" --unit $W --dispute "$wno" --by rev --outcome 以山脊线为界 --document agreement --number "和政协〔2026〕3号"
unit_is $W 'u["status"]=="submitted"' && ok "settled at the office, nothing else missing: submitted" || fail "after the office's settlement: $(cat "$T/u.json")"
"$Q" note add "$T/a.db" --unit $W --text 界桩已复核 >/dev/null 2>&1 || fail "note on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="submitted"' && ok "and stays so when more work arrives (the settlement is counted at ingest)" || fail "after more work: $(cat "$T/u.json")"
# An absent party served today: complete but for the objection period, which the office counts
# down by its own date, whether or not the device sends anything more.
today=$(date +%F)
"$Q" attend "$T/a.db" --unit $W --party 邻村 --presence absent --notice-date "$today" >/dev/null 2>&1 || fail "absent party on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="in_field"' && ok "an objection period running: in the field" || fail "objection running: $(cat "$T/u.json")"
until_=$("$Q" area "$T/a.db" --unit $W --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); d=d[0] if isinstance(d, list) else d; print(d["objections_until"])')
after=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT max(complete_after) FROM unit_activity WHERE unit = ?", (sys.argv[2],)).fetchone()[0])' "$O" $W)
[ -n "$until_" ] && [ "$after" = "$until_" ] && ok "the office keeps the period's end the device's summary gives ($after)" || fail "complete_after '$after', tablet '$until_'"
"$PY" -c 'import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute("UPDATE unit_activity SET complete_after = ? WHERE unit = ? AND length(complete_after) > 0", ("2000-01-01", sys.argv[2])); db.commit()' "$O" $W
unit_is $W 'u["status"]=="submitted"' && ok "once the period has ended by the office's date: submitted, with nothing new from the device" || fail "period ended: $(cat "$T/u.json")"
# The county record holds a field as disputed: no acceptance (the 公告 would print the owner as
# 有争议) until a crew verifies it again.
"$Q" verify "$T/a.db" --unit $W --field owner --status disputed --note 邻村称归其所有 >/dev/null 2>&1 || fail "owner disputed on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
refuse "accept refused while the county record holds the owner as disputed" "$OFF" unit accept "$O" --unit $W --by rev
grep -q "holds owner as disputed" "$T/err" && ok "... naming the field" || fail "accept with a disputed field: $(cat "$T/err")"
"$Q" verify "$T/a.db" --unit $W --field owner --status confirmed >/dev/null 2>&1 || fail "owner confirmed again on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
expect "accepted once a crew verified it again" "$OFF" unit accept "$O" --unit $W --by rev
# A notice not yet begun (the year mistyped) is set again; once begun it is not.
expect "a notice with the year mistyped" "$OFF" unit notice "$O" --unit $W --by rev --from 2098-01-01 --to 2098-01-31
refuse "no objection before it begins" "$OFF" unit objection "$O" --unit $W --by rev --note x
expect "its dates set again before it begins" "$OFF" unit notice "$O" --unit $W --by rev --from "$today" --to "$(date -d '+30 days' +%F)"
unit_is $W 'u["status"]=="notice" and u["notice_from"]=="'"$today"'"' && ok "the new dates stand" || fail "notice set again: $(cat "$T/u.json")"
refuse "a posted notice is not set again" "$OFF" unit notice "$O" --unit $W --by rev --from "$today" --to "$(date -d '+40 days' +%F)"
grep -q "notice began on $today" "$T/err" && ok "... saying when it began" || fail "notice again: $(cat "$T/err")"
# ---- a task package the tablet refuses never holds back its data ----------------------------------------
# crew c's journal takes only codes starting 9 (unit.code-pattern): the office's package for crew
# 一组 is refused whole, and its own entries (init, config, a note) reach the office all the same.
tok=$("$OFF" device add "$O" --name crewc --crew 一组 2>/dev/null | tail -1)
"$Q" init "$T/c.db" --device-name crewc >/dev/null 2>&1
"$Q" config "$T/c.db" unit.code-pattern '9.*' >/dev/null 2>&1
"$Q" enroll "$T/c.db" --office $URL --token $tok --ca "$T/cert.pem" >/dev/null 2>&1
"$Q" sync "$T/c.db" --json >"$T/c.json" 2>"$T/c.err"; rc=$?
[ $rc = 0 ] && pyexpr "$T/c.json" 'd["ok"] and d["acked_seq"]==d["last_seq"]>=2 and d["tasks"]==0 and "9.*" in (d["tasks_error"] or "")' &&
    ok "a refused task package: nothing imported, the entries acknowledged all the same, tasks_error says why" || fail "rc $rc: $(cat "$T/c.json") $(cat "$T/c.err")"
grep -q "task package was refused" "$T/c.err" && ok "... and a warning on stderr" || fail "no warning: $(cat "$T/c.err")"
"$Q" tasks list "$T/c.db" --json >"$T/cl.json" 2>/dev/null && pyexpr "$T/cl.json" 'd==[]' && ok "... the tablet holds none of its units" || fail "$(cat "$T/cl.json")"
# ---- two tablets number their disputes alike ------------------------------------------------------------
# Never the first found, silently: the number alone is refused while both are open, --device says
# whose, and then the one still open is the one a number names.
"$Q" dispute "$T/a.db" --unit $U --statement 甲说东界有争议 --number ZY-TWIN >/dev/null 2>&1 || fail "dispute ZY-TWIN on a"
"$Q" dispute "$T/b.db" --unit $U --statement 乙说东界有争议 --number ZY-TWIN >/dev/null 2>&1 || fail "dispute ZY-TWIN on b"
"$Q" sync "$T/a.db" >/dev/null 2>&1; "$Q" sync "$T/b.db" >/dev/null 2>&1
twin() { "$OFF" disputes "$O" --json >"$T/d.json" 2>/dev/null && pyexpr "$T/d.json" "sorted((x['device_name'], x['state']) for x in d if x['number']=='ZY-TWIN')==$1"; }
twin "[('crewa','open'),('crewb','open')]" && ok "both devices' disputes ZY-TWIN are open" || fail "twins: $(head -c 600 "$T/d.json")"
refuse "a number two devices' open disputes share is refused without --device" "$OFF" dispute settle "$O" --unit $U --dispute ZY-TWIN --by rev --outcome x --document agreement --number T1
grep -q "recorded by crewa, crewb" "$T/err" && ok "... naming both devices" || fail "ambiguous: $(cat "$T/err")"
refuse "an unknown --device is refused" "$OFF" dispute settle "$O" --unit $U --dispute ZY-TWIN --device nosuch --by rev --outcome x --document agreement --number T1
expect "--device crewb settles crewb's" "$OFF" dispute settle "$O" --unit $U --dispute ZY-TWIN --device crewb --by rev --outcome 以河为界 --document agreement --number T-B
twin "[('crewa','open'),('crewb','settled_at_office')]" && ok "... and crewa's stays open" || fail "after b: $(head -c 600 "$T/d.json")"
expect "then the number names the one still open" "$OFF" dispute settle "$O" --unit $U --dispute ZY-TWIN --by rev --outcome 以河为界 --document agreement --number T-A
twin "[('crewa','settled_at_office'),('crewb','settled_at_office')]" && ok "... crewa's" || fail "after a: $(head -c 600 "$T/d.json")"

# ---- a case decided neither (re-survey): no acceptance until a crew sends work after it --------
R=622901ZR000099
cat >"$T/r99.geojson" <<EOF
{"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"ZRZYDJDYH": "$R",
 "DJDYMC": "复测单元"}, "geometry": {"type": "Polygon", "coordinates": [[[103.24, 35.56],
 [103.241, 35.56], [103.241, 35.561], [103.24, 35.561], [103.24, 35.56]]]}}]}
EOF
expect "tasks import of $R" "$OFF" tasks import "$O" "$T/r99.geojson" --assign 一组
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
"$Q" point add "$T/a.db" --unit $R --lon 103.24000 --lat 35.56000 >/dev/null 2>&1 || fail "point on $R by a"
"$Q" point add "$T/b.db" --unit $R --lon 103.24004 --lat 35.56003 >/dev/null 2>&1 || fail "point on $R by b"
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
"$OFF" review list "$O" --json >"$T/r.json"
cid=$("$PY" -c 'import json,sys; print(" ".join(str(c["id"]) for c in json.load(open(sys.argv[1]))["cases"] if c["unit"]==sys.argv[2]))' "$T/r.json" $R)
[ -n "$cid" ] && expect "the J1 case of $R decided neither" "$OFF" review resolve "$O" "$cid" --accept neither --by rev --note 两组点位不一致，重测 \
    || fail "no case on $R: $(cat "$T/r.json")"
refuse "accept refused after neither until new work arrives" "$OFF" unit accept "$O" --unit $R --by rev
grep -q "re-survey" "$T/err" && ok "... saying the re-survey is pending" || fail "refusal: $(cat "$T/err")"
# work on anything else of the unit (a new point J2) does not lift it: the case was about J1
"$Q" point add "$T/a.db" --unit $R --lon 103.24100 --lat 35.56000 >/dev/null 2>&1 || fail "J2 on $R by a"
"$Q" sync "$T/a.db" >/dev/null 2>&1
refuse "accept still refused: new work on J2, none on J1" "$OFF" unit accept "$O" --unit $R --by rev
grep -q "re-survey" "$T/err" && ok "... the re-survey of J1 still pending" || fail "refusal: $(cat "$T/err")"
j1=$("$Q" log "$T/a.db" --json | "$PY" -c 'import json,sys; print([e["seq"] for e in json.load(sys.stdin) if e["kind"]=="point" and e["payload"].get("unit")==sys.argv[1] and e["payload"].get("number")=="J1"][-1])' $R)
"$Q" point add "$T/a.db" --unit $R --lon 103.24004 --lat 35.56003 --corrects "$j1" --reason 重测 >/dev/null 2>&1 || fail "J1 re-measured on $R by a"
"$Q" sync "$T/a.db" >/dev/null 2>&1
expect "accept once the crew sent work on J1 after it" "$OFF" unit accept "$O" --unit $R --by rev

# ---- an edge match (接边): two crews measured one corner of two neighbouring units -----------------
W=622901ZR000097 EE=622901ZR000098
cat >"$T/edge.geojson" <<EOF
{"type": "FeatureCollection", "features": [
 {"type": "Feature", "properties": {"ZRZYDJDYH": "$W", "DJDYMC": "接边西"}, "geometry": {"type": "Polygon",
  "coordinates": [[[103.241, 35.564], [103.242, 35.564], [103.242, 35.565], [103.241, 35.565], [103.241, 35.564]]]}},
 {"type": "Feature", "properties": {"ZRZYDJDYH": "$EE", "DJDYMC": "接边东"}, "geometry": {"type": "Polygon",
  "coordinates": [[[103.242, 35.564], [103.243, 35.564], [103.243, 35.565], [103.242, 35.565], [103.242, 35.564]]]}}]}
EOF
expect "tasks import of two neighbouring units" "$OFF" tasks import "$O" "$T/edge.geojson" --assign 一组
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
# crew a the west unit's corner, crew b the east unit's: 0.24 m apart, within twice the tolerance
"$Q" point add "$T/a.db" --unit $W --lon 103.242 --lat 35.565 >/dev/null 2>&1 || fail "west corner by a"
"$Q" point add "$T/b.db" --unit $EE --lon 103.242001 --lat 35.565002 >/dev/null 2>&1 || fail "east corner by b"
# and a point 5 m away on the other side: two markers, no case
"$Q" point add "$T/b.db" --unit $EE --lon 103.243 --lat 35.565045 >/dev/null 2>&1 || fail "east NE corner by b"
"$Q" point add "$T/a.db" --unit $W --lon 103.241 --lat 35.565 >/dev/null 2>&1 || fail "west NW corner by a"
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
"$OFF" review list "$O" --json >"$T/r.json"
edge_cases() { "$PY" -c 'import json,sys; print(len([c for c in json.load(open(sys.argv[1]))["cases"] if c["kind"]=="edge"]))' "$1"; }
pyexpr "$T/r.json" '[(sorted([c["unit"], c["other_unit"]]), c["subject"], c["other_subject"], sorted([c["a"]["unit"], c["b"]["unit"]]), "0.24 m apart" in c["detail"]) for c in d["cases"] if c["kind"]=="edge"]==[(["'$W'", "'$EE'"], "J1", "J1", ["'$W'", "'$EE'"], True)]' \
    && ok "the two crews' corner of neighbouring units makes one edge case (the far points none)" || fail "edge case: $(cat "$T/r.json")"
unit_is $W 'u["open_cases"]==1 and u["status"]=="under_review"' && unit_is $EE 'u["open_cases"]==1 and u["status"]=="under_review"' \
    && ok "  open on both units" || fail "edge case's units: $(cat "$T/u.json")"
"$Q" sync "$T/a.db" >/dev/null 2>&1
"$OFF" review list "$O" --json >"$T/r2.json"
[ "$(edge_cases "$T/r2.json")" = 1 ] && ok "  found once (whichever device's ingest sees the pair)" || fail "edge cases: $(edge_cases "$T/r2.json")"
read -r ecid wside < <("$PY" -c 'import json,sys; c=[c for c in json.load(open(sys.argv[1]))["cases"] if c["kind"]=="edge"][0]; print(c["id"], "a" if c["unit"]==sys.argv[2] else "b")' "$T/r.json" $W)
usage "an edge choice without a reason" "$OFF" review resolve "$O" "$ecid" --accept $wside --by rev
expect "the east unit's corner takes the west's position" "$OFF" review resolve "$O" "$ecid" --accept $wside --by rev --note 同一界桩，采用一组点位
expect "quejie check of the office journal" "$Q" check "$O.decisions"
"$PY" - "$O.decisions" "$W" "$EE" <<'PY' && ok "  the decision in the office's journal names both points" || fail "edge decision payload"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
p = json.loads(db.execute("SELECT payload FROM entries WHERE kind = 'decision' ORDER BY seq DESC LIMIT 1").fetchone()[0])
assert p["action"] == "review" and {p["unit"], p["other_unit"]} == {sys.argv[2], sys.argv[3]}, p
assert p["subject"] == "J1" and p["other_subject"] == "J1" and p["device"] and p["entry"] > 0, p
PY
unit_is $W 'u["open_cases"]==0' && unit_is $EE 'u["open_cases"]==0' && ok "  closed on both units" || fail "after the edge decision: $(cat "$T/u.json")"
expect "county export after the edge match" "$OFF" export "$O" --format geojson --output "$T/edge.out.geojson"
expect "  and of the east unit alone" "$OFF" export "$O" --format geojson --unit $EE --output "$T/edge-e.geojson"
edge_ok() {
    "$PY" - "$1" "$W" "$EE" "$2" <<'PY'
import json, sys
feats = json.load(open(sys.argv[1], encoding="utf-8"))["features"]
pts = {(f["properties"]["unit"], f["properties"]["number"]): f for f in feats
       if f["properties"].get("number") and f["geometry"] and f["geometry"]["type"] == "Point"}
e = pts[(sys.argv[3], "J1")]
assert e["properties"]["review_decision"] == "edge_matched", e["properties"]
assert e["properties"]["shared_unit"] == sys.argv[2] and e["properties"]["shared_number"] == "J1", e["properties"]
assert e["properties"]["decided_by"] == "rev", e["properties"]
lon, lat = map(float, sys.argv[4].split(","))
assert abs(e["geometry"]["coordinates"][0] - lon) < 1e-9 and abs(e["geometry"]["coordinates"][1] - lat) < 1e-9, e
if (sys.argv[2], "J1") in pts:
    w = pts[(sys.argv[2], "J1")]
    assert w["geometry"]["coordinates"][:2] == e["geometry"]["coordinates"][:2]
    assert w["properties"]["review_decision"] is None, w["properties"]
PY
}
edge_ok "$T/edge.out.geojson" 103.242,35.565 && ok "  the county record holds the east unit's J1 at the west unit's position, edge_matched" \
    || fail "edge export"
edge_ok "$T/edge-e.geojson" 103.242,35.565 && ok "  and so does a one-unit export of the east unit" || fail "one-unit edge export"
# crew b re-measures its corner: the pair was decided, nothing is asked again, and the record
# still holds the west unit's position
j1=$("$Q" log "$T/b.db" --json | "$PY" -c 'import json,sys; print([e["seq"] for e in json.load(sys.stdin) if e["kind"]=="point" and e["payload"].get("unit")==sys.argv[1] and e["payload"].get("number")=="J1"][-1])' $EE)
"$Q" point add "$T/b.db" --unit $EE --lon 103.242002 --lat 35.565001 --corrects "$j1" --reason 重测 >/dev/null 2>&1 || fail "east J1 re-measured"
"$Q" sync "$T/b.db" >/dev/null 2>&1
"$OFF" review list "$O" --json --all >"$T/r3.json"
[ "$(edge_cases "$T/r3.json")" = 1 ] && ok "a re-measured corner of a decided pair asks nothing again" || fail "edge cases after a re-measure: $(edge_cases "$T/r3.json")"
"$OFF" export "$O" --format geojson --output "$T/edge2.geojson" >/dev/null 2>&1
edge_ok "$T/edge2.geojson" 103.242,35.565 && ok "  and the record still holds the one position" || fail "edge export after the re-measure"

# ---- a return dates from when the crew learnt of it -----------------------------------------------------
# Work recorded before the tablet knew of a return, sent after it, ends it on neither end: the sync
# sends the entries first and fetches the tasks (and the return) after, and the office counts only
# the work a device sent after the return reached it (return_delivered)
"$Q" point add "$T/a.db" --unit $W --lon 103.2415 --lat 35.5640 >/dev/null 2>&1 || fail "a point on $W, not sent"
expect "unit return while the crew has unsent work" "$OFF" unit return "$O" --unit $W --by rev --note "请复核西侧界址点"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="returned"' && ok "work recorded before the return, sent after it, does not end it at the office" || fail "office: $(cat "$T/u.json")"
tablet_is "$T/a.db" $W 'u["stage"]=="returned" and u["office_note"]=="请复核西侧界址点"' && ok "  nor on the tablet" || fail "tablet: $(head -c 300 "$T/t.json")"
refuse "  and acceptance waits for the crew's new work" "$OFF" unit accept "$O" --unit $W --by rev
# crew b, which had not synced since the return, sends a note it wrote before: not work after it
"$Q" note add "$T/b.db" --unit $W --text "西侧有新界桩" >/dev/null 2>&1 || fail "b's note"
"$Q" sync "$T/b.db" >/dev/null 2>&1
unit_is $W 'u["status"]=="returned"' && ok "  another tablet's work from before it learnt of the return does not end it either" || fail "office after b: $(cat "$T/u.json")"
"$Q" point add "$T/a.db" --unit $W --lon 103.2412 --lat 35.5641 >/dev/null 2>&1 || fail "new work on $W"
"$Q" sync "$T/a.db" >/dev/null 2>&1
unit_is $W 'u["status"]!="returned"' && ok "the crew's work after it ends the return" || fail "office after new work: $(cat "$T/u.json")"

# ---- the county record lists every unit, each with its state in the procedure ----------------------
# A unit assigned to a crew with no tablet yet: no replica holds it, the county export has it all
# the same (its draft, nothing surveyed); every unit carries status and its notice period.
"$PY" - "$FIX/tasks/adjacent-units-4490.geojson" "$T/unf.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
d["features"] = d["features"][1:]
d["features"][0]["properties"]["ZRZYDJDYH"] = "622901ZR000103"
json.dump(d, open(sys.argv[2], "w", encoding="utf-8"), ensure_ascii=False)
PY
expect "tasks import for a crew with no tablet" "$OFF" tasks import "$O" "$T/unf.geojson" --assign 二组
expect "county export (GeoJSON) with a unit nobody fetched" "$OFF" export "$O" --format geojson --output "$T/all.geojson"
"$OFF" units "$O" --json >"$T/u.json"
"$PY" - "$T/all.geojson" "$T/u.json" <<'PY' && ok "every office unit is in the county export with its status (and notice period); the unfetched one with its draft and no points" || fail "county export statuses: $(head -c 600 "$T/all.geojson")"
import json, sys
feats = [f for f in json.load(open(sys.argv[1], encoding="utf-8"))["features"] if "owner_status" in f["properties"]]
units = {u["code"]: u for u in json.load(open(sys.argv[2], encoding="utf-8"))}
got = {f["properties"]["code"]: f["properties"] for f in feats}
assert set(got) == set(units), (sorted(got), sorted(units))
for code, u in units.items():
    assert got[code]["status"] == u["status"], (code, got[code]["status"], u["status"])
n = got["622901ZR000103"]
assert n["status"] == "assigned" and n["points"] == 0 and n["area_m2"] > 0, n
ready = [p for p in got.values() if p["status"] == "ready"]
assert ready and all(p["notice_from"] == "2020-01-01" and p["notice_to"] == "2020-01-15" for p in ready), ready
assert all(p["notice_from"] is None for p in got.values() if p["status"] not in ("notice", "ready")), got
PY
expect "county export (GeoPackage) of that unit alone" "$OFF" export "$O" --format gpkg --unit 622901ZR000103 --output "$T/one.gpkg"
ogrinfo -ro -q "$T/one.gpkg" units >"$T/p" 2>&1
grep -q "code (String) = 622901ZR000103" "$T/p" && grep -q "status (String) = assigned" "$T/p" \
    && ok "  and alone with --unit, as a GeoPackage" || fail "one unfetched unit: $(head -30 "$T/p")"
# an office no tablet has synced with: its units in their own zone (no device's default CRS to
# borrow, and never a central meridian of 0)
expect "an office with no tablet yet" "$OFF" init "$T/fresh.db"
expect "  its tasks" "$OFF" tasks import "$T/fresh.db" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组
expect "  its county export" "$OFF" export "$T/fresh.db" --format gpkg --output "$T/fresh.gpkg"
"$PY" - "$T/fresh.gpkg" <<'PY' && ok "  every task unit, each in its own Gauss-Krueger zone" || fail "fresh office export: $(sqlite3 "$T/fresh.gpkg" 'SELECT table_name FROM gpkg_contents' 2>&1 | tr '\n' ' ')"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
layers = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")]
assert "units_4522" in layers and not any("cm0" in l for l in layers), layers
assert db.execute("SELECT count(*) FROM units").fetchone()[0] == 3
assert {r[0] for r in db.execute("SELECT status FROM units")} == {"assigned"}
PY
# ---- a written objection received in time, entered after the notice ended ------------------------------
R=622901ZR000101 # ready: its notice ran 2020-01-01 to 2020-01-15
usage "--received belongs to an objection" "$OFF" unit return "$O" --unit $R --by rev --note x --received 2020-01-10
refuse "an objection received after the notice ended" "$OFF" unit objection "$O" --unit $R --by rev --note 迟交的异议 --received 2020-01-20
grep -q "outside the notice (2020-01-01 to 2020-01-15)" "$T/err" && ok "  saying it was not made in time" || fail "late objection: $(cat "$T/err")"
refuse "an objection received on a day still to come" "$OFF" unit objection "$O" --unit $R --by rev --note x --received "$(date -d '+2 days' +%F)"
expect "an objection received in writing on the notice's 10th day, entered later" "$OFF" unit objection "$O" --unit $R --by rev --note "北侧界线有异议（书面）" --received 2020-01-10
unit_is $R 'u["status"]=="objection"' && ok "  the unit goes back to review (objection)" || fail "after a late-entered objection: $(cat "$T/u.json")"
"$PY" - "$O.decisions" <<'PY' && ok "  the decision records the day it was received" || fail "objection payload"
import json, sqlite3, sys
p = json.loads(sqlite3.connect(sys.argv[1]).execute("SELECT payload FROM entries WHERE kind = 'decision' ORDER BY seq DESC LIMIT 1").fetchone()[0])
assert p["action"] == "objection" and p["received"] == "2020-01-10", p
PY
# ---- the decisions' index is the journal's: a row changed in the database by hand does not last ------
"$PY" - "$O" "$R" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
seq = db.execute("SELECT max(seq) FROM office_decisions WHERE unit = ?", (sys.argv[2],)).fetchone()[0]
db.execute("UPDATE office_decisions SET action = 'accept', note = NULL WHERE seq = ?", (seq,))
db.commit()
PY
"$OFF" units "$O" --json >"$T/u.json" 2>"$T/reindex.err"
pyexpr "$T/u.json" '[u for u in d if u["code"]=="'$R'"][0]["status"]=="objection"' \
    && grep -q "differed from its journal in 1 decision (changed in the database" "$T/reindex.err" "$T/office.log" \
    && ok "a decision's index row changed by hand is made again from the office's journal on the next open, and the log says so" \
    || fail "tampered index: $(cat "$T/reindex.err") $(grep -c differed "$T/office.log")"
kill -TERM $SERVER 2>/dev/null; wait $SERVER 2>/dev/null
grep -q "AddressSanitizer\|runtime error\|LeakSanitizer" "$T/office.log" && fail "sanitizer report: $(grep -m3 -A5 Sanitizer "$T/office.log")" || ok "no sanitizer reports from the server"
finish
