#!/bin/bash
# Sync end to end against a real quejie-office over TLS on 127.0.0.1 (self-signed certificate
# made here): enrollment and pinning, tasks down, a recorded day up and exported from the office
# with the same content as the tablet's own export, connections cut at random byte offsets in
# both directions (sync repeated until it succeeds, then exactly-once checked), the office
# killed with SIGKILL mid-ingest, duplicates and replays, every tampering class on USB files,
# unenrolled and revoked devices, two devices disagreeing landing in the review queue.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFFICE=$QUEJIE_OFFICE
FILL=$QJ_BUILD/qj_fill
U=622901ZR000002
O=$T/office.db
TASKS=$FIX/tasks/linxia-units-4490.geojson

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key2.pem" \
    -out "$T/cert2.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1

OPORT=$(free_port)
OFFICE_PID=
start_office() {
    "$OFFICE" serve "$O" --listen 127.0.0.1:$OPORT --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
        >>"$T/office.log" 2>&1 &
    OFFICE_PID=$!
    PIDS+=($OFFICE_PID)
    for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$OPORT) 2>/dev/null && return 0; sleep 0.05; done
    return 1
}
URL=https://127.0.0.1:$OPORT
ojson() { "$OFFICE" status "$O" --json >"$T/os.json" 2>/dev/null; pyexpr "$T/os.json" "$1"; }
dev_entries() { "$OFFICE" status "$O" --json | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(sum(x['entries'] for x in d['devices'] if x['name']=='$1'))"; }

expect "office init" "$OFFICE" init "$O" --name 临夏州自然资源局
start_office || fail "office did not start"
tok() { "$OFFICE" device add "$O" --name "$1" ${2:+--crew "$2"} 2>/dev/null | tail -1; }
TOK1=$(tok crew1 一组)
expect "tasks import assigned to crew1" "$OFFICE" tasks import "$O" "$TASKS" --assign crew1

# ---- enrollment and pinning -------------------------------------------------------------------
J=$T/crew1.db
"$QUEJIE" init "$J" --device-name crew1 --crew 一组 >/dev/null
refuse "sync before enrolling" "$QUEJIE" sync "$J"
grep -q "not synced: .*not enrolled" "$T/err" && ! grep -q "0 of 0" "$T/err" && ok "unenrolled: said so, no count of nothing" || fail "unenrolled sync message: $(cat "$T/err")"
refuse "bundle before enrolling" "$QUEJIE" bundle "$J" --output "$T/x.qjb"
refuse "enroll with the wrong certificate pinned" "$QUEJIE" enroll "$J" --office "$URL" --token "$TOK1" --ca "$T/cert2.pem"
grep -q "not the one pinned for this office" "$T/err" && ok "  the refusal says the certificate is not the one pinned" || fail "wrong pinned certificate: $(cat "$T/err")"
refuse "enroll without pinning a self-signed office" "$QUEJIE" enroll "$J" --office "$URL" --token "$TOK1"
grep -q "not signed by an authority this system trusts: pin the office's own certificate" "$T/err" && ok "  the refusal says to pin the office's certificate" || fail "unpinned self-signed: $(cat "$T/err")"
refuse "enroll at an http:// address of a TLS office" "$QUEJIE" enroll "$J" --office "http://127.0.0.1:$OPORT" --token "$TOK1" --ca "$T/cert.pem"
grep -q "use an https:// address" "$T/err" && ok "  the refusal says to use https://" || fail "http:// to a TLS office: $(cat "$T/err")"
refuse "enroll with a made-up token" "$QUEJIE" enroll "$J" --office "$URL" --token AAAABBBBCCCC --ca "$T/cert.pem"
expect "enroll with the pinned certificate" "$QUEJIE" enroll "$J" --office "$URL" --token "$TOK1" --ca "$T/cert.pem"
# the retry line says the wait it will make: --backoff 0.1 is "0.1 s", not "0 s"
cp "$J" "$T/dead.db" && cp "$J.key" "$T/dead.db.key"
"$PY" -c "import sqlite3,sys; db=sqlite3.connect(sys.argv[1]); db.execute('UPDATE sync_office SET url=?', ('https://127.0.0.1:%s' % sys.argv[2],)); db.commit()" "$T/dead.db" "$(free_port)"
refuse "sync to an office that is not there" "$QUEJIE" sync "$T/dead.db" --attempts 2 --backoff 0.1
grep -q "retrying in 0.1 s" "$T/err" && ok "  the retry says its wait (0.1 s)" || fail "retry wait: $(cat "$T/err")"
J2=$T/thief.db
"$QUEJIE" init "$J2" --device-name thief >/dev/null
refuse "a used token cannot enroll another device" "$QUEJIE" enroll "$J2" --office "$URL" --token "$TOK1" --ca "$T/cert.pem"

# ---- tasks down, a day up ---------------------------------------------------------------------
expect "sync (tasks down)" "$QUEJIE" sync "$J" --quiet
"$QUEJIE" tasks list "$J" --json >"$T/l.json"
pyexpr "$T/l.json" 'len(d)==3' && ok "the three assigned units arrived" || fail "tasks on the tablet: $(head -c 300 "$T/l.json")"
for p in "103.2300 35.5500" "103.2550 35.5480" "103.2610 35.5650" "103.2420 35.5760"; do set -- $p
    "$QUEJIE" point add "$J" --unit $U --lon $1 --lat $2 >/dev/null; done
"$QUEJIE" verify "$J" --unit $U --field owner --status confirmed >/dev/null
"$FILL" "$J" $U 600 20 >/dev/null || fail "qj_fill"
# A signature (kind "sign") travels like every other entry; the codec knows no kinds.
"$QUEJIE" attend "$J" --unit $U --party 乙村 --presence present >/dev/null
printf '[[1, 2, 3, 4], [500, 600, 700, 800, 900, 1000]]\n' >"$T/strokes.json"
expect "sign on the tablet" "$QUEJIE" sign "$J" --unit $U --party 乙村 --signer 张三 --strokes "$T/strokes.json"
expect "sync (a day up)" "$QUEJIE" sync "$J" --quiet
"$QUEJIE" sync-status "$J" --json >"$T/ss.json"
pyexpr "$T/ss.json" 'd["acked_seq"]==d["last_seq"]>600 and d["bundles"][0]["state"]=="acknowledged"' \
    && ok "sync-status: everything acknowledged" || fail "sync-status: $(head -c 400 "$T/ss.json")"
LAST=$("$PY" -c "import json;print(json.load(open('$T/ss.json'))['last_seq'])")
[ "$(dev_entries crew1)" = "$LAST" ] && ok "office holds exactly the $LAST entries" || fail "office holds $(dev_entries crew1) of $LAST"
"$QUEJIE" export "$J" --format csv --output "$T/tablet.csv" >/dev/null
expect "office export csv" "$OFFICE" export "$O" --format csv --output "$T/office.csv"
cmp -s "$T/tablet.csv" "$T/office.csv" && ok "office CSV equals the tablet's CSV byte for byte" \
    || fail "office and tablet CSV differ: $(diff "$T/tablet.csv" "$T/office.csv" | head -5)"
"$QUEJIE" export "$J" --format geojson --output "$T/tablet.geojson" >/dev/null
expect "office export geojson" "$OFFICE" export "$O" --format geojson --output "$T/office.geojson"
"$PY" - "$T/tablet.geojson" "$T/office.geojson" <<'PYEOF' && ok "office GeoJSON has the tablet's features" || fail "GeoJSON content differs"
import json, sys
# the office adds each unit's place in its procedure (status, notice period), which a tablet's
# export leaves null
OFFICE_ONLY = ("device", "crew", "status", "notice_from", "notice_to")
def feats(p):
    d = json.load(open(p))
    out = []
    for f in d["features"]:
        pr = {k: v for k, v in f["properties"].items() if k not in OFFICE_ONLY}
        out.append(json.dumps([pr, f["geometry"]], sort_keys=True))
    return sorted(out)
units = [f["properties"] for f in json.load(open(sys.argv[2]))["features"] if "owner_status" in f["properties"]]
tab = [f["properties"] for f in json.load(open(sys.argv[1]))["features"] if "owner_status" in f["properties"]]
assert units and all(u["status"] for u in units) and all(t["status"] is None for t in tab)
sys.exit(0 if feats(sys.argv[1]) == feats(sys.argv[2]) else 1)
PYEOF
expect "office export gpkg" "$OFFICE" export "$O" --format gpkg --output "$T/office.gpkg"
R=$(ls "$O".replicas/*.db 2>/dev/null | head -1)
[ -n "$R" ] && expect "the office's replica passes quejie check" "$QUEJIE" check "$R" || fail "no replica"
"$QUEJIE" signatures "$J" --json >"$T/sig-tablet.json"
"$QUEJIE" signatures "$R" --json >"$T/sig-office.json" 2>"$T/err"
pyexpr "$T/sig-office.json" 'len(d)==1 and d[0]["party"]=="乙村" and d[0]["covers_current"] is True' \
    && cmp -s "$T/sig-tablet.json" "$T/sig-office.json" \
    && ok "the signature reached the office's replica, current there as on the tablet" \
    || fail "signatures on the replica: $(cat "$T/sig-office.json" "$T/err")"
"$PY" - "$T/office.gpkg" <<'PYEOF' && ok "office GeoPackage: the signature in its attributes table" || fail "office gpkg signatures"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
rows = db.execute("SELECT party, signer, covers_current, stroke_count, device FROM signatures").fetchall()
assert len(rows) == 1 and rows[0][:4] == ("乙村", "张三", 1, 2) and len(rows[0][4]) == 32, rows
PYEOF
expect "sync with nothing new is a no-op" "$QUEJIE" sync "$J" --quiet

# ---- cuts at random byte offsets, both directions ---------------------------------------------
"$FILL" "$J" $U 6000 0 >/dev/null
PPORT=$(free_port)
"$PY" "$QJ_SOURCE/tests/tools/cutproxy.py" $PPORT $OPORT 7 0.7 6000 >"$T/proxy.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$PPORT) 2>/dev/null && break; sleep 0.05; done
# The tablet talks to the proxy: re-point its office URL there (same certificate).
sqlite3_py() { "$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()" "$@"; }
sqlite3_py "$J" "UPDATE sync_office SET url='https://127.0.0.1:$PPORT'"
tries=0
until "$QUEJIE" sync "$J" --quiet --attempts 2 --backoff 0.05 >/dev/null 2>"$T/cut.err"; do
    tries=$((tries + 1)); [ $tries -ge 60 ] && break
done
CUTS=$(grep -c '^cut' "$T/proxy.log")
[ $tries -lt 60 ] && ok "sync through a cutting link succeeded after $tries failed runs ($CUTS cuts)" \
    || fail "sync never succeeded through the cutting proxy: $(tail -1 "$T/cut.err")"
[ "$CUTS" -ge 3 ] && ok "the proxy really cut ($CUTS cuts, both directions: $(grep -c down "$T/proxy.log") down)" || fail "only $CUTS cuts"
LAST=$("$QUEJIE" sync-status "$J" --json | "$PY" -c "import json,sys;print(json.load(sys.stdin)['last_seq'])")
[ "$(dev_entries crew1)" = "$LAST" ] && ok "exactly once after the cuts: office holds $LAST entries" || fail "office holds $(dev_entries crew1), tablet $LAST"
expect "replica still checks after the cuts" "$QUEJIE" check "$R"
sqlite3_py "$J" "UPDATE sync_office SET url='$URL'"

# ---- office killed with SIGKILL mid-ingest --------------------------------------------------------
"$FILL" "$J" $U 20000 0 >/dev/null
"$QUEJIE" sync "$J" --quiet --no-tasks --attempts 1 >/dev/null 2>&1 &
SYNC_PID=$!
sleep 0.4
kill -9 $OFFICE_PID; wait $OFFICE_PID 2>/dev/null
wait $SYNC_PID && fail "sync claimed success although the office was killed" || ok "sync reports failure when the office dies"
expect "the replica is consistent after SIGKILL" "$QUEJIE" check "$R"
start_office || fail "office did not restart"
expect "sync after the office restarted" "$QUEJIE" sync "$J" --quiet
LAST=$("$QUEJIE" sync-status "$J" --json | "$PY" -c "import json,sys;print(json.load(sys.stdin)['last_seq'])")
[ "$(dev_entries crew1)" = "$LAST" ] && ok "exactly once after SIGKILL: $LAST entries" || fail "office holds $(dev_entries crew1) of $LAST"

# ---- USB: duplicates, replays, tampering ------------------------------------------------------
"$QUEJIE" point add "$J" --unit $U --lon 103.2433 --lat 35.5611 >/dev/null
# --output naming the journal, its key or its write-ahead log (by any path) is refused before
# anything is written: the file is a bundle-sized replacement of a week's work otherwise.
JSUM=$(sha256sum "$J" "$J.key" | sha256sum)
ROWS=$("$QUEJIE" sync-status "$J" --json | "$PY" -c "import json,sys;print(len(json.load(sys.stdin)['bundles']))")
refuse "bundle --output the journal itself" "$QUEJIE" bundle "$J" --output "$J"
grep -q "journal itself" "$T/err" && ok "the refusal says it is the journal" || fail "journal-output message: $(cat "$T/err")"
refuse "bundle --output the journal's key" "$QUEJIE" bundle "$J" --output "$J.key"
refuse "bundle --output the journal by another path" "$QUEJIE" bundle "$J" --output "$(dirname "$J")/./../$(basename "$(dirname "$J")")/$(basename "$J")"
ln "$J" "$T/hardlink.db" 2>/dev/null && refuse "bundle --output a hard link to the journal" "$QUEJIE" bundle "$J" --output "$T/hardlink.db"
rm -f "$T/hardlink.db"
[ "$(sha256sum "$J" "$J.key" | sha256sum)" = "$JSUM" ] && ok "journal and key untouched" || fail "a refused bundle changed the journal or its key"
expect "the journal still checks" "$QUEJIE" check "$J"
# A bundle that cannot be written (the output is a directory) leaves no "written" row behind.
mkdir -p "$T/adir.qjb"
refuse "bundle --output a directory" "$QUEJIE" bundle "$J" --output "$T/adir.qjb"
"$QUEJIE" sync-status "$J" --json >"$T/ss.json"
pyexpr "$T/ss.json" "len(d['bundles']) == $ROWS and all(b['state'] != 'written' or b['reason'] != '$T/adir.qjb' for b in d['bundles'])" \
    && ok "a failed bundle leaves no 'written' row in sync-status" || fail "sync-status after a failed bundle: $(head -c 600 "$T/ss.json")"
expect "bundle for USB" "$QUEJIE" bundle "$J" --output "$T/u.qjb"
tamper() { # NAME PYTHON-EXPR-ON-b
    "$PY" -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); $2; open(sys.argv[2],'wb').write(b)" "$T/u.qjb" "$T/$1.qjb"
    refuse "USB bundle refused: $1" "$OFFICE" import "$O" "$T/$1.qjb"
}
tamper flipped-header 'b[60]^=1'
tamper flipped-body 'b[len(b)//2]^=0x10'
tamper flipped-signature 'b[-1]^=1'
tamper truncated 'del b[len(b)-100:]'
tamper padded 'b.extend(b"junk")'
tamper version-2 'b[5]=2'
tamper not-a-bundle 'b[0:4]=b"PK\x03\x04"'
tamper empty 'del b[:]'
tamper other-device 'b[8]^=0xff'
grep -q "signature" "$T/err" 2>/dev/null || true
"$OFFICE" import "$O" "$T/flipped-body.qjb" 2>&1 | grep -qi "signature" && ok "a flipped bit is reported as a signature failure" || fail "flipped bit message"
"$OFFICE" import "$O" "$T/version-2.qjb" 2>&1 | grep -qi "version" && ok "an unknown version is named as such" || fail "version message"
[ "$(dev_entries crew1)" = "$LAST" ] && ok "refused bundles stored nothing" || fail "refused bundles changed the office"
expect "USB bundle imports" "$OFFICE" import "$O" "$T/u.qjb"
expect "re-import is a harmless no-op" "$OFFICE" import "$O" "$T/u.qjb"
[ "$(dev_entries crew1)" = "$((LAST + 1))" ] && ok "the USB entry counted once" || fail "office holds $(dev_entries crew1), want $((LAST + 1))"
expect "a replayed sync after USB is a no-op" "$QUEJIE" sync "$J" --quiet

# ---- a USB file of several bundles (a day over 2,048 entries) ---------------------------------------
# crew7 imports 2,100 units: `quejie bundle` writes them as bundles back to back; the office imports
# them in order, each exactly once; a damaged second bundle leaves the first applied and is named.
TOK7=$(tok crew7)
J7=$T/crew7.db
"$QUEJIE" init "$J7" --device-name crew7 >/dev/null
"$QUEJIE" enroll "$J7" --office "$URL" --token "$TOK7" --ca "$T/cert.pem" >/dev/null
"$PY" - >"$T/many.geojson" <<'PYEOF'
import json
def sq(i):
    x, y = 103.1 + i % 50 * 0.004, 35.4 + i // 50 * 0.004
    return [[[x, y], [x + 0.003, y], [x + 0.003, y + 0.003], [x, y + 0.003], [x, y]]]
f = [{"type": "Feature", "properties": {"code": f"622901ZR9{i:05d}", "name": f"单元{i}", "type": "草原"},
      "geometry": {"type": "Polygon", "coordinates": sq(i)}} for i in range(2100)]
print(json.dumps({"type": "FeatureCollection", "features": f}, ensure_ascii=False))
PYEOF
expect "crew7 imports 2,100 units" "$QUEJIE" tasks import "$J7" "$T/many.geojson"
expect "bundle of more than 2,048 entries" "$QUEJIE" bundle "$J7" --output "$T/day.qjb"
LAST7=$("$QUEJIE" sync-status "$J7" --json | "$PY" -c "import json,sys;print(json.load(sys.stdin)['last_seq'])")
# The bundles of the file, from their headers (docs/bundle.md): offset, first seq, n.
"$PY" - "$T/day.qjb" >"$T/frames" <<'PYEOF'
import struct, sys
b = open(sys.argv[1], "rb").read(); off = 0
while off < len(b):
    assert b[off:off + 4] == b"QJB1"
    first, n = struct.unpack(">QI", b[off + 40:off + 52]); sealed, = struct.unpack(">I", b[off + 184:off + 188])
    print(off, first, n, 188 + sealed + 64); off += 188 + sealed + 64
assert off == len(b)
PYEOF
NB=$(grep -c . "$T/frames")
[ "$NB" -ge 2 ] && ok "the file holds $NB bundles back to back ($LAST7 entries)" || fail "the file holds $NB bundles"
read -r OFF2 FIRST2 _ LEN2 < <(sed -n 2p "$T/frames")
"$PY" -c "import sys; b=bytearray(open(sys.argv[1],'rb').read()); b[$OFF2 + 300]^=1; open(sys.argv[2],'wb').write(b)" \
    "$T/day.qjb" "$T/day-bad.qjb"
refuse "a file whose second bundle is damaged" "$OFFICE" import "$O" "$T/day-bad.qjb"
grep -q "bundle 2 at byte $OFF2" "$T/err" && grep -q "signature" "$T/err" \
    && ok "the refusal names bundle 2, its offset and why" || fail "damaged-bundle message: $(cat "$T/err")"
grep -q "^applied: crew7 entries 1-$((FIRST2 - 1))," "$T/out" && ok "the bundle before it is applied and reported" \
    || fail "output before the damaged bundle: $(cat "$T/out")"
[ "$(dev_entries crew7)" = "$((FIRST2 - 1))" ] && ok "the office holds the first bundle's $((FIRST2 - 1)) entries, nothing of the damaged one" \
    || fail "office holds $(dev_entries crew7) entries of crew7, want $((FIRST2 - 1))"
expect "the intact file then imports" "$OFFICE" import "$O" "$T/day.qjb"
[ "$(grep -c '^duplicate: crew7 entries 1-' "$T/out")" = 1 ] && [ "$(grep -c '^applied: crew7 entries' "$T/out")" = $((NB - 1)) ] \
    && ok "one line per bundle: the held one says so, the others applied" || fail "import lines: $(cat "$T/out")"
[ "$(dev_entries crew7)" = "$LAST7" ] && ok "the office holds all $LAST7 entries" || fail "office holds $(dev_entries crew7) of $LAST7"
"$OFFICE" import "$O" "$T/day.qjb" --json >"$T/imp.json" 2>"$T/err"
pyexpr "$T/imp.json" "d['status']=='duplicate' and d['applied']==0 and d['acked_seq']==$LAST7 and len(d['bundles'])==$NB and all(x['status']=='duplicate' for x in d['bundles'])" \
    && ok "a second import of the same file: every bundle already held (--json)" || fail "re-import: $(head -c 400 "$T/imp.json") $(cat "$T/err")"
[ "$(dev_entries crew7)" = "$LAST7" ] && ok "still $LAST7 entries: each bundle applied exactly once" || fail "office holds $(dev_entries crew7) after re-import"
head -c $((OFF2 + 1000)) "$T/day.qjb" >"$T/day-cut.qjb"
refuse "a truncated multi-bundle file" "$OFFICE" import "$O" "$T/day-cut.qjb"
grep -q "bundle 2 at byte $OFF2: truncated" "$T/err" && ok "the truncation is named" || fail "truncation message: $(cat "$T/err")"

# ---- an entry larger than a bundle's 8 MiB travels alone, over HTTP and on USB ---------------------
# A unit whose name is 16 MB of noise (about 9.6 MB after zlib: over the 9 MiB body bound too).
# The codec must carry whatever the journal accepted; if this build's task import refuses such a
# name (input limits), test_codec covers the same through the journal API.
"$PY" - >"$T/huge.geojson" <<'PYEOF'
import json, random
random.seed(7)
name = "".join(random.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(16_000_000))
sq = [[[103.3, 35.6], [103.303, 35.6], [103.303, 35.603], [103.3, 35.603], [103.3, 35.6]]]
print(json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature",
      "properties": {"code": "622901ZR800001", "name": name, "type": "草原"},
      "geometry": {"type": "Polygon", "coordinates": sq}}]}))
PYEOF
for dev in crew8 crew9; do
    "$QUEJIE" init "$T/$dev.db" --device-name $dev >/dev/null
    "$QUEJIE" enroll "$T/$dev.db" --office "$URL" --token "$(tok $dev)" --ca "$T/cert.pem" >/dev/null
done
if "$QUEJIE" tasks import "$T/crew8.db" "$T/huge.geojson" >/dev/null 2>"$T/err"; then
    "$QUEJIE" point add "$T/crew8.db" --unit 622901ZR800001 --lon 103.301 --lat 35.601 >/dev/null
    L8=$("$QUEJIE" sync-status "$T/crew8.db" --json | "$PY" -c "import json,sys;print(json.load(sys.stdin)['last_seq'])")
    expect "sync carries an entry larger than a bundle's 8 MiB" timeout 300 "$QUEJIE" sync "$T/crew8.db" --no-tasks --attempts 2
    [ "$(dev_entries crew8)" = "$L8" ] && ok "the office holds all $L8 entries of crew8, the 16 MB one included" \
        || fail "office holds $(dev_entries crew8) of $L8 entries of crew8"
    "$QUEJIE" tasks import "$T/crew9.db" "$T/huge.geojson" >/dev/null
    "$QUEJIE" point add "$T/crew9.db" --unit 622901ZR800001 --lon 103.301 --lat 35.601 >/dev/null
    L9=$("$QUEJIE" sync-status "$T/crew9.db" --json | "$PY" -c "import json,sys;print(json.load(sys.stdin)['last_seq'])")
    expect "bundle writes it" "$QUEJIE" bundle "$T/crew9.db" --output "$T/huge.qjb"
    "$PY" - "$T/huge.qjb" <<'PYEOF' && ok "the large entry is alone in its bundle, over 8 MiB" || fail "bundles of the large entry"
import struct, sys
b = open(sys.argv[1], "rb").read(); off = 0; big = []
while off < len(b):
    n, = struct.unpack(">I", b[off + 48:off + 52]); sealed, = struct.unpack(">I", b[off + 184:off + 188])
    size = 188 + sealed + 64
    if size > 8 << 20: big.append(n)
    off += size
assert off == len(b) and big == [1], big
PYEOF
    expect "the office imports it from USB" "$OFFICE" import "$O" "$T/huge.qjb"
    [ "$(dev_entries crew9)" = "$L9" ] && ok "the office holds all $L9 entries of crew9" || fail "office holds $(dev_entries crew9) of $L9 entries of crew9"
    R9=$("$OFFICE" status "$O" --json | "$PY" -c "import json,sys;print([x['device_id'] for x in json.load(sys.stdin)['devices'] if x['name']=='crew9'][0])")
    expect "its replica checks" "$QUEJIE" check "$O.replicas/$R9.db"
else
    ok "skip: this build's task import refuses a 16 MB name ($(head -c 120 "$T/err")); test_codec carries such entries"
fi

# A bundle sealed for another office.
O2=$T/office2.db
"$OFFICE" init "$O2" --name 其他县 >/dev/null
P2=$(free_port)
"$OFFICE" serve "$O2" --listen 127.0.0.1:$P2 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" >>"$T/office2.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$P2) 2>/dev/null && break; sleep 0.05; done
J3=$T/other.db
"$QUEJIE" init "$J3" --device-name crew1 >/dev/null
"$QUEJIE" enroll "$J3" --office https://127.0.0.1:$P2 --token "$("$OFFICE" device add "$O2" --name crew1 | tail -1)" --ca "$T/cert.pem" >/dev/null
"$QUEJIE" bundle "$J3" --output "$T/other-office.qjb" >/dev/null
refuse "a bundle for another office" "$OFFICE" import "$O" "$T/other-office.qjb"

# ---- unenrolled and revoked devices ---------------------------------------------------------------
TOK4=$(tok crew4)
J4=$T/crew4.db
"$QUEJIE" init "$J4" --device-name crew4 >/dev/null
expect "crew4 enrolls" "$QUEJIE" enroll "$J4" --office "$URL" --token "$TOK4" --ca "$T/cert.pem"
expect "crew4 syncs" "$QUEJIE" sync "$J4" --quiet
expect "revoke crew4" "$OFFICE" device revoke "$O" --name crew4
"$QUEJIE" config "$J4" accept rtk-float >/dev/null
refuse "a revoked device cannot sync" "$QUEJIE" sync "$J4" --attempts 1
"$QUEJIE" bundle "$J4" --output "$T/revoked.qjb" >/dev/null
refuse "a revoked device's USB bundle is refused" "$OFFICE" import "$O" "$T/revoked.qjb"
# revoked by mistake: restored, its held entries arrive (by USB, and the network after)
refuse "restore of a device not revoked" "$OFFICE" device restore "$O" --name crew1
grep -q "is not revoked" "$T/err" || fail "restore of a device not revoked: $(cat "$T/err")"
refuse "restore of an unknown device" "$OFFICE" device restore "$O" --name nobody
expect "restore crew4" "$OFFICE" device restore "$O" --name crew4
expect "  its USB bundle is taken" "$OFFICE" import "$O" "$T/revoked.qjb"
expect "  and it syncs again" "$QUEJIE" sync "$J4" --quiet
[ "$("$QUEJIE" sync-status "$J4" --json | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d["acked_seq"] == d["last_seq"])')" = True ] \
    && ok "  the office holds every entry it recorded while revoked" || fail "restored device: $("$QUEJIE" sync-status "$J4" --json)"
expect "revoke crew4 again" "$OFFICE" device revoke "$O" --name crew4
cp "$J3" "$T/unenrolled.db"; cp "$J3.key" "$T/unenrolled.db.key"
"$PY" -c "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"UPDATE sync_office SET url='$URL'\"); c.commit()" "$T/unenrolled.db"
refuse "an unenrolled device cannot sync" "$QUEJIE" sync "$T/unenrolled.db" --attempts 1

# ---- a copied tablet that recorded on, at exactly the office's cursor -------------------------------
# crew5's journal is copied (same key); the original records a point and syncs, the copy records a
# different point: both journals now end at the same seq, so only the cursor's hash tells them apart.
TOK6=$(tok crew6)
J6=$T/crew6.db
"$QUEJIE" init "$J6" --device-name crew6 >/dev/null
"$QUEJIE" enroll "$J6" --office "$URL" --token "$TOK6" --ca "$T/cert.pem" >/dev/null
expect "crew6 syncs" "$QUEJIE" sync "$J6" --quiet
cp "$J6" "$T/clone.db"; cp "$J6.key" "$T/clone.db.key"
"$QUEJIE" config "$J6" accept rtk-float >/dev/null
expect "the original records on and syncs" "$QUEJIE" sync "$J6" --quiet
"$QUEJIE" config "$T/clone.db" accept dgps >/dev/null
[ "$("$QUEJIE" sync-status "$T/clone.db" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')" = \
  "$("$QUEJIE" sync-status "$J6" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["last_seq"])')" ] \
    && ok "the copy ends at the office's cursor" || fail "the copy's last seq differs from the original's"
refuse "a copy at the cursor with other content is not 'synced'" "$QUEJIE" sync "$T/clone.db" --attempts 1
grep -q "FORK" "$T/err" && ok "the refusal says FORK" || fail "clone refusal: $(cat "$T/err")"
expect "the original still syncs" "$QUEJIE" sync "$J6" --quiet

# ---- two devices disagreeing ----------------------------------------------------------------------
expect "tasks assigned to the crew as well" "$OFFICE" tasks import "$O" "$TASKS" --assign 一组
TOK5=$(tok crew5 一组)
J5=$T/crew5.db
"$QUEJIE" init "$J5" --device-name crew5 --crew 一组 >/dev/null
"$QUEJIE" enroll "$J5" --office "$URL" --token "$TOK5" --ca "$T/cert.pem" >/dev/null
expect "crew5 gets the crew's tasks" "$QUEJIE" sync "$J5" --quiet
"$QUEJIE" point add "$J5" --unit $U --lon 103.2310 --lat 35.5500 >/dev/null   # J1 ~90 m from crew1's J1
"$QUEJIE" verify "$J5" --unit $U --field owner --status disputed --note "村委会说属于集体" >/dev/null
expect "crew5 syncs its disagreement" "$QUEJIE" sync "$J5" --quiet
"$OFFICE" review list "$O" --json >"$T/rv.json"
pyexpr "$T/rv.json" 'len(d["cases"])>=2' && ok "both disagreements are in the review queue" || fail "review queue: $(head -c 600 "$T/rv.json")"
expect "crew5 resync does not duplicate cases" "$QUEJIE" sync "$J5" --quiet
"$OFFICE" review list "$O" --json >"$T/rv2.json"
cmp -s "$T/rv.json" "$T/rv2.json" && ok "review queue unchanged by a resend" || fail "review queue changed by a resend"

# ---- an office that answers without advancing, or impossibly: every sync ends, bounded ------------
# A small HTTPS server with the test's certificate plays the broken office; what it answers comes
# from $T/fake.mode on each request. `timeout` bounds the test if the client loops.
FPORT=$(free_port)
echo ok >"$T/fake.mode"
"$PY" - "$FPORT" "$T/cert.pem" "$T/key.pem" "$T/fake.mode" "$T/fake.count" <<'PYEOF' >"$T/fake.log" 2>&1 &
import http.server, json, ssl, sys
port, cert, key, modef, countf = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
class H(http.server.BaseHTTPRequestHandler):
    def answer(self, code, body):
        b = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(code); self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def do_GET(self):
        mode = open(modef).read().split()
        self.answer(200, {"acked_seq": int(mode[1]) if mode[0] == "cursor" else 0})
    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        with open(countf, "a") as f: f.write("post\n")
        mode = open(modef).read().split()
        if mode[0] == "stuck": self.answer(200, {"status": "duplicate", "applied": 0, "acked_seq": 0})
        elif mode[0] == "gap": self.answer(409, {"acked_seq": 0})
        elif mode[0] == "beyond": self.answer(200, {"status": "applied", "applied": 1, "acked_seq": 10**9})
        elif mode[0] == "garbage": self.answer(200, b"<html>proxy login</html>")
        else: self.answer(503, {"error": "busy"})
    def log_message(self, *a): pass
s = http.server.ThreadingHTTPServer(("127.0.0.1", port), H)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER); ctx.load_cert_chain(cert, key)
s.socket = ctx.wrap_socket(s.socket, server_side=True)
s.serve_forever()
PYEOF
PIDS+=($!)
for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/$FPORT) 2>/dev/null && break; sleep 0.05; done
cp "$J" "$T/broken.db"; cp "$J.key" "$T/broken.db.key"
sqlite3_py "$T/broken.db" "UPDATE sync_office SET url='https://127.0.0.1:$FPORT'"
acked_of() { "$QUEJIE" sync-status "$T/broken.db" --json | "$PY" -c "import json,sys; d=json.load(sys.stdin); print(d['acked_seq'], d['last_seq'])"; }
read -r _ BLAST < <(acked_of)
for mode in stuck gap beyond garbage busy; do
    echo "$mode" >"$T/fake.mode"; : >"$T/fake.count"
    timeout 60 "$QUEJIE" sync "$T/broken.db" --no-tasks --attempts 3 --backoff 0.05 >"$T/out" 2>"$T/err"
    rc=$?
    posts=$(grep -c post "$T/fake.count")
    read -r a l < <(acked_of)
    if [ $rc -eq 124 ]; then fail "office answering '$mode': sync looped until timeout killed it ($posts sends)"
    elif [ $rc -eq 0 ]; then fail "office answering '$mode': sync claimed success"
    elif [ "$posts" -gt 3 ]; then fail "office answering '$mode': $posts sends for --attempts 3"
    elif [ "$a" -lt 0 ] || [ "$a" -gt "$l" ]; then fail "office answering '$mode': acknowledgement $a stored (journal holds $l)"
    else ok "office answering '$mode': sync ends after $posts send(s) ($(head -c 150 "$T/err"))"; fi
done
echo "cursor -5" >"$T/fake.mode"
refuse "a negative cursor is refused" timeout 60 "$QUEJIE" sync "$T/broken.db" --no-tasks --attempts 2 --backoff 0.05
read -r a l < <(acked_of)
[ "$a" -ge 0 ] && ok "the negative cursor was not stored ($a)" || fail "acknowledgement $a stored"

kill -TERM $OFFICE_PID; wait $OFFICE_PID && ok "office stops cleanly on SIGTERM" || fail "office exit status on SIGTERM"
# An office that accepts the connection and never answers (a stalled link): SIGINT ends the sync
# at once, mid-transfer, instead of after libcurl's timeouts; nothing is lost (exit 130).
SPORT=$(free_port)
"$PY" -c '
import socket, sys, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8)
held = []
while True:
    c, _ = s.accept(); held.append(c)
    open(sys.argv[2], "a").write("accepted\n")
' $SPORT "$T/silent.accepted" &
PIDS+=($!)
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$SPORT) 2>/dev/null && break; sleep 0.05; done
cp "$J" "$T/silent.db"; cp "$J.key" "$T/silent.db.key"
sqlite3_py "$T/silent.db" "UPDATE sync_office SET url='https://127.0.0.1:$SPORT'"
"$QUEJIE" sync "$T/silent.db" --attempts 1 >/dev/null 2>"$T/silent.err" &
SY=$!
# Interrupt once the sync's request has reached the silent office (its signal handler is in
# place by then: a background job of a script starts with SIGINT ignored until it installs one).
# The first connection accepted was the readiness probe above; the second is the sync's.
for _ in $(seq 300); do [ "$(grep -c accepted "$T/silent.accepted" 2>/dev/null)" -ge 2 ] && break; sleep 0.05; done
t0=$(date +%s%N)
kill -INT $SY
wait $SY
rc=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
# the sync's own stall limit is 30 s (CURLOPT_LOW_SPEED_TIME): well under it means the signal did it
[ $rc -eq 130 ] && [ $ms -lt 15000 ] && ok "SIGINT ends a sync stalled mid-transfer in $ms ms (exit 130)"     || fail "stalled sync: rc=$rc after $ms ms: $(tail -1 "$T/silent.err")"

finish
