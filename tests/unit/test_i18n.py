"""Translations: every message of the catalog translated with its placeholders, and which
language the screen speaks (ORDERCLI_LANG > LANGUAGE > LC_ALL > store.locale > LANG > en_US)."""

from __future__ import annotations

import re
from datetime import UTC
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from ordercli import i18n
from ordercli.money import format_money, parse_money

LOCALE = Path(i18n.__file__).resolve().parent / "locale"
POS = sorted(LOCALE.glob("*/LC_MESSAGES/ordercli.po"))

_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")
_BRACE = re.compile(r"(?<!\{)\{(\w*)(?:[!:][^}]*)?\}(?!\})")


def placeholders(text: str) -> tuple[list, list]:
    """(python-format placeholders, brace placeholders) of a message, sorted (order may change)."""
    percent = sorted((name or "", conv) for name, conv in _PERCENT.findall(text))
    brace = sorted(_BRACE.findall(text))
    return percent, brace


def catalog(path: Path):
    with open(path, "rb") as f:
        return read_po(f)


def test_there_is_a_french_catalog_and_a_template():
    assert [p.parent.parent.name for p in POS] == ["fr"]
    assert (LOCALE / "ordercli.pot").is_file()


@pytest.mark.parametrize("po", POS, ids=lambda p: p.parent.parent.name)
def test_every_message_is_translated_with_the_same_placeholders(po):
    cat = catalog(po)
    template = {m.id for m in catalog(LOCALE / "ordercli.pot") if m.id}
    ids = {m.id for m in cat if m.id}
    assert template <= ids, f"not in {po.name} (run pybabel update): {sorted(template - ids)[:5]}"
    problems = []
    for m in cat:
        if not m.id:
            continue
        # every plural form (French has three in Babel's CLDR rules: one, many, other) against
        # the English singular (form 0) or plural (the others)
        pairs = [(m.id[0] if i == 0 else m.id[1], s) for i, s in enumerate(m.string)] if isinstance(m.id, tuple) else [(m.id, m.string)]
        for source, translated in pairs:
            if not translated:
                problems.append(f"untranslated: {source!r}")
            elif m.fuzzy:
                problems.append(f"fuzzy: {source!r}")
            elif placeholders(source) != placeholders(translated):
                problems.append(f"placeholders differ: {source!r} -> {translated!r}")
    assert not problems, "\n".join(problems)


def test_the_placeholder_check_would_notice():
    assert placeholders("Order %(number)s at %(store)s") != placeholders("Commande %(numero)s chez %(store)s")
    assert placeholders("VAT %(rate)s%% on %(base)s") != placeholders("TVA %(rate)s sur %(base)s")
    assert placeholders("{count} items") != placeholders("{n} articles")
    assert placeholders("Order %(number)s") == placeholders("Commande %(number)s")


def test_the_compiled_catalog_is_installed_and_used():
    assert "fr" in i18n.available(), "the .mo is built by setup.py (pip install -e .)"
    fr = i18n.gettext_for("fr_FR")
    assert fr.gettext("INVOICE") == "FACTURE"
    assert fr.gettext("Total excl. tax") == "Total HT"
    assert i18n.gettext_for("en_US").gettext("INVOICE") == "INVOICE"
    assert i18n.gettext_for("de_DE").gettext("INVOICE") == "INVOICE"  # no catalog: English


@pytest.fixture
def env(monkeypatch):
    for var in ("ORDERCLI_LANG", "LANGUAGE", "LC_ALL", "LANG"):
        monkeypatch.delenv(var, raising=False)
    i18n.reset()
    yield monkeypatch
    i18n.reset()


def test_the_screen_locale_precedence(env):
    assert i18n.screen_locale() == "en_US"
    env.setenv("LANG", "de_DE.UTF-8")
    i18n.reset()
    assert i18n.screen_locale() == "de_DE"
    i18n.note_store_locale("nl_NL")  # store.locale (set) beats LANG
    assert i18n.screen_locale() == "nl_NL"
    env.setenv("LC_ALL", "es_ES.UTF-8")
    i18n.reset()
    i18n.note_store_locale("nl_NL")
    assert i18n.screen_locale() == "es_ES"
    env.setenv("LANGUAGE", "it:en")
    i18n.reset()
    assert i18n.screen_locale() == "it"
    env.setenv("ORDERCLI_LANG", "fr_FR")
    i18n.reset()
    assert i18n.screen_locale() == "fr_FR"


