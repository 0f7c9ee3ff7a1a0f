#!/usr/bin/env python3
"""Benchmark runner for Lox interpreters (standard library only).

Runs every benchmark with every interpreter, several times, interleaved:

    for run in 1..N:
        for benchmark in benchmarks:
            for interpreter in interpreters:   # order rotates every run
                run it once

and for each run records the wall time, the CPU time (user + system) and the
peak resident set size of the interpreter's process. It checks that every
interpreter prints the same thing as the first one (ignoring timing lines,
see `normalize`) and exits with the same status, and prints a Markdown table
of medians, with the ratio of each interpreter's time to the baseline's and
the geometric mean of those ratios.

Usage:
    python3 bench/run.py [--runs N] [--interp NAME=CMD ...] [--baseline NAME]
                         [--dir DIR ...] [--metric wall|cpu|both] [--empty]
                         [--with-lua] [--lua-dir DIR] [--ratio A/B ...]
                         [--pauses [--live N]]
                         [--markdown FILE] [--check] [FILES ...]

Without FILES, the benchmarks are bench/*.lox but for bench/pauses.lox (see
NOT_IN_DEFAULT_SET); FILES replaces that default
and --dir DIR adds every DIR/*.lox to whichever set is chosen. Without
--interp, the interpreters are lox=the release build's lox (or $LOX) and, when the
environment variable CLOX names a clox binary, clox=$CLOX. CMD may hold
arguments (`--interp 'lox=path/to/lox --limits=clox'`); the benchmark
file is appended to it. An interpreter named by a bare command that is not on
PATH is left out, with a note.

Lua: `--interp 'NAME=lua:CMD'` names a Lua interpreter. It runs each
benchmark's Lua translation instead of the Lox file (see `lua_translation`:
bench/X.lox -> bench/lua/X.lua, the book's test/benchmark/X.lox ->
bench/lua/book/X.lua); a benchmark without one is skipped for it, with a
note. `--with-lua` adds `lua5.4=lua:lua5.4` and `luajit=lua:luajit -joff`
(LuaJIT's interpreter, its compiler off). `--ratio A/B` adds a column of A's
time over B's (e.g. `--ratio lox/luajit`).

Pauses: `--pauses` runs only bench/pauses.lox (and its translation), and
after the time table prints each interpreter's collector pauses as the
program reports them; `--live N` sets the size of its long-lived tree.

Peak RSS on Linux: a child forked from this Python process would carry
Python's own memory into its peak (the kernel keeps the largest footprint a
process had across exec). So each benchmark process is started by a tiny
/bin/sh that puts it in the background and exits; this script is the
"child subreaper" that collects it, and gets its own clean resource usage.
Elsewhere it falls back to a plain fork/exec and says that RSS includes the
runner's footprint. Either way every time includes ~1 ms of process launch.
"""

import argparse
import ctypes
import glob
import math
import os
import platform
import re
import shlex
import shutil
import signal
import statistics
import sys
import tempfile
import time

BENCH_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(BENCH_DIR)

# Benchmarks that run for a fixed time and report how much work they did.
# name -> (index of the stdout line with the amount of work, unit). Their
# output depends on speed, so it is not compared; the time reported is
# time per unit of work.
FIXED_TIME = {
    "zoo_batch": (1, "batch"),
}

# Benchmarks of bench/ left out of the default set: the pause benchmark runs
# for seconds per interpreter and measures pauses, not throughput (--pauses).
NOT_IN_DEFAULT_SET = {"pauses"}

# The pause benchmark and the labels of the lines it prints before its
# measurements (label -> key), in milliseconds of CPU time; see bench/pauses.lox.
PAUSES_FILE = os.path.join(BENCH_DIR, "pauses.lox")
PAUSE_LABELS = {"median iteration ms": "median", "p99 pause ms": "p99",
                "max pause ms": "max"}

