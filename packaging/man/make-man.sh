#!/bin/sh
# make-man.sh BINDIR OUTDIR: the manual pages, from packaging/man/PROG.1.in with @SYNOPSIS@
# filled in from `BINDIR/PROG --help` (its usage lines, up to the first blank line), so the
# synopsis is always the one the program itself prints. @VERSION@ from `PROG --version`.
set -eu
bin=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
for in in "$here"/*.1.in; do
    prog=$(basename "$in" .1.in)
    syn=$(mktemp)
    "$bin/$prog" --help | sed -n '/^usage:$/d; s/^usage: //; /^$/q; p' |
        sed 's/\\/\\e/g; s/-/\\-/g; s/^[.'"'"']/\\\&&/' >"$syn"
    [ -s "$syn" ] || { echo "make-man: $prog --help printed no usage" >&2; exit 1; }
    ver=$("$bin/$prog" --version | awk '{ print $2 }')
    awk -v syn="$syn" -v ver="$ver" '
        /^@SYNOPSIS@$/ { print ".nf"; while ((getline l < syn) > 0) print l; print ".fi"; next }
        { gsub(/@VERSION@/, ver); print }' "$in" >"$out/$prog.1"
    rm -f "$syn"
done
