"""`order list --payment-method/--paid-since/--paid-until`, and footer totals over every matching order (not just the page)."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.conftest import Cli


@pytest.fixture
def shop(any_cli) -> Cli:
    c = any_cli
    assert c("product", "add", "MUG", "--name", "Mug", "--price", "10.00", "--stock", "50").exit_code == 0
    return c


def sell(c, qty=1) -> str:
    r = c("order", "create", "--name", "Ana", "--email", "ana@example.com", "--item", f"MUG:{qty}", "--format", "json")
    assert r.exit_code == 0, r.stderr
    return json.loads(r.stdout)["number"]


def numbers(r) -> list[str]:
    assert r.exit_code == 0, r.stderr
    return sorted(o["number"] for o in json.loads(r.stdout))


def test_filters_by_method_and_payment_day(shop):
    a, b, c, d = sell(shop, 1), sell(shop, 2), sell(shop, 3), sell(shop, 4)
    assert shop("order", "pay", a, "--method", "Cash").exit_code == 0
    assert shop("order", "pay", b, "--method", "carte bancaire").exit_code == 0
    assert shop("order", "pay", c, "--amount", "10", "--method", "cash").exit_code == 0
    assert shop("order", "pay", c, "--method", "card").exit_code == 0
    assert shop("order", "refund", a, "--method", "card", "--amount", "1", "--yes").exit_code == 0  # a refund is not a card payment
    assert numbers(shop("order", "list", "--payment-method", "cash", "--format", "json")) == sorted([a, c])
    assert numbers(shop("order", "list", "--payment-method", "CARD", "--format", "json")) == sorted([b, c])
    assert numbers(shop("order", "list", "--paid-since", "today", "--format", "json")) == sorted([a, b, c])
    assert numbers(shop("order", "list", "--paid-until", "yesterday", "--format", "json")) == []
    # payments taken yesterday (store days): move one back in time
    from ordercli import db

    engine = db.get_engine(shop.url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE payment SET at = :at WHERE order_id = (SELECT id FROM orders WHERE number = :n)"), {"at": "2020-01-01 12:00:00", "n": b})
    db.dispose_all()
    assert numbers(shop("order", "list", "--paid-since", "today", "--format", "json")) == sorted([a, c])
    assert numbers(shop("order", "list", "--paid-since", "2020-01-01", "--paid-until", "2020-01-01", "--format", "json")) == [b]
    assert d not in numbers(shop("order", "list", "--paid-since", "2019-01-01", "--format", "json"))
    r = shop("order", "list", "--payment-method", "bitcoin")
    assert r.exit_code == 2 and "Use one of: cash (Cash)" in r.stderr and r.stdout == ""
    r = shop("order", "list", "--paid-since", "someday")
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.stderr


def test_footer_totals_cover_every_matching_order_not_the_page(shop):
    a, b, _c = sell(shop, 1), sell(shop, 2), sell(shop, 3)  # 10, 20, 30 (the last not paid)
    cancelled = sell(shop, 5)
    assert shop("order", "pay", a).exit_code == 0
    assert shop("order", "pay", b, "--amount", "5").exit_code == 0
    assert shop("order", "cancel", cancelled, "--yes").exit_code == 0
    r = shop("order", "list", "--limit", "1")
    assert r.exit_code == 0
    # one order shown; the totals are the four matched: total 60 (cancelled left out), paid 10 + 5, due 15 + 30
    assert "4 orders · total €60.00 (not counting 1 cancelled/refunded) · paid €15.00 · due €45.00 · showing 1–1 · next page: --offset 1" in r.stdout
    r = shop("order", "list", "--limit", "2", "--offset", "2")
    assert "4 orders · total €60.00" in r.stdout and "showing 3–4" in r.stdout and "next page" not in r.stdout
    r = shop("order", "list", "--payment-status", "awaiting-payment")
    assert "2 orders · total €50.00 · paid €5.00 · due €45.00" in r.stdout
