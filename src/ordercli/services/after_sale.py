"""After the sale: edit an order, change its statuses, cancel, reopen, take payments, refund.

Every use case here follows the same shape as ``place_order``:

* one write transaction (the caller's ``db.write_session``), committed once;
* the order row is read first with ``FOR UPDATE`` (PostgreSQL; SQLite's
  ``BEGIN IMMEDIATE`` already serialises writers), so two tills acting on one
  order queue up instead of interleaving;
* the order is written with a version check —
  ``UPDATE orders SET …, version = version + 1 WHERE id = :id AND version = :expected`` —
  and a version that moved on (``expected_version`` given by a script or held
  by the interactive edit while the person was typing) is refused with
  :class:`ConflictError` and nothing is written;
* stock moves only through :func:`common.take_stock` / :func:`common.give_stock`
  (conditional updates in product-id order, one ledger movement each);
* every change writes an :class:`OrderEvent` with a readable summary
  (old → new) and asks :mod:`ordercli.notify` for its outbox rows.

Which units an order holds is read from the stock ledger itself (the
movements that carry its number), so cancelling, refunding and restocking
lines give back exactly what was taken — once, however often they are asked.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import balance as money
from ordercli.domain import Address, CustomerIn, ItemIn, OrderDraft, ShippingIn, clean_text
from ordercli.errors import ConflictError, InputError, OutOfStockError, PriceChangedError, RefusedError
from ordercli.models import Order, OrderEvent, OrderLine, OrderSurcharge, Payment, Product, StockMovement, utcnow
from ordercli.money import format_money, percent_str, to_decimal_str
from ordercli.pricing import Adjustment
from ordercli.services import common, customers
from ordercli.services.orders import PricedOrder, draft_values, normalize_draft, price_draft, write_lines
from ordercli.settings import Settings
from ordercli.statuses import (
    CLOSED,
    FULFILLMENT_MOVES,
    GOODS_OUT,
    PAYMENT_MOVES,
    FulfillmentStatus,
    PaymentStatus,
    check_fulfillment_move,
    check_payment_move,
    parse_fulfillment_status,
    parse_payment_status,
    words,
)

PS = PaymentStatus
FS = FulfillmentStatus


# ====================================================================== helpers


def conflict(number: str) -> ConflictError:
    return ConflictError(
        f"Order {number} changed since you opened it; run the command again",
        f"See what changed with `ordercli order show {number}`. Nothing was saved.",
    )


def lock_order(session: Session, number: str, expected_version: int | None = None) -> Order:
    """Find the order and lock its row for this transaction; check the version if one is expected."""
    order = common.lock_order(session, common.get_order(session, number))
    if expected_version is not None and order.version != expected_version:
        raise conflict(order.number)
    return order


def write_order(session: Session, order: Order, expected_version: int, values: dict) -> Order:
    """``UPDATE orders SET …, version = version + 1 WHERE id AND version = expected``; refuse if nothing matched."""
    table = Order.__table__  # type: ignore[attr-defined]
    values = dict(values)
    values.setdefault("updated_at", utcnow())
    res = session.execute(
        sa.update(table)
        .where(table.c.id == order.id, table.c.version == expected_version)
        .values(version=table.c.version + 1, **values)
    )
    if res.rowcount != 1:
        raise conflict(order.number)
    session.refresh(order)
    return order


def add_event(session: Session, order: Order, kind: str, summary: str, door: str | None, at=None) -> OrderEvent:
    ev = OrderEvent(order_id=order.id, at=at or utcnow(), kind=kind, door=door, summary=summary)  # type: ignore[arg-type]
    session.add(ev)
    return ev


def held_units(session: Session, order: Order) -> dict[int, int]:
    """Units of each product this order holds now, read from the stock ledger (−Σ deltas with its number)."""
    pids = [pid for pid in session.exec(select(OrderLine.product_id).where(OrderLine.order_id == order.id)).all() if pid is not None]
    if not pids:
        return {}
    rows = session.execute(
        sa.select(StockMovement.product_id, sa.func.sum(StockMovement.delta))
        .where(StockMovement.product_id.in_(sorted(set(pids))), StockMovement.order_number == order.number)  # type: ignore[union-attr]
        .group_by(StockMovement.product_id)
    ).all()
    return {int(pid): -int(total) for pid, total in rows if -int(total) > 0}


def _lines(session: Session, order: Order) -> list[OrderLine]:
    return list(session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all())


def _surcharges(session: Session, order: Order) -> list[OrderSurcharge]:
    return list(session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id == order.id).order_by(OrderSurcharge.position)).all())


def _skus(session: Session, pids) -> dict[int, str]:
    pids = list(pids)
    if not pids:
        return {}
    return {p.id: p.sku for p in session.exec(select(Product).where(Product.id.in_(pids))).all()}  # type: ignore[union-attr, misc]


def units_text(moved: dict[int, int], skus: dict[int, str]) -> str:
    """``{product_id: qty}`` -> "MUG-01 ×2, CARD ×1" (timeline summaries and CLI messages)."""
    return ", ".join(f"{skus.get(pid, pid)} ×{q}" for pid, q in sorted(moved.items()) if q)


def release_stock(session: Session, order: Order, *, reason: str) -> dict[int, int]:
    """Give back every unit the order holds (per the ledger). Returns {product_id: qty} given."""
    held = held_units(session, order)
    if not held:
        return {}
    common.give_stock(session, held, reason=reason, order_number=order.number)
    return held


def retake_stock(session: Session, order: Order, *, reason: str = "reopen") -> dict[int, int]:
    """Take the order's tracked quantities again (reopening). Clean OutOfStockError if short."""
    wanted: dict[int, int] = {}
    for ln in _lines(session, order):
        if ln.product_id is not None:
            wanted[ln.product_id] = wanted.get(ln.product_id, 0) + ln.quantity
    if not wanted:
        return {}
    tracked = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(list(wanted)), Product.stock.is_not(None))).all()}  # type: ignore[union-attr]
    wanted = {pid: q for pid, q in wanted.items() if pid in tracked}
    try:
        common.take_stock(session, wanted, reason=reason, order_number=order.number, skus={pid: p.sku for pid, p in tracked.items()})
    except OutOfStockError as e:
        raise OutOfStockError(
            e.shortages,
            hint=f"Order {order.number} was not reopened: its items are no longer in stock. Add stock with `ordercli product stock SKU --add N`, or edit the order once stock is back. Nothing was saved.",
        ) from None
    return wanted


