"""``order edit``: change an order's items, customer, extras; re-priced with the create pricing, stock moved by the difference.

The money model settles the payment status for the new total (``ordercli.balance``).
Nothing here commits: the command's unit of work does.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import balance as money
from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn
from ordercli.errors import InputError, OutOfStockError, PriceChangedError
from ordercli.i18n import _
from ordercli.models import Order, OrderLine, OrderSurcharge, Product, utcnow
from ordercli.history_text import stored_money, stored_status
from ordercli.money import format_money, percent_str
from ordercli.pricing import Adjustment
from ordercli.services import common, customers
from ordercli.services.orders import PricedOrder, draft_values, normalize_draft, order_search_key, price_draft, write_lines
from ordercli.settings import Settings
from ordercli.statuses import (
    CLOSED,
    FulfillmentStatus,
    PaymentStatus,
)
from ordercli.stock import short_lines

PS = PaymentStatus
FS = FulfillmentStatus


from ordercli.services.order_rows import add_event, closed_refusal, conflict, held_units, lines_of, lock_order, skus_of, surcharges_of, units_text, write_order


@dataclass
class EditChanges:
    """What ``order edit`` flags ask for. ``None`` = leave as is; ``""`` clears a text field."""

    add_items: list[ItemIn] = field(default_factory=list)  # catalog (sku) or custom items
    remove: list[str] = field(default_factory=list)  # SKU, or the name of a custom line
    set_qty: list[tuple[str, int]] = field(default_factory=list)
    set_price: list[tuple[str, int]] = field(default_factory=list)
    name: str | None = None
    email: str | None = None
    phone: str | None = None
    discount: Adjustment | None = None
    clear_discount: bool = False
    tip: int | None = None
    surcharges: list[Adjustment] = field(default_factory=list)
    clear_surcharges: bool = False
    payment_method: str | None = None
    note: str | None = None
    staff_note: str | None = None
    shipping_method: str | None = None
    shipping_cost: int | None = None
    pickup: bool | None = None
    ship: Address = field(default_factory=Address)  # fields given replace the stored ones ("" clears)
    bill: Address = field(default_factory=Address)

    def is_empty(self) -> bool:
        return self == EditChanges()


def draft_from_order(session: Session, order: Order) -> OrderDraft:
    """The order as an OrderDraft: every line keeps its unit price and tax rate."""
    items = [
        ItemIn(quantity=ln.quantity, sku=ln.sku if ln.product_id is not None else None, name=ln.name, unit_price=ln.unit_price, tax_rate=ln.tax_rate)
        for ln in lines_of(session, order)
    ]
    surcharges = [
        Adjustment(percent=s.percent, label=s.label) if s.percent is not None else Adjustment(amount=s.amount, label=s.label)
        for s in surcharges_of(session, order)
    ]
    discount = Adjustment.stored(order.discount_percent, order.discount)
    ship_addr = Address(order.ship_name, order.ship_street, order.ship_city, order.ship_postal_code, order.ship_country)
    shipping = None
    if order.pickup or order.shipping_method or order.shipping or not ship_addr.is_empty():
        shipping = ShippingIn(method=order.shipping_method, cost=order.shipping, pickup=order.pickup, address=None if ship_addr.is_empty() else ship_addr)
    bill = Address(order.bill_name, order.bill_street, order.bill_city, order.bill_postal_code, order.bill_country)
    return OrderDraft(
        customer=CustomerIn(name="") if order.walk_in else CustomerIn(name=order.customer_name, email=order.customer_email, phone=order.customer_phone),
        items=items,
        discount=discount,
        surcharges=surcharges,
        tip=order.tip,
        shipping=shipping,
        billing=None if bill.is_empty() else bill,
        payment_method=order.payment_method,
        note=order.note,
        staff_note=order.staff_note,
        door="flags",
        external_ref=order.external_ref,
        notify_customer=order.notify_customer,
        walk_in=order.walk_in,
    )


def _find_item(items: list[ItemIn], key: str, action: str, currency: str = "EUR") -> ItemIn:
    """The line a flag names: a SKU, or the name of a custom line (``NAME#2``: the second line of that name)."""
    k = key.strip().upper()
    for it in items:
        if it.sku is not None and it.sku.upper() == k:
            return it

    def called(name: str) -> list[ItemIn]:
        return [it for it in items if it.sku is None and (it.name or "").strip().upper() == name]

    named = called(k)  # the exact name first: "Poster #2" may be a name
    if not named:
        base, sep, tail = k.rpartition("#")
        if sep and tail.isdigit() and 1 <= int(tail) <= len(called(base.strip())):
            return called(base.strip())[int(tail) - 1]
    if len(named) == 1:
        return named[0]
    if named:
        name = named[0].name
        which = (" " + _("or") + " ").join(
            _("%(line)s (×%(quantity)s at %(price)s)") % {"line": f"{name}#{i}", "quantity": it.quantity, "price": format_money(it.unit_price or 0, currency)}
            for i, it in enumerate(named, 1)
        )
        several = {
            "remove": _("Cannot remove %(key)s: %(count)s lines are called %(name)s."),
            "change the quantity of": _("Cannot change the quantity of %(key)s: %(count)s lines are called %(name)s."),
            "change the price of": _("Cannot change the price of %(key)s: %(count)s lines are called %(name)s."),
        }.get(action, f"Cannot {action} %(key)s: %(count)s lines are called %(name)s.")
        raise InputError(several % {"key": repr(key), "count": len(named), "name": repr(name)}, _("Say which one: %(lines)s.") % {"lines": which})
    on_order = ", ".join(it.sku or f'"{it.name}"' for it in items) or _("none")
    missing = {
        "remove": _("Cannot remove %(key)s: no such line on this order."),
        "change the quantity of": _("Cannot change the quantity of %(key)s: no such line on this order."),
        "change the price of": _("Cannot change the price of %(key)s: no such line on this order."),
    }.get(action, f"Cannot {action} %(key)s: no such line on this order.")
    raise InputError(missing % {"key": repr(key)}, _("Lines on the order: %(lines)s.") % {"lines": on_order})


def apply_changes(draft: OrderDraft, ch: EditChanges, currency: str = "EUR") -> OrderDraft:
    """Apply the changes to a copy of ``draft`` (pure).

    The changes pass :func:`ordercli.validation.validate_edit` first; the edited draft as a whole
    passes the draft gate (:func:`ordercli.validation.validate_draft`) when it is priced.
    """
    from ordercli.validation import validate_edit

    validate_edit(ch)
    d = copy.deepcopy(draft)
    # Every flag names a line of the order as it is (NAME#2 is the second "NAME" shown), so
    # find them all before removing any: a removal must not renumber the lines the next flag means.
    removed = [_find_item(d.items, key, "remove", currency) for key in ch.remove]
    qtys = [(_find_item(d.items, key, "change the quantity of", currency), qty) for key, qty in ch.set_qty]
    prices = [(_find_item(d.items, key, "change the price of", currency), price) for key, price in ch.set_price]
    for it, qty in qtys:
        it.quantity = qty
    for it, price in prices:
        it.unit_price = price
    d.items = [x for x in d.items if not any(x is r for r in removed)]
    for new in ch.add_items:
        if new.sku is not None:
            same = next((it for it in d.items if it.sku is not None and it.sku.upper() == new.sku.upper()), None)
            if same is not None:  # the same SKU again: more of that line
                same.quantity += new.quantity
                continue
        d.items.append(copy.deepcopy(new))
    c = d.customer
    if (ch.name, ch.email, ch.phone) != (None, None, None):
        d.walk_in = False  # a name or contact given to a walk-in sale makes it a customer's order
    if ch.name is not None:
        c.name = ch.name
    if ch.email is not None:
        c.email = ch.email or None
    if ch.phone is not None:
        c.phone = ch.phone or None
    if ch.clear_discount:
        d.discount = None
    if ch.discount is not None:
        d.discount = ch.discount
    if ch.tip is not None:
        d.tip = ch.tip
    if ch.clear_surcharges:
        d.surcharges = []
    d.surcharges = list(d.surcharges) + list(ch.surcharges)
    for attr in ("payment_method", "note", "staff_note"):
        v = getattr(ch, attr)
        if v is not None:
            setattr(d, attr, v or None)
    if ch.shipping_method is not None or ch.shipping_cost is not None or ch.pickup is not None or _given(ch.ship):
        s = d.shipping or ShippingIn()
        if ch.shipping_method is not None:
            s.method = ch.shipping_method or None
        if ch.shipping_cost is not None:
            s.cost = ch.shipping_cost
        if ch.pickup is not None:
            s.pickup = ch.pickup
        addr = _merge_address(s.address, ch.ship)
        if ch.pickup and not _given(ch.ship):
            addr = None  # switching to pickup drops the stored address and shipping cost (the gate refuses those asked for with it)
        if ch.pickup and ch.shipping_cost is None:
            s.cost = 0
        s.address = addr
        d.shipping = None if (not s.method and not s.cost and not s.pickup and s.address is None) else s
    if _given(ch.bill):
        d.billing = _merge_address(d.billing, ch.bill)
    return d


def _given(addr: Address) -> dict:
    return {k: v for k, v in addr.as_dict().items() if v is not None}


def _merge_address(old: Address | None, new: Address) -> Address | None:
    merged = Address(**(old.as_dict() if old else {}))
    for k, v in _given(new).items():
        setattr(merged, k, v or None)
    return None if merged.is_empty() else merged


def settings_for(order: Order, settings: Settings) -> Settings:
    """Price an existing order in its own currency and tax mode, whatever the store says today."""
    stored = dict(settings._stored)  # noqa: SLF001 - a read-only copy with two overrides
    stored["store.currency"] = order.currency
    stored["tax.prices_include_tax"] = "true" if order.prices_include_tax else "false"
    return Settings(stored)


@dataclass
class EditPlan:
    order: Order
    before: OrderDraft
    after: OrderDraft
    priced: PricedOrder
    summary: list[str]
    take: dict[int, int]  # product_id -> extra units to take
    give: dict[int, int]  # product_id -> units to give back
    skus: dict[int, str]
    shortages: list[tuple[str, str, int, int]]  # (sku, name, extra asked, available)
    old_lines: list[OrderLine]

    @property
    def changed(self) -> bool:
        return bool(self.summary)


class EditShortage(OutOfStockError):
    """Not enough stock for the extra units an edit asks for."""

    def __init__(self, plan_shortages: list[tuple[str, str, int, int]], number: str):
        super().__init__([(sku, extra, avail) for sku, _name, extra, avail in plan_shortages])
        self.message = _("Not enough stock for this edit — %(lines)s.") % {
            "lines": "; ".join(
                _("line %(sku)s (%(name)s): %(extra)s more asked, %(available)s available") % {"sku": sku, "name": name, "extra": extra, "available": avail}
                for sku, name, extra, avail in plan_shortages
            )
        }
        self.code, self.facts = "stock.short.edit", {"order": number}


def plan_edit(session: Session, order: Order, new_draft: OrderDraft, settings: Settings) -> EditPlan:
    """Validate and price the edited order and work out the stock difference. Writes nothing."""
    if order.payment_status in CLOSED:
        raise closed_refusal(order, "be edited")
    if not new_draft.items:
        raise InputError(_("An order needs at least one item."), code="edit.no_items", order=order.number)
    osettings = settings_for(order, settings)
    before = draft_from_order(session, order)
    stored_address = before.shipping.address if before.shipping else None
    after = normalize_draft(copy.deepcopy(new_draft), osettings, stored_shipping_address=stored_address)
    for it in after.items:
        if it.quantity <= 0:
            raise InputError(_("Invalid quantity %(quantity)s for %(item)s.") % {"quantity": it.quantity, "item": it.sku or it.name}, code="edit.quantity")
    held = held_units(session, order) if order.stock_held else {}
    priced = price_draft(session, after, osettings, held_units=held)
    old_lines = lines_of(session, order)
    # Existing catalog lines keep the name they were sold under.
    old_names = {ln.product_id: ln.name for ln in old_lines if ln.product_id is not None}
    for ln in priced.lines:
        if ln.product_id in old_names:
            ln.name = old_names[ln.product_id]

    take: dict[int, int] = {}
    give: dict[int, int] = {}
    if order.stock_held:
        old_q: dict[int, int] = {}
        for ln in old_lines:
            if ln.tracked and ln.product_id is not None:
                old_q[ln.product_id] = old_q.get(ln.product_id, 0) + ln.quantity
        new_q = {ln.product_id: ln.quantity for ln in priced.lines if ln.tracked and ln.product_id is not None}
        for pid in set(old_q) | set(new_q):
            diff = new_q.get(pid, 0) - old_q.get(pid, 0)
            if diff > 0:
                take[pid] = diff
            elif diff < 0:
                back = min(-diff, held.get(pid, 0))
                if back:
                    give[pid] = back
    skus = skus_of(session, set(take) | set(give) | {ln.product_id for ln in priced.lines if ln.product_id})
    shortages: list[tuple[str, str, int, int]] = []
    if take:
        stocks = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(list(take)))).all()}  # type: ignore[union-attr]
        for pid, extra, avail in sorted(short_lines(take, {pid: p.stock for pid, p in stocks.items()})):
            p = stocks[pid]
            shortages.append((p.sku, next((ln.name for ln in priced.lines if ln.product_id == pid), p.name), extra, avail))
    summary = describe_edit(order, before, after, priced, old_lines)
    return EditPlan(order, before, after, priced, summary, take, give, skus, shortages, old_lines)


