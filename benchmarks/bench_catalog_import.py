"""``product import`` of a large Shopify-shaped export: 10,000 variant rows in under 5 s.

Run by hand: ``python benchmarks/bench_catalog_import.py [--rows 10000] [--runs 3]``.

The file: 2,500 products x 4 variants (Size x Colour), Shopify's header (47 columns), a
multi-line ``Body (HTML)`` on each product's first row, a quarter of the SKUs missing
(generated), a tenth written with Excel's leading apostrophe, and an image row per product.
Timed: the whole command in a fresh process (``ordercli product import FILE``) into an
empty SQLite store, then a re-import of the same file (every product exists: updates, the
stock kept), then ``--stock set``.

Floor, measured in the same run: Python's ``csv`` module reading the same file and a plain
``sqlite3`` script inserting the same number of rows (sku, name, price, stock) plus a ledger
row each in one transaction — what any import must at least do.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import _bench  # noqa: E402

HEADER = (
    "Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Option1 Name,Option1 Value,Option2 Name,Option2 Value,"
    "Option3 Name,Option3 Value,Variant SKU,Variant Grams,Variant Inventory Tracker,Variant Inventory Qty,Variant Inventory Policy,"
    "Variant Fulfillment Service,Variant Price,Variant Compare At Price,Variant Requires Shipping,Variant Taxable,Variant Barcode,"
    "Image Src,Image Position,Image Alt Text,Gift Card,SEO Title,SEO Description,Google Shopping / Google Product Category,"
    "Google Shopping / Gender,Google Shopping / Age Group,Google Shopping / MPN,Google Shopping / Condition,"
    "Google Shopping / Custom Product,Variant Image,Variant Weight Unit,Variant Tax Code,Cost per item,Included / United States,"
    "Price / United States,Compare At Price / United States,Included / International,Price / International,"
    "Compare At Price / International,Status"
).split(",")


def make_file(path: Path, rows: int, seed: int = 13) -> int:
    rng = random.Random(seed)
    col = {h: i for i, h in enumerate(HEADER)}
    sizes, colours = ["S", "M"], ["Red", "Blue"]
    n = 0
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        product = 0
        while n < rows:
            product += 1
            handle = f"product-{product}"
            k = 0
            for size in sizes:
                for colour in colours:
                    r = [""] * len(HEADER)
                    r[col["Handle"]] = handle
                    if k == 0:
                        r[col["Title"]] = f"Product {product}"
                        r[col["Body (HTML)"]] = f"<p>Product {product}</p>\n<p>Second line, with a comma</p>"
                        r[col["Option1 Name"]], r[col["Option2 Name"]] = "Size", "Colour"
                        r[col["Status"]] = rng.choice(["active"] * 9 + ["draft"])
                    r[col["Option1 Value"]], r[col["Option2 Value"]] = size, colour
                    roll = rng.random()
                    sku = f"SKU-{product}-{size}-{colour}"
                    r[col["Variant SKU"]] = "" if roll < 0.25 else ("'" + sku if roll < 0.35 else sku)
                    r[col["Variant Inventory Tracker"]] = "shopify"
                    r[col["Variant Inventory Qty"]] = str(rng.randint(0, 40))
                    r[col["Variant Price"]] = f"{rng.randint(100, 9000) / 100:.2f}"
                    r[col["Image Src"]] = f"https://example.com/{handle}-{k}.jpg"
                    w.writerow(r)
                    n += 1
                    k += 1
            image = [""] * len(HEADER)
            image[col["Handle"]], image[col["Image Src"]] = handle, f"https://example.com/{handle}-extra.jpg"
            w.writerow(image)
    return n


def floor(path: Path, store: Path) -> float:
    t0 = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))[1:]
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE p (id INTEGER PRIMARY KEY, sku TEXT UNIQUE, name TEXT, price INTEGER, stock INTEGER)")
    conn.execute("CREATE TABLE m (id INTEGER PRIMARY KEY, pid INTEGER, delta INTEGER, reason TEXT)")
    with conn:
        for i, r in enumerate(rows):
            if not r[20]:
                continue
            cur = conn.execute("INSERT INTO p (sku, name, price, stock) VALUES (?, ?, ?, ?)", (f"S{i}", r[1] or "x", int(float(r[20]) * 100), int(r[17])))
            conn.execute("INSERT INTO m (pid, delta, reason) VALUES (?, ?, 'import')", (cur.lastrowid, int(r[17])))
    conn.close()
    return time.perf_counter() - t0


CPU: list[float] = []


def run(argv: list[str], env: dict) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    dt = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    if p.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} exited {p.returncode}: {p.stderr.decode(errors='replace')[-800:]}")
    return dt


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="ordercli-bench-catalog-"))
    src = work / "products_export.csv"
    n = make_file(src, args.rows)
    cmd = _bench.ordercli_argv()
    env = _bench.bench_env()
    first, again, setting, floors = [], [], [], []
    cpu_first, cpu_again, cpu_set, cpu_floor = [], [], [], []
    for i in range(args.runs):
        store = work / f"store-{i}.db"
        env["ORDERCLI_DB"] = str(store)
        subprocess.run([*cmd, "product", "list"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)  # the store exists
        first.append(run([*cmd, "product", "import", str(src)], env))
        cpu_first.append(CPU[-1])
        again.append(run([*cmd, "product", "import", str(src)], env))
        cpu_again.append(CPU[-1])
        setting.append(run([*cmd, "product", "import", str(src), "--stock", "set"], env))
        cpu_set.append(CPU[-1])
        c0 = time.process_time()
        floors.append(floor(src, work / f"floor-{i}.db"))
        cpu_floor.append(time.process_time() - c0)
    fl = statistics.median(floors)
    cf = statistics.median(cpu_floor)
    med = statistics.median

    def row(what, wall, cpu):
        return [what, f"{med(wall):.2f} s", f"{med(cpu):.2f} s", f"{n / med(wall):,.0f} rows/s", f"{med(wall) / fl:.1f}x", f"{med(cpu) / cf:.1f}x"]

    rows = [
        row("first import (all new)", first, cpu_first),
        row("re-import (stock kept)", again, cpu_again),
        row("re-import --stock set", setting, cpu_set),
        row("floor: csv + sqlite3 inserts", floors, cpu_floor),
    ]
    headers = ["what", "wall (median)", "CPU (median)", "rate", "wall vs floor", "CPU vs floor"]
    print(_bench.table(headers, rows))
    verdict = "ok" if statistics.median(first) < 5 else "MISSED"
    print(f"target: {n:,} variant rows in < 5 s (whole command, new process): {verdict} (CPU {med(cpu_first):.2f} s; load average {os.getloadavg()[0]:.1f})")
    md = (
        f"## Catalog import (`bench_catalog_import.py`)\n\n"
        f"{n:,} Shopify variant rows (2,500 products x 4 variants, 47 columns, multi-line bodies, image rows, "
        f"25% SKUs generated, 10% with a leading apostrophe); whole `ordercli product import` process into SQLite, median of {args.runs}.\n"
        f"Target < 5 s: **{verdict}** (CPU time of the command: {med(cpu_first):.2f} s; load average {os.getloadavg()[0]:.1f} at the end).\n"
        + ("Wall time well above CPU time means the machine was busy with other work during the run.\n\n" if med(first) > 2 * med(cpu_first) else "\n") + _bench.md_table(headers, rows) + "\n\n" + _bench.info_md(_bench.machine_info())
    )
    _bench.update_doc("catalog", md)


if __name__ == "__main__":
    main()
