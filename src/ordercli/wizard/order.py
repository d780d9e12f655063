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
    normalize_phone,
    parse_adjustment,
    parse_quantity,
    parse_surcharge,
)
from ordercli.errors import InputError
from ordercli.i18n import N_, _
from ordercli.money import parse_money
from ordercli.settings import Settings
from ordercli.wizard.confirm import menu as _menu
from ordercli.wizard.confirm import prompt_money as format_money
from ordercli.wizard.customer import CustomerCompleter  # noqa: F401 - re-exported (its entries stand for customer ids)

SEP = " — "
CUSTOM = "+"
PAYMENT_METHODS = [N_("Cash"), N_("Card terminal"), N_("Bank transfer"), N_("PayPal invoice"), N_("Other…")]


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
                meta = f"{format_money(p.price, self.currency)} · " + _("always available")
            else:
                left = p.stock - self.reserved.get(p.sku, 0)
                meta = f"{format_money(p.price, self.currency)} · " + _("%(count)s left") % {"count": left}
            # The menu shows stored text literally (``output.shown``); the SKU typed in stays the SKU.
            if narrow:
                yield Completion(p.sku, start_position=-len(document.text_before_cursor), display=_shown(f"{p.sku} · {meta}{SEP}{p.name}"))
            else:
                yield Completion(p.sku, start_position=-len(document.text_before_cursor), display=_shown(f"{p.sku}{SEP}{p.name}"), display_meta=meta)
        from ordercli.wizard import items as variant_items  # products with options (issue 13)

        for g in variant_items.search_groups(self.queries.engine, text):
            label = f"{g.key}{SEP}{g.name} · " + _("%(count)s variants (%(options)s)") % {"count": len(g.variants), "options": " / ".join(g.option_names)}
            yield Completion(g.key, start_position=-len(document.text_before_cursor), display=_shown(label))


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


class _WalkIn:
    def __repr__(self) -> str:
        return "WALK_IN"


#: what :func:`ask_customer` returns for an empty answer when a walk-in sale is allowed
WALK_IN = _WalkIn()


def ask_customer(queries: Queries, settings: Settings, current: CustomerIn | None = None, *, walk_in_ok: bool = False) -> CustomerIn | _WalkIn:
    """The customer prompt (``wizard/customer.py``): a picked customer (by id), a new one, or :data:`WALK_IN`.

    ``walk_in_ok=True``: an empty answer is a walk-in sale (returns :data:`WALK_IN`); otherwise it is refused.
    """
    from ordercli.wizard import customer as customer_prompt

    picked = customer_prompt.ask_customer(queries, settings, current, walk_in=walk_in_ok)
    if picked is None:
        _say(_("Customer: Walk-in"))
        return WALK_IN
    return picked


