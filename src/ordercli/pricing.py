"""Order totals: one pure function, integer minor units, stdlib only (and ``i18n`` for the messages).

Order of operations (also in README, "How totals are computed"):

1. **Lines**: ``line_total = unit_price × quantity`` (exact, integers).
2. **Subtotal** = sum of line totals.
3. **Discount** (order level): a percent of the subtotal, rounded half-up to the
   minor unit, or a fixed amount. Never more than the subtotal. The discount is
   spread over the lines in proportion to their totals (largest remainder, so
   the shares add up exactly) because tax is computed on what the customer
   really pays for each line.
4. **Surcharges**: each is a fixed amount or a percent of (subtotal − discount),
   rounded half-up. Surcharges are not taxed.
5. **Shipping**: a fixed amount, not taxed.
6. **Tax**, per line at that line's rate, on the line's discounted total,
   rounded half-up once per line:
   - prices include tax (default): ``tax = net × r / (1 + r)``; it is part of
     the prices already and is not added again;
   - prices exclude tax: ``tax = net × r``; it is added to the total.
7. **Tip**: added last; never discounted, never taxed.

``total = subtotal − discount + surcharges + shipping + (tax if prices exclude tax) + tip``

Rounding is half-up (away from zero; all amounts here are ≥ 0) and happens at
exactly these points: the percent discount, each percent surcharge, each line's
tax. Rates and percents are integers in hundredths of a percent (20% = 2000).

**Limits.** Every amount and count is stored in an INTEGER column, which is
32-bit on PostgreSQL (at most 2,147,483,647), so ``compute_totals`` refuses,
with a :class:`LimitError`, an order where any of these is over its limit:

* any money amount (unit price, line total, subtotal, each surcharge,
  shipping, tip, tax, total): :data:`MAX_AMOUNT` minor units,
  2,000,000,000 (20,000,000.00 in a 2-decimal currency such as EUR);
* units on one line: :data:`MAX_QUANTITY` (100,000; a SKU given twice is one line);
* units on one order: :data:`MAX_ORDER_UNITS` (10,000,000).

Every door (dry run, create, edit, batch import) prices through here, so they
all refuse the same orders. ``money.parse_money`` refuses a single typed
amount above :data:`MAX_AMOUNT` before it gets this far.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ordercli.i18n import _


#: Largest money amount, in minor units, anywhere in an order (and any typed amount).
#: Fits PostgreSQL INTEGER (2,147,483,647) with room to spare.
MAX_AMOUNT = 2_000_000_000
#: Most units on one order line.
MAX_QUANTITY = 100_000
#: Most units on one order (the order's item count).
MAX_ORDER_UNITS = 10_000_000


class PricingError(ValueError):
    """Raised for inputs the pricing rules refuse (e.g. discount > subtotal)."""


class LimitError(PricingError):
    """An amount or a count is over its documented limit (see the module docstring)."""


class DiscountTooLarge(PricingError):
    """A fixed discount larger than the subtotal (services/orders.py words its own message)."""


def _n(n: int) -> str:
    """``1,000,000`` in English, ``1 000 000`` otherwise (as ``money.grouped``: money imports this
    module, and the layout test allows no cycle, not even inside a function)."""
    from ordercli.i18n import is_english

    text = f"{n:,}"
    return text if is_english() else text.replace(",", " ")


def _example_limit() -> str:
    from ordercli.i18n import is_english

    return _n(MAX_AMOUNT // 100) + ("." if is_english() else ",") + "00"


def _over_amount(what: str, value: int) -> LimitError:
    # No currency here: say the limit in minor units and, as an example, in a 2-decimal currency.
    # ``what`` is already in the screen's language.
    return LimitError(
        _("the %(what)s would be %(value)s in minor units, over the limit of %(limit)s (%(example)s in a 2-decimal currency such as EUR)")
        % {"what": what, "value": _n(value), "limit": _n(MAX_AMOUNT), "example": _example_limit()}
    )


def div_half_up(numerator: int, denominator: int) -> int:
    """Round ``numerator / denominator`` half-up, for non-negative integers."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    if numerator < 0:
        return -div_half_up(-numerator, denominator)
    return (2 * numerator + denominator) // (2 * denominator)


@dataclass(frozen=True)
class LineIn:
    unit_price: int  # minor units
    quantity: int
    tax_rate: int = 0  # hundredths of a percent


@dataclass(frozen=True)
class Adjustment:
    """A discount or surcharge: either ``percent`` (hundredths) or ``amount`` (minor)."""

    percent: int | None = None
    amount: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if (self.percent is None) == (self.amount is None):
            raise PricingError("give exactly one of percent or amount")

    @classmethod
    def stored(cls, percent: int | None, amount: int | None, label: str = "") -> "Adjustment | None":
        """The adjustment an order or a surcharge row stored (a percent if it has one, else an amount; none for 0)."""
        if percent is not None:
            return cls(percent=percent, label=label)
        return cls(amount=amount, label=label) if amount else None


@dataclass(frozen=True)
class LineOut:
    total: int  # unit_price × quantity
    discount: int  # this line's share of the order discount
    tax: int


