#!/usr/bin/env python3
"""Instruction counts of Lox interpreters under callgrind (standard library only).

Wall-clock times on a shared machine move by several percent from run to run; the
number of instructions a program executes does not. This script runs each program of
bench/small/ (short versions of the benchmarks, which finish in seconds even under
valgrind) once per interpreter under `valgrind --tool=callgrind` and prints a Markdown
table of the totals in millions, with each interpreter's ratio to the first one and the
geometric mean of the ratios.

Usage:
    python3 bench/instructions.py [--interp NAME=CMD ...] [FILES ...]

Without --interp, the interpreter is the release build's lox (or $LOX). Without FILES,
the programs are bench/small/*.lox. Every interpreter must print the same output, but
for the lines bench/run.py takes for timings.
"""

import argparse
import glob
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, BENCH_DIR)
import run  # noqa: E402  (the benchmark script: its output normalization)

REPO_DIR = os.path.dirname(BENCH_DIR)
TOTAL = re.compile(r"^summary:\s*(\d+)", re.MULTILINE)


def release_lox():
    """The release build's lox: target/<host triple>/release/lox (builds name their
    target, see .cargo/config.toml), else target/release/lox."""
    for path in sorted(glob.glob(os.path.join(REPO_DIR, "target", "*", "release", "lox"))):
        return path
    return os.path.join(REPO_DIR, "target", "release", "lox")


def count(argv, path):
    """Runs one program under callgrind: (instructions, stdout)."""
    with tempfile.TemporaryDirectory() as tmp:
        out_file = os.path.join(tmp, "callgrind.out")
        run = subprocess.run(
            ["valgrind", "--tool=callgrind", "--callgrind-out-file=" + out_file] + argv + [path],
            capture_output=True, text=True)
        if run.returncode != 0:
            sys.exit("instructions.py: %s failed on %s:\n%s" % (argv[0], path, run.stderr[-2000:]))
        with open(out_file) as f:
            match = TOTAL.search(f.read())
        if not match:
            sys.exit("instructions.py: no total in callgrind's output for %s" % path)
        return int(match.group(1)), run.stdout


def main():
    ap = argparse.ArgumentParser(description="Instruction counts under callgrind.")
    ap.add_argument("--interp", action="append", default=[], metavar="NAME=CMD",
                    help="an interpreter; repeat for several (default: lox=the release build)")
    ap.add_argument("files", nargs="*")
    args = ap.parse_args()
    specs = args.interp or ["lox=" + shlex.quote(os.environ.get("LOX", release_lox()))]
    interps = []
    for spec in specs:
        name, sep, cmd = spec.partition("=")
        if not sep or not name or not cmd.strip():
            sys.exit("instructions.py: --interp wants NAME=CMD, got %r" % spec)
        interps.append((name, shlex.split(cmd)))
    files = args.files or sorted(glob.glob(os.path.join(BENCH_DIR, "small", "*.lox")))
    if not files:
        sys.exit("instructions.py: no programs")

    names = [n for n, _ in interps]
    print("| program | " + " | ".join("%s (M)" % n for n in names) +
          "".join(" | %s/%s" % (n, names[0]) for n in names[1:]) + " |")
    print("|---|" + "---:|" * (2 * len(names) - 1))
    ratios = {n: [] for n in names[1:]}
    for path in files:
        counts = []
        outputs = []
        for _, argv in interps:
            total, stdout = count(argv, path)
            counts.append(total)
            outputs.append(stdout)
        # Timing lines (the full benchmarks print their own time) are left out, as
        # bench/run.py leaves them out.
        outputs = [run.normalize(o) for o in outputs]
        if any(o != outputs[0] for o in outputs):
            sys.exit("instructions.py: the interpreters print different output for %s" % path)
        cells = ["%.1f" % (c / 1e6) for c in counts]
        for n, c in zip(names[1:], counts[1:]):
            ratios[n].append(c / counts[0])
            cells.append("%.3f" % (c / counts[0]))
        print("| %s | %s |" % (os.path.basename(path), " | ".join(cells)))
    for n in names[1:]:
        mean = math.exp(sum(math.log(r) for r in ratios[n]) / len(ratios[n]))
        print("\ngeometric mean of %s/%s: %.3f" % (n, names[0], mean))


if __name__ == "__main__":
    main()
