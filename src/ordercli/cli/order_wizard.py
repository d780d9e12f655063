"""Runs the order wizard at a stall: collect → review → confirm → place → next order."""

from __future__ import annotations

import copy


def run_wizard(engine, draft, *, settings, dry_run: bool, yes: bool, fmt: str) -> None:
    from ordercli import db as dbmod
    from ordercli import output, wizard
    from ordercli.cli import _render, _state
    from ordercli.cli.order import announce
    from ordercli.errors import OrderCliError
    from ordercli.services import orders

    queries = wizard.Queries(engine)
    template = copy.deepcopy(draft)  # flags given on the command line apply to every order
    while True:
        draft = wizard.collect_order(queries, settings, copy.deepcopy(template))
        while True:
            try:
                with dbmod.read_session(engine) as s:
                    priced = orders.preview_order(s, copy.deepcopy(draft))
            except OrderCliError as e:
                # e.g. the discount is larger than the subtotal: say so and let the person fix it.
                output.error(e.message, e.hint)
                draft = wizard.ask_extras(draft, settings)
                continue
            _render.render_priced(priced, stderr=True)
            short = priced.shortages()
            if short:
                output.warn("not enough stock now for " + "; ".join(f"{sku} (asked {a}, available {v})" for sku, a, v in short) + ".")
            break
        if dry_run:
            output.message("Dry run: nothing saved.")
        else:
            if priced.draft.customer.email and template.notify_customer:
                draft.notify_customer = wizard.confirm(f"Email the order confirmation to {priced.draft.customer.email}?", default=True)
            if not yes and not wizard.confirm("Create this order?", default=True):
                output.message("Not created. Nothing saved.")
            else:
                try:
                    with dbmod.write_session(engine) as s:
                        placed = orders.place_order(s, draft)
                        number = placed.order.number
                except OrderCliError as e:
                    # Stock may have gone meanwhile (another till): nothing was saved; say so and go on.
                    output.error(e.message, e.hint)
                else:
                    _state.after_write(engine)
                    if fmt == "json":
                        from ordercli import serialize

                        with dbmod.read_session(engine) as s:
                            d = orders.order_detail(s, number)
                        output.print_json(serialize.order_dict(d.order, d.lines, d.surcharges, events=d.events))
                    # The review already showed the lines and totals: one line is enough at a busy stall.
                    announce(placed)
        if not wizard.confirm("Start the next order?", default=True):
            return
