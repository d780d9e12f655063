"""One order read from a file (:class:`~ordercli.services.order_file.RawOrder`) -> an :class:`~ordercli.domain.OrderDraft`.

The same draft the wizard and the flags build. Every problem of the order is
collected (not just the first), located by the CSV row's line and column, or by
the JSON element's line and field path (``items[0].quantity``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

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
from ordercli.errors import InputError
from ordercli.money import parse_money, parse_percent
from ordercli.pricing import Adjustment
from ordercli.services.order_file import Problem, RawOrder


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
            Problem(line or self.raw.line, message, hint, column=col if self.csv else path, column_label="column" if self.csv else "field", order_ref=self.raw.ref, kind=kind)
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

