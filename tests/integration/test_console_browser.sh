#!/bin/bash
# The county office console in a real browser (chromium headless, chromium-driver,
# python3-selenium: Debian's packages) against a real `quejie-office serve` on TLS at 127.0.0.1:
# log in (a wrong password refused), the overview lists every unit and draws them, a review case
# of two crews disagreeing decided, a unit returned with a note and, after `quejie sync`, the
# tablet's tasks list shows it returned; no error in the browser's console and no request to any
# origin but the office's. Screenshots in build/test-artifacts/console-browser/.
source "$(dirname "$0")/lib.sh"
: "${QUEJIE_OFFICE:=$QJ_BUILD/quejie-office}"
OFF=$QUEJIE_OFFICE
Q=$QUEJIE
ART=$QJ_BUILD/test-artifacts/console-browser
rm -rf "$ART"
mkdir -p "$ART"
for f in /usr/bin/chromium /usr/bin/chromedriver; do
    [ -x $f ] || { fail "$f is missing (packaging/deps.txt: chromium, chromium-driver)"; finish; exit; }
done
"$PY" -c 'import selenium' 2>/dev/null || { fail "python3-selenium is missing"; finish; exit; }
O=$T/office.db
U=622901ZR000002

expect "init" "$OFF" init "$O" --name 临夏州
expect "user add reviewer" bash -c "echo 'Rev-pass-2026!' | '$OFF' user add '$O' --name rev --role reviewer"
expect "user add viewer" bash -c "echo 'View-pass-2026!' | '$OFF' user add '$O' --name view --role viewer"
expect "user add admin" bash -c "echo 'Admin-pass-2026!' | '$OFF' user add '$O' --name adm --role admin"
expect "tasks import" "$OFF" tasks import "$O" "$FIX/tasks/linxia-units-4490.geojson" --assign 一组
CODES=$("$OFF" units "$O" --json | "$PY" -c 'import json,sys; print(",".join(u["code"] for u in json.load(sys.stdin)))')

serve_console "$OFF" "$O"
# a tablet registered under a long name without spaces (and no crew: the overview's crews table
# names it twice): no page may grow wider than the window for it
"$OFF" device add "$O" --name HezhengCountySongmingTownGrasslandSurveyTabletNumberOne00001 >/dev/null 2>&1 \
    || fail "device add with a long name"

# two crews measure J1 of one unit about 3 m apart: a review case
for c in a b; do
    tok=$("$OFF" device add "$O" --name crew$c --crew 一组 2>/dev/null | tail -1)
    "$Q" init "$T/$c.db" --device-name crew$c >/dev/null 2>&1
    expect "crew$c enrolls and syncs" bash -c "'$Q' enroll '$T/$c.db' --office $URL --token $tok --ca '$T/cert.pem' && '$Q' sync '$T/$c.db'"
done
"$Q" point add "$T/a.db" --unit $U --lon 103.23000 --lat 35.55000 >/dev/null 2>&1
"$Q" point add "$T/b.db" --unit $U --lon 103.23003 --lat 35.55002 >/dev/null 2>&1
# and about the owner of another unit, crewb with a long note: a verification case
U2=622901SL000007
"$Q" verify "$T/a.db" --unit $U2 --field owner --status confirmed >/dev/null 2>&1 || fail "verify a"
"$Q" verify "$T/b.db" --unit $U2 --field owner --status disputed \
    --note "$(printf '相邻村民小组认为北侧界线应沿旧河道走向%.0s' $(seq 12))" >/dev/null 2>&1 || fail "verify b"