def test_c_and_posix_are_no_language_and_the_store_source_is_read_lazily(env):
    env.setenv("LC_ALL", "C.UTF-8")
    env.setenv("LANG", "POSIX")
    i18n.reset()
    calls = []
    i18n.set_store_locale_source(lambda: calls.append(1) or "fr_FR")
    assert calls == []  # nothing read until a language is needed
    assert i18n.screen_locale() == "fr_FR" and i18n.screen_locale() == "fr_FR"
    assert calls == [1]  # once
    env.setenv("ORDERCLI_LANG", "en_GB")
    i18n.reset()
    i18n.set_store_locale_source(lambda: calls.append(2) or "fr_FR")
    assert i18n.screen_locale() == "en_GB" and calls == [1]  # the environment decided: the store is not read


def test_money_follows_the_screen_and_input_takes_both_decimal_marks(env):
    assert format_money(4100, "EUR") == "€41.00"
    env.setenv("ORDERCLI_LANG", "fr_FR")
    i18n.reset()
    assert format_money(4100, "EUR") == "41,00\xa0€"
    assert format_money(125000, "EUR") == "1\u202f250,00\xa0€"
    assert format_money(4100, "EUR", "en_US") == "€41.00"  # a document's own locale wins
    assert parse_money("12,50") == parse_money("12.50") == 1250


def test_local_dates_follow_the_screen(env):
    from datetime import datetime

    from ordercli import output

    noon = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
    assert output.local_date(noon) == "2026-12-01"
    env.setenv("ORDERCLI_LANG", "fr_FR")
    i18n.reset()
    assert output.local_date(noon) == "01/12/2026"
    assert output.local_datetime(noon).startswith("01/12/2026 ")


def test_status_words_are_translated_and_typed_french_statuses_are_understood(env):
    from ordercli.statuses import parse_fulfillment_status, parse_payment_status, words

    assert words("AWAITING_PAYMENT") == "Awaiting payment"
    assert words("READY_FOR_PICKUP", "fr_FR") == "Prêt à être retiré"
    env.setenv("ORDERCLI_LANG", "fr_FR")
    i18n.reset()
    assert words("PAID") == "Payé"
    assert parse_payment_status("payé") == "PAID" and parse_payment_status("en attente de paiement") == "AWAITING_PAYMENT"
    assert parse_fulfillment_status("Expédié") == "SHIPPED"


@pytest.mark.parametrize("locale", ["fr", "fr_FR", "fr_BE", "fr_MC"])
def test_the_french_euro_shortcut_writes_what_babel_writes(locale):
    from decimal import Decimal

    from babel.numbers import format_currency
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from ordercli.money import MAX_MINOR

    @settings(max_examples=300, deadline=None)
    @given(st.integers(min_value=-MAX_MINOR, max_value=MAX_MINOR))
    def check(minor):
        assert format_money(minor, "EUR", locale) == format_currency(Decimal(minor).scaleb(-2), "EUR", locale=locale)

    check()
    for minor in (0, 5, 99, 100, 99999, 100000, 123456789, -100000):
        assert format_money(minor, "EUR", locale) == format_currency(Decimal(minor).scaleb(-2), "EUR", locale=locale)


def test_the_french_date_shortcut_writes_what_babel_writes():
    from datetime import date

    from babel.dates import format_date

    from ordercli import output

    for locale in ("fr", "fr_FR", "fr_MC", "fr_LU", "fr_BE", "de_DE"):
        for day in (date(2026, 2, 3), date(2026, 12, 31), date(1999, 1, 1)):
            assert output.local_date(day, locale) == format_date(day, "short", locale=locale), locale
