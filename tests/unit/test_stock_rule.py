"""The one shortage rule (ordercli.stock), used by create, edit, import and take_stock."""

from ordercli.stock import short_lines


def test_a_line_is_short_when_it_asks_for_more_than_is_available():
    assert short_lines({"MUG": 3, "CARD": 2}, {"MUG": 2, "CARD": 2}) == [("MUG", 3, 2)]


def test_untracked_products_are_never_short():
    assert short_lines({"ZINE": 500, "GIFT": 1}, {"ZINE": None}) == []


def test_exactly_what_is_left_is_not_short_and_negative_stock_reads_as_zero():
    assert short_lines({1: 5}, {1: 5}) == []
    assert short_lines({1: 1}, {1: -2}) == [(1, 1, 0)]
