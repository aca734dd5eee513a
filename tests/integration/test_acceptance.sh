#!/bin/bash
# The shared acceptance scripts of the foundation and core issues, against this build: optional,
# they live beside the project (../shared/acceptance, or $QJ_SHARED/acceptance) and a fresh
# clone on its own skips them, saying so.
#
# The scripts are not ours to change, and one of their checks races: contract-foundation starts
# gpsfake with -n (it feeds gpsd 2.5 s of log whether or not a client listens) and does not ask
# gpsd whether the device was added (gpsfake loses that race now and then on a loaded machine;
# see docs/architecture.md, "Tests read receivers through a real gpsd"). When the only checks
# that failed are that receiver-fed `record` check, the script runs again, at most twice more,
# saying so; any other failure fails at once.
set -u
: "${QJ_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${QJ_SHARED:=$QJ_SOURCE/../shared}"
OUT=$(mktemp)
trap 'rm -f "$OUT"' EXIT
rc=0
ran=0
for name in contract-foundation contract-core; do
    S=$QJ_SHARED/acceptance/$name.sh
    if [ ! -f "$S" ]; then
        echo "no $S: skipped (the acceptance scripts are optional)"
        continue
    fi
    for try in 1 2 3; do
        if [ "$try" -eq 1 ]; then
            echo "== $name"
        else
            echo "== $name, try $try (only the gpsfake-fed record check failed)"
        fi
        (cd "$QJ_SOURCE" && QUEJIE=$QUEJIE QUEJIE_OFFICE=${QUEJIE_OFFICE:-} bash "$S") >"$OUT" 2>&1
        status=$?
        cat "$OUT"
        [ "$status" -eq 0 ] && break
        # Another try only when every FAIL line is the gpsfake-fed record check.
        if grep '^FAIL' "$OUT" | grep -qv -E '^FAIL  (record: |gpsfake did not start)' ||
            ! grep -q '^FAIL' "$OUT" || [ "$try" -eq 3 ]; then
            rc=1
            break
        fi
    done
    ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || echo "0 passed, 0 failed"
exit $rc
