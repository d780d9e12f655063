"""Rendering: stdout carries data, stderr carries messages.

Tables are drawn with rich on a terminal; when stdout is not a terminal (a
pipe, a file) they lose colour and boxes. ``NO_COLOR`` is respected (rich
reads it). JSON goes to stdout only, with money as decimal strings.
"""

from __future__ import annotations

import json
import re
import sys
from typing import Any, Iterable, Sequence


def _console(stderr: bool = False):
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # rich's default exits 1 on the spot; ours carries on (see stdout_gone)
            self.quiet = True
            if not stderr:
                stdout_gone()

    stream = sys.stderr if stderr else data_stream()
    term = is_terminal(stream)
    # Off a terminal (pipes, files) never wrap: one record per line for grep and friends.
    return _Console(file=stream, highlight=False, width=None if term else 4096, soft_wrap=not term)


_STDOUT_CLOSED = False


def data_stream():
    """Where data goes: stdout, or a sink when stdout was closed (`>&-`), which is remembered.

    A command that only read still succeeds (nothing lost but output nobody can see); one that
    saved a change then exits 3 (``cli.main``): its output, e.g. the change to give back, is lost.
    """
    global _STDOUT_CLOSED
    if sys.stdout is None:
        import io

        _STDOUT_CLOSED = True
        return io.StringIO()
    return sys.stdout


def stdout_closed() -> bool:
    return _STDOUT_CLOSED


def out_console():
    return _console(False)


def err_console():
    return _console(True)


def is_terminal(stream=None) -> bool:
    stream = stream or sys.stdout
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


# Characters that must never reach a terminal as themselves: C0 controls (ESC, BEL, CR…), DEL, C1
# controls (CSI, OSC… as single code points) and the Unicode bidi embeddings/overrides/isolates.
# Tab and newline are kept: they lay text out but cannot start an escape sequence.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(m: re.Match) -> str:
    n = ord(m.group())
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}"


def shown(text: Any) -> str:
    """Stored text as it may be shown on a screen: control characters, terminal escape sequences
    and bidi overrides made visible (``\\x1b``, ``\\u202e``), everything else as it is.

    The one function for text people typed (names, notes, SKUs…) on its way to a terminal; rich
    markup is a separate concern: ``escape`` for markup strings, ``literal`` for plain ``Text``.
    Machine formats (JSON, CSV) keep the exact stored text and never call it.
    """
    s = "" if text is None else str(text)
    return _UNSAFE.sub(_visible, s)


def literal(text: Any, style: str = "") -> "Text":  # noqa: F821 (rich imported lazily)
    """Stored text as a plain rich ``Text``: never parsed as markup, controls made visible."""
    from rich.text import Text

    return Text(shown(text), style=style)


def escape(text: Any) -> str:
    """Stored text for a rich markup string: markup escaped, controls made visible (``shown``)."""
    from rich.markup import escape as _esc

    return _esc(shown(text))


class Markup(str):
    """A table cell, title or caption meant as rich markup (every other str is shown literally)."""


def _cell(value: Any):
    from rich.text import Text

    if isinstance(value, Markup):
        return Text.from_markup(value)
    if hasattr(value, "__rich_console__") or isinstance(value, Text):
        return value
    return literal(value)


def message(text: Any, *, style: str | None = None) -> None:
    """A message for the person (stderr). A ``str`` is rich markup: escape stored text in it with
    ``escape``; a rich ``Text`` (e.g. from ``literal``) is printed as it is."""
    err_console().print(text, style=style)


def success(text: str) -> None:
    message(f"[green]✓[/green] {text}")


def warn(text: str) -> None:
    from ordercli.i18n import _

    label = escape(_("Warning:"))
    message(f"[yellow]{label}[/yellow] {text}")


def error(text: str, hint: str | None = None) -> None:
    from ordercli.i18n import _

    con = err_console()
    label = escape(_("Error:"))
    con.print(f"[bold red]{label}[/bold red] {escape(text)}")
    if hint:
        con.print(escape(hint), style="dim" if con.is_terminal else None)


_PIPE_CLOSED = False


def stdout_gone() -> None:
    """The reader of stdout went away (`| head`): point stdout at /dev/null and remember it.

    The command goes on (its messages on stderr, its own exit code); a command
    that would have succeeded then exits with 141 (128 + SIGPIPE), see ``cli.main``.
    """
    global _PIPE_CLOSED
    _PIPE_CLOSED = True
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # not a real file (tests): nothing to flush
        pass


