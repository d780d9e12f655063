"""Orders: price a draft, place it (stock, number, customer, event, outbox), read it back.

``place_order`` is the one door-independent use case behind the wizard, the
flags and the batch import. Everything happens in the caller's unit of work,
which commits once (or rolls back: a preview); if anything fails, nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import balance
from ordercli.domain import WALK_IN_NAME, Address, OrderDraft
from ordercli.db import fast
from ordercli.errors import InputError, OutOfStockError, PriceChangedError, RefusedError
from ordercli.i18n import _
from ordercli.models import Order, OrderEvent, OrderLine, OrderSurcharge, Product, utcnow
from ordercli.history_text import stored_money
from ordercli.money import format_money
from ordercli.pricing import DiscountTooLarge, LimitError, LineIn, PricingError, Totals, compute_totals
from ordercli import search
from ordercli.services import common, customers
from ordercli.settings import Settings
from ordercli.statuses import FulfillmentStatus, PaymentStatus

# Statements built once (not per order): executing a prepared statement object
# skips its construction and cache-key computation, which matters in batches.
_ORDERS = Order.__table__  # type: ignore[attr-defined]
_ORDER_ID_BY_REF = sa.select(_ORDERS.c.id).where(_ORDERS.c.external_ref == sa.bindparam("ref"))
_INSERT_LINES = sa.insert(OrderLine.__table__)  # type: ignore[attr-defined]
_INSERT_SURCHARGES = sa.insert(OrderSurcharge.__table__)  # type: ignore[attr-defined]
_INSERT_EVENT = sa.insert(OrderEvent.__table__)  # type: ignore[attr-defined]


@dataclass
class PricedLine:
    sku: str | None
    name: str
    quantity: int
    unit_price: int
    tax_rate: int
    product_id: int | None = None
    tracked: bool = False
    options: str | None = None  # JSON object: the variant's option values
    stock: int | None = None  # stock before this order (tracked only)
    total: int = 0
    discount: int = 0
    tax: int = 0

    @property
    def stock_after(self) -> int | None:
        return None if self.stock is None else self.stock - self.quantity


@dataclass
class PricedOrder:
    draft: OrderDraft
    currency: str
    prices_include_tax: bool
    lines: list[PricedLine]
    totals: Totals
    surcharges: list[tuple[str, int | None, int]] = field(default_factory=list)  # (label, percent, amount)

    @property
    def item_count(self) -> int:
        return sum(ln.quantity for ln in self.lines)

    def shortages(self) -> list[tuple[str, int, int]]:
        from ordercli.stock import short_lines

        tracked = [ln for ln in self.lines if ln.tracked]
        return short_lines({ln.sku or ln.name: ln.quantity for ln in tracked}, {ln.sku or ln.name: ln.stock or 0 for ln in tracked})


def normalize_draft(draft: OrderDraft, settings: Settings, *, stored_shipping_address: Address | None = None) -> OrderDraft:
    """The draft through the validation gate (:func:`ordercli.validation.validate_draft`): a new, checked and normalised draft.

    Raises :class:`ordercli.validation.DraftInvalid` (an InputError) with every problem and its field path.
    ``stored_shipping_address`` (edits): the order's stored address, kept as it is when the edit leaves it unchanged.
    """
    from ordercli.validation import validate_draft

    return validate_draft(draft, phone_region=settings.get("store.phone_region"), stored_shipping_address=stored_shipping_address).to_draft()


def price_draft(
    session: Session, draft: OrderDraft, settings: Settings, *, held_units: dict[int, int] | None = None, catalog: dict[str, Product] | None = None
) -> PricedOrder:
    """Resolve SKUs, merge repeated SKUs, and compute the totals. Writes nothing.

    ``held_units`` (product_id -> qty) are units the order already holds (for
    edits): they count as available to it. ``catalog`` (upper-case SKU ->
    Product, loaded by a batch) resolves SKUs without a SELECT per order;
    SKUs it lacks are looked up as usual.
    """
    currency = settings.currency
    skus = [i.sku for i in draft.items if not i.is_custom]
    products: dict[str, Product] = {}
    if catalog is not None:
        products = {s: catalog[s.upper()] for s in skus if s.upper() in catalog}  # type: ignore[union-attr]
    if skus and len(products) < len(set(skus)):
        found = session.exec(select(Product).where(Product.sku.in_(skus))).all()  # type: ignore[union-attr]
        products = {p.sku: p for p in found}
        missing = [s for s in skus if s not in products]
        if missing:
            # Forgive case: "mug-01" for "MUG-01".
            upper = {s.upper() for s in missing}
            for p in session.exec(select(Product).where(sa.func.upper(Product.sku).in_(upper))).all():
                for s in missing:
                    if s.upper() == p.sku.upper():
                        products[s] = p
            still = [s for s in skus if s not in products]
            if still:
                raise common.unknown_sku(session, still[0])

    lines: list[PricedLine] = []
    by_pid: dict[int, PricedLine] = {}
    # A VAT-exempt seller (franchise en base, art. 293 B du CGI) charges no VAT: new lines carry
    # none, whatever the catalog's rates (kept for the day the shop passes the threshold). A rate
    # given with the line (an edit keeps what a line was sold at; an imported file) stays.
    catalog_rate = (lambda p: 0) if settings.flag("tax.vat_exempt") else (lambda p: p.tax_rate)
    custom_rate = 0 if settings.flag("tax.vat_exempt") else settings.default_rate
    for item in draft.items:
        if item.is_custom:
            lines.append(
                PricedLine(
                    sku=None,
                    name=item.name or "",
                    quantity=item.quantity,
                    unit_price=item.unit_price or 0,
                    tax_rate=custom_rate if item.tax_rate is None else item.tax_rate,
                )
            )
            continue
        p = products[item.sku]  # type: ignore[index]
        if not p.for_sale and not (held_units and p.id in held_units):  # an edit may keep what the order holds
            raise RefusedError(_("%(sku)s (%(name)s) is not for sale.") % {"sku": p.sku, "name": p.name}, code="product.not_for_sale", sku=p.sku)
        if p.id in by_pid:  # same SKU twice: one line
            by_pid[p.id].quantity += item.quantity
            continue
        stock = p.stock
        if stock is not None and held_units:
            stock += held_units.get(p.id, 0)  # type: ignore[arg-type]
        line = PricedLine(
            sku=p.sku,
            name=p.name,
            quantity=item.quantity,
            unit_price=p.price if item.unit_price is None else item.unit_price,
            tax_rate=catalog_rate(p) if item.tax_rate is None else item.tax_rate,  # edits keep the rate a line was sold at
            product_id=p.id,
            options=p.options,
            tracked=p.stock is not None,
            stock=stock,
        )
        by_pid[p.id] = line  # type: ignore[index]
        lines.append(line)

    shipping_cost = draft.shipping.cost if draft.shipping else 0
    try:
        totals = compute_totals(
            [LineIn(ln.unit_price, ln.quantity, ln.tax_rate) for ln in lines],
            discount=draft.discount,
            surcharges=draft.surcharges,
            shipping=shipping_cost,
            tip=draft.tip,
            prices_include_tax=settings.prices_include_tax,
        )
    except LimitError as e:
        raise InputError(_("Cannot price the order: %(reason)s.") % {"reason": e}, _("Split it into several orders, or check the amounts.")) from None
    except DiscountTooLarge:
        raise InputError(_("The discount is larger than the subtotal."), _("Give a smaller discount.")) from None
    except PricingError as e:
        raise InputError(_("Cannot price the order: %(reason)s.") % {"reason": e}, _("Check the amounts.")) from None
    for ln, out in zip(lines, totals.lines):
        ln.total, ln.discount, ln.tax = out.total, out.discount, out.tax
    surcharges = [(s.label, s.percent, amt) for s, amt in zip(draft.surcharges, totals.surcharges)]
    return PricedOrder(draft=draft, currency=currency, prices_include_tax=settings.prices_include_tax, lines=lines, totals=totals, surcharges=surcharges)


def _order_defaults() -> dict:
    from pydantic_core import PydanticUndefined

    return {n: f.default for n, f in Order.model_fields.items() if n != "id" and f.default is not PydanticUndefined and f.default_factory is None}


_ORDER_DEFAULTS = _order_defaults()
_INSERT_ORDER = sa.insert(_ORDERS).returning(_ORDERS.c.id)


def _insert_order(session: Session, **values) -> Order:
    """INSERT the order row and return it as a persistent ORM object.

    The same row as ``session.add(Order(...)); session.flush()``, at a third of
    the cost (batch imports place thousands of orders): one INSERT … RETURNING
    id, then the object is built with the values as committed state and
    attached with SQLAlchemy's documented ``make_transient_to_detached`` +
    ``session.add`` (no SELECT, no flush, nothing pending).
    """
    from sqlalchemy.orm import make_transient_to_detached
    from sqlalchemy.orm.attributes import set_committed_value

    row = {**_ORDER_DEFAULTS, **values}
    order_id = fast(session).execute(_INSERT_ORDER, row).scalar_one()
    order = Order._sa_class_manager.new_instance()  # type: ignore[attr-defined]
    for key, value in row.items():
        set_committed_value(order, key, value)
    set_committed_value(order, "id", order_id)
    make_transient_to_detached(order)
    session.add(order)
    return order


@dataclass
class PlacedOrder:
    order: Order
    priced: PricedOrder
    created: bool = True  # False when external_ref matched an existing order
    messages: list = field(default_factory=list)
    identity: object = None  # services.customers.Identity: who the order was filed under, what contact differed (kept)


def draft_values(draft: OrderDraft, priced: PricedOrder) -> dict:
    """The order columns that come from a priced draft: contact, totals, notes, addresses.

    Shared by ``place_order`` and the edit service, so a new order and an edited one are
    written the same way.
    """
    c = draft.customer
    t = priced.totals
    ship = draft.shipping
    saddr = ship.address if ship and ship.address else Address()
    baddr = draft.billing or Address()
    walk_in = bool(draft.walk_in)
    return dict(
        walk_in=walk_in,
        customer_name=WALK_IN_NAME if walk_in else c.name,
        customer_email=None if walk_in else c.email,
        customer_phone=None if walk_in else c.phone,
        item_count=priced.item_count,
        subtotal=t.subtotal,
        discount_percent=draft.discount.percent if draft.discount else None,
        discount=t.discount,
        surcharge_total=t.surcharge_total,
        shipping=t.shipping,
        tax=t.tax,
        tip=t.tip,
        total=t.total,
        payment_method=draft.payment_method,
        note=draft.note,
        staff_note=draft.staff_note,
        shipping_method=ship.method if ship else None,
        pickup=bool(ship and ship.pickup),
        ship_name=saddr.name,
        ship_street=saddr.street,
        ship_city=saddr.city,
        ship_postal_code=saddr.postal_code,
        ship_country=saddr.country,
        bill_name=baddr.name,
        bill_street=baddr.street,
        bill_city=baddr.city,
        bill_postal_code=baddr.postal_code,
        bill_country=baddr.country,
    )


def write_lines(conn, order_id: int, priced: PricedOrder) -> None:
    """INSERT an order's lines and surcharges as priced (create and edit write them alike)."""
    conn.execute(
        _INSERT_LINES,
        [
            dict(
                order_id=order_id,
                position=pos,
                product_id=ln.product_id,
                sku=ln.sku,
                options=ln.options,
                name=ln.name,
                quantity=ln.quantity,
                unit_price=ln.unit_price,
                tax_rate=ln.tax_rate,
                total=ln.total,
                discount=ln.discount,
                tax=ln.tax,
                tracked=ln.tracked,
            )
            for pos, ln in enumerate(priced.lines, 1)
        ],
    )
    if priced.surcharges:
        conn.execute(
            _INSERT_SURCHARGES,
            [dict(order_id=order_id, position=pos, label=label, percent=percent, amount=amount) for pos, (label, percent, amount) in enumerate(priced.surcharges, 1)],
        )


