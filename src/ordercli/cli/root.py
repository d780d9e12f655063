"""The ``ordercli`` command line: one Typer app per noun.

Start-up matters at a stall: this module and the noun modules import only
Typer and our light modules. Commands that live outside their noun's module
are plain functions, registered on their app below (and nowhere else). SQLAlchemy, SQLModel, questionary, rich and
Alembic are imported inside the commands that need them (a test guards it).
"""

from __future__ import annotations

import os
import sys
from typing import Optional

import typer
from typer.core import TyperGroup

from ordercli import __version__
import ordercli.cli._state as _state
from ordercli.cli import help_text as _help_text
from ordercli.cli import usage_errors as _usage_errors
from ordercli.errors import EXIT_CANCELLED, EXIT_REFUSED, EXIT_SAVED_BUT_FAILED, OrderCliError


_usage_errors.install()  # Click's usage errors in the screen's language


class _Group(TyperGroup):
    """Root group: maps our errors to messages and exit codes, for every subcommand; every
    command's help page speaks the screen's language (cli/help_text.py)."""

    context_class = _help_text.ScreenContext

    def make_context(self, info_name, args, parent=None, **extra):  # type: ignore[override]
        if parent is None:  # a new invocation
            from ordercli import i18n  # already loaded (errors.py): a new invocation reads the language again

            i18n.reset()  # `ordercli --help` runs no callback
            _help_text.install(self)
        return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx):  # type: ignore[override]
        try:
            return super().invoke(ctx)
        except (typer.Exit, typer.Abort):
            raise
        except BaseException as e:
            if _state.STATE.saved is not None and not isinstance(e, SystemExit):
                # The change is committed: whatever failed after it, never say "Nothing was saved".
                _saved_but(_failure_text(e))
                raise typer.Exit(EXIT_SAVED_BUT_FAILED) from None
            return self._refuse(e)

    def _refuse(self, e: BaseException):
        try:
            raise e
        except OrderCliError as e:
            from ordercli import output

            if e.exit_code == EXIT_CANCELLED:
                output.message(output.literal(e.message))
            else:
                from ordercli.cli.hints import hint_for

                output.error(e.message, e.hint or hint_for(e))  # services give facts; the hint is worded here
            raise typer.Exit(e.exit_code) from None
        except (KeyboardInterrupt, EOFError):  # Ctrl-C, or Ctrl-D at a prompt
            from ordercli import output

            from ordercli.i18n import _

            output.message(_("Cancelled, nothing saved."))
            raise typer.Exit(EXIT_CANCELLED) from None
        except BrokenPipeError:
            # The reader went away in the middle of a stream (`ordercli order export | head -1`):
            # stop quietly, like other Unix tools, with 128 + SIGPIPE. (Whole documents are
            # guarded in output.py, so the command can still report on stderr and exit with
            # its own code.)
            from ordercli import output

            output.stdout_gone()
            raise typer.Exit(EXIT_PIPE) from None
        except (typer.Exit, typer.Abort):
            raise
        except OSError as e:  # the output: a full disk, a closed stdout (nothing was committed, or we would not be here)
            if os.environ.get("ORDERCLI_DEBUG") == "1" or not e.strerror:
                raise
            from ordercli import output

            from ordercli.i18n import _

            output.error(_("The output could not be written: %(reason)s.") % {"reason": e.strerror}, _("Nothing was changed. Send the output somewhere it can be written."))
            raise typer.Exit(EXIT_REFUSED) from None
        except Exception as e:  # noqa: BLE001 - last line of defence: no tracebacks
            if os.environ.get("ORDERCLI_DEBUG") == "1" or e.__class__.__module__.startswith(("typer", "click")):
                raise
            from ordercli import output

            from ordercli.i18n import _

            text, unexpected = _describe(e)
            output.error(text, _("Nothing was saved. Run again with ORDERCLI_DEBUG=1 to see the details.") if unexpected else _("Nothing was saved."))
            raise typer.Exit(EXIT_REFUSED) from None


EXIT_PIPE = 141


