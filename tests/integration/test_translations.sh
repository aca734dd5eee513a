#!/bin/bash
# Every string the app marks for translation (_() and N_() in app/*.c, and the library's refusals
# a crew reads on the tablet, SV_T() in survey/src/record.c; found by xgettext) has a Simplified
# Chinese translation in assets/locale/zh_CN.po, and the catalogue compiles cleanly:
# Chinese is the crew's default, so an untranslated string is an English word on their screen.
source "$(dirname "$0")/lib.sh"
PO=$QJ_SOURCE/assets/locale/zh_CN.po
( cd "$QJ_SOURCE" && xgettext --from-code=UTF-8 -k_ -kN_ -kSV_T -kSV_N -o "$T/quejie.pot" app/*.c survey/src/record.c 2>"$T/xg.err" ) \
    && ok "xgettext reads the app's sources" || fail "xgettext failed"
N=$(($(grep -c '^msgid ' "$T/quejie.pot") - 1)) # less the header
[ "$N" -ge 100 ] && ok "$N strings marked in app/*.c" || fail "only $N strings found in app/*.c"
# msgcmp ignores untranslated entries of the .po: each of those is reported as missing.
if msgcmp "$PO" "$T/quejie.pot" 2>"$T/err"; then
    ok "every marked string has a zh_CN translation"
else
    # "POT:N: ... used but not defined" (no entry) and "PO:N: ... untranslated" (empty msgstr)
    missing=$( { grep -o 'quejie.pot:[0-9]*: this message is used but not defined' "$T/err" |
                   cut -d: -f2 | while read -r n; do sed -n "${n}p" "$T/quejie.pot"; done
               grep -o 'zh_CN.po:[0-9]*: this message is untranslated' "$T/err" |
                   cut -d: -f2 | while read -r n; do sed -n "$((n - 1))p" "$PO"; done; } |
             head -5 | tr '\n' ' ')
    fail "untranslated in zh_CN.po: $missing"
fi
msgfmt --check -o /dev/null "$PO" 2>"$T/err" && ok "zh_CN.po compiles with --check (formats match)" || fail "msgfmt: $(head -2 "$T/err")"
# The check can fail: a catalogue missing one string the sources use is caught.
awk 'BEGIN{skip=0} /^msgid "Quejie cannot start"$/{skip=2} skip>0{skip--; next} {print}' "$PO" >"$T/short.po"
msgcmp "$T/short.po" "$T/quejie.pot" 2>/dev/null && fail "a catalogue missing a string passed" || ok "a catalogue missing a string is caught"
finish
