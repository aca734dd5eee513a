#!/bin/bash
# update-po.sh - refresh the app's translations from its sources: extract every _() and N_()
# string of app/*.c into a template, merge it into each assets/locale/*.po (new strings come in
# untranslated, strings gone from the sources are dropped, nothing is guessed: no fuzzy
# matching), and say what is left to translate. Locations are file names only, so that editing
# a source file does not make every comment after it stale (and merges of the .po stay small).
#   bash scripts/update-po.sh          # then translate what it lists; make test checks the rest
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
POT=$(mktemp --suffix=.pot)
trap 'rm -f "$POT"' EXIT
xgettext --keyword=_ --keyword=N_ --from-code=UTF-8 --add-location=file --sort-by-file \
    --package-name=quejie -o "$POT" app/*.c
for po in assets/locale/*.po; do
    msgmerge --quiet --update --backup=none --no-fuzzy-matching --add-location=file \
        --sort-by-file "$po" "$POT"
    msgattrib --no-obsolete -o "$po" "$po"
    left=$(msgattrib --untranslated --no-obsolete "$po" | grep -c '^msgid "[^"]' || true)
    echo "$po: $(msgfmt --statistics -o /dev/null "$po" 2>&1); $left untranslated"
done
