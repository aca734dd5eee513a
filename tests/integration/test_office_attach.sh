#!/bin/bash
# Files the county office keeps with a unit (DOMAIN.md section 9: the signed paper forms come back
# scanned or photographed): `unit attach` and `unit attachments` on the command line, the same
# over the console's API on a real TLS office (roles, CSRF, the bytes served back whole with
# their type, hostile names and oversized bodies refused), every attachment a signed entry of the
# office's journal that `quejie check` verifies, the unit's state untouched; with chromium at
# hand, the unit page lists the files, shows the image and a reviewer attaches one.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
O=$T/office.db
U=622901ZR000002
for c in gdal_create openssl curl; do
    command -v $c >/dev/null || { fail "$c is not installed"; finish; exit 1; }
done
usage() {
    local what=$1; shift
    "$@" >"$T/out" 2>"$T/err"; local rc=$?
    [ "$rc" -eq 2 ] && [ -s "$T/err" ] && ok "$what (usage, exit 2: $(tail -1 "$T/err" | cut -c1-90))" || fail "$what: exit $rc"
}

expect "init" "$OFF" init "$O" --name 临夏州自然资源局
expect "tasks import" "$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组
expect "user add viewer" bash -c "echo 'View-pass-2026!' | '$OFF' user add '$O' --name view --role viewer"
expect "user add reviewer" bash -c "echo 'Rev-pass-2026!' | '$OFF' user add '$O' --name 王审核 --role reviewer"

# ---- the files: a scan (PNG by GDAL), a PDF, and what is neither ------------------------------------
gdal_create -q -of PNG -outsize 64 48 -bands 3 -burn 30 -burn 120 -burn 200 "$T/签章表.png" &&
    ok "a scan made with GDAL (PNG)" || fail "gdal_create png"
printf '%%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%%%EOF\n' >"$T/协议书.pdf"
echo "not a scan" >"$T/notes.txt"
{ printf '%%PDF-1.4\n'; head -c $((33 * 1024 * 1024)) /dev/zero; } >"$T/huge.pdf"

# ---- the command line ----------------------------------------------------------------------------
expect "unit attach a signed form (PNG)" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/签章表.png" --what signed_form --note "界址签章表 第1页"
grep -q "签章表.png attached by 王审核 as signed_form" "$T/out" && ok "... says what was attached" || fail "$(cat "$T/out")"
SHA=$(sha256sum "$T/签章表.png" | cut -d' ' -f1)
grep -q "$SHA" "$T/out" && ok "... with the file's SHA-256" || fail "sha256 not printed: $(cat "$T/out")"
expect "unit attach an agreement (PDF)" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/协议书.pdf" --what agreement
refuse "a file that is not a JPEG, PNG or PDF" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/notes.txt" --what photo
grep -q "not a JPEG, PNG or PDF" "$T/err" && ok "... named as such" || fail "$(cat "$T/err")"
refuse "a file over 32 MiB" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/huge.pdf" --what agreement
grep -q "32 MiB" "$T/err" && ok "... named as too large" || fail "$(cat "$T/err")"
refuse "an unknown unit" "$OFF" unit attach "$O" --unit 999 --by 王审核 --file "$T/签章表.png" --what photo
grep -q "no unit 999" "$T/err" && ok "... named" || fail "$(cat "$T/err")"
refuse "a missing file" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/nothing.png" --what photo
usage "an unknown --what" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/签章表.png" --what selfie
usage "unit attach without --what" "$OFF" unit attach "$O" --unit $U --by 王审核 --file "$T/签章表.png"
expect "unit attachments --json" "$OFF" unit attachments "$O" --unit $U --json
pyexpr "$T/out" 'len(d)==2 and d[0]["what"]=="signed_form" and d[0]["name"]=="签章表.png" and d[0]["type"]=="image/png" and d[0]["sha256"]=="'"$SHA"'" and d[0]["note"]=="界址签章表 第1页" and d[0]["by"]=="王审核" and d[1]["type"]=="application/pdf"' &&
    ok "both listed: what, name, type, hash, note, who" || fail "$(head -c 600 "$T/out")"
