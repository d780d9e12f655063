"""The store's tables (SQLModel). One file; no logic beyond simple properties.

Money columns are integers in minor units of the order's/store's currency.
Rates and percents are integers in hundredths of a percent (20% = 2000).
Times are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Stores UTC; always returns aware datetimes (SQLite keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


def _search_key():
    """A folded search key (:mod:`ordercli.search`); on PostgreSQL in the "C" collation (byte order: prefix = index range)."""
    return Field(default=None, sa_type=sa.String().with_variant(sa.String(collation="C"), "postgresql"), index=True)


def _ts(**kw):
    return Field(default_factory=utcnow, sa_type=UTCDateTime, **kw)


class Setting(SQLModel, table=True):
    __tablename__ = "setting"
    key: str = Field(primary_key=True, max_length=100)
    value: str


class Counter(SQLModel, table=True):
    """Named sequences (order numbers, invoice numbers) updated in the same transaction."""

    __tablename__ = "counter"
    name: str = Field(primary_key=True, max_length=50)
    value: int = 0


class ProductGroup(SQLModel, table=True):
    """A product with options; its variants are the ``product`` rows with this ``group_id``."""

    __tablename__ = "product_group"
    id: Optional[int] = Field(default=None, primary_key=True)
    key: str = Field(max_length=200, sa_column_kwargs={"unique": True, "nullable": False})  # handle / parent SKU
    name: str = Field(max_length=200)
    option_names: str = "[]"  # JSON list, in order


class Product(SQLModel, table=True):
    __tablename__ = "product"
    __table_args__ = (sa.CheckConstraint("stock IS NULL OR stock >= 0", name="ck_product_stock_nonneg"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    sku: str = Field(max_length=100, sa_column_kwargs={"unique": True, "nullable": False})
    name: str = Field(max_length=200, index=True)
    price: int  # minor units
    stock: Optional[int] = None  # None = untracked
    tax_rate: int = 0  # hundredths of a percent
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    search_key: Optional[str] = _search_key()  # sku + name, folded (set on every write: ordercli.search)
    group_id: Optional[int] = Field(default=None, foreign_key="product_group.id", index=True)
    options: Optional[str] = None  # JSON object: the variant's option values, in the group's order
    for_sale: bool = Field(default=True, sa_column_kwargs={"server_default": sa.true()})
    low_stock: Optional[int] = None

    @property
    def tracked(self) -> bool:
        return self.stock is not None


class Customer(SQLModel, table=True):
    __tablename__ = "customer"
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str = Field(max_length=200, index=True)
    email: Optional[str] = Field(default=None, max_length=320, index=True)
    phone: Optional[str] = Field(default=None, max_length=32, index=True)
    created_at: datetime = _ts()
    note: Optional[str] = None
    search_key: Optional[str] = _search_key()  # name + email + phone forms, folded (services.customers writes it)
    language: Optional[str] = Field(default=None, max_length=20)  # emails and invoices; None: the store's
    vat_number: Optional[str] = Field(default=None, max_length=50)  # a business customer (invoice mentions)


class CustomerTerm(SQLModel, table=True):
    """The words a customer is found by as a prefix (folded name words, email and its parts, phone digit forms): completion's index."""

    __tablename__ = "customer_term"
    __table_args__ = (sa.Index("ix_customer_term_term", "term", "customer_id"),)
    customer_id: int = Field(foreign_key="customer.id", primary_key=True)
    term: str = Field(primary_key=True, sa_type=sa.String().with_variant(sa.String(collation="C"), "postgresql"))


