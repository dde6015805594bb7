#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Fail on the calls this project does not use (../shared/docs/style.md).

Unbounded string functions (sprintf, vsprintf, strcpy, strcat, gets), ones
with hidden state or no error reporting (strtok, atoi, atol), a shell
(system, popen) and the blocking curl_easy_perform.  Comments and string
and character literals are blanked first, keeping line numbers, so prose
such as "a read-only file system (EROFS)" is no call.

    check-banned.py [FILE...]   default: every .c and .h under src/
"""
import os
import re
import sys

BANNED = ("sprintf", "vsprintf", "strcpy", "strcat", "strtok", "atoi", "atol", "gets",
          "system", "popen", "curl_easy_perform")
CALL = re.compile(r"\b(" + "|".join(BANNED) + r")\s*\(")
# One alternation, scanned left to right, so a quote inside a comment or a
# comment marker inside a string is taken for what it is inside.
LEXEME = re.compile(r"/\*.*?\*/|//[^\n]*|\"(?:\\.|[^\"\\\n])*\"|'(?:\\.|[^'\\\n])*'", re.S)


def blank(match):
    text = match.group(0)
    return re.sub(r"[^\n]", " ", text)


def check(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        code = LEXEME.sub(blank, f.read())
    hits = []
    for lineno, line in enumerate(code.split("\n"), 1):
        for m in CALL.finditer(line):
            hits.append(f"{path}:{lineno}:{m.start() + 1}: {m.group(1)}() is not used in this project")
    return hits


def main(argv):
    top = os.environ.get("top_srcdir") or os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
    files = argv[1:]
    if not files:
        src = os.path.join(top, "src")
        files = sorted(os.path.join(src, n) for n in os.listdir(src) if n.endswith((".c", ".h")))
    if len(files) == 0:
        print("check-banned: no files found")
        return 1
    hits = [h for f in files for h in check(f)]
    for h in hits:
        print(h)
    print(f"check-banned: {len(files)} files checked, {len(hits)} banned calls")
    return 1 if hits else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
