#!/bin/bash
# make bench: every benchmark prints its figures and its ratio against a baseline measured in
# the same run. Nothing here passes or fails on time: machines are noisy; read the figures.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SHARED=${QJ_SHARED:-$ROOT/../shared}
export BENCH_DIR=${BENCH_DIR:-$ROOT/$B}   # the project's own disk, like the journal's
T=$(mktemp -d /tmp/qj-bench-XXXXXX)
trap 'kill -9 -- -$GP 2>/dev/null; rm -rf "$T"' EXIT
GP=0
echo "== durable append (target: p99 <= 1.3x bare insert)"
"$B/bench_append" 10 100
echo
if [ -x "$B/bench_import" ]; then echo "== task import (target: >= 500,000 vertices/s on 1,000,000 vertices)"; "$B/bench_import"; echo; fi
if [ -x "$B/bench_export" ]; then echo "== GeoPackage export (target: 100,000 points <= 1 s)"; "$B/bench_export"; echo; fi

echo "== quejie record peak RSS (target <= 16 MB)"
port=$(/usr/bin/python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
setsid gpsfake -1 -q -n -W 5 -P "$port" -c 0.01 "$SHARED/fixtures/gnss/nmea-rtk.log" >/dev/null 2>&1 &
GP=$!
for _ in $(seq 50); do (echo >/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
"$B/quejie" init "$T/j.db" >/dev/null && "$B/quejie" tasks import "$T/j.db" "$SHARED/fixtures/tasks/linxia-units-4490.geojson" >/dev/null
"$B/bench_rss" "baseline: gpspipe -w -n 40 (a bare libgps client)" gpspipe -w -n 40 "127.0.0.1:$port" >/dev/null
"$B/bench_rss" "quejie record --count 3 --average 5" "$B/quejie" record "$T/j.db" --unit 622901ZR000002 \
    --gnss "127.0.0.1:$port" --count 3 --average 5 --min-seconds 0 --accept dgps --timeout 30 >/dev/null

echo
echo "== sync"
if [ -x "$B/bench_ingest" ]; then
    echo "-- office ingest (target: >= 0.5x bare batched SQLite inserts of the same rows)"
    "$B/bench_ingest"
else
    echo "-- office ingest: skipped ($B/bench_ingest is not built; it links qjoffice)"
fi
echo
if [ -x "$B/quejie" ] && [ -x "$B/quejie-office" ] && [ -x "$B/qj_fill" ]; then
    echo "-- bytes on the wire per row, standard day (target: <= 12 B/row)"
    QJ_SHARED=$SHARED bash "$ROOT/bench/bench_wire.sh" "$B"
else
    echo "-- bytes on the wire: skipped (needs $B/quejie, $B/quejie-office and $B/qj_fill)"
fi
