"""A/B: run one benchmark command for two checkouts, interleaved, and compare medians.

    python benchmarks/ab.py --a ROOT_A:VENV_A --b ROOT_B:VENV_B [--rounds 3] [--warmup 0]
        [--metric NAME=REGEX]... [--rate NAME=REGEX]... [--setup CMD] [--env KEY=VALUE]...
        [--scripts own|b] [--order abab|abba] [--log-dir DIR] [--json FILE] [--keep-tmp] -- COMMAND ...

Each round runs COMMAND once for A, then once for B (``--order abba`` swaps the order
every other round), so changing background load on a shared machine hits both alike.
Every run is a sample; the script prints per metric the median of A, of B, the ratio
B/A and what it means ("B slower by 12%"). Wall time of the whole command is always
recorded ("wall s"); ``--metric NAME=REGEX`` adds a number read from the command's
output (first group of the first match, commas dropped) where lower is better (a
time), ``--rate NAME=REGEX`` one where higher is better (orders/s). NAME ends at the
first ``=``, so it cannot contain one.

Placeholders, filled in per side, in COMMAND, ``--setup`` and ``--env`` values:

    {root}     the checkout (ROOT_A or ROOT_B)
    {venv}     its venv;   {python} = {venv}/bin/python;   {ordercli} = {venv}/bin/ordercli
    {scripts}  the benchmarks/ directory whose scripts run: the side's own (default), or
               B's for both sides with ``--scripts b`` (for a script A's checkout lacks or
               that does not run there: B's script then imports A's installed ordercli,
               because it runs with A's python)
    {tmp}      a scratch directory per side, kept for the whole A/B run (stores, files) and
               removed at the end (``--keep-tmp`` keeps it)
    {side}     A or B

The venv's ``bin`` comes first on PATH (a bare ``ordercli`` is that side's). Like the
benchmark scripts, processes run with compiled bytecode cached outside the source trees
(``PYTHONPYCACHEPREFIX``; ``PYTHONDONTWRITEBYTECODE`` is dropped), ``NO_COLOR=1``,
``TZ=UTC``. ``--setup`` runs once per side before the rounds (not timed), e.g. to create
an empty store. The exit status of COMMAND is reported but does not stop the run (the
benchmark scripts exit 1 when a target is missed); a metric that cannot be read does.

Examples (issue 8, 2026-12-01; A = dd47ea5 checked out at /work/bench-A):

    A=/work/bench-A:/work/venv-bench-A  B=/work/wt-bench:/work/venv-bench
    # start-up, single commands on an empty store, 20 rounds after 2 warm-up rounds
    python benchmarks/ab.py --a $A --b $B --rounds 20 --warmup 2 \\
        --setup '{ordercli} --db {tmp}/empty.db order list' --env ORDERCLI_DB={tmp}/empty.db \\
        -- {ordercli} order list
    # a whole benchmark script, reading numbers from its output
    python benchmarks/ab.py --a $A --b $B --rounds 3 \\
        --rate 'import orders/s=import\\s+[\\d,]+ orders x 3 lines:\\s+[\\d.]+ s\\s+([\\d,]+) orders/s' \\
        -- {python} {scripts}/bench_import_export.py --orders 3000 --big 0
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402


def side(spec: str, name: str) -> dict:
    root, sep, venv = spec.partition(":")
    if not sep:
        raise SystemExit(f"--{name.lower()} wants ROOT:VENV, got {spec!r}")
    root, venv = str(Path(root).resolve()), str(Path(venv).absolute())  # keep the venv's own path (symlinked python)
    if not Path(venv, "bin", "python").exists():
        raise SystemExit(f"{name}: no {venv}/bin/python")
    return {"side": name, "root": root, "venv": venv, "python": f"{venv}/bin/python", "ordercli": f"{venv}/bin/ordercli"}


def fill(text: str, ctx: dict) -> str:
    for k, v in ctx.items():
        text = text.replace("{" + k + "}", v)
    return text


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "load average: %.2f %.2f %.2f" % os.getloadavg()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--a", required=True, metavar="ROOT:VENV", help="the baseline checkout and its venv")
    ap.add_argument("--b", required=True, metavar="ROOT:VENV", help="the candidate checkout and its venv")
    ap.add_argument("--rounds", type=int, default=3, help="timed runs per side (default 3)")
    ap.add_argument("--warmup", type=int, default=0, help="untimed rounds first (default 0)")
    ap.add_argument("--metric", action="append", default=[], metavar="NAME=REGEX", help="a number from the output, lower is better")
    ap.add_argument("--rate", action="append", default=[], metavar="NAME=REGEX", help="a number from the output, higher is better")
    ap.add_argument("--setup", action="append", default=[], metavar="CMD", help="shell command run once per side before the rounds")
    ap.add_argument("--env", action="append", default=[], metavar="KEY=VALUE", help="extra environment (placeholders allowed)")
    ap.add_argument("--scripts", choices=["own", "b"], default="own", help="whose benchmarks/ {scripts} points to (default: each side's own)")
    ap.add_argument("--order", choices=["abab", "abba"], default="abab", help="abab: A first every round; abba: alternate who goes first")
    ap.add_argument("--log-dir", help="keep every run's output here (A-1.log, B-1.log, …)")
    ap.add_argument("--json", help="write the samples and medians to this file")
    ap.add_argument("--keep-tmp", action="store_true", help="keep the {tmp} directories")
    ap.add_argument("command", nargs=argparse.REMAINDER, help="-- COMMAND ... (placeholders allowed)")
    args = ap.parse_args()
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        ap.error("no command (put it after --)")

    sides = [side(args.a, "A"), side(args.b, "B")]
    for s in sides:
        s["scripts"] = str(Path(sides[1]["root"] if args.scripts == "b" else s["root"], "benchmarks"))
        s["tmp"] = tempfile.mkdtemp(prefix=f"ordercli-ab-{s['side']}-")
    metrics = [("wall s", None, False)]
    for items, higher in ((args.metric, False), (args.rate, True)):
        for m in items:
            name, sep, rx = m.partition("=")
            if not sep:
                ap.error(f"metric {m!r} wants NAME=REGEX")
            metrics.append((name, re.compile(rx, re.M), higher))
    log_dir = Path(args.log_dir) if args.log_dir else None
    if log_dir:
        log_dir.mkdir(parents=True, exist_ok=True)

    def env_for(s: dict) -> dict:
        env = _bench.bench_env(PATH=f"{s['venv']}/bin:{os.environ.get('PATH', '')}", VIRTUAL_ENV=s["venv"])
        env.pop("PYTHONHOME", None)
        for kv in args.env:
            k, _, v = kv.partition("=")
            env[k] = fill(v, s)
        return env

    start_load = uptime()
    print(f"A: {sides[0]['root']} ({sides[0]['venv']})\nB: {sides[1]['root']} ({sides[1]['venv']})")
    print("command:", " ".join(command))
    print("at start:", start_load, flush=True)
    for s in sides:
        for cmd in args.setup:
            p = subprocess.run(fill(cmd, s), shell=True, env=env_for(s), capture_output=True, text=True)
            if p.returncode != 0:
                raise SystemExit(f"setup for {s['side']} failed ({p.returncode}): {fill(cmd, s)}\n{p.stdout[-1500:]}{p.stderr[-1500:]}")

    samples = {s["side"]: {name: [] for name, _, _ in metrics} for s in sides}
    codes = {s["side"]: [] for s in sides}
    for r in range(args.warmup + args.rounds):
        order = sides if args.order == "abab" or r % 2 == 0 else sides[::-1]
        timed = r >= args.warmup
        for s in order:
            argv = [fill(a, s) for a in command]
            t0 = time.perf_counter()
            p = subprocess.run(argv, env=env_for(s), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            dt = time.perf_counter() - t0
            if not timed:
                continue
            n = r - args.warmup + 1
            if log_dir:
                (log_dir / f"{s['side']}-{n}.log").write_text(p.stdout)
            codes[s["side"]].append(p.returncode)
            got = {"wall s": dt}
            for name, rx, _ in metrics[1:]:
                m = rx.search(p.stdout)
                if not m:
                    raise SystemExit(f"{s['side']} round {n}: metric {name!r} not found (exit {p.returncode}); output ends:\n{p.stdout[-3000:]}")
                got[name] = float(m.group(1).replace(",", ""))
            for name, v in got.items():
                samples[s["side"]][name].append(v)
            shown = "  ".join(f"{k}={v:.4g}" for k, v in got.items())
            print(f"round {n:>2} {s['side']}: {shown}" + (f"  (exit {p.returncode})" if p.returncode else ""), flush=True)

    end_load = uptime()
    rows, result = [], {"command": command, "rounds": args.rounds, "load_start": start_load, "load_end": end_load, "metrics": {}}
    for name, _, higher in metrics:
        a, b = statistics.median(samples["A"][name]), statistics.median(samples["B"][name])
        ratio = b / a if a else float("nan")
        worse = (a / b - 1) if higher else (ratio - 1)  # > 0: B is worse
        verdict = "B slower by %.0f%%" % (worse * 100) if worse > 0 else "B faster by %.0f%%" % (-worse * 100)
        spread = lambda xs: f"{min(xs):.4g}-{max(xs):.4g}"  # noqa: E731
        rows.append([name + (" (higher is better)" if higher else ""), f"{a:.4g}", f"{b:.4g}", f"{ratio:.3f}", verdict, spread(samples["A"][name]), spread(samples["B"][name])])
        result["metrics"][name] = {"higher_is_better": higher, "A": samples["A"][name], "B": samples["B"][name], "median_A": a, "median_B": b, "ratio_B_A": ratio}
    print()
    print(_bench.table(["metric", "median A", "median B", "B/A", "meaning", "range A", "range B"], rows))
    print("at end:", end_load)
    bad = {k: [c for c in v if c] for k, v in codes.items() if any(v)}
    if bad:
        print("non-zero exit codes (the benchmark's own verdicts):", bad)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    for s in sides:
        if args.keep_tmp:
            print(f"{s['side']} scratch: {s['tmp']}")
        else:
            shutil.rmtree(s["tmp"], ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