def _edited(session: Session, order_id: int) -> bool:
    return (
        session.execute(sa.select(OrderEvent.id).where(OrderEvent.order_id == order_id, OrderEvent.kind == "edited").limit(1)).first()  # type: ignore[arg-type]
        is not None
    )


def _differences(session: Session, existing: Order, draft: OrderDraft, new_lines) -> list[str]:
    """What differs between the order behind a reference and a new request for it: customer, items.

    Nothing once the order has been edited: what it was created with is no longer on the order.
    """
    if _edited(session, existing.id):  # type: ignore[arg-type]
        return []
    c = draft.customer
    differs = []
    if (c.email or None) != (existing.customer_email or None) or (c.phone or None) != (existing.customer_phone or None):
        differs.append("customer")

    def lines(pairs) -> list:
        return sorted(((sku or "").upper(), (name or "").upper() if not sku else "", qty) for sku, name, qty in pairs)

    old = lines((ln.sku, ln.name, ln.quantity) for ln in session.exec(select(OrderLine).where(OrderLine.order_id == existing.id)).all())
    if old != lines(new_lines):
        differs.append("items")
    return differs


def import_differences(session: Session, existing: Order, draft: OrderDraft) -> list[str]:
    """A re-imported order against the one imported under its reference: ``["items"]``, ``["customer"]``… or ``[]``."""
    return _differences(session, existing, draft, [(i.sku, i.name, i.quantity) for i in draft.items])


