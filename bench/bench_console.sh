#!/bin/bash
# bench_console.sh - the county office console under load: the overview data for 5,000 units and
# 100 devices, and pages while 50 tablets sync. What is measured and how: bench/bench_console.py.
#
#   bash bench/bench_console.sh BUILD_DIR
#
# Prints figures and ratios against baselines measured in the same run; never passes or fails.
set -u
B=${1:-build}
B=$(cd "$B" && pwd) || { echo "bench_console: no build directory $1"; exit 1; }
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
for x in quejie quejie-office qj_fill bench_console_setup; do
    [ -x "$B/$x" ] || { echo "bench_console: skipped ($B/$x is not built)"; exit 0; }
done
command -v openssl >/dev/null || { echo "bench_console: skipped (no openssl)"; exit 0; }
T=$(mktemp -d "${BENCH_DIR:-/tmp}/qj-bench-console-XXXXXX")
cleanup() {
    [ -s "$T/server.pid" ] && kill -9 "$(cat "$T/server.pid")" 2>/dev/null
    [ -n "${QJ_BENCH_KEEP:-}" ] && echo "kept $T" || rm -rf "$T"
}
trap cleanup EXIT
"$PY" "$ROOT/bench/bench_console.py" "$B" "$T"
