"""Confirmation prompts of the commands that change or import (cancel, refund, import).

questionary is imported inside each prompt: the commands import this module
only when they are about to ask.
"""

from __future__ import annotations

from ordercli.cli._state import can_prompt
from ordercli.errors import InputError


def confirm(message: str, default: bool = True) -> bool:
    """A yes/no question (Ctrl-C raises KeyboardInterrupt: "Cancelled, nothing saved.")."""
    import questionary

    return bool(questionary.confirm(message, default=default).unsafe_ask())


def confirm_change(question: str, *, yes: bool, what: str, flag_hint: str) -> bool:
    """True to go ahead. On a terminal ask (default no); elsewhere --yes is required."""
    if yes:
        return True
    if not can_prompt():
        raise InputError(f"{what} needs confirmation.", f"Add --yes to {flag_hint} without a terminal.")
    return confirm(question, default=False)


def choose(question: str, choices: list[str], default: str) -> str | None:
    """One of ``choices`` (a select menu)."""
    import questionary

    return questionary.select(question, choices=choices, default=default).unsafe_ask()