def _check_same_request(session: Session, existing: Order, draft: OrderDraft, priced: PricedOrder) -> None:
    """A retry of the order behind ``external_ref`` is a no-op; another order under the same reference is refused.

    Compared while the order has not been edited since it was created: the
    customer's contact details and the lines (SKU or name, quantity). A script reusing a
    reference by mistake must not be told its order was taken.
    """
    differs = _differences(session, existing, draft, [(ln.sku, ln.name, ln.quantity) for ln in priced.lines])
    if differs:
        raise RefusedError(
            (
                _("Reference %(reference)s already belongs to order %(order)s (different customer and items): nothing was created.")
                if len(differs) > 1
                else _("Reference %(reference)s already belongs to order %(order)s (different customer): nothing was created.")
                if differs == ["customer"]
                else _("Reference %(reference)s already belongs to order %(order)s (different items): nothing was created.")
            )
            % {"reference": existing.external_ref, "order": existing.number},
            code="order.ref_taken",
            order=existing.number,
        )


def place_order(
    session: Session,
    draft: OrderDraft,
    *,
    settings: Settings | None = None,
    catalog: dict[str, Product] | None = None,
    expected_total: int | None = None,
    gate_passed: bool = False,
    queue_messages: bool = True,
) -> PlacedOrder:
    """Create an order from a draft in one transaction.

    Stock is taken line by line with conditional updates (never negative, in
    product-id order); the order number comes from a counter row in the same
    transaction; the order, its lines, surcharges, "created" event and outbox
    messages are written together and committed once.

    A batch passes ``settings`` (loaded once) and ``catalog`` (see
    :func:`price_draft`) to skip the per-order SELECTs. The wizard passes the
    ``expected_total`` it showed: if a price changed since, nothing is written
    (:class:`PriceChangedError`), so the total saved is the total reviewed.
    The import passes ``gate_passed=True`` for drafts its builder has just put
    through the same gate (validating a draft twice costs a third of an import).
    ``queue_messages=False``: the caller queues the "created" messages itself, later in the
    same transaction (a sale paid at once: one confirmation that shows the payment).
    """
    settings = settings if settings is not None else common.load_settings(session)
    if not gate_passed:
        draft = normalize_draft(draft, settings)

    if draft.external_ref:
        # Two tills retrying the same reference at once: the second waits here until the
        # first commits, then finds its order. The order counter (taken by every new order
        # anyway, and first in the lock order) rather than a lock per reference, which would
        # deadlock with a batch already holding the counter. SQLite's BEGIN IMMEDIATE
        # already serialises.
        common.lock_counter(session, "order")
        existing_id = fast(session).execute(_ORDER_ID_BY_REF, {"ref": draft.external_ref}).scalar()
        existing = session.get(Order, existing_id) if existing_id is not None else None
        if existing is not None:
            priced = price_draft(session, draft, settings, catalog=catalog)
            if draft.door != "import":  # a re-run file is "already imported" whatever was edited since
                _check_same_request(session, existing, draft, priced)
            return PlacedOrder(order=existing, priced=priced, created=False)

    priced = price_draft(session, draft, settings, catalog=catalog)
    if expected_total is not None and priced.totals.total != expected_total:
        raise PriceChangedError(format_money(expected_total, priced.currency), format_money(priced.totals.total, priced.currency))
    seq = common.next_in_sequence(session, "order")
    number = f"{settings.get('order.prefix')}{seq}{settings.get('order.suffix')}"

    wanted = {ln.product_id: ln.quantity for ln in priced.lines if ln.tracked and ln.product_id is not None}
    try:
        left = common.take_stock(
            session, wanted, reason="sale", order_number=number, skus={ln.product_id: ln.sku or "" for ln in priced.lines if ln.product_id}
        )
    except OutOfStockError as e:
        e.priced = priced  # the order as it would have been: a preview shows it with its short lines
        raise
    for ln in priced.lines:
        if ln.product_id in left:
            ln.stock = left[ln.product_id] + ln.quantity

    c = draft.customer
    # A walk-in sale has no customer record.
    if draft.walk_in:
        customer_id, identity = None, None
    else:
        customer_id, identity = customers.find_or_create_id(session, name=c.name, email=c.email, phone=c.phone, customer_id=c.customer_id, update_contact=c.update_contact)
    now = utcnow()
    order = _insert_order(
        session,
        number=number,
        seq=seq,
        external_ref=draft.external_ref,
        created_at=now,
        updated_at=now,
        door=draft.door,
        customer_id=customer_id,
        # Nothing to collect on an order of 0: the money model makes it Paid at once.
        payment_status=balance.settle(balance.Balance(total=priced.totals.total), PaymentStatus.AWAITING_PAYMENT.value),
        fulfillment_status=FulfillmentStatus.AWAITING_PROCESSING.value,
        currency=priced.currency,
        prices_include_tax=priced.prices_include_tax,
        notify_customer=draft.notify_customer,
        search_key=order_search_key(number, draft.external_ref, draft.customer, priced),
        **draft_values(draft, priced),
    )
    # Lines, surcharges and the event are plain INSERTs (one executemany each,
    # no ORM objects): the same rows, much cheaper for batch imports.
    conn = fast(session)  # no ORM or per-statement machinery: this runs for every imported order
    write_lines(conn, order.id, priced)
    items_word = "item" if priced.item_count == 1 else "items"
    conn.execute(
        _INSERT_EVENT,
        [
            dict(
                order_id=order.id,
                at=now,
                kind="created",
                door=draft.door,
                summary=f"Created ({draft.door}) · {priced.item_count} {items_word} · {stored_money(priced.totals.total, priced.currency)}",  # stored: English
            )
        ],
    )
    # Notifications: written in this same transaction, delivered after commit.
    messages = queue_created_messages(session, order, settings=settings, notify_customer=draft.notify_customer) if queue_messages else []
    session.flush()
    return PlacedOrder(order=order, priced=priced, created=True, messages=messages, identity=identity)


