"""One order read from a file (:class:`~ordercli.services.order_file.RawOrder`) -> an :class:`~ordercli.domain.OrderDraft`.

The same draft the wizard and the flags build. This module reads the file's
*syntax* only (money, percents, quantities, ``LABEL=AMOUNT`` surcharges, yes/no,
the shape of objects and lists) into a plain dict, and hands it to the validation
gate (:func:`ordercli.validation.check_draft`), which checks the values. Every
problem of the order is collected (not just the first), located by the CSV row's
line and column, or by the JSON element's line and field path (``items[0].quantity``,
``shipping.address.postal_code``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Callable

from ordercli.domain import WALK_IN_NAME, OrderDraft, parse_adjustment, parse_quantity, parse_surcharge
from ordercli.errors import InputError
from ordercli.i18n import _
from ordercli.money import parse_money, parse_percent
from ordercli.pricing import Adjustment
from ordercli.services.order_file import Problem, RawOrder


@dataclass
class Context:
    currency: str
    phone_region: str | None
    settings: Any = None


def context_from(settings) -> Context:
    return Context(currency=settings.currency, phone_region=settings.get("store.phone_region") or None, settings=settings)


#: The gate's field paths -> the CSV columns they come from (JSON files show the path itself).
_CSV_COLUMNS = {
    "customer": "email",
    "customer.name": "name",
    "customer.email": "email",
    "customer.phone": "phone",
    "items": "sku",
    "sku": "sku",
    "name": "item_name",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "tax_rate": "tax_rate",
    "discount": "discount",
    "tip": "tip",
    "surcharges": "surcharges",
    "payment_method": "payment_method",
    "note": "note",
    "staff_note": "staff_note",
    "external_ref": "order_ref",
    "shipping": "shipping_method",
    "shipping.method": "shipping_method",
    "shipping.cost": "shipping_cost",
    "shipping.pickup": "pickup",
    "shipping.address": "pickup",
    "billing": "bill_name",
}


def csv_column(path: str) -> str:
    """The CSV column of a field path: ``shipping.address.postal_code`` -> ``ship_postal_code``."""
    m = re.fullmatch(r"items\[\d+\](?:\.(\w+))?", path)
    if m:
        return _CSV_COLUMNS.get(m.group(1) or "sku", "sku")
    if path.startswith("surcharges"):
        return "surcharges"
    for prefix, col in (("shipping.address.", "ship_"), ("billing.", "bill_")):
        if path.startswith(prefix):
            return col + path[len(prefix):]
    return _CSV_COLUMNS.get(path, path)


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
            Problem(line or self.raw.line, message, hint, column=col if self.csv else path, column_label="column" if self.csv else "field", order_ref=self.raw.ref, kind=kind)
        )

    def call(self, fn: Callable, value: Any, col: str, path: str, line: int | None = None):
        if value is None or value == "":
            return None
        if isinstance(value, (dict, list, bool)):
            self.problem(_("%(field)s must be a single value.") % {"field": path if not self.csv else col}, None, col=col, path=path, line=line)
            return None
        try:
            return fn(str(value))
        except InputError as e:
            self.problem(e.message, e.hint, col=col, path=path, line=line)
            return None

    def build(self) -> OrderDraft | None:
        from ordercli.validation import check_draft

        d = self.raw.data
        cur = self.ctx.currency
        if not d:
            return None
        if self.raw.ref is None and not self.csv:
            v = d.get("order_ref")
            self.problem(
                _("order_ref is missing.") if v in (None, "") else _("invalid order_ref %(ref)s.") % {"ref": repr(v)},
                _("Give every order a unique order_ref (your reference): re-imports then skip it."),
                col="order_ref", path="order_ref")
        cust = d.get("customer")
        if not isinstance(cust, dict):
            if cust is not None:
                self.problem(_("customer must be an object {name, email, phone}."), None, col="name", path="customer")
            cust = {}
        customer = {k: cust.get(k) for k in ("name", "email", "phone")}
        # A walk-in sale: "walk_in": true (JSON), or the name "Walk-in" with no email or phone.
        walk_in = d.get("walk_in") is True or (
            str(customer.get("name") or "").strip().casefold() == WALK_IN_NAME.casefold() and not customer.get("email") and not customer.get("phone")
        )
        data = {
            "walk_in": walk_in,
            "customer": customer,
            "items": self._items(d.get("items")),
            "discount": self._discount(d),
            "tip": self.call(lambda t: parse_money(t, cur, what="tip"), d.get("tip"), "tip", "tip") or 0,
            "surcharges": self._surcharges(d.get("surcharges")),
            "payment_method": d.get("payment_method"),
            "note": d.get("note"),
            "staff_note": d.get("staff_note"),
            "shipping": self._shipping(d),
            "billing": self._address(d.get("billing", d.get("billing_address")), "billing", "bill_", "billing"),
            "door": "import",
            "external_ref": self.raw.ref,
        }
        model, issues = check_draft(data, phone_region=self.ctx.phone_region)
        for issue in issues:
            m = re.match(r"items\[(\d+)\]", issue.path)
            line = None
            if m and self.csv and int(m.group(1)) < len(self.raw.item_lines):
                line = self.raw.item_lines[int(m.group(1))]
            self.problem(issue.message, issue.hint, col=csv_column(issue.path), path=issue.path, line=line)
        if self.failed or model is None:
            return None
        return model.to_draft()

    def _items(self, items: Any) -> list[dict]:
        """Each item's syntax (quantity, money, percent) read; its values are the gate's."""
        cur = self.ctx.currency
        if items is not None and not isinstance(items, list):
            self.problem(_("items must be a list."), _('Give at least one item: {"sku": "MUG-01", "quantity": 2} or {"name": "Gift wrap", "unit_price": "2.50", "quantity": 1}.'), col="sku", path="items")
            return []
        out: list[dict] = []
        for i, it in enumerate(items or []):
            line = self.raw.item_lines[i] if self.csv and i < len(self.raw.item_lines) else None
            path = f"items[{i}]"
            if not isinstance(it, dict):
                self.problem(_("each item must be an object."), None, col="sku", path=path, line=line)
                out.append({"quantity": 1, "sku": "?"})  # keeps the paths of the next items right
                continue
            qty_v = it.get("quantity", 1 if not self.csv else "")
            qty = None
            if qty_v in (None, ""):
                self.problem(_("the quantity is missing."), _("Give a whole number of 1 or more."), col="quantity", path=f"{path}.quantity", line=line)
            elif isinstance(qty_v, bool) or isinstance(qty_v, (dict, list)):
                self.problem(_("invalid quantity %(quantity)s: must be a whole number.") % {"quantity": repr(qty_v)}, _("Use a positive whole number, e.g. 2."), col="quantity", path=f"{path}.quantity", line=line)
            else:
                try:
                    qty = parse_quantity(str(qty_v))
                except InputError as e:
                    self.problem(e.message, e.hint, col="quantity", path=f"{path}.quantity", line=line)
            price = self.call(lambda t: parse_money(t, cur, what="unit price"), it.get("unit_price"), "unit_price", f"{path}.unit_price", line)
            rate = self.call(lambda t: parse_percent(t, "tax rate"), it.get("tax_rate"), "tax_rate", f"{path}.tax_rate", line)
            sku, name = it.get("sku"), it.get("name")
            # unit_price / tax_rate, when given with a SKU, override the catalog's (an export keeps what each line was sold at)
            out.append({"quantity": qty or 1, "sku": None if sku in (None, "") else sku, "name": None if name in (None, "") or sku not in (None, "") else name, "unit_price": price, "tax_rate": rate})
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
            self.problem(_("surcharges must be a list."), _('e.g. [{"label": "Card fee", "percent": "1.5"}] or "Card fee=1.5%".'), col="surcharges", path="surcharges")
            return []
        for i, s in enumerate(v):
            path = f"surcharges[{i}]"
            if isinstance(s, str):
                a = self.call(lambda t: parse_surcharge(t, cur), s, "surcharges", path)
            elif isinstance(s, dict):
                label = s.get("label") if isinstance(s.get("label"), str) else None  # checked by the gate
                if s.get("percent") not in (None, ""):
                    p = self.call(lambda t: parse_percent(t, "surcharge"), s.get("percent"), "surcharges", f"{path}.percent")
                    a = Adjustment(percent=p, label=label) if p is not None else None  # type: ignore[arg-type]
                else:
                    m = self.call(lambda t: parse_money(t, cur, what="surcharge"), s.get("amount"), "surcharges", f"{path}.amount")
                    if m is None and s.get("amount") in (None, ""):
                        self.problem(_("the surcharge has no amount or percent."), None, col="surcharges", path=path)
                    a = Adjustment(amount=m, label=label) if m is not None else None  # type: ignore[arg-type]
            else:
                self.problem(_("each surcharge must be an object or 'LABEL=AMOUNT'."), None, col="surcharges", path=path)
                a = None
            if a is not None:
                out.append(a)
        return out

    def _address(self, v: Any, what: str, prefix: str, path: str) -> dict | None:
        if v in (None, ""):
            return None
        if not isinstance(v, dict):
            self.problem((_("the billing address must be an object.") if what == "billing" else _("the shipping address must be an object.")), None, col=f"{prefix}street", path=path)
            return None
        return {k: v.get(k) for k in ("name", "street", "city", "postal_code", "country")}

    def _shipping(self, d: dict) -> dict:
        cur = self.ctx.currency
        s = d.get("shipping")
        if isinstance(s, dict):
            method, cost, pickup, addr = s.get("method"), s.get("cost"), s.get("pickup"), s.get("address")
        else:  # the order JSON's shape: "shipping": "4.90", "shipping_method", "pickup", "shipping_address"
            method, cost, pickup, addr = d.get("shipping_method"), s, d.get("pickup"), d.get("shipping_address")
        return {
            "method": method,
            "cost": self.call(lambda t: parse_money(t, cur, what="shipping cost"), cost, "shipping_cost", "shipping.cost") or 0,
            "pickup": self._bool(pickup, "pickup", "shipping.pickup"),
            "address": self._address(addr, "shipping", "ship_", "shipping.address"),
        }

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
        self.problem(_("invalid %(column)s value %(value)s.") % {"column": col, "value": repr(v)}, _("Use yes or no."), col=col, path=path)
        return False


def build_draft(raw: RawOrder, ctx: Context) -> OrderDraft | None:
    """The OrderDraft of one order, or None (its problems are in ``raw.problems``)."""
    if raw.problems or not raw.data:
        # Still look for more problems in the data (every problem is reported).
        if raw.data:
            _Builder(raw, ctx).build()
        return None
    return _Builder(raw, ctx).build()

