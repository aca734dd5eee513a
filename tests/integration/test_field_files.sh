#!/bin/bash
# The files a crew keeps with a unit (DOMAIN.md section 9: the 指界 forms are signed in wet ink
# and photographed on site; ANCHORS.md: photos that fail to sync): `quejie attach` keeps a JPEG,
# PNG or PDF in the journal file with a signed entry naming it by its SHA-256; `quejie sync`
# sends the entries, then each file in pieces over TLS, resuming where the office's copy ends
# after a cut connection (a proxy cutting at random byte offsets); the office keeps it whole
# only when it hashes to its name, lists it with the unit (CLI, console API), serves it back
# byte for byte and puts it in the county GeoPackage. A second sync sends nothing; a void
# withdraws it from the lists; the office takes no bytes no entry of the device names.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFFICE=$QUEJIE_OFFICE
O=$T/office.db
for c in gdal_translate openssl curl; do
    command -v $c >/dev/null || { fail "$c is not installed"; finish; exit 1; }
done

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
OPORT=$(free_port)
URL=https://127.0.0.1:$OPORT
expect "office init" "$OFFICE" init "$O" --name 临夏州自然资源局
expect "tasks import" "$OFFICE" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组
expect "user add viewer" bash -c "echo 'View-pass-2026!' | '$OFFICE' user add '$O' --name view --role viewer"
"$OFFICE" serve "$O" --listen 127.0.0.1:$OPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    >>"$T/office.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$OPORT) 2>/dev/null && break; sleep 0.05; done
TOK=$("$OFFICE" device add "$O" --name crew1 --crew 一组 2>/dev/null | tail -1)
J=$T/crew1.db
"$QUEJIE" init "$J" --device-name crew1 --crew 一组 >/dev/null
expect "enroll" "$QUEJIE" enroll "$J" --office "$URL" --token "$TOK" --ca "$T/cert.pem"
expect "first sync brings the tasks" "$QUEJIE" sync "$J" --quiet
expect "a backup of the office before any file" "$OFFICE" backup "$O" "$T/bk"
U=622901ZR000002

# ---- the files: a photograph (JPEG by GDAL), a scan of 2.6 MB (three pieces), what is neither ------
"$PY" - "$T/photo.pgm" <<'PY'
import random, sys
r = random.Random(5)
w, h = 900, 600
with open(sys.argv[1], "wb") as f:
    f.write(b"P5\n%d %d\n255\n" % (w, h))
    f.write(bytes(r.randrange(256) for _ in range(w * h)))
PY
gdal_translate -q -of JPEG -co QUALITY=95 "$T/photo.pgm" "$T/界桩照片.jpg" 2>/dev/null &&
    ok "a photograph made with GDAL (JPEG, $(stat -c %s "$T/界桩照片.jpg") bytes)" || fail "gdal_translate jpeg"
{ printf '%%PDF-1.4\n'; head -c 2700000 /dev/urandom; printf '\n%%%%EOF\n'; } >"$T/签章表.pdf"
echo "not a photo" >"$T/notes.txt"
{ printf '%%PDF-1.4\n'; head -c $((33 * 1024 * 1024)) /dev/zero; } >"$T/huge.pdf"
SHA_J=$(sha256sum "$T/界桩照片.jpg" | cut -d' ' -f1)
SHA_P=$(sha256sum "$T/签章表.pdf" | cut -d' ' -f1)