# Lua translations live under LUA_DIR (see `lua_translation`); a folder of
# benchmarks other than bench/ has a subfolder there, named after the folder or
# as LUA_FOLDERS says (the book's test/benchmark is `book`).
LUA_DIR = os.path.join(BENCH_DIR, "lua")
LUA_FOLDERS = {"benchmark": "book"}
LUA_PREFIX = "lua:"
WITH_LUA = ["lua5.4=lua:lua5.4", "luajit=lua:luajit -joff"]

NUMBER = re.compile(r"^-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$")
TIMING_LABELS = {"elapsed", "loop", "equals", "time", "seconds"} | set(PAUSE_LABELS)


def release_lox():
    """The release build's `lox`: builds name their target (`.cargo/config.toml`), so it
    is target/<host triple>/release/lox; target/release/lox when built otherwise."""
    for path in sorted(glob.glob(os.path.join(REPO_DIR, "target", "*", "release", "lox"))):
        return path
    return os.path.join(REPO_DIR, "target", "release", "lox")


def is_number(line):
    return NUMBER.match(line.strip()) is not None


def normalize(stdout):
    """Lines of output, with lines that look like timing replaced by <time>.

    Timing-like lines: any line containing "elapsed"; a lone number right
    after a label line such as "loop", "equals" or "elapsed:"; and a lone
    number on the last line. So a program's own checksum must not be a lone
    number on its last line: print the time after it, or something else.
    """
    lines = stdout.splitlines()
    out = []
    for i, line in enumerate(lines):
        prev = lines[i - 1].strip().lower().rstrip(":") if i > 0 else ""
        if "elapsed" in line.lower():
            out.append("<time>")
        elif is_number(line) and (prev in TIMING_LABELS or i == len(lines) - 1):
            out.append("<time>")
        else:
            out.append(line)
    return out


# ---- running one process ----------------------------------------------------

PR_SET_CHILD_SUBREAPER = 36