def _notify(session: Session, order: Order, *, trigger: str, settings: Settings, notify_customer: bool, extra: dict | None = None) -> list:
    from ordercli import notify

    return list(notify.queue_order_messages(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra) or [])


def _m(v: int, order: Order) -> str:
    return format_money(v, order.currency)


def possible_moves(order: Order) -> tuple[list[str], list[str]]:
    """The status moves ``order status`` would accept for this order now.

    Payment moves come from the money model (:func:`ordercli.balance.allowed_moves`),
    narrowed by the goods: an order whose goods are out cannot be cancelled.
    A partial refund is never listed: it needs an amount (``order refund --amount``).
    """
    payment = [
        p for p in money.allowed_moves(order.balance, order.payment_status, PAYMENT_MOVES)
        if not (p == PS.CANCELLED.value and order.fulfillment_status in GOODS_OUT)
    ]
    closed = order.payment_status in CLOSED
    fulfillment = [
        f.value
        for f in FULFILLMENT_MOVES[FS(order.fulfillment_status)]
        if not closed or f in (FS.WILL_NOT_DELIVER, FS.RETURNED)
    ]
    return payment, fulfillment


def _reopen_hint(order: Order) -> str:
    if isinstance(money.plan_move(order.balance, order.payment_status, PS.AWAITING_PAYMENT.value, PAYMENT_MOVES), money.Move):
        return f"Reopen it first with `ordercli order status {order.number} --payment awaiting-payment` (this takes its stock again)."
    return f"Reopen it first with `ordercli order status {order.number} --payment paid` (this takes its payment and its stock again)."


