"""A customer's language and VAT number (issue 12): what their emails and invoices follow.

``set_language`` / ``set_vat_number`` are the use cases behind ``customer edit --language`` /
``--vat-number`` (the CLI words them). Keyword-only, take a Session, never commit.
"""

from __future__ import annotations

import re

from sqlmodel import Session

from ordercli.errors import InputError
from ordercli.models import Customer


def check_language(value: str | None) -> str | None:
    """``fr``, ``fr_FR``, ``en``… -> the stored form; empty -> None (the store's language).

    Only languages with a catalog (and English) are accepted: a customer is never written to
    in a language ordercli cannot speak.
    """
    from ordercli import i18n

    if value is None or not value.strip():
        return None
    found = i18n.normalize(value)
    known = ["en", *i18n.available()]
    if found is None or found.split("_")[0] not in known:
        raise InputError(
            i18n._("Unknown language %(value)s.") % {"value": repr(value)},
            i18n._("Use one of: %(languages)s (empty: the store's).") % {"languages": ", ".join(known)},
            code="customer.language",
            known=known,
        )
    return found


def set_language(session: Session, *, customer: Customer, language: str | None) -> Customer:
    """Record the language of ``customer``'s emails and invoices (None: the store's)."""
    customer.language = check_language(language)
    session.add(customer)
    session.flush()
    return customer


#: A VAT number once spaces, dots and dashes are gone: a country prefix, then 2 to 13 letters or
#: digits (EU numbers are 8 to 12 characters after the prefix; GB, CHE… fit too), with digits.
_VAT_SHAPE = re.compile(r"[A-Z]{2}[A-Z0-9+*]{2,13}")
#: France: FR, a 2-character key (digits, or letters but I and O), the 9-digit SIREN.
_VAT_FR = re.compile(r"FR[0-9A-HJ-NP-Z]{2}[0-9]{9}")
_VAT_SEPARATORS = re.compile(r"[\s.\-/]+")


def check_vat_number(value: str | None) -> str | None:
    """`` fr 40 303 265 045`` -> ``FR40303265045``; empty -> None (a private customer).

    Only the shape is checked (a country prefix and the number's characters; for France, the key
    and the 9-digit SIREN): a VAT number with a typo in its shape is refused, not printed on invoices.
    """
    from ordercli.domain import clean_text
    from ordercli.i18n import _

    text = clean_text(value or "", "VAT number", max_len=50)
    if not text:
        return None
    number = _VAT_SEPARATORS.sub("", text).upper()
    digits = sum(ch.isdigit() for ch in number)
    ok = bool(_VAT_SHAPE.fullmatch(number)) and digits >= 2 and (not number.startswith("FR") or bool(_VAT_FR.fullmatch(number)))
    if not ok:
        raise InputError(
            _("Invalid VAT number %(value)s: expected a country prefix then the number, e.g. FR40303265045 (FR, a 2-character key, the 9-digit SIREN).")
            % {"value": repr(text)},
            code="customer.vat_number",
            value=text,
        )
    return number


def set_vat_number(session: Session, *, customer: Customer, vat_number: str | None) -> Customer:
    """Record a business customer's VAT number (None or empty: a private customer); see :func:`check_vat_number`."""
    customer.vat_number = check_vat_number(vat_number)
    session.add(customer)
    session.flush()
    return customer


def customer_of(session: Session, customer_id: int | None) -> Customer | None:
    return session.get(Customer, customer_id) if customer_id is not None else None