def _pair_lines(old_lines, new_lines) -> tuple[dict, dict]:
    """Key old and new lines so that the same line gets the same key.

    Catalog lines by product. Custom lines by name, and when several share a
    name (two "Gift wrap" lines at different prices), unchanged ones pair up
    first, then the rest in order: every change shows in the summary.
    """
    old_by: dict = {}
    new_by: dict = {}
    old_custom: dict[str, list] = {}
    new_custom: dict[str, list] = {}
    for ln in old_lines:
        if ln.product_id is not None:
            old_by[("p", ln.product_id)] = ln
        else:
            old_custom.setdefault((ln.name or "").upper(), []).append(ln)
    for ln in new_lines:
        if ln.product_id is not None:
            new_by[("p", ln.product_id)] = ln
        else:
            new_custom.setdefault((ln.name or "").upper(), []).append(ln)
    for name in {*old_custom, *new_custom}:
        olds, news = list(old_custom.get(name, [])), list(new_custom.get(name, []))
        n = 0
        for ln in list(news):
            same = next((o for o in olds if (o.quantity, o.unit_price) == (ln.quantity, ln.unit_price)), None)
            if same is not None:
                olds.remove(same)
                news.remove(ln)
                old_by[("c", name, n)], new_by[("c", name, n)] = same, ln
                n += 1
        for i in range(max(len(olds), len(news))):
            if i < len(olds):
                old_by[("c", name, n + i)] = olds[i]
            if i < len(news):
                new_by[("c", name, n + i)] = news[i]
    return old_by, new_by


