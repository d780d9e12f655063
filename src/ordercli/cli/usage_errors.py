"""Click's usage errors (a mistyped option, a missing argument, a bad choice) in the screen's language.

Typer's Click prints them itself (``UsageError.show``) with English literals: ``Usage: …``,
``Try 'ordercli order list -h' for help.``, ``Error: No such option: --nom``. :func:`install`
puts :func:`show` in its place once per process: in English it calls Click's own method (the
output stays byte for byte what Click writes); in another language it writes the same three
parts through ``_()``, the error worded from the exception's facts (the option, the parameter,
the value). A message it does not know is shown as Click wrote it.
"""

from __future__ import annotations

import re
from typing import Any

from typer._click import exceptions as _exc

from ordercli.i18n import N_

_ORIGINAL_SHOW = _exc.UsageError.show

# The inner messages of Click / Typer / pydantic that come through BadParameter and ctx.fail.
_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(?:Value error, )?(?P<value>'.*') is not one of (?P<choices>.+?)\.?$"), N_("%(value)s is not one of %(choices)s.")),
    (re.compile(r"^Input should be a valid integer.*$"), N_("a whole number is expected.")),
    (re.compile(r"^Input should be a valid number.*$"), N_("a number is expected.")),
    (re.compile(r"^Input should be a valid boolean.*$"), N_("true or false is expected.")),
    (re.compile(r"^No such command (?P<name>'.*')\.(?: Did you mean (?P<close>'.*')\?)?$"), ""),  # below
    (re.compile(r"^Got unexpected extra argument\(s\) \((?P<args>.*)\)$"), N_("Unexpected extra argument(s): %(args)s.")),
    (re.compile(r"^Option (?P<name>'.*') requires an argument\.$"), N_("Option %(name)s needs a value.")),
    (re.compile(r"^Option (?P<name>'.*') requires (?P<n>\d+) arguments\.$"), N_("Option %(name)s needs %(n)s values.")),
    (re.compile(r"^No such option: (?P<name>.+)$"), N_("No such option: %(name)s")),
    (re.compile(r"^Missing command\.$"), N_("Missing command.")),
)


def _inner(message: str) -> str:
    from ordercli.i18n import _

    for pattern, text in _PATTERNS:
        m = pattern.match(message)
        if not m:
            continue
        facts = m.groupdict()
        if "close" in facts:  # No such command
            said = _("No such command %(name)s.") % {"name": facts["name"]}
            return said + (" " + _("Did you mean %(name)s?") % {"name": facts["close"]} if facts["close"] else "")
        return _(text) % facts
    return message


def _hint_of(e: Any) -> str:
    hint = e.param_hint if e.param_hint is not None else (e.param.get_error_hint() if e.param is not None else None)
    return _exc._join_param_hints(hint) if hint else ""


def message(e: Any) -> str:
    """The error of ``e`` (a Click UsageError) in the screen's language."""
    from ordercli.i18n import _

    if isinstance(e, _exc.MissingParameter):
        hint = _hint_of(e)
        kind = e.param_type or (e.param.param_type_name if e.param is not None else "parameter")
        text = {
            "argument": _("Missing argument %(name)s."),
            "option": _("Missing option %(name)s."),
        }.get(kind, _("Missing parameter %(name)s.")) % {"name": hint}
        return f"{text} {_inner(e.message)}" if e.message else text
    if isinstance(e, _exc.BadParameter):
        hint = _hint_of(e)
        inner = _inner(e.message)
        return _("Invalid value for %(name)s: %(message)s") % {"name": hint, "message": inner} if hint else _("Invalid value: %(message)s") % {"message": inner}
    if isinstance(e, _exc.NoSuchOption):
        text = _inner(e.message)
        if e.possibilities:
            text += " " + _("(Possible options: %(options)s)") % {"options": ", ".join(sorted(e.possibilities))}
        return text
    return _inner(e.format_message())


def show(self: Any, file: Any = None) -> None:
    from ordercli import i18n

    if i18n.is_english():
        return _ORIGINAL_SHOW(self, file)
    _ = i18n._
    if file is None:
        file = _exc.get_text_stderr()
    color = None
    hint = ""
    if self.ctx is not None and self.ctx.command.get_help_option(self.ctx) is not None:
        hint = _("Try '%(command)s' for help.") % {"command": f"{self.ctx.command_path} {self.ctx.help_option_names[0]}"} + "\n"
    if self.ctx is not None:
        color = self.ctx.color
        usage = self.ctx.get_usage()
        if usage.startswith("Usage:"):
            usage = _("Usage:") + usage[len("Usage:") :]
        _exc.echo(f"{usage}\n{hint}", file=file, color=color)
    _exc.echo(f"{_('Error:')} {message(self)}", file=file, color=color)


def install() -> None:
    _exc.UsageError.show = show  # type: ignore[method-assign]
