"""Customers: found or created by orders (email first, then phone)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli.db import fast
from ordercli.errors import NotFoundError
from ordercli.models import Customer, Order, utcnow


_T = Customer.__table__  # type: ignore[attr-defined]
# Built once: cheaper than building a statement per order in a batch.
_BY_EMAIL = sa.select(_T.c.id, _T.c.email, _T.c.phone).where(_T.c.email == sa.bindparam("v")).order_by(_T.c.id).limit(1)
_BY_PHONE = sa.select(_T.c.id, _T.c.email, _T.c.phone).where(_T.c.phone == sa.bindparam("v")).order_by(_T.c.id).limit(1)
_INSERT = sa.insert(_T).returning(_T.c.id)
def find_or_create_id(session: Session, *, name: str, email: str | None, phone: str | None) -> int:
    """:func:`find_or_create` with plain statements (no ORM objects): returns the customer's id.

    Callers hold the order counter (``common.lock_counter``; every new order takes it), so on
    PostgreSQL two tills never both miss the look-up and create the same customer twice.

    Used by ``place_order`` (fast enough for batch imports).
    """
    conn = fast(session)  # no ORM or per-statement machinery: this runs for every imported order
    row = conn.execute(_BY_EMAIL, {"v": email}).first() if email else None
    if row is None and phone:
        row = conn.execute(_BY_PHONE, {"v": phone}).first()
    if row is None:
        return int(conn.execute(_INSERT, {"name": name, "email": email, "phone": phone, "created_at": utcnow()}).scalar_one())
    changes = {}
    if email and not row.email:
        changes["email"] = email
    if phone and not row.phone:
        changes["phone"] = phone
    if changes:
        conn.execute(sa.update(_T).where(_T.c.id == row.id).values(**changes))
    return int(row.id)


def find_or_create(session: Session, *, name: str, email: str | None, phone: str | None) -> Customer:
    """Match on email, else on phone; fill in a missing email/phone; else create."""
    customer = session.exec(select(Customer).where(Customer.email == email).order_by(Customer.id)).first() if email else None
    if customer is None and phone:
        customer = session.exec(select(Customer).where(Customer.phone == phone).order_by(Customer.id)).first()
    if customer is None:
        customer = Customer(name=name, email=email, phone=phone)
        session.add(customer)
        session.flush()
        return customer
    changed = False
    if email and not customer.email:
        customer.email, changed = email, True
    if phone and not customer.phone:
        customer.phone, changed = phone, True
    if changed:
        session.add(customer)
    return customer


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_customers(session: Session, *, text: str | None = None, limit: int = 50, offset: int = 0) -> list[Customer]:
    q = select(Customer)
    if text and text.strip():
        pat = _like(text.strip().lower())
        digits = "".join(c for c in text if c.isdigit()).lstrip("0")  # "06 12…", "0033 6…" match "+336…"
        conds = [
            sa.func.lower(Customer.name).like(pat, escape="\\"),
            sa.func.lower(Customer.email).like(pat, escape="\\"),
        ]
        if len(digits) >= 3:
            conds.append(Customer.phone.like(_like(digits), escape="\\"))
        q = q.where(sa.or_(*conds))
    q = q.order_by(Customer.name, Customer.id).offset(offset).limit(limit)
    return list(session.exec(q).all())


def get_customer(session: Session, key: str, *, phone_region: str | None = None) -> Customer:
    """By id, email or phone."""
    text = str(key).strip()
    customer = None
    if text.isdigit() and len(text) < 9:
        customer = session.get(Customer, int(text))
    if customer is None and "@" in text:
        customer = session.exec(select(Customer).where(Customer.email == text.lower())).first()
    if customer is None and any(c.isdigit() for c in text):
        from ordercli.domain import normalize_phone
        from ordercli.errors import InputError

        try:
            e164 = normalize_phone(text, phone_region)
        except InputError:
            e164 = None
        if e164:
            customer = session.exec(select(Customer).where(Customer.phone == e164)).first()
    if customer is None:
        raise NotFoundError(f"No customer {text!r}.", code="customer.unknown")
    return customer


def customer_orders(session: Session, customer_id: int, limit: int = 100) -> list[Order]:
    q = select(Order).where(Order.customer_id == customer_id).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    return list(session.exec(q).all())
