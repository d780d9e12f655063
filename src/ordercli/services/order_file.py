"""Order files -> orders as read (:class:`RawOrder`), each with its physical line.

* CSV (comma, semicolon or tab; :mod:`ordercli.files.tabular`): one row per
  line item, rows grouped into orders by ``order_ref`` (the rows of one order
  are together); order-level values come from an order's first row.
* JSON: an array of orders, streamed one element at a time
  (:mod:`ordercli.files.jsonstream`).
* JSONL: one order per line.

Nothing here knows the store: :mod:`ordercli.services.order_draft` turns a
RawOrder into an OrderDraft, :mod:`ordercli.services.order_import` checks and
imports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

from ordercli.domain import clean_text
from ordercli.errors import InputError
from ordercli.i18n import N_, _, ngettext
from ordercli.files.text import FileProblem, TextFile, open_text


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



# ------------------------------------------------------------------ what is read


@dataclass
class Problem(FileProblem):
    """A FileProblem of an order: also names the order, and whether it is bad input or a refusal."""

    order_ref: str | None = None
    kind: str = "input"  # input (bad file: exit 2) | refused (business rule: exit 1)

    def context(self) -> str:
        return f" (order {self.order_ref})" if self.order_ref else ""

    def as_dict(self) -> dict:
        return {"line": self.line, "order_ref": self.order_ref, "column": self.column, "message": self.message, "hint": self.hint, "kind": self.kind}


def order_problem(p: FileProblem, order_ref: str | None = None) -> Problem:
    return Problem(p.line, p.message, p.hint, column=p.column, column_label=p.column_label, order_ref=order_ref)


@dataclass
class Source:
    path: Path
    fmt: str  # csv | json | jsonl
    size: int
    mtime_ns: int
    file: TextFile | None = None

    @property
    def shown(self) -> str:
        return self.file.shown if self.file is not None else str(self.path)


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


# ------------------------------------------------------------------ opening

_EXTENSIONS = {".csv": "csv", ".tsv": "csv", ".txt": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}
CSV_HEADER_HINT = N_(
    "The first line must name the columns: order_ref,name,email,phone,sku,quantity "
    "(optional: item_name,unit_price,tax_rate,discount,tip,surcharges,payment_method,note,staff_note,shipping and billing columns)."
)


def open_source(path: str | Path, fmt: str | None = None, encoding: str | None = None) -> Source:
    """Check the file (exists, regular, text, not empty), settle its encoding (``encoding`` or
    detected: UTF-8, Windows-1252, Latin-1) and its format."""
    tf = open_text(
        path,
        encoding=encoding,
        kinds="a CSV, JSON or JSONL file",
        empty_hint=_("Give a CSV with a header line (order_ref,name,email,phone,sku,quantity) and one row per item, or a JSON array of orders."),
        regular_hint=_("Save the orders to a file first: the import reads it twice (check, then import)."),
    )
    if fmt:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise InputError(_("Unknown input format %(format)s: csv, json or jsonl.") % {"format": repr(fmt)})
    else:
        fmt = _EXTENSIONS.get(tf.path.suffix.lower())
        if fmt is None:
            first = tf.head.lstrip()[:1]
            fmt = "json" if first == b"[" else "jsonl" if first == b"{" else "csv"
    return Source(path=tf.path, fmt=fmt, size=tf.size, mtime_ns=tf.mtime_ns, file=tf)


def source_changed(src: Source) -> bool:
    if src.file is not None:
        return src.file.changed()
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
                        _("order_ref %(ref)s is used again (first at line %(line)s).") % {"ref": repr(ref), "line": seen[ref]},
                        _("Give every order its own order_ref; keep the rows of one order together.") if src.fmt == "csv" else _("Give every order its own order_ref."),
                        column="order_ref",
                        column_label="column" if src.fmt == "csv" else "field",
                        order_ref=ref,
                    )
                )
            else:
                seen[ref] = raw.line
        yield raw
        if raw.fatal:
            return


def _fatal(p: FileProblem, fmt: str, pos: int) -> RawOrder:
    return RawOrder(0, p.line, p.line, fmt, problems=[order_problem(p)], fatal=True, pos=pos)


# ------------------------------------------------------------------ CSV


def _unneutralise(cell: str) -> str:
    """Undo the spreadsheet-formula guard of our CSV export ('=… -> =…)."""
    if len(cell) > 1 and cell[0] == "'" and cell[1] in "=+-@\t\r":
        return cell[1:]
    return cell


def _norm_header(h: str) -> str:
    key = re.sub(r"[\s\-]+", "_", h.strip().lstrip("\ufeff").strip().lower())
    return _HEADER_ALIASES.get(key, key)


def _read_csv(src: Source, meta: dict) -> Iterator[RawOrder]:
    from ordercli.files.tabular import TableReader

    shown = src.shown
    with open(src.path, "rb") as f:
        table = TableReader(f, shown=shown, empty_hint=_("Give a CSV with a header line: order_ref,name,email,phone,sku,quantity."), header_hint=_(CSV_HEADER_HINT))
        header = table.header
        names = [_norm_header(h) for h in header]
        cols: dict[str, int] = {}
        for i, n in enumerate(names):
            if not n:
                continue
            if n in cols:
                raise InputError(table.header_problem(_("column %(column)s appears twice.") % {"column": repr(header[i].strip())}), _("Keep one column of each name."))
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
                table.header_problem(
                    _("no header line (the first line looks like data).")
                    if looks_like_data
                    else ngettext("missing column %(columns)s.", "missing columns %(columns)s.", len(missing)) % {"columns": ", ".join(missing)}
                ),
                _(CSV_HEADER_HINT),
            )
        meta["ignored_columns"] = [header[i].strip() for i, n in enumerate(names) if n and n not in known and n not in EXPORT_INFO_COLUMNS]
        order_cols = [c for c in ORDER_COLUMNS if c in cols and c != "order_ref"]

        group: RawOrder | None = None
        first_cells: dict[str, str] = {}
        for rec in table:
            if rec.blank:  # a blank line we could not decode: a problem of the order above it
                if group is not None:
                    group.problems.extend(order_problem(p, group.ref) for p in rec.problems)
                continue
            cells = rec.cells
            row = {n: _unneutralise(cells[i].strip()) if i < len(cells) else "" for n, i in cols.items()}
            ref_error = _("empty order_ref.")
            try:
                ref = clean_text(row.get("order_ref", ""), "order_ref")
            except InputError as e:
                ref, ref_error = None, _("invalid order_ref: %(reason)s") % {"reason": e.message}
            if group is not None and ref is not None and ref == group.ref:
                _csv_add_row(group, row, rec.line, first_cells, order_cols, rec.problems)
                group.end_line = rec.end_line
                group.pos = rec.pos
                continue
            if group is not None:
                yield group
            group = RawOrder(0, rec.line, rec.end_line, "csv", ref=ref, pos=rec.pos)
            if ref is None:
                group.problems.append(Problem(rec.line, ref_error, _("Give every row its order's reference (repeat it on each line item of the order)."), column="order_ref"))
            first_cells = {c: row.get(c, "") for c in order_cols}
            group.data = _csv_order_data(row)
            _csv_add_row(group, row, rec.line, first_cells, order_cols, rec.problems, first=True)
        if group is not None:
            yield group
        if table.fatal is not None:
            yield _fatal(table.fatal, "csv", table.pos)
        elif group is None:
            raise InputError(_("%(file)s has a header but no orders.") % {"file": repr(shown)}, _("Add one row per line item under the header."))


