#!/bin/bash
# The shared acceptance scripts of the foundation and core issues, against this build: optional,
# they live beside the project (../shared/acceptance, or $QJ_SHARED/acceptance) and a fresh
# clone on its own skips them, saying so.
set -u
: "${QJ_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${QJ_SHARED:=$QJ_SOURCE/../shared}"
rc=0
ran=0
for name in contract-foundation contract-core; do
    S=$QJ_SHARED/acceptance/$name.sh
    if [ ! -f "$S" ]; then
        echo "no $S: skipped (the acceptance scripts are optional)"
        continue
    fi
    echo "== $name"
    (cd "$QJ_SOURCE" && QUEJIE=$QUEJIE QUEJIE_OFFICE=${QUEJIE_OFFICE:-} bash "$S") || rc=1
    ran=$((ran + 1))
done
[ "$ran" -gt 0 ] || echo "0 passed, 0 failed"
exit $rc
