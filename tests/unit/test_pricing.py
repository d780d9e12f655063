"""Order totals (``ordercli.pricing``): worked examples and hypothesis properties.

Amounts are integer minor units; rates and percents are hundredths of a percent.
"""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from ordercli.pricing import Adjustment, LineIn, PricingError, compute_totals, div_half_up, spread

# ----------------------------------------------------------------- rounding


@pytest.mark.parametrize(
    "num,den,expected",
    [(0, 3, 0), (1, 3, 0), (2, 3, 1), (5, 2, 3), (3, 2, 2), (7, 2, 4), (149, 100, 1), (150, 100, 2), (151, 100, 2), (-5, 2, -3)],
)
def test_div_half_up_rounds_halves_away_from_zero(num, den, expected):
    assert div_half_up(num, den) == expected


def test_div_half_up_refuses_a_zero_denominator():
    with pytest.raises(ValueError):
        div_half_up(1, 0)


@settings(deadline=None)  # the machine may be busy: no timing flakes
@given(st.integers(min_value=0, max_value=10**15), st.integers(min_value=1, max_value=10**9))
def test_div_half_up_is_the_nearest_integer_with_halves_up(num, den):
    got = div_half_up(num, den)
    exact = Fraction(num, den)
    assert abs(got - exact) <= Fraction(1, 2)
    if abs(got - exact) == Fraction(1, 2):
        assert got > exact


# ----------------------------------------------------------------- examples


def test_lines_and_subtotal_are_exact_integer_products():
    t = compute_totals([LineIn(1850, 2), LineIn(333, 3)])
    assert [ln.total for ln in t.lines] == [3700, 999]
    assert t.subtotal == 4699
    assert t.total == 4699
    assert t.tax == 0 and t.discount == 0 and t.surcharges == []


def test_tax_included_in_prices_is_extracted_not_added():
    # 12.00 at 20% included: tax = 12.00 × 20/120 = 2.00, total stays 12.00
    t = compute_totals([LineIn(1200, 1, 2000)], prices_include_tax=True)
    assert t.tax == 200
    assert t.total == 1200
    assert t.tax_included is True
    assert t.tax_by_rate == {2000: 200}


def test_tax_excluded_from_prices_is_added_to_the_total():
    t = compute_totals([LineIn(1000, 2, 2000)], prices_include_tax=False)
    assert t.tax == 400
    assert t.total == 2400
    assert t.tax_included is False


def test_tax_is_rounded_half_up_once_per_line():
    # 0.05 at 10% excluded: 0.005 -> 0.01 (half up); two lines round separately
    t = compute_totals([LineIn(5, 1, 1000), LineIn(5, 1, 1000)], prices_include_tax=False)
    assert [ln.tax for ln in t.lines] == [1, 1]
    assert t.tax == 2
    assert t.total == 12


def test_tax_by_rate_groups_lines_by_rate():
    t = compute_totals([LineIn(1100, 1, 1000), LineIn(1200, 1, 2000), LineIn(2200, 1, 1000), LineIn(500, 1, 0)])
    assert t.tax_by_rate == {1000: 300, 2000: 200}
    assert t.tax == 500


def test_percent_discount_is_rounded_half_up_on_the_subtotal():
    # 10% of 0.05 = 0.005 -> 0.01
    t = compute_totals([LineIn(5, 1)], discount=Adjustment(percent=1000))
    assert t.discount == 1
    assert t.total == 4
    # 12.5% of 19.99 = 2.49875 -> 2.50
    t = compute_totals([LineIn(1999, 1)], discount=Adjustment(percent=1250))
    assert t.discount == 250
    assert t.total == 1749


def test_fixed_discount_is_spread_over_lines_in_proportion_and_tax_uses_what_is_paid():
    # 30.00 + 10.00 at 20% included, discount 4.00 -> shares 3.00 / 1.00
    t = compute_totals([LineIn(3000, 1, 2000), LineIn(1000, 1, 2000)], discount=Adjustment(amount=400))
    assert [ln.discount for ln in t.lines] == [300, 100]
    # tax on 27.00 and 9.00: 4.50 and 1.50
    assert [ln.tax for ln in t.lines] == [450, 150]
    assert t.total == 3600


def test_a_discount_larger_than_the_subtotal_is_refused():
    with pytest.raises(PricingError, match="discount"):
        compute_totals([LineIn(500, 1)], discount=Adjustment(amount=501))


