#!/bin/bash
# The shared acceptance script of the foundation issue, against this build.
set -u
: "${QJ_SOURCE:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${QJ_SHARED:=$QJ_SOURCE/../shared}"
S=$QJ_SHARED/acceptance/contract-foundation.sh
if [ ! -x "$S" ]; then echo "no $S: skipped"; echo "0 passed, 0 failed"; exit 0; fi
cd "$QJ_SOURCE" && QUEJIE=$QUEJIE bash "$S"