expect "attach a photograph" "$QUEJIE" attach "$J" --unit $U --file "$T/界桩照片.jpg" --what photo --note "J1 界桩"
grep -q "界桩照片.jpg kept with unit $U as photo (image/jpeg" "$T/out" && ok "... says what was kept" || fail "$(cat "$T/out")"
expect "attach the signed form" "$QUEJIE" attach "$J" --unit $U --file "$T/签章表.pdf" --what signed_form
refuse "a file that is not a JPEG, PNG or PDF" "$QUEJIE" attach "$J" --unit $U --file "$T/notes.txt" --what photo
grep -q "not a JPEG, PNG or PDF" "$T/err" && ok "... named as such" || fail "$(cat "$T/err")"
refuse "a file over 32 MiB" "$QUEJIE" attach "$J" --unit $U --file "$T/huge.pdf" --what photo
grep -q "32 MiB" "$T/err" && ok "... named as too large" || fail "$(cat "$T/err")"
refuse "a unit the journal does not hold" "$QUEJIE" attach "$J" --unit 999 --file "$T/界桩照片.jpg" --what photo
refuse "a point the unit does not have" "$QUEJIE" attach "$J" --unit $U --point J77 --file "$T/界桩照片.jpg" --what photo
grep -q "J77 is not a current boundary point" "$T/err" && ok "... named" || fail "$(cat "$T/err")"
"$QUEJIE" attach "$J" --unit $U --file "$T/界桩照片.jpg" --what selfie >/dev/null 2>"$T/err"
[ $? -eq 2 ] && ok "an unknown --what is a usage error" || fail "--what selfie: $(cat "$T/err")"
expect "attachments --json" "$QUEJIE" attachments "$J" --unit $U --json
pyexpr "$T/out" 'len(d)==2 and d[0]["sha256"]=="'$SHA_J'" and d[0]["type"]=="image/jpeg" and d[0]["note"]=="J1 界桩" and d[1]["sha256"]=="'$SHA_P'" and not any(x["at_office"] for x in d)' &&
    ok "both listed, neither at the office yet" || fail "$(head -c 500 "$T/out")"
"$QUEJIE" sync-status "$J" --json >"$T/st.json" && pyexpr "$T/st.json" 'd["files_pending"]==2' &&
    ok "sync-status counts the two files waiting" || fail "$(cat "$T/st.json" | head -c 300)"
expect "check verifies the kept files" "$QUEJIE" check "$J"
grep -q "kept files verified" "$T/out" && ok "... and says so" || fail "$(cat "$T/out")"

# ---- only a device's signed request reaches a file ------------------------------------------------
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" "$URL/v1/attachments/$SHA_J")
[ "$code" = 403 ] && ok "an unsigned request for a file is refused (403)" || fail "got $code"

# ---- sync through a proxy that cuts connections mid-piece: the upload resumes ---------------------
PPORT=$(free_port)
"$PY" "$QJ_SOURCE/tests/tools/cutproxy.py" $PPORT $OPORT 11 0.5 1500000 >"$T/proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PPORT) 2>/dev/null && break; sleep 0.05; done
sqlite3_py() { "$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$@"; }
sqlite3_py "$J" "UPDATE sync_office SET url='https://127.0.0.1:$PPORT'"
SIZE=$(($(stat -c %s "$T/界桩照片.jpg") + $(stat -c %s "$T/签章表.pdf")))
sent=0; runs=0; partial=0
for _ in $(seq 40); do
    runs=$((runs + 1))
    "$QUEJIE" sync "$J" --json --attempts 2 --backoff 0.05 >"$T/s.json" 2>>"$T/cut.err"
    b=$("$PY" -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["attachments"]["bytes"] if "attachments" in d else 0)' "$T/s.json" 2>/dev/null || echo 0)
    sent=$((sent + b))
    h=$("$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM device_pieces").fetchone()[0])' "$O")
    [ "$h" -gt 0 ] && partial=$((partial + 1))
    pyexpr "$T/s.json" 'd["ok"] and d["attachments"]["pending"]==0' && break
done
pyexpr "$T/s.json" 'd["ok"] and d["attachments"]["pending"]==0' &&
    ok "both files at the office after $runs syncs through the cutting proxy ($(grep -c '^cut' "$T/proxy.log") cuts)" ||
    fail "files still pending after $runs syncs: $(cat "$T/s.json" | head -c 400)"
[ "$partial" -ge 1 ] && ok "a cut left part of a file at the office ($partial times): the next sync went on from there" ||
    echo "note: no cut fell inside a file's pieces in this run (seeded proxy: $(grep -c '^cut' "$T/proxy.log") cuts)"
# resumed, never restarted: at most one 1 MiB piece lost per run on top of the files themselves
[ "$sent" -le $((SIZE + runs * 1048576)) ] && ok "bytes sent over all runs ($sent) within the files ($SIZE) plus one piece a run" ||
    fail "sent $sent bytes for $SIZE over $runs runs: restarted rather than resumed"