def enable_subreaper():
    if not sys.platform.startswith("linux") or not os.path.exists("/bin/sh"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


class Result:
    def __init__(self, wall, cpu, rss_kb, status, stdout, stderr, timed_out):
        self.wall = wall
        self.cpu = cpu
        self.rss_kb = rss_kb
        self.status = status  # exit code, or -signal
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out


class Runner:
    def __init__(self, timeout):
        self.timeout = timeout
        self.clean_rss = enable_subreaper()
        self.pgid = None
        self.timed_out = False
        signal.signal(signal.SIGALRM, self._on_alarm)

    def _on_alarm(self, signum, frame):
        self.timed_out = True
        self.kill()

    def kill(self):
        if self.pgid is not None:
            try:
                os.killpg(self.pgid, signal.SIGKILL)
            except OSError:
                pass

    def run(self, argv):
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            devnull = os.open(os.devnull, os.O_RDONLY)
            self.timed_out = False
            start = time.perf_counter()
            child = os.fork()
            if child == 0:  # pragma: no cover - child side
                try:
                    os.setpgid(0, 0)
                    os.dup2(devnull, 0)
                    os.dup2(out.fileno(), 1)
                    os.dup2(err.fileno(), 2)
                    if self.clean_rss:
                        os.execv("/bin/sh", ["sh", "-c", '"$@" &', "sh"] + argv)
                    else:
                        os.execvp(argv[0], argv)
                except BaseException as e:  # noqa: BLE001
                    os.write(2, ("cannot run %s: %s\n" % (argv[0], e)).encode())
                os._exit(127)
            os.close(devnull)
            self.pgid = child
            try:
                os.setpgid(child, child)
            except OSError:
                pass
            signal.setitimer(signal.ITIMER_REAL, self.timeout)
            try:
                pid, status, usage = self._wait(child)
            finally:
                signal.setitimer(signal.ITIMER_REAL, 0)
                self.pgid = None
            wall = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            stdout = out.read().decode("utf-8", "replace")
            stderr = err.read().decode("utf-8", "replace")
        rss = usage.ru_maxrss
        if sys.platform == "darwin":
            rss //= 1024  # bytes there, kilobytes on Linux
        return Result(wall, usage.ru_utime + usage.ru_stime, rss,
                      os.waitstatus_to_exitcode(status), stdout, stderr,
                      self.timed_out)

    def _wait(self, child):
        if not self.clean_rss:
            _, status, usage = os.wait4(child, 0)
            return child, status, usage
        # The shell exits at once; the benchmark, orphaned, comes back to us.
        _, status, usage = os.wait4(child, 0)
        if os.waitstatus_to_exitcode(status) != 0:
            return child, status, usage
        pid, status, usage = os.wait4(-1, 0)
        return pid, status, usage


# ---- benchmarks and interpreters -----------------------------------------------


class Bench:
    def __init__(self, path, group, name=None):
        self.path = path
        self.group = group
        self.name = name or os.path.splitext(os.path.basename(path))[0]
        self.fixed = FIXED_TIME.get(self.name)
        self.lua = None  # the Lua translation's path, set by measure_all


def lua_translation(bench, lua_dir):
    """Where the Lua translation of a benchmark is: LUA_DIR/X.lua for bench/X.lox,
    LUA_DIR/<folder>/X.lua for DIR/X.lox (the folder's name, or LUA_FOLDERS')."""
    stem = os.path.splitext(os.path.basename(bench.path))[0] + ".lua"
    if os.path.dirname(os.path.abspath(bench.path)) == BENCH_DIR:
        return os.path.join(lua_dir, stem)
    return os.path.join(lua_dir, LUA_FOLDERS.get(bench.group, bench.group), stem)


def patch_live(source, live, directory):
    """A copy of `source` (the pause benchmark or its translation) in `directory`,
    whose `var LIVE = ...` or `local LIVE = ...` line says `live` instead."""
    with open(source) as f:
        text = f.read()
    text, count = re.subn(r"(?m)^((?:var|local) LIVE = )\d+", r"\g<1>%d" % live, text)
    if count != 1:
        sys.exit("run.py: %s has no `LIVE = <number>` line to change" % source)
    path = os.path.join(directory, os.path.basename(source))
    with open(path, "w") as f:
        f.write(text)
    return path


def collect_benchmarks(args):
    benches = []
    if args.files:
        for f in args.files:
            if os.path.isdir(f):
                args.dir.append(f)
            else:
                benches.append(Bench(f, os.path.basename(os.path.dirname(os.path.abspath(f)))))
    else:
        for f in sorted(glob.glob(os.path.join(BENCH_DIR, "*.lox"))):
            if os.path.splitext(os.path.basename(f))[0] not in NOT_IN_DEFAULT_SET:
                benches.append(Bench(f, "bench"))
    for d in args.dir:
        group = os.path.basename(os.path.normpath(os.path.abspath(d)))
        files = sorted(glob.glob(os.path.join(d, "*.lox")))
        if not files:
            sys.exit("run.py: no .lox files in %s" % d)
        for f in files:
            benches.append(Bench(f, group))
    return benches


def parse_interps(specs, with_lua=False):
    """The interpreters as [(name, argv)], the set of the names of those that run
    Lua translations (CMD prefixed with `lua:`), and notes on those left out
    because their command is not installed."""
    interps = []
    lua = set()
    notes = []
    if not specs:
        lox = os.environ.get("LOX", release_lox())
        specs = ["lox=" + shlex.quote(lox)]
        if os.environ.get("CLOX"):
            specs.append("clox=" + shlex.quote(os.environ["CLOX"]))
    if with_lua:
        specs = specs + WITH_LUA
    for spec in specs:
        name, sep, cmd = spec.partition("=")
        cmd = cmd.strip()
        is_lua = cmd.startswith(LUA_PREFIX)
        if is_lua:
            cmd = cmd[len(LUA_PREFIX):].strip()
        if not sep or not name or not cmd:
            sys.exit("run.py: --interp wants NAME=CMD or NAME=lua:CMD, got %r" % spec)
        argv = shlex.split(cmd)
        exe = argv[0]
        if os.sep in exe:
            argv[0] = os.path.abspath(exe)
            if not os.access(argv[0], os.X_OK):
                sys.exit("run.py: %s: %s is not an executable file" % (name, exe))
        elif shutil.which(exe) is None:
            notes.append("%s was not run: `%s` is not installed (not found on PATH)"
                         % (name, exe))
            print("run.py: note: " + notes[-1], file=sys.stderr)
            continue
        interps.append((name, argv))
        if is_lua:
            lua.add(name)
    names = [n for n, _ in interps]
    if not interps:
        sys.exit("run.py: no interpreter to run")
    if len(set(names)) != len(names):
        sys.exit("run.py: interpreter names must differ")
    return interps, lua, notes


# ---- formatting -------------------------------------------------------------------


def fmt_time(seconds):
    if seconds is None:
        return "—"
    if seconds < 1:
        return "%.0f ms" % (seconds * 1000) if seconds >= 0.01 else "%.1f ms" % (seconds * 1000)
    return "%.2f s" % seconds


def fmt_rss(kb):
    if kb is None:
        return "—"
    return "%.1f MB" % (kb / 1024)


def fmt_ratio(r):
    return "—" if r is None else "%.2f" % r


def geomean(values):
    values = [v for v in values if v is not None and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def first_difference(a, b):
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<no line>"
        y = b[i] if i < len(b) else "<no line>"
        if x != y:
            return i + 1, x, y
    return None


# ---- pauses -------------------------------------------------------------------------


def pause_values(stdout):
    """The pause benchmark's measurements, {key: milliseconds}, read from the
    lines that follow its labels (PAUSE_LABELS)."""
    lines = stdout.splitlines()
    values = {}
    for i, line in enumerate(lines[:-1]):
        key = PAUSE_LABELS.get(line.strip().lower().rstrip(":"))
        if key:
            try:
                values[key] = float(lines[i + 1])
            except ValueError:
                pass
    return values


def fmt_ms(ms):
    if ms is None:
        return "—"
    return "%.1f ms" % ms if ms >= 10 else "%.2f ms" % ms


def pause_table(bench, names, results, failed, live):
    """Markdown lines: each interpreter's pauses, medians over the runs, and the
    range of the longest pause across runs."""
    if live is None:
        with open(PAUSES_FILE) as f:
            found = re.search(r"(?m)^var LIVE = (\d+)", f.read())
        live = int(found.group(1)) if found else None
    out = ["Collector pauses (bench/pauses.lox, %s live instances): a pause is the CPU "
           "time an iteration took beyond the median iteration; medians over the runs."
           % ("{:,}".format(live) if live else "LIVE"), ""]
    out.append("| interpreter | max pause | max pause, all runs | p99 pause "
               "| median iteration | peak RSS |")
    out.append("|---|---:|---:|---:|---:|---:|")
    for n in names:
        runs = [] if (bench.path, n) in failed else [pause_values(r.stdout) for r in results[n]]
        runs = [v for v in runs if len(v) == len(PAUSE_LABELS)]
        if not runs:
            out.append("| %s | — | — | — | — | — |" % n)
            continue
        maxima = [v["max"] for v in runs]
        spread = fmt_ms(min(maxima))
        if len(maxima) > 1:
            spread += "–" + fmt_ms(max(maxima))
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            n, fmt_ms(statistics.median(maxima)), spread,
            fmt_ms(statistics.median(v["p99"] for v in runs)),
            fmt_ms(statistics.median(v["median"] for v in runs)),
            fmt_rss(statistics.median(r.rss_kb for r in results[n]))))
    out.append("")
    return out