@dataclass(frozen=True)
class Totals:
    lines: list[LineOut]
    subtotal: int
    discount: int
    surcharges: list[int]
    surcharge_total: int
    shipping: int
    tax: int
    tax_included: bool
    tip: int
    total: int
    tax_by_rate: dict[int, int] = field(default_factory=dict)


def spread(amount: int, weights: list[int]) -> list[int]:
    """Split ``amount`` over ``weights`` proportionally; shares sum to ``amount``.

    Largest-remainder method: floor every share, then hand the leftover units
    to the largest remainders (earliest line first on ties).
    """
    total_w = sum(weights)
    if amount == 0 or total_w == 0:
        return [0] * len(weights)
    floors = [amount * w // total_w for w in weights]
    rema = [amount * w % total_w for w in weights]
    left = amount - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-rema[i], i))
    for i in order[:left]:
        floors[i] += 1
    return floors


def compute_totals(
    lines: list[LineIn],
    *,
    discount: Adjustment | None = None,
    surcharges: list[Adjustment] | tuple[Adjustment, ...] = (),
    shipping: int = 0,
    tip: int = 0,
    prices_include_tax: bool = True,
) -> Totals:
    for ln in lines:
        if ln.quantity <= 0:
            raise PricingError(_("quantities must be positive"))
        if ln.unit_price < 0 or ln.tax_rate < 0:
            raise PricingError(_("prices and tax rates cannot be negative"))
    if shipping < 0 or tip < 0:
        raise PricingError(_("shipping and tip cannot be negative"))

    # Limits first, before any arithmetic whose result a column could not hold.
    units = 0
    for pos, ln in enumerate(lines, 1):
        if ln.quantity > MAX_QUANTITY:
            raise LimitError(
                _("line %(line)s has %(units)s units, over the limit of %(most)s per line") % {"line": pos, "units": _n(ln.quantity), "most": _n(MAX_QUANTITY)}
            )
        if ln.unit_price > MAX_AMOUNT:
            raise _over_amount(_("unit price on line %(line)s") % {"line": pos}, ln.unit_price)
        if ln.unit_price * ln.quantity > MAX_AMOUNT:
            raise _over_amount(_("total of line %(line)s") % {"line": pos}, ln.unit_price * ln.quantity)
        units += ln.quantity
    if units > MAX_ORDER_UNITS:
        raise LimitError(_("the order has %(units)s units, over the limit of %(most)s per order") % {"units": _n(units), "most": _n(MAX_ORDER_UNITS)})
    if shipping > MAX_AMOUNT:
        raise _over_amount(_("shipping cost"), shipping)
    if tip > MAX_AMOUNT:
        raise _over_amount(_("tip"), tip)

    line_totals = [ln.unit_price * ln.quantity for ln in lines]
    subtotal = sum(line_totals)
    if subtotal > MAX_AMOUNT:
        raise _over_amount(_("subtotal"), subtotal)

    disc = 0
    if discount is not None:
        if discount.percent is not None:
            if not 0 <= discount.percent <= 10000:
                raise PricingError(_("a percent must be between 0 and 100"))
            disc = div_half_up(subtotal * discount.percent, 10000)
        else:
            disc = discount.amount or 0
            if disc < 0:
                raise PricingError(_("a discount cannot be negative"))
            if disc > subtotal:
                raise DiscountTooLarge(_("the discount is larger than the subtotal"))
    shares = spread(disc, line_totals)

    base = subtotal - disc
    surcharge_amounts: list[int] = []
    for s in surcharges:
        if s.percent is not None:
            if not 0 <= s.percent <= 10000:
                raise PricingError(_("a percent must be between 0 and 100"))
            surcharge_amounts.append(div_half_up(base * s.percent, 10000))
        else:
            if (s.amount or 0) < 0:
                raise PricingError(_("a surcharge cannot be negative"))
            surcharge_amounts.append(s.amount or 0)
        if surcharge_amounts[-1] > MAX_AMOUNT:
            raise _over_amount(_("surcharge %(number)s") % {"number": len(surcharge_amounts)}, surcharge_amounts[-1])

    outs: list[LineOut] = []
    tax_total = 0
    by_rate: dict[int, int] = {}
    for ln, lt, share in zip(lines, line_totals, shares):
        net = lt - share
        if ln.tax_rate == 0:
            tax = 0
        elif prices_include_tax:
            tax = div_half_up(net * ln.tax_rate, 10000 + ln.tax_rate)
        else:
            tax = div_half_up(net * ln.tax_rate, 10000)
        tax_total += tax
        if ln.tax_rate:
            by_rate[ln.tax_rate] = by_rate.get(ln.tax_rate, 0) + tax
        outs.append(LineOut(total=lt, discount=share, tax=tax))

    surcharge_total = sum(surcharge_amounts)
    total = base + surcharge_total + shipping + (0 if prices_include_tax else tax_total) + tip
    # Every other amount (tax, surcharge total, a line's tax or share) is at most the subtotal or the total.
    if total > MAX_AMOUNT:
        raise _over_amount(_("order total"), total)
    return Totals(
        lines=outs,
        subtotal=subtotal,
        discount=disc,
        surcharges=surcharge_amounts,
        surcharge_total=surcharge_total,
        shipping=shipping,
        tax=tax_total,
        tax_included=prices_include_tax,
        tip=tip,
        total=total,
        tax_by_rate=by_rate,
    )
