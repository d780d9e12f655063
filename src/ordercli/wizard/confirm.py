"""The keys every prompt shares, and the confirmation prompts of the commands that change or import.

* every yes/no question waits for Enter: "y" then Enter answers that one question, and
  nothing typed for it spills into the next prompt;
* Ctrl-C and Ctrl-D cancel at every prompt, arrow-key menus included (KeyboardInterrupt /
  EOFError: "Cancelled, nothing saved.", exit 130);
* Esc goes back one step where the prompt offers it (``back=True``: the prompt returns
  :data:`BACK`), as does an explicit "Back" choice in the menus.

questionary is imported inside each prompt: the commands import this module
only when they are about to ask.
"""

from __future__ import annotations

from ordercli.cli._state import can_prompt
from ordercli.errors import InputError
from ordercli.i18n import N_, _


class _Back:
    """What a prompt returns when the person goes back one step (Esc, or the "Back" choice)."""

    def __repr__(self) -> str:
        return "BACK"


BACK = _Back()
BACK_LABEL = N_("Back")  # translated where shown: _(BACK_LABEL)


def prompt_money(minor: int, currency: str, locale: str | None = None) -> str:
    """Money in a prompt or a menu: the screen's format with plain spaces (``1 250,00 €``).

    prompt_toolkit underlines no-break spaces, which babel puts in French amounts.
    """
    from ordercli.money import format_money

    return format_money(minor, currency, locale).replace("\u202f", " ").replace("\xa0", " ")


def guarded(question, *, back: bool = False):
    """``question`` (a questionary Question) with Ctrl-D cancelling and, if ``back``, Esc returning :data:`BACK`."""
    from prompt_toolkit.key_binding import KeyBindings, merge_key_bindings
    from prompt_toolkit.keys import Keys

    extra = KeyBindings()

    @extra.add(Keys.ControlD, eager=True)
    def _eof(event):
        event.app.exit(exception=EOFError, style="class:aborting")

    if back:

        @extra.add(Keys.Escape)  # not eager: an arrow key's escape sequence still moves the cursor
        def _back(event):
            event.app.exit(result=BACK)

    app = question.application
    app.key_bindings = merge_key_bindings([app.key_bindings, extra]) if app.key_bindings is not None else extra
    return question


def ask(question, *, back: bool = False):
    """Run ``question``: its answer, :data:`BACK`, or KeyboardInterrupt / EOFError (cancel)."""
    return guarded(question, back=back).unsafe_ask()


def choices(values: list[str]) -> list:
    """Menu entries in the screen's language; the value picked stays the English key."""
    import questionary

    return [questionary.Choice(_(v), value=v) for v in values]


def menu(message: str, choices: list, *, default=None, back: bool = False, **kwargs):
    """An arrow-key menu (questionary.select) that Ctrl-D cancels and, with ``back``, Esc leaves (:data:`BACK`).

    Returns the Question: call ``.unsafe_ask()`` on it as on any questionary prompt.
    """
    import questionary

    return guarded(questionary.select(message, choices=choices, default=default, **kwargs), back=back)


def text(message: str, *, back: bool = False, **kwargs):
    """A text prompt (questionary.text); with ``back``, Esc leaves it (:data:`BACK`). Returns the answer."""
    import questionary

    return ask(questionary.text(message, **kwargs), back=back)


def confirm(message: str, default: bool = True, *, back: bool = False):
    """A yes/no question that waits for Enter ("y" alone answers nothing yet).

    Ctrl-C / Ctrl-D raise (cancel); with ``back``, Esc returns :data:`BACK`.
    """
    import questionary

    from ordercli.i18n import is_english

    if not is_english():  # "o"/"oui"/"n"/"non" (and y/n): a typed answer, Enter confirms it
        return _confirm_typed(message, default, back=back)
    answer = ask(questionary.confirm(message, default=default, auto_enter=False), back=back)
    return answer if answer is BACK else bool(answer)


#: answers understood in every language (the translated words of the screen are added)
_YES = {"y", "yes"}
_NO = {"n", "no"}


def _yes_no_words() -> tuple[set[str], set[str]]:
    # Translators: the short and long "yes" typed at a yes/no prompt, separated by a slash
    yes = {w.strip().lower() for w in _("y/yes").split("/") if w.strip()}
    # Translators: the short and long "no" typed at a yes/no prompt, separated by a slash
    no = {w.strip().lower() for w in _("n/no").split("/") if w.strip()}
    return _YES | yes, _NO | no


def parse_yes_no(answer: str, default: bool) -> bool | None:
    """``o``/``oui``/``y``/``yes`` -> True, ``n``/``non``/``no`` -> False, empty -> ``default``, else None."""
    a = (answer or "").strip().lower()
    if not a:
        return default
    yes, no = _yes_no_words()
    if a in yes:
        return True
    if a in no:
        return False
    return None


def _confirm_typed(message: str, default: bool, *, back: bool):
    import questionary

    # Translators: the hint after a yes/no question, the default in capitals
    hint = _("(Y/n)") if default else _("(y/N)")

    def check(t: str):
        return True if parse_yes_no(t, default) is not None else _("Answer y (yes) or n (no).")

    answer = ask(questionary.text(f"{message} {hint}", validate=check), back=back)
    if answer is BACK:
        return BACK
    return bool(parse_yes_no(answer, default))


def confirm_change(question: str, *, yes: bool, what: str, flag_hint: str) -> bool:
    """True to go ahead. On a terminal ask (default no); elsewhere --yes is required."""
    if yes:
        return True
    if not can_prompt():
        raise InputError(_("%(what)s needs confirmation.") % {"what": what}, _("Add --yes to %(action)s without a terminal.") % {"action": flag_hint})
    return confirm(question, default=False)


def choose(question: str, choices: list[str], default: str) -> str | None:
    """One of ``choices`` (a select menu)."""
    return menu(question, choices, default=default).unsafe_ask()
