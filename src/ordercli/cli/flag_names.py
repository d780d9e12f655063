"""The validation gate's field paths as the flags of ``order create`` / ``order edit``.

Services speak in field paths (``shipping.address.postal_code``); the flags door
speaks in flags (``--ship-postal-code``). Stdlib only: imported by the commands.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Iterator

FLAGS: dict[str, str] = {
    "customer": "--email/--phone",
    "customer.name": "--name",
    "customer.email": "--email",
    "customer.phone": "--phone",
    "items": "--item/--custom-item",
    "discount": "--discount",
    "tip": "--tip",
    "surcharges": "--surcharge",
    "payment_method": "--payment-method",
    "note": "--note",
    "staff_note": "--staff-note",
    "external_ref": "--ref",
    "shipping": "--shipping-method",
    "shipping.method": "--shipping-method",
    "shipping.cost": "--shipping-cost",
    "shipping.pickup": "--pickup",
    "shipping.address": "--pickup",  # "a pickup order has no shipping address"
}


def flag_of(path: str) -> str:
    """``shipping.address.postal_code`` -> ``--ship-postal-code``; ``items[1].quantity`` -> ``--item/--custom-item``."""
    if re.match(r"items\[\d+\]", path):
        return FLAGS["items"]
    for prefix, flag in (("shipping.address.", "--ship-"), ("billing.", "--bill-")):
        if path.startswith(prefix):
            return flag + path[len(prefix):].replace("_", "-")
    if path.startswith("billing"):
        return "--bill-*"
    return FLAGS.get(path, path)


@contextmanager
def naming_flags() -> Iterator[None]:
    """Turn a refused draft (``DraftInvalid``) into one line that names the flag instead of the field path."""
    from ordercli.errors import InputError
    from ordercli.validation import DraftInvalid

    try:
        yield
    except DraftInvalid as e:
        first = e.issues[0]
        others = list(dict.fromkeys(flag_of(i.path) for i in e.issues[1:] if flag_of(i.path) != flag_of(first.path)))
        from ordercli.i18n import _

        tail = (" " + _("(also check %(flags)s)") % {"flags": ", ".join(others)}) if others else ""
        raise InputError(f"{flag_of(first.path)}: {first.message}{tail}", first.hint) from None