def order_search_key(number: str, ref: str | None, c, priced: PricedOrder) -> str:
    """The order's stored search key (number, reference, customer, SKUs; :mod:`ordercli.search`)."""
    return search.order_key(number, ref, c.name, c.email, c.phone, [ln.sku for ln in priced.lines])


def queue_created_messages(session: Session, order: Order, *, settings: Settings, notify_customer: bool) -> list:
    """The messages a new order calls for (the shop's "new order", the customer's confirmation), as it stands now."""
    from ordercli import notify

    return list(notify.queue_order_messages(session, order, trigger="created", settings=settings, notify_customer=notify_customer) or [])


# ------------------------------------------------------------------ reading


@dataclass
class OrderFilter:
    payment_status: str | None = None
    fulfillment_status: str | None = None
    customer: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    search: str | None = None
    limit: int = 50
    offset: int = 0
    payment_method: str | None = None  # a payment.methods code: orders with a payment by it
    paid_since: datetime | None = None  # orders with a payment taken at or after this instant
    paid_until: datetime | None = None  # … and before this one


def filtered_query(f: OrderFilter):
    q = select(Order)
    # Status filters compare `status || ''` on purpose: it keeps the planner off the status
    # indexes, so it walks ix_orders_created newest-first and stops after LIMIT rows. With the
    # plain column SQLite sorted every order of that status (PAID on 100,000 orders: 400 ms
    # instead of 0.3 ms; the worst case, a status no order has, is one index walk: 30-80 ms).
    if f.payment_status:
        q = q.where(Order.payment_status.concat("") == f.payment_status)
    if f.fulfillment_status:
        q = q.where(Order.fulfillment_status.concat("") == f.fulfillment_status)
    if f.since:
        q = q.where(Order.created_at >= f.since)
    if f.until:
        q = q.where(Order.created_at < f.until)
    if f.customer:
        from ordercli.models import Customer

        # The order's own contact or its customer's (case, accents and phone forms ignored).
        for term in search.query_terms(f.customer):
            pat = f"%{search.like_escape(term)}%"
            q = q.where(
                sa.or_(
                    Order.search_key.like(pat, escape="\\"),
                    Order.customer_id.in_(select(Customer.id).where(Customer.search_key.like(pat, escape="\\"))),
                )
            )
    if f.payment_method or f.paid_since or f.paid_until:
        from ordercli.models import Payment

        pay = Payment.__table__  # type: ignore[attr-defined]
        conds = [pay.c.order_id == Order.id, pay.c.kind == "payment"]
        if f.payment_method:
            conds.append(pay.c.method_code == f.payment_method)
        if f.paid_since:
            conds.append(pay.c.at >= f.paid_since)
        if f.paid_until:
            conds.append(pay.c.at < f.paid_until)
        q = q.where(sa.exists().where(*conds))
    if f.search:
        # Number, reference, customer (name, email, any form of the phone), SKUs: case and accents ignored.
        for term in search.query_terms(f.search):
            q = q.where(Order.search_key.like(f"%{search.like_escape(term)}%", escape="\\"))
    return q.order_by(Order.created_at.desc(), Order.id.desc())