def _csv_order_data(row: dict) -> dict:
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


def _csv_add_row(group: RawOrder, row: dict, line: int, first_cells: dict, order_cols: list[str], found: list[FileProblem], first: bool = False) -> None:
    ref = group.ref
    group.problems.extend(order_problem(p, ref) for p in found)
    if not first:
        for c in order_cols:
            v = row.get(c, "")
            w = first_cells.get(c, "")
            if v and v != w and not (c == "email" and v.lower() == w.lower()):
                group.problems.append(
                    Problem(
                        line,
                        _("%(value)s contradicts line %(line)s of the same order (%(first)s).") % {"value": repr(v), "line": group.line, "first": repr(w)}
                        if w
                        else _("%(value)s is given here but not on line %(line)s, the order's first row.") % {"value": repr(v), "line": group.line},
                        _("Give order-level values on the first row of each order (or repeat them exactly)."),
                        column=c,
                        order_ref=ref,
                    )
                )
    item = {"sku": row.get("sku") or None, "name": row.get("item_name") or None, "quantity": row.get("quantity", ""), "unit_price": row.get("unit_price") or None, "tax_rate": row.get("tax_rate") or None}
    group.data["items"].append(item)
    group.item_lines.append(line)


# ------------------------------------------------------------------ JSON / JSONL


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
        raw.problems.append(Problem(line, _("each order must be a JSON object, not %(found)s.") % {"found": _json_type(obj)}, _('Write {"order_ref": …, "customer": {…}, "items": [...]}.')))
        return raw
    raw.data = obj
    return raw


def _json_type(obj: Any) -> str:
    if obj is None:
        return "null"
    if isinstance(obj, bool):
        return "true/false"
    if isinstance(obj, str):
        return "a string"
    if isinstance(obj, list):
        return "an array"
    return "a number"


def _read_jsonl(src: Source) -> Iterator[RawOrder]:
    from ordercli.files.jsonstream import JsonFileError, iter_json_lines

    with open(src.path, "rb") as f:
        values = iter_json_lines(f)
        any_order = False
        try:
            for v in values:
                any_order = True
                if v.problem is not None:
                    yield RawOrder(0, v.line, v.line, "jsonl", problems=[order_problem(v.problem)], pos=v.pos)
                    continue
                yield _json_raw(v.value, v.line, "jsonl", v.pos)
        except JsonFileError as e:
            yield _fatal(e.problem, "jsonl", e.pos)
            return
        if not any_order:
            raise InputError(_("%(file)s has no orders.") % {"file": repr(src.shown)}, _("Write one JSON order object per line."))


def _read_json_array(src: Source) -> Iterator[RawOrder]:
    from ordercli.files.jsonstream import JsonFileError, NotAnArray, iter_json_array

    shown = src.shown
    count = 0
    with open(src.path, "rb") as f:
        try:
            for v in iter_json_array(f):
                count += 1
                yield _json_raw(v.value, v.line, "json", v.pos)
        except NotAnArray as e:
            if e.found == "object":
                raise InputError(
                    _("%(file)s: expected a JSON array of orders ([{…}, {…}]).") % {"file": repr(shown)},
                    _("Wrap the orders in [ … ], or give one order per line in a JSON Lines (.jsonl) file."),
                ) from None
            raise InputError(
                _("%(file)s line %(line)s: not a JSON array of orders.") % {"file": repr(shown), "line": e.line},
                _("A JSON import is an array: [{\"order_ref\": …, \"customer\": {…}, \"items\": […]}, …]."),
            ) from None
        except JsonFileError as e:
            yield _fatal(e.problem, "json", e.pos)
            return
    if count == 0:
        raise InputError(_("%(file)s has no orders (an empty JSON array).") % {"file": repr(shown)}, _("Put the orders in the array."))