def describe_edit(order: Order, before: OrderDraft, after: OrderDraft, priced: PricedOrder, old_lines: list[OrderLine]) -> list[str]:
    """Readable "old → new" pieces for everything an edit changes."""
    cur = order.currency
    m = lambda v: stored_money(v, cur)  # noqa: E731 - stored in the history: English (history_text shows it)
    out: list[str] = []

    def txt(label: str, old, new) -> None:
        if (old or None) != (new or None):
            out.append(f"{label}: {old or '—'} → {new or '—'}")

    txt("Name", before.customer.name, after.customer.name)
    txt("Email", before.customer.email, after.customer.email)
    txt("Phone", before.customer.phone, after.customer.phone)

    old_by, new_by = _pair_lines(old_lines, priced.lines)
    for k, ln in new_by.items():
        label = ln.sku or ln.name
        if k not in old_by:
            out.append(f"Added {label} ×{ln.quantity} at {m(ln.unit_price)}")
            continue
        o = old_by[k]
        if o.quantity != ln.quantity:
            out.append(f"{label} qty {o.quantity} → {ln.quantity}")
        if o.unit_price != ln.unit_price:
            out.append(f"{label} price {m(o.unit_price)} → {m(ln.unit_price)}")
    for k, o in old_by.items():
        if k not in new_by:
            out.append(f"Removed {o.sku or o.name} ×{o.quantity}")

    def adj(a: Adjustment | None) -> str:
        if a is None:
            return ""
        return f"{percent_str(a.percent)}%" if a.percent is not None else m(a.amount or 0)

    txt("Discount", adj(before.discount), adj(after.discount))
    txt("Tip", m(before.tip) if before.tip else "", m(after.tip) if after.tip else "")
    old_s = "; ".join(f"{s.label} {adj(s)}" for s in before.surcharges)
    new_s = "; ".join(f"{s.label} {adj(s)}" for s in after.surcharges)
    txt("Surcharges", old_s, new_s)

    def ship(s: ShippingIn | None) -> str:
        if s is None:
            return ""
        if s.pickup:
            return "pickup" + (f" ({s.method})" if s.method else "")
        parts = [s.method or "shipping", m(s.cost)]
        if s.address is not None:
            parts.append("to " + s.address.one_line())
        return " ".join(parts)

    txt("Shipping", ship(before.shipping), ship(after.shipping))
    txt("Billing", before.billing.one_line() if before.billing else "", after.billing.one_line() if after.billing else "")
    txt("Payment method", before.payment_method, after.payment_method)
    txt("Note", before.note, after.note)
    txt("Staff note", before.staff_note, after.staff_note)
    if out and order.total != priced.totals.total:
        out.append(f"total {m(order.total)} → {m(priced.totals.total)}")
    return out


