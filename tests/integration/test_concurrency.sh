#!/bin/bash
# Several processes on one journal, as in the field (a walk recorder and a point recorder at
# once, a check while recording): numbers never handed out twice, check never fooled.
source "$(dirname "$0")/lib.sh"
Q=$QUEJIE
J=$T/j.db
U=622901ZR000002
"$Q" init "$J" >/dev/null && "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null || { fail setup; finish; exit 1; }

# Another writer holds the lock; two point adds wait for it and must not both take J1.
"$PY" - "$J" <<'PY' &
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1], isolation_level=None)
db.execute("BEGIN IMMEDIATE"); time.sleep(1.5); db.execute("ROLLBACK")
PY
holder=$!
sleep 0.3
"$Q" point add "$J" --unit $U --lat 35.551 --lon 103.231 --json >"$T/a" 2>&1 &
pa=$!
"$Q" point add "$J" --unit $U --lat 35.552 --lon 103.232 --json >"$T/b" 2>&1 &
pb=$!
wait $pa; ra=$?; wait $pb; rb=$?; wait $holder
na=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' "$T/a" 2>/dev/null)
nb=$("$PY" -c 'import json,sys; print(json.load(open(sys.argv[1]))["number"])' "$T/b" 2>/dev/null)
[ $ra -eq 0 ] && [ $rb -eq 0 ] && [ -n "$na" ] && [ "$na" != "$nb" ] && ok "two writers behind a lock got $na and $nb" || fail "numbers: '$na' '$nb' (rc $ra $rb): $(cat "$T/a" "$T/b")"

# check while another process keeps appending: every check sees one consistent snapshot.
( for i in $(seq 150); do "$Q" point add "$J" --unit $U --lat 35.55 --lon 103.23 >/dev/null 2>&1; done ) &
writer=$!
bad=0; n=0
while kill -0 $writer 2>/dev/null && [ $n -lt 40 ]; do
    n=$((n + 1))
    "$Q" check "$J" >/dev/null 2>"$T/err" || { bad=$((bad + 1)); echo "  $(cat "$T/err")"; }
done
wait $writer
[ $n -ge 5 ] && [ $bad -eq 0 ] && ok "$n checks during 150 appends by another process: all clean" || fail "$bad of $n checks failed while another process wrote"
"$Q" log "$J" --json >"$T/log.json"
"$PY" - "$T/log.json" <<'PY' && ok "152 points, numbers unique" || fail "numbering after concurrent writers"
import json, sys
nums = [e["payload"]["number"] for e in json.load(open(sys.argv[1])) if e["kind"] == "point"]
assert len(nums) == 152 and len(set(nums)) == 152, (len(nums), len(set(nums)))
PY
expect "check at the end" "$Q" check "$J"
finish
