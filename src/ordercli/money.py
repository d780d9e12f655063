"""Money: integer minor units everywhere, Decimal only at the edges.

``parse_money`` turns what a person typed ("12.50", "12,50", "€12.50") into
minor units, refusing anything with more decimals than the currency has, and
``format_money`` / ``to_decimal_str`` turn minor units back into text.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from ordercli.errors import InputError

# ISO 4217 minor units that differ from 2. Kept here (not babel) so that
# parsing stays cheap; ``config set store.currency`` validates codes with babel.
_ZERO = {"BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"}
_THREE = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}

MAX_MINOR = 10**13  # 100 billion in a 2-decimal currency: far above any stall sale


def currency_decimals(currency: str) -> int:
    code = currency.upper()
    if code in _ZERO:
        return 0
    if code in _THREE:
        return 3
    return 2


_CLEAN = re.compile(r"[\s€$£¥\u00a0]|[A-Z]{3}$|^[A-Z]{3}", re.IGNORECASE)


def parse_decimal(text: str, what: str = "amount") -> Decimal:
    raw = str(text).strip()
    cleaned = _CLEAN.sub("", raw)
    if cleaned.count(",") == 1 and "." not in cleaned:
        cleaned = cleaned.replace(",", ".")  # decimal comma: 12,50
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", cleaned):
        raise InputError(f"Invalid {what} {raw!r}.", f"Write the {what} as a plain number, e.g. 12.50.")
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - regex already guards
        raise InputError(f"Invalid {what} {raw!r}.", "Write it as a plain number, e.g. 12.50.") from None


def parse_money(text: str, currency: str = "EUR", what: str = "price", allow_negative: bool = False) -> int:
    """Parse a money amount into integer minor units of ``currency``."""
    value = parse_decimal(text, what)
    places = currency_decimals(currency)
    exact = value.quantize(Decimal(1).scaleb(-places)) if places else value.to_integral_value()
    if value != exact:
        raise InputError(
            f"Invalid {what} {str(text).strip()!r}: {currency} has {places} decimal place{'s' if places != 1 else ''}.",
            f"Round the {what} to {places} decimals.",
        )
    if value < 0 and not allow_negative:
        raise InputError(f"Invalid {what} {str(text).strip()!r}: it cannot be negative.", f"Give a {what} of 0 or more.")
    minor = int(value.scaleb(places))
    if abs(minor) > MAX_MINOR:
        raise InputError(f"Invalid {what} {str(text).strip()!r}: too large.", f"Give a realistic {what}.")
    return minor


def to_decimal(minor: int, currency: str = "EUR") -> Decimal:
    places = currency_decimals(currency)
    return Decimal(minor).scaleb(-places).quantize(Decimal(1).scaleb(-places)) if places else Decimal(minor)


def to_decimal_str(minor: int, currency: str = "EUR") -> str:
    """Minor units -> "12.50" (the JSON form)."""
    return str(to_decimal(minor, currency))


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥"}


def format_money(minor: int, currency: str = "EUR", locale: str | None = None) -> str:
    """Human form for screens. Uses babel when a locale is given, else a cheap form."""
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


def parse_percent(text: str, what: str = "percent") -> int:
    """"12.5" or "12.5%" -> hundredths of a percent (1250). Must be 0..100."""
    raw = str(text).strip().rstrip("%").strip()
    value = parse_decimal(raw, what)
    if value != value.quantize(Decimal("0.01")):
        raise InputError(f"Invalid {what} {text!r}: at most 2 decimals.", "Write it like 12.5%.")
    if not (0 <= value <= 100):
        raise InputError(f"Invalid {what} {text!r}: must be between 0 and 100.", "Give a percent from 0 to 100.")
    return int(value * 100)


def percent_str(bp: int) -> str:
    """Hundredths of a percent -> "12.5"."""
    value = Decimal(bp) / 100
    text = f"{value:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
