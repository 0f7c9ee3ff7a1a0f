#!/usr/bin/env python3
"""Compile benchmarks: how fast, and in how much memory, programs compile.

Generates programs of several shapes and sizes, in Lox and translated to Lua, and
measures, interleaved and side by side in one run:

- `lox compile FILE -o OUT`: source to verified bytecode, written to a file;
- `lox verify OUT`: loading and verifying that bytecode file;
- `luac5.4 -p FILE.lua`: Lua 5.4's compiler alone, when it is installed.

For each it prints the median wall time, lines a second, and peak RSS above an empty
run of the same command (the process's start-up footprint), with the ratio of that
memory to the source's size. The shapes (see `SHAPES`):

- funcs:    many small functions, each with a `var`, an `if`/`else` and a `while`,
            each called from the top level;
- straight: one function whose body is one long run of `s = s + 5 * 2 - 1;`;
- toplevel: `a = a + 1;` at the top level, line after line;
- classes:  classes with an initializer, fields, methods, strings and `for` loops.

With --stages, it then runs `stage-stats` (tools/stagestats, built on demand) on the
largest program of each shape: the time, heap allocated and peak heap of each stage of
the pipeline, as the compiler section of docs/performance.md shows them.

Usage:
    python3 bench/compile.py [--sizes 1000,100000,1000000] [--shapes a,b]
                             [--runs N] [--lox PATH] [--keep DIR] [--markdown FILE]
                             [--stages]

Sizes are in lines (a program is cut at the first whole unit past the size). The
generated programs go to a temporary directory, or to --keep DIR to look at them.
"""

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run import Runner, release_lox  # noqa: E402


# ---- the shapes ----------------------------------------------------------------


def funcs(i):
    lox = (
        f"fun f{i}(n) {{\n"
        f"  var x = n + {i % 7};\n"
        f"  if (x > 10) {{ x = x - 1; }} else {{ x = x + 1; }}\n"
        f"  while (x > 0) {{ x = x - 3; }}\n"
        f"  return x;\n"
        f"}}\n"
        f"print f{i}({i % 13});\n"
    )
    lua = (
        f"function f{i}(n)\n"
        f"  local x = n + {i % 7}\n"
        f"  if x > 10 then x = x - 1 else x = x + 1 end\n"
        f"  while x > 0 do x = x - 3 end\n"
        f"  return x\n"
        f"end\n"
        f"print(f{i}({i % 13}))\n"
    )
    return lox, lua


def classes(i):
    lox = (
        f"class Point{i} {{\n"
        f"  init(x, y) {{ this.x = x; this.y = y; this.name = \"p{i}\"; }}\n"
        f"  sum() {{\n"
        f"    var total = 0;\n"
        f"    for (var k = 0; k < 3; k = k + 1) total = total + this.x * k + this.y;\n"
        f"    return total;\n"
        f"  }}\n"
        f"  label() {{ return this.name + \":\" + \"point\"; }}\n"
        f"}}\n"
        f"print Point{i}({i}, 2).sum();\n"
    )
    lua = (
        f"Point{i} = {{}}\n"
        f"Point{i}.__index = Point{i}\n"
        f"function Point{i}.new(x, y) return setmetatable({{x = x, y = y, name = \"p{i}\"}}, Point{i}) end\n"
        f"function Point{i}:sum()\n"
        f"  local total = 0\n"
        f"  for k = 0, 2 do total = total + self.x * k + self.y end\n"
        f"  return total\n"
        f"end\n"
        f"function Point{i}:label() return self.name .. \":\" .. \"point\" end\n"
        f"print(Point{i}.new({i}, 2):sum())\n"
    )
    return lox, lua


SHAPES = {
    # name: (prologue, one unit, epilogue), each a (lox, lua) pair.
    "funcs": (("", ""), funcs, ("", "")),
    "straight": (
        ("fun main() {\n  var s = 0;\n", "function main()\n  local s = 0\n"),
        lambda i: ("  s = s + 5 * 2 - 1;\n", "  s = s + 5 * 2 - 1\n"),
        ("  return s;\n}\nprint main();\n", "  return s\nend\nprint(main())\n"),
    ),
    "toplevel": (
        ("var a = 0;\n", "a = 0\n"),
        lambda i: ("a = a + 1;\n", "a = a + 1\n"),
        ("print a;\n", "print(a)\n"),
    ),
    "classes": (("", ""), classes, ("", "")),
}


def generate(shape, lines, directory):
    """Writes the shape at about `lines` lines, in Lox and Lua; returns both paths and
    the Lox program's line count."""
    (pro_lox, pro_lua), unit, (epi_lox, epi_lua) = SHAPES[shape]
    base = os.path.join(directory, f"{shape}_{lines}")
    count = pro_lox.count("\n") + epi_lox.count("\n")
    with open(base + ".lox", "w") as lox, open(base + ".lua", "w") as lua:
        lox.write(pro_lox)
        lua.write(pro_lua)
        i = 0
        while count < lines:
            unit_lox, unit_lua = unit(i)
            lox.write(unit_lox)
            lua.write(unit_lua)
            count += unit_lox.count("\n")
            i += 1
        lox.write(epi_lox)
        lua.write(epi_lua)
    return base + ".lox", base + ".lua", count


# ---- measuring -----------------------------------------------------------------


def fmt_rate(lines, seconds):
    rate = lines / seconds if seconds > 0 else float("inf")
    if rate >= 1e6:
        return f"{rate / 1e6:.2f} M"
    return f"{rate / 1e3:.0f} k"