mkdir -p "$T/saved"
expect "unit attachments --save DIR" "$OFF" unit attachments "$O" --unit $U --save "$T/saved"
cmp -s "$T/saved/签章表.png" "$T/签章表.png" && cmp -s "$T/saved/协议书.pdf" "$T/协议书.pdf" &&
    ok "the files saved are the files attached, byte for byte" || fail "saved files differ: $(ls "$T/saved")"
expect "--save again (a daily script)" "$OFF" unit attachments "$O" --unit $U --save "$T/saved"
[ "$(ls "$T/saved" | wc -l)" = 2 ] && [ "$(grep -c '(already there)' "$T/out")" = 2 ] &&
    ok "... the same files are already there: nothing written, said so" || fail "$(ls "$T/saved"; cat "$T/out")"
echo "另一份文件" >"$T/saved/签章表.png" # another file under the name
expect "--save with another file under a name" "$OFF" unit attachments "$O" --unit $U --save "$T/saved"
[ "$(ls "$T/saved" | wc -l)" = 3 ] && cmp -s "$T/saved/${SHA:0:8}-签章表.png" "$T/签章表.png" &&
    grep -q "另一份文件" "$T/saved/签章表.png" &&
    ok "... beside it, under the hash's first digits: nothing overwritten" || fail "$(ls "$T/saved")"
expect "--save a third time" "$OFF" unit attachments "$O" --unit $U --save "$T/saved"
[ "$(ls "$T/saved" | wc -l)" = 3 ] && ok "... still 3 files" || fail "$(ls "$T/saved")"
expect "unit attachments (text)" "$OFF" unit attachments "$O" --unit 622901SL000007
grep -q "has no attachments" "$T/out" && ok "a unit without files says so" || fail "$(cat "$T/out")"
expect "quejie check of the office journal" "$QUEJIE" check "$O.decisions"
"$PY" - "$O.decisions" "$SHA" <<'PY' && ok "each attachment is a decision entry naming the file by its hash" || fail "journal entries"
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
ps = [json.loads(p) for (p,) in db.execute("SELECT payload FROM entries WHERE kind = 'decision'")]
a = [p for p in ps if p["action"] == "attach"]
assert len(a) == 2, ps
assert a[0]["file"] == {"sha256": sys.argv[2], "type": "image/png", "bytes": a[0]["file"]["bytes"], "name": "签章表.png"}, a[0]
assert a[0]["what"] == "signed_form" and a[0]["by"] == "王审核" and a[0]["unit"] == "622901ZR000002"
PY
"$OFF" units "$O" --json >"$T/u.json" && pyexpr "$T/u.json" '[u for u in d if u["code"]=="'$U'"][0]["status"]=="assigned"' &&
    ok "attaching does not move the unit (still assigned)" || fail "$(head -c 300 "$T/u.json")"

# ---- the county export: the files in the GeoPackage (an attributes layer, by GDAL) -----------------
expect "export --format gpkg" "$OFF" export "$O" --format gpkg --output "$T/county.gpkg"
"$PY" - "$T/county.gpkg" "$T/签章表.png" "$T/协议书.pdf" <<'PY' && ok "the GeoPackage holds layer attachments: each file's bytes with unit, what, name, type, hash" || fail "export attachments"
import hashlib, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("SELECT data_type FROM gpkg_contents WHERE table_name = 'attachments'").fetchone()[0] == "attributes"
rows = db.execute("SELECT unit_code, what, name, media_type, bytes, sha256, attached_by, data FROM attachments ORDER BY fid").fetchall()
assert len(rows) == 2, rows
for r, f in zip(rows, sys.argv[2:4]):
    b = open(f, "rb").read()
    assert r[0] == "622901ZR000002" and r[7] == b and r[4] == len(b) and r[5] == hashlib.sha256(b).hexdigest(), r[:7]
assert rows[0][1:4] == ("signed_form", "签章表.png", "image/png") and rows[1][3] == "application/pdf"
PY
V=/usr/share/doc/python3-gdal/examples/validate_gpkg.py
if [ -f "$V" ]; then
    "$PY" "$V" "$T/county.gpkg" >"$T/v" 2>&1 && ok "... and passes GDAL's validate_gpkg.py" || fail "validate_gpkg: $(head -3 "$T/v")"
