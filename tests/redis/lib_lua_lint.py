#!/usr/bin/env python3
"""lib.lua's top level runs once per Function library load, not per call (docs/redis.md,
"How the scripts run"), so it may hold constants and functions only: a value computed
there from KEYS / ARGV / redis.call, or a table a call then fills, would be stale or shared
between calls, and only in the Function way. This check reads the top level of lib.lua
(statements starting in column 0) and fails on anything else:

  - `local NAMES` without a value, and `local NAMES = literal, ...` (numbers, strings,
    booleans, non-empty tables of those: read-only by convention; an empty table is
    a list some call fills);
  - `local function` and `NAME = function(...)` (a forward-declared function);
  - comments, blank lines, and the lines inside functions (indented, or `end`).

    python3 tests/redis/lib_lua_lint.py [lib.lua]
"""
import re
import sys

path = sys.argv[1] if len(sys.argv) > 1 else "src/store/redis/scripts/lib.lua"
lines = open(path, encoding="utf-8").read().split("\n")
LITERALS = re.compile(r"""^(\s|,|\{|\}|-?\d+(\.\d+)?|true|false|nil|'[^']*'|"[^"]*")*$""")
problems = []
i = 0
depth = 0  # inside a top-level function (counted by indentation: lib.lua indents bodies)
while i < len(lines):
    line = lines[i]
    code = line.split("--", 1)[0].rstrip() if not line.lstrip().startswith("--") else ""
    if not code or line[0] in " \t" or code == "end":
        i += 1
        continue
    statement = code
    # a declaration continued on indented lines (a long table or name list)
    while (statement.count("{") > statement.count("}") or statement.endswith(",")) \
            and i + 1 < len(lines) and lines[i + 1][:1] in (" ", "\t"):
        i += 1
        statement += " " + lines[i].split("--", 1)[0].strip()
    if statement.startswith("local function ") or re.match(r"^[A-Za-z_]\w* = function\(", statement):
        pass
    elif re.match(r"^local [A-Za-z_][\w, ]*$", statement):
        pass  # declared without a value: set by begin_call
    elif m := re.match(r"^local [A-Za-z_][\w, ]* = (.*)$", statement):
        # An empty table is a list some call fills: per-call state.
        if not LITERALS.match(m.group(1)) or re.search(r"\{\s*\}", m.group(1)):
            problems.append(f"{path}:{i + 1}: a top-level value that is not a literal: {statement}")
    else:
        problems.append(f"{path}:{i + 1}: a top-level statement that runs at load: {statement}")
    i += 1
for p in problems:
    print(p)
if problems:
    print("lib.lua's top level may hold constants and functions only; set a call's state "
          "in begin_call (docs/hacking.md)")
    sys.exit(1)
print(f"{path}: the top level holds constants and functions only")
