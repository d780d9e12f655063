"""The money model: what an order's payments and refunds mean. Pure: no database, no I/O.

Every use case, ``order status``'s list of moves, the order model, the
renderers and the reports ask this module; nothing else computes money state.

From four facts — the order's **total**, the sum of its **payments**, the sum
of its **refunds**, and whether it is **closed** (cancelled or refunded: called
off, its stock given back) — it says:

* ``kept``   = paid − refunded: the money the shop holds for the order;
* ``due``    = what the customer still owes on an open order: the total less
  what was paid toward it (payments less the refunds that gave back an
  overpayment). Any other refund is money the shop chose to give back: it
  never becomes a debt again. 0 on a closed one;
* ``credit`` = what the shop owes the customer: kept − total when an edit
  lowered the total below what was paid, everything kept on a closed order;
* :meth:`Balance.consistent` — the payment statuses this money allows:

  ============================  ==============================================
  status                        holds when
  ============================  ==============================================
  ``AWAITING_PAYMENT``          open, due > 0
  ``INCOMPLETE``                open, due > 0, nothing paid yet
  ``PAID``                      open, kept ≥ total (an order of 0 is paid)
  ``PARTIALLY_REFUNDED``        open, money given back beyond an overpayment, 0 < kept < total
  ``REFUNDED``                  refunded > 0, kept = 0 (closed; or open with nothing due)
  ``CANCELLED``                 closed
  ============================  ==============================================

* :func:`settle` — the status after a payment, a refund or an edit: the one
  the order has if it is still consistent, else the first consistent one in a
  fixed order of preference;
* :func:`plan_move` — what a status typed by a person means in money and
  stock (a payment or refund to record, the order closed or reopened), or why
  it is refused. :func:`allowed_moves` lists exactly the moves it accepts.

Statuses are the strings of :class:`ordercli.statuses.PaymentStatus`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

AWAITING_PAYMENT = "AWAITING_PAYMENT"
INCOMPLETE = "INCOMPLETE"
PAID = "PAID"
PARTIALLY_REFUNDED = "PARTIALLY_REFUNDED"
REFUNDED = "REFUNDED"
CANCELLED = "CANCELLED"

#: The statuses of a closed order (called off: stock given back, no payments, no edits).
CLOSED_STATUSES = frozenset({CANCELLED, REFUNDED})

# When the current status no longer fits, the first of these that does is taken.
_PREFERENCE_OPEN = (PAID, AWAITING_PAYMENT, PARTIALLY_REFUNDED, REFUNDED)


@dataclass(frozen=True)
class Balance:
    total: int
    paid: int = 0
    refunded: int = 0
    closed: bool = False
    credit_refunded: int = 0  # the part of ``refunded`` that gave back an overpayment (a credit)

    def __post_init__(self) -> None:
        if min(self.total, self.paid, self.refunded, self.credit_refunded) < 0 or self.refunded > self.paid or self.credit_refunded > self.refunded:
            raise ValueError(f"impossible balance: {self!r}")

    @property
    def kept(self) -> int:
        return self.paid - self.refunded

    @property
    def due(self) -> int:
        return 0 if self.closed else max(self.total - (self.paid - self.credit_refunded), 0)

    @property
    def conceded(self) -> int:
        """Money given back that was not an overpayment: a refund on the order itself."""
        return self.refunded - self.credit_refunded

    @property
    def credit(self) -> int:
        return self.kept if self.closed else max(self.kept - self.total, 0)

    def consistent(self) -> frozenset[str]:
        out = set()
        if self.closed:
            out.add(CANCELLED)
            if self.refunded > 0 and self.kept == 0:
                out.add(REFUNDED)
            return frozenset(out)
        if self.due > 0:
            out.add(AWAITING_PAYMENT)
            if self.paid == 0:
                out.add(INCOMPLETE)
        if self.kept >= self.total:
            out.add(PAID)
        if self.conceded > 0 and 0 < self.kept < self.total:
            out.add(PARTIALLY_REFUNDED)
        if not out:  # everything paid went back and nothing is owed: only "refunded" describes it
            out.add(REFUNDED)
        return frozenset(out)

    # ------------------------------------------------------ what-ifs (pure)

    def with_payment(self, amount: int) -> "Balance":
        return replace(self, paid=self.paid + amount)

    def with_refund(self, amount: int, *, close: bool = False) -> "Balance":
        """A refund of ``amount``: the part that gives back an overpayment is remembered as such."""
        back = 0 if self.closed else min(amount, self.credit)
        return replace(self, refunded=self.refunded + amount, credit_refunded=self.credit_refunded + back, closed=self.closed or close)

    def with_total(self, total: int) -> "Balance":
        return replace(self, total=total)


def of(order) -> Balance:
    """The balance of anything with ``total``, ``paid``, ``refunded`` and ``payment_status`` (an Order row)."""
    return Balance(
        total=order.total,
        paid=order.paid,
        refunded=order.refunded,
        closed=order.payment_status in CLOSED_STATUSES,
        credit_refunded=getattr(order, "credit_refunded", 0) or 0,
    )


def settle(balance: Balance, current: str) -> str:
    """The payment status after an automatic change (payment, refund, edit)."""
    fits = balance.consistent()
    if balance.closed:  # a closed order whose money all went back is Refunded, whatever it was
        return REFUNDED if REFUNDED in fits else CANCELLED
    if current in fits:
        return current
    for status in _PREFERENCE_OPEN:
        if status in fits:
            return status
    raise AssertionError(f"no payment status fits {balance!r}")  # pragma: no cover - consistent() always has one


# ------------------------------------------------------------ typed moves


@dataclass(frozen=True)
class Move:
    """What setting a payment status by hand does."""

    target: str
    payment: int = 0  # a payment to record first (→ PAID: what is missing)
    refund: int = 0  # a refund to record first (→ REFUNDED: everything kept)
    close: bool = False  # call the order off: its stock goes back
    reopen: bool = False  # back from cancelled/refunded: its stock is taken again
    balance: Balance | None = None  # the balance after the move


@dataclass(frozen=True)
class Refusal:
    """Why a move is refused, as a fact (the CLI words it).

    ``reason`` is one of: ``not_in_table`` (the status table forbids it),
    ``needs_amount`` (a partial refund is recorded with an amount),
    ``nothing_paid`` (→ REFUNDED with nothing kept), ``nothing_due``
    (→ AWAITING_PAYMENT/INCOMPLETE with nothing owed), ``already_paid``
    (→ INCOMPLETE once something was paid).
    """

    target: str
    reason: str
    balance: Balance


def plan_move(balance: Balance, current: str, target: str, table: dict) -> Move | Refusal:
    """What moving the payment status from ``current`` to ``target`` means, or why not.

    ``table`` is the status move table (:data:`ordercli.statuses.PAYMENT_MOVES`,
    keyed and valued by status strings or str-enums).
    """
    allowed = {str(getattr(t, "value", t)) for t in table.get(_key(table, current), ())}
    if target not in allowed:
        return Refusal(target, "not_in_table", balance)
    if target == PARTIALLY_REFUNDED:
        opened = replace(balance, closed=False)
        if balance.closed and PARTIALLY_REFUNDED in opened.consistent():
            return Move(target, reopen=True, balance=opened)  # back to how it was before it was called off
        return Refusal(target, "needs_amount", balance)
    if target == CANCELLED:
        after = replace(balance, closed=True)
        return Move(target, close=not balance.closed, balance=after)
    if target == REFUNDED:
        if balance.kept <= 0:
            return Refusal(target, "nothing_paid", balance)
        after = balance.with_refund(balance.kept, close=True)
        return Move(target, refund=balance.kept, close=not balance.closed, balance=after)
    reopen = balance.closed
    opened = replace(balance, closed=False)
    if target == PAID:
        missing = max(opened.total - opened.kept, 0)
        return Move(target, payment=missing, reopen=reopen, balance=opened.with_payment(missing))
    # AWAITING_PAYMENT, INCOMPLETE
    if target not in opened.consistent():
        reason = "already_paid" if target == INCOMPLETE and opened.due > 0 else "nothing_due"
        return Refusal(target, reason, balance)
    return Move(target, reopen=reopen, balance=opened)


def allowed_moves(balance: Balance, current: str, table: dict) -> list[str]:
    """Exactly the targets :func:`plan_move` accepts, in the table's order."""
    targets = [str(getattr(t, "value", t)) for t in table.get(_key(table, current), ())]
    return [t for t in targets if isinstance(plan_move(balance, current, t, table), Move)]


def _key(table: dict, status: str):
    for k in table:
        if str(getattr(k, "value", k)) == status:
            return k
    return status
