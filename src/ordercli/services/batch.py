"""Batch order entry (``order import``) and exports (``order export``).

Import
------
The file is streamed, never loaded whole:

* CSV: a ``csv.reader`` over the file's lines (decoded one line at a time, so
  a bad byte is reported with its line and does not stop the read), rows
  grouped into orders by ``order_ref`` (the rows of one order are together);
* JSONL: one order per line;
* JSON: an array of orders read with ``json.JSONDecoder.raw_decode`` over
  chunks, one element at a time.

Each order becomes the same :class:`~ordercli.domain.OrderDraft` the wizard and
the flags build, and goes through :func:`ordercli.services.orders.place_order`
(same validation, pricing, stock, statuses, events and notifications) with
``door="import"`` and ``external_ref=order_ref``.

Two passes over the file:

1. :func:`check_file` parses and validates every order (text, contacts,
   amounts, SKUs, pricing) and simulates stock for the whole file against the
   current stock, without writing. It also finds the orders already imported.
2. :func:`import_file` reads the file again and places the orders, committing
   every ``batch_size`` orders (or every quarter of a second) in one
   transaction. A run killed midway loses at most the batch in flight, which
   rolls back whole; the next run skips what is already in the store (the
   ``external_ref`` is unique), so a re-run is harmless.

This module is the one place where a use case commits more than once: a
100,000-order file in one transaction would hold the write lock of a SQLite
store for minutes.

Export
------
:func:`export_orders` streams the orders matching an
:class:`~ordercli.services.orders.OrderFilter` in id order, fetched in chunks
by keyset pagination (memory stays flat), to a CSV (the import format, so an
export imports back into an empty store), JSON, JSONL or Ecwid ``POST /orders``
bodies.
"""

from __future__ import annotations

import codecs
import csv
import json
import os
import re
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, TextIO

from ordercli.domain import (
    MAX_NOTE,
    Address,
    CustomerIn,
    ItemIn,
    OrderDraft,
    ShippingIn,
    clean_text,
    normalize_country,
    normalize_email,
    normalize_phone,
    parse_adjustment,
    parse_quantity,
    parse_surcharge,
)
from ordercli.errors import EXIT_USAGE, InputError, OrderCliError
from ordercli.money import parse_money, parse_percent, percent_str, to_decimal, to_decimal_str
from ordercli.pricing import Adjustment

# ------------------------------------------------------------------ columns

#: Order-level CSV columns (read from the first row of each order).
ORDER_COLUMNS = [
    "order_ref",
    "name",
    "email",
    "phone",
    "discount",
    "tip",
    "surcharges",
    "payment_method",
    "note",
    "staff_note",
    "shipping_method",
    "shipping_cost",
    "pickup",
    "ship_name",
    "ship_street",
    "ship_city",
    "ship_postal_code",
    "ship_country",
    "bill_name",
    "bill_street",
    "bill_city",
    "bill_postal_code",
    "bill_country",
]
#: Line-item CSV columns (one row per item).
ITEM_COLUMNS = ["sku", "item_name", "quantity", "unit_price", "tax_rate"]
#: Columns ``order export --format csv`` adds for people; ``order import`` ignores them.
EXPORT_INFO_COLUMNS = ["number", "created_at", "payment_status", "fulfillment_status", "currency", "line_total", "order_total"]
#: The CSV export's header, in order.
EXPORT_CSV_COLUMNS = ["order_ref", "name", "email", "phone"] + ITEM_COLUMNS + ORDER_COLUMNS[4:] + EXPORT_INFO_COLUMNS

_HEADER_ALIASES = {
    "ref": "order_ref",
    "reference": "order_ref",
    "external_ref": "order_ref",
    "customer": "name",
    "customer_name": "name",
    "qty": "quantity",
    "item": "item_name",
}

FORMATS = ("csv", "json", "jsonl")
POLICIES = ("reject-all", "skip", "stop")

MAX_LINE_BYTES = 16 * 1024 * 1024  # one physical line (or one JSON element) at most
MAX_PROBLEMS = 10_000  # problems kept in memory; more are counted
CHUNK = 64 * 1024
_BATCH_SECONDS = 0.25  # a batch also commits after this long: other tills wait at most that


# ------------------------------------------------------------------ results


@dataclass
class Problem:
    """One thing wrong with the file, located by line (0 = the file as a whole)."""

    line: int
    message: str
    hint: str | None = None
    order_ref: str | None = None
    column: str | None = None
    kind: str = "input"  # input (bad file: exit 2) | refused (business rule: exit 1)

    def where(self) -> str:
        text = f"line {self.line}" if self.line else "file"
        if self.order_ref:
            text += f" (order {self.order_ref})"
        if self.column:
            text += f", {self.column}"
        return text

    def text(self) -> str:
        return f"{self.where()}: {self.message}"

    def as_dict(self) -> dict:
        return {"line": self.line, "order_ref": self.order_ref, "column": self.column, "message": self.message, "hint": self.hint, "kind": self.kind}


@dataclass
class Source:
    path: Path
    fmt: str  # csv | json | jsonl
    size: int
    mtime_ns: int


@dataclass
class RawOrder:
    """One order as read from the file, before it becomes an OrderDraft."""

    index: int  # 1-based position in the file
    line: int  # first line
    end_line: int
    fmt: str
    ref: str | None = None
    data: dict = field(default_factory=dict)
    item_lines: list[int] = field(default_factory=list)  # CSV: the line of each item
    problems: list[Problem] = field(default_factory=list)
    fatal: bool = False  # the file cannot be read past this point
    pos: int = 0  # bytes read so far (for progress)


@dataclass
class Plan:
    """What the check pass found (and what a dry run reports)."""

    policy: str
    orders: int = 0
    bad: set = field(default_factory=set)  # indexes of orders with problems
    existing: set = field(default_factory=set)  # indexes of orders already imported
    stop_at: int | None = None  # "stop": index of the first bad order
    to_create: int = 0
    emails: int = 0  # customer confirmations the import would queue
    total: int = 0  # minor units, orders to create
    currency: str = "EUR"
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    fatal: bool = False

    def add(self, p: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(p)
        else:
            self.problems_dropped += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_dropped

    @property
    def ok(self) -> bool:
        return not self.problems and not self.problems_dropped


@dataclass
class ImportReport:
    file: str
    fmt: str
    policy: str
    dry_run: bool
    currency: str
    orders: int = 0  # orders read from the file
    created: int = 0
    already: int = 0
    failed: int = 0
    not_processed: int = 0  # after a "stop", or everything under a refused "reject-all"
    total: int = 0  # minor units: created orders (dry run: orders that would be created)
    emails: int = 0  # customer confirmations queued (dry run: would be queued)
    first_number: str | None = None
    last_number: str | None = None
    stopped_at: int | None = None  # line
    written: bool = False
    interrupted: bool = False  # Ctrl-C during the import (what was committed before stays)
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    ignored_columns: list[str] = field(default_factory=list)

    def add(self, p: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(p)
        else:
            self.problems_dropped += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_dropped

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if not self.problem_count:
            return 0
        return EXIT_USAGE if any(p.kind == "input" for p in self.problems) else 1

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "format": self.fmt,
            "on_error": self.policy,
            "dry_run": self.dry_run,
            "written": self.written,
            "orders": self.orders,
            "created": self.created,
            "already_imported": self.already,
            "failed": self.failed,
            "not_processed": self.not_processed,
            "total_amount": to_decimal_str(self.total, self.currency),
            "currency": self.currency,
            "customer_emails": self.emails,
            "first_number": self.first_number,
            "last_number": self.last_number,
            "stopped_at_line": self.stopped_at,
            "interrupted": self.interrupted,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in sorted(self.problems, key=lambda p: p.line)],
            "ignored_columns": self.ignored_columns,
        }


