#!/bin/bash
# Kill `quejie record` with SIGKILL at random moments and prove that every point it reported
# is still in the journal, that the journal checks clean, and that recording carries on.
source "$(dirname "$0")/lib.sh"
Q=$QUEJIE
J=$T/j.db
U=622901ZR000002
ROUNDS=${QJ_CRASH_ROUNDS:-12}
"$Q" init "$J" >/dev/null && "$Q" tasks import "$J" "$FIX/tasks/linxia-units-4490.geojson" >/dev/null || { fail "setup"; finish; exit 1; }
RANDOM=4242   # reproducible kill times
reported=0
for round in $(seq "$ROUNDS"); do
    # A slow replay so that the kill lands while points are being averaged and written.
    replay_loop "$FIX/gnss/nmea-rtk.log" 0.005 || { fail "gpsfake did not start"; continue; }
    "$Q" record "$J" --unit $U --gnss 127.0.0.1:$GPSPORT --count 100000 --average 2 --min-seconds 0 --accept dgps --json >"$T/out.$round" 2>"$T/err.$round" &
    rp=$!
    # 0.3 to 2.3 s: at start-up, mid-average, mid-write.
    sleep "$(printf '0.%03d' $((RANDOM % 1000)))"; sleep $((RANDOM % 2))
    kill -9 $rp 2>/dev/null; wait $rp 2>/dev/null
    stop_replay
    # Complete lines only: a line is written after its point is durable.
    n=$(grep -c '}$' "$T/out.$round")
    reported=$((reported + n))
done
"$Q" log "$J" --json >"$T/log.json" || fail "log after crashes"
"$PY" - "$T/log.json" "$T"/out.* <<'PY' && ok "all $reported reported points are in the journal" || fail "reported points missing"
import json, sys
entries = {e["seq"]: e for e in json.load(open(sys.argv[1]))}
missing = 0
for f in sys.argv[2:]:
    for line in open(f):
        if not line.endswith("}\n"):
            continue  # cut off mid-line by the kill: never reported
        o = json.loads(line)
        e = entries.get(o["seq"])
        if not e or e["kind"] != "point" or e["payload"]["number"] != o["number"] or abs(e["payload"]["lat"] / 1e9 - o["lat"]) > 1e-9:
            missing += 1
            print("missing", o, file=sys.stderr)
sys.exit(1 if missing else 0)
PY
[ "$reported" -ge 5 ] && ok "$reported points reported across $ROUNDS kills" || fail "only $reported points reported: the kills came too early to test anything"
expect "journal checks clean after $ROUNDS SIGKILLs" "$Q" check "$J"
# Numbers stay unique and gap-free in sequence after the crashes.
"$PY" - "$T/log.json" <<'PY' && ok "sequence numbers 1..n without gaps, point numbers unique" || fail "sequence or numbering broken"
import json, sys
d = json.load(open(sys.argv[1]))
assert [e["seq"] for e in d] == list(range(1, len(d) + 1))
nums = [e["payload"]["number"] for e in d if e["kind"] == "point"]
assert len(nums) == len(set(nums))
PY
expect "recording continues after the crashes" "$Q" point add "$J" --unit $U --lat 35.55 --lon 103.23
finish