def list_orders(session: Session, f: OrderFilter) -> list[Order]:
    q = filtered_query(f).offset(f.offset).limit(f.limit)
    return list(session.exec(q).all())


@dataclass
class ListTotals:
    """Totals over every order a filter matches (not only the page shown), per currency."""

    currency: str
    count: int  # orders matched
    open_count: int  # of which not cancelled or refunded
    total: int  # Σ total of the open ones
    paid: int  # Σ money kept (payments − refunds), all matched orders
    due: int  # Σ balance due (money model: 0 on a closed order)


def list_totals(session: Session, f: OrderFilter) -> list[ListTotals]:
    """One aggregate query over the filtered orders (no LIMIT/OFFSET), grouped by currency."""
    sub = filtered_query(f).order_by(None).subquery()
    closed = sub.c.payment_status.in_(("CANCELLED", "REFUNDED"))
    owed = sub.c.total - sub.c.paid + sub.c.credit_refunded
    rows = session.execute(
        sa.select(
            sub.c.currency,
            sa.func.count(),
            sa.func.coalesce(sa.func.sum(sa.case((closed, 0), else_=1)), 0),
            sa.func.coalesce(sa.func.sum(sa.case((closed, 0), else_=sub.c.total)), 0),
            sa.func.coalesce(sa.func.sum(sub.c.paid - sub.c.refunded), 0),
            sa.func.coalesce(sa.func.sum(sa.case((closed, 0), (owed > 0, owed), else_=0)), 0),
        ).group_by(sub.c.currency).order_by(sub.c.currency)
    ).all()
    return [ListTotals(cur, int(n), int(o), int(t), int(p), int(d)) for cur, n, o, t, p, d in rows]


