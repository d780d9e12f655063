"""Two tills invoicing the same order at once get ONE invoice (same number), on SQLite and PostgreSQL.

The interleaving is forced, not hoped for: till A issues the invoice in a
transaction the main thread keeps open; till B runs in a thread and must wait
(PostgreSQL: on the order row; SQLite: on the store's write lock). Once A
commits, B has to reuse A's invoice instead of issuing a second number.
"""

from __future__ import annotations

import threading

import pytest
from sqlmodel import select

from ordercli import db
from ordercli.models import Invoice
from ordercli.services import common, invoices, notifications
from tests.smtp_server import add_product, place, set_settings
from tests.tills import Till


@pytest.fixture
def shop(engine):
    add_product(engine)
    set_settings(engine, **{"store.name": "Fair Stall", "store.locale": "en_US", "store.email": ""})
    return engine


def _invoice_command(engine, number):
    """``ordercli order invoice N`` (the service it runs)."""
    with db.write_session(engine) as s:
        res = invoices.make_invoice(s, number=number)
        s.commit()
        return res.invoice.number, res.new


def _notify_invoice_command(engine, number):
    """``ordercli order notify N --kind invoice``: the invoice number it attaches."""
    import json

    with db.write_session(engine) as s:
        (row,) = notifications.resend(s, number=number, kind="invoice")
        s.commit()
        return json.loads(row.payload)["invoice"]["number"], None


def _invoices(engine) -> list[tuple[str, int]]:
    with db.read_session(engine) as s:
        return [(i.number, i.order_id) for i in s.exec(select(Invoice).order_by(Invoice.seq)).all()]


@pytest.mark.parametrize("till_b", [_invoice_command, _notify_invoice_command], ids=["order-invoice", "order-notify-invoice"])
def test_a_second_till_waits_for_the_first_and_reuses_its_invoice(shop, till_b):
    number = place(shop, deliver=False)
    with db.write_session(shop) as a:
        settings = common.load_settings(a)
        inv_a = invoices.issue_invoice(a, order=common.get_order(a, number), settings=settings)
        assert inv_a.number == "INV-1"
        b = Till(till_b, shop, number)
        b.assert_waiting()
        a.commit()
    number_b, new_b = b.value()
    assert number_b == "INV-1"  # the same invoice, not INV-2
    assert new_b in (False, None)  # reused, not issued again
    assert [n for n, _ in _invoices(shop)] == ["INV-1"]
    with db.read_session(shop) as s:
        assert common.peek_counter(s, "invoice") == 2  # one number handed out
    # A later run still gives the one invoice.
    assert _invoice_command(shop, number) == ("INV-1", False)


def test_a_second_till_sees_a_total_changed_while_it_waited(shop):
    """B waits on the order row, then reads the order as A left it: a new total means a new invoice."""
    number = place(shop, deliver=False)
    assert _invoice_command(shop, number) == ("INV-1", True)
    with db.write_session(shop) as a:
        order = common.get_order(a, number)
        order.total += 100  # what an edit commits (the order row is written, so B must wait on it)
        a.add(order)
        a.flush()
        b = Till(_invoice_command, shop, number)
        b.assert_waiting()
        a.commit()
    assert b.value() == ("INV-2", True)
    assert [n for n, _ in _invoices(shop)] == ["INV-1", "INV-2"]


def test_many_tills_invoicing_one_order_at_once_issue_one_number(shop):
    number = place(shop, deliver=False)
    other = place(shop, deliver=False)
    barrier = threading.Barrier(5)
    results: list = []
    errors: list = []

    def till(n):
        try:
            barrier.wait()
            results.append(_invoice_command(shop, n))
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=till, args=(n,)) for n in (number, number, number, number, other)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(20)
    assert errors == []
    invs = _invoices(shop)
    assert len(invs) == 2 and len({oid for _, oid in invs}) == 2  # one invoice per order
    with db.read_session(shop) as s:
        mine = invoices.latest_invoice(s, common.get_order(s, number)).number
    assert sorted(r for r in results if r[0] == mine) == sorted([(mine, False)] * 3 + [(mine, True)])
