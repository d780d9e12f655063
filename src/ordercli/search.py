"""Search keys: text folded so that case and accents never matter, on SQLite and PostgreSQL alike.

Pure (stdlib only, plus ``phonenumbers`` lazily for the national form of a phone).

A stored ``search_key`` column (customer, product, orders) holds :func:`fold` of the searchable
fields, space-separated, each phone in its digit forms (``33653312194 0653312194``). A query is
folded the same way (:func:`query_terms`): its words must all occur in the key. The first word is
looked up as a prefix of the key (an index range scan on both databases: the PostgreSQL column
uses the "C" collation, so byte order), then as contained anywhere (a scan, the fallback).
"""

from __future__ import annotations

import functools
import unicodedata

# Letters NFKD does not take apart into a base letter and a mark.
_SPECIAL = str.maketrans(
    {
        "ß": "ss",
        "ẞ": "ss",
        "œ": "oe",
        "Œ": "oe",
        "æ": "ae",
        "Æ": "ae",
        "ø": "o",
        "Ø": "o",
        "đ": "d",
        "Đ": "d",
        "ð": "d",
        "Ð": "d",
        "þ": "th",
        "Þ": "th",
        "ł": "l",
        "Ł": "l",
        "ı": "i",
        "ħ": "h",
        "ŧ": "t",
        "’": "'",
        "‘": "'",
        "‐": "-",
        "‑": "-",
        "–": "-",
        "—": "-",
    }
)

#: Highest code point; a prefix range is [prefix, prefix + MAX_CHAR).
MAX_CHAR = "\U0010ffff"


@functools.lru_cache(maxsize=65536)
def fold(text: str | None) -> str:
    """``"Élodie Lefèvre-Duchâteau"`` -> ``"elodie lefevre-duchateau"``; ``"Straße"`` -> ``"strasse"``; ``"Ñúñez"`` -> ``"nunez"``.

    NFKD, combining marks dropped, the few letters with no decomposition mapped (ß, œ, æ, ø, ł…),
    case folded, runs of white space made one space.
    """
    if not text:
        return ""
    t = str(text).translate(_SPECIAL)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    t = t.casefold().translate(_SPECIAL)  # casefold turns ẞ into ss but leaves œ alone
    return " ".join(t.split())


@functools.lru_cache(maxsize=65536)
def phone_forms(phone: str | None) -> tuple[str, ...]:
    """The digit forms of a stored (E.164) phone: ``+33653312194`` -> ``("33653312194", "0653312194")``."""
    if not phone:
        return ()
    digits = "".join(ch for ch in phone if ch.isdigit())
    forms = [digits] if digits else []
    try:
        import phonenumbers

        num = phonenumbers.parse(phone, None)
        national = "".join(ch for ch in phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.NATIONAL) if ch.isdigit())
        if national and national not in forms:
            forms.append(national)
    except Exception:  # not E.164 (an old row): its digits are enough
        pass
    return tuple(forms)


def key_of(*parts: str | None, phones: tuple[str | None, ...] = ()) -> str:
    """The stored key: the folded parts, then each phone's digit forms, space-separated."""
    words = [fold(p) for p in parts if p]
    for ph in phones:
        words.extend(phone_forms(ph))
    return " ".join(w for w in words if w)


def customer_key(name: str | None, email: str | None, phone: str | None) -> str:
    return key_of(name, email, phones=(phone,))


def customer_terms(name: str | None, email: str | None, phone: str | None) -> set[str]:
    """What completion finds a customer by as a prefix: each word of the folded name (and its hyphen parts),
    the whole name, the email and its local part's pieces, each phone form."""
    out: set[str] = set()
    n = fold(name)
    if n:
        out.add(n)
        for w in n.split(" "):
            out.add(w)
            out.update(p for p in w.split("-") if p)
    e = fold(email)
    if e:
        out.add(e)
        local = e.split("@", 1)[0]
        out.update(p for p in local.replace("_", ".").replace("-", ".").split(".") if p)
    out.update(phone_forms(phone))
    return {t[:200] for t in out if t}


def product_key(sku: str | None, name: str | None) -> str:
    return key_of(sku, name)


def order_key(number: str | None, ref: str | None, name: str | None, email: str | None, phone: str | None, skus=()) -> str:
    return key_of(number, ref, name, email, *sorted({s for s in skus if s}), phones=(phone,))


def query_terms(text: str | None) -> list[str]:
    """The words of a typed query as they are looked for in a key.

    A word that is a phone number typed with spaces or dots (``06 53 31 21 94``) becomes its
    digits (``0653312194``); a leading ``+`` or ``00`` of an international number is dropped.
    """
    t = fold(text)
    if not t:
        return []
    stripped = t.replace(" ", "").replace(".", "").replace("-", "").replace("(", "").replace(")", "")
    if stripped.lstrip("+").isdigit() and sum(ch.isdigit() for ch in stripped) >= 3:
        digits = stripped.lstrip("+")
        if stripped.startswith("+") or digits.startswith("00"):
            digits = digits[2:] if digits.startswith("00") else digits
        return [digits]
    return t.split(" ")


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def prefix_range(term: str) -> tuple[str, str]:
    """``(lo, hi)`` such that ``lo <= key < hi`` holds exactly for keys starting with ``term`` (byte/code point order)."""
    return term, term + MAX_CHAR


def rank(key: str, terms: list[str]) -> int:
    """0 exact, 1 the key starts with the query, 2 a word starts with it, 3 contained."""
    q = " ".join(terms)
    if not q:
        return 3
    words = key.split(" ")
    if key == q or q in words:
        return 0
    if key.startswith(q):
        return 1
    if any(w.startswith(terms[0]) for w in words):
        return 2
    return 3
