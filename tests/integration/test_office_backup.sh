#!/bin/bash
# `quejie-office backup`: a copy of a serving office (database, key, its own journal, every
# replica, imagery) taken while tablets sync, every journal of the copy checked, a manifest with
# each file's SHA-256; the copy is an office; restoring it and syncing brings back what the
# tablets sent after it; refusals (a directory not empty, a damaged replica) leave no manifest.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
Q=$QUEJIE
FILL=$QJ_BUILD/qj_fill
[ -x "$OFF" ] && [ -x "$FILL" ] || { echo "no quejie-office or qj_fill in $QJ_BUILD"; exit 1; }
O=$T/office.db
U=622901ZR000002

expect "init" "$OFF" init "$O" --name 临夏州
"$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组 >/dev/null 2>&1
serve_console "$OFF" "$O"
for c in a b; do
    tok=$("$OFF" device add "$O" --name crew$c --crew 一组 2>/dev/null | tail -1)
    "$Q" init "$T/$c.db" --device-name crew$c >/dev/null 2>&1
    "$Q" enroll "$T/$c.db" --office "$URL" --token "$tok" --ca "$T/cert.pem" >/dev/null 2>&1 \
        && "$Q" sync "$T/$c.db" --quiet >/dev/null 2>&1 || fail "enroll and first sync of crew$c"
    "$FILL" "$T/$c.db" $U 400 10 >/dev/null || fail "qj_fill crew$c"
done
expect "crewa's day reaches the office" "$Q" sync "$T/a.db" --quiet
expect "a decision in the office's own journal" "$OFF" unit return "$O" --unit $U --by 审核员 --note 请补测
# imagery, if GDAL's tools are here (the backup copies its GeoPackages)
IMG=0
if command -v gdal_translate >/dev/null; then
    "$PY" - "$T/dom.asc" <<'PY'
import sys
with open(sys.argv[1], "w") as o:
    o.write("ncols 64\nnrows 64\nxllcorner 103.22\nyllcorner 35.54\ncellsize 0.0002\n")
    for r in range(64):
        o.write(" ".join(str((c * 3 + r * 5) % 256) for c in range(64)) + "\n")
PY
    gdal_translate -q -ot Byte -a_srs EPSG:4490 "$T/dom.asc" "$T/dom.tif" \
        && "$OFF" imagery add "$O" "$T/dom.tif" --name DOM --assign 一组 >/dev/null 2>&1 && IMG=1 \
        || fail "imagery add"
fi

"$OFF" status "$O" --json >"$T/st.json" && pyexpr "$T/st.json" 'd["last_backup"] is None' && "$OFF" status "$O" | grep -q "^NO BACKUP" \
    && ok "status says the office has never been backed up" || fail "status before a backup: $(head -c 300 "$T/st.json")"

# ---- a backup while crewb syncs its day ------------------------------------------------------------
"$Q" sync "$T/b.db" --quiet >"$T/syncb.out" 2>&1 &
SYNC=$!
"$OFF" backup "$O" "$T/bk1" >"$T/out" 2>"$T/err" && ok "backup while the office serves and a tablet syncs" \
    || fail "backup: $(cat "$T/err")"
wait $SYNC && ok "  the tablet's sync went on meanwhile" || fail "sync during the backup: $(cat "$T/syncb.out")"
grep -q "every journal checked" "$T/out" && grep -q "2 replicas" "$T/out" && ok "  it says what it copied: $(head -c 160 "$T/out")..." \
    || fail "backup output: $(cat "$T/out")"
"$OFF" status "$O" --json >"$T/st.json" && pyexpr "$T/st.json" 'd["last_backup"]["dest"]=="'$T/bk1'" and d["last_backup"]["replicas"]==2 and d["last_backup"]["stale"] is False' \
    && ok "  status names the latest backup" || fail "status after the backup: $(head -c 400 "$T/st.json")"