sqlite3_py "$J" "UPDATE sync_office SET url='$URL'"
expect "a second sync" "$QUEJIE" sync "$J" --json
pyexpr "$T/out" 'd["ok"] and d["attachments"]["sent"]==0 and d["attachments"]["bytes"]==0 and d["attachments"]["pending"]==0' &&
    ok "... sends no file again" || fail "$(cat "$T/out")"
expect "attachments --json after sync" "$QUEJIE" attachments "$J" --json
pyexpr "$T/out" 'len(d)==2 and all(x["at_office"] for x in d)' && ok "the tablet knows both are at the office" || fail "$(head -c 400 "$T/out")"

# ---- at the office ----------------------------------------------------------------------------------
expect "office: unit attachments --json" "$OFFICE" unit attachments "$O" --unit $U --json
pyexpr "$T/out" 'len(d)==2 and all(x["source"]=="field" and x["held"] and x["by"]=="crew1" and len(x["device"])==32 for x in d) and d[0]["sha256"]=="'$SHA_J'" and d[0]["what"]=="photo" and d[0]["note"]=="J1 界桩" and d[1]["type"]=="application/pdf"' &&
    ok "the office lists both as the crew's, held, with what, note and type" || fail "$(head -c 600 "$T/out")"
mkdir -p "$T/saved"
expect "office: unit attachments --save" "$OFFICE" unit attachments "$O" --unit $U --save "$T/saved"
cmp -s "$T/saved/界桩照片.jpg" "$T/界桩照片.jpg" && cmp -s "$T/saved/签章表.pdf" "$T/签章表.pdf" &&
    ok "the files at the office are the crew's, byte for byte" || fail "saved files differ: $(ls "$T/saved")"
"$PY" -c 'import sqlite3,sys; n=sqlite3.connect(sys.argv[1]).execute("SELECT count(*) FROM device_pieces").fetchone()[0]; sys.exit(n != 0)' "$O" &&
    ok "no pieces left once the files are whole" || fail "pieces left in device_pieces"
# the console's API, as a viewer
curl -s -c "$T/jar" --cacert "$T/cert.pem" -H 'Content-Type: application/json' \
    -d '{"user":"view","password":"View-pass-2026!"}' "$URL/api/v1/login" >"$T/login.json"
curl -s -b "$T/jar" --cacert "$T/cert.pem" -o "$T/got.jpg" -D "$T/hdr" "$URL/api/v1/attachments/$SHA_J"
cmp -s "$T/got.jpg" "$T/界桩照片.jpg" && grep -qi '^content-type: image/jpeg' "$T/hdr" &&
    ok "the console serves the crew's photograph as image/jpeg" || fail "$(head -3 "$T/hdr")"