def pipe_closed() -> bool:
    return _PIPE_CLOSED


def print_json(data: Any) -> None:
    try:
        out = data_stream()
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
        out.flush()
    except BrokenPipeError:
        stdout_gone()


def print_csv(header: Sequence[str], rows: Iterable[Sequence[Any]], dialect: str = "csv") -> None:
    """CSV on stdout in a spreadsheet dialect (``files/spreadsheet.py``: csv, excel, excel-fr)."""
    from ordercli.files.spreadsheet import SheetWriter

    try:
        w = SheetWriter(data_stream(), dialect)
        w.writerow(header)
        w.writerows(rows)
        data_stream().flush()
    except BrokenPipeError:
        stdout_gone()


def safe_cell(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV injection): prefix with a quote."""
    from ordercli.files.spreadsheet import safe_cell as _safe

    return _safe(value)


def local_date(dt, locale: str | None = None) -> str:
    """A day on screen in the screen's locale: ``01/12/2026`` in French, ``2026-12-01`` in English."""
    if dt is None:
        return ""
    from datetime import datetime

    from ordercli import i18n

    loc = locale or i18n.screen_locale()
    local = dt.astimezone() if isinstance(dt, datetime) else dt
    if i18n.is_english(loc):
        return local.strftime("%Y-%m-%d")
    if loc in ("fr", "fr_FR", "fr_MC", "fr_LU"):  # CLDR's dd/MM/y, without loading babel (test_i18n checks)
        return local.strftime("%d/%m/%Y")
    try:
        from babel.dates import format_date

        return format_date(local, format="short", locale=loc)
    except Exception:  # noqa: BLE001 - unknown locale: ISO
        return local.strftime("%Y-%m-%d")


def local_datetime(dt, locale: str | None = None) -> str:
    """A moment (stored in UTC) on screen in local time: ``01/12/2026 14:05`` in French,
    ``2026-12-01 14:05`` in English."""
    if dt is None:
        return ""
    local = dt.astimezone()
    return f"{local_date(local, locale)} {local.strftime('%H:%M')}"


def table(
    columns: Sequence[str | tuple[str, str]],
    rows: Iterable[Sequence[Any]],
    *,
    title: str | None = None,
    caption: str | None = None,
    stderr: bool = False,
    show_header: bool = True,
):
    """Print a table. ``columns`` items are names or (name, justify).

    Every cell, the title and the caption are shown literally (``literal``): stored text is data.
    Only a ``Markup`` string or a rich renderable (e.g. ``status_text``) is styled.
    """
    from rich import box
    from rich.table import Table

    con = _console(stderr)
    term = con.is_terminal
    t = Table(
        title=None if title is None else _annotation(title, "table.title"),
        caption=None if caption is None else _annotation(caption, "table.caption"),
        box=box.SIMPLE_HEAD if term else None,
        show_edge=False,
        pad_edge=False,
        header_style="bold" if term else "",
        caption_justify="left",
        show_header=show_header,
    )
    for col in columns:
        name, justify = (col, "left") if isinstance(col, str) else col
        t.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for r in rows:
        t.add_row(*[_cell(c) for c in r])
    try:
        con.print(t)
    except BrokenPipeError:
        if stderr:
            raise
        stdout_gone()


def _annotation(text: Any, style: str):
    if isinstance(text, Markup):
        from rich.text import Text

        return Text.from_markup(text, style=style)
    return text if hasattr(text, "__rich_console__") else literal(text, style=style)


def status_text(status: str):
    """A coloured status for tables (plain text when not a terminal)."""
    from rich.text import Text

    from ordercli.statuses import words

    colours = {
        "AWAITING_PAYMENT": "yellow",
        "PAID": "green",
        "CANCELLED": "red",
        "REFUNDED": "magenta",
        "PARTIALLY_REFUNDED": "magenta",
        "INCOMPLETE": "red",
        "AWAITING_PROCESSING": "yellow",
        "PROCESSING": "cyan",
        "SHIPPED": "blue",
        "DELIVERED": "green",
        "WILL_NOT_DELIVER": "red",
        "RETURNED": "magenta",
        "READY_FOR_PICKUP": "cyan",
        "OUT_FOR_DELIVERY": "blue",
    }
    return Text(words(status), style=colours.get(status, ""))
