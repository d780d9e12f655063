"""``--help`` in the screen's language.

The help texts stay plain English string literals in the command modules (``help="..."`` of
``typer.Option`` / ``typer.Argument`` / ``app.command`` / ``typer.Typer``, ``*_HELP = "..."``
constants, the docstrings of commands and callbacks), so nothing there is wrapped in ``_()``:

* **Extraction** (``pybabel extract``, ``babel.cfg``): ``ordercli/help_extract.py`` reads a
  ``cli/*.py`` file with ``ast`` and yields those texts as Typer/Click hold them at run time.
* **Run time**: every command of the tree gets :class:`ScreenContext` (``install``, called by the
  root group once per invocation; a few attribute writes). Only when a help page is printed
  (``-h`` / ``--help``, a group run without a subcommand) is the page's command — its help, its
  options' help, its subcommands' one-line help — translated with ``_()``, and the framework's
  words too (``Usage:``, ``Options``, ``[default: …]``, ``[required]``). English, the source
  language, is left untouched. No command pays for it when no help is shown.

The language is the screen's (``i18n.screen_locale``). A help page is printed before any store is
opened, so for ``--help`` the environment decides: ``ORDERCLI_LANG`` > ``LANGUAGE`` > ``LC_ALL``
> ``LANG`` (``store.locale`` is not read for it).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import typer

from ordercli.i18n import N_  # i18n is loaded at start-up anyway (errors.py); gettext only on a first translation


# Typer/Click's own words on a help page, translated by the formatter below.
FRAMEWORK_WORDS = (
    N_("Usage:"),
    N_("Arguments"),
    N_("Options"),
    N_("Commands"),
    N_("%(heading)s:"),
    N_("Show this message and exit."),
    N_("required"),
)
_EXTRA_WORDS = {"default": N_("default: %(value)s"), "env var": N_("env var: %(value)s")}  # Typer's "[default: table]"


def install(command) -> None:
    """Give ``command`` and every command under it :class:`ScreenContext` (once per invocation)."""
    command.context_class = ScreenContext
    for sub in (getattr(command, "commands", None) or {}).values():
        install(sub)


def _tr(text: str) -> str:
    from ordercli import i18n

    found = i18n._(text)
    if found == text and text != text.strip():  # an Argument's help is not cleaned by Typer
        import inspect

        cleaned = inspect.cleandoc(text)
        translated = i18n._(cleaned)
        if translated != cleaned:
            return translated
    return found


@contextmanager
def translated(ctx) -> Iterator[None]:
    """While formatting the help page of ``ctx.command``: its help, its parameters' help (the help
    option's too) and, for a group, its subcommands' help (their first line is listed) in the
    screen's language. The English texts are put back afterwards: a process may build the tree
    once and show help in several languages (the tests do)."""
    command = ctx.command
    objects = [(command, ("help", "short_help", "epilog"))]
    objects += [(param, ("help",)) for param in command.get_params(ctx)]
    list_commands = getattr(command, "list_commands", None)
    if list_commands is not None:
        subs = (command.get_command(ctx, name) for name in list_commands(ctx))
        objects += [(sub, ("help", "short_help")) for sub in subs if sub is not None]
    originals = []
    try:
        for obj, attrs in objects:
            for attr in attrs:
                value = getattr(obj, attr, None)
                if isinstance(value, str) and value:
                    originals.append((obj, attr, value))
                    setattr(obj, attr, _tr(value))
        yield
    finally:
        for obj, attr, value in reversed(originals):
            setattr(obj, attr, value)


class _ScreenFormatter(typer.Context.formatter_class):  # Click's HelpFormatter
    """Click's help formatter with its words in the screen's language."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        from ordercli import i18n

        super().write_usage(prog, args, f"{i18n._('Usage:')} " if prefix is None else prefix)

    def write_heading(self, heading: str) -> None:  # Click writes "Options:"; French says "Options :"
        from ordercli import i18n

        self.write(f"{'':>{self.current_indent}}{i18n._('%(heading)s:') % {'heading': i18n._(heading)}}\n")

    def write_dl(self, rows, *args, **kwargs) -> None:
        super().write_dl([(term, _extras(text)) for term, text in rows], *args, **kwargs)


def _extras(text: str) -> str:
    """``Output.  [default: table]`` -> ``Sortie.  [défaut : table]`` (the part Typer adds)."""
    from ordercli import i18n

    if not text.endswith("]"):
        return text
    head, sep, tail = text.rpartition("[")
    if sep and (not head or head.endswith("  ")):
        parts = []
        for part in tail[:-1].split("; "):
            if part == "required":
                part = i18n._("required")
            else:
                word, colon, value = part.partition(": ")
                if colon and word in _EXTRA_WORDS:
                    part = i18n._(_EXTRA_WORDS[word]) % {"value": value}
            parts.append(part)
        return f"{head}[{'; '.join(parts)}]"
    return text


class ScreenContext(typer.Context):
    """A Click context whose help page is in the screen's language."""

    def get_help(self) -> str:
        from ordercli import i18n

        if i18n.is_english():
            return super().get_help()
        self.formatter_class = _ScreenFormatter  # for this page only (usage errors keep Click's)
        try:
            with translated(self):
                return super().get_help()
        finally:
            del self.formatter_class