B=$T/bk1/office.db
[ -f "$B" ] && [ -f "$B.key" ] && [ -f "$B.decisions" ] && [ "$(ls "$B.replicas"/*.db | wc -l)" = 2 ] \
    && ok "  the database, key, office journal and both replicas under their own names" || fail "backup files: $(ls -R "$T/bk1")"
[ "$(stat -c %a "$B.key")" = 600 ] && ok "  the key is the owner's alone (0600)" || fail "key mode $(stat -c %a "$B.key")"
cmp -s "$O.key" "$B.key" && ok "  the key byte for byte" || fail "key differs"
! ls "$T/bk1"/*-wal "$B.replicas"/*-wal >/dev/null 2>&1 && ok "  single files, no -wal beside them (a copy to carry away)" || fail "wal files in the backup"
if [ $IMG = 1 ]; then
    [ -f "$B.imagery/DOM.gpkg" ] && [ -f "$B.imagery/web/DOM.gpkg" ] && ok "  the imagery, the tablets' and the console's" \
        || fail "imagery not copied: $(ls -R "$B.imagery" 2>&1)"
fi
"$PY" - "$T/bk1" "$O" <<'PY' && ok "MANIFEST.json names every file with its size and SHA-256" || fail "manifest"
import hashlib, json, os, sqlite3, sys
root = sys.argv[1]
m = json.load(open(os.path.join(root, "MANIFEST.json")))
assert m["format"] == "quejie-office-backup" and m["version"] == 1, m
oid = sqlite3.connect(sys.argv[2]).execute("SELECT office_id FROM office").fetchone()[0]
assert m["office_id"] == oid and m["name"] == "临夏州", (m["office_id"], oid)
listed = {f["path"] for f in m["files"]}
on_disk = set()
for d, _, files in os.walk(root):
    for f in files:
        on_disk.add(os.path.relpath(os.path.join(d, f), root))
assert on_disk - {"MANIFEST.json"} == listed, (on_disk, listed)
for f in m["files"]:
    data = open(os.path.join(root, f["path"]), "rb").read()
    assert len(data) == f["bytes"] and hashlib.sha256(data).hexdigest() == f["sha256"], f["path"]
assert len(m["replicas"]) == 2 and all(r["entries"] > 0 for r in m["replicas"]), m["replicas"]
assert m["decisions"] >= 2, m["decisions"]  # the init entry and the return
PY
for r in "$B.replicas"/*.db "$B.decisions"; do
    "$Q" check "$r" >"$T/chk" 2>&1 || fail "quejie check $(basename "$r"): $(cat "$T/chk")"
done
ok "quejie check passes every journal of the copy"
# ---- restore: into a new place, checked against the manifest, its indexes brought up -----------------
expect "restore the backup as a second office" "$OFF" restore "$T/bk1" "$T/r1/office.db"
grep -q "every file as its manifest says" "$T/out" && ok "  it says so: $(head -c 120 "$T/out")..." || fail "restore output: $(cat "$T/out")"
R1=$T/r1/office.db
"$OFF" status "$R1" --json >"$T/st.json" 2>"$T/err" && "$OFF" status "$O" --json >"$T/st0.json" \
    && "$PY" - "$T/st.json" "$T/st0.json" "$T/bk1/MANIFEST.json" <<'PY' && ok "the restored copy is the same office, each device acknowledged up to its replica (the indexes caught up)" || fail "status of the restored copy: $(cat "$T/err" "$T/st.json")"
import json, sys
b, o, m = (json.load(open(p)) for p in sys.argv[1:4])
assert b["office_id"] == o["office_id"] and b["name"] == o["name"]
held = {r["device_id"]: r["entries"] for r in m["replicas"]}
assert sorted(d["name"] for d in b["devices"]) == ["crewa", "crewb"]
for d in b["devices"]:
    assert d["acked_seq"] == held[d["device_id"]], (d, held)
PY
[ "$(stat -c %a "$R1.key")" = 600 ] && cmp -s "$O.key" "$R1.key" && ok "  its key, 0600" || fail "restored key"
"$OFF" units "$R1" --json >"$T/units.json" && pyexpr "$T/units.json" 'any(u["code"]=="'$U'" and u["decided_by"]=="审核员" and u["note"]=="请补测" for u in d)' \
    && ok "  the office's decisions are in the copy (the unit's return, by whom, with its note)" || fail "units of the copy: $(head -c 300 "$T/units.json")"

refuse "a restore over an existing office" "$OFF" restore "$T/bk1" "$R1"
grep -q "never writes over an office" "$T/err" && ok "  saying so" || fail "restore over: $(cat "$T/err")"
"$OFF" restore "$T/bk1" >/dev/null 2>&1; [ $? = 2 ] && ok "a restore without a target: usage (exit 2)" || fail "restore usage"
refuse "a restore from a directory that is no backup" "$OFF" restore "$T/r1" "$T/r2/office.db"
grep -q "MANIFEST.json" "$T/err" && [ ! -e "$T/r2/office.db" ] && ok "  naming the missing manifest, nothing restored" || fail "no manifest: $(cat "$T/err")"
cp -a "$T/bk1" "$T/bk-flip"
"$PY" - "$(ls "$T/bk-flip/office.db.replicas"/*.db | head -1)" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
b[len(b) // 2] ^= 1
open(p, "wb").write(b)
PY
refuse "a restore of a backup with one flipped bit" "$OFF" restore "$T/bk-flip" "$T/r3/office.db"
grep -q "differs from the backup's manifest" "$T/err" && [ ! -e "$T/r3/office.db" ] && [ ! -e "$T/r3/office.db.key" ] \
    && ok "  naming the file, nothing restored" || fail "flipped bit: $(cat "$T/err"; ls "$T/r3" 2>&1)"

# ---- refusals -----------------------------------------------------------------------------------------
refuse "a backup into a directory that is not empty" "$OFF" backup "$O" "$T/bk1"
grep -q "not empty" "$T/err" && ok "  saying so; nothing written over" || fail "not empty: $(cat "$T/err")"
"$OFF" backup "$O" >/dev/null 2>&1; [ $? = 2 ] && ok "a backup without a destination: usage (exit 2)" || fail "usage"
refuse "a backup of an office that is not there" "$OFF" backup "$T/none.db" "$T/bk-none"
# a damaged replica: the backup says which file fails and leaves no manifest
cp -a "$T/bk1" "$T/damaged"
R=$(ls "$T/damaged/office.db.replicas"/*.db | head -1)
"$PY" - "$R" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'").fetchall():
    db.execute('DROP TRIGGER "%s"' % name)
db.execute("UPDATE entries SET payload = payload || ' ' WHERE seq = (SELECT max(seq) FROM entries)")
db.commit()
PY
refuse "a backup of an office with a damaged replica" "$OFF" backup "$T/damaged/office.db" "$T/bk-bad"
grep -q "$(basename "$R")" "$T/err" && grep -q "unfinished" "$T/err" && [ ! -e "$T/bk-bad/MANIFEST.json" ] \
    && ok "  naming the replica, the copy left unfinished without a manifest" || fail "damaged: $(cat "$T/err")"

# ---- dated backups in a directory of their own, the oldest beyond --keep removed -------------------------
mkdir "$T/nightly" "$T/nightly/2020-01-01T000000" && echo keep >"$T/nightly/notes.txt"
for i in 1 2 3; do
    # named to the second, "-2" after the time for another in the same second: no wait needed
    "$OFF" backup "$O" --into "$T/nightly" --keep 2 --no-imagery --json >"$T/into$i.json" 2>"$T/err" || fail "backup --into ($i): $(cat "$T/err")"
done
ls -1 "$T/nightly" >"$T/nightly.list"
[ "$(grep -Ec '^20[0-9][0-9]-..-..T......(-[0-9]+)?$' "$T/nightly.list")" = 3 ] && [ -f "$T/nightly/notes.txt" ] && [ -d "$T/nightly/2020-01-01T000000" ] \
    && pyexpr "$T/into3.json" 'd["removed"]==1 and d["backup"].startswith("'$T/nightly/'")' \
    && ok "backup --into --keep 2: dated backups, the oldest of this office removed, an unfinished one and other files left" || fail "nightly: $(cat "$T/nightly.list" "$T/into3.json")"
# this second's name (and the next ten minutes') already taken, by something else: the backup
# takes the next free name, never refused and never into a directory that holds anything. The
# names are made in one process (a loop of date(1) on a loaded machine can take longer than the
# window it makes, and the backup would then find its second free)
mkdir -p "$T/same"
"$PY" - "$T/same" <<'PY'
import os, sys, time
now = int(time.time())
for s in range(-1, 601):
    d = os.path.join(sys.argv[1], time.strftime("%Y-%m-%dT%H%M%S", time.localtime(now + s)))
    os.makedirs(d, exist_ok=True)  # a clock turned back makes a name twice
    open(os.path.join(d, "other"), "w").write("x\n")
PY
"$OFF" backup "$O" --into "$T/same" --keep 9 --no-imagery --json >"$T/same.json" 2>"$T/err" &&
    pyexpr "$T/same.json" 'd["backup"].endswith("-2")' && [ -f "$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["backup"])' "$T/same.json")/MANIFEST.json" ] &&
    [ "$(find "$T/same" -name other | wc -l)" = 602 ] &&
    ok "a backup whose second's name is taken is made beside it as NAME-2" || fail "same second: $(cat "$T/same.json" "$T/err")"
"$OFF" backup "$O" "$T/bk-x" --keep 3 >/dev/null 2>&1; [ $? = 2 ] && ok "--keep without --into: usage (exit 2)" || fail "--keep without --into"
refuse "backup --into a directory that is not there" "$OFF" backup "$O" --into "$T/nowhere"

# ---- restore: the copy put in place; the tablets send again what it lacks ----------------------------
"$FILL" "$T/a.db" $U 200 5 >/dev/null || fail "qj_fill after the backup"
expect "crewa sends more after the backup" "$Q" sync "$T/a.db" --quiet
kill -9 "${PIDS[0]}" 2>/dev/null; wait "${PIDS[0]}" 2>/dev/null
mkdir "$T/old" && mv "$O" "$O".* "$O"-* "$T/old/" 2>/dev/null
expect "the backup restored in the office's place" "$OFF" restore "$T/bk1" "$O"
"$OFF" serve "$O" --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >"$T/office2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.1; done
expect "crewa syncs with the restored office" "$Q" sync "$T/a.db" --quiet
expect "crewb too" "$Q" sync "$T/b.db" --quiet
for c in a b; do
    "$Q" sync-status "$T/$c.db" --json >"$T/ss.json"
    pyexpr "$T/ss.json" 'd["acked_seq"]==d["last_seq"]' || fail "crew$c after the restore: $(cat "$T/ss.json")"
done
"$OFF" status "$O" --json >"$T/st.json"
"$PY" - "$T/st.json" "$T/a.db" "$T/b.db" <<'PY' && ok "after the restore every tablet's entries are at the office again" || fail "restore: $(cat "$T/st.json")"
import json, sqlite3, sys
d = json.load(open(sys.argv[1]))
last = {}
for p, n in ((sys.argv[2], "crewa"), (sys.argv[3], "crewb")):
    last[n] = sqlite3.connect(p).execute("SELECT max(seq) FROM entries").fetchone()[0]
for dev in d["devices"]:
    assert dev["acked_seq"] == dev["entries"] == last[dev["name"]], (dev, last)
PY
for r in "$O.replicas"/*.db; do "$Q" check "$r" >/dev/null 2>&1 || fail "check after restore: $r"; done
ok "the restored replicas pass quejie check"
finish
