"""``order export``: the orders matching a filter as CSV, JSON, JSONL or Ecwid ``POST /orders`` bodies.

:func:`export_orders` streams the orders matching an
:class:`~ordercli.services.orders.OrderFilter` in id order, fetched in chunks
by keyset pagination (memory stays flat). The CSV is the import format
(:data:`~ordercli.services.order_file.EXPORT_CSV_COLUMNS`: an export imports
back into an empty store), with formula-like cells neutralised for
spreadsheets (``output.safe_cell``; the import undoes it).
"""

from __future__ import annotations

import json
from typing import Any, Iterator, TextIO

from ordercli.errors import InputError
from ordercli.i18n import _
from ordercli.files.spreadsheet import Number
from ordercli.money import percent_str, to_decimal, to_decimal_str
from ordercli.serialize import options_of
from ordercli.services.order_file import EXPORT_CSV_COLUMNS

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


def _dec(minor: int, cur: str) -> Number:
    """An amount for a CSV cell: "12.50", written "12,50" by the excel-fr dialect."""
    return Number(to_decimal_str(minor, cur))


def _money_or_blank(v: int, cur: str) -> str:
    return _dec(v, cur) if v else ""


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
        item = [ln.sku or "", ln.name, ln.quantity, _dec(ln.unit_price, cur), Number(percent_str(ln.tax_rate))]
        yield head + item + order_level + info_tail + [_dec(ln.total, cur), _dec(o.total, cur)]


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


def _ecwid_item(ln, n) -> dict:
    item: dict[str, Any] = {"sku": ln.sku or "", "name": ln.name, "price": n(ln.unit_price), "quantity": ln.quantity, "tax": n(ln.tax)}
    options = options_of(getattr(ln, "options", None))
    if options:  # Ecwid's order API wants the chosen options with a variation's SKU
        item["selectedOptions"] = [{"name": k, "value": v, "valuesArray": [v], "type": "CHOICE"} for k, v in options.items()]
    return item


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
        "items": [_ecwid_item(ln, n) for ln in lines],
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


def export_orders(session, f, out: TextIO, *, fmt: str, limit: int | None = None, chunk: int = 1000, dialect: str = "csv") -> int:
    """Write the orders matching ``f`` to ``out`` in ``fmt`` (a CSV in ``dialect``, see
    ``files/spreadsheet.py``); returns how many were written."""
    from ordercli.files.spreadsheet import SheetWriter

    if fmt not in EXPORT_FORMATS:
        raise InputError(_("Unknown export format %(format)s: csv, json, jsonl or ecwid.") % {"format": repr(fmt)})
    count = 0
    rows = iter_export(session, f, chunk=chunk, limit=limit)
    if fmt == "csv":
        w = SheetWriter(out, dialect)  # a row holding a lone "\r" is written fully quoted
        w.writerow(EXPORT_CSV_COLUMNS)
        for o, lines, surs in rows:
            w.writerows(csv_rows(o, lines, surs))
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
