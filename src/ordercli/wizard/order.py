"""The order wizard: questionary prompts that fill in an :class:`OrderDraft`.

The wizard only collects answers. It reads the catalog and the customers
through :class:`Queries` (read-only sessions) and never writes; the command
that runs it hands the finished draft to ``services.orders.place_order``.

Every prompt uses ``unsafe_ask()`` so that Ctrl-C raises KeyboardInterrupt,
which the CLI turns into "Cancelled, nothing saved." (exit 130).

Reusable pieces (the interactive ``order edit``, ``wizard/edit.py``, uses them too):
:func:`ask_customer`, :func:`ask_items`, :func:`ask_extras`, :func:`ask_address`.
The stall loop that runs it is ``wizard/stall.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import questionary
from prompt_toolkit.completion import Completer, Completion
from prompt_toolkit.document import Document

from ordercli.domain import (
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
from ordercli.money import format_money, parse_money
from ordercli.settings import Settings

SEP = " — "
CUSTOM = "+"
PAYMENT_METHODS = ["Cash", "Card terminal", "Bank transfer", "PayPal invoice", "Other…"]


# ----------------------------------------------------------------- catalog access


@dataclass
class ProductInfo:
    sku: str
    name: str
    price: int
    stock: int | None  # None = untracked


@dataclass
class CustomerInfo:
    id: int
    name: str
    email: str | None
    phone: str | None

    def label(self) -> str:
        contact = " ".join(x for x in [self.email, self.phone] if x)
        return f"{self.name}{SEP}{contact}" if contact else self.name


class Queries:
    """Read-only catalog and customer look-ups for the wizard."""

    def __init__(self, engine):
        self.engine = engine

    def search_products(self, text: str, limit: int = 12) -> list[ProductInfo]:
        from ordercli import db
        from ordercli.services import catalog

        with db.read_session(self.engine) as s:
            rows = catalog.list_products(s, search=text or None, limit=limit)
            return [ProductInfo(p.sku, p.name, p.price, p.stock) for p in rows]

    def product(self, sku: str) -> ProductInfo | None:
        from sqlmodel import select

        import sqlalchemy as sa

        from ordercli import db
        from ordercli.models import Product

        with db.read_session(self.engine) as s:
            p = s.exec(select(Product).where(sa.func.upper(Product.sku) == sku.strip().upper())).first()
            return ProductInfo(p.sku, p.name, p.price, p.stock) if p and p.for_sale else None  # not for sale: not offered

    def close_skus(self, text: str, n: int = 3) -> list[str]:
        """SKUs that look like a typo of ``text`` (MUG-BLEU -> MUG-BLUE)."""
        import difflib

        from sqlmodel import select

        from ordercli import db
        from ordercli.models import Product

        with db.read_session(self.engine) as s:
            skus = list(s.exec(select(Product.sku)).all())
        by_upper = {k.upper(): k for k in skus}
        return [by_upper[m] for m in difflib.get_close_matches(text.strip().upper(), list(by_upper), n=n, cutoff=0.6)]

    def customer_by_contact(self, *, email: str | None = None, phone: str | None = None) -> CustomerInfo | None:
        """The customer with exactly this (normalised) email, else this E.164 phone."""
        from sqlmodel import select

        from ordercli import db
        from ordercli.models import Customer

        with db.read_session(self.engine) as s:
            for col, value in ((Customer.email, email), (Customer.phone, phone)):
                if value:
                    c = s.exec(select(Customer).where(col == value).order_by(Customer.id)).first()
                    if c is not None:
                        return CustomerInfo(c.id, c.name, c.email, c.phone)  # type: ignore[arg-type]
        return None

    def search_customers(self, text: str, limit: int = 10) -> list[CustomerInfo]:
        from ordercli import db
        from ordercli.services import customers

        if not text or len(text.strip()) < 2:
            return []
        with db.read_session(self.engine) as s:
            return [CustomerInfo(c.id, c.name, c.email, c.phone) for c in customers.search_customers(s, text=text, limit=limit)]  # type: ignore[arg-type]


class ProductCompleter(Completer):
    def __init__(self, queries: Queries, currency: str, reserved: dict[str, int]):
        self.queries = queries
        self.currency = currency
        self.reserved = reserved  # units already in this order, by SKU

    def get_completions(self, document: Document, complete_event):
        text = document.text_before_cursor.strip()
        if text == CUSTOM:
            return
        import shutil

        # Below 100 columns the menu drops its meta column: put price and stock in the entry itself.
        narrow = shutil.get_terminal_size((120, 40)).columns < 100
        for p in self.queries.search_products(text):
            if p.stock is None:
                meta = f"{format_money(p.price, self.currency)} · always available"
            else:
                left = p.stock - self.reserved.get(p.sku, 0)
                meta = f"{format_money(p.price, self.currency)} · {left} left"
            # The menu shows stored text literally (``output.shown``); the SKU typed in stays the SKU.
            if narrow:
                yield Completion(p.sku, start_position=-len(document.text_before_cursor), display=_shown(f"{p.sku} · {meta}{SEP}{p.name}"))
            else:
                yield Completion(p.sku, start_position=-len(document.text_before_cursor), display=_shown(f"{p.sku}{SEP}{p.name}"), display_meta=meta)
        from ordercli.wizard import items as variant_items  # products with options (issue 13)

        for g in variant_items.search_groups(self.queries.engine, text):
            label = f"{g.key}{SEP}{g.name} · {len(g.variants)} variants ({' / '.join(g.option_names)})"
            yield Completion(g.key, start_position=-len(document.text_before_cursor), display=_shown(label))


class CustomerCompleter(Completer):
    def __init__(self, queries: Queries):
        self.queries = queries
        # What the menu offered, by the text it put in the answer: a customer whose stored name has
        # control characters (or is longer than a typed name may be) is picked by its shown label.
        self.offered: dict[str, CustomerInfo] = {}

    def get_completions(self, document: Document, complete_event):
        text = document.text_before_cursor
        for c in self.queries.search_customers(text):
            label = _shown(c.label())
            self.offered[label] = c
            yield Completion(label, start_position=-len(text), display=label)


# --------------------------------------------------------------------- helpers


def _validator(fn):
    """Wrap a parser raising InputError into a questionary validator (True or message)."""

    def check(text: str):
        try:
            fn(text)
        except InputError as e:  # the hint says what to do (e.g. "+33 … or set store.phone_region")
            return f"{e.message} {e.hint}" if e.hint else e.message
        return True

    return check


def _say(text: str) -> None:
    """A line for the person; ``text`` is rich markup: stored text in it goes through ``_esc``."""
    from ordercli import output

    output.message(text)


def _esc(text) -> str:
    from ordercli import output

    return output.escape(text)


def _shown(text) -> str:
    from ordercli import output

    return output.shown(text)


# -------------------------------------------------------------------- customer


def ask_customer(queries: Queries, settings: Settings, current: CustomerIn | None = None) -> CustomerIn:
    """Pick an existing customer (type to search) or enter a new one; ask what is missing."""
    cur = current or CustomerIn(name="")
    region = settings.get("store.phone_region") or None
    if not (cur.name and cur.name.strip()):
        completer = CustomerCompleter(queries)
        answer = questionary.autocomplete(
            "Customer (type a name, email or phone to search; or a new name):",
            choices=[],
            completer=completer,
            validate=_validator(lambda t: t.strip() in completer.offered or _customer_answer_check(t, region)),
        ).unsafe_ask()
        answer = answer.strip()
        picked = completer.offered.get(answer)
        if picked is None and SEP in answer:
            # A label typed in full (or one the menu offered before): the name part finds it, or, for
            # a name shown with its control characters made visible, the contact part.
            name_part, contact_part = answer.split(SEP, 1)
            for c in [*queries.search_customers(name_part, limit=50), *queries.search_customers(contact_part.split(" ")[0], limit=50)]:
                if answer in (c.label(), _shown(c.label())):
                    picked = c
                    break
        else:
            # An email or phone typed in full finds that customer; if nobody has it, it is the
            # new customer's contact (not their name) and the name is asked next.
            email, phone = _as_contact(answer, region)
            if email or phone:
                picked = queries.customer_by_contact(email=email, phone=phone)
                if picked is None:
                    cur.email = cur.email or email
                    cur.phone = cur.phone or phone
                    answer = questionary.text(
                        "New customer's name:", validate=_validator(lambda t: clean_text(t, "customer name", required=True))
                    ).unsafe_ask()
        if picked is not None:
            _say(f"Customer: {_esc(picked.label())}")
            return CustomerIn(name=picked.name, email=cur.email or picked.email, phone=cur.phone or picked.phone)
        cur.name = clean_text(answer, "customer name", required=True) or ""
    if not (cur.email and cur.email.strip()):
        email = questionary.text(
            "Email (Enter to skip):",
            validate=_validator(lambda t: normalize_email(t)),
        ).unsafe_ask()
        cur.email = normalize_email(email)
    if not (cur.phone and cur.phone.strip()):
        need = not cur.email
        phone = questionary.text(
            "Phone:" if need else "Phone (Enter to skip):",
            validate=_validator(lambda t: _phone_check(t, region, need)),
        ).unsafe_ask()
        cur.phone = normalize_phone(phone, region)
    return cur


def _as_contact(text: str, region: str | None) -> tuple[str | None, str | None]:
    """(email, E.164 phone) if ``text`` is a valid email or phone number, else (None, None)."""
    t = text.strip()
    if "@" in t:
        try:
            return normalize_email(t), None
        except InputError:
            return None, None
    if sum(ch.isdigit() for ch in t) >= 6 and not any(ch.isalpha() for ch in t):
        try:
            return None, normalize_phone(t, region)
        except InputError:
            return None, None
    return None, None


def _customer_answer_check(text: str, region: str | None) -> None:
    """A name, or an email / phone number that must then be valid (not silently become a name)."""
    clean_text(text, "customer name", required=True)
    t = text.strip()
    if SEP in t:
        return  # a customer picked from the list
    if "@" in t:
        normalize_email(t)
    elif sum(ch.isdigit() for ch in t) >= 6 and not any(ch.isalpha() for ch in t):
        normalize_phone(t, region)


def _phone_check(text: str, region: str | None, required: bool) -> None:
    if required and not text.strip():
        raise InputError("An email or a phone number is needed.", "")
    normalize_phone(text, region)


# ----------------------------------------------------------------------- items


def ask_items(
    queries: Queries, settings: Settings, items: list[ItemIn] | None = None, may_add_none: bool = False, held: dict[str, int] | None = None
) -> list[ItemIn]:
    """Add items until an empty answer. Quantities are checked live against stock.

    ``may_add_none``: an empty first answer is allowed (the edit wizard's "Add items",
    which must be leavable without adding anything). ``held``: units of a SKU the
    order being edited holds and no longer uses (a line removed in this edit):
    available to it again.
    """
    from ordercli.wizard import items as variant_items

    items = list(items or [])
    currency = settings.currency
    reserved: dict[str, int] = {}
    for sku, units in (held or {}).items():  # a negative reservation: stock this order can use again
        reserved[sku] = reserved.get(sku, 0) - units
    for it in items:
        if it.sku:
            reserved[it.sku] = reserved.get(it.sku, 0) + it.quantity

    def resolve(text: str) -> ProductInfo | None:
        """An exact SKU, or the only product whose SKU or name contains the text."""
        t = text.strip()
        p = queries.product(t)
        if p is None and len(t) >= 2:
            found = queries.search_products(t, limit=2)
            if len(found) == 1:
                p = found[0]
        return p

    def check_sku(text: str):
        t = text.strip()
        if not t:
            if not items and not may_add_none:
                return "Add at least one item."
            return True
        if t == CUSTOM:
            return True
        if resolve(t) is None and variant_items.find_group(queries.engine, t) is None:
            close = [p.sku for p in queries.search_products(t, limit=3)] or queries.close_skus(t)
            hint = f" Did you mean {', '.join(close)}?" if close else f" Type {CUSTOM} for an item not in the catalog."
            return f"Unknown SKU {t!r}.{hint}"
        return True

    while True:
        prompt = (
            "Item (type to search by SKU or name; + for a custom item; Enter to finish):"
            if items or may_add_none
            else "Item (type to search by SKU or name; + for a custom item):"
        )
        answer = questionary.autocomplete(
            prompt,
            choices=[],
            completer=ProductCompleter(queries, currency, reserved),
            validate=check_sku,
            validate_while_typing=False,
        ).unsafe_ask()
        answer = answer.strip()
        if not answer:
            return items
        if answer == CUSTOM:
            items.append(_ask_custom_item(settings))
            continue
        group = variant_items.find_group(queries.engine, answer) if queries.product(answer) is None else None
        if group is not None:  # a product with options: ask which variant
            v = variant_items.pick_variant(group, currency, reserved, _shown)
            if v is None:
                _say(f"{_esc(group.name)} is sold out.")
                continue
            p = ProductInfo(v.sku, v.name, v.price, v.stock)
        else:
            p = resolve(answer)
        assert p is not None  # validated above
        left = None if p.stock is None else p.stock - reserved.get(p.sku, 0)
        if left is not None and left <= 0:
            _say(f"{_esc(p.sku)} is out of stock ({p.stock} in stock, {max(reserved.get(p.sku, 0), 0)} already in this order).")
            continue

        def check_qty(text: str, left=left):
            try:
                q = parse_quantity(text or "1")
            except InputError as e:
                return e.message
            if left is not None and q > left:
                return f"Only {left} left in stock."
            return True

        stock_note = "always available" if left is None else f"{left} left"
        qty = questionary.text(f"Quantity of {_shown(p.name)} ({format_money(p.price, currency)}, {stock_note}) [1]:", validate=check_qty).unsafe_ask()
        q = parse_quantity(qty.strip() or "1")
        items.append(ItemIn(sku=p.sku, quantity=q))
        reserved[p.sku] = reserved.get(p.sku, 0) + q
        _say(f"  + {q} × {_esc(p.name)}")


def _ask_custom_item(settings: Settings) -> ItemIn:
    currency = settings.currency
    name = questionary.text("Custom item name:", validate=_validator(lambda t: clean_text(t, "item name", required=True))).unsafe_ask()
    price = questionary.text(f"Unit price ({currency}):", validate=_validator(lambda t: parse_money(t, currency))).unsafe_ask()
    qty = questionary.text("Quantity [1]:", validate=_validator(lambda t: parse_quantity(t.strip() or "1"))).unsafe_ask()
    item = ItemIn(name=clean_text(name, "item name", required=True), unit_price=parse_money(price, currency), quantity=parse_quantity(qty.strip() or "1"))
    _say(f"  + {item.quantity} × {_esc(item.name)}")
    return item


# ---------------------------------------------------------------------- extras

DONE = "Done — review the order"


def ask_address(title: str, current: Address | None = None) -> Address | None:
    cur = current or Address()
    _say(_esc(title))
    name = questionary.text("  Name:", default=cur.name or "", validate=_validator(lambda t: clean_text(t, "name"))).unsafe_ask()
    street = questionary.text("  Street:", default=cur.street or "", validate=_validator(lambda t: clean_text(t, "street", max_len=300))).unsafe_ask()
    postal = questionary.text("  Postal code:", default=cur.postal_code or "", validate=_validator(lambda t: clean_text(t, "postal code", max_len=30))).unsafe_ask()
    city = questionary.text("  City:", default=cur.city or "", validate=_validator(lambda t: clean_text(t, "city"))).unsafe_ask()
    country = questionary.text("  Country code (FR, DE…):", default=cur.country or "", validate=_validator(normalize_country)).unsafe_ask()
    addr = Address(
        name=clean_text(name, "name"),
        street=clean_text(street, "street", max_len=300),
        city=clean_text(city, "city"),
        postal_code=clean_text(postal, "postal code", max_len=30),
        country=normalize_country(country),
    )
    return None if addr.is_empty() else addr


def _extras_summary(draft: OrderDraft, currency: str) -> dict[str, str]:
    from ordercli.money import percent_str

    def adj(a) -> str:
        return f"{percent_str(a.percent)}%" if a.percent is not None else format_money(a.amount or 0, currency)

    s = draft.shipping
    return {
        "Payment method": draft.payment_method or "",
        "Discount": adj(draft.discount) if draft.discount else "",
        "Tip": format_money(draft.tip, currency) if draft.tip else "",
        "Surcharge": ", ".join(f"{x.label} {adj(x)}" for x in draft.surcharges),
        "Shipping or pickup": ("pickup" if s and s.pickup else (f"{s.method or 'shipping'} {format_money(s.cost, currency)}" if s else "")),
        "Billing address": draft.billing.one_line() if draft.billing else "",
        "Note for the customer": draft.note or "",
        "Staff note": draft.staff_note or "",
    }


def ask_extras(draft: OrderDraft, settings: Settings) -> OrderDraft:
    """A menu of the optional parts; Enter on the first entry skips them all."""
    currency = settings.currency
    while True:
        summary = _extras_summary(draft, currency)
        choices = [questionary.Choice(DONE, value=DONE)] + [
            questionary.Choice(f"{label}" + (f" ({_shown(value)})" if value else ""), value=label) for label, value in summary.items()
        ]
        pick = questionary.select("Anything else? (Enter to review)", choices=choices, default=DONE).unsafe_ask()
        if pick == DONE:
            return draft
        if pick == "Payment method":
            m = questionary.select("Payment method:", choices=PAYMENT_METHODS + ["(none)"]).unsafe_ask()
            if m == "Other…":
                m = questionary.text("Payment method:", validate=_validator(lambda t: clean_text(t, "payment method", required=True))).unsafe_ask()
            draft.payment_method = None if m == "(none)" else clean_text(m, "payment method")
        elif pick == "Discount":
            t = questionary.text("Discount (10% or 5.00; empty for none):", validate=_validator(lambda t: t.strip() == "" or parse_adjustment(t, currency, "discount"))).unsafe_ask()
            draft.discount = parse_adjustment(t, currency, "discount") if t.strip() else None
        elif pick == "Tip":
            t = questionary.text("Tip (empty for none):", validate=_validator(lambda t: t.strip() == "" or parse_money(t, currency, what="tip"))).unsafe_ask()
            draft.tip = parse_money(t, currency, what="tip") if t.strip() else 0
        elif pick == "Surcharge":
            t = questionary.text('Surcharge as LABEL=AMOUNT or LABEL=PCT% (e.g. "Card fee=1.5%"; empty clears all):', validate=_validator(lambda t: t.strip() == "" or parse_surcharge(t, currency))).unsafe_ask()
            if t.strip():
                draft.surcharges.append(parse_surcharge(t, currency))
            else:
                draft.surcharges = []
        elif pick == "Shipping or pickup":
            how = questionary.select("Delivery:", choices=["Pickup", "Shipping", "(none)"]).unsafe_ask()
            if how == "Pickup":
                draft.shipping = ShippingIn(pickup=True)
            elif how == "Shipping":
                method = questionary.text("Shipping method (e.g. Colissimo):", validate=_validator(lambda t: clean_text(t, "shipping method"))).unsafe_ask()
                cost = questionary.text("Shipping cost:", default="0", validate=_validator(lambda t: parse_money(t, currency, what="shipping cost"))).unsafe_ask()
                addr = ask_address("Shipping address:", draft.shipping.address if draft.shipping else None)
                draft.shipping = ShippingIn(method=clean_text(method, "shipping method"), cost=parse_money(cost, currency, what="shipping cost"), address=addr)
            else:
                draft.shipping = None
        elif pick == "Billing address":
            draft.billing = ask_address("Billing address:", draft.billing)
        elif pick == "Note for the customer":
            t = questionary.text("Note for the customer:", default=draft.note or "", validate=_validator(lambda t: clean_text(t, "note", max_len=2000))).unsafe_ask()
            draft.note = clean_text(t, "note", max_len=2000)
        elif pick == "Staff note":
            t = questionary.text("Staff note (private):", default=draft.staff_note or "", validate=_validator(lambda t: clean_text(t, "staff note", max_len=2000))).unsafe_ask()
            draft.staff_note = clean_text(t, "staff note", max_len=2000)


# ------------------------------------------------------------------------ whole


def collect_order(queries: Queries, settings: Settings, draft: OrderDraft) -> OrderDraft:
    """Ask for exactly what ``draft`` is missing, then the optional parts."""
    draft.door = "wizard"
    c = draft.customer
    if not (c.name and c.name.strip()) or not ((c.email and c.email.strip()) or (c.phone and c.phone.strip())):
        draft.customer = ask_customer(queries, settings, c)
    if not draft.items:
        draft.items = ask_items(queries, settings)
    return ask_extras(draft, settings)

