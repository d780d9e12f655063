"""Settings stored in the store (shared by every till), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from sqlmodel import select

from ordercli import db
from ordercli.errors import InputError
from ordercli.models import Setting
from ordercli.services import common, config
from ordercli.settings import KEYS


def set_(engine, key, value):
    with db.write_session(engine) as s:
        result = config.set_value(s, key, value)
        s.commit()
        return result


def get(engine, key):
    with db.read_session(engine) as s:
        return config.get_value(s, key)


def stored(engine):
    with db.read_session(engine) as s:
        return {r.key: r.value for r in s.exec(select(Setting)).all()}


def test_defaults_before_anything_is_set(engine):
    assert get(engine, "store.name") == "My shop"
    assert get(engine, "store.currency") == "EUR"
    assert get(engine, "order.prefix") == ""
    assert get(engine, "order.next_number") == "1001"
    assert get(engine, "tax.prices_include_tax") == "true"
    assert stored(engine) == {}
    with db.read_session(engine) as s:
        rows = config.all_values(s)
    assert [k for k, *_ in rows] == list(KEYS)
    assert all(is_set is False for k, _, is_set, _ in rows if k != "order.next_number")


@pytest.mark.parametrize(
    "key,typed,normalised",
    [
        ("store.name", "  Hilltop Pottery ", "Hilltop Pottery"),
        ("store.currency", "usd", "USD"),
        ("store.locale", "fr-FR", "fr_FR"),
        ("store.phone_region", "fr", "FR"),
        ("store.email", "Shop@Example.com", "shop@example.com"),
        ("store.iban", "fr76 3000 6000 0112 3456 7890 189", "FR7630006000011234567890189"),
        ("store.address", "1 rue X\\n69001 Lyon", "1 rue X\n69001 Lyon"),
        ("order.prefix", "FAIR-", "FAIR-"),
        ("order.suffix", "/B", "/B"),
        ("tax.prices_include_tax", "No", "false"),
        ("tax.default_rate", "5,5%", "5.5"),
        ("mail.transport", "SMTP", "smtp"),
        ("smtp.port", " 465 ", "465"),
        ("notify.on_status.SHIPPED", "off", "false"),
    ],
)
def test_set_normalises_and_every_till_reads_it(engine, store_url, key, typed, normalised):
    assert set_(engine, key, typed) == normalised
    db.dispose_all()
    other_till = db.get_engine(store_url)  # a fresh engine: what another till would see
    assert get(other_till, key) == normalised


@pytest.mark.parametrize(
    "key,value,words",
    [
        ("store.currency", "EUX", "Unknown currency"),
        ("store.currency", "euros", "Unknown currency"),
        ("store.locale", "xx_QQ_zz", "Unknown locale"),
        ("store.phone_region", "ZZ", "Unknown phone region"),
        ("store.email", "shop@", "Invalid email"),
        ("store.iban", "FR76 3000 6000 0112 3456 7890 188", "check digits"),
        ("store.name", "", "cannot be empty"),
        ("store.name", "Shop\x07", "control character"),
        ("store.name", "x" * 201, "too long"),
        ("order.prefix", "FAIR 2026", "Invalid prefix"),
        ("order.next_number", "0", "Invalid number"),
        ("order.next_number", "abc", "Invalid number"),
        ("tax.prices_include_tax", "maybe", "true or false"),
        ("tax.default_rate", "120", "between 0 and 100"),
        ("mail.transport", "pigeon", "Invalid value"),
        ("smtp.port", "70000", "Invalid port"),
    ],
)
def test_invalid_values_are_refused_and_nothing_is_stored(engine, key, value, words):
    with pytest.raises(InputError) as ei:
        set_(engine, key, value)
    assert words in ei.value.message
    assert ei.value.hint
    assert stored(engine) == {}


def test_unknown_keys_suggest_close_ones(engine):
    with pytest.raises(InputError) as ei:
        set_(engine, "store.nmae", "x")
    assert "Unknown setting 'store.nmae'" in ei.value.message
    assert "store.name" in ei.value.hint and "config show" in ei.value.hint
    with pytest.raises(InputError):
        get(engine, "nope")
    assert stored(engine) == {}


def test_unset_goes_back_to_the_default(engine):
    set_(engine, "store.name", "Hilltop")
    with db.write_session(engine) as s:
        config.unset_value(s, "store.name")
        s.commit()
    assert get(engine, "store.name") == "My shop"
    assert stored(engine) == {}
    with db.write_session(engine) as s:
        config.unset_value(s, "store.name")  # unsetting twice is harmless
        s.commit()
    with pytest.raises(InputError):
        with db.write_session(engine) as s:
            config.unset_value(s, "store.nope")
            s.commit()


def test_set_twice_keeps_one_row(engine):
    set_(engine, "store.name", "A")
    set_(engine, "store.name", "B")
    assert stored(engine) == {"store.name": "B"}


def test_two_tills_setting_a_new_key_at_the_same_moment_both_succeed(engine):
    """Till A has inserted the key but not committed; till B sets it meanwhile.

    Read-then-insert would let B see no row, block on A's insert, then fail with a
    unique violation once A commits. The upsert waits and overwrites instead.
    """
    from tests.tills import Till

    with db.write_session(engine) as a:
        a.add(Setting(key="store.phone", value="till A"))
        a.flush()  # inserted, not committed: B has to wait for A
        b = Till(set_, engine, "store.phone", "till B")
        b.assert_waiting()
        a.commit()
    assert b.value() == "till B"
    assert stored(engine)["store.phone"] == "till B"


def test_next_order_number_lives_in_the_counter(engine):
    assert set_(engine, "order.next_number", "2000") == "2000"
    assert get(engine, "order.next_number") == "2000"
    assert "order.next_number" not in stored(engine)
    with db.write_session(engine) as s:
        assert common.next_in_sequence(s, "order") == 2000
        s.commit()
    assert get(engine, "order.next_number") == "2001"


def test_settings_view_reads_typed_values(engine):
    set_(engine, "tax.default_rate", "20")
    set_(engine, "tax.prices_include_tax", "off")
    with db.read_session(engine) as s:
        st = common.load_settings(s)
    assert st.default_rate == 2000
    assert st.prices_include_tax is False
    assert st.currency == "EUR"
    assert st.is_set("tax.default_rate") and not st.is_set("store.name")
    assert st["store.name"] == "My shop"


def test_the_smtp_password_is_not_a_setting(engine):
    assert not any("password" in k for k in KEYS)
    with pytest.raises(InputError):
        set_(engine, "smtp.password", "hunter2")
    assert stored(engine) == {}
