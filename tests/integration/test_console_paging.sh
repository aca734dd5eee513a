#!/bin/bash
# The overview's unit list (and the tasks page's) with more units than a page (250; the bench has 5,000): every code is
# on the page as text, the browser shows the first 100, the pager walks the rest a page at a
# time, the filter finds a unit on any page; keyboard use; no error in the browser's console and
# no request to any origin but the office's. Generated units (bench/make_units.py) over TLS at
# 127.0.0.1, chromium headless. Screenshots in build/test-artifacts/console-paging/.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
ART=$QJ_BUILD/test-artifacts/console-paging
rm -rf "$ART"
mkdir -p "$ART"
O=$T/office.db
expect "init" "$OFF" init "$O" --name 临夏州
expect "user add reviewer" bash -c "echo 'Rev-pass-2026!' | '$OFF' user add '$O' --name rev --role reviewer"
mkdir -p "$T/pk"
expect "250 generated units" "$PY" "$QJ_SOURCE/bench/make_units.py" "$T/pk" 250 1
expect "tasks import" "$OFF" tasks import "$O" "$T/pk/tasks-000.geojson" --assign 一组
CODES=$("$OFF" units "$O" --json | "$PY" -c 'import json,sys; print(",".join(u["code"] for u in json.load(sys.stdin)))')

serve_console "$OFF" "$O"

# the contract: the overview page holds every unit's code as text, whatever the browser shows
C=(curl -s --cacert "$T/cert.pem" -o "$T/body" -w '%{http_code}')
"${C[@]}" -c "$T/jar" --data-urlencode 'user=rev' --data-urlencode 'password=Rev-pass-2026!' $URL/login >/dev/null
c=$("${C[@]}" -b "$T/jar" $URL/)
"$PY" - "$T/body" "$CODES" <<'PY' && ok "GET / holds all 250 codes as text, the first 100 rows shown and the rest hidden" || fail "overview rows ($c)"
import re, sys
body = open(sys.argv[1], encoding="utf-8").read()
codes = sys.argv[2].split(",")
rows = re.findall(r'<tr class="status-[a-z_]+"( hidden)?><td class="code"><a href="/unit/([^"]+)">([^<]+)<', body)
sys.exit(0 if len(codes) == 250 and [r[2] for r in rows] == codes and all(c in body for c in codes)
         and [r[0] for r in rows] == [""] * 100 + [" hidden"] * 150 else 1)
PY
c=$("${C[@]}" -b "$T/jar" $URL/tasks)
[ "$(grep -c '^<tr><td>622901' "$T/body")" = 100 ] && [ "$(grep -c '^<tr hidden><td>622901' "$T/body")" = 150 ] \
    && ok "GET /tasks holds all 250 task units, the first 100 shown" || fail "tasks rows ($c)"
c=$("${C[@]}" $URL/static/noscript.css); [ "$c" = 200 ] && grep -q 'tr\[hidden\]' "$T/body" \
    && ok "without script every row shows (noscript.css)" || fail "noscript.css: $c"

for f in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x $f ] || { fail "$f is missing (packaging/deps.txt: chromium, chromium-driver)"; finish; exit; }
done
"$PY" -c 'import selenium' 2>/dev/null || { fail "python3-selenium is missing"; finish; exit; }
"$PY" "$QJ_SOURCE/tests/integration/console_paging_browser.py" "$URL" "$ART" rev 'Rev-pass-2026!' "$CODES" \
    >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
PASSES=$((PASSES + $(grep -c '^ok' "$T/browser.out")))
FAILS=$((FAILS + $(grep -c '^FAIL' "$T/browser.out")))
[ $rc = 0 ] || grep -q '^FAIL' "$T/browser.out" || fail "the browser session ended with status $rc"
finish