for c in a b; do "$Q" sync "$T/$c.db" >/dev/null 2>&1; done
"$OFF" review list "$O" --json >"$T/r.json"
pyexpr "$T/r.json" 'sorted(c["kind"] for c in d["cases"])==["point","verification"]' && ok "two review cases: the crews disagree about a point and an owner" || fail "review cases: $(cat "$T/r.json")"
# crew a's attendance, signature, dispute and a walk today: the unit page and the overview's tracks
"$Q" attend "$T/a.db" --unit $U --party 东乡村委会 --presence present --person 马明 >/dev/null 2>&1 || fail "attend"
echo '[[100, 100, 250, 180, 400, 120], [500, 600, 700, 650]]' >"$T/strokes.json"
"$Q" sign "$T/a.db" --unit $U --party 东乡村委会 --signer 马明 --strokes "$T/strokes.json" >/dev/null 2>&1 || fail "sign"
"$Q" dispute "$T/a.db" --unit $U --statement "北侧界线有争议" --number ZY-BROWSER-1 >/dev/null 2>&1 || fail "dispute"
# ... and a second one, left open for the reviewer to settle on the unit page
"$Q" dispute "$T/a.db" --unit $U --statement "南侧界线待核" --number ZY-BROWSER-2 >/dev/null 2>&1 || fail "dispute 2"
port=$(free_port)
timeout 60 "$Q" record "$T/a.db" --unit $U --gnss 127.0.0.1:$port --walk-every 0.5 --count 6 --accept dgps --json >"$T/walk" 2>"$T/err" &
rp=$!
for _ in $(seq 300); do grep -q "not reachable" "$T/err" 2>/dev/null && break; sleep 0.05; done
if replay_loop "$FIX/gnss/nmea-rtk.log" 0.05 "$port"; then wait $rp; rc=$?; stop_replay; else kill $rp; wait $rp; rc=99; fi
[ $rc -eq 0 ] && [ "$(grep -c '"jump": *false' "$T/walk")" -ge 2 ] && ok "crewa walks today (2 or more vertices that are no jump)" || fail "walk rc=$rc: $(tail -2 "$T/err") $(cat "$T/walk")"
expect "crewa sends them" "$Q" sync "$T/a.db"
# the reviewer settles crewa's dispute through the API the console's unit page uses
hc() { curl -s -o "$T/body" -w '%{http_code}' --max-time 30 --cacert "$T/cert.pem" "$@"; }
hc -c "$T/sjar" -H 'Content-Type: application/json' --data-binary '{"user":"rev","password":"Rev-pass-2026!"}' $URL/api/v1/login >/dev/null
SCSRF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/body")
SETTLE='{"dispute":"ZY-BROWSER-1","outcome":"双方协商以沟为界","document":"agreement","number":"临界协〔2026〕3号"}'
c=$(hc -b "$T/sjar" -H 'Content-Type: application/json' --data-binary "$SETTLE" $URL/api/v1/units/$U/settle-dispute)
[ "$c" = 403 ] && ok "settling a dispute without X-CSRF-Token: 403" || fail "settle without CSRF: $c"
c=$(hc -b "$T/sjar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $SCSRF" --data-binary '{"dispute":"ZY-NONE","outcome":"x","document":"agreement","number":"1"}' $URL/api/v1/units/$U/settle-dispute)
[ "$c" = 404 ] && pyexpr "$T/body" 'd["code"]=="no_dispute" and "ZY-NONE" in d["error"]' && ok "an unknown dispute is 404 (no_dispute) naming it" || fail "settle unknown dispute: $c $(cat "$T/body")"
c=$(hc -b "$T/sjar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $SCSRF" --data-binary '{"dispute":"ZY-BROWSER-1","outcome":"x"}' $URL/api/v1/units/$U/settle-dispute)
[ "$c" = 400 ] && ok "a settlement without its document is 400" || fail "settle without document: $c $(cat "$T/body")"
c=$(hc -b "$T/sjar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $SCSRF" --data-binary "$SETTLE" $URL/api/v1/units/$U/settle-dispute)
[ "$c" = 200 ] && pyexpr "$T/body" 'd["ok"] and d["action"]=="settle-dispute" and d["dispute"]=="ZY-BROWSER-1"' \
    && ok "POST /api/v1/units/CODE/settle-dispute: the reviewer settles crewa's dispute" || fail "settle: $c $(cat "$T/body")"
"$OFF" audit "$O" --json >"$T/audit.json" 2>/dev/null
pyexpr "$T/audit.json" 'any(r.get("action")=="dispute.settle" and r.get("user")=="rev" for r in (d if isinstance(d, list) else d.get("entries", d.get("audit", []))))' \
    && ok "... audited as dispute.settle by rev" || fail "settle audit: $(head -c 400 "$T/audit.json")"

# the API reads the pages use: a session needed, an unknown unit 404, Debian's Leaflet served
hc() { curl -s -o "$T/body" -w '%{http_code}' --max-time 30 --cacert "$T/cert.pem" "$@"; }
c1=$(hc $URL/api/v1/units.geojson); c2=$(hc $URL/api/v1/units/$U); c3=$(hc $URL/unit/$U); c4=$(hc $URL/review)
[ "$c1$c2" = 401401 ] && [ "$c3$c4" = 303303 ] && ok "no session: the map and unit reads are 401, the pages lead to the login"     || fail "without a session: $c1 $c2 $c3 $c4"
c=$(hc $URL/static/leaflet/leaflet.js); [ "$c" = 200 ] && grep -q 'Leaflet' "$T/body" && ok "Debian's Leaflet is served by the office" || fail "leaflet.js: $c"
hc -c "$T/jar" -H 'Content-Type: application/json' --data-binary '{"user":"rev","password":"Rev-pass-2026!"}' $URL/api/v1/login >/dev/null
c=$(hc -b "$T/jar" $URL/api/v1/units.geojson); [ "$c" = 200 ] && pyexpr "$T/body" \
    'd["type"]=="FeatureCollection" and sorted(f["properties"]["code"] for f in d["features"])==sorted("'$CODES'".split(",")) and all(f["geometry"]["type"] in ("Polygon","MultiPolygon") and f["properties"]["status"] for f in d["features"])' \
    && ok "GET /api/v1/units.geojson: every unit's draft with its state" || fail "units.geojson: $c $(head -c 300 "$T/body")"
