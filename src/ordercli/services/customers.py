"""Customers: who an order is for (one identity rule for every door), search, show, edit, merge, forget.

Identity (:func:`identify`), used by the flags, the batch import and the wizard alike:

* an email identifies a customer;
* a phone identifies one only when no email is given, or when the email is that same customer's;
  a phone that belongs to another customer than the email's (an email nobody has, while the
  customer with that phone has another email), or a phone match whose name clearly differs,
  never merges: the flags and the import create a new customer, the wizard asks;
* an order never changes a stored customer's name, email or phone: what differs is reported
  (``Identity.differs``) and the stored contact is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlmodel import Session, select

from ordercli import search
from ordercli.db import fast
from ordercli.errors import NotFoundError, RefusedError
from ordercli.i18n import _
from ordercli.models import Customer, CustomerTerm, Order, Outbox, utcnow

_T = Customer.__table__  # type: ignore[attr-defined]
_COLS = (_T.c.id, _T.c.name, _T.c.email, _T.c.phone)
# Built once: cheaper than building a statement per order in a batch.
_BY_ID = sa.select(*_COLS).where(_T.c.id == sa.bindparam("v"))
_BY_EMAIL = sa.select(*_COLS).where(_T.c.email == sa.bindparam("v")).order_by(_T.c.id).limit(1)
_BY_PHONE = sa.select(*_COLS).where(_T.c.phone == sa.bindparam("v")).order_by(_T.c.id).limit(20)
_INSERT = sa.insert(_T).returning(_T.c.id)
_INSERT_TERMS = sa.insert(CustomerTerm.__table__)  # type: ignore[attr-defined]

ANONYMOUS = "(forgotten customer)"


@dataclass
class Match:
    id: int
    name: str
    email: str | None
    phone: str | None


@dataclass
class Identity:
    """Who an order's contact is.

    ``customer_id``: the existing customer it identifies (None: a new one is to be created,
    ``create`` True). ``differs``: field -> (stored, given) for what was given and differs from the
    stored contact (the stored one is kept). ``ambiguous``: customers the contact partly matches
    but the rules refuse to take (a phone of someone else, a name that differs): the flags and the
    import create a new customer, the wizard asks. ``reason``: why (``phone_other_email``,
    ``phone_name_differs``).
    """

    customer_id: int | None
    create: bool
    differs: dict = field(default_factory=dict)
    ambiguous: list[Match] = field(default_factory=list)
    reason: str | None = None
    stored: Match | None = None


def _tokens(name: str) -> list[str]:
    return [t for t in search.fold(name).replace(".", " ").replace("-", " ").replace(",", " ").split() if t]


def names_agree(a: str | None, b: str | None) -> bool:
    """False when two names clearly belong to different people (accents, case, order, initials ignored).

    ``Paul Girard`` / ``paul GIRARD`` / ``P. Girard`` / ``Paul`` agree; ``Pierre Autre`` and
    ``Paul Girard`` do not, nor ``Jean Dupont`` and ``Marie Dupont``.
    """
    ta, tb = _tokens(a or ""), _tokens(b or "")
    if not ta or not tb:
        return True
    short, long_ = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    pool = list(long_)
    for t in short:
        hit = next((p for p in pool if p == t or (len(t) == 1 and p.startswith(t)) or (len(p) == 1 and t.startswith(p))), None)
        if hit is None:
            return False
        pool.remove(hit)
    return True


def _differs(stored: Match, name: str | None, email: str | None, phone: str | None) -> dict:
    out = {}
    if name and not names_agree(stored.name, name):
        out["name"] = (stored.name, name)
    if email and email != stored.email:
        out["email"] = (stored.email, email)
    if phone and phone != stored.phone:
        out["phone"] = (stored.phone, phone)
    return out


def identify(session: Session, *, name: str | None, email: str | None, phone: str | None, customer_id: int | None = None) -> Identity:
    """Apply the identity rules (module docstring) to a normalised contact. Reads only."""
    conn = fast(session)  # no ORM machinery: this runs for every imported order
    if customer_id is not None:
        row = conn.execute(_BY_ID, {"v": customer_id}).first()
        if row is None:
            raise NotFoundError(_("No customer %(customer)s.") % {"customer": customer_id}, code="customer.unknown", customer=customer_id)
        m = Match(*row)
        return Identity(m.id, False, _differs(m, name, email, phone), stored=m)
    row = conn.execute(_BY_EMAIL, {"v": email}).first() if email else None
    if row is not None:
        by_email = Match(*row)
        return Identity(by_email.id, False, _differs(by_email, name, email, phone), stored=by_email)
    if phone:
        same_phone = [Match(*r) for r in conn.execute(_BY_PHONE, {"v": phone}).all()]
        if same_phone:
            if email:
                # The email is nobody's: the phone identifies only a customer without an email.
                usable = [m for m in same_phone if not m.email]
                if not usable:
                    return Identity(None, True, ambiguous=same_phone, reason="phone_other_email")
            else:
                usable = same_phone
            agreeing = [m for m in usable if names_agree(m.name, name)]
            if agreeing:
                m = agreeing[0]
                return Identity(m.id, False, _differs(m, name, email, phone), stored=m)
            return Identity(None, True, ambiguous=usable, reason="phone_name_differs")
    return Identity(None, True)


def create_id(session: Session, *, name: str, email: str | None, phone: str | None) -> int:
    conn = fast(session)
    cid = int(
        conn.execute(
            _INSERT, {"name": name, "email": email, "phone": phone, "created_at": utcnow(), "search_key": search.customer_key(name, email, phone)}
        ).scalar_one()
    )
    terms = search.customer_terms(name, email, phone)
    if terms:
        conn.execute(_INSERT_TERMS, [{"customer_id": cid, "term": t} for t in sorted(terms)])
    return cid


def find_or_create_id(
    session: Session, *, name: str, email: str | None, phone: str | None, customer_id: int | None = None, update_contact: bool = False
) -> tuple[int, Identity]:
    """The customer an order is filed under (created if the rules say so) and the :class:`Identity` behind it.

    Never changes a stored customer, unless the person picked them and agreed to update their email
    / phone (``update_contact``, the wizard's question): then the given email and phone are written
    (a contact that belongs to another customer is refused, naming them). Callers hold the order
    counter (``common.lock_counter``; every new order takes it), so on PostgreSQL two tills never
    both miss the look-up and create the same customer twice.
    """
    ident = identify(session, name=name, email=email, phone=phone, customer_id=customer_id)
    if ident.customer_id is None:
        ident.customer_id = create_id(session, name=name, email=email, phone=phone)
    elif update_contact and customer_id is not None and ({"email", "phone"} & set(ident.differs)):
        c = session.get(Customer, ident.customer_id)
        assert c is not None
        edit_customer(session, customer=c, email=email if "email" in ident.differs else None, phone=phone if "phone" in ident.differs else None)
        ident.differs = {k: v for k, v in ident.differs.items() if k == "name"}
    return ident.customer_id, ident


def find_or_create(session: Session, *, name: str, email: str | None, phone: str | None, customer_id: int | None = None) -> Customer:
    """:func:`find_or_create_id`, as an ORM object."""
    cid, _ident = find_or_create_id(session, name=name, email=email, phone=phone, customer_id=customer_id)
    c = session.get(Customer, cid)
    assert c is not None
    return c


# ------------------------------------------------------------------ search


def _contains_all(col, terms: list[str]):
    return sa.and_(*[col.like(f"%{search.like_escape(t)}%", escape="\\") for t in terms])


def search_customers(session: Session, *, text: str | None = None, limit: int = 50, offset: int = 0) -> list[Customer]:
    """Customers whose name, email or phone (any stored form) contain every word of ``text``, case and accents ignored."""
    q = select(Customer)
    terms = search.query_terms(text)
    if terms:
        q = q.where(_contains_all(Customer.search_key, terms))
    q = q.order_by(Customer.name, Customer.id).offset(offset).limit(limit)
    return list(session.exec(q).all())


@dataclass
class Candidate:
    id: int
    name: str
    email: str | None
    phone: str | None
    orders: int = 0
    last_order: object = None
    rank: int = 3


def complete(session: Session, text: str | None, *, limit: int = 10) -> list[Candidate]:
    """Completion: customers for a typed prefix, best first.

    An index range on the key for the first word (key starts with it), then, if that finds fewer
    than ``limit``, a contains search (the fallback scan); the other words must be contained.
    Ranked by exactness (exact name/email/phone, key prefix, a word's prefix, contained), then
    number of orders and the latest order.
    """
    terms = search.query_terms(text)
    if not terms:
        return []
    key = _T.c.search_key
    want = limit * 3
    # The longest word drives an index range on customer_term; each other word must be a prefix of
    # one of the same customer's terms (the primary key's index).
    ordered = sorted(terms, key=len, reverse=True)
    tt = CustomerTerm.__table__  # type: ignore[attr-defined]
    lo, hi = search.prefix_range(ordered[0])
    ids_q = sa.select(tt.c.customer_id).where(tt.c.term >= lo, tt.c.term < hi)
    for other in ordered[1:]:
        olo, ohi = search.prefix_range(other)
        u = tt.alias("u")
        ids_q = ids_q.where(sa.exists().where(u.c.customer_id == tt.c.customer_id, u.c.term >= olo, u.c.term < ohi))
    ids = list(dict.fromkeys(session.execute(ids_q.limit(want * 2)).scalars().all()))[:want]
    rows = list(session.execute(sa.select(*_COLS, key).where(_T.c.id.in_(ids))).all()) if ids else []
    if not rows:
        # Nothing starts with it: the text inside a word (a scan, the fallback).
        cond = [key.like(f"%{search.like_escape(t)}%", escape="\\") for t in terms]
        rows = list(session.execute(sa.select(*_COLS, key).where(*cond).limit(want)).all())
    if not rows:
        return []
    o = Order.__table__  # type: ignore[attr-defined]
    stats = {
        r[0]: (r[1], r[2])
        for r in session.execute(
            sa.select(o.c.customer_id, sa.func.count(), sa.func.max(o.c.created_at)).where(o.c.customer_id.in_([r.id for r in rows])).group_by(o.c.customer_id)
        ).all()
    }
    q = " ".join(terms)
    out = []
    for r in rows:
        n, last = stats.get(r.id, (0, None))
        exact = search.fold(r.name) == q or (r.email or "") == q or q in search.phone_forms(r.phone)
        rk = 0 if exact else search.rank(r.search_key or "", terms)
        out.append(Candidate(r.id, r.name, r.email, r.phone, int(n or 0), last, max(rk, 1) if not exact else 0))
    out.sort(key=lambda c: (c.rank, -c.orders, -(c.last_order.timestamp() if c.last_order else 0), c.id))  # type: ignore[union-attr]
    return out[:limit]


# ------------------------------------------------------------------ finding one


class AmbiguousCustomerError(RefusedError):
    """Several customers answer to what was typed: ``candidates`` lists them."""

    def __init__(self, text: str, candidates: list[Customer]):
        super().__init__(_("%(count)s customers match %(text)s.") % {"count": len(candidates), "text": repr(text)}, code="customer.ambiguous", text=text, candidates=[c.id for c in candidates])
        self.candidates = candidates


def get_customer(session: Session, key: str, *, phone_region: str | None = None) -> Customer:
    """By id, email, phone (any form) or name (case and accents ignored).

    Several customers with that name (or none by name and several containing it):
    :class:`AmbiguousCustomerError` with the candidates.
    """
    text = str(key).strip()
    customer = None
    if text.isdigit() and len(text) < 9:
        customer = session.get(Customer, int(text))
    if customer is None and "@" in text:
        customer = session.exec(select(Customer).where(Customer.email == text.lower()).order_by(Customer.id)).first()
    if customer is None and any(c.isdigit() for c in text) and not any(c.isalpha() for c in text.replace("@", "")):
        from ordercli.domain import normalize_phone
        from ordercli.errors import InputError

        try:
            e164 = normalize_phone(text, phone_region)
        except InputError:
            e164 = None
        if e164:
            found = list(session.exec(select(Customer).where(Customer.phone == e164).order_by(Customer.id)).all())
            if len(found) > 1:
                raise AmbiguousCustomerError(text, found)
            customer = found[0] if found else None
    if customer is None and text:
        terms = search.query_terms(text)
        if terms:
            candidates = list(session.exec(select(Customer).where(_contains_all(Customer.search_key, terms)).order_by(Customer.name, Customer.id).limit(50)).all())
            exact = [c for c in candidates if search.fold(c.name) == " ".join(terms)]
            pick = exact or candidates
            if len(pick) == 1:
                customer = pick[0]
            elif len(pick) > 1:
                raise AmbiguousCustomerError(text, pick)
    if customer is None:
        raise NotFoundError(_("No customer %(customer)s.") % {"customer": repr(text)}, code="customer.unknown")
    return customer


def customer_orders(session: Session, customer_id: int, limit: int = 100) -> list[Order]:
    q = select(Order).where(Order.customer_id == customer_id).order_by(Order.created_at.desc(), Order.id.desc()).limit(limit)
    return list(session.exec(q).all())


@dataclass
class CustomerSummary:
    customer: Customer
    orders: list[Order]
    order_count: int
    spend: dict  # currency -> lifetime spend (totals of the orders not cancelled, less refunds)
    due: dict  # currency -> balance due


def summary(session: Session, customer: Customer, *, limit: int = 100) -> CustomerSummary:
    from ordercli.statuses import PaymentStatus

    every = list(session.exec(select(Order).where(Order.customer_id == customer.id)).all())
    spend: dict = {}
    due: dict = {}
    for o in every:
        if o.payment_status == PaymentStatus.CANCELLED.value:
            continue
        b = o.balance
        spend[o.currency] = spend.get(o.currency, 0) + max(o.total - o.refunded, 0)
        due[o.currency] = due.get(o.currency, 0) + b.due
    return CustomerSummary(customer, customer_orders(session, customer.id, limit), len(every), spend, due)  # type: ignore[arg-type]


# ------------------------------------------------------------------ edit


def _owner(session: Session, col, value, not_id: int) -> Customer | None:
    return session.exec(select(Customer).where(col == value, Customer.id != not_id).order_by(Customer.id)).first()


class ContactTakenError(RefusedError):
    def __init__(self, what: str, value: str, other: Customer):
        super().__init__(
            (_("The email %(value)s belongs to customer %(customer)s (%(name)s).") if what == "email" else _("The phone %(value)s belongs to customer %(customer)s (%(name)s).") if what == "phone" else f"The {what} %(value)s belongs to customer %(customer)s (%(name)s).")
            % {"value": value, "customer": other.id, "name": other.name},
            code="customer.contact_taken",
            what=what, value=value, other_id=other.id, other_name=other.name
        )


def edit_customer(session: Session, *, customer: Customer, name: str | None = None, email: str | None = None, phone: str | None = None, note: str | None = None) -> list[str]:
    """Change a customer's contact or note (already validated and normalised; ``""`` clears email/phone/note).

    An email or phone that another customer has is refused, naming them. Returns what changed.
    """
    changed = []
    new_email = customer.email if email is None else (email or None)
    new_phone = customer.phone if phone is None else (phone or None)
    if not new_email and not new_phone:
        from ordercli.errors import InputError

        raise InputError(_("A customer needs an email or a phone number."), code="customer.unreachable")
    if email and email != customer.email:
        other = _owner(session, Customer.email, email, customer.id)  # type: ignore[arg-type]
        if other is not None:
            raise ContactTakenError("email", email, other)
    if phone and phone != customer.phone:
        other = _owner(session, Customer.phone, phone, customer.id)  # type: ignore[arg-type]
        if other is not None:
            raise ContactTakenError("phone", phone, other)
    wanted = {"name": name, "email": email, "phone": phone, "note": note}
    for attr, value in wanted.items():
        if value is None:  # not asked
            continue
        value = value or None  # "" clears
        if getattr(customer, attr) != value:
            setattr(customer, attr, value)
            changed.append(attr)
    if changed:
        session.add(customer)
        session.flush()
    return changed


# ------------------------------------------------------------------ merge


@dataclass
class MergePlan:
    source: Customer
    target: Customer
    orders: list[str]  # numbers of the orders that move
    conflicts: dict  # field -> (source's, target's kept)
    note: str | None  # the target's note after the merge
    source_id: int = 0
    source_name: str = ""


def plan_merge(session: Session, *, source: Customer, target: Customer) -> MergePlan:
    if source.id == target.id:
        from ordercli.errors import InputError

        raise InputError(_("SOURCE and TARGET are the same customer."), code="customer.merge_self")
    numbers = list(session.exec(select(Order.number).where(Order.customer_id == source.id).order_by(Order.id)).all())
    conflicts = {}
    for attr in ("name", "email", "phone"):
        a, b = getattr(source, attr), getattr(target, attr)
        if a and b and (search.fold(a) != search.fold(b) if attr == "name" else a != b):
            conflicts[attr] = (a, b)
    notes = [n for n in (target.note, source.note) if n]
    return MergePlan(source, target, numbers, conflicts, "\n".join(notes) if notes else None, source.id, source.name)  # type: ignore[arg-type]


def merge(session: Session, *, source: Customer, target: Customer, door: str = "cli") -> MergePlan:
    """Move SOURCE's orders (with their payments) and note to TARGET, a timeline event on each moved order, delete SOURCE.

    TARGET's contact is kept; a contact only SOURCE has (an email, a phone) is taken over.
    """
    from ordercli.services.order_rows import add_event

    plan = plan_merge(session, source=source, target=target)
    moved = list(session.exec(select(Order).where(Order.customer_id == source.id).order_by(Order.id)).all())
    now = utcnow()
    for o in moved:
        o.customer_id = target.id
        o.version += 1
        o.updated_at = now
        session.add(o)
        add_event(session, o, "customer", f"Customer merged: {source.name} (customer {source.id}) → {target.name} (customer {target.id})", door, at=now)
    take = {attr: getattr(source, attr) for attr in ("email", "phone") if getattr(source, attr) and not getattr(target, attr)}
    session.flush()
    session.execute(sa.delete(CustomerTerm).where(CustomerTerm.customer_id == source.id))  # type: ignore[arg-type]
    session.delete(source)
    session.flush()
    for attr, value in take.items():
        setattr(target, attr, value)
    target.note = plan.note
    session.add(target)
    session.flush()
    return plan


# ------------------------------------------------------------------ forget


@dataclass
class ForgetResult:
    customer_id: int
    orders: list[str]
    messages_dropped: int


def forget(session: Session, *, customer: Customer) -> ForgetResult:
    """Erase a customer's personal data (the right to erasure); keep the books.

    The customer's name, email, phone and note, and the name, contact, addresses and notes of
    their orders become :data:`ANONYMOUS` / empty; queued messages to them are dropped; timeline
    texts and outbox rows that carry their name, email or phone are rewritten. Order numbers,
    lines, totals, payments and stock movements stay.
    """
    from ordercli.models import OrderEvent

    o = Order.__table__  # type: ignore[attr-defined]
    personal = [x for x in {customer.name, customer.email, customer.phone} if x]
    orders = list(session.exec(select(Order).where(Order.customer_id == customer.id)).all())
    for od in orders:
        personal += [x for x in (od.customer_name, od.customer_email, od.customer_phone, od.ship_name, od.bill_name) if x]
    personal = sorted(set(personal), key=len, reverse=True)
    ids = [od.id for od in orders]
    numbers = [od.number for od in orders]
    if ids:
        session.execute(
            sa.update(o)
            .where(o.c.id.in_(ids))
            .values(
                customer_name=ANONYMOUS,
                customer_email=None,
                customer_phone=None,
                note=None,
                staff_note=None,
                ship_name=None,
                ship_street=None,
                ship_city=None,
                ship_postal_code=None,
                bill_name=None,
                bill_street=None,
                bill_city=None,
                bill_postal_code=None,
                version=o.c.version + 1,
                updated_at=utcnow(),
            )
        )
        for od in orders:
            session.execute(sa.update(o).where(o.c.id == od.id).values(search_key=search.order_key(od.number, od.external_ref, None, None, None)))
    # Messages: the queued ones to them are dropped; those sent keep their row (the books) without the address or the text.
    q_ids = list(ids)
    conds = [Outbox.recipient.in_([p for p in personal if "@" in p])] if any("@" in p for p in personal) else []
    if q_ids:
        conds.append(sa.and_(Outbox.order_id.in_(q_ids), Outbox.audience == "customer"))
    dropped = 0
    if conds:
        pending = Outbox.status.in_(("pending", "failed", "sending"))
        dropped = session.execute(sa.delete(Outbox).where(sa.or_(*conds), pending)).rowcount or 0  # type: ignore[arg-type]
        session.execute(sa.update(Outbox).where(sa.or_(*conds)).values(recipient=ANONYMOUS, subject="", payload="{}", last_error=None))
    # Anything else about their orders (admin copies, timeline) that spells them out.
    if ids:
        for row in session.exec(select(Outbox).where(Outbox.order_id.in_(ids))).all():  # type: ignore[union-attr]
            row.payload, row.subject, row.last_error = _scrub(row.payload, personal), _scrub(row.subject, personal), _scrub(row.last_error, personal)
            session.add(row)
        for ev in session.exec(select(OrderEvent).where(OrderEvent.order_id.in_(ids))).all():  # type: ignore[union-attr]
            new = _scrub(ev.summary, personal)
            if new != ev.summary:
                ev.summary = new
                session.add(ev)
    customer.name, customer.email, customer.phone, customer.note = ANONYMOUS, None, None, None
    session.add(customer)
    session.flush()
    # No key made of their data (the ORM listener would rebuild it from the new name: say so).
    session.execute(sa.update(_T).where(_T.c.id == customer.id).values(search_key=search.fold(ANONYMOUS)))
    return ForgetResult(customer.id, numbers, int(dropped))  # type: ignore[arg-type]


def _scrub(text: str | None, personal: list[str]) -> str | None:
    if not text:
        return text
    for p in personal:
        if p and p in text:
            text = text.replace(p, ANONYMOUS)
        # phones are shown formatted too: replace digit forms
    for p in personal:
        if p.startswith("+"):
            for form in search.phone_forms(p):
                if form in text:
                    text = text.replace(form, ANONYMOUS)
    return text
