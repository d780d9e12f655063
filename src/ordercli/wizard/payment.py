"""The wizard's Payment step, after "Create this order?": how the sale is paid.

The store's payment methods (``payment.methods``, by label) plus "Later (awaiting
payment)" for phone orders, and "Back". Cash asks "Cash received" and shows the change;
any method can take part of what is due, then the step asks for the rest (a split
payment). It only collects answers: a list of :class:`~ordercli.services.payments.PaymentIn`
that the stall loop hands to ``services.payments.sell`` with the order, in one transaction.

Keys: Enter picks; Esc or "Back" goes back one step (from the first menu: to the
review; later: drops the last payment taken); Ctrl-C / Ctrl-D cancel.
"""

from __future__ import annotations

from ordercli.i18n import N_, _
from ordercli.wizard.confirm import BACK, BACK_LABEL, menu, text

LATER = "__later__"
LATER_LABEL = N_("Later (awaiting payment)")
LATER_REST_LABEL = N_("Later (the rest stays due)")


def _say(markup: str) -> None:
    from ordercli import output

    output.message(markup)


def ask_payment(settings, *, total: int, currency: str):
    """The payments for a sale of ``total``: a list of PaymentIn (empty: pay later), or :data:`BACK`."""
    import questionary

    from ordercli import output, payment_methods
    from ordercli.errors import InputError
    from ordercli.money import parse_money
    from ordercli.wizard.confirm import prompt_money as format_money
    from ordercli.services.payments import PaymentIn

    from ordercli.i18n import screen_locale

    # the store's methods, the default ones labelled in the screen's language
    methods = payment_methods.parse_setting(settings.get("payment.methods"), screen_locale())
    labels = {m.code: m.label for m in methods}
    taken: list[PaymentIn] = []

    def fmt(v: int) -> str:
        return format_money(v, currency)

    def due_now() -> int:
        return total - sum(p.amount or 0 for p in taken)

    while True:
        due = due_now()
        if due <= 0:
            return taken
        choices = [questionary.Choice(output.shown(m.label), value=m.code) for m in methods]
        choices.append(questionary.Choice(_(LATER_REST_LABEL if taken else LATER_LABEL), value=LATER))
        choices.append(questionary.Choice(_(BACK_LABEL), value=BACK))
        title = (_("Payment (%(due)s due):") if not taken else _("Payment of the rest (%(due)s due):")) % {"due": fmt(due)}
        pick = menu(title, choices, back=True).unsafe_ask()
        if pick is BACK:
            if not taken:
                return BACK
            last = taken.pop()
            _say("  " + _("Dropped the %(method)s payment of %(amount)s.") % {"method": output.escape(labels.get(last.method, last.method)), "amount": fmt(last.amount or 0)})
            continue
        if pick == LATER:
            return taken

        def money_or_all(t: str, what: str, due: int = due) -> int:
            return due if not t.strip() else parse_money(t, currency, what=what)

        if pick == "cash":

            def check_cash(t: str):
                try:
                    v = money_or_all(t, _("cash received"))
                except InputError as e:
                    return e.message
                return True if v > 0 else _("Give an amount above 0.")

            answer = text(_("Cash received (Enter for exactly %(due)s):") % {"due": fmt(due)}, back=True, validate=check_cash)
            if answer is BACK:
                continue
            tendered = money_or_all(answer, _("cash received"))
            amount = min(tendered, due)
            taken.append(PaymentIn(method="cash", amount=amount, tendered=tendered))
            if tendered >= due:
                _say("  [bold]" + _("Change to give back: %(change)s") % {"change": fmt(tendered - due)} + "[/bold]")
            else:
                _say("  " + _("Cash %(amount)s · %(due)s still due") % {"amount": fmt(amount), "due": fmt(due - amount)})
            continue

        label = labels.get(pick, pick)

        def check_amount(t: str, due=due):
            try:
                v = money_or_all(t, _("amount"))
            except InputError as e:
                return e.message
            if v <= 0:
                return _("Give an amount above 0.")
            if v > due:
                return _("At most %(due)s is due.") % {"due": fmt(due)}
            return True

        answer = text(_("Amount paid by %(method)s (Enter for all %(due)s):") % {"method": output.shown(label), "due": fmt(due)}, back=True, validate=check_amount)
        if answer is BACK:
            continue
        amount = money_or_all(answer, _("amount"))
        taken.append(PaymentIn(method=pick, amount=amount))
        if amount < due:
            _say("  " + _("%(method)s %(amount)s · %(due)s still due") % {"method": output.escape(label), "amount": fmt(amount), "due": fmt(due - amount)})
