"""Settings stored in the store (shared by every till)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key
from sqlmodel import Session

from ordercli.errors import InputError, RefusedError
from ordercli.i18n import _
from ordercli.models import Counter, Order, Setting
from ordercli.services import common
from ordercli.settings import KEYS, check_key, validate


def get_value(session: Session, key: str) -> str:
    check_key(key)
    if key == "order.next_number":
        return str(common.peek_counter(session, "order"))
    return common.load_settings(session).get(key)


def all_values(session: Session) -> list[tuple[str, str, bool, str]]:
    """(key, value, is_set, help) for every key."""
    settings = common.load_settings(session)
    out = []
    for key, spec in KEYS.items():
        if key == "order.next_number":
            out.append((key, str(common.peek_counter(session, "order")), True, spec.help))
        else:
            out.append((key, settings.get(key), settings.is_set(key), spec.help))
    return out


def set_value(session: Session, key: str, value: str) -> str:
    normalized = validate(key, value)
    if key == "order.next_number":
        n = int(normalized)
        common.lock_counter(session, "order")  # no order can take a number between our check and our write
        highest = session.execute(sa.select(sa.func.max(Order.seq))).scalar() or 0
        if n <= highest:
            raise InputError(
                _("order.next_number must be above %(highest)s, the highest order number used.") % {"highest": highest}, _("Use %(least)s or more.") % {"least": highest + 1}
            )
        session.execute(sa.update(Counter).where(Counter.name == "order").values(value=n))
        session.flush()
        return normalized
    if key == "store.currency":
        _check_currency_change(session, normalized)
    _upsert(session, key, normalized)
    session.flush()
    return normalized


def _upsert(session: Session, key: str, value: str) -> None:
    """One ``INSERT … ON CONFLICT DO UPDATE``: two tills setting a new key at once both succeed (last one wins)."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    table = Setting.__table__  # type: ignore[attr-defined]
    stmt = insert(table).values(key=key, value=value)
    session.execute(stmt.on_conflict_do_update(index_elements=[table.c.key], set_={"value": value}))
    loaded = session.identity_map.get(identity_key(Setting, key))
    if loaded is not None:  # keep a row this session already read in step with the store
        set_committed_value(loaded, "value", value)


def _check_currency_change(session: Session, new: str) -> None:
    """Prices are stored in minor units: a currency with other decimals would change every price."""
    from ordercli.models import Product
    from ordercli.money import currency_decimals

    old = common.load_settings(session).currency
    if currency_decimals(old) == currency_decimals(new):
        return
    if session.execute(sa.select(Product.id).limit(1)).first() is not None:
        raise RefusedError(
            _("Cannot switch from %(old)s to %(new)s: they have different decimals and the catalog's prices would change.") % {"old": old, "new": new},
            _("Switch while the catalog is empty, or use a currency with %(decimals)s decimals.") % {"decimals": currency_decimals(old)},
        )


def unset_value(session: Session, key: str) -> None:
    check_key(key)
    row = session.get(Setting, key)
    if row is not None:
        session.delete(row)
        session.flush()