def test_a_discount_equal_to_the_subtotal_makes_a_free_order():
    t = compute_totals([LineIn(500, 2, 2000)], discount=Adjustment(amount=1000), tip=100)
    assert t.discount == 1000
    assert t.tax == 0
    assert t.total == 100  # the tip is never discounted


def test_surcharges_percent_of_discounted_subtotal_not_taxed():
    t = compute_totals(
        [LineIn(10000, 1, 2000)],
        discount=Adjustment(percent=1000),  # -10.00
        surcharges=[Adjustment(percent=150, label="Card fee"), Adjustment(amount=250, label="Wrap")],
        prices_include_tax=False,
    )
    assert t.discount == 1000
    assert t.surcharges == [135, 250]  # 1.5% of 90.00 = 1.35
    assert t.surcharge_total == 385
    assert t.tax == 1800  # 20% of 90.00; surcharges untaxed
    assert t.total == 9000 + 385 + 1800


def test_shipping_is_not_taxed_and_tip_is_added_last():
    t = compute_totals([LineIn(2000, 1, 2000)], shipping=495, tip=300, discount=Adjustment(percent=5000), prices_include_tax=False)
    assert t.discount == 1000
    assert t.tax == 200  # only on the discounted line, not shipping or tip
    assert t.shipping == 495 and t.tip == 300
    assert t.total == 1000 + 495 + 200 + 300


def test_the_documented_formula_with_everything():
    lines = [LineIn(1850, 3, 2000), LineIn(499, 1, 550), LineIn(250, 2, 0)]
    t = compute_totals(lines, discount=Adjustment(percent=1000), surcharges=[Adjustment(percent=300)], shipping=600, tip=150)
    assert t.subtotal == 5550 + 499 + 500
    assert t.discount == div_half_up(6549 * 1000, 10000) == 655
    assert t.total == t.subtotal - t.discount + t.surcharge_total + t.shipping + t.tip


@pytest.mark.parametrize(
    "kwargs",
    [
        {"lines": [LineIn(100, 0)]},
        {"lines": [LineIn(100, -1)]},
        {"lines": [LineIn(-1, 1)]},
        {"lines": [LineIn(100, 1, -5)]},
        {"lines": [LineIn(100, 1)], "shipping": -1},
        {"lines": [LineIn(100, 1)], "tip": -1},
        {"lines": [LineIn(100, 1)], "discount": Adjustment(amount=-1)},
        {"lines": [LineIn(100, 1)], "discount": Adjustment(percent=10001)},
        {"lines": [LineIn(100, 1)], "surcharges": [Adjustment(amount=-1)]},
        {"lines": [LineIn(100, 1)], "surcharges": [Adjustment(percent=10001)]},
    ],
)
def test_impossible_inputs_are_refused(kwargs):
    lines = kwargs.pop("lines")
    with pytest.raises(PricingError):
        compute_totals(lines, **kwargs)


def test_an_adjustment_is_exactly_one_of_percent_or_amount():
    with pytest.raises(PricingError):
        Adjustment()
    with pytest.raises(PricingError):
        Adjustment(percent=100, amount=100)


def test_spread_largest_remainder_and_earliest_line_on_ties():
    assert spread(100, [1, 1, 1]) == [34, 33, 33]
    assert spread(2, [1, 1, 1]) == [1, 1, 0]
    assert spread(10, [0, 5, 5]) == [0, 5, 5]
    assert spread(0, [3, 4]) == [0, 0]
    assert spread(7, []) == []
    assert spread(7, [0, 0]) == [0, 0]


# ----------------------------------------------------------------- properties

rates = st.sampled_from([0, 250, 550, 700, 1000, 1900, 2000, 2100, 2500, 2750])
# Sized so that the largest total (8 lines x 100,000 x 250, three 100% surcharges, 27.5% tax
# added) stays under pricing.MAX_AMOUNT: these properties are about orders that can exist.
lines_st = st.lists(
    st.builds(LineIn, unit_price=st.integers(0, 100_000), quantity=st.integers(1, 250), tax_rate=rates),
    min_size=1,
    max_size=8,
)
adjustment_st = st.one_of(
    st.none(),
    st.builds(Adjustment, percent=st.integers(0, 10000)),
    st.builds(Adjustment, amount=st.integers(0, 10**7)),
)
surcharges_st = st.lists(
    st.one_of(st.builds(Adjustment, percent=st.integers(0, 10000)), st.builds(Adjustment, amount=st.integers(0, 50_000))),
    max_size=3,
)