class Order(SQLModel, table=True):
    __tablename__ = "orders"
    __table_args__ = (
        sa.Index("ix_orders_created", "created_at", "id"),
        sa.Index("ix_orders_payment_status", "payment_status", "id"),
        sa.Index("ix_orders_fulfillment_status", "fulfillment_status", "id"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    number: str = Field(max_length=64, sa_column_kwargs={"unique": True, "nullable": False})
    seq: int
    external_ref: Optional[str] = Field(default=None, max_length=200, sa_column_kwargs={"unique": True})
    created_at: datetime = _ts()
    updated_at: datetime = _ts()
    version: int = 1  # optimistic concurrency: bumped by every change
    door: str = Field(default="flags", max_length=20)

    customer_id: Optional[int] = Field(default=None, foreign_key="customer.id", index=True)
    customer_name: str = Field(max_length=200)
    customer_email: Optional[str] = Field(default=None, max_length=320)
    customer_phone: Optional[str] = Field(default=None, max_length=32)

    payment_status: str = Field(default="AWAITING_PAYMENT", max_length=32)
    fulfillment_status: str = Field(default="AWAITING_PROCESSING", max_length=32)
    currency: str = Field(default="EUR", max_length=3)
    prices_include_tax: bool = True

    item_count: int = 0  # sum of quantities, kept for fast lists
    subtotal: int = 0
    discount_percent: Optional[int] = None  # set when the discount was a percent
    discount: int = 0
    surcharge_total: int = 0
    shipping: int = 0
    tax: int = 0
    tip: int = 0
    total: int = 0
    paid: int = 0  # sum of payments
    refunded: int = 0  # sum of refunds
    credit_refunded: int = 0  # the part of ``refunded`` that gave back an overpayment (balance.py)
    stock_held: bool = True  # True while the order's tracked stock is taken
    walk_in: bool = False  # a sale to a passer-by: no customer record, no customer notification
    search_key: Optional[str] = _search_key()  # number, reference, customer, SKUs folded (set by place/edit)

    payment_method: Optional[str] = Field(default=None, max_length=200)
    note: Optional[str] = None
    staff_note: Optional[str] = None
    tracking_number: Optional[str] = Field(default=None, max_length=200)
    notify_customer: bool = True

    shipping_method: Optional[str] = Field(default=None, max_length=200)
    pickup: bool = False
    ship_name: Optional[str] = Field(default=None, max_length=200)
    ship_street: Optional[str] = Field(default=None, max_length=300)
    ship_city: Optional[str] = Field(default=None, max_length=200)
    ship_postal_code: Optional[str] = Field(default=None, max_length=30)
    ship_country: Optional[str] = Field(default=None, max_length=2)
    bill_name: Optional[str] = Field(default=None, max_length=200)
    bill_street: Optional[str] = Field(default=None, max_length=300)
    bill_city: Optional[str] = Field(default=None, max_length=200)
    bill_postal_code: Optional[str] = Field(default=None, max_length=30)
    bill_country: Optional[str] = Field(default=None, max_length=2)

    @property
    def balance(self):
        """The money model's view of this order (:mod:`ordercli.balance`)."""
        from ordercli import balance

        return balance.of(self)

    @property
    def balance_due(self) -> int:
        return self.balance.due

    @property
    def credit(self) -> int:
        """Money owed back to the customer (an edit lowered the total after payment, or a closed order)."""
        return self.balance.credit

    @property
    def kept(self) -> int:
        return self.balance.kept


class OrderLine(SQLModel, table=True):
    __tablename__ = "order_line"
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    position: int
    product_id: Optional[int] = Field(default=None, foreign_key="product.id", index=True)
    sku: Optional[str] = Field(default=None, max_length=100, index=True)
    name: str = Field(max_length=200)
    quantity: int
    unit_price: int
    tax_rate: int = 0
    total: int = 0  # unit_price × quantity
    discount: int = 0  # share of the order discount
    tax: int = 0
    tracked: bool = False  # stock was taken for this line
    options: Optional[str] = None  # JSON object: the variant's option values when sold


class OrderSurcharge(SQLModel, table=True):
    __tablename__ = "order_surcharge"
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    position: int
    label: str = Field(max_length=200)
    percent: Optional[int] = None
    amount: int = 0  # computed minor units


class OrderEvent(SQLModel, table=True):
    __tablename__ = "order_event"
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    at: datetime = _ts()
    kind: str = Field(max_length=40)  # created, edited, status, payment, refund, notification…
    door: Optional[str] = Field(default=None, max_length=20)
    summary: str


class StockMovement(SQLModel, table=True):
    """Append-only stock ledger: stock always equals the sum of deltas."""

    __tablename__ = "stock_movement"
    __table_args__ = (sa.Index("ix_stock_movement_product", "product_id", "id"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    product_id: int = Field(foreign_key="product.id")
    delta: int
    stock_after: int
    reason: str = Field(max_length=40)  # initial, sale, edit, cancel, reopen, restock, adjust, import
    order_number: Optional[str] = Field(default=None, max_length=64)
    at: datetime = _ts()


class Payment(SQLModel, table=True):
    """A payment (amount > 0) or a refund (kind='refund')."""

    __tablename__ = "payment"
    __table_args__ = (
        sa.Index("ix_payment_till_at", "till", "at"),
        sa.Index("ix_payment_session_method", "till_session_id", "method_code", "kind"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    kind: str = Field(default="payment", max_length=10)  # payment | refund
    amount: int
    method: Optional[str] = Field(default=None, max_length=200)  # as typed (free text, kept for the timeline)
    method_code: Optional[str] = Field(default=None, max_length=40, index=True)  # payment.methods code (reports group by it)
    till: Optional[str] = Field(default=None, max_length=100)  # the till that took it (ORDERCLI_TILL / --till / host name)
    till_session_id: Optional[int] = None  # the till session open then, if any (ix_payment_session_method)
    tendered: Optional[int] = None
    change: Optional[int] = None
    reference: Optional[str] = Field(default=None, max_length=200)
    reason: Optional[str] = None
    at: datetime = _ts(index=True)


class TillSession(SQLModel, table=True):
    """A till's session from `till open` to `till close` (at most one open per till: a partial unique index)."""

    __tablename__ = "till_session"
    __table_args__ = (
        sa.Index("ux_till_session_open", "till", unique=True, sqlite_where=sa.text("closed_at IS NULL"), postgresql_where=sa.text("closed_at IS NULL")),
        sa.Index("ix_till_session_opened", "opened_at"),
    )
    id: Optional[int] = Field(default=None, primary_key=True)
    till: str = Field(max_length=100, index=True)
    currency: str = Field(default="EUR", max_length=3)
    opened_at: datetime = _ts()
    float_amount: int = 0  # cash in the drawer at opening (minor units)
    closed_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    expected_cash: Optional[int] = None  # computed at close
    counted_cash: Optional[int] = None  # typed at close
    note: Optional[str] = None


class TillMove(SQLModel, table=True):
    """Cash put into (cash_in) or taken out of (cash_out) a till during a session."""

    __tablename__ = "till_move"
    id: Optional[int] = Field(default=None, primary_key=True)
    session_id: int = Field(foreign_key="till_session.id", index=True)
    kind: str = Field(max_length=10)  # cash_in | cash_out
    amount: int  # > 0
    reason: str = Field(max_length=200)
    at: datetime = _ts()


class Outbox(SQLModel, table=True):
    """Messages to deliver after commit (written in the same transaction as their cause)."""

    __tablename__ = "outbox"
    __table_args__ = (sa.Index("ix_outbox_due", "status", "next_attempt_at"),)
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: Optional[int] = Field(default=None, foreign_key="orders.id", index=True)
    kind: str = Field(max_length=40)  # new_order, confirmation, status, shipped, pickup, cancelled, refunded, invoice
    audience: str = Field(max_length=10)  # customer | admin
    recipient: str = Field(max_length=320)
    subject: str = Field(default="", max_length=500)
    payload: str = "{}"  # JSON: what the templates need beyond the order
    message_id: str = Field(max_length=200)
    status: str = Field(default="pending", max_length=10)  # pending, sending, sent, failed, dead
    attempts: int = 0
    next_attempt_at: datetime = _ts()
    claimed_by: Optional[str] = Field(default=None, max_length=100)
    claimed_until: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)
    last_error: Optional[str] = None
    created_at: datetime = _ts()
    sent_at: Optional[datetime] = Field(default=None, sa_type=UTCDateTime)


class Invoice(SQLModel, table=True):
    __tablename__ = "invoice"
    id: Optional[int] = Field(default=None, primary_key=True)
    order_id: int = Field(foreign_key="orders.id", index=True)
    number: str = Field(max_length=64, sa_column_kwargs={"unique": True, "nullable": False})
    seq: int
    issued_at: datetime = _ts()
    total: int = 0


# Search keys of rows written through the ORM (products; customers made by the ORM path). The hot
# paths that write with Core statements (orders, customers in a batch) compute the key themselves.
@sa.event.listens_for(Product, "before_insert")
@sa.event.listens_for(Product, "before_update")
def _product_key(mapper, connection, target) -> None:
    from ordercli import search

    target.search_key = search.product_key(target.sku, target.name)


@sa.event.listens_for(Customer, "before_insert")
@sa.event.listens_for(Customer, "before_update")
def _customer_key(mapper, connection, target) -> None:
    from ordercli import search

    target.search_key = search.customer_key(target.name, target.email, target.phone)


@sa.event.listens_for(Customer, "after_insert")
@sa.event.listens_for(Customer, "after_update")
def _customer_terms(mapper, connection, target) -> None:
    write_customer_terms(connection, target.id, target.name, target.email, target.phone)


def write_customer_terms(connection, customer_id: int, name, email, phone) -> None:
    """Replace a customer's completion terms (:class:`CustomerTerm`)."""
    from ordercli import search

    t = CustomerTerm.__table__  # type: ignore[attr-defined]
    connection.execute(sa.delete(t).where(t.c.customer_id == customer_id))
    terms = search.customer_terms(name, email, phone)
    if terms:
        connection.execute(sa.insert(t), [{"customer_id": customer_id, "term": term} for term in sorted(terms)])
