"""Seed a test store through the services (one unit of work each), never through CLI calls.

CLI tests check parsing, rendering and exit codes; what they start from is written by the
same use cases the commands call, so a broken command cannot hide behind its own fixture.
"""

from __future__ import annotations

from pathlib import Path


def _engine(store):
    from ordercli import db

    return db.get_engine(store) if isinstance(store, str) else store


def products(store, *rows: tuple) -> None:
    """``(sku, name, price, stock or None, tax_rate %)`` with price like "18.00" and tax like 20."""
    from ordercli.money import parse_money, parse_percent
    from ordercli.services import catalog
    from ordercli.uow import UnitOfWork

    with UnitOfWork(_engine(store), deliver=False) as uow:
        for sku, name, price, stock, tax in rows:
            catalog.add_product(uow.session, sku=sku, name=name, price=parse_money(price), stock=stock, tax_rate=parse_percent(str(tax)))
        uow.commit(saved="test products")


def catalog_file(store, path: Path, currency: str = "EUR") -> None:
    from ordercli.services import catalog
    from ordercli.uow import UnitOfWork

    rows = catalog.read_catalog(path, currency)
    with UnitOfWork(_engine(store), deliver=False) as uow:
        catalog.import_catalog(uow.session, rows=rows)
        uow.commit(saved="test catalog")


def settings(store, **values: str) -> None:
    """``settings(url, **{"store.name": "Fair Stall"})``."""
    from ordercli.services import config
    from ordercli.uow import UnitOfWork

    with UnitOfWork(_engine(store), deliver=False) as uow:
        for key, value in values.items():
            config.set_value(uow.session, key, value)
        uow.commit(saved="test settings")