@dataclass
class OrderDetail:
    order: Order
    lines: list[OrderLine]
    surcharges: list[OrderSurcharge]
    events: list[OrderEvent]
    payments: list = field(default_factory=list)
    notifications: list = field(default_factory=list)


def order_detail(session: Session, number: str) -> OrderDetail:
    from ordercli.models import Outbox, Payment

    order = common.get_order(session, number)
    lines = list(session.exec(select(OrderLine).where(OrderLine.order_id == order.id).order_by(OrderLine.position)).all())
    sur = list(session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id == order.id).order_by(OrderSurcharge.position)).all())
    events = list(session.exec(select(OrderEvent).where(OrderEvent.order_id == order.id).order_by(OrderEvent.at, OrderEvent.id)).all())
    payments = list(session.exec(select(Payment).where(Payment.order_id == order.id).order_by(Payment.at, Payment.id)).all())
    notes = list(session.exec(select(Outbox).where(Outbox.order_id == order.id).order_by(Outbox.id)).all())
    return OrderDetail(order=order, lines=lines, surcharges=sur, events=events, payments=payments, notifications=notes)


def lines_for(session: Session, order_ids: list[int]) -> dict[int, list[OrderLine]]:
    out: dict[int, list[OrderLine]] = {i: [] for i in order_ids}
    if not order_ids:
        return out
    rows = session.exec(select(OrderLine).where(OrderLine.order_id.in_(order_ids)).order_by(OrderLine.order_id, OrderLine.position)).all()  # type: ignore[union-attr]
    for r in rows:
        out[r.order_id].append(r)
    return out


def surcharges_for(session: Session, order_ids: list[int]) -> dict[int, list[OrderSurcharge]]:
    out: dict[int, list[OrderSurcharge]] = {i: [] for i in order_ids}
    if not order_ids:
        return out
    rows = session.exec(select(OrderSurcharge).where(OrderSurcharge.order_id.in_(order_ids)).order_by(OrderSurcharge.order_id, OrderSurcharge.position)).all()  # type: ignore[union-attr]
    for r in rows:
        out[r.order_id].append(r)
    return out
