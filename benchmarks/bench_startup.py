"""Start-up time of the command line, against floors measured in the same run.

    python benchmarks/bench_startup.py [--runs 40] [--no-doc]

Measures, as separate processes, interleaved:

* ``python -c pass``                      (floor: the interpreter)
* ``python -c "import sqlmodel"``         (floor: what any command touching the store must load)
* ``ordercli --help``                     target: median within 120 ms
* ``ordercli order list --limit 20``      target: median within 1.3x the ``import sqlmodel`` floor
  (on a small store: the example catalog and 30 orders placed through the service)

and, for information, ``ordercli --version``, ``ordercli order create --help`` and
``ordercli order show NUMBER``. Output goes to /dev/null (the off-terminal path;
tables are still drawn by rich, without boxes).
Prints the table, and rewrites the "startup" section of docs/benchmarks.md.
Exit status 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _bench  # noqa: E402

HELP_TARGET_S = 0.120
LIST_TARGET_X = 1.3


def build_small_store(path: str, n_orders: int = 30) -> str:
    from ordercli import db
    from ordercli.models import Product
    from ordercli.services import catalog, orders
    from sqlmodel import select

    _bench.import_catalog(path)
    engine = db.get_engine(path)
    with db.read_session(engine) as s:
        products = list(s.exec(select(Product)).all())
    with _bench.write(engine) as s:  # a fair's worth of stock, so the random orders never run short
        for p in products:
            if p.stock is not None:
                catalog.change_stock(s, sku=p.sku, add=200, reason="restock")
    rng = random.Random(3)
    number = None
    for i in range(n_orders):
        with _bench.write(engine) as s:
            number = orders.place_order(s, _bench.random_draft(rng, products, i)).order.number
    db.dispose_all()
    return number or ""


def importtime_top(argv: list[str], env: dict, n: int = 12) -> list[tuple[str, float]]:
    """The heaviest top-level imports of a command (python -X importtime), cumulative ms."""
    p = subprocess.run([sys.executable, "-X", "importtime", *argv], env=env, capture_output=True, text=True)
    rows = []
    for line in p.stderr.splitlines():
        if not line.startswith("import time:") or "|" not in line:
            continue
        _, cum, name = line.split("|", 2)
        try:
            cum_us = int(cum.strip())
        except ValueError:
            continue
        if not name.startswith("  ") and name.strip():  # top-level (depth 1) only
            rows.append((name.strip(), cum_us / 1000))
    return sorted(rows, key=lambda r: -r[1])[:n]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=40, help="repetitions per command (default 40)")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/benchmarks.md")
    args = ap.parse_args()

    py = sys.executable
    oc = _bench.ordercli_argv()
    with tempfile.TemporaryDirectory(prefix="ordercli-bench-") as tmp:
        store = str(Path(tmp) / "small.db")
        last = build_small_store(store)
        env = _bench.bench_env(ORDERCLI_DB=store, XDG_DATA_HOME=str(Path(tmp) / "xdg"))
        commands = {
            "python -c pass": [py, "-c", "pass"],
            'python -c "import sqlmodel"': [py, "-c", "import sqlmodel"],
            "ordercli --help": [*oc, "--help"],
            "ordercli --version": [*oc, "--version"],
            "ordercli order create --help": [*oc, "order", "create", "--help"],
            "ordercli order list --limit 20": [*oc, "order", "list", "--limit", "20"],
            f"ordercli order show {last}": [*oc, "order", "show", last],
        }
        info = _bench.machine_info({"runs per command": f"{args.runs} (+3 warm-up), interleaved in random order", "ordercli": " ".join(oc)})
        print(_bench.info_md(info), "\n", flush=True)
        times = _bench.time_commands(commands, runs=args.runs, env=env)
        heavy = importtime_top([*oc[1:], "order", "list", "--limit", "20"] if oc[0] == py else ["-m", "ordercli", "order", "list", "--limit", "20"], env)

    s = {k: _bench.summary(v) for k, v in times.items()}
    floor_py = s["python -c pass"]["median"]
    floor_sqlm = s['python -c "import sqlmodel"']["median"]
    rows = []
    for name, st in s.items():
        rows.append([name, _bench.ms(st["median"]), _bench.ms(st["p90"]), _bench.ms(st["min"]), _bench.ms(st["median"] - floor_py), f"{st['median'] / floor_sqlm:.2f}x"])
    headers = ["command", "median ms", "p90 ms", "min ms", "above python ms", "vs import sqlmodel"]

    help_med = s["ordercli --help"]["median"]
    list_ratio = s["ordercli order list --limit 20"]["median"] / floor_sqlm
    verdicts = [
        (
            f"`ordercli --help` median {_bench.ms(help_med)} ms (target <= {HELP_TARGET_S * 1000:.0f} ms; fastest run "
            f"{_bench.ms(s['ordercli --help']['min'])} ms, load average at start {info['load average at start']})",
            help_med <= HELP_TARGET_S,
        ),
        (f"`ordercli order list --limit 20` median {list_ratio:.2f}x the `import sqlmodel` floor (target <= {LIST_TARGET_X}x)", list_ratio <= LIST_TARGET_X),
    ]
    print(_bench.table(headers, rows))
    print()
    for text, ok in verdicts:
        print(("PASS  " if ok else "FAIL  ") + text.replace("`", ""))
    print("\nHeaviest top-level imports of `order list` (python -X importtime, cumulative ms):")
    for name, t in heavy:
        print(f"  {t:8.1f}  {name}")

    if not args.no_doc:
        md = "\n\n".join(
            [
                "## Start-up",
                "Command: `python benchmarks/bench_startup.py --runs %d`. Each command is a new process; the store is a small SQLite "
                "file (the example catalog and 30 orders)." % args.runs,
                _bench.info_md(info),
                _bench.md_table(headers, rows),
                "\n".join(f"- {'PASS' if ok else 'FAIL'}: {text}" for text, ok in verdicts),
                "Heaviest top-level imports of `order list` (`python -X importtime`, cumulative ms, one run):\n\n"
                + "\n".join(f"- {name}: {t:.1f}" for name, t in heavy),
            ]
        )
        print("\nUpdated", _bench.update_doc("startup", md))
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