fi
expect "export --format shp (no attachments layer: a Shapefile holds no file's bytes)" "$OFF" export "$O" --format shp --output "$T/county.zip"
unzip -l "$T/county.zip" | grep -q attachments && fail "an attachments table in the Shapefiles" || ok "... none in the zip"

# ---- the console's API -----------------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$T/key.pem" \
    -out "$T/cert.pem" -days 30 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" >/dev/null 2>&1
P=$(free_port)
"$OFF" serve "$O" --listen 127.0.0.1:$P --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" \
    --assets "$QJ_SOURCE/assets/office" >"$T/office.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 300); do (echo >/dev/tcp/127.0.0.1/$P) 2>/dev/null && break; sleep 0.1; done
URL=https://127.0.0.1:$P
hcode() {
    local m=$1 p=$2; shift 2
    curl -s -o "$T/body" -D "$T/hdr" -w '%{http_code}' --max-time 30 --cacert "$T/cert.pem" \
        -X "$m" "$@" "$URL$p"
}
login() {
    c=$(hcode POST /api/v1/login -c "$3" -H 'Content-Type: application/json' \
        --data-binary "{\"user\":\"$1\",\"password\":\"$2\"}")
    CSRF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1])).get("csrf",""))' "$T/body" 2>/dev/null)
}
header() { grep -i "^$1:" "$T/hdr" | head -1 | cut -d' ' -f2- | tr -d '\r'; }
login view 'View-pass-2026!' "$T/view.jar"; VIEW_CSRF=$CSRF; [ "$c" = 200 ] && ok "a viewer logs in" || fail "viewer login: $c"
login 王审核 'Rev-pass-2026!' "$T/rev.jar"; REV_CSRF=$CSRF; [ "$c" = 200 ] && ok "a reviewer logs in" || fail "reviewer login: $c"

c=$(hcode GET /api/v1/units/$U -b "$T/view.jar")
[ "$c" = 200 ] && pyexpr "$T/body" 'len(d["attachments"])==2 and d["attachments"][0]["sha256"]=="'"$SHA"'"' &&
    ok "the unit's API answer lists its attachments" || fail "unit: $c $(head -c 300 "$T/body")"
c=$(hcode GET /api/v1/units/$U/attachments -b "$T/view.jar")
[ "$c" = 200 ] && pyexpr "$T/body" 'len(d)==2' && ok "GET /api/v1/units/CODE/attachments lists them" || fail "list: $c"
c=$(hcode GET /api/v1/attachments/$SHA -b "$T/view.jar")
[ "$c" = 200 ] && cmp -s "$T/body" "$T/签章表.png" && [ "$(header Content-Type)" = image/png ] &&
    [ "$(header Content-Disposition)" = "inline; filename=\"_________.png\"; filename*=UTF-8''%E7%AD%BE%E7%AB%A0%E8%A1%A8.png" ] && [ "$(header X-Content-Type-Options)" = nosniff ] &&
    ok "GET /api/v1/attachments/SHA256 serves the scan whole (image/png, inline, nosniff)" || fail "get: $c $(cat "$T/hdr")"
PSHA=$(sha256sum "$T/协议书.pdf" | cut -d' ' -f1)
c=$(hcode GET /api/v1/attachments/$PSHA -b "$T/view.jar")
[ "$c" = 200 ] && cmp -s "$T/body" "$T/协议书.pdf" && [ "$(header Content-Type)" = application/pdf ] &&
    [ "$(header Content-Disposition)" = "attachment; filename=\"_________.pdf\"; filename*=UTF-8''%E5%8D%8F%E8%AE%AE%E4%B9%A6.pdf" ] &&
    ok "... and the PDF as a download under its name (application/pdf, attachment, filename*=UTF-8'')" || fail "pdf: $c $(cat "$T/hdr")"