def fmt_mb(kb):
    return f"{kb / 1024:.1f} MB"


def stage_stats():
    """The stage-stats binary of the release build, built if needed."""
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "loxide-stagestats"],
                   cwd=repo, check=True)
    lox = release_lox()
    return os.path.join(os.path.dirname(lox), "stage-stats")


def stage_tables(programs, sizes):
    """Each shape's largest program through `stage-stats`, one table after another."""
    binary = stage_stats()
    out = []
    for shape, size, lox, lua, lines, nbytes in programs:
        if size != max(sizes):
            continue
        run = subprocess.run([binary, lox], capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit(f"stage-stats failed on {lox}:\n{run.stderr[:2000]}")
        out.append(f"\n{shape}: " + run.stdout.split(": ", 1)[1])
    return "".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--shapes", default=",".join(SHAPES))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--lox", default=os.environ.get("LOX") or release_lox())
    parser.add_argument("--luac", default=shutil.which("luac5.4") or shutil.which("luac"))
    parser.add_argument("--keep")
    parser.add_argument("--markdown")
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--stages", action="store_true")
    args = parser.parse_args()

    if not os.path.exists(args.lox):
        sys.exit(f"no lox binary at {args.lox}: run `cargo build --release` first")
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    for shape in shapes:
        if shape not in SHAPES:
            sys.exit(f"unknown shape {shape}; the shapes are {', '.join(SHAPES)}")

    directory = args.keep or tempfile.mkdtemp(prefix="lox-compile-bench-")
    os.makedirs(directory, exist_ok=True)
    runner = Runner(args.timeout)
    if not runner.clean_rss:
        print("note: peak RSS includes this script's footprint (no subreaper here)")

    empty_lox = os.path.join(directory, "empty.lox")
    empty_lua = os.path.join(directory, "empty.lua")
    open(empty_lox, "w").close()
    open(empty_lua, "w").close()
    empty_out = os.path.join(directory, "empty.loxc")

    def lox_compile(path, out):
        return [args.lox, "compile", path, "-o", out]

    def lox_verify(out):
        return [args.lox, "verify", out]

    def luac(path):
        return [args.luac, "-p", path]

    # Baselines: the footprint of each command on an empty program.
    runner.run(lox_compile(empty_lox, empty_out))
    base = {
        "compile": runner.run(lox_compile(empty_lox, empty_out)).rss_kb,
        "verify": runner.run(lox_verify(empty_out)).rss_kb,
    }
    if args.luac:
        base["luac"] = runner.run(luac(empty_lua)).rss_kb
    else:
        print("note: no luac5.4 on PATH; Lua's column is left out")

    programs = []
    for shape in shapes:
        for size in sizes:
            lox, lua, lines = generate(shape, size, directory)
            programs.append((shape, size, lox, lua, lines, os.path.getsize(lox)))

    results = {}  # (program index, tool) -> [Result]
    for run in range(args.runs):
        for index, (shape, size, lox, lua, lines, nbytes) in enumerate(programs):
            out = lox[:-4] + ".loxc"
            tools = [("compile", lox_compile(lox, out)), ("verify", lox_verify(out))]
            if args.luac:
                tools.append(("luac", luac(lua)))
            if run % 2:
                tools.reverse()
                tools.insert(0, tools.pop())  # compile must come before verify
            for tool, argv in tools:
                result = runner.run(argv)
                if result.status != 0 and tool != "luac":
                    sys.exit(f"{' '.join(argv)} failed ({result.status}):\n{result.stderr[:2000]}")
                results.setdefault((index, tool), []).append(result)

    header = ("| program | lines | source | lox compile | lines/s | memory (× source) "
              "| lox verify | luac5.4 -p | lines/s | memory | compile / luac | verify / compile |")
    rows = [header, "|" + "---|" * (header.count("|") - 1)]
    for index, (shape, size, lox, lua, lines, nbytes) in enumerate(programs):
        def median(tool, field):
            return statistics.median(getattr(r, field) for r in results[(index, tool)])

        def extra_kb(tool):
            return max(0, median(tool, "rss_kb") - base[tool])

        compile_s = median("compile", "wall")
        verify_s = median("verify", "wall")
        row = [
            shape, f"{lines:,}", fmt_mb(nbytes / 1024),
            f"{compile_s:.3f} s", fmt_rate(lines, compile_s),
            f"{fmt_mb(extra_kb('compile'))} ({extra_kb('compile') * 1024 / nbytes:.2f}×)",
            f"{verify_s:.3f} s",
        ]
        failed = [r for r in results.get((index, "luac"), []) if r.status != 0]
        if args.luac and failed:
            # Lua's own limits (luac 5.4 refuses more than 131,071 functions in a chunk).
            reason = failed[0].stderr.strip().splitlines()[-1].split(": ", 1)[-1]
            row += [f"fails: {reason}", "", "", ""]
        elif args.luac:
            luac_s = median("luac", "wall")
            row += [f"{luac_s:.3f} s", fmt_rate(lines, luac_s), fmt_mb(extra_kb("luac")),
                    f"{compile_s / luac_s:.2f}"]
        else:
            row += ["", "", "", ""]
        row.append(f"{verify_s / compile_s:.3f}")
        rows.append("| " + " | ".join(row) + " |")
    table = "\n".join(rows)
    print(table)
    if args.stages:
        stages = stage_tables(programs, sizes)
        print(stages)
        table += "\n" + stages
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(table + "\n")
    if not args.keep:
        shutil.rmtree(directory)


if __name__ == "__main__":
    main()