c=$(hc -b "$T/jar" $URL/api/v1/units/$U); [ "$c" = 200 ] && pyexpr "$T/body" \
    'd["code"]=="'$U'" and d["status"]=="under_review" and d["geometry"] and sorted(x["device"] for x in d["devices"])==["crewa","crewb"] and all(set(("number","grade","n","sigma_h","method","pole_h","lat","lon")) <= set(p) for x in d["devices"] for p in x["points"]) and len(d["cases"])==1 and [x["action"] for x in d["decisions"]]==["settle-dispute"]' \
    && ok "GET /api/v1/units/CODE: draft, each device's points with provenance, cases, decisions" || fail "unit detail: $c $(head -c 400 "$T/body")"
c=$(hc -b "$T/jar" $URL/api/v1/tracks); [ "$c" = 200 ] && pyexpr "$T/body" \
    '[f["properties"]["device"] for f in d["features"]]==["crewa"] and len(d["features"][0]["geometry"]["coordinates"])>=2' \
    && ok "GET /api/v1/tracks: crewa's walk of today" || fail "tracks: $c $(head -c 300 "$T/body")"
c=$(hc -b "$T/jar" $URL/api/v1/units/NOSUCHUNIT); [ "$c" = 404 ] && grep -q NOSUCHUNIT "$T/body" && ok "an unknown unit is 404 naming it" || fail "unknown unit: $c"

# a form posted from our pages (Referrer-Policy: no-referrer) says "Origin: null": accepted only
# when the browser's Sec-Fetch-Site says same-origin (the logout form of a real browser)
hc -c "$T/jar2" -H 'Content-Type: application/json' --data-binary '{"user":"rev","password":"Rev-pass-2026!"}' $URL/api/v1/login >/dev/null
CSRF=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["csrf"])' "$T/body")
c1=$(hc -b "$T/jar2" -H 'Origin: null' --data-urlencode "csrf=$CSRF" $URL/logout)
c2=$(hc -b "$T/jar2" -H 'Origin: null' -H 'Sec-Fetch-Site: cross-site' --data-urlencode "csrf=$CSRF" $URL/logout)
c3=$(hc -b "$T/jar2" -H 'Origin: null' -H 'Sec-Fetch-Site: same-origin' --data-urlencode "csrf=$CSRF" $URL/logout)
[ "$c1$c2$c3" = 403403303 ] && ok "Origin: null is refused unless Sec-Fetch-Site is same-origin" || fail "Origin null: $c1 $c2 $c3"

# the browser's part
"$PY" "$QJ_SOURCE/tests/integration/console_browser.py" "$URL" "$ART" rev 'Rev-pass-2026!' \
    "$CODES" $U view 'View-pass-2026!' adm 'Admin-pass-2026!' \
    "$FIX/tasks/good-english-names.geojson" "$FIX/tasks/bad-bowtie.geojson" >"$T/browser.out" 2>&1
rc=$?
cat "$T/browser.out"
PASSES=$((PASSES + $(grep -c '^ok' "$T/browser.out")))
FAILS=$((FAILS + $(grep -c '^FAIL' "$T/browser.out")))
[ $rc = 0 ] || grep -q '^FAIL' "$T/browser.out" || fail "the browser session ended with status $rc"

# what the browser did, seen by the office and by the tablet
tok=$(sed -n 's/^token \([0-9a-f]\{64\}\)$/\1/p' "$T/browser.out" | head -1)
"$Q" init "$T/z.db" --device-name crewz >/dev/null 2>&1
[ -n "$tok" ] && "$Q" enroll "$T/z.db" --office "$URL" --token "$tok" --ca "$T/cert.pem" >"$T/out" 2>"$T/err" &&
    ok "a tablet enrolls with the token the browser showed" || fail "enroll with the browser's token: $(cat "$T/err")"
"$OFF" tasks list "$O" --json 2>/dev/null | "$PY" -c 'import json,sys; sys.exit(0 if any(t["code"]=="622901SD000002" and t["assign"]=="四组" for t in json.load(sys.stdin)) else 1)' &&
    ok "the office holds the package uploaded in the browser" || fail "package from the browser not in tasks list"
"$OFF" review list "$O" --all --json >"$T/r.json"
pyexpr "$T/r.json" '(lambda c: c["status"]=="resolved" and "实测于界桩" in c["note"])([c for c in d["cases"] if c["kind"]=="point"][0])' \
    && ok "the office holds the decided case with its reason" || fail "case after the browser: $(cat "$T/r.json")"
"$OFF" units "$O" --json >"$T/u.json"
pyexpr "$T/u.json" '[u for u in d if u["code"]=="'$U'"][0]["status"]=="returned"' \
    && ok "the office holds the unit as returned" || fail "unit after the browser: $(cat "$T/u.json")"
expect "crewa syncs" "$Q" sync "$T/a.db"
"$Q" tasks list "$T/a.db" --json >"$T/t.json" 2>/dev/null
pyexpr "$T/t.json" '(lambda u: u["office_status"]=="returned" and u["office_note"]=="请补测 J2")([u for u in d if u["code"]=="'$U'"][0])' \
    && ok "after quejie sync the tablet's tasks list shows the unit returned, with the note" \
    || fail "tablet: $(head -c 300 "$T/t.json")"
cp "$T/office.log" "$ART/" 2>/dev/null
ls "$ART"/*.png >/dev/null 2>&1 && ok "screenshots kept in $ART" || fail "no screenshots in $ART"
finish