def _failure_text(e: BaseException) -> str:
    from ordercli.i18n import _

    if isinstance(e, (KeyboardInterrupt, EOFError)):
        return _("the command was interrupted after saving")
    if isinstance(e, BrokenPipeError):
        return _("the output failed: the reader of the output went away")
    if isinstance(e, OrderCliError):
        return e.message
    if isinstance(e, OSError) and e.strerror:
        return _("the output failed: %(reason)s") % {"reason": e.strerror}
    text = str(e).strip().splitlines()
    return _("then it failed: %(reason)s") % {"reason": text[0] if text else type(e).__name__}


def _stdout_closed() -> str:
    from ordercli.i18n import _

    return _("the output failed: stdout is closed")


def _saved_but(reason: str) -> None:
    """Say on stderr what was saved and what failed after (exit 3: a script must not retry)."""
    from ordercli import output

    from ordercli.i18n import _

    saved = _state.STATE.saved or _("The change")
    try:
        output.error(
            _("%(saved)s was saved, but %(reason)s.") % {"saved": saved, "reason": reason},
            _("Do not run the command again: the change is in the store (see it with `ordercli order show`)."),
        )
    except Exception:  # noqa: BLE001 - stderr itself is gone: the exit code still says it
        pass


def _describe(e: Exception) -> tuple[str, bool]:
    """(the message, whether the error is unexpected)."""
    from ordercli.i18n import _

    text = str(getattr(e, "orig", None) or e).strip().splitlines()
    first = text[0] if text else type(e).__name__
    if getattr(getattr(e, "orig", None), "sqlstate", None) == "55P03":  # PostgreSQL lock_not_available (db.py's lock_timeout)
        if " orders" in f" {getattr(e, 'statement', '') or ''}".replace("\n", " ").lower():
            return _("Another till holds this order; try again in a moment."), False
        return _("Another till holds this record; try again in a moment."), False
    if "database is locked" in first:
        return _("The store is busy (another till is writing). Try again in a moment."), False
    if "unique constraint" in first.lower() or "duplicate key" in first.lower():
        return _("Another till saved the same record at the same moment. Run the command again."), False
    if "readonly database" in first or "read-only" in first:
        return _("The store is read-only: check the permissions of the store file and its folder (--db / ORDERCLI_DB)."), False
    return _("Unexpected error: %(error)s") % {"error": first}, True


app = typer.Typer(
    cls=_Group,
    name="ordercli",
    help="A command-line order desk for small merchants.\n\nExample: ordercli order create",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    context_settings={"help_option_names": ["-h", "--help"]},
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"ordercli {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    db: Optional[str] = typer.Option(
        None, "--db", envvar="ORDERCLI_DB", metavar="PATH|URL", help="Store: a SQLite file path or postgresql+psycopg://… (default: your data folder)."
    ),
    no_input: bool = typer.Option(False, "--no-input", help="Never prompt; missing values are errors."),
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
) -> None:
    """A command-line order desk for small merchants.

    Example: ordercli order create
    """
    _state.STATE.db = db
    _state.STATE.no_input = no_input
    _state.STATE.saved = None  # nothing committed yet by this invocation
    tills = sys.modules.get("ordercli.tills")
    if tills is not None:  # a --till NAME of an earlier invocation in this process (tests) does not carry over
        tills.use(None)
    _state.STATE.opened = None
    from ordercli import i18n
    from ordercli.files import text as _text

    i18n.reset()  # the screen language is read again for each invocation (env, then the store)
    i18n.set_store_locale_source(_state.stored_locale)
    _text.set_encoding_reporter(_say_encoding)


def _say_encoding(shown: str, encoding: str) -> None:
    from ordercli import output

    from ordercli.i18n import _

    output.message(output.escape(_("%(file)s: read as %(encoding)s.") % {"file": repr(shown), "encoding": encoding}))