def preview_edit(
    session: Session, *, number: str, changes: EditChanges | None = None, draft: OrderDraft | None = None, expected_version: int | None = None
) -> EditPlan:
    """What an edit would do (for the interactive review). Writes nothing.

    ``expected_version`` is checked as the edit itself checks it: a dry run refuses what the edit would.
    """
    settings = common.load_settings(session)
    order = common.get_order(session, number)
    if expected_version is not None and order.version != expected_version:
        raise conflict(order.number)
    base = draft if draft is not None else apply_changes(draft_from_order(session, order), changes or EditChanges(), order.currency)
    return plan_edit(session, order, base, settings)


@dataclass
class EditResult:
    order: Order
    changed: bool
    summary: list[str]
    taken: dict[int, int] = field(default_factory=dict)
    given: dict[int, int] = field(default_factory=dict)
    skus: dict[int, str] = field(default_factory=dict)
    status_change: tuple[str, str] | None = None
    messages: list = field(default_factory=list)


def edit_order(
    session: Session,
    *,
    number: str,
    changes: EditChanges | None = None,
    draft: OrderDraft | None = None,
    expected_version: int | None = None,
    door: str = "flags",
    expected_total: int | None = None,
) -> EditResult:
    """Edit an order: re-price with the create pricing, move stock by the difference, one commit.

    Give ``changes`` (flags, applied to the order as it is now) or a whole new
    ``draft`` (the interactive edit, built from the order it showed: pass the
    version it read as ``expected_version``, and the total it showed as
    ``expected_total``: a price changed since is refused before anything is written).
    """
    settings = common.load_settings(session)
    if draft is not None or (changes is not None and (changes.name, changes.email, changes.phone) != (None, None, None)):
        # The customer may change, and customers are created under the order counter (as every
        # new order does), taken first in the lock order: no till can create the same customer
        # at the same moment.
        common.lock_counter(session, "order")
    order = lock_order(session, number, expected_version)
    version = order.version
    new_draft = draft if draft is not None else apply_changes(draft_from_order(session, order), changes or EditChanges(), order.currency)
    plan = plan_edit(session, order, new_draft, settings)
    if not plan.changed:
        return EditResult(order=order, changed=False, summary=[])
    if plan.shortages:
        raise EditShortage(plan.shortages, order.number)
    if expected_total is not None and plan.priced.totals.total != expected_total:
        raise PriceChangedError(format_money(expected_total, order.currency), format_money(plan.priced.totals.total, order.currency))

    # Stock: give back first, then take the extra. Both sets locked together in
    # product-id order first: giving 2 then taking 1 would otherwise lock 2 before 1
    # and deadlock with a sale or another edit on PostgreSQL.
    common.lock_products(session, set(plan.give) | set(plan.take))
    if plan.give:
        common.give_stock(session, plan.give, reason="edit", order_number=order.number)
    if plan.take:
        try:
            common.take_stock(session, plan.take, reason="edit", order_number=order.number, skus=plan.skus)
        except OutOfStockError as e:  # another till took the stock since we looked
            names = {ln.sku: ln.name for ln in plan.priced.lines if ln.sku}
            raise EditShortage([(sku, names.get(sku, sku), asked, avail) for sku, asked, avail in e.shortages], order.number) from None

    after = plan.after
    pr = plan.priced
    t = pr.totals
    c = after.customer
    customer_id = order.customer_id
    if after.walk_in:
        customer_id = None
    elif order.walk_in or (c.name, c.email, c.phone) != (order.customer_name, order.customer_email, order.customer_phone):
        customer_id = customers.find_or_create(session, name=c.name, email=c.email, phone=c.phone).id
    values = dict(customer_id=customer_id, **draft_values(after, pr))
    values["search_key"] = order_search_key(order.number, order.external_ref, c, pr)
    # The payment status follows the money (the money model settles it for the new total).
    old_status = order.payment_status
    new_status = money.settle(order.balance.with_total(t.total), old_status)
    if new_status != old_status:
        values["payment_status"] = new_status

    session.execute(sa.delete(OrderLine).where(OrderLine.order_id == order.id))  # type: ignore[arg-type]
    session.execute(sa.delete(OrderSurcharge).where(OrderSurcharge.order_id == order.id))  # type: ignore[arg-type]
    write_lines(session.connection(), order.id, pr)  # type: ignore[arg-type]
    write_order(session, order, version, values)

    now = utcnow()
    summary = list(plan.summary)
    if plan.take or plan.give:
        moved = []
        if plan.take:
            moved.append("stock taken " + units_text(plan.take, plan.skus))
        if plan.give:
            moved.append("stock returned " + units_text(plan.give, plan.skus))
        summary_text = "Edited: " + "; ".join(summary) + " · " + " · ".join(moved)
    else:
        summary_text = "Edited: " + "; ".join(summary)
    if order.credit > 0:
        summary_text += f" · overpaid by {stored_money(order.credit, order.currency)} (owed back to the customer)"
    add_event(session, order, "edited", summary_text, door, at=now)
    status_change = None
    if new_status != old_status:
        status_change = (old_status, new_status)
        why = f"balance due {stored_money(order.balance_due, order.currency)}" if order.balance_due > 0 else "payments cover the new total"
        add_event(session, order, "status", f"Payment: {stored_status(old_status)} → {stored_status(new_status)} ({why})", door, at=now)
    session.flush()
    return EditResult(order=order, changed=True, summary=summary, taken=plan.take, given=plan.give, skus=plan.skus, status_change=status_change)


# ==================================================================== statuses