# ---- main ---------------------------------------------------------------------------


def main():
    ap = argparse.ArgumentParser(
        description="Run Lox benchmarks on several interpreters, interleaved, "
        "and compare times, peak memory and output.")
    ap.add_argument("files", nargs="*", metavar="FILES",
                    help="benchmark files (default: bench/*.lox)")
    ap.add_argument("--runs", type=int, default=5, help="runs of each benchmark (default 5)")
    ap.add_argument("--interp", action="append", default=[], metavar="NAME=CMD",
                    help="an interpreter; repeat for several (default: lox=the release build's lox, "
                    "plus clox=$CLOX when set); NAME=lua:CMD runs the Lua translations")
    ap.add_argument("--baseline", metavar="NAME",
                    help="interpreter the ratios are relative to (default: the second one)")
    ap.add_argument("--dir", action="append", default=[], metavar="DIR",
                    help="also run every DIR/*.lox (repeatable)")
    ap.add_argument("--metric", choices=["wall", "cpu", "both"], default="wall",
                    help="time shown and used for ratios: wall clock (default), "
                    "user+system CPU time (steadier on a busy machine), or both")
    ap.add_argument("--empty", action="store_true",
                    help="add an empty program, to show start-up time and memory")
    ap.add_argument("--warmup", type=int, default=0,
                    help="untimed runs of everything first (default 0)")
    ap.add_argument("--timeout", type=float, default=300,
                    help="seconds before a run is killed (default 300)")
    ap.add_argument("--markdown", metavar="FILE", help="also write the tables to FILE")
    ap.add_argument("--check", action="store_true",
                    help="run everything once and only check that outputs match")
    ap.add_argument("--with-lua", action="store_true",
                    help="also run the Lua translations on lua5.4 and on `luajit -joff` "
                    "(each left out, with a note, when not installed)")
    ap.add_argument("--lua-dir", default=LUA_DIR, metavar="DIR",
                    help="where the Lua translations are (default: bench/lua)")
    ap.add_argument("--ratio", action="append", default=[], metavar="A/B",
                    help="also show the ratio of A's time to B's (repeatable)")
    ap.add_argument("--pauses", action="store_true",
                    help="run only bench/pauses.lox and report collector pauses")
    ap.add_argument("--live", type=int, metavar="N",
                    help="with --pauses: live instances in the long-lived tree "
                    "(default: the program's own, 2,000,000)")
    args = ap.parse_args()

    interps, lua_names, interp_notes = parse_interps(args.interp, args.with_lua)
    names = [n for n, _ in interps]
    if args.baseline is None:
        baseline = names[1] if len(names) > 1 else names[0]
    elif args.baseline in names:
        baseline = args.baseline
    else:
        sys.exit("run.py: no interpreter named %r" % args.baseline)
    extra_pairs = []
    for spec in args.ratio:
        a, sep, b = spec.partition("/")
        if not sep or a not in names or b not in names:
            sys.exit("run.py: --ratio wants A/B, two interpreters' names; got %r" % spec)
        extra_pairs.append((a, b))
    scratch = tempfile.mkdtemp(prefix="lox-bench-")
    try:
        return measure_all(args, interps, names, lua_names, interp_notes, baseline,
                           extra_pairs, scratch)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def measure_all(args, interps, names, lua_names, interp_notes, baseline, extra_pairs,
                scratch):
    if args.live is not None and not args.pauses:
        sys.exit("run.py: --live goes with --pauses")
    if args.pauses:
        if args.files or args.dir or args.empty:
            sys.exit("run.py: --pauses runs bench/pauses.lox alone")
        lua_source = lua_translation(Bench(PAUSES_FILE, "bench"), args.lua_dir)
        if args.live is None:
            benches = [Bench(PAUSES_FILE, "pauses")]
            benches[0].lua = lua_source
        else:
            if args.live < 1:
                sys.exit("run.py: --live wants a positive number")
            benches = [Bench(patch_live(PAUSES_FILE, args.live, scratch), "pauses")]
            benches[0].lua = (patch_live(lua_source, args.live, scratch)
                              if os.path.isfile(lua_source) else lua_source)
    else:
        benches = collect_benchmarks(args)
        for b in benches:
            b.lua = lua_translation(b, args.lua_dir)
    if args.empty:
        empty_file = os.path.join(scratch, "empty.lox")
        with open(empty_file, "w") as f:
            f.write("// An empty program.\n")
        benches.append(Bench(empty_file, "start-up", "(empty program)"))
        benches[-1].lua = os.path.join(scratch, "empty.lua")
        with open(benches[-1].lua, "w") as f:
            f.write("-- An empty program.\n")
    if not benches:
        sys.exit("run.py: no benchmarks")

    def program(b, name):
        return b.lua if name in lua_names else b.path

    # Benchmarks (index, interpreter) a Lua interpreter cannot run: no translation.
    missing = {(bi, n) for bi, b in enumerate(benches) for n in names
               if n in lua_names and not os.path.isfile(b.lua)}
    if lua_names:
        for bi, b in enumerate(benches):
            if (bi, sorted(lua_names)[0]) in missing:
                print("run.py: note: %s/%s has no Lua translation (%s); skipped for %s"
                      % (b.group, b.name, os.path.relpath(b.lua),
                         ", ".join(n for n in names if n in lua_names)), file=sys.stderr)
    runs = 1 if args.check else args.runs
    if runs < 1:
        sys.exit("run.py: --runs must be at least 1")

    runner = Runner(args.timeout)
    if not runner.clean_rss and not args.check:
        print("note: peak RSS includes this runner's own footprint "
              "(no child-subreaper support here)", file=sys.stderr)

    # results[bench index][interp name] = list of Result
    results = [{n: [] for n in names} for _ in benches]
    try:
        for w in range(args.warmup):
            for bi, b in enumerate(benches):
                for name, argv in interps:
                    if (bi, name) not in missing:
                        runner.run(argv + [program(b, name)])
        for r in range(runs):
            order = interps[r % len(interps):] + interps[:r % len(interps)]
            for bi, b in enumerate(benches):
                line = []
                for name, argv in order:
                    if (bi, name) in missing:
                        continue
                    res = runner.run(argv + [program(b, name)])
                    results[bi][name].append(res)
                    t = res.cpu if args.metric == "cpu" else res.wall
                    bad = "" if res.status == 0 else " (exit %d)" % res.status
                    line.append("%s %s%s" % (name, fmt_time(t), bad))
                print("[run %d/%d] %-28s %s" % (r + 1, runs, b.group + "/" + b.name,
                                                 "  ".join(line)),
                      file=sys.stderr, flush=True)
    except KeyboardInterrupt:
        runner.kill()
        sys.exit("run.py: interrupted")

    # ---- compare outputs
    # problems: (bench, interp, kinds, message); kinds holds "failed" (timed
    # out or non-zero exit) and/or "differs" (stdout or exit status not the
    # reference's). The reference is the first interpreter's first run.
    problems = []
    for bi, b in enumerate(benches):
        ran = [n for n in names if (bi, n) not in missing]
        if not ran:
            continue
        ref_name = ran[0]
        ref = results[bi][ref_name][0]
        ref_lines = normalize(ref.stdout)
        for name in ran:
            who = ref_name if name != ref_name else "its own first run"
            for k, res in enumerate(results[bi][name]):
                is_ref = name == ref_name and k == 0
                if res.timed_out:
                    problems.append((b, name, {"failed"},
                                     "timed out after %g s" % args.timeout))
                    break
                same_status = res.status == ref.status
                if res.status != 0:
                    msg = "exit status %d" % res.status
                    if not same_status:
                        msg += " (%s: %d)" % (who, ref.status)
                    first_err = res.stderr.strip().splitlines()[:1]
                    if first_err:
                        msg += ": " + first_err[0][:120]
                    kinds = {"failed"} if same_status else {"failed", "differs"}
                    problems.append((b, name, kinds, msg))
                    break
                if not same_status:
                    problems.append((b, name, {"differs"}, "exit status 0 (%s: %d)"
                                     % (who, ref.status)))
                    break
                if is_ref or b.fixed:  # a fixed-time benchmark's output measures speed
                    continue
                diff = first_difference(ref_lines, normalize(res.stdout))
                if diff:
                    line_no, want, got = diff
                    problems.append((b, name, {"differs"},
                                     "stdout differs from %s's at line %d: %r, not %r"
                                     % (who, line_no, got, want)))
                    break

    def verdict(b):
        kinds = set().union(*[p[2] for p in problems if p[0] is b])
        if "differs" in kinds:
            return "MISMATCH"
        if "failed" in kinds:
            return "FAILED"
        return "ok"

    if args.check:
        for bi, b in enumerate(benches):
            skipped = [n for n in names if (bi, n) in missing]
            note = "  (no Lua translation: %s not run)" % ", ".join(skipped) if skipped else ""
            print("%-8s %s/%s%s" % (verdict(b), b.group, b.name, note))
        for b, name, kind, msg in problems:
            print("  %s/%s [%s]: %s" % (b.group, b.name, name, msg))
        for note in interp_notes:
            print("note: " + note)
        print("%d of %d benchmarks ok" % (
            sum(1 for b in benches if verdict(b) == "ok"), len(benches)))
        return 1 if problems else 0

    # ---- tables
    failed = {(p[0].path, p[1]) for p in problems if "failed" in p[2]}
    differs = {(p[0].path, p[1]) for p in problems if "differs" in p[2]}
    others = [n for n in names if n != baseline]
    # The ratio columns: every interpreter over the baseline, then --ratio's.
    pairs = [(n, baseline) for n in others]
    pairs += [pair for pair in extra_pairs if pair not in pairs]

    def measure(bi, name, metric):
        b = benches[bi]
        rs = results[bi][name]
        if (b.path, name) in failed or not rs:
            return None
        times = [(r.cpu if metric == "cpu" else r.wall) for r in rs]
        if b.fixed:
            index, unit = b.fixed
            per = []
            for r, t in zip(rs, times):
                lines = r.stdout.splitlines()
                try:
                    work = float(lines[index])
                except (IndexError, ValueError):
                    return None
                if work <= 0:
                    return None
                per.append(t / work)
            return statistics.median(per)
        return statistics.median(times)

    def ratio(bi, pair, metric):
        t = measure(bi, pair[0], metric)
        base = measure(bi, pair[1], metric)
        if t is None or base is None or base <= 0:
            return None
        return t / base

    metrics = ["wall", "cpu"] if args.metric == "both" else [args.metric]
    long_name = {"wall": "wall-clock time", "cpu": "CPU time (user + system)"}
    short = {"wall": "wall", "cpu": "CPU"}

    def col(n, m):
        return n if len(metrics) == 1 else "%s %s" % (n, short[m])

    def pair_name(pair):
        return "%s/%s" % pair

    out = []
    intro = "Median %s of %d run%s; " % (" and ".join(long_name[m] for m in metrics), runs,
                                         "" if runs == 1 else "s")
    if others:
        intro += "ratio = time / time of %s (below 1: faster than %s); " % (baseline, baseline)
    out.append(intro + "peak RSS is the median of the runs.")
    out.append("")
    groups = []
    for b in benches:
        if b.group not in groups:
            groups.append(b.group)
    all_ratios = {(pair, m): [] for pair in pairs for m in metrics}
    footnotes = []
    for g in groups:
        idx = [i for i, b in enumerate(benches) if b.group == g]
        if len(groups) > 1:
            out.append("### %s" % g)
            out.append("")
        head = ["benchmark"]
        for m in metrics:
            head += [col(n, m) for n in names]
            head += [col(pair_name(pair), m) for pair in pairs]
        head += ["%s RSS" % n for n in names]
        out.append("| " + " | ".join(head) + " |")
        out.append("|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|")
        group_ratios = {(pair, m): [] for pair in pairs for m in metrics}
        for i in idx:
            b = benches[i]
            label = b.name
            notes = []
            for n in names:
                if (b.path, n) in failed:
                    notes.append("%s failed" % n)
                elif (b.path, n) in differs:
                    notes.append("%s differs" % n)
            if any((i, n) in missing for n in names):
                notes.append("no Lua translation")
            if b.fixed:
                label += " \\*"
                note = ("\\* %s runs for a fixed time; its time is per %s and its output "
                        "is not compared." % (b.name, b.fixed[1]))
                if note not in footnotes:
                    footnotes.append(note)
            if notes:
                label += " (" + "; ".join(notes) + ")"
            row = [label]
            for m in metrics:
                for n in names:
                    t = measure(i, n, m)
                    if b.fixed and t is not None:
                        row.append("%.3f ms/%s" % (t * 1000, b.fixed[1]))
                    else:
                        row.append(fmt_time(t))
                for pair in pairs:
                    r = ratio(i, pair, m)
                    row.append(fmt_ratio(r))
                    if r is not None and b.group != "start-up":
                        group_ratios[(pair, m)].append(r)
                        all_ratios[(pair, m)].append(r)
            for n in names:
                rss = None if (b.path, n) in failed or not results[i][n] else \
                    statistics.median([r.rss_kb for r in results[i][n]])
                row.append(fmt_rss(rss))
            out.append("| " + " | ".join(row) + " |")
        if pairs and g != "start-up":
            gm = ["**geometric mean**"]
            for m in metrics:
                gm += [""] * len(names)
                gm += ["**%s**" % fmt_ratio(geomean(group_ratios[(pair, m)])) for pair in pairs]
            gm += [""] * len(names)
            out.append("| " + " | ".join(gm) + " |")
        out.append("")
    out.extend(footnotes)
    if footnotes:
        out.append("")
    scored_groups = [g for g in groups if g != "start-up"]
    if pairs and len(scored_groups) > 1:
        for m in metrics:
            for pair in pairs:
                rs = all_ratios[(pair, m)]
                out.append("Geometric mean of %s (%s) over all %d benchmarks with a ratio: **%s**"
                           % (pair_name(pair), long_name[m], len(rs), fmt_ratio(geomean(rs))))
        out.append("")
    if pairs and len(metrics) == 1:
        other = "cpu" if metrics[0] == "wall" else "wall"
        parts = []
        for pair in pairs:
            rs = [ratio(i, pair, other) for i, b in enumerate(benches) if b.group != "start-up"]
            parts.append("%s %s" % (pair_name(pair), fmt_ratio(geomean(rs))))
        out.append("(The same runs measured by %s: geometric mean %s.)"
                   % (long_name[other], ", ".join(parts)))
        out.append("")
    if args.pauses:
        out.extend(pause_table(benches[0], names, results[0], failed, args.live))
    for note in interp_notes:
        out.append("Note: %s." % note)
        out.append("")
    if problems:
        out.append("Problems:")
        out.append("")
        for b, name, kind, msg in problems:
            out.append("- %s/%s, %s: %s" % (b.group, b.name, name, msg))
        out.append("")
    if not runner.clean_rss:
        out.append("Note: peak RSS here includes the runner's own footprint.")
        out.append("")
    machine = platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for l in f:
                if l.startswith("model name"):
                    machine = l.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    out.append("Machine: %s, %d logical CPUs, %s %s." % (
        machine, os.cpu_count() or 0, platform.system(), platform.release()))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
