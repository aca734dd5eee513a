#!/usr/bin/env bash
# Build the libFuzzer targets (clang, -DQUEJIE_FUZZ=ON, into build-fuzz/) and run each for a
# while, one after the other. Usage (from the repository root):
#   bash tests/fuzz/run.sh [SECONDS_EACH] [TARGET...]     (default 60 s, every target)
# New corpus entries go to $FUZZ_OUT/NAME (default build-fuzz/corpus-out/NAME), never into the
# source tree; crashes to $FUZZ_OUT/NAME-crash-*. A crash worth keeping is copied by hand into
# tests/fuzz/regress/NAME/ (named after what it found) once fixed: see docs/fuzzing.md.
set -euo pipefail
SECS=${1:-60}
shift || true
BUILD=${FUZZ_BUILD:-build-fuzz}
OUT=${FUZZ_OUT:-$BUILD/corpus-out}
if [ $# -gt 0 ]; then
    TARGETS=("$@")
else
    TARGETS=()
    for f in tests/fuzz/fuzz_*.c; do
        n=$(basename "$f" .c)
        TARGETS+=("${n#fuzz_}")
    done
fi
CC=${CC:-clang} cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DQUEJIE_FUZZ=ON >/dev/null
cmake --build "$BUILD" -j "${JOBS:-2}" --target $(printf 'fuzz_%s ' "${TARGETS[@]}") >/dev/null
# The targets' scratch files (fixture.h) in one directory removed afterwards, crash or not.
SCRATCH=$(mktemp -d "$( [ -w /dev/shm ] && echo /dev/shm || echo "${TMPDIR:-/tmp}")/qj-run-XXXXXX")
trap 'rm -rf "$SCRATCH"' EXIT
export QJ_FUZZ_DIR=$SCRATCH
status=0
for t in "${TARGETS[@]}"; do
    dirs=()
    for d in tests/fuzz/corpus/$t tests/fuzz/regress/$t tests/fixtures/$t; do
        [ -d "$d" ] && dirs+=("$d")
    done
    mkdir -p "$OUT/$t"
    echo "== fuzz_$t: ${SECS}s over ${dirs[*]}"
    if ! ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$BUILD/fuzz_$t" -max_total_time="$SECS" \
        -print_final_stats=1 -artifact_prefix="$OUT/$t-" "$OUT/$t" "${dirs[@]}" \
        >"$OUT/$t.log" 2>&1; then
        status=1
        echo "   FOUND something: $OUT/$t.log"
        grep -E "^(SUMMARY|==[0-9]+==ERROR)|artifact_prefix|Test unit written" "$OUT/$t.log" | head -5
    fi
    grep -E "INITED|DONE" "$OUT/$t.log" | sed 's/^/   /'
done
exit $status