def move_refused(order: Order, refusal: money.Refusal) -> RefusedError:
    """The words for a payment move the money model refuses."""
    old, new, b = order.payment_status, refusal.target, refusal.balance
    if refusal.reason == "not_in_table":
        try:
            check_payment_move(old, new)
        except RefusedError as e:
            return e
    if refusal.reason == "needs_amount":
        return RefusedError("A partial refund needs an amount.", f"Record it with `ordercli order refund {order.number} --amount X` (the status follows).")
    if refusal.reason == "nothing_paid":
        return RefusedError(
            f"Nothing was paid on order {order.number}, so there is nothing to refund.",
            f"To call the order off, cancel it: `ordercli order cancel {order.number}`.",
        )
    if refusal.reason == "already_paid":
        return RefusedError(f"Order {order.number} has payments ({_m(b.paid, order)}), so it cannot be Incomplete.", "Use --payment awaiting-payment instead.")
    # nothing_due
    if b.kept >= b.total > 0:
        return RefusedError(
            f"Order {order.number} is fully paid ({_m(b.kept, order)} of {_m(b.total, order)}), so it cannot await payment.", "Use --payment paid instead."
        )
    options = [m for m in money.allowed_moves(b, old, PAYMENT_MOVES) if m != PS.CANCELLED.value]
    hint = f"See it with `ordercli order show {order.number}`."
    if options:
        hint = "Move it to " + " or ".join(f"--payment {m.lower().replace('_', '-')}" for m in options) + " instead."
        missing = max(b.total - b.kept, 0)
        if PS.PAID.value in options and missing:
            hint += f" (--payment paid records a payment of {_m(missing, order)})."
    return RefusedError(
        f"Nothing is due on order {order.number} (total {_m(b.total, order)}, paid {_m(b.paid, order)}"
        + (f", refunded {_m(b.refunded, order)}: a refund is not owed back" if b.refunded else "")
        + "), so it cannot await payment.",
        hint,
    )


def write_payment(
    session: Session, order: Order, *, amount: int, method: str | None, door: str | None, at, tendered: int | None = None, change: int | None = None,
    reference: str | None = None, note: str | None = None,
) -> Payment:
    """One payment row and its timeline event (the only place payments are written)."""
    pay = Payment(order_id=order.id, kind="payment", amount=amount, method=method, tendered=tendered, change=change, reference=reference, reason=note, at=at)  # type: ignore[arg-type]
    session.add(pay)
    parts = [f"Payment {_m(amount, order)}"]
    if method:
        parts.append(method)
    if tendered is not None:
        parts.append(f"tendered {_m(tendered, order)}, change {_m(change or 0, order)}")
    if reference:
        parts.append(f"ref {reference}")
    if note:
        parts.append(note)
    add_event(session, order, "payment", " · ".join(parts), door, at=at)
    return pay


def write_refund(
    session: Session, order: Order, *, amount: int, method: str | None, reason: str | None, door: str | None, at,
    restocked: dict[int, int] | None = None, skus: dict[int, str] | None = None, not_restocked: bool = False, reference: str | None = None,
) -> Payment:
    """One refund row and its timeline event (the only place refunds are written)."""
    ref = Payment(order_id=order.id, kind="refund", amount=amount, method=method, reason=reason, reference=reference, at=at)  # type: ignore[arg-type]
    session.add(ref)
    text = f"Refund {_m(amount, order)}" + (f" · {method}" if method else "") + (f" · {reason}" if reason else "")
    if restocked:
        text += " · restocked " + units_text(restocked, skus or _skus(session, restocked))
    elif not_restocked:
        text += " · not restocked"
    add_event(session, order, "refund", text, door, at=at)
    return ref


# ====================================================================== edits


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
        for ln in _lines(session, order)
    ]
    surcharges = [
        Adjustment(percent=s.percent, label=s.label) if s.percent is not None else Adjustment(amount=s.amount, label=s.label)
        for s in _surcharges(session, order)
    ]
    if order.discount_percent is not None:
        discount: Adjustment | None = Adjustment(percent=order.discount_percent)
    elif order.discount:
        discount = Adjustment(amount=order.discount)
    else:
        discount = None
    ship_addr = Address(order.ship_name, order.ship_street, order.ship_city, order.ship_postal_code, order.ship_country)
    shipping = None
    if order.pickup or order.shipping_method or order.shipping or not ship_addr.is_empty():
        shipping = ShippingIn(method=order.shipping_method, cost=order.shipping, pickup=order.pickup, address=None if ship_addr.is_empty() else ship_addr)
    bill = Address(order.bill_name, order.bill_street, order.bill_city, order.bill_postal_code, order.bill_country)
    return OrderDraft(
        customer=CustomerIn(name=order.customer_name, email=order.customer_email, phone=order.customer_phone),
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
    )


def _find_item(items: list[ItemIn], key: str, flag: str, currency: str = "EUR") -> ItemIn:
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
        which = " or ".join(
            f"{name}#{i} (×{it.quantity} at {format_money(it.unit_price or 0, currency)})" for i, it in enumerate(named, 1)
        )
        raise InputError(f"{flag} {key!r}: {len(named)} lines are called {name!r}.", f"Say which one: {which}.")
    on_order = ", ".join(it.sku or f'"{it.name}"' for it in items) or "none"
    raise InputError(f"{flag} {key!r}: no such line on this order.", f"Lines on the order: {on_order}.")