# ------------------------------------------------------------------ opening


def _exts() -> dict[str, str]:
    return {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


def open_source(path: str | Path, fmt: str | None = None) -> Source:
    """Check the file (exists, text, not empty, UTF-8 at the start) and settle its format."""
    p = Path(path).expanduser()
    shown = str(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        raise InputError(f"File not found: {shown!r}.", "Check the path.") from None
    except PermissionError:
        raise InputError(f"Cannot read {shown!r}: permission denied.", "Check the file's permissions.") from None
    if p.is_dir():
        raise InputError(f"{shown!r} is a folder.", "Give a CSV, JSON or JSONL file.")
    if not stat.S_ISREG(st.st_mode):
        raise InputError(f"{shown!r} is not a regular file.", "Save the orders to a file first: the import reads it twice (check, then import).")
    try:
        with open(p, "rb") as f:
            head = f.read(CHUNK)
    except PermissionError:
        raise InputError(f"Cannot read {shown!r}: permission denied.", "Check the file's permissions.") from None
    except OSError as e:
        raise InputError(f"Cannot read {shown!r}: {e.strerror}.", "Check the path.") from None
    body = head[3:] if head.startswith(codecs.BOM_UTF8) else head
    if not body.strip():
        raise InputError(f"{shown!r} is empty.", "Give a CSV with a header line (order_ref,name,email,phone,sku,quantity) and one row per item, or a JSON array of orders.")
    if _looks_binary(body[:8192]):
        raise InputError(f"{shown!r} is not a text file.", "Give a CSV, JSON or JSONL file; save spreadsheets as CSV UTF-8.")
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as e:
        if e.start < len(body) - 4 or len(head) < CHUNK:  # not just a character cut by the chunk end
            line = body[: e.start].count(b"\n") + 1
            raise InputError(
                f"{shown!r} line {line}: not UTF-8 text (byte 0x{body[e.start]:02x}; the file looks like Latin-1 / Windows-1252).",
                "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8) and import again; nothing was written.",
            ) from None
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(f"Unknown input format {fmt!r}.", "Use --input-format csv, json or jsonl.")
    else:
        fmt = _exts().get(p.suffix.lower())
        if fmt is None:
            first = body.lstrip()[:1]
            fmt = "json" if first == b"[" else "jsonl" if first == b"{" else "csv"
    return Source(path=p, fmt=fmt, size=st.st_size, mtime_ns=st.st_mtime_ns)


def _looks_binary(sample: bytes) -> bool:
    if b"\x00" in sample:
        return True
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls > max(4, len(sample) // 100)


def source_changed(src: Source) -> bool:
    try:
        st = src.path.stat()
    except OSError:
        return True
    return st.st_size != src.size or st.st_mtime_ns != src.mtime_ns


# ------------------------------------------------------------------ reading


def read_orders(src: Source, meta: dict | None = None) -> Iterator[RawOrder]:
    """Stream the orders of a file, in file order, with their line numbers.

    Structural problems that stop the read (a header without the required
    columns) raise :class:`InputError` before the first order; a problem
    mid-file (broken JSON) ends the stream with a ``fatal`` RawOrder.
    Repeated ``order_ref`` values are reported on the later order. ``meta``
    receives ``ignored_columns`` (CSV columns the import does not know).
    """
    meta = {} if meta is None else meta
    seen: dict[str, int] = {}
    index = 0
    if src.fmt == "csv":
        stream = _read_csv(src, meta)
    else:
        stream = _read_json_array(src) if src.fmt == "json" else _read_jsonl(src)
    for raw in stream:
        index += 1
        raw.index = index
        if raw.ref is not None:
            ref = raw.ref
            if ref in seen:
                raw.problems.append(
                    Problem(
                        raw.line,
                        f"order_ref {ref!r} is used again (first at line {seen[ref]}).",
                        "Give every order its own order_ref" + ("; keep the rows of one order together." if src.fmt == "csv" else "."),
                        order_ref=ref,
                        column="order_ref",
                    )
                )
            else:
                seen[ref] = raw.line
        yield raw
        if raw.fatal:
            return


class _Lines:
    """A binary file as decoded text lines; remembers undecodable lines and bytes read."""

    def __init__(self, f, shown: str):
        self.f = f
        self.shown = shown
        self.line_no = 0
        self.pos = 0
        self.bad: dict[int, str] = {}
        self.too_long: int | None = None

    def __iter__(self) -> Iterator[str]:
        first = True
        while True:
            raw = self.f.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            self.line_no += 1
            self.pos += len(raw)
            if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
                self.too_long = self.line_no
                return
            if first:
                first = False
                if raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
            if b"\x00" in raw:
                self.bad[self.line_no] = "binary data (NUL bytes) in the line"
                raw = raw.replace(b"\x00", b"")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                self.bad[self.line_no] = f"not UTF-8 text (byte 0x{raw[e.start]:02x} at column {len(raw[: e.start].decode('utf-8', 'replace')) + 1})"
                text = raw.decode("utf-8", "replace")
            yield text


def _unneutralise(cell: str) -> str:
    """Undo the spreadsheet-formula guard of our CSV export ('=… -> =…)."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


def _norm_header(h: str) -> str:
    key = re.sub(r"[\s\-]+", "_", h.strip().lstrip("\ufeff").strip().lower())
    return _HEADER_ALIASES.get(key, key)


def _read_csv(src: Source, meta: dict) -> Iterator[RawOrder]:
    shown = str(src.path)
    if csv.field_size_limit() < MAX_LINE_BYTES:
        csv.field_size_limit(MAX_LINE_BYTES)
    with open(src.path, "rb") as f:
        lines = _Lines(f, shown)
        it = iter(lines)
        header_line = None
        skipped = 0
        for text in it:
            if text.strip():
                header_line = text
                break
            skipped += 1
        if header_line is None:
            raise InputError(f"{shown!r} is empty.", "Give a CSV with a header line: order_ref,name,email,phone,sku,quantity.")
        counts = {d: header_line.count(d) for d in (",", ";", "\t")}
        delim = max(counts, key=lambda d: counts[d])

        def chained():
            yield header_line
            yield from it

        reader = csv.reader(chained(), delimiter=delim, quotechar='"', doublequote=True, skipinitialspace=False, strict=False)
        try:
            header = next(reader)
        except csv.Error as e:
            raise InputError(f"{shown!r} line {skipped + 1}: unreadable header ({e}).", "The first line must name the columns, e.g. order_ref,name,email,phone,sku,quantity.") from None
        hline = skipped + 1
        names = [_norm_header(h) for h in header]
        cols: dict[str, int] = {}
        for i, n in enumerate(names):
            if not n:
                continue
            if n in cols:
                raise InputError(f"{shown!r} line {hline}: column {header[i].strip()!r} appears twice.", "Keep one column of each name.")
            cols[n] = i
        known = set(ORDER_COLUMNS) | set(ITEM_COLUMNS)
        missing = [c for c in ("order_ref", "name", "quantity") if c not in cols]
        if "email" not in cols and "phone" not in cols:
            missing.append("email or phone")
        if "sku" not in cols and "item_name" not in cols:
            missing.append("sku")
        if missing:
            looks_like_data = not any(n in known for n in names)
            raise InputError(
                f"{shown!r} line {hline}: " + ("no header line (the first line looks like data)" if looks_like_data else f"missing column{'s' if len(missing) > 1 else ''} {', '.join(missing)}") + ".",
                "The first line must name the columns: order_ref,name,email,phone,sku,quantity "
                "(optional: item_name,unit_price,tax_rate,discount,tip,surcharges,payment_method,note,staff_note,shipping and billing columns).",
            )
        meta["ignored_columns"] = [header[i].strip() for i, n in enumerate(names) if n and n not in known and n not in EXPORT_INFO_COLUMNS]
        order_cols = [c for c in ORDER_COLUMNS if c in cols and c != "order_ref"]
        width = len(header)

        group: RawOrder | None = None
        first_cells: dict[str, str] = {}
        prev_end = reader.line_num + skipped
        while True:
            try:
                rec = next(reader)
            except StopIteration:
                break
            except csv.Error as e:
                line = reader.line_num + skipped
                if group is not None:
                    yield group
                    group = None
                yield RawOrder(0, line, line, "csv", problems=[Problem(line, f"unreadable CSV ({e}); the rest of the file was not read.", "Check the quotes on this line.")], fatal=True, pos=lines.pos)
                return
            start, end = prev_end + 1, reader.line_num + skipped
            prev_end = end
            bad = [f"line {n}: {lines.bad.pop(n)}" for n in range(start, end + 1) if n in lines.bad]
            if not any(c.strip() for c in rec):
                if bad:  # a line we could not decode at all
                    if group is not None:
                        group.problems.append(Problem(start, "; ".join(bad) + ".", "Save the file as UTF-8 (CSV UTF-8) and import again."))
                continue
            row = {n: _unneutralise(rec[i].strip()) if i < len(rec) else "" for n, i in cols.items()}
            extra = [c for c in rec[width:] if c.strip()]
            ref_error = "empty order_ref."
            try:
                ref = clean_text(row.get("order_ref", ""), "order_ref")
            except InputError as e:
                ref, ref_error = None, f"invalid order_ref: {e.message}"
            if group is not None and ref is not None and ref == group.ref:
                _csv_add_row(group, row, start, first_cells, order_cols, bad, extra, width)
                group.end_line = end
                group.pos = lines.pos
                continue
            if group is not None:
                yield group
            group = RawOrder(0, start, end, "csv", ref=ref, pos=lines.pos)
            if ref is None:
                group.problems.append(Problem(start, ref_error, "Give every row its order's reference (repeat it on each line item of the order).", column="order_ref"))
            first_cells = {c: row.get(c, "") for c in order_cols}
            group.data = _csv_order_data(row, cols)
            _csv_add_row(group, row, start, first_cells, order_cols, bad, extra, width, first=True)
        if lines.too_long is not None:
            if group is not None:
                yield group
                group = None
            n = lines.too_long
            yield RawOrder(0, n, n, "csv", problems=[Problem(n, f"the line is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; the rest of the file was not read.", "Shorten it; notes take at most 2,000 characters.")], fatal=True, pos=lines.pos)
            return
        if group is not None:
            yield group
        else:
            raise InputError(f"{shown!r} has a header but no orders.", "Add one row per line item under the header.")


def _csv_order_data(row: dict, cols: dict) -> dict:
    def g(c: str) -> str | None:
        v = row.get(c)
        return v if v else None

    return {
        "order_ref": row.get("order_ref"),
        "customer": {"name": g("name"), "email": g("email"), "phone": g("phone")},
        "items": [],
        "discount": g("discount"),
        "tip": g("tip"),
        "surcharges": g("surcharges"),
        "payment_method": g("payment_method"),
        "note": g("note"),
        "staff_note": g("staff_note"),
        "shipping": {
            "method": g("shipping_method"),
            "cost": g("shipping_cost"),
            "pickup": g("pickup"),
            "address": {k: g(f"ship_{k}") for k in ("name", "street", "city", "postal_code", "country")},
        },
        "billing": {k: g(f"bill_{k}") for k in ("name", "street", "city", "postal_code", "country")},
    }


def _csv_add_row(group: RawOrder, row: dict, line: int, first_cells: dict, order_cols: list[str], bad: list[str], extra: list[str], width: int, first: bool = False) -> None:
    ref = group.ref
    for b in bad:
        group.problems.append(Problem(line, b + ".", "Save the file as UTF-8 (in a spreadsheet: CSV UTF-8) and import again.", order_ref=ref))
    if extra:
        group.problems.append(Problem(line, f"{width + len(extra)} cells but the header has {width} columns.", "Check the delimiter and the quotes on this line.", order_ref=ref))
    if not first:
        for c in order_cols:
            v = row.get(c, "")
            w = first_cells.get(c, "")
            if v and v != w and not (c == "email" and v.lower() == w.lower()):
                group.problems.append(
                    Problem(
                        line,
                        f"{v!r} contradicts line {group.line} of the same order ({w!r})." if w else f"{v!r} is given here but not on line {group.line}, the order's first row.",
                        "Give order-level values on the first row of each order (or repeat them exactly).",
                        order_ref=ref,
                        column=c,
                    )
                )
    item = {"sku": row.get("sku") or None, "name": row.get("item_name") or None, "quantity": row.get("quantity", ""), "unit_price": row.get("unit_price") or None, "tax_rate": row.get("tax_rate") or None}
    group.data["items"].append(item)
    group.item_lines.append(line)


_JSON_DECODER = json.JSONDecoder(parse_float=str, parse_constant=str)
_WS = re.compile(r"[ \t\n\r]*")


def _json_ref(obj: Any) -> str | None:
    if not isinstance(obj, dict):
        return None
    v = obj.get("order_ref")
    if v is None or isinstance(v, (dict, list, bool)):
        return None
    try:
        return clean_text(str(v), "order_ref")
    except InputError:
        return None


def _json_raw(obj: Any, line: int, fmt: str, pos: int) -> RawOrder:
    raw = RawOrder(0, line, line, fmt, ref=_json_ref(obj), pos=pos)
    if not isinstance(obj, dict):
        raw.problems.append(Problem(line, f"each order must be a JSON object, not {type(obj).__name__}.", 'Write {"order_ref": …, "customer": {…}, "items": [...]}.'))
        return raw
    raw.data = obj
    return raw


def _read_jsonl(src: Source) -> Iterator[RawOrder]:
    with open(src.path, "rb") as f:
        lines = _Lines(f, str(src.path))
        any_order = False
        for text in lines:
            n = lines.line_no
            if n in lines.bad:
                yield RawOrder(0, n, n, "jsonl", problems=[Problem(n, lines.bad.pop(n) + ".", "Save the file as UTF-8 and import again.")], pos=lines.pos)
                any_order = True
                continue
            s = text.strip()
            if not s:
                continue
            any_order = True
            try:
                obj = _JSON_DECODER.decode(s)
            except json.JSONDecodeError as e:
                yield RawOrder(0, n, n, "jsonl", problems=[Problem(n, f"invalid JSON: {e.msg} (column {e.colno}).", "Write one JSON object per line.")], pos=lines.pos)
                continue
            yield _json_raw(obj, n, "jsonl", lines.pos)
        if lines.too_long is not None:
            n = lines.too_long
            yield RawOrder(0, n, n, "jsonl", problems=[Problem(n, f"the line is longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; the rest of the file was not read.", "Shorten it.")], fatal=True, pos=lines.pos)
            return
        if not any_order:
            raise InputError(f"{str(src.path)!r} has no orders.", "Write one JSON order object per line.")


class _JsonStream:
    """Incremental reader of a JSON array: decoded text in a sliding buffer, with line numbers."""

    def __init__(self, f, shown: str):
        self.f = f
        self.shown = shown
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.line = 1  # line number at buf[line_pos]
        self.line_pos = 0
        self.bytes = 0

    def line_at(self, p: int) -> int:
        if p >= self.line_pos:
            self.line += self.buf.count("\n", self.line_pos, p)
            self.line_pos = p
            return self.line
        return self.line - self.buf.count("\n", p, self.line_pos)

    def fill(self) -> None:
        if self.eof:
            return
        if self.pos:
            self.line_at(self.pos)
            self.buf = self.buf[self.pos :]
            self.line_pos -= self.pos
            self.pos = 0
        data = self.f.read(max(CHUNK, len(self.buf)))
        self.bytes += len(data)
        try:
            if not data:
                self.eof = True
                self.buf += self.dec.decode(b"", final=True)
            else:
                self.buf += self.dec.decode(data)
        except UnicodeDecodeError as e:
            line = self.line_at(len(self.buf)) + data[: max(e.start, 0)].count(b"\n")
            raise _Fatal(line, "not UTF-8 text (the file looks like Latin-1 / Windows-1252); the rest of the file was not read.", "Save the file as UTF-8 and import again.") from None

    def skip_ws(self) -> str:
        """Skip whitespace (refilling); return the next character or '' at the end."""
        while True:
            self.pos = _WS.match(self.buf, self.pos).end()
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            if self.eof:
                return ""
            self.fill()


class _Fatal(Exception):
    def __init__(self, line: int, message: str, hint: str):
        super().__init__(message)
        self.line, self.message, self.hint = line, message, hint


def _read_json_array(src: Source) -> Iterator[RawOrder]:
    shown = str(src.path)
    with open(src.path, "rb") as f:
        js = _JsonStream(f, shown)
        try:
            c = js.skip_ws()
            if c != "[":
                if c == "{":
                    raise InputError(f"{shown!r}: expected a JSON array of orders ([{{…}}, {{…}}]).", "Wrap the orders in [ … ], or give one order per line in a .jsonl file (--input-format jsonl).")
                raise InputError(f"{shown!r} line {js.line_at(js.pos)}: not a JSON array of orders.", "A JSON import is an array: [{\"order_ref\": …, \"customer\": {…}, \"items\": […]}, …].")
            js.pos += 1
            count = 0
            while True:
                c = js.skip_ws()
                if c == "]":
                    js.pos += 1
                    break
                if c == "":
                    raise _Fatal(js.line_at(js.pos), "the JSON array is not closed (missing ']').", "Check that the file is complete.")
                start = js.pos
                while True:
                    try:
                        obj, end = _JSON_DECODER.raw_decode(js.buf, js.pos)
                    except json.JSONDecodeError as e:
                        if not js.eof and len(js.buf) - js.pos <= MAX_LINE_BYTES:
                            js.fill()
                            start = js.pos
                            continue
                        raise _Fatal(js.line_at(e.pos), f"invalid JSON: {e.msg}; the rest of the file was not read.", "Fix the JSON (a validator shows the exact spot) and import again.") from None
                    if _WS.match(js.buf, end).end() >= len(js.buf) and not js.eof:
                        js.fill()  # make sure the element is complete
                        start = js.pos
                        continue
                    break
                line = js.line_at(start)
                js.pos = end
                count += 1
                yield _json_raw(obj, line, "json", js.bytes)
                c = js.skip_ws()
                if c == ",":
                    js.pos += 1
                    continue
                if c == "]":
                    js.pos += 1
                    break
                raise _Fatal(js.line_at(js.pos), "expected ',' or ']' after an order; the rest of the file was not read.", "Separate the orders with commas.")
            if js.skip_ws() != "":
                raise _Fatal(js.line_at(js.pos), "unexpected text after the JSON array.", "Remove it.")
            if count == 0:
                raise InputError(f"{shown!r} has no orders (an empty JSON array).", "Put the orders in the array.")
        except _Fatal as e:
            yield RawOrder(0, e.line, e.line, "json", problems=[Problem(e.line, e.message, e.hint)], fatal=True, pos=js.bytes)


# ------------------------------------------------------------------ drafts


@dataclass
class Context:
    currency: str
    phone_region: str | None
    settings: Any = None
    memo: dict = field(default_factory=dict)  # (kind, text) -> normalised text or InputError: customers repeat

    def contact(self, kind: str, text: str) -> str | None:
        key = (kind, text)
        hit = self.memo.get(key)
        if hit is None:
            try:
                hit = normalize_email(text) if kind == "email" else normalize_phone(text, self.phone_region)
            except InputError as e:
                hit = e
            if len(self.memo) > 100_000:
                self.memo.clear()
            self.memo[key] = hit
        if isinstance(hit, InputError):
            raise hit
        return hit


def context_from(settings) -> Context:
    return Context(currency=settings.currency, phone_region=settings.get("store.phone_region") or None, settings=settings)


class _Builder:
    """Turn one RawOrder into an OrderDraft, collecting every problem (not just the first)."""

    def __init__(self, raw: RawOrder, ctx: Context):
        self.raw = raw
        self.ctx = ctx
        self.csv = raw.fmt == "csv"
        self.failed = False

    def problem(self, message: str, hint: str | None, *, col: str, path: str, line: int | None = None, kind: str = "input") -> None:
        self.failed = True
        self.raw.problems.append(
            Problem(line or self.raw.line, message, hint, order_ref=self.raw.ref, column=col if self.csv else path, kind=kind)
        )

    def text(self, value: Any, what: str, col: str, path: str, **kw) -> str | None:
        if value is None:
            if kw.get("required"):
                self.problem(f"the {what} is missing.", f"Give the {what}.", col=col, path=path)
            return None
        if isinstance(value, (dict, list, bool)):
            self.problem(f"the {what} must be text.", f"Write the {what} as a string.", col=col, path=path)
            return None
        try:
            return clean_text(str(value), what, **kw)
        except InputError as e:
            self.problem(e.message, e.hint, col=col, path=path)
            return None

    def call(self, fn: Callable, value: Any, col: str, path: str, line: int | None = None):
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list, bool)):
            self.problem(f"{path if not self.csv else col} must be a single value.", None, col=col, path=path, line=line)
            return None
        try:
            return fn(str(value))
        except InputError as e:
            self.problem(e.message, e.hint, col=col, path=path, line=line)
            return None

    def build(self) -> OrderDraft | None:
        d = self.raw.data
        cur = self.ctx.currency
        if not d:
            return None
        if self.raw.ref is None and not self.csv:
            v = d.get("order_ref")
            self.problem("order_ref is missing." if v in (None, "") else f"invalid order_ref {v!r}.", "Give every order a unique order_ref (your reference): re-imports then skip it.", col="order_ref", path="order_ref")
        cust = d.get("customer")
        if not isinstance(cust, dict):
            if cust is not None:
                self.problem("customer must be an object {name, email, phone}.", None, col="name", path="customer")
            cust = {}
        name = self.text(cust.get("name"), "customer name", "name", "customer.name", required=True)
        email = self.call(lambda t: self.ctx.contact("email", t), cust.get("email"), "email", "customer.email")
        phone = self.call(lambda t: self.ctx.contact("phone", t), cust.get("phone"), "phone", "customer.phone")
        if not (cust.get("email") or cust.get("phone")):
            self.problem("the customer needs an email or a phone number.", "Fill in email or phone (or both).", col="email", path="customer.email")

        items = self._items(d.get("items"))
        discount = self._discount(d)
        tip = self.call(lambda t: parse_money(t, cur, what="tip"), d.get("tip"), "tip", "tip") or 0
        surcharges = self._surcharges(d.get("surcharges"))
        payment_method = self.text(d.get("payment_method"), "payment method", "payment_method", "payment_method")
        note = self.text(d.get("note"), "note", "note", "note", max_len=MAX_NOTE, multiline=True)
        staff_note = self.text(d.get("staff_note"), "staff note", "staff_note", "staff_note", max_len=MAX_NOTE, multiline=True)
        shipping = self._shipping(d)
        billing = self._address(d.get("billing", d.get("billing_address")), "billing", "bill_", "billing")
        if self.failed:
            return None
        return OrderDraft(
            customer=CustomerIn(name=name or "", email=email, phone=phone),
            items=items,
            discount=discount,
            surcharges=surcharges,
            tip=tip,
            shipping=shipping,
            billing=billing,
            payment_method=payment_method,
            note=note,
            staff_note=staff_note,
            door="import",
            external_ref=self.raw.ref,
        )

    def _items(self, items: Any) -> list[ItemIn]:
        cur = self.ctx.currency
        if not isinstance(items, list) or not items:
            self.problem("the order has no items." if not items else "items must be a list.", 'Give at least one item: {"sku": "MUG-01", "quantity": 2} or {"name": "Gift wrap", "unit_price": "2.50", "quantity": 1}.', col="sku", path="items")
            return []
        out: list[ItemIn] = []
        for i, it in enumerate(items):
            line = self.raw.item_lines[i] if self.csv and i < len(self.raw.item_lines) else None
            path = f"items[{i}]"
            if not isinstance(it, dict):
                self.problem("each item must be an object.", None, col="sku", path=path, line=line)
                continue
            sku_v, name_v, price_v = it.get("sku"), it.get("name"), it.get("unit_price")
            qty_v = it.get("quantity", 1 if not self.csv else "")
            qty = None
            if qty_v in (None, ""):
                self.problem("the quantity is missing.", "Give a whole number of 1 or more.", col="quantity", path=f"{path}.quantity", line=line)
            elif isinstance(qty_v, bool) or isinstance(qty_v, (dict, list)):
                self.problem(f"invalid quantity {qty_v!r}: must be a whole number.", "Use a positive whole number, e.g. 2.", col="quantity", path=f"{path}.quantity", line=line)
            else:
                try:
                    qty = parse_quantity(str(qty_v))
                except InputError as e:
                    self.problem(e.message, e.hint, col="quantity", path=f"{path}.quantity", line=line)
            price = self.call(lambda t: parse_money(t, cur, what="unit price"), price_v, "unit_price", f"{path}.unit_price", line)
            rate = self.call(lambda t: parse_percent(t, "tax rate"), it.get("tax_rate"), "tax_rate", f"{path}.tax_rate", line)
            if sku_v not in (None, ""):
                if isinstance(sku_v, (dict, list, bool)):
                    self.problem("the SKU must be text.", None, col="sku", path=f"{path}.sku", line=line)
                    continue
                sku = str(sku_v).strip()
                if qty is not None:  # unit_price / tax_rate, when given, override the catalog's (an export keeps what each line was sold at)
                    out.append(ItemIn(sku=sku, quantity=qty, unit_price=price, tax_rate=rate))
                continue
            if name_v in (None, ""):
                self.problem("no SKU and no item name.", "Give a catalog SKU, or item_name and unit_price for a custom item.", col="sku", path=f"{path}.sku", line=line)
                continue
            name = self.text(name_v, "item name", "item_name", f"{path}.name", required=True)
            if price_v in (None, ""):
                self.problem(f"the custom item {str(name_v)!r} has no unit_price.", "Give its unit_price, e.g. 2.50 (or a catalog SKU).", col="unit_price", path=f"{path}.unit_price", line=line)
                continue
            if qty is not None and name and price is not None:
                out.append(ItemIn(name=name, unit_price=price, quantity=qty, tax_rate=rate))
        return out

    def _discount(self, d: dict) -> Adjustment | None:
        cur = self.ctx.currency
        pct = d.get("discount_percent")
        if pct not in (None, ""):
            p = self.call(lambda t: parse_percent(t, "discount"), pct, "discount", "discount_percent")
            return Adjustment(percent=p) if p is not None else None
        v = d.get("discount")
        adj = self.call(lambda t: parse_adjustment(t, cur, "discount"), v, "discount", "discount")
        if adj is not None and adj.amount == 0:
            return None
        return adj

    def _surcharges(self, v: Any) -> list[Adjustment]:
        cur = self.ctx.currency
        if v in (None, "", []):
            return []
        out: list[Adjustment] = []
        if isinstance(v, str):
            parts = [p for p in re.split(r"(?<=[\d%])\s*;\s*", v.strip()) if p.strip()]
            for p in parts:
                a = self.call(lambda t: parse_surcharge(t, cur), p, "surcharges", "surcharges")
                if a is not None:
                    out.append(a)
            return out
        if not isinstance(v, list):
            self.problem("surcharges must be a list.", 'e.g. [{"label": "Card fee", "percent": "1.5"}] or "Card fee=1.5%".', col="surcharges", path="surcharges")
            return []
        for i, s in enumerate(v):
            path = f"surcharges[{i}]"
            if isinstance(s, str):
                a = self.call(lambda t: parse_surcharge(t, cur), s, "surcharges", path)
            elif isinstance(s, dict):
                label = self.text(s.get("label"), "surcharge label", "surcharges", f"{path}.label", required=True)
                if s.get("percent") not in (None, ""):
                    p = self.call(lambda t: parse_percent(t, "surcharge"), s.get("percent"), "surcharges", f"{path}.percent")
                    a = Adjustment(percent=p, label=label or "") if p is not None and label else None
                else:
                    m = self.call(lambda t: parse_money(t, cur, what="surcharge"), s.get("amount"), "surcharges", f"{path}.amount")
                    if m is None and s.get("amount") in (None, ""):
                        self.problem("the surcharge has no amount or percent.", None, col="surcharges", path=path)
                    a = Adjustment(amount=m, label=label or "") if m is not None and label else None
            else:
                self.problem("each surcharge must be an object or 'LABEL=AMOUNT'.", None, col="surcharges", path=path)
                a = None
            if a is not None:
                out.append(a)
        return out

    def _address(self, v: Any, what: str, prefix: str, path: str) -> Address | None:
        if v in (None, ""):
            return None
        if not isinstance(v, dict):
            self.problem(f"the {what} address must be an object.", None, col=f"{prefix}street", path=path)
            return None
        a = Address(
            name=self.text(v.get("name"), f"{what} name", f"{prefix}name", f"{path}.name"),
            street=self.text(v.get("street"), f"{what} street", f"{prefix}street", f"{path}.street", max_len=300),
            city=self.text(v.get("city"), f"{what} city", f"{prefix}city", f"{path}.city"),
            postal_code=self.text(v.get("postal_code"), f"{what} postal code", f"{prefix}postal_code", f"{path}.postal_code", max_len=30),
            country=self.call(normalize_country, v.get("country"), f"{prefix}country", f"{path}.country"),
        )
        return None if a.is_empty() else a

    def _shipping(self, d: dict) -> ShippingIn | None:
        cur = self.ctx.currency
        s = d.get("shipping")
        if isinstance(s, dict):
            method, cost, pickup, addr = s.get("method"), s.get("cost"), s.get("pickup"), s.get("address")
        else:  # the order JSON's shape: "shipping": "4.90", "shipping_method", "pickup", "shipping_address"
            method, cost, pickup, addr = d.get("shipping_method"), s, d.get("pickup"), d.get("shipping_address")
        method_t = self.text(method, "shipping method", "shipping_method", "shipping_method")
        cost_m = self.call(lambda t: parse_money(t, cur, what="shipping cost"), cost, "shipping_cost", "shipping.cost") or 0
        pick = self._bool(pickup, "pickup", "shipping.pickup")
        address = self._address(addr, "shipping", "ship_", "shipping.address")
        if pick and address is not None:
            self.problem("a pickup order cannot have a shipping address.", "Drop pickup or the shipping address.", col="pickup", path="shipping.pickup")
        if not (method_t or cost_m or pick or address):
            return None
        return ShippingIn(method=method_t, cost=cost_m, pickup=bool(pick), address=address)

    def _bool(self, v: Any, col: str, path: str) -> bool:
        if v in (None, ""):
            return False
        if isinstance(v, bool):
            return v
        t = str(v).strip().lower()
        if t in ("yes", "y", "true", "1", "x", "pickup"):
            return True
        if t in ("no", "n", "false", "0"):
            return False
        self.problem(f"invalid {col} value {v!r}.", "Use yes or no.", col=col, path=path)
        return False


def build_draft(raw: RawOrder, ctx: Context) -> OrderDraft | None:
    """The OrderDraft of one order, or None (its problems are in ``raw.problems``)."""
    if raw.problems or not raw.data:
        # Still look for more problems in the data (every problem is reported).
        if raw.data:
            _Builder(raw, ctx).build()
        return None
    return _Builder(raw, ctx).build()


# ------------------------------------------------------------------ pass 1: check


def _chunks(it: Iterable, n: int) -> Iterator[list]:
    buf: list = []
    for x in it:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def _kind(e: OrderCliError) -> str:
    return "input" if e.exit_code == EXIT_USAGE else "refused"


def check_file(engine, src: Source, *, policy: str, notify: bool = True, progress: Callable[[int, int], None] | None = None) -> Plan:
    """Pass 1: parse and validate every order and simulate stock for the whole file. Writes nothing."""
    from sqlmodel import select

    from ordercli import db
    from ordercli.models import Order, Product
    from ordercli.services import common, orders

    if policy not in POLICIES:
        raise InputError(f"Unknown --on-error {policy!r}.", "Use reject-all, skip or stop.")
    plan = Plan(policy=policy)
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
        ctx = context_from(settings)
        plan.currency = settings.currency
        catalog = {p.sku.upper(): p for p in s.exec(select(Product)).all()}
        stock_left = {p.id: p.stock for p in catalog.values() if p.stock is not None}
        demand: dict[int, int] = {}  # reject-all: the file's demand so far
        runs_out: dict[int, tuple[int, int, str | None, int]] = {}  # pid -> (index, line, ref, asked so far)
        names = {p.id: p.sku for p in catalog.values()}

        meta: dict = {}
        stream = read_orders(src, meta)
        done = False
        for chunk in _chunks(stream, 500):
            drafts = [(raw, build_draft(raw, ctx)) for raw in chunk]
            refs = [raw.ref for raw, d in drafts if d is not None and raw.ref]
            existing = set(s.exec(select(Order.external_ref).where(Order.external_ref.in_(refs))).all()) if refs else set()  # type: ignore[union-attr]
            for raw, draft in drafts:
                if raw.fatal:
                    plan.fatal = True
                else:
                    plan.orders += 1
                if draft is None:
                    _bad(plan, raw)
                    if policy == "stop":
                        done = True
                        break
                    continue
                if raw.ref in existing:
                    plan.existing.add(raw.index)
                    continue
                try:
                    priced = orders.price_draft(s, orders.normalize_draft(draft, settings), settings, catalog=catalog)
                except OrderCliError as e:
                    raw.problems.append(Problem(raw.line, e.message, e.hint, order_ref=raw.ref, kind=_kind(e)))
                    _bad(plan, raw)
                    if policy == "stop":
                        done = True
                        break
                    continue
                wanted: dict[int, int] = {}
                for ln in priced.lines:
                    if ln.tracked and ln.product_id is not None:
                        wanted[ln.product_id] = wanted.get(ln.product_id, 0) + ln.quantity
                if policy == "reject-all":
                    for pid, q in wanted.items():
                        demand[pid] = demand.get(pid, 0) + q
                        if pid not in runs_out and demand[pid] > (stock_left.get(pid) or 0):
                            runs_out[pid] = (raw.index, raw.line, raw.ref, demand[pid])
                else:
                    short = [(names.get(pid, str(pid)), q, stock_left.get(pid) or 0) for pid, q in sorted(wanted.items()) if q > (stock_left.get(pid) or 0)]
                    if short:
                        raw.problems.append(
                            Problem(
                                raw.line,
                                "not enough stock after the orders above it in the file — " + "; ".join(f"{sku}: asked {a}, left {v}" for sku, a, v in short) + ".",
                                "Lower the quantities or add stock with `ordercli product stock SKU --add N`.",
                                order_ref=raw.ref,
                                kind="refused",
                            )
                        )
                        _bad(plan, raw)
                        if policy == "stop":
                            done = True
                            break
                        continue
                    for pid, q in wanted.items():
                        stock_left[pid] = (stock_left.get(pid) or 0) - q
                plan.to_create += 1
                plan.total += priced.totals.total
                if notify and draft.customer.email:
                    plan.emails += 1
            if progress is not None and chunk:
                progress(plan.orders, chunk[-1].pos)
            if done:
                # "stop": the rest will not be imported; count it for the summary.
                plan.orders += sum(1 for raw in chunk if raw.index > (plan.stop_at or 0) and not raw.fatal)
                plan.orders += sum(1 for raw in stream if not raw.fatal)
                break
        plan.ignored_columns = list(meta.get("ignored_columns", []))
        for pid, (index, line, ref, asked) in sorted(runs_out.items(), key=lambda kv: kv[1][0]):
            avail = stock_left.get(pid) or 0
            plan.add(
                Problem(
                    line,
                    f"not enough stock of {names.get(pid, pid)} for the whole file: the orders up to this one ask for {asked}, "
                    f"{avail} in stock (the file asks for {demand[pid]} in all).",
                    f"Lower the quantities, or add stock with `ordercli product stock {names.get(pid, pid)} --add {demand[pid] - avail}`.",
                    order_ref=ref,
                    column="quantity" if src.fmt == "csv" else None,
                    kind="refused",
                )
            )
            plan.bad.add(index)
        if policy == "reject-all" and not plan.ok:
            plan.to_create = 0
    return plan


def _bad(plan: Plan, raw: RawOrder) -> None:
    plan.bad.add(raw.index)
    if plan.policy == "stop" and plan.stop_at is None:
        plan.stop_at = raw.index
    for p in raw.problems:
        plan.add(p)
    if not raw.problems:  # pragma: no cover - a draft is only None with a problem
        plan.add(Problem(raw.line, "the order could not be read.", None, order_ref=raw.ref))


# ------------------------------------------------------------------ pass 2: import


@dataclass
class _Item:
    index: int
    line: int
    ref: str | None
    draft: OrderDraft


class _Importer:
    def __init__(self, engine, report: ImportReport, *, policy: str, settings, batch_size: int):
        self.engine = engine
        self.report = report
        self.policy = policy
        self.settings = settings
        self.batch_size = max(1, batch_size)
        self.stopped = False

    def _catalog(self, session, items: list[_Item]) -> dict:
        import sqlalchemy as sa
        from sqlmodel import select

        from ordercli.models import Product

        skus = {i.sku.upper() for it in items for i in it.draft.items if i.sku}
        if not skus:
            return {}
        rows = session.exec(select(Product).where(sa.func.upper(Product.sku).in_(skus))).all()
        return {p.sku.upper(): p for p in rows}

    def run(self, items: list[_Item]) -> None:
        """Place a batch in one transaction; on any failure, redo it one order per transaction."""
        import sqlalchemy as sa

        from ordercli import db
        from ordercli.services import common, orders

        if not items or self.stopped:
            return
        results = []
        try:
            with db.write_session(self.engine) as s:
                # PostgreSQL lock order (see services.common): the counter, then every product
                # of the batch by id. Orders in file order would lock products in file order
                # and deadlock with a cancel or an edit on another till.
                common.lock_counter(s, "order")
                catalog = self._catalog(s, items)
                common.lock_products(s, (p.id for p in catalog.values()))
                for it in items:
                    placed = orders.place_order(s, it.draft, settings=self.settings, catalog=catalog)
                    results.append((it, placed))
                s.commit()
        except (OrderCliError, sa.exc.DBAPIError) as e:
            if len(items) > 1:
                for it in items:
                    self.run([it])
                    if self.stopped:
                        return
                return
            self._failed(items[0], e)
            return
        for it, placed in results:
            self._record(placed)

    def _record(self, placed) -> None:
        r = self.report
        o = placed.order
        if not placed.created:
            r.already += 1
            return
        r.created += 1
        r.written = True
        r.total += o.total
        r.emails += sum(1 for m in (placed.messages or []) if getattr(m, "audience", None) == "customer")
        if r.first_number is None:
            r.first_number = o.number
        r.last_number = o.number

    def _failed(self, it: _Item, e: Exception) -> None:
        import sqlalchemy as sa
        from sqlmodel import select

        from ordercli import db
        from ordercli.models import Order

        r = self.report
        if isinstance(e, sa.exc.IntegrityError) and it.ref:
            # Another process imported the same order_ref between our check and our insert.
            with db.read_session(self.engine) as s:
                if s.exec(select(Order.id).where(Order.external_ref == it.ref)).first() is not None:
                    r.already += 1
                    return
        if isinstance(e, OrderCliError):
            r.add(Problem(it.line, e.message, e.hint, order_ref=it.ref, kind=_kind(e)))
            r.failed += 1
            if self.policy != "skip":
                self._stop(it)
            return
        text = str(getattr(e, "orig", None) or e).strip().splitlines()
        msg = text[0] if text else type(e).__name__
        if "database is locked" in msg:
            msg = "the store stayed busy (another till was writing)"
        r.add(Problem(it.line, f"the store refused the order: {msg}.", "Nothing of this order was saved; run the import again (imported orders are skipped).", order_ref=it.ref, kind="refused"))
        r.failed += 1
        self._stop(it)  # a store problem is not about one order: stop whatever the policy

    def _stop(self, it: _Item) -> None:
        self.stopped = True
        self.report.stopped_at = it.line


def import_file(
    engine,
    src: Source,
    plan: Plan,
    *,
    notify: bool = True,
    batch_size: int = 100,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Pass 2: place the orders the check pass accepted, committing per batch."""
    from ordercli import db
    from ordercli.services import common

    report = ImportReport(file=str(src.path), fmt=src.fmt, policy=plan.policy, dry_run=False, currency=plan.currency)
    report.ignored_columns = plan.ignored_columns
    for p in plan.problems:
        report.add(p)
    report.problems_dropped += plan.problems_dropped
    report.failed = len(plan.bad)
    if plan.policy == "reject-all" and not plan.ok:
        report.orders = plan.orders
        report.already = len(plan.existing)
        report.not_processed = max(plan.orders - len(plan.bad) - len(plan.existing), 0)
        return report
    if source_changed(src):
        raise InputError(f"{str(src.path)!r} changed while it was being imported.", "Import it again once it is saved; orders already imported are skipped.")
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    ctx = context_from(settings)
    imp = _Importer(engine, report, policy=plan.policy, settings=settings, batch_size=batch_size)
    batch: list[_Item] = []
    started = time.monotonic()
    seen = 0
    last_pos = 0
    try:
        for raw in read_orders(src):
            seen = raw.index
            last_pos = raw.pos
            if plan.stop_at is not None and raw.index >= plan.stop_at:
                report.stopped_at = raw.line
                seen = raw.index - 1
                break
            if raw.index in plan.bad:
                continue
            if raw.index in plan.existing:
                report.already += 1
                continue
            draft = build_draft(raw, ctx)
            if draft is None:  # the file changed between the passes
                for p in raw.problems:
                    report.add(p)
                report.failed += 1
                if plan.policy != "skip":
                    imp._stop(_Item(raw.index, raw.line, raw.ref, OrderDraft(customer=CustomerIn(name=""), items=[])))
                    break
                continue
            draft.door = "import"
            draft.external_ref = raw.ref
            draft.notify_customer = notify
            batch.append(_Item(raw.index, raw.line, raw.ref, draft))
            if len(batch) >= imp.batch_size or time.monotonic() - started >= _BATCH_SECONDS:
                imp.run(batch)
                batch = []
                started = time.monotonic()
                if progress is not None:
                    progress(raw.index, raw.pos)
                if imp.stopped:
                    break
        if batch and not imp.stopped:
            imp.run(batch)
    except KeyboardInterrupt:
        # Ctrl-C: the batch in flight rolled back; what was committed stays. Report it.
        report.interrupted = True
    if progress is not None:
        progress(seen, last_pos)
    report.orders = plan.orders
    handled = report.created + report.already + report.failed
    report.not_processed = max(plan.orders - handled, 0)
    return report


def dry_run_report(src: Source, plan: Plan) -> ImportReport:
    report = ImportReport(file=str(src.path), fmt=src.fmt, policy=plan.policy, dry_run=True, currency=plan.currency)
    report.orders = plan.orders
    report.created = plan.to_create
    report.already = len(plan.existing)
    report.failed = len(plan.bad)
    report.total = plan.total if (plan.policy != "reject-all" or plan.ok) else 0
    report.emails = plan.emails if (plan.policy != "reject-all" or plan.ok) else 0
    report.ignored_columns = plan.ignored_columns
    if plan.stop_at is not None:
        report.not_processed = plan.orders - plan.stop_at
        report.stopped_at = next((p.line for p in plan.problems), None)
    elif plan.policy == "reject-all" and not plan.ok:
        report.not_processed = plan.orders - len(plan.bad) - len(plan.existing)
    for p in plan.problems:
        report.add(p)
    report.problems_dropped += plan.problems_dropped
    return report


def write_errors_csv(path: str | Path, problems: Iterable[Problem]) -> None:
    from ordercli.output import safe_cell

    target = Path(path).expanduser()
    tmp = target.with_name(target.name + ".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["line", "order_ref", "column", "problem", "hint"])
        for p in sorted(problems, key=lambda p: p.line):
            w.writerow([safe_cell(v) for v in (p.line, p.order_ref or "", p.column or "", p.message, p.hint or "")])
    os.replace(tmp, target)


# ------------------------------------------------------------------ export


EXPORT_FORMATS = ("csv", "json", "jsonl", "ecwid")


def iter_export(session, f, *, chunk: int = 1000, limit: int | None = None) -> Iterator[tuple[Any, list, list]]:
    """(order, lines, surcharges) for every order matching ``f``, oldest first, fetched in chunks."""
    from ordercli.models import Order
    from ordercli.services import orders

    q = orders.filtered_query(f).order_by(None).order_by(Order.id)
    last = 0
    n = 0
    while True:
        size = chunk if limit is None else min(chunk, limit - n)
        if size <= 0:
            return
        rows = list(session.exec(q.where(Order.id > last).limit(size)).all())
        if not rows:
            return
        ids = [o.id for o in rows]
        lines = orders.lines_for(session, ids)
        surs = orders.surcharges_for(session, ids)
        for o in rows:
            yield o, lines[o.id], surs[o.id]
        n += len(rows)
        last = ids[-1]
        session.expunge_all()  # keep memory flat
        if len(rows) < size:
            return


def order_ref_of(o) -> str:
    return o.external_ref or o.number


def _money_or_blank(v: int, cur: str) -> str:
    return to_decimal_str(v, cur) if v else ""


def _discount_text(o) -> str:
    if o.discount_percent is not None:
        return f"{percent_str(o.discount_percent)}%"
    return _money_or_blank(o.discount, o.currency)


def _surcharges_text(surs: list, cur: str) -> str:
    parts = []
    for s in surs:
        value = f"{percent_str(s.percent)}%" if s.percent is not None else to_decimal_str(s.amount, cur)
        parts.append(f"{s.label}={value}")
    return "; ".join(parts)


def csv_rows(o, lines: list, surs: list) -> Iterator[list]:
    """The export rows of one order (one per line item), in EXPORT_CSV_COLUMNS order."""
    from ordercli.serialize import iso

    cur = o.currency
    order_level = [
        _discount_text(o),
        _money_or_blank(o.tip, cur),
        _surcharges_text(surs, cur),
        o.payment_method or "",
        o.note or "",
        o.staff_note or "",
        o.shipping_method or "",
        _money_or_blank(o.shipping, cur),
        "yes" if o.pickup else "",
        o.ship_name or "",
        o.ship_street or "",
        o.ship_city or "",
        o.ship_postal_code or "",
        o.ship_country or "",
        o.bill_name or "",
        o.bill_street or "",
        o.bill_city or "",
        o.bill_postal_code or "",
        o.bill_country or "",
    ]
    info_tail = [o.number, iso(o.created_at), o.payment_status, o.fulfillment_status, cur]
    head = [order_ref_of(o), o.customer_name, o.customer_email or "", o.customer_phone or ""]
    for ln in lines:
        item = [ln.sku or "", ln.name, ln.quantity, to_decimal_str(ln.unit_price, cur), percent_str(ln.tax_rate)]
        yield head + item + order_level + info_tail + [to_decimal_str(ln.total, cur), to_decimal_str(o.total, cur)]


def json_order(o, lines: list, surs: list) -> dict:
    from ordercli import serialize

    return {"order_ref": order_ref_of(o), **serialize.order_dict(o, lines, surs)}


def _num(minor: int, cur: str) -> int | float:
    d = to_decimal(minor, cur)
    return int(d) if d == d.to_integral_value() else float(d)


def _ecwid_date(dt) -> str | None:
    if dt is None:
        return None
    from datetime import timezone

    return dt.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S +0000")


def ecwid_order(o, lines: list, surs: list) -> dict:
    """An Ecwid REST ``POST /orders`` body (see docs/batch.md for the mapping)."""
    cur = o.currency

    def n(v: int):
        return _num(v, cur)

    surcharges = [
        {
            "id": f"surcharge-{s.position}",
            "value": float(s.percent) / 100 if s.percent is not None else n(s.amount),
            "type": "PERCENT" if s.percent is not None else "ABSOLUTE",
            "total": n(s.amount),
            "totalWithoutTax": n(s.amount),
            "description": s.label,
            "taxable": False,
        }
        for s in surs
    ]
    if o.tip:
        surcharges.append({"id": "tip", "value": n(o.tip), "type": "ABSOLUTE", "total": n(o.tip), "totalWithoutTax": n(o.tip), "description": "Tip", "taxable": False})

    def person(prefix: str) -> dict:
        return {
            "name": getattr(o, f"{prefix}_name") or o.customer_name,
            "phone": o.customer_phone or "",
            "street": getattr(o, f"{prefix}_street") or "",
            "city": getattr(o, f"{prefix}_city") or "",
            "postalCode": getattr(o, f"{prefix}_postal_code") or "",
            "countryCode": getattr(o, f"{prefix}_country") or "",
        }

    body: dict[str, Any] = {
        "externalOrderId": o.number,
        "email": o.customer_email or "",
        "paymentStatus": o.payment_status,
        "fulfillmentStatus": o.fulfillment_status,
        "paymentMethod": o.payment_method or "",
        "items": [
            {"sku": ln.sku or "", "name": ln.name, "price": n(ln.unit_price), "quantity": ln.quantity, "tax": n(ln.tax)} for ln in lines
        ],
        "subtotal": n(o.subtotal),
        "total": n(o.total),
        "tax": n(o.tax),
        "pricesIncludeTax": bool(o.prices_include_tax),
        "discount": n(o.discount),
        "customSurcharges": surcharges,
        "billingPerson": person("bill"),
        "shippingPerson": person("ship"),
        "orderComments": o.note or "",
        "privateAdminNotes": o.staff_note or "",
        "createDate": _ecwid_date(o.created_at),
    }
    if o.discount:
        body["discountInfo"] = [
            {
                "value": float(o.discount_percent) / 100 if o.discount_percent is not None else n(o.discount),
                "type": "PERCENT" if o.discount_percent is not None else "ABS",
                "base": "ON_TOTAL",
                "orderTotal": n(o.discount),
            }
        ]
    if o.shipping or o.shipping_method or o.pickup:
        body["shippingOption"] = {"shippingMethodName": o.shipping_method or ("Pickup" if o.pickup else "Shipping"), "shippingRate": n(o.shipping), "isPickup": bool(o.pickup)}
    return body


def export_orders(session, f, out: TextIO, *, fmt: str, limit: int | None = None, chunk: int = 1000) -> int:
    """Write the orders matching ``f`` to ``out`` in ``fmt``; returns how many were written."""
    from ordercli.output import safe_cell

    if fmt not in EXPORT_FORMATS:
        raise InputError(f"Unknown export format {fmt!r}.", "Use --format csv, json, jsonl or ecwid.")
    count = 0
    rows = iter_export(session, f, chunk=chunk, limit=limit)
    if fmt == "csv":
        w = csv.writer(out, lineterminator="\n")
        w.writerow(EXPORT_CSV_COLUMNS)
        for o, lines, surs in rows:
            for r in csv_rows(o, lines, surs):
                w.writerow([safe_cell(v) for v in r])
            count += 1
        return count
    if fmt == "jsonl":
        for o, lines, surs in rows:
            out.write(json.dumps(json_order(o, lines, surs), ensure_ascii=False) + "\n")
            count += 1
        return count
    make = json_order if fmt == "json" else ecwid_order
    out.write("[")
    for o, lines, surs in rows:
        out.write(("\n" if count == 0 else ",\n") + json.dumps(make(o, lines, surs), ensure_ascii=False))
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