def _phone_check(text: str, region: str | None, required: bool) -> None:
    if required and not text.strip():
        raise InputError(_("An email or a phone number is needed."), "")
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
                return _("Add at least one item.")
            return True
        if t == CUSTOM:
            return True
        if resolve(t) is None and variant_items.find_group(queries.engine, t) is None:
            close = [p.sku for p in queries.search_products(t, limit=3)] or queries.close_skus(t)
            hint = _("Did you mean %(skus)s?") % {"skus": ", ".join(close)} if close else _("Type %(custom)s for an item not in the catalog.") % {"custom": CUSTOM}
            return _("Unknown SKU %(sku)s.") % {"sku": repr(t)} + " " + hint
        return True

    while True:
        prompt = (
            _("Item (type to search by SKU or name; + for a custom item; Enter to finish):")
            if items or may_add_none
            else _("Item (type to search by SKU or name; + for a custom item):")
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
                _say(_("%(name)s is sold out.") % {"name": _esc(group.name)})
                continue
            p = ProductInfo(v.sku, v.name, v.price, v.stock)
        else:
            p = resolve(answer)
        assert p is not None  # validated above
        left = None if p.stock is None else p.stock - reserved.get(p.sku, 0)
        if left is not None and left <= 0:
            _say(_("%(sku)s is out of stock (%(stock)s in stock, %(held)s already in this order).") % {"sku": _esc(p.sku), "stock": p.stock, "held": max(reserved.get(p.sku, 0), 0)})
            continue

        def check_qty(text: str, left=left):
            try:
                q = parse_quantity(text or "1")
            except InputError as e:
                return e.message
            if left is not None and q > left:
                return _("Only %(count)s left in stock.") % {"count": left}
            return True

        stock_note = _("always available") if left is None else _("%(count)s left") % {"count": left}
        qty = questionary.text(
            _("Quantity of %(name)s (%(price)s, %(stock)s) [1]:") % {"name": _shown(p.name), "price": format_money(p.price, currency), "stock": stock_note}, validate=check_qty
        ).unsafe_ask()
        q = parse_quantity(qty.strip() or "1")
        items.append(ItemIn(sku=p.sku, quantity=q))
        reserved[p.sku] = reserved.get(p.sku, 0) + q
        _say(f"  + {q} × {_esc(p.name)}")


def _ask_custom_item(settings: Settings) -> ItemIn:
    currency = settings.currency
    name = questionary.text(_("Custom item name:"), validate=_validator(lambda t: clean_text(t, "item name", required=True))).unsafe_ask()
    price = questionary.text(_("Unit price (%(currency)s):") % {"currency": currency}, validate=_validator(lambda t: parse_money(t, currency))).unsafe_ask()
    qty = questionary.text(_("Quantity [1]:"), validate=_validator(lambda t: parse_quantity(t.strip() or "1"))).unsafe_ask()
    item = ItemIn(name=clean_text(name, "item name", required=True), unit_price=parse_money(price, currency), quantity=parse_quantity(qty.strip() or "1"))
    _say(f"  + {item.quantity} × {_esc(item.name)}")
    return item


# ---------------------------------------------------------------------- extras

DONE = N_("Done — review the order")


def ask_address(title: str, current: Address | None = None) -> Address | None:
    cur = current or Address()
    _say(_esc(title))
    name = questionary.text("  " + _("Name:"), default=cur.name or "", validate=_validator(lambda t: clean_text(t, "name"))).unsafe_ask()
    street = questionary.text("  " + _("Street:"), default=cur.street or "", validate=_validator(lambda t: clean_text(t, "street", max_len=300))).unsafe_ask()
    postal = questionary.text("  " + _("Postal code:"), default=cur.postal_code or "", validate=_validator(lambda t: clean_text(t, "postal code", max_len=30))).unsafe_ask()
    city = questionary.text("  " + _("City:"), default=cur.city or "", validate=_validator(lambda t: clean_text(t, "city"))).unsafe_ask()
    country = questionary.text("  " + _("Country code (FR, DE…):"), default=cur.country or "", validate=_validator(normalize_country)).unsafe_ask()
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
        N_("Payment method"): draft.payment_method or "",
        N_("Discount"): adj(draft.discount) if draft.discount else "",
        N_("Tip"): format_money(draft.tip, currency) if draft.tip else "",
        N_("Surcharge"): ", ".join(f"{x.label} {adj(x)}" for x in draft.surcharges),
        N_("Shipping or pickup"): (_("pickup") if s and s.pickup else (f"{s.method or _('shipping')} {format_money(s.cost, currency)}" if s else "")),
        N_("Billing address"): draft.billing.one_line() if draft.billing else "",
        N_("Note for the customer"): draft.note or "",
        N_("Staff note"): draft.staff_note or "",
    }