def apply_changes(draft: OrderDraft, ch: EditChanges, currency: str = "EUR") -> OrderDraft:
    """Apply flag changes to a copy of ``draft`` (pure; validation happens when it is priced)."""
    d = copy.deepcopy(draft)
    # Every flag names a line of the order as it is (NAME#2 is the second "NAME" shown), so
    # find them all before removing any: a removal must not renumber the lines the next flag means.
    removed = [_find_item(d.items, key, "--remove-item", currency) for key in ch.remove]
    qtys = [(_find_item(d.items, key, "--set-qty", currency), qty) for key, qty in ch.set_qty]
    prices = [(_find_item(d.items, key, "--set-price", currency), price) for key, price in ch.set_price]
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
        if s.pickup and addr is not None and ch.pickup:
            if _given(ch.ship):
                raise InputError("--pickup cannot have a shipping address.", "Drop --pickup or the --ship-* options.")
            addr = None  # switching to pickup drops the address
        if s.pickup and addr is not None:
            raise InputError("A pickup order has no shipping address.", "Add --no-pickup to ship it, or drop the --ship-* options.")
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


def _settings_for(order: Order, settings: Settings) -> Settings:
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
        self.message = "Not enough stock for this edit — " + "; ".join(
            f"line {sku} ({name}): {extra} more asked, {avail} available" for sku, name, extra, avail in plan_shortages
        ) + "."
        self.hint = f"Lower the quantity, or add stock with `ordercli product stock SKU --add N`. Order {number} was not changed."


def plan_edit(session: Session, order: Order, new_draft: OrderDraft, settings: Settings) -> EditPlan:
    """Validate and price the edited order and work out the stock difference. Writes nothing."""
    if order.payment_status in CLOSED:
        raise RefusedError(f"Order {order.number} is {words(order.payment_status).lower()}: it cannot be edited.", _reopen_hint(order))
    if not new_draft.items:
        raise InputError(
            "An order needs at least one item.",
            f"Keep at least one line, or cancel the order with `ordercli order cancel {order.number}`.",
        )
    osettings = _settings_for(order, settings)
    before = draft_from_order(session, order)
    after = normalize_draft(copy.deepcopy(new_draft), osettings)
    for it in after.items:
        if it.quantity <= 0:
            raise InputError(f"Invalid quantity {it.quantity} for {it.sku or it.name}.", "Use a whole number of at least 1, or --remove-item.")
    held = held_units(session, order) if order.stock_held else {}
    priced = price_draft(session, after, osettings, own_units=held)
    old_lines = _lines(session, order)
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
    skus = _skus(session, set(take) | set(give) | {ln.product_id for ln in priced.lines if ln.product_id})
    shortages: list[tuple[str, str, int, int]] = []
    if take:
        stocks = {p.id: p for p in session.exec(select(Product).where(Product.id.in_(list(take)))).all()}  # type: ignore[union-attr]
        for pid in sorted(take):
            p = stocks[pid]
            if p.stock is not None and p.stock < take[pid]:
                shortages.append((p.sku, next((ln.name for ln in priced.lines if ln.product_id == pid), p.name), take[pid], p.stock))
    summary = describe_edit(order, before, after, priced, old_lines, _surcharges(session, order))
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


def describe_edit(order: Order, before: OrderDraft, after: OrderDraft, priced: PricedOrder, old_lines: list[OrderLine], old_sur: list[OrderSurcharge]) -> list[str]:
    """Readable "old → new" pieces for everything an edit changes."""
    cur = order.currency
    m = lambda v: format_money(v, cur)  # noqa: E731
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


def preview_edit(session: Session, *, number: str, changes: EditChanges | None = None, draft: OrderDraft | None = None) -> EditPlan:
    """What an edit would do (for the interactive review). Writes nothing."""
    settings = common.load_settings(session)
    order = common.get_order(session, number)
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
    if (c.name, c.email, c.phone) != (order.customer_name, order.customer_email, order.customer_phone):
        customer_id = customers.find_or_create(session, name=c.name, email=c.email, phone=c.phone).id
    values = dict(customer_id=customer_id, **draft_values(after, pr))
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
        summary_text += f" · overpaid by {_m(order.credit, order)}: give it back with `ordercli order refund {order.number} --amount {to_decimal_str(order.credit, order.currency)}`"
    add_event(session, order, "edited", summary_text, door, at=now)
    status_change = None
    if new_status != old_status:
        status_change = (old_status, new_status)
        why = f"balance due {_m(order.balance_due, order)}" if order.balance_due > 0 else "payments cover the new total"
        add_event(session, order, "status", f"Payment: {words(old_status)} → {words(new_status)} ({why})", door, at=now)
    session.flush()
    return EditResult(order=order, changed=True, summary=summary, taken=plan.take, given=plan.give, skus=plan.skus, status_change=status_change)


