"""A customer's language and VAT number (issue 12): what their emails and invoices follow.

``set_language`` / ``set_vat_number`` are the use cases behind ``customer edit --language`` /
``--vat-number`` (the CLI words them). Keyword-only, take a Session, never commit.
"""

from __future__ import annotations

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
        raise InputError(f"Unknown language {value!r}.", f"Use one of: {', '.join(known)} (empty: the store's).", code="customer.language", known=known)
    return found


def set_language(session: Session, *, customer: Customer, language: str | None) -> Customer:
    """Record the language of ``customer``'s emails and invoices (None: the store's)."""
    customer.language = check_language(language)
    session.add(customer)
    session.flush()
    return customer


def set_vat_number(session: Session, *, customer: Customer, vat_number: str | None) -> Customer:
    """Record a business customer's VAT number (None or empty: a private customer)."""
    from ordercli.domain import clean_text

    customer.vat_number = clean_text(vat_number or "", "VAT number", max_len=50) or None
    session.add(customer)
    session.flush()
    return customer


def customer_of(session: Session, customer_id: int | None) -> Customer | None:
    return session.get(Customer, customer_id) if customer_id is not None else None
