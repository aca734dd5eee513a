#!/usr/bin/env python3
"""Check that each C file includes only what docs/architecture.md allows it.

The rules are the table between the markers `<!-- includes:begin -->` and `<!-- includes:end -->`
in docs/architecture.md: each row names files (globs, first matching row wins) and the headers
they may include beyond the C library and POSIX (globs too). The document is the one place the
rule lives; this script only reads it. Every C file under survey/, sync/, cli/ and app/ must be
covered by a row. Prints each violation as FILE:LINE: message; exit status 1 when any.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "architecture.md"
DIRS = ["survey", "sync", "cli", "app"]

# The C library and POSIX: allowed everywhere.
SYSTEM = set("""
assert.h ctype.h errno.h float.h inttypes.h limits.h locale.h math.h setjmp.h signal.h stdarg.h
stdbool.h stddef.h stdint.h stdio.h stdlib.h string.h strings.h time.h wchar.h
arpa/inet.h fcntl.h ftw.h netdb.h netinet/in.h poll.h pthread.h regex.h unistd.h dirent.h mntent.h
sys/file.h sys/socket.h sys/stat.h sys/types.h sys/time.h sys/wait.h sys/mman.h sys/statvfs.h
""".split())


def glob_match(name, pattern):
    """fnmatch with `*` not crossing a `/`: `survey/*.h` is a public header, `*.h` a sibling."""
    rx = "".join("[^/]*" if c == "*" else "[^/]" if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(rx, name) is not None


def rules():
    text = DOC.read_text(encoding="utf-8")
    m = re.search(r"<!-- includes:begin -->(.*?)<!-- includes:end -->", text, re.S)
    if not m:
        sys.exit(f"{DOC}: no includes table (markers <!-- includes:begin/end -->)")
    out = []
    for line in m.group(1).splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or not cells[0].startswith("`"):
            continue
        files = re.findall(r"`([^`]+)`", cells[0])
        allowed = re.findall(r"`([^`]+)`", cells[1])
        out.append((files, allowed))
    if not out:
        sys.exit(f"{DOC}: the includes table has no rows")
    return out


def main():
    table = rules()
    bad = 0
    for d in DIRS:
        for path in sorted((ROOT / d).rglob("*.[ch]")):
            rel = path.relative_to(ROOT).as_posix()
            row = next((r for r in table if any(glob_match(rel, g) for g in r[0])), None)
            if row is None:
                print(f"{rel}: no row of the includes table in docs/architecture.md covers it")
                bad += 1
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                m = re.match(r'\s*#\s*include\s*([<"])([^>"]+)[>"]', line)
                if not m:
                    continue
                hdr = m.group(2)
                if m.group(1) == "<" and hdr in SYSTEM:
                    continue
                if any(glob_match(hdr, a) for a in row[1]):
                    continue
                shown = f"<{hdr}>" if m.group(1) == "<" else f'"{hdr}"'
                rule = ", ".join(row[0])
                print(f"{rel}:{n}: includes {shown}, which docs/architecture.md does not allow"
                      f" for {rule}")
                bad += 1
    if bad:
        print(f"check-includes: {bad} violation(s)")
        return 1
    print("check-includes: every file includes only what docs/architecture.md allows")
    return 0


if __name__ == "__main__":
    sys.exit(main())