curl -s -b "$T/jar" --cacert "$T/cert.pem" "$URL/api/v1/units/$U/attachments" >"$T/api.json"
pyexpr "$T/api.json" 'len(d)==2 and d[0]["source"]=="field"' && ok "GET /api/v1/units/CODE/attachments lists them" || fail "$(head -c 300 "$T/api.json")"
R=$(ls "$O".replicas/*.db | head -1)
expect "quejie check of the office's replica (it keeps entries, not files)" "$QUEJIE" check "$R"
expect "county export (GeoPackage)" "$OFFICE" export "$O" --format gpkg --output "$T/county.gpkg"
"$PY" - "$T/county.gpkg" "$T/界桩照片.jpg" "$T/签章表.pdf" <<'PY' && ok "the county GeoPackage carries the crew's files" || fail "export attachments"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT unit_code, what, name, media_type, sha256, attached_by, data FROM attachments ORDER BY fid").fetchall()
want = {hashlib.sha256(open(f, "rb").read()).hexdigest() for f in sys.argv[2:]}
assert {r[4] for r in rows} == want, rows
assert all(hashlib.sha256(r[6]).hexdigest() == r[4] for r in rows)
assert {r[5] for r in rows} == {"crew1"}, [r[5] for r in rows]
PY

# ---- a tampered piece, a file nobody named ---------------------------------------------------------
J2=$T/crew2.db
TOK2=$("$OFFICE" device add "$O" --name crew2 --crew 一组 2>/dev/null | tail -1)
"$QUEJIE" init "$J2" --device-name crew2 --crew 一组 >/dev/null
"$QUEJIE" enroll "$J2" --office "$URL" --token "$TOK2" --ca "$T/cert.pem" >/dev/null 2>&1
"$QUEJIE" sync "$J2" --quiet >/dev/null 2>&1
expect "crew2 keeps a photograph" "$QUEJIE" attach "$J2" --unit $U --file "$T/界桩照片.jpg" --what photo
# the journal's copy altered behind the library's back (triggers dropped as an attacker would)
"$PY" - "$J2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("DROP TRIGGER files_append_only_u")
db.execute("UPDATE files SET data = CAST(X'FFD8FF00' || substr(data, 5) AS BLOB)")
db.commit()
PY
"$QUEJIE" check "$J2" >"$T/out" 2>&1
[ $? -ne 0 ] && grep -q "do not match its SHA-256" "$T/out" && ok "check finds the altered file" || fail "$(cat "$T/out")"
# the office has the file already (crew1's): it is complete for crew2 too once its entry arrives
"$QUEJIE" sync "$J2" --json >"$T/out" 2>"$T/err"
pyexpr "$T/out" 'd["ok"] and d["attachments"]["pending"]==0 and d["attachments"]["bytes"]==0' &&
    ok "a file the office already holds is not sent again (another crew's photograph of the same)" || fail "$(cat "$T/out")"
"$QUEJIE" attach "$J2" --unit $U --file "$T/photo.pgm" --what photo >/dev/null 2>&1
[ $? -ne 0 ] && ok "a PGM is refused (not JPEG, PNG or PDF)" || fail "pgm accepted"
printf '\x89PNG\r\n\x1a\n' >"$T/tiny.png"; head -c 5000 /dev/urandom >>"$T/tiny.png"
expect "crew2 keeps a PNG" "$QUEJIE" attach "$J2" --unit $U --file "$T/tiny.png" --what photo
"$PY" - "$J2" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE files SET data = CAST(substr(data, 1, 100) || X'00' || substr(data, 102) AS BLOB) WHERE type = 'image/png'")
db.commit()
PY
"$QUEJIE" sync "$J2" --json >"$T/out" 2>"$T/err"
pyexpr "$T/out" 'd["ok"] and d["attachments"]["pending"]==1 and "do not hash to its name" in d["attachments"]["error"]' &&
    ok "bytes that do not hash to their name are refused by the office (the entries still synced)" || fail "$(cat "$T/out") $(cat "$T/err")"
grep -q "warning: 1 file not yet at the office" "$T/err" && ok "... and the crew is told" || fail "$(cat "$T/err")"
"$QUEJIE" sync-status "$J2" >"$T/out"
grep -q "files kept with units not yet at the office: 1" "$T/out" && ok "... and sync-status keeps saying so" || fail "$(cat "$T/out")"
"$OFFICE" unit attachments "$O" --unit $U --json >"$T/out"
pyexpr "$T/out" 'len([x for x in d if not x["held"]])==1' && ok "the office lists the file it has not received as not held" || fail "$(head -c 600 "$T/out")"

# ---- a void withdraws a file from the lists; the bytes stay -----------------------------------------
SEQ=$("$QUEJIE" attachments "$J" --unit $U --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)[1]["seq"])')
expect "void the signed form (wrong page)" "$QUEJIE" void "$J" "$SEQ" --reason "wrong page"
"$QUEJIE" attachments "$J" --unit $U --json >"$T/out"
pyexpr "$T/out" 'len(d)==1' && ok "the tablet lists one file after the void" || fail "$(cat "$T/out")"
expect "sync the void" "$QUEJIE" sync "$J" --quiet
"$OFFICE" unit attachments "$O" --unit $U --json >"$T/out"
pyexpr "$T/out" '"'$SHA_P'" not in [x["sha256"] for x in d if x["by"]=="crew1"]' && ok "... and so does the office" || fail "$(head -c 600 "$T/out")"
expect "check after all" "$QUEJIE" check "$J"

# ---- the office restored from a backup taken before the files: the tablet sends them again ---------
expect "restore the office's backup" "$OFFICE" restore "$T/bk" "$T/restored/office.db"
RO=$T/restored/office.db
RPORT=$(free_port)
"$OFFICE" serve "$RO" --listen 127.0.0.1:$RPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    >>"$T/office-restored.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$RPORT) 2>/dev/null && break; sleep 0.05; done
sqlite3_py "$J" "UPDATE sync_office SET url='https://127.0.0.1:$RPORT'"
"$QUEJIE" sync "$J" --json >"$T/out" 2>"$T/err"
pyexpr "$T/out" 'd["ok"] and d["attachments"]["sent"]==1 and d["attachments"]["bytes"]=='$(stat -c %s "$T/界桩照片.jpg")' and d["attachments"]["pending"]==0' &&
    ok "the restored office lost the photograph: the next sync sends it again" || fail "$(cat "$T/out") $(cat "$T/err")"
grep -q "fewer entries than at the last sync" "$T/err" && ok "... saying why it asks again" || fail "$(cat "$T/err")"
"$OFFICE" unit attachments "$RO" --unit $U --json >"$T/out"
pyexpr "$T/out" '[x["held"] for x in d if x["sha256"]=="'$SHA_J'"]==[True]' && ok "... and the restored office holds it" || fail "$(head -c 600 "$T/out")"
# a file lost without the entries going back (a disk repaired by hand): the office's count says so
"$PY" -c 'import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute("DELETE FROM attachments WHERE sha256=?", (sys.argv[2],)); c.commit()' "$RO" "$SHA_J"
"$QUEJIE" sync "$J" --json >"$T/out" 2>"$T/err"
pyexpr "$T/out" 'd["ok"] and d["attachments"]["sent"]==1 and d["attachments"]["pending"]==0' &&
    grep -q "fewer of this tablet's files" "$T/err" &&
    ok "a file the office no longer holds is sent again (its count of held files fell)" || fail "$(cat "$T/out") $(cat "$T/err")"
expect "a sync after that" "$QUEJIE" sync "$J" --json
pyexpr "$T/out" 'd["attachments"]["sent"]==0 and d["attachments"]["bytes"]==0' && ok "... then nothing again" || fail "$(cat "$T/out")"
sqlite3_py "$J" "UPDATE sync_office SET url='$URL'"

# ---- over a USB stick: the files ride in the bundle file, after the bundles ----------------------
J3=$T/crew3.db
TOK3=$("$OFFICE" device add "$O" --name crew3 --crew 一组 2>/dev/null | tail -1)
"$QUEJIE" init "$J3" --device-name crew3 --crew 一组 >/dev/null
"$QUEJIE" enroll "$J3" --office "$URL" --token "$TOK3" --ca "$T/cert.pem" >/dev/null 2>&1
"$QUEJIE" sync "$J3" --quiet >/dev/null 2>&1
gdal_create -q -of PNG -outsize 80 60 -bands 3 -burn 200 -burn 40 -burn 40 "$T/scan3.png" 2>/dev/null
SHA3=$(sha256sum "$T/scan3.png" | cut -d' ' -f1)
expect "crew3 keeps a scan" "$QUEJIE" attach "$J3" --unit $U --file "$T/scan3.png" --what signed_form
expect "quejie bundle writes the day for the stick" "$QUEJIE" bundle "$J3" --output "$T/stick.qjb"
grep -q "in 1 bundle and 1 file kept with units to" "$T/out" && ok "... the bundle and the file" || fail "$(cat "$T/out")"
! grep -q "IHDR" "$T/stick.qjb" && ok "the scan is sealed on the stick (no PNG chunk in clear)" || fail "PNG bytes in clear on the stick"
# the file record alone (python cuts it out after the bundles): its entry is not at the office
"$PY" - "$T/stick.qjb" "$T/fileonly.qjb" <<'PY'
import struct, sys
b = open(sys.argv[1], "rb").read()
off = 0
while b[off:off + 4] == b"QJB1":
    off += 252 + struct.unpack(">I", b[off + 184:off + 188])[0]
assert b[off:off + 4] == b"QJF1", b[off:off + 4]
open(sys.argv[2], "wb").write(b[off:])
PY
refuse "a file record whose entry the office does not hold" "$OFFICE" import "$O" "$T/fileonly.qjb"
grep -q "its bundle must come first" "$T/err" && ok "... says the bundle must come first" || fail "$(cat "$T/err")"
cp "$T/stick.qjb" "$T/bad.qjb"
"$PY" - "$T/bad.qjb" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
b[-200] ^= 1          # inside the file record's sealed box
open(p, "wb").write(bytes(b))
PY
refuse "a tampered file record" "$OFFICE" import "$O" "$T/bad.qjb"
grep -q "file record signature does not verify" "$T/err" && ok "... refused: its signature does not verify" || fail "$(cat "$T/err")"
grep -q "the 1 bundle before it stays applied" "$T/err" && ok "... the bundle before it stays applied, counted as a bundle" || fail "$(cat "$T/err")"
expect "office import of the stick" "$OFFICE" import "$O" "$T/stick.qjb" --json
pyexpr "$T/out" 'd["files"][0]["status"]=="applied" and d["files"][0]["sha256"]=="'$SHA3'" and d["files"][0]["device"]=="crew3"' &&
    ok "the scan is kept at the office from the stick" || fail "$(head -c 600 "$T/out")"
"$OFFICE" unit attachments "$O" --unit $U --json >"$T/out"
pyexpr "$T/out" '[x for x in d if x["sha256"]=="'$SHA3'"][0]["held"]' && ok "... listed as held" || fail "$(head -c 600 "$T/out")"
expect "the same stick again" "$OFFICE" import "$O" "$T/stick.qjb" --json
pyexpr "$T/out" 'd["files"][0]["status"]=="duplicate"' && ok "... the file is a harmless duplicate" || fail "$(head -c 400 "$T/out")"

# ---- a cut placed inside the second piece of a file (every other connection carrying 600 kB is
# cut there): the sync (one attempt) leaves the first piece at the office, the next goes on
# from it
{ printf '%%PDF-1.4\n'; head -c 2600000 /dev/urandom; printf '\n%%%%EOF\n'; } >"$T/四至确认.pdf"
expect "attach a second scan" "$QUEJIE" attach "$J" --unit $U --file "$T/四至确认.pdf" --what signed_form
SHA_Q=$(sha256sum "$T/四至确认.pdf" | cut -d' ' -f1)
FPORT=$(free_port)
"$PY" "$QJ_SOURCE/tests/tools/cutproxy.py" $FPORT $OPORT up 1 600000 >"$T/proxy-fixed.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$FPORT) 2>/dev/null && break; sleep 0.05; done
sqlite3_py "$J" "UPDATE sync_office SET url='https://127.0.0.1:$FPORT'"
held_q() { "$PY" -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT coalesce(sum(length(data)),0) FROM device_pieces WHERE sha256=?", (sys.argv[2],)).fetchone()[0])' "$O" "$SHA_Q"; }
fixed_bytes=0; steps=""
for _ in 1 2 3 4; do
    "$QUEJIE" sync "$J" --json --attempts 1 >"$T/s.json" 2>>"$T/cut.err"
    b=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["attachments"]["bytes"])' "$T/s.json" 2>/dev/null || echo 0)
    fixed_bytes=$((fixed_bytes + b)); steps="$steps $(held_q)"
    pyexpr "$T/s.json" 'd["ok"] and d["attachments"]["pending"]==0' && break
done
[ "$steps" = " 1048576 0" ] && pyexpr "$T/s.json" 'd["ok"] and d["attachments"]["pending"]==0' &&
    ok "cut inside the second piece: the office held the first 1 MiB, the next sync sent the rest ($(grep -c '^cut' "$T/proxy-fixed.log") cut)" ||
    fail "pieces held after each sync:$steps; $(head -c 300 "$T/s.json"); $(tail -3 "$T/cut.err" | cut -c1-300)"
[ "$fixed_bytes" -eq "$(stat -c %s "$T/四至确认.pdf")" ] && ok "... each byte counted once: $fixed_bytes" ||
    fail "counted $fixed_bytes bytes for $(stat -c %s "$T/四至确认.pdf")"
sqlite3_py "$J" "UPDATE sync_office SET url='$URL'"
finish
