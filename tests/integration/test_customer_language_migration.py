"""0003 -> 0007_customer_language (issue 12): customers keep their data, their language and VAT number start empty."""

from __future__ import annotations

import sqlalchemy as sa

from ordercli import db
from tests.integration.test_store import _alembic_cfg, revision


def test_customers_from_before_languages_upgrade_and_keep_their_orders(store_url):
    from alembic import command

    from ordercli.domain import CustomerIn, ItemIn, OrderDraft
    from ordercli.services import catalog, orders

    engine = db.get_engine(store_url)
    with db.write_session(engine) as s:
        catalog.add_product(s, sku="MUG", name="Mug", price=1000, stock=5)
        number = orders.place_order(s, OrderDraft(customer=CustomerIn(name="Léa", email="lea@example.com"), items=[ItemIn(quantity=1, sku="MUG")])).order.number
        s.commit()
    with engine.connect() as conn, conn.begin():
        command.downgrade(_alembic_cfg(conn), "0003_stall_day")
        assert "language" not in {c["name"] for c in sa.inspect(conn).get_columns("customer")}
    assert revision(engine) == "0003_stall_day"
    db.dispose_all()

    engine = db.get_engine(store_url)  # opening upgrades
    assert revision(engine) == db.HEAD_REVISION == "0007_customer_language"
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT c.name, c.email, c.language, c.vat_number FROM customer c JOIN orders o ON o.customer_id = c.id WHERE o.number = :n"), {"n": number}).all()
    assert rows == [("Léa", "lea@example.com", None, None)]
    from ordercli.models import Customer
    from ordercli.services import customer_language

    with db.write_session(engine) as s:
        c = s.get(Customer, 1)
        customer_language.set_language(s, customer=c, language="fr")
        customer_language.set_vat_number(s, customer=c, vat_number=" FR40303265045 ")
        s.commit()
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT language, vat_number FROM customer")).one() == ("fr", "FR40303265045")