c=$(hcode GET /api/v1/attachments/$SHA); [ "$c" = 401 ] && ok "no session: 401" || fail "no session: $c"
c=$(hcode GET /api/v1/attachments/..%2F..%2Fetc%2Fpasswd -b "$T/view.jar")
[ "$c" = 400 ] || [ "$c" = 404 ] && ok "a hostile name: $c" || fail "hostile name: $c"
c=$(hcode GET /api/v1/attachments/$(printf 'a%.0s' $(seq 64)) -b "$T/view.jar")
[ "$c" = 404 ] && ok "an unknown hash: 404" || fail "unknown hash: $c"
gdal_create -q -of PNG -outsize 32 32 -bands 1 -burn 99 "$T/photo.png"
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=photo.png" -b "$T/view.jar" \
    -H "X-CSRF-Token: $VIEW_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 403 ] && ok "a viewer cannot attach: 403" || fail "viewer attach: $c"
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=photo.png" -b "$T/rev.jar" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 403 ] && ok "without its CSRF token: 403" || fail "no csrf: $c"
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=%E7%8E%B0%E5%9C%BA.png&note=J3%E7%95%8C%E6%A1%A9" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 200 ] && pyexpr "$T/body" 'd["ok"] and d["sha256"]=="'"$(sha256sum "$T/photo.png" | cut -d' ' -f1)"'"' &&
    ok "a reviewer attaches a photo over the API" || fail "reviewer attach: $c $(cat "$T/body")"
# a path in the name: kept without it, and the answer names what was kept
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=..%2F..%2Fscan.png" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 200 ] && pyexpr "$T/body" 'd["name"]=="scan.png"' && ok "a name with a path: kept and answered as scan.png" || fail "path name: $c $(cat "$T/body")"
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=x.txt" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/notes.txt")
[ "$c" = 400 ] && grep -q "not a JPEG, PNG or PDF" "$T/body" && ok "a text file: 400 with the reason" || fail "txt: $c $(cat "$T/body")"
c=$(hcode POST "/api/v1/units/999/attachments?what=photo&name=p.png" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 404 ] && ok "an unknown unit: 404" || fail "unknown unit: $c"
c=$(hcode POST "/api/v1/units/$U/attachments?what=photo&name=a%2Fb.png" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' --data-binary @"$T/photo.png")
[ "$c" = 200 ] && "$OFF" unit attachments "$O" --unit $U --json >"$T/l.json" && pyexpr "$T/l.json" 'd[-1]["name"]=="b.png"' &&
    ok "a name with a path keeps its last part" || fail "path name: $c $(cat "$T/body")"
c=$(hcode POST "/api/v1/units/$U/attachments?what=agreement&name=huge.pdf" -b "$T/rev.jar" \
    -H "X-CSRF-Token: $REV_CSRF" -H 'Content-Type: application/octet-stream' -H 'Expect: 100-continue' --data-binary @"$T/huge.pdf")
[ "$c" = 413 ] && ok "a file over 32 MiB: 413 before it is sent" || fail "huge: $c $(head -c 200 "$T/body")"
grep -q "unit.attach: unit $U photo" "$T/office.log" && ok "the upload is in the office's log" || fail "log: $(tail -3 "$T/office.log")"
expect "quejie check of the office journal (after the uploads)" "$QUEJIE" check "$O.decisions"

# ---- a real browser: the unit page lists the files and a reviewer attaches one ----------------------
if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ] && "$PY" -c 'import selenium' 2>/dev/null; then
    mkdir -p "$QJ_BUILD/test-artifacts/console-attach"
    "$PY" "$QJ_SOURCE/tests/integration/console_attach_browser.py" "$URL" \
        "$QJ_BUILD/test-artifacts/console-attach" 王审核 'Rev-pass-2026!' "$U" "$T/签章表.png" >"$T/sel" 2>&1
    cat "$T/sel"
    PASSES=$((PASSES + $(grep -c '^ok' "$T/sel")))
    FAILS=$((FAILS + $(grep -c '^FAIL' "$T/sel")))
    grep -q '^ok\|^FAIL' "$T/sel" || fail "the browser check printed nothing: $(tail -3 "$T/sel")"
else
    ok "(no chromium/selenium here: the browser check is skipped)"
fi
finish
