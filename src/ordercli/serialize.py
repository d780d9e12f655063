"""Stable JSON shapes (documented in README). Money as decimal strings."""

from __future__ import annotations

from datetime import datetime

from ordercli.money import percent_str, to_decimal_str


def options_of(text: str | None) -> dict[str, str] | None:
    """A variant's (or an order line's) option values, ``{"Size": "L", "Colour": "Red"}`` (None: a simple product)."""
    if not text:
        return None
    import json

    return json.loads(text)


def iso(dt: datetime | None) -> str | None:
    return dt.isoformat().replace("+00:00", "Z") if dt else None


def _addr(prefix: str, o) -> dict | None:
    vals = {k: getattr(o, f"{prefix}_{k}") for k in ("name", "street", "city", "postal_code", "country")}
    return vals if any(vals.values()) else None


def _item(ln, m) -> dict:
    item = {
        "sku": ln.sku,
        "name": ln.name,
        "quantity": ln.quantity,
        "unit_price": m(ln.unit_price),
        "total": m(ln.total),
        "tax_rate": percent_str(ln.tax_rate),
        "tax": m(ln.tax),
    }
    options = options_of(getattr(ln, "options", None))
    if options:  # a variant's line (issue 13)
        item["options"] = options
    return item


def order_dict(order, lines, surcharges, *, events=None, payments=None, notifications=None) -> dict:
    cur = order.currency

    def m(v: int) -> str:
        return to_decimal_str(v, cur)

    data = {
        "number": order.number,
        "created_at": iso(order.created_at),
        "updated_at": iso(order.updated_at),
        "payment_status": order.payment_status,
        "fulfillment_status": order.fulfillment_status,
        "currency": cur,
        "customer": {"name": order.customer_name, "email": order.customer_email, "phone": order.customer_phone},
        "walk_in": bool(order.walk_in),
        "items": [_item(ln, m) for ln in lines],
        "item_count": order.item_count,
        "subtotal": m(order.subtotal),
        "discount": m(order.discount),
        "discount_percent": percent_str(order.discount_percent) if order.discount_percent is not None else None,
        "surcharges": [
            {"label": s.label, "amount": m(s.amount), "percent": percent_str(s.percent) if s.percent is not None else None} for s in surcharges
        ],
        "tip": m(order.tip),
        "shipping": m(order.shipping),
        "shipping_method": order.shipping_method,
        "pickup": order.pickup,
        "shipping_address": _addr("ship", order),
        "billing_address": _addr("bill", order),
        "tax": m(order.tax),
        "prices_include_tax": order.prices_include_tax,
        "total": m(order.total),
        "paid": m(order.paid),
        "refunded": m(order.refunded),
        "balance_due": m(order.balance_due),
        "credit": m(order.credit),  # owed back to the customer (money model)
        "payment_method": order.payment_method,
        "tracking_number": order.tracking_number,
        "note": order.note,
        "staff_note": order.staff_note,
        "external_ref": order.external_ref,
        "version": order.version,
    }
    if events is not None:
        data["events"] = [{"at": iso(e.at), "kind": e.kind, "summary": e.summary} for e in events]
    if payments is not None:
        pays = [p for p in payments if p.kind == "payment"]
        refs = [p for p in payments if p.kind == "refund"]
        data["payments"] = [
            {
                "amount": m(p.amount),
                "method": p.method,
                "tendered": m(p.tendered) if p.tendered is not None else None,
                "change": m(p.change) if p.change is not None else None,
                "reference": p.reference,
                "at": iso(p.at),
            }
            for p in pays
        ]
        data["refunds"] = [{"amount": m(p.amount), "method": p.method, "reason": p.reason, "reference": p.reference, "at": iso(p.at)} for p in refs]
    if notifications is not None:
        data["notifications"] = [
            {
                "id": n.id,
                "kind": n.kind,
                "to": n.recipient,
                "audience": n.audience,
                "status": n.status,
                "attempts": n.attempts,
                "last_error": n.last_error,
                "created_at": iso(n.created_at),
                "sent_at": iso(n.sent_at),
            }
            for n in notifications
        ]
    return data


def product_dict(p, currency: str = "EUR") -> dict:
    return {
        "sku": p.sku,
        "name": p.name,
        "price": to_decimal_str(p.price, currency),
        "stock": p.stock,
        "tax_rate": percent_str(p.tax_rate),
        "for_sale": bool(p.for_sale),
        "options": options_of(p.options),
        "low_stock": p.low_stock,
    }


def customer_dict(c) -> dict:
    return {"id": c.id, "name": c.name, "email": c.email, "phone": c.phone, "created_at": iso(c.created_at)}
