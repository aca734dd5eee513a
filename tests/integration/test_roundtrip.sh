#!/bin/bash
# Round trip (issue 9, defect 7): the tool's own GeoJSON export re-imports as a task package into
# a fresh journal with the same unit codes and the same draft vertices to the nanodegree. Units
# carry both epsg and central_meridian there; the boundary points, lines and signatures in the
# same file are other layers, counted and ignored by the import.
source "$(dirname "$0")/lib.sh"
Q=$QUEJIE
J=$T/j.db
U=622901ZR000002

expect "init" "$Q" init "$J" --epsg 4522
expect "import the county package" "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson"
# A hole, a multipolygon, a unit with its own EPSG code and one with a custom central meridian.
expect "import English names" "$Q" tasks import "$J" "$QJ_SOURCE/tests/fixtures/tasks/good-english-names.geojson"
for p in "103.2300 35.5500" "103.2550 35.5480" "103.2400 35.5600"; do
    set -- $p
    "$Q" point add "$J" --unit $U --lon "$1" --lat "$2" --h 1900 >/dev/null || fail "point add $p"
done
expect "line" "$Q" line "$J" --unit $U --from J1 --to J2 --neighbour 甲村
printf '[[10, 20, 30, 40]]\n' >"$T/strokes.json"
expect "sign" "$Q" sign "$J" --unit $U --party 甲村 --signer 王五 --strokes "$T/strokes.json"
expect "note" "$Q" note add "$J" --unit $U --point J2 --text "界桩已毁"

expect "export GeoJSON" "$Q" export "$J" --format geojson --output "$T/a.geojson"
expect "init a fresh journal" "$Q" init "$T/fresh.db"
if "$Q" tasks import "$T/fresh.db" "$T/a.geojson" >"$T/out" 2>"$T/err"; then
    ok "the export re-imports: $(cat "$T/out")"
else
    fail "the export does not re-import: $(cat "$T/err")"
fi
grep -q "imported 5 units" "$T/out" && ok "5 units imported" || fail "import output: $(cat "$T/out")"
# Into the journal it came from, the export is no change: its units name the plane CRS they had
# all along (epsg) and its rings run by RFC 7946's rule, neither of which changes a unit.
before=$("$Q" log "$J" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
"$Q" tasks import "$J" "$T/a.geojson" >"$T/out" 2>"$T/err"
after=$("$Q" log "$J" --json | "$PY" -c 'import json,sys; print(len(json.load(sys.stdin)))')
grep -q "imported 0 units" "$T/out" && [ "$before" = "$after" ] \
    && ok "the export re-imported into its own journal adds nothing" || fail "re-import into the same journal: $before -> $after entries: $(cat "$T/out" "$T/err")"
others=$("$PY" -c 'import json,sys; print(sum(f["properties"]["layer"] != "unit" for f in json.load(open(sys.argv[1]))["features"]))' "$T/a.geojson")
layers=$("$PY" -c 'import json,sys; print(" ".join(sorted({f["properties"]["layer"] for f in json.load(open(sys.argv[1]))["features"]})))' "$T/a.geojson")
[ "$others" -ge 5 ] && grep -q "; $others features of other layers" "$T/out" \
    && ok "$others features of other layers ($layers) counted and ignored" \
    || fail "other layers ($others: $layers) not reported: $(cat "$T/out")"

# Same codes and the same vertices, to the nanodegree, as recorded in both journals.
"$Q" log "$J" --json >"$T/la.json"
"$Q" log "$T/fresh.db" --json >"$T/lb.json"
"$PY" - "$T/la.json" "$T/lb.json" <<'PY' && ok "same codes and draft vertices (nanodegrees) in both journals" || fail "the round trip changed units"
import json, sys
def units(f):
    out = {}
    for e in json.load(open(f)):
        if e["kind"] == "unit":
            out[e["payload"]["code"]] = e["payload"]["geom"]
    return out
a, b = units(sys.argv[1]), units(sys.argv[2])
assert sorted(a) == sorted(b), (sorted(a), sorted(b))
for k in a:
    # The export writes RFC 7946 orientation: compare each ring as a cycle in either direction.
    assert len(a[k]) == len(b[k]), k
    for pa, pb in zip(a[k], b[k]):
        assert len(pa) == len(pb), k
        for ra, rb in zip(pa, pb):
            va = [tuple(ra[i:i + 2]) for i in range(0, len(ra) - 2, 2)]
            vb = [tuple(rb[i:i + 2]) for i in range(0, len(rb) - 2, 2)]
            assert len(va) == len(vb), (k, len(va), len(vb))
            ok = False
            for cand in (vb, vb[::-1]):
                if va[0] in cand:
                    s = cand.index(va[0])
                    ok = ok or cand[s:] + cand[:s] == va
            assert ok, (k, va[:3], vb[:3])
PY

# Both epsg and central_meridian, disagreeing: refused with a message naming both.
"$PY" - "$T/a.geojson" "$T/bad.geojson" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["features"]:
    if f["properties"].get("layer") == "unit" and f["properties"].get("epsg"):
        f["properties"]["central_meridian"] = 99
        break
json.dump(d, open(sys.argv[2], "w"), ensure_ascii=False)
PY
refuse "epsg and central_meridian that disagree" "$Q" tasks import "$T/fresh.db" "$T/bad.geojson"
grep -q "disagree" "$T/err" && grep -q "bad.geojson: feature" "$T/err" && ok "the message names the file, feature and the disagreement" \
    || fail "message: $(cat "$T/err")"

# One CRS, named alike everywhere: a point of the unit with a custom central meridian (102, no
# EPSG code) and one of a zone with a code carry in the CSV what GeoJSON and GeoPackage give
# them: epsg (0 for the custom meridian, never "CM102") and central_meridian.
expect "a point on the custom-meridian unit" "$Q" point add "$J" --unit 622901SD000002 --lon 103.401 --lat 35.401
expect "export CSV" "$Q" export "$J" --format csv --output "$T/a.csv"
expect "export GeoJSON again" "$Q" export "$J" --format geojson --output "$T/b.geojson"
"$PY" - "$T/a.csv" "$T/b.geojson" <<'PY' && ok "CSV names each point's CRS as GeoJSON does (epsg, central_meridian)" || fail "CSV CRS columns: $(cat "$T/a.csv")"
import csv, json, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8", newline="")))
gj = {(f["properties"]["unit"], f["properties"]["number"]): f["properties"]
      for f in json.load(open(sys.argv[2]))["features"] if f["properties"].get("layer") == "boundary_point"}
assert {r["unit"] for r in rows} == {"622901ZR000002", "622901SD000002"}, rows
for r in rows:
    p = gj[(r["unit"], r["number"])]
    assert int(r["epsg"]) == p["epsg"] and float(r["central_meridian"]) == p["central_meridian"], (r, p)
cm = [r for r in rows if r["unit"] == "622901SD000002"][0]
assert cm["epsg"] == "0" and cm["central_meridian"] == "102", cm
PY
finish