def ask_extras(draft: OrderDraft, settings: Settings) -> OrderDraft:
    """A menu of the optional parts; Enter on the first entry skips them all."""
    currency = settings.currency
    while True:
        summary = _extras_summary(draft, currency)
        choices = [questionary.Choice(_(DONE), value=DONE)] + [
            questionary.Choice(_(label) + (f" ({_shown(value)})" if value else ""), value=label) for label, value in summary.items()
        ]
        pick = _menu(_("Anything else? (Enter to review)"), choices=choices, default=DONE).unsafe_ask()
        if pick == DONE:
            return draft
        if pick == "Payment method":
            m = _menu(_("Payment method:"), choices=[questionary.Choice(_(x), value=x) for x in PAYMENT_METHODS] + [questionary.Choice(_("(none)"), value="(none)")]).unsafe_ask()
            if m == "Other…":
                m = questionary.text(_("Payment method:"), validate=_validator(lambda t: clean_text(t, "payment method", required=True))).unsafe_ask()
            draft.payment_method = None if m == "(none)" else clean_text(m, "payment method")
        elif pick == "Discount":
            t = questionary.text(_("Discount (10%% or 5.00; empty for none):") % {}, validate=_validator(lambda t: t.strip() == "" or parse_adjustment(t, currency, "discount"))).unsafe_ask()
            draft.discount = parse_adjustment(t, currency, "discount") if t.strip() else None
        elif pick == "Tip":
            t = questionary.text(_("Tip (empty for none):"), validate=_validator(lambda t: t.strip() == "" or parse_money(t, currency, what="tip"))).unsafe_ask()
            draft.tip = parse_money(t, currency, what="tip") if t.strip() else 0
        elif pick == "Surcharge":
            t = questionary.text(_('Surcharge as LABEL=AMOUNT or LABEL=PCT%% (e.g. "Card fee=1.5%%"; empty clears all):') % {}, validate=_validator(lambda t: t.strip() == "" or parse_surcharge(t, currency))).unsafe_ask()
            if t.strip():
                draft.surcharges.append(parse_surcharge(t, currency))
            else:
                draft.surcharges = []
        elif pick == "Shipping or pickup":
            how = _menu(_("Delivery:"), choices=[questionary.Choice(_("Pickup"), value="Pickup"), questionary.Choice(_("Shipping"), value="Shipping"), questionary.Choice(_("(none)"), value="(none)")]).unsafe_ask()
            if how == "Pickup":
                draft.shipping = ShippingIn(pickup=True)
            elif how == "Shipping":
                method = questionary.text(_("Shipping method (e.g. Colissimo):"), validate=_validator(lambda t: clean_text(t, "shipping method"))).unsafe_ask()
                cost = questionary.text(_("Shipping cost:"), default="0", validate=_validator(lambda t: parse_money(t, currency, what="shipping cost"))).unsafe_ask()
                addr = ask_address(_("Shipping address:"), draft.shipping.address if draft.shipping else None)
                draft.shipping = ShippingIn(method=clean_text(method, "shipping method"), cost=parse_money(cost, currency, what="shipping cost"), address=addr)
            else:
                draft.shipping = None
        elif pick == "Billing address":
            draft.billing = ask_address(_("Billing address:"), draft.billing)
        elif pick == "Note for the customer":
            t = questionary.text(_("Note for the customer:"), default=draft.note or "", validate=_validator(lambda t: clean_text(t, "note", max_len=2000))).unsafe_ask()
            draft.note = clean_text(t, "note", max_len=2000)
        elif pick == "Staff note":
            t = questionary.text(_("Staff note (private):"), default=draft.staff_note or "", validate=_validator(lambda t: clean_text(t, "staff note", max_len=2000))).unsafe_ask()
            draft.staff_note = clean_text(t, "staff note", max_len=2000)


# ------------------------------------------------------------------------ whole


def set_customer(draft: OrderDraft, answer) -> OrderDraft:
    """Put what :func:`ask_customer` returned on the draft: a customer, or a walk-in sale."""
    if answer is WALK_IN:
        draft.walk_in = True
        draft.customer = CustomerIn(name="")
    else:
        draft.walk_in = False
        draft.customer = answer
    return draft


def after_sale(engine, number: str, *, settings: Settings, paid: bool) -> None:
    """After a sale is saved (committed): its receipt, when ``receipt.printer`` names a printer.

    A sale with a payment prints at once; a sale paid later asks "Print a receipt?" first. A printer
    that is off, unplugged or refusing is one message: the sale is saved and stays saved, and the
    message says how to print it again.
    """
    from ordercli import output
    from ordercli.errors import OrderCliError
    from ordercli.printers import PrinterError
    from ordercli.services import receipts
    from ordercli.wizard.confirm import confirm

    if receipts.printer_of(settings) is None:
        return
    if not paid and not confirm(_("Print a receipt?"), default=False):
        return
    try:
        name = receipts.print_receipt(engine, number, settings=settings)
    except (PrinterError, OrderCliError) as e:
        output.error(
            _("Receipt not printed: %(reason)s") % {"reason": e.message},
            _("The sale %(number)s is saved. Print its receipt later with: %(command)s") % {"number": number, "command": f"ordercli order receipt {number} --print"},
        )
        return
    _say(_("Receipt printed (%(printer)s).") % {"printer": _esc(name)})


def collect_order(queries: Queries, settings: Settings, draft: OrderDraft) -> OrderDraft:
    """Ask for exactly what ``draft`` is missing, then the optional parts."""
    draft.door = "wizard"
    c = draft.customer
    if not draft.walk_in and (not (c.name and c.name.strip()) or not ((c.email and c.email.strip()) or (c.phone and c.phone.strip()))):
        set_customer(draft, ask_customer(queries, settings, c, walk_in_ok=not (c.name or c.email or c.phone)))
    if not draft.items:
        draft.items = ask_items(queries, settings)
    return ask_extras(draft, settings)