@st.composite
def orders(draw):
    lines = draw(lines_st)
    discount = draw(adjustment_st)
    subtotal = sum(ln.unit_price * ln.quantity for ln in lines)
    if discount is not None and discount.amount is not None:
        discount = Adjustment(amount=min(discount.amount, subtotal))
    return dict(
        lines=lines,
        discount=discount,
        surcharges=draw(surcharges_st),
        shipping=draw(st.integers(0, 10_000)),
        tip=draw(st.integers(0, 10_000)),
        prices_include_tax=draw(st.booleans()),
    )


def _exact_line_tax(net: int, rate: int, included: bool) -> Fraction:
    if included:
        return Fraction(net * rate, 10000 + rate)
    return Fraction(net * rate, 10000)


@settings(max_examples=300, deadline=None)
@given(orders())
def test_total_equals_the_sum_of_its_parts(o):
    lines = o.pop("lines")
    t = compute_totals(lines, **o)
    assert [ln.total for ln in t.lines] == [ln.unit_price * ln.quantity for ln in lines]
    assert t.subtotal == sum(ln.total for ln in t.lines)
    assert t.surcharge_total == sum(t.surcharges)
    assert t.tax == sum(ln.tax for ln in t.lines) == sum(t.tax_by_rate.values())
    added_tax = 0 if t.tax_included else t.tax
    assert t.total == t.subtotal - t.discount + t.surcharge_total + t.shipping + added_tax + t.tip


@settings(max_examples=300, deadline=None)
@given(orders())
def test_nothing_is_ever_negative(o):
    lines = o.pop("lines")
    t = compute_totals(lines, **o)
    for v in [t.subtotal, t.discount, t.surcharge_total, t.shipping, t.tax, t.tip, t.total, *t.surcharges]:
        assert v >= 0
    for ln in t.lines:
        assert ln.total >= 0 and ln.discount >= 0 and ln.tax >= 0
        assert ln.discount <= ln.total
    assert t.discount <= t.subtotal
    # the customer never pays less than the tip and shipping
    assert t.total >= t.tip + t.shipping


@settings(max_examples=300, deadline=None)
@given(orders())
def test_tax_rounding_is_within_one_minor_unit_per_line(o):
    lines = o.pop("lines")
    t = compute_totals(lines, **o)
    exact_total = Fraction(0)
    for ln_in, ln_out in zip(lines, t.lines):
        net = ln_out.total - ln_out.discount
        exact = _exact_line_tax(net, ln_in.tax_rate, t.tax_included)
        exact_total += exact
        assert abs(ln_out.tax - exact) <= Fraction(1, 2)  # half-up: at most half a unit
        assert abs(ln_out.tax - exact) < 1
    assert abs(t.tax - exact_total) <= Fraction(len(lines), 2)


@settings(max_examples=300, deadline=None)
@given(orders())
def test_discount_shares_sum_exactly_to_the_discount(o):
    lines = o.pop("lines")
    t = compute_totals(lines, **o)
    assert sum(ln.discount for ln in t.lines) == t.discount
    if o["discount"] is not None and o["discount"].percent is not None:
        assert t.discount == div_half_up(t.subtotal * o["discount"].percent, 10000)
    if t.subtotal:
        for ln in t.lines:
            proportional = Fraction(t.discount * ln.total, t.subtotal)
            assert abs(ln.discount - proportional) < 1


@settings(deadline=None)  # the machine may be busy: no timing flakes
@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**7), min_size=1, max_size=20))
def test_spread_shares_sum_exactly_and_stay_proportional(amount, weights):
    assume(sum(weights) > 0)
    shares = spread(amount, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == amount
    for s, w in zip(shares, weights):
        assert abs(s - Fraction(amount * w, sum(weights))) < 1
        if w == 0:
            assert s == 0


@settings(max_examples=100, deadline=None)
@given(lines_st, st.booleans())
def test_order_of_lines_does_not_change_the_money(lines, included):
    a = compute_totals(lines, prices_include_tax=included)
    b = compute_totals(list(reversed(lines)), prices_include_tax=included)
    assert (a.subtotal, a.tax, a.total) == (b.subtotal, b.tax, b.total)
