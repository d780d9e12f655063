"""Languages: gettext catalogs (Babel) for the screen and for a customer's documents.

* ``_("text")`` / ``ngettext(one, many, n)`` translate into the **screen language**, which is the
  first of: ``ORDERCLI_LANG`` (per till), ``LANGUAGE``, ``LC_ALL``, the store's ``store.locale``
  when it is set, ``LANG``, else ``en_US``. ``C`` / ``POSIX`` values are skipped.
* ``gettext_for(locale)`` gives the translator of a customer's or a document's language (emails,
  invoices): ``t.gettext(...)``, ``t.ngettext(...)``.
* ``N_("text")`` marks a string for extraction without translating it (tables of words).

Catalogs live in ``ordercli/locale/<lang>/LC_MESSAGES/ordercli.mo``, compiled from the ``.po`` files
when the package is built (``setup.py``); see docs/translations.md. Importing this module costs
nothing: ``gettext`` is loaded on the first translation, translators and the screen locale are
cached.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

DOMAIN = "ordercli"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LOCALE = "en_US"

_translators: dict[str, object] = {}
_screen: str | None = None
_store_locale: str | None = None
_store_source: Callable[[], str | None] | None = None

_LOCALE_RE = re.compile(r"^([a-zA-Z]{2,3})(?:[_-]([a-zA-Z]{2}|\d{3}))?(?:[.@].*)?$")


def normalize(value: str | None) -> str | None:
    """``fr_FR.UTF-8`` -> ``fr_FR``, ``fr-fr`` -> ``fr_FR``, ``fr`` -> ``fr``; ``C``/``POSIX``/junk -> None."""
    if not value:
        return None
    m = _LOCALE_RE.match(value.strip())
    if not m:
        return None
    lang, region = m.group(1).lower(), m.group(2)
    if lang in ("c",):
        return None
    return f"{lang}_{region.upper()}" if region else lang


def _env(name: str) -> str | None:
    raw = os.environ.get(name, "")
    if name == "LANGUAGE":  # a priority list: fr:en
        for part in raw.split(":"):
            found = normalize(part)
            if found:
                return found
        return None
    return normalize(raw)


def note_store_locale(value: str | None) -> None:
    """The store's ``store.locale`` when it is set (read with the settings); resets the screen cache."""
    global _store_locale, _screen
    found = normalize(value)
    if found != _store_locale:
        _store_locale = found
        _screen = None


def set_store_locale_source(source: Callable[[], str | None] | None) -> None:
    """A function reading the stored ``store.locale`` (or None), called at most once, and only
    when no environment variable above it decides the screen language."""
    global _store_source, _screen
    _store_source = source
    _screen = None


def _stored() -> str | None:
    global _store_source
    if _store_locale is None and _store_source is not None:
        source, _store_source = _store_source, None
        try:
            value = source()
        except Exception:  # noqa: BLE001 - a store that cannot be read leaves the language to LANG
            value = None
        note_store_locale(value)
    return _store_locale


def screen_locale() -> str:
    """The screen's locale (cached): ORDERCLI_LANG > LANGUAGE > LC_ALL > store.locale > LANG > en_US."""
    global _screen
    if _screen is None:
        found = _env("ORDERCLI_LANG") or _env("LANGUAGE") or _env("LC_ALL")
        if found is None:
            found = _stored() or _env("LANG")
        _screen = found or DEFAULT_LOCALE
    return _screen


def reset() -> None:
    """Forget the cached screen locale and store locale (tests, a long-lived process)."""
    global _screen, _store_locale, _store_source
    _screen = None
    _store_locale = None
    _store_source = None


def language(locale: str | None) -> str:
    """``fr_FR`` -> ``fr``."""
    return (normalize(locale) or DEFAULT_LOCALE).split("_")[0]


def is_english(locale: str | None = None) -> bool:
    return language(locale or screen_locale()) == "en"


def gettext_for(locale: str | None):
    """The translator (``gettext.NullTranslations`` subclass) of ``locale``; English when None or unknown."""
    key = normalize(locale) or DEFAULT_LOCALE
    t = _translators.get(key)
    if t is None:
        import gettext

        lang = key.split("_")[0]
        t = gettext.translation(DOMAIN, str(LOCALE_DIR), languages=[key, lang], fallback=True)
        _translators[key] = t
    return t


def _(message: str) -> str:
    return gettext_for(screen_locale()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return gettext_for(screen_locale()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """``_()`` with a context, for a word that reads differently elsewhere ("refund" the kind, "refund" the verb)."""
    return gettext_for(screen_locale()).pgettext(context, message)


def N_(message: str) -> str:
    """Mark for extraction only: the text is translated where it is shown."""
    return message


def available() -> list[str]:
    """Languages with a compiled catalog (besides English, the source language)."""
    if not LOCALE_DIR.is_dir():
        return []
    return sorted(p.name for p in LOCALE_DIR.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").is_file())