import ordercli.cli.completion as _completion  # noqa: E402
import ordercli.cli.config as _config  # noqa: E402
import ordercli.cli.customer as _customer  # noqa: E402
import ordercli.cli.order as _order  # noqa: E402
import ordercli.cli.order_after as _order_after  # noqa: E402
import ordercli.cli.order_batch as _order_batch  # noqa: E402
import ordercli.cli.order_notify as _order_notify  # noqa: E402
import ordercli.cli.order_receipt as _order_receipt  # noqa: E402
import ordercli.cli.outbox as _outbox  # noqa: E402
import ordercli.cli.product as _product  # noqa: E402
import ordercli.cli.product_history as _product_history  # noqa: E402
import ordercli.cli.product_import as _product_import  # noqa: E402
import ordercli.cli.product_variants as _product_variants  # noqa: E402
import ordercli.cli.store as _store  # noqa: E402
import ordercli.cli.till as _till  # noqa: E402
import ordercli.cli.report as _report  # noqa: E402

# The commands that live outside their noun's module, registered here and only here
# (in the order `--help` lists them). Their modules define plain functions.
for _command, _help, _function in (
    ("edit", _order_after.EDIT_HELP, _order_after.edit),
    ("status", _order_after.STATUS_HELP, _order_after.status),
    ("cancel", _order_after.CANCEL_HELP, _order_after.cancel),
    ("pay", _order_after.PAY_HELP, _order_after.pay),
    ("refund", _order_after.REFUND_HELP, _order_after.refund),
    ("import", _order_batch.IMPORT_HELP, _order_batch.import_),
    ("export", _order_batch.EXPORT_HELP, _order_batch.export),
    ("notify", _order_notify.NOTIFY_HELP, _order_notify.notify),
    ("invoice", _order_notify.INVOICE_HELP, _order_notify.invoice),
    ("receipt", _order_receipt.RECEIPT_HELP, _order_receipt.receipt),
):
    _order.app.command(_command, help=_help)(_function)
_product.app.command("history", help=_product_history.HISTORY_HELP)(_product_history.history)
_product.app.command("import", help=_product_import.IMPORT_HELP)(_product_import.import_)
_product.app.add_typer(_product_variants.app, name="variant")

app.add_typer(_order.app, name="order")
app.add_typer(_product.app, name="product")
app.add_typer(_customer.app, name="customer")
app.add_typer(_config.app, name="config")
app.add_typer(_store.app, name="store")
app.add_typer(_till.app, name="till")
app.add_typer(_report.app, name="report")
if hasattr(_outbox, "app"):
    app.add_typer(_outbox.app, name="outbox")
app.command("completion", help=_completion.COMPLETION_HELP)(_completion.completion)


def main() -> None:
    if os.environ.get(_completion.COMPLETE_VAR):  # the shell asking for completions: answer and leave
        sys.exit(_completion.main(app))
    code: int | str | None = 0
    try:
        app(prog_name="ordercli")
    except SystemExit as e:  # Typer/click always end with one
        code = e.code
    finally:
        # Leaving the interpreter garbage-collects every object SQLAlchemy, pydantic and Typer
        # made: ~150 ms at the end of `order list` (docs/benchmarks.md). Close the store's
        # connections ourselves (SQLite folds its WAL back into the file on close), then
        # exempt everything else from collection: the process is ending.
        import gc

        db = sys.modules.get("ordercli.db")
        if db is not None:
            db.dispose_all()
        gc.freeze()
    from ordercli import output

    try:
        if sys.stdout is not None:
            sys.stdout.flush()  # what is still buffered, while we can still tell a closed pipe
    except BrokenPipeError:
        output.stdout_gone()
    except (OSError, ValueError) as e:  # stdout closed or unusable (cron, `>&-`, /dev/full)
        if _state.STATE.saved is not None and code in (0, None):
            _saved_but(_failure_text(e) if isinstance(e, OSError) else _stdout_closed())
            code = EXIT_SAVED_BUT_FAILED
    if output.stdout_closed() and _state.STATE.saved is not None and code in (0, None):
        _saved_but(_stdout_closed())
        code = EXIT_SAVED_BUT_FAILED
    if output.pipe_closed() and code in (0, None):
        if _state.STATE.saved is not None:
            _saved_but(_failure_text(BrokenPipeError()))
            code = EXIT_SAVED_BUT_FAILED
        else:
            code = EXIT_PIPE  # the output was cut short; a command that failed keeps its own code
    sys.exit(code)
