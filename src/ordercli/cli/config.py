"""``ordercli config …``: settings shared by every till (stored in the store)."""

from __future__ import annotations

import typer

from ordercli.cli._state import ShowFormat
from ordercli.i18n import _

app = typer.Typer(help="Store settings shared by all tills.\n\nExample: ordercli config set store.name 'Hilltop Pottery'", no_args_is_help=True, rich_markup_mode=None)


@app.command("show", help="Show every setting.\n\nExample: ordercli config show --format json")
def show(fmt: ShowFormat = typer.Option(ShowFormat.table, "--format", help="table or json.")) -> None:
    from ordercli import db as dbmod
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import config

    with dbmod.read_session(_state.engine()) as s:
        rows = config.all_values(s)
    if fmt == ShowFormat.json:
        output.print_json({k: v for k, v, _set, _about in rows})
        return
    output.table(
        [_("Key"), _("Value"), _("About")],
        [(k, v if is_set else _("%(value)s (default)") % {"value": v} if v else _("(default: empty)"), h) for k, v, is_set, h in rows],
    )


@app.command("get", help="Print one setting.\n\nExample: ordercli config get store.currency")
def get(key: str = typer.Argument(..., help="Setting name, e.g. store.currency.")) -> None:
    from ordercli import db as dbmod
    import ordercli.cli._state as _state
    from ordercli.services import config

    with dbmod.read_session(_state.engine()) as s:
        typer.echo(config.get_value(s, key))


@app.command("set", help="Change one setting for every till.\n\nExample: ordercli config set order.prefix FAIR-")
def set_(key: str = typer.Argument(..., help="Setting name."), value: str = typer.Argument(..., help="New value.")) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import config

    with _state.unit_of_work(_state.engine()) as uow:
        stored = config.set_value(uow.session, key, value)
        uow.commit(saved=_("Setting %(key)s") % {"key": key})
    output.success(f"{key} = {output.escape(stored)!s}")


@app.command("unset", help="Go back to a setting's default.\n\nExample: ordercli config unset store.email")
def unset(key: str = typer.Argument(..., help="Setting name.")) -> None:
    from ordercli import output
    import ordercli.cli._state as _state
    from ordercli.services import config

    with _state.unit_of_work(_state.engine()) as uow:
        config.unset_value(uow.session, key)
        uow.commit(saved=_("Setting %(key)s") % {"key": key})
    output.success(_("%(key)s is back to its default.") % {"key": key})
