"""Money: integer minor units everywhere, Decimal only at the edges.

``parse_money`` turns what a person typed ("12.50", "12,50", "€12.50") into
minor units, refusing anything with more decimals than the currency has, and
``format_money`` / ``to_decimal_str`` turn minor units back into text.

Every typed amount (flags, wizard, batch and catalog imports) goes through
``parse_decimal``, the one place that reads a decimal comma:

* "12,50" and "12,5" are 12.50 (a comma with one or two decimals);
* "1,250" (a comma and exactly three digits, nothing else) is refused as
  ambiguous: it may be 1250 with a thousands separator or 1.25, and reading it
  either way silently is wrong half of the time. "0,250" is not ambiguous.

``parse_money`` refuses amounts above :data:`MAX_MINOR` minor units (the
pricing limit, which fits the 32-bit INTEGER columns of PostgreSQL).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ordercli.errors import InputError
from ordercli.i18n import N_, _, ngettext
from ordercli.pricing import MAX_AMOUNT

# ISO 4217 minor units that differ from 2. Kept here (not babel) so that
# parsing stays cheap; ``config set store.currency`` validates codes with babel.
_ZERO = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
_THREE = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}

MAX_MINOR = MAX_AMOUNT  # 2,000,000,000 minor units: 20,000,000.00 in a 2-decimal currency (see pricing)


def currency_decimals(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO:
        return 0
    if code in _THREE:
        return 3
    return 2


_CLEAN = re.compile(r"[\s€$£¥\u00a0]|[A-Z]{3}$|^[A-Z]{3}", re.IGNORECASE)


_THOUSANDS_OR_DECIMALS = re.compile(r"([+-]?)(\d+),(\d{3})")


def shown(text: str, limit: int = 40) -> str:
    """``repr`` of what was typed, cut short so an error never echoes huge input."""
    raw = str(text)
    return repr(raw if len(raw) <= limit else raw[:limit] + "…")


#: The names of what a message is about (``parse_money(text, what="tip")``, ``clean_text(v, "street")``),
#: as the callers pass them in English; :func:`noun` shows them in the screen's language.
NOUNS = (
    N_("amount"), N_("amount tendered"), N_("price"), N_("unit price"), N_("tip"), N_("shipping cost"), N_("discount"),
    N_("surcharge"), N_("surcharge label"), N_("percent"), N_("rate"), N_("tax rate"), N_("quantity"), N_("stock"),
    N_("float"), N_("counted cash"), N_("value"), N_("number"), N_("name"), N_("customer name"), N_("item name"),
    N_("product name"), N_("till name"), N_("street"), N_("city"), N_("postal code"), N_("country code"), N_("SKU"),
    N_("payment method"), N_("shipping method"), N_("note"), N_("staff note"), N_("reason"), N_("reference"),
    N_("order reference"), N_("tracking number"), N_("VAT number"),
)


def noun(what: str) -> str:
    """What a message is about (``"unit price"``) in the screen's language; a flag or an unknown word as it is."""
    return _(what) if what else what


def sentence(text: str) -> str:
    """A message that may start with a lower-case noun in some language (``prix invalide``) starts with a capital.

    English messages already do, so English is unchanged."""
    return text[:1].upper() + text[1:]


def grouped(n: int) -> str:
    """A whole number with thousands grouped for the screen: ``1,000,000`` in English, ``1 000 000`` otherwise."""
    from ordercli import i18n

    text = f"{n:,}"
    return text if i18n.is_english() else text.replace(",", " ")


def invalid_message(what: str, value: str, problem: str | None = None) -> str:
    """``Invalid price 'abc'.`` / ``Invalid price 'abc': it cannot be negative.`` in the screen's language."""
    if problem is None:
        return sentence(_("Invalid %(what)s %(value)s.") % {"what": noun(what), "value": value})
    return sentence(_("Invalid %(what)s %(value)s: %(problem)s") % {"what": noun(what), "value": value, "problem": problem})


def parse_decimal(text: str, what: str = "amount") -> Decimal:
    raw = str(text).strip()
    cleaned = _CLEAN.sub("", raw)
    if cleaned.count(",") == 1 and "." not in cleaned:
        m = _THOUSANDS_OR_DECIMALS.fullmatch(cleaned)
        if m and m.group(2).strip("0"):  # "1,250": 1250 or 1.25? ("0,250" can only be 0.25)
            sign, whole, frac = m.groups()
            decimals = frac.rstrip("0").ljust(2, "0")  # 1.25 for "1,250", 1.00 for "1,000"
            if len(whole) <= 20:
                from ordercli.i18n import is_english

                mark = "." if is_english() else ","  # both are read; the screen's own mark is suggested
                problem = _("%(typed)s is ambiguous: write %(whole)s or %(decimal)s.") % {
                    "typed": f"{sign}{whole},{frac}", "whole": f"{sign}{whole}{frac}", "decimal": f"{sign}{whole}{mark}{decimals}"
                }
            else:
                problem = _("a comma and three digits is ambiguous.")
            raise InputError(
                invalid_message(what, shown(raw), problem),
                _("Use a point (or a comma with 1 or 2 decimals) for decimals and no thousands separator, e.g. 1250 or 1.25."),
            )
        cleaned = cleaned.replace(",", ".")  # decimal comma: 12,50
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise InputError(invalid_message(what, shown(raw)), _("Write the %(what)s as a plain number, e.g. 12.50.") % {"what": noun(what)})
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - regex already guards
        raise InputError(invalid_message(what, shown(raw)), _("Write it as a plain number, e.g. 12.50.")) from None