# ==================================================================== statuses


@dataclass
class StatusResult:
    order: Order
    changed: bool
    payment: tuple[str, str] | None = None
    fulfillment: tuple[str, str] | None = None
    tracking: tuple[str | None, str | None] | None = None
    stock_returned: dict[int, int] = field(default_factory=dict)
    stock_taken: dict[int, int] = field(default_factory=dict)
    skus: dict[int, str] = field(default_factory=dict)
    payment_recorded: Payment | None = None
    refund_recorded: Payment | None = None
    messages: list = field(default_factory=list)
    from_version: int = 0  # the version the change was made against


def change_status(
    session: Session,
    *,
    number: str,
    payment: str | PaymentStatus | None = None,
    fulfillment: str | FulfillmentStatus | None = None,
    tracking_number: str | None = None,
    reason: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> StatusResult:
    """Move the payment and/or fulfillment status along the allowed moves, with their stock and money effects.

    * → CANCELLED gives the held stock back (fulfillment → WILL_NOT_DELIVER unless given);
    * → REFUNDED records a refund of the money kept and gives the stock back;
    * CANCELLED/REFUNDED → AWAITING_PAYMENT/PAID takes the stock again;
    * → PAID records a payment of what is still due.

    Setting a status the order already has changes nothing (and writes nothing).
    """
    settings = common.load_settings(session)
    order = lock_order(session, number, expected_version)
    version = order.version
    reason = clean_text(reason, "reason", max_len=2000)
    old_p, old_f = order.payment_status, order.fulfillment_status
    new_p = parse_payment_status(str(payment)).value if payment is not None else old_p
    new_f = parse_fulfillment_status(str(fulfillment)).value if fulfillment is not None else old_f
    new_tracking = order.tracking_number
    if tracking_number is not None:  # "" clears it
        new_tracking = clean_text(tracking_number, "tracking number") or None

    result = StatusResult(order=order, changed=False, from_version=version)
    values: dict = {}
    now = utcnow()
    notes: list[str] = []  # extra words for the status event
    paid, refunded, stock_held = order.paid, order.refunded, order.stock_held

    if new_p != old_p:
        plan = money.plan_move(order.balance, old_p, new_p, PAYMENT_MOVES)
        if isinstance(plan, money.Refusal):
            raise move_refused(order, plan)
        if plan.close:
            if new_p == PS.CANCELLED.value and old_f in GOODS_OUT and new_f in GOODS_OUT:
                raise RefusedError(
                    f"Order {order.number} is {words(old_f).lower()}: its goods are with the customer, so it cannot be cancelled.",
                    f"When they come back: `ordercli order status {order.number} --fulfillment returned`, then cancel. "
                    f"To give money back without restocking: `ordercli order refund {order.number} --no-restock`.",
                )
            if fulfillment is None and new_p == PS.CANCELLED.value:
                new_f = FS.WILL_NOT_DELIVER.value
        if plan.close and stock_held:
            result.stock_returned = release_stock(session, order, reason="refund" if plan.refund else "cancel")
            stock_held = False
        if plan.refund:
            result.skus = _skus(session, result.stock_returned)
            pay = write_refund(
                session, order, amount=plan.refund, method=_last_method(session, order), reason=reason, restocked=result.stock_returned, skus=result.skus, door=door, at=now
            )
            result.refund_recorded = pay
            refunded += plan.refund
            values["refunded"] = refunded
        if plan.reopen:
            if not stock_held:
                result.stock_taken = retake_stock(session, order, reason="reopen")
                stock_held = True
            if fulfillment is None and old_f == FS.WILL_NOT_DELIVER.value:
                new_f = FS.AWAITING_PROCESSING.value
        if plan.payment:
            pay = write_payment(session, order, amount=plan.payment, method=order.payment_method, note="recorded by a status change", door=door, at=now)
            result.payment_recorded = pay
            paid += plan.payment
            values["paid"] = paid
        if new_p == PS.CANCELLED.value and plan.balance.credit > 0:
            notes.append(f"{_m(plan.balance.credit, order)} was paid: refund it with `ordercli order refund {order.number}`")
        values["payment_status"] = new_p
        result.payment = (old_p, new_p)
    if new_f != old_f:
        if fulfillment is not None:
            closed_after = new_p in CLOSED
            if closed_after and new_f not in (FS.WILL_NOT_DELIVER.value, FS.RETURNED.value):
                raise RefusedError(
                    f"Order {order.number} is {words(new_p).lower()}: its fulfillment can only become WILL_NOT_DELIVER or RETURNED.",
                    _reopen_hint(order) if new_p == old_p else "Set the payment status first.",
                )
            check_fulfillment_move(old_f, new_f)
        values["fulfillment_status"] = new_f
        result.fulfillment = (old_f, new_f)
    if (new_tracking or None) != (order.tracking_number or None):
        values["tracking_number"] = new_tracking
        result.tracking = (order.tracking_number, new_tracking)
    if stock_held != order.stock_held:
        values["stock_held"] = stock_held

    if not values:
        return result
    result.skus = _skus(session, set(result.stock_returned) | set(result.stock_taken))
    write_order(session, order, version, values)
    parts = []
    if result.payment:
        parts.append(f"Payment: {words(result.payment[0])} → {words(result.payment[1])}")
    if result.fulfillment:
        parts.append(f"Fulfillment: {words(result.fulfillment[0])} → {words(result.fulfillment[1])}")
    if result.tracking:
        parts.append(f"Tracking number: {result.tracking[0] or '—'} → {result.tracking[1] or '—'}")
    if result.stock_returned:
        parts.append("stock returned " + units_text(result.stock_returned, result.skus))
    if result.stock_taken:
        parts.append("stock taken again " + units_text(result.stock_taken, result.skus))
    if reason and not result.refund_recorded:
        parts.append(f"reason: {reason}")
    parts += notes
    kind = "cancelled" if new_p == PS.CANCELLED.value and result.payment else ("reopened" if result.payment and old_p in CLOSED and new_p not in CLOSED else "status")
    add_event(session, order, kind, " · ".join(parts), door, at=now)

    if result.payment and new_p == PS.CANCELLED.value:
        trigger, extra = "cancelled", {"reason": reason, "payment": result.payment, "fulfillment": result.fulfillment}
    elif result.refund_recorded is not None:
        trigger, extra = "refunded", {"amount": result.refund_recorded.amount, "reason": reason, "payment": result.payment, "fulfillment": result.fulfillment}
    elif result.payment or result.fulfillment:
        trigger, extra = "status", {"payment": result.payment, "fulfillment": result.fulfillment}
    else:
        trigger, extra = None, None
    if trigger:
        result.messages = _notify(session, order, trigger=trigger, settings=settings, notify_customer=notify_customer, extra=extra)
    session.flush()
    result.changed = True
    return result


def _last_method(session: Session, order: Order) -> str | None:
    last = session.exec(
        select(Payment).where(Payment.order_id == order.id, Payment.kind == "payment").order_by(Payment.id.desc())  # type: ignore[union-attr]
    ).first()
    return (last.method if last else None) or order.payment_method


def cancel_order(
    session: Session,
    *,
    number: str,
    reason: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> StatusResult:
    """Payment CANCELLED, fulfillment WILL_NOT_DELIVER, held stock returned (once).

    ``commit=False`` does everything but the commit (the CLI previews what a
    cancellation would do in a transaction it then rolls back).
    """
    return change_status(
        session,
        number=number,
        payment=PS.CANCELLED,
        fulfillment=None,
        reason=reason,
        expected_version=expected_version,
        notify_customer=notify_customer,
        door=door,
    )


# ==================================================================== payments


@dataclass
class PaymentResult:
    order: Order
    payment: Payment
    change: int
    status_change: tuple[str, str] | None
    messages: list = field(default_factory=list)
    repeated: bool = False  # a retry with the same reference: nothing new was recorded


def _same_request(session: Session, order: Order, kind: str, reference: str, amount: int | None) -> Payment | None:
    """The payment or refund already recorded on this order under ``reference`` (a retried command), if any.

    The order row is locked, so two tills retrying at once find each other's row.
    The same reference with another amount is a different request: refused.
    """
    earlier = session.exec(
        select(Payment).where(Payment.order_id == order.id, Payment.kind == kind, Payment.reference == reference).order_by(Payment.id)  # type: ignore[arg-type]
    ).first()
    if earlier is None:
        return None
    if amount is not None and amount != earlier.amount:
        raise RefusedError(
            f"Reference {reference!r} was already used on order {order.number} for a {kind} of {_m(earlier.amount, order)}, not {_m(amount, order)}.",
            f"A retry must ask for the same {kind}; give a new {kind} its own reference.",
        )
    return earlier


def record_payment(
    session: Session,
    *,
    number: str,
    amount: int | None = None,
    method: str | None = None,
    tendered: int | None = None,
    reference: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> PaymentResult:
    """Record a payment (default: the balance due). With ``tendered`` (cash) the change is computed.

    Payments that cover the total move AWAITING_PAYMENT/INCOMPLETE to PAID; a
    partial payment leaves the order awaiting payment. Paying more than is due
    is refused unless cash was tendered (the excess is then change).
    """
    settings = common.load_settings(session)
    order = lock_order(session, number, expected_version)
    version = order.version
    reference = clean_text(reference, "reference")
    if reference:
        earlier = _same_request(session, order, "payment", reference, amount)
        if earlier is not None:  # a retry: nothing new is recorded
            return PaymentResult(order=order, payment=earlier, change=earlier.change or 0, status_change=None, repeated=True)
    b = order.balance
    if b.closed:
        raise RefusedError(f"Order {order.number} is {words(order.payment_status).lower()}: it cannot take a payment.", _reopen_hint(order))
    due = b.due
    if due <= 0:
        raise RefusedError(
            f"Nothing is due on order {order.number} (total {_m(b.total, order)}, paid {_m(b.paid, order)}).",
            f"See it with `ordercli order show {order.number}`.",
        )
    if amount is not None and amount <= 0:
        raise InputError("The amount must be more than 0.", f"Give --amount up to {_m(due, order)}, or leave it out to pay the balance due.")
    if tendered is not None and tendered <= 0:
        raise InputError("The amount tendered must be more than 0.", "Give what the customer handed over, e.g. --tendered 50.00.")
    change = 0
    if tendered is not None:
        applied = amount if amount is not None else min(due, tendered)
        applied = min(applied, due)  # with cash, anything above the balance is change
        if tendered < applied:
            raise InputError(
                f"Tendered {_m(tendered, order)} is less than the amount {_m(applied, order)}.",
                f"Give --tendered of at least {_m(applied, order)}, or a smaller --amount.",
            )
        change = tendered - applied
    else:
        applied = amount if amount is not None else due
        if applied > due:
            raise RefusedError(
                f"{_m(applied, order)} is more than the balance due on order {order.number} ({_m(due, order)}).",
                f"Pay at most {_m(due, order)}; for cash handed over, add --tendered {to_decimal_str(applied, order.currency)} and the change is worked out.",
            )
    method = clean_text(method, "payment method") or order.payment_method
    now = utcnow()
    after = b.with_payment(applied)
    old = order.payment_status
    new = money.settle(after, old)
    pay = write_payment(
        session, order, amount=applied, method=method, tendered=tendered, change=change if tendered is not None else None, reference=reference,
        note=f"balance due {_m(after.due, order)}", door=door, at=now,
    )
    values: dict = {"paid": after.paid}
    if new != old:
        values["payment_status"] = new
    write_order(session, order, version, values)
    status_change = None
    if new != old:
        status_change = (old, new)
        add_event(session, order, "status", f"Payment: {words(old)} → {words(new)}", door, at=now)
    messages = _notify(session, order, trigger="payment", settings=settings, notify_customer=notify_customer, extra={"amount": applied, "payment": status_change})
    session.flush()
    return PaymentResult(order=order, payment=pay, change=change, status_change=status_change, messages=messages)


@dataclass
class RefundResult:
    order: Order
    refund: Payment
    full: bool
    restocked: dict[int, int]
    skus: dict[int, str]
    status_change: tuple[str, str] | None
    messages: list = field(default_factory=list)
    from_version: int = 0
    repeated: bool = False  # a retry with the same reference: nothing new was recorded


def refund_order(
    session: Session,
    *,
    number: str,
    amount: int | None = None,
    restock: bool | None = None,
    restock_items: list[tuple[str, int | None]] | None = None,
    reason: str | None = None,
    method: str | None = None,
    reference: str | None = None,
    expected_version: int | None = None,
    notify_customer: bool = True,
    door: str = "flags",
) -> RefundResult:
    """Give money back (default: all of it).

    A full refund moves the order to REFUNDED and gives its stock back unless
    ``restock=False``; a partial one moves it to PARTIALLY_REFUNDED and gives
    back only the ``restock_items`` named ([(SKU, qty or None for all held)]).
    """
    settings = common.load_settings(session)
    order = lock_order(session, number, expected_version)
    version = order.version
    restock_items = list(restock_items or [])
    if restock_items and restock is False:
        raise InputError("--no-restock and --restock-item contradict each other.", "Give one of them.")
    reference = clean_text(reference, "reference")
    if reference:
        earlier = _same_request(session, order, "refund", reference, amount)
        if earlier is not None:  # a retry: nothing new is recorded
            return RefundResult(order=order, refund=earlier, full=False, restocked={}, skus={}, status_change=None, from_version=version, repeated=True)
    b = order.balance
    kept = b.kept
    if kept <= 0:
        if order.paid <= 0:
            raise RefusedError(
                f"Nothing was paid on order {order.number}, so there is nothing to refund.",
                f"To call the order off, cancel it: `ordercli order cancel {order.number}`.",
            )
        raise RefusedError(f"Order {order.number} is already refunded in full ({_m(order.refunded, order)}).", f"See it with `ordercli order show {order.number}`.")
    if amount is None:
        amount = kept
    if amount <= 0:
        raise InputError("The refund amount must be more than 0.", f"Give --amount up to {_m(kept, order)}.")
    if amount > kept:
        raise RefusedError(
            f"{_m(amount, order)} is more than was paid on order {order.number} ({_m(kept, order)} can be refunded).",
            f"Refund at most {_m(kept, order)}.",
        )
    full = amount == kept
    old = order.payment_status
    if old == PS.CANCELLED.value and not full:
        raise RefusedError(
            f"Order {order.number} is cancelled: refund what was paid in full ({_m(kept, order)}).",
            f"Run `ordercli order refund {order.number}` without --amount, or reopen the order first.",
        )
    if not full and restock is True and not restock_items:
        raise InputError(
            "A partial refund restocks only the lines you name.",
            "Add --restock-item SKU[:QTY] for each line that came back (or leave out --restock).",
        )
    # A full refund calls the order off (Refunded); otherwise the money model settles the status
    # (a refunded overpayment leaves a paid order Paid).
    after = money.Balance(total=b.total, paid=b.paid, refunded=b.refunded + amount, closed=b.closed or full)
    new = money.settle(after, old)
    reason = clean_text(reason, "reason", max_len=2000)
    method = clean_text(method, "payment method") or _last_method(session, order)

    restocked: dict[int, int] = {}
    stock_held = order.stock_held
    if restock_items:
        held = held_units(session, order) if stock_held else {}
        lines = _lines(session, order)
        wanted: dict[int, int] = {}
        for sku, qty in restock_items:
            ln = next((x for x in lines if x.sku and x.sku.upper() == sku.strip().upper()), None)
            if ln is None or ln.product_id is None:
                on_order = ", ".join(x.sku for x in lines if x.sku) or "none"
                raise InputError(f"--restock-item {sku!r}: no such catalog line on this order.", f"Catalog lines on the order: {on_order}.")
            have = held.get(ln.product_id, 0) - wanted.get(ln.product_id, 0)
            q = have if qty is None else qty
            if have <= 0 or q > have:
                raise RefusedError(
                    f"--restock-item {ln.sku}: the order holds {max(have, 0)} unit(s) of it in stock terms, {q} asked.",
                    "Give a smaller quantity (units already returned or untracked cannot be returned again).",
                )
            wanted[ln.product_id] = wanted.get(ln.product_id, 0) + q
        common.give_stock(session, wanted, reason="refund", order_number=order.number)
        restocked = wanted
        if full and not held_units(session, order):
            stock_held = False
    elif full and restock is not False and stock_held:
        restocked = release_stock(session, order, reason="refund")
        stock_held = False

    now = utcnow()
    skus = _skus(session, restocked)
    ref = write_refund(
        session, order, amount=amount, method=method, reason=reason, restocked=restocked, skus=skus, not_restocked=full and restock is False, reference=reference, door=door, at=now
    )
    values: dict = {"refunded": after.refunded}
    if new != old:
        values["payment_status"] = new
    if stock_held != order.stock_held:
        values["stock_held"] = stock_held
    write_order(session, order, version, values)
    status_change = None
    if new != old:
        status_change = (old, new)
        add_event(session, order, "status", f"Payment: {words(old)} → {words(new)}", door, at=now)
    messages = _notify(
        session, order, trigger="refunded", settings=settings, notify_customer=notify_customer, extra={"amount": amount, "reason": reason, "payment": status_change}
    )
    session.flush()
    return RefundResult(order=order, refund=ref, full=full, restocked=restocked, skus=skus, status_change=status_change, messages=messages, from_version=version)