def parse_money(text: str, currency: str = "EUR", what: str = "price", allow_negative: bool = False) -> int:
    """Parse a money amount into integer minor units of ``currency``."""
    value = parse_decimal(text, what)
    places = currency_decimals(currency)
    if abs(value) > Decimal(MAX_MINOR).scaleb(-places):  # before quantize: 30 digits overflow its precision
        limit = format_decimal(MAX_MINOR, currency)  # 20000000.00 in English, 20000000,00 in French
        facts = {"limit": limit, "currency": currency.upper()}
        raise InputError(
            invalid_message(what, shown(str(text).strip()), _("too large (at most %(limit)s %(currency)s).") % facts),
            _("Amounts are limited to %(limit)s %(currency)s; split a larger sale into several orders.") % facts,
        )
    exact = value.quantize(Decimal(1).scaleb(-places)) if places else value.to_integral_value()
    if value != exact:
        raise InputError(
            invalid_message(
                what,
                repr(str(text).strip()),
                ngettext("%(currency)s has %(places)s decimal place.", "%(currency)s has %(places)s decimal places.", places) % {"currency": currency, "places": places},
            ),
            # the English says "decimals" for 0 and 1 too (as it always did); other languages have their forms
            ngettext("Round the %(what)s to %(places)s decimals.", "Round the %(what)s to %(places)s decimals.", places) % {"what": noun(what), "places": places},
        )
    if value < 0 and not allow_negative:
        raise InputError(invalid_message(what, repr(str(text).strip()), _("it cannot be negative.")), _("Give a %(what)s of 0 or more.") % {"what": noun(what)})
    return int(value.scaleb(places))


def to_decimal(minor: int, currency: str = "EUR") -> Decimal:
    places = currency_decimals(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places)) if places else Decimal(minor)


def to_decimal_str(minor: int, currency: str = "EUR") -> str:
    """Minor units -> "12.50" (the JSON form)."""
    return str(to_decimal(minor, currency))


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def format_money(minor: int, currency: str = "EUR", locale: str | None = None) -> str:
    """Human form of an amount: ``41,00 €`` / ``1 250,00 €`` in fr_FR, ``€41.00`` in English.

    ``locale`` None means the screen's locale (:func:`ordercli.i18n.screen_locale`). English
    keeps the short form (``€41.00``, ``12.50 CHF``) without loading babel; any other locale is
    formatted by babel (a narrow no-break space groups thousands in French).
    """
    if locale is None:
        from ordercli import i18n

        screen = i18n.screen_locale()
        locale = None if i18n.is_english(screen) else screen  # English screens: the short form, no babel
    if locale in _FRENCH_EURO and currency.upper() == "EUR":
        return _french_euro(minor)
    if locale:
        try:
            from babel.numbers import format_currency

            return format_currency(to_decimal(minor, currency), currency, locale=locale)
        except Exception:  # unknown locale: fall back to the cheap form
            pass
    sym = _SYMBOLS.get(currency.upper())
    amount = to_decimal(minor, currency)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if sym:
        return f"{sign}{sym}{amount:,}"
    return f"{sign}{amount:,} {currency.upper()}"


#: Locales whose euro amounts are written ``1 250,00 €`` (CLDR, as babel formats them): the French
#: screen's money is written without loading babel (~40 ms at start-up, see docs/benchmarks.md);
#: ``tests/unit/test_i18n.py`` checks that both agree.
_FRENCH_EURO = {"fr", "fr_FR", "fr_BE", "fr_MC"}


def _french_euro(minor: int) -> str:
    amount = to_decimal(minor, "EUR")
    sign = "-" if amount < 0 else ""
    whole, _point, cents = f"{abs(amount):f}".partition(".")
    groups = []
    while len(whole) > 3:
        whole, groups = whole[:-3], [whole[-3:], *groups]
    return sign + "\u202f".join([whole, *groups]) + "," + cents + "\u00a0€"


def format_decimal(minor: int, currency: str = "EUR", locale: str | None = None) -> str:
    """An amount without a currency sign in ``locale``'s digits (``1250,00`` in French, ``1250.00``
    in English; no grouping, for spreadsheets). ``locale`` None: the screen's."""
    if locale is None:
        from ordercli import i18n

        locale = i18n.screen_locale()
    text = to_decimal_str(minor, currency)
    if locale and not locale.lower().startswith("en"):
        try:
            from babel.numbers import get_decimal_symbol

            return text.replace(".", get_decimal_symbol(locale))
        except Exception:  # noqa: BLE001 - unknown locale: the plain form
            return text
    return text


def parse_percent(text: str, what: str = "percent") -> int:
    """"12.5" or "12.5%" -> hundredths of a percent (1250). Must be 0..100."""
    raw = str(text).strip().rstrip("%").strip()
    value = parse_decimal(raw, what)
    if not (0 <= value <= 100):  # first: quantize cannot hold 30 digits
        raise InputError(invalid_message(what, shown(text), _("must be between 0 and 100.")), _("Give a percent from 0 to 100."))
    if value != value.quantize(Decimal("0.01")):
        raise InputError(invalid_message(what, shown(text), _("at most 2 decimals.")), _("Write it like 12.5%."))
    return int(value * 100)


def percent_str(bp: int) -> str:
    """Hundredths of a percent -> "12.5"."""
    value = Decimal(bp) / 100
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
