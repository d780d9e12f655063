"""``order import``: check a whole order file, then place its orders, committing per chunk.

Each order of the file (:mod:`~ordercli.services.order_file`) becomes the same
:class:`~ordercli.domain.OrderDraft` the wizard and the flags build
(:mod:`~ordercli.services.order_draft`) and goes through
:func:`ordercli.services.orders.place_order` (same validation, pricing, stock,
statuses, events and notifications) with ``door="import"`` and
``external_ref=order_ref``.

Two passes over the file:

1. :func:`check_file` parses and validates every order (text, contacts,
   amounts, SKUs, pricing) and simulates stock for the whole file against the
   current stock, without writing. It also finds the orders already imported
   (idempotency by ``order_ref``). ``--dry-run`` stops here
   (:func:`dry_run_report`).
2. :func:`import_file` reads the file again and places the orders the check
   accepted (``--on-error``: ``reject-all`` writes nothing if anything is
   wrong, ``skip`` leaves the bad orders out, ``stop`` stops at the first),
   one unit of work per chunk of ``batch_size`` orders (or a quarter of a
   second). A run killed midway loses at most the chunk in flight, which
   rolls back whole; the next run skips what is already in the store (the
   ``external_ref`` is unique), so a re-run is harmless.

This is the one command that commits more than once: a 100,000-order file in
one transaction would hold the write lock of a SQLite store for minutes. Each
chunk is its own :class:`~ordercli.uow.UnitOfWork` (``deliver=False``: the
command delivers the outbox once, after the import).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from ordercli.domain import CustomerIn, OrderDraft
from ordercli.errors import EXIT_USAGE, InputError, OrderCliError
from ordercli.i18n import _
from ordercli.money import to_decimal_str
from ordercli.services.order_draft import build_draft, context_from
from ordercli.services.order_file import Problem, RawOrder, Source, read_orders, source_changed
from ordercli.stock import short_lines

POLICIES = ("reject-all", "skip", "stop")
MAX_PROBLEMS = 10_000  # problems kept in memory; more are counted
_BATCH_SECONDS = 0.25  # a chunk also commits after this long: other tills wait at most that


# ------------------------------------------------------------------ results


class _Problems:
    """Problems kept up to MAX_PROBLEMS, the rest counted (shared by the plan and the report)."""

    problems: list[Problem]
    problems_dropped: int

    def add(self, p: Problem) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(p)
        else:
            self.problems_dropped += 1

    @property
    def problem_count(self) -> int:
        return len(self.problems) + self.problems_dropped


@dataclass
class Plan(_Problems):
    """What the check pass found (and what a dry run reports)."""

    policy: str
    orders: int = 0
    bad: set = field(default_factory=set)  # indexes of orders with problems
    existing: set = field(default_factory=set)  # indexes of orders already imported
    changed: list = field(default_factory=list)  # Problems: orders already imported whose content differs (not applied)
    changed_index: set = field(default_factory=set)
    contacts_kept: list = field(default_factory=list)  # dicts: line, order_ref, customer_id, fields (stored contact kept)
    stop_at: int | None = None  # "stop": index of the first bad order
    to_create: int = 0
    emails: int = 0  # customer confirmations the import would queue
    total: int = 0  # minor units, orders to create
    currency: str = "EUR"
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    fatal: bool = False


    @property
    def ok(self) -> bool:
        return not self.problems and not self.problems_dropped


@dataclass
class ImportReport(_Problems):
    file: str
    fmt: str
    policy: str
    dry_run: bool
    currency: str
    orders: int = 0  # orders read from the file
    created: int = 0
    already: int = 0
    changed: int = 0  # already imported, but the file's content differs: not applied
    failed: int = 0
    contacts_kept: list = field(default_factory=list)  # orders filed under a customer whose stored contact differs (kept)
    not_processed: int = 0  # after a "stop", or everything under a refused "reject-all"
    total: int = 0  # minor units: created orders (dry run: orders that would be created)
    emails: int = 0  # customer confirmations queued (dry run: would be queued)
    first_number: str | None = None
    last_number: str | None = None
    stopped_at: int | None = None  # line
    written: bool = False
    interrupted: bool = False  # Ctrl-C during the import (what was committed before stays)
    queued: int = 0  # outbox messages the committed orders queued (the command delivers them after)
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    ignored_columns: list[str] = field(default_factory=list)
    shown: str = ""  # the file as the user named it (problems are written "'fair.csv' line 3: …")


    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return 130
        if not self.problem_count:
            return 0
        return EXIT_USAGE if any(p.kind == "input" for p in self.problems) else 1

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "format": self.fmt,
            "on_error": self.policy,
            "dry_run": self.dry_run,
            "written": self.written,
            "orders": self.orders,
            "created": self.created,
            "already_imported": self.already,
            "changed_not_applied": self.changed,
            "failed": self.failed,
            "customer_contact_kept": self.contacts_kept,
            "not_processed": self.not_processed,
            "total_amount": to_decimal_str(self.total, self.currency),
            "currency": self.currency,
            "customer_emails": self.emails,
            "first_number": self.first_number,
            "last_number": self.last_number,
            "stopped_at_line": self.stopped_at,
            "interrupted": self.interrupted,
            "problem_count": self.problem_count,
            "problems": [p.as_dict() for p in sorted(self.problems, key=lambda p: p.line)],
            "ignored_columns": self.ignored_columns,
        }


# ------------------------------------------------------------------ pass 1: check


def _chunks(it: Iterable, n: int) -> Iterator[list]:
    buf: list = []
    for x in it:
        buf.append(x)
        if len(buf) >= n:
            yield buf
            buf = []
    if buf:
        yield buf


def contact_notice(order, ident) -> dict:
    """What the identity rules did with an order's contact, for the output (JSON ``customer_contact_kept``)."""
    return {
        "order": order.number,
        "order_ref": order.external_ref,
        "customer_id": ident.customer_id,
        "kept": {k: {"stored": a, "given": b} for k, (a, b) in ident.differs.items()},
        "new_customer_because": ident.reason,
        "other_customers": [m.id for m in ident.ambiguous],
    }


def _kind(e: OrderCliError) -> str:
    return "input" if e.exit_code == EXIT_USAGE else "refused"


def check_file(engine, src: Source, *, policy: str, notify: bool = True, progress: Callable[[int, int], None] | None = None) -> Plan:
    """Pass 1: parse and validate every order and simulate stock for the whole file. Writes nothing."""
    from sqlmodel import select

    from ordercli import db
    from ordercli.models import Order, Product
    from ordercli.services import common, orders

    if policy not in POLICIES:
        raise InputError(_("Unknown error policy %(policy)s: reject-all, skip or stop.") % {"policy": repr(policy)})
    plan = Plan(policy=policy)
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
        ctx = context_from(settings)
        plan.currency = settings.currency
        catalog = {p.sku.upper(): p for p in s.exec(select(Product)).all()}
        stock_left = {p.id: p.stock for p in catalog.values() if p.stock is not None}
        demand: dict[int, int] = {}  # reject-all: the file's demand so far
        runs_out: dict[int, tuple[int, int, str | None, int]] = {}  # pid -> (index, line, ref, asked so far)
        names = {p.id: p.sku for p in catalog.values()}

        meta: dict = {}
        stream = read_orders(src, meta)
        done = False
        for chunk in _chunks(stream, 500):
            drafts = [(raw, build_draft(raw, ctx)) for raw in chunk]
            refs = [raw.ref for raw, d in drafts if d is not None and raw.ref]
            existing = {o.external_ref: o for o in s.exec(select(Order).where(Order.external_ref.in_(refs))).all()} if refs else {}  # type: ignore[union-attr]
            for raw, draft in drafts:
                if raw.fatal:
                    plan.fatal = True
                else:
                    plan.orders += 1
                if draft is None:
                    _bad(plan, raw)
                    if policy == "stop":
                        done = True
                        break
                    continue
                if raw.ref in existing:
                    plan.existing.add(raw.index)
                    differs = orders.import_differences(s, existing[raw.ref], draft)
                    if differs:
                        plan.changed_index.add(raw.index)
                        plan.changed.append(
                            Problem(
                                raw.line,
                                (
                                    _("order %(ref)s changed since it was imported (as %(order)s: different customer and items) — not applied.")
                                    if len(differs) > 1
                                    else _("order %(ref)s changed since it was imported (as %(order)s: different customer) — not applied.")
                                    if differs == ["customer"]
                                    else _("order %(ref)s changed since it was imported (as %(order)s: different items) — not applied.")
                                )
                                % {"ref": raw.ref, "order": existing[raw.ref].number},
                                None,
                                order_ref=raw.ref,
                                kind="changed",
                                code="import.changed",
                                facts={"order": existing[raw.ref].number, "differs": differs},
                            )
                        )
                    continue
                try:
                    priced = orders.price_draft(s, draft, settings, catalog=catalog)  # build_draft put it through the gate
                except OrderCliError as e:
                    raw.problems.append(Problem(raw.line, e.message, e.hint, order_ref=raw.ref, kind=_kind(e), code=e.code, facts=e.facts))
                    _bad(plan, raw)
                    if policy == "stop":
                        done = True
                        break
                    continue
                wanted: dict[int, int] = {}
                for ln in priced.lines:
                    if ln.tracked and ln.product_id is not None:
                        wanted[ln.product_id] = wanted.get(ln.product_id, 0) + ln.quantity
                if policy == "reject-all":
                    for pid, q in wanted.items():
                        demand[pid] = demand.get(pid, 0) + q
                        if pid not in runs_out and short_lines({pid: demand[pid]}, {pid: stock_left.get(pid) or 0}):
                            runs_out[pid] = (raw.index, raw.line, raw.ref, demand[pid])
                else:
                    short = [(names.get(pid, str(pid)), q, v) for pid, q, v in sorted(short_lines(wanted, {pid: stock_left.get(pid) or 0 for pid in wanted}))]
                    if short:
                        raw.problems.append(
                            Problem(
                                raw.line,
                                _("not enough stock after the orders above it in the file — %(shortages)s.")
                                % {"shortages": "; ".join(_("%(sku)s: asked %(asked)s, left %(left)s") % {"sku": sku, "asked": a, "left": v} for sku, a, v in short)},
                                order_ref=raw.ref,
                                code="stock.short",
                                kind="refused",
                            )
                        )
                        _bad(plan, raw)
                        if policy == "stop":
                            done = True
                            break
                        continue
                    for pid, q in wanted.items():
                        stock_left[pid] = (stock_left.get(pid) or 0) - q
                plan.to_create += 1
                plan.total += priced.totals.total
                if notify and draft.customer.email:
                    plan.emails += 1
            if progress is not None and chunk:
                progress(plan.orders, chunk[-1].pos)
            if done:
                # "stop": the rest will not be imported; count it for the summary.
                plan.orders += sum(1 for raw in chunk if raw.index > (plan.stop_at or 0) and not raw.fatal)
                plan.orders += sum(1 for raw in stream if not raw.fatal)
                break
        plan.ignored_columns = list(meta.get("ignored_columns", []))
        for pid, (index, line, ref, asked) in sorted(runs_out.items(), key=lambda kv: kv[1][0]):
            avail = stock_left.get(pid) or 0
            plan.add(
                Problem(
                    line,
                    _("not enough stock of %(sku)s for the whole file: the orders up to this one ask for %(asked)s, %(available)s in stock (the file asks for %(demand)s in all).")
                    % {"sku": names.get(pid, pid), "asked": asked, "available": avail, "demand": demand[pid]},
                    order_ref=ref,
                    code="import.stock_for_file",
                    facts={"sku": names.get(pid, pid), "missing": demand[pid] - avail},
                    column="quantity" if src.fmt == "csv" else None,
                    kind="refused",
                )
            )
            plan.bad.add(index)
        if policy == "reject-all" and not plan.ok:
            plan.to_create = 0
    return plan


def _bad(plan: Plan, raw: RawOrder) -> None:
    plan.bad.add(raw.index)
    if plan.policy == "stop" and plan.stop_at is None:
        plan.stop_at = raw.index
    for p in raw.problems:
        plan.add(p)
    if not raw.problems:  # pragma: no cover - a draft is only None with a problem
        plan.add(Problem(raw.line, _("the order could not be read."), None, order_ref=raw.ref))


# ------------------------------------------------------------------ pass 2: import


@dataclass
class _Item:
    index: int
    line: int
    ref: str | None
    draft: OrderDraft


class _Importer:
    def __init__(self, engine, report: ImportReport, *, policy: str, settings, batch_size: int, on_commit=None):
        self.engine = engine
        self.on_commit = on_commit
        self.report = report
        self.policy = policy
        self.settings = settings
        self.batch_size = max(1, batch_size)
        self.stopped = False

    def _catalog(self, session, items: list[_Item]) -> dict:
        import sqlalchemy as sa
        from sqlmodel import select

        from ordercli.models import Product

        skus = {i.sku.upper() for it in items for i in it.draft.items if i.sku}
        if not skus:
            return {}
        rows = session.exec(select(Product).where(sa.func.upper(Product.sku).in_(skus))).all()
        return {p.sku.upper(): p for p in rows}

    def run(self, items: list[_Item]) -> None:
        """Place a chunk in one unit of work; on any failure, redo it one order per unit of work."""
        from sqlalchemy.exc import DBAPIError

        from ordercli.services import common, orders
        from ordercli.uow import UnitOfWork

        if not items or self.stopped:
            return
        results = []
        uow = UnitOfWork(self.engine, deliver=False, on_commit=self.on_commit)
        try:
            with uow:
                s = uow.session
                # PostgreSQL lock order (see services.common): the counter, then every product
                # of the chunk by id. Orders in file order would lock products in file order
                # and deadlock with a cancel or an edit on another till.
                common.lock_counter(s, "order")
                catalog = self._catalog(s, items)
                common.lock_products(s, (p.id for p in catalog.values()))
                for it in items:
                    placed = orders.place_order(s, it.draft, settings=self.settings, catalog=catalog, gate_passed=True)
                    results.append((it, placed))
                uow.commit(saved=f"{len(items)} imported order{'s' if len(items) != 1 else ''}")
        except (OrderCliError, DBAPIError) as e:
            if not uow.committed:
                if len(items) > 1:
                    for it in items:
                        self.run([it])
                        if self.stopped:
                            return
                    return
                self._failed(items[0], e)
                return
        finally:
            # Counted as soon as it is committed, even if Ctrl-C lands right after the commit:
            # the summary of an interrupted import must match what is in the store.
            if uow.committed:
                self.report.queued += uow.queued
                for it, placed in results:
                    self._record(placed)

    def _record(self, placed) -> None:
        r = self.report
        o = placed.order
        if not placed.created:
            r.already += 1
            return
        r.created += 1
        r.written = True
        ident = placed.identity
        if ident is not None and (ident.differs or ident.reason):
            r.contacts_kept.append(contact_notice(o, ident))
        r.total += o.total
        r.emails += sum(1 for m in (placed.messages or []) if getattr(m, "audience", None) == "customer")
        if r.first_number is None:
            r.first_number = o.number
        r.last_number = o.number

    def _failed(self, it: _Item, e: Exception) -> None:
        import sqlalchemy as sa
        from sqlmodel import select

        from ordercli import db
        from ordercli.models import Order

        r = self.report
        if isinstance(e, sa.exc.IntegrityError) and it.ref:
            # Another process imported the same order_ref between our check and our insert.
            with db.read_session(self.engine) as s:
                if s.exec(select(Order.id).where(Order.external_ref == it.ref)).first() is not None:
                    r.already += 1
                    return
        if isinstance(e, OrderCliError):
            r.add(Problem(it.line, e.message, e.hint, order_ref=it.ref, kind=_kind(e), code=e.code, facts=e.facts))
            r.failed += 1
            if self.policy != "skip":
                self._stop(it)
            return
        text = str(getattr(e, "orig", None) or e).strip().splitlines()
        msg = text[0] if text else type(e).__name__
        if "database is locked" in msg:
            msg = _("the store stayed busy (another till was writing)")
        r.add(
            Problem(
                it.line,
                _("the store refused the order: %(reason)s.") % {"reason": msg},
                _("Nothing of this order was saved; run the import again (imported orders are skipped)."),
                order_ref=it.ref,
                kind="refused",
            )
        )
        r.failed += 1
        self._stop(it)  # a store problem is not about one order: stop whatever the policy

    def _stop(self, it: _Item) -> None:
        self.stopped = True
        self.report.stopped_at = it.line


def import_file(
    engine,
    src: Source,
    plan: Plan,
    *,
    notify: bool = True,
    batch_size: int = 100,
    progress: Callable[[int, int], None] | None = None,
    stop_requested: Callable[[], bool] | None = None,
    on_commit: Callable[[str], None] | None = None,
) -> ImportReport:
    """Pass 2: place the orders the check pass accepted, committing per batch.

    ``stop_requested`` (the CLI's Ctrl-C flag) is asked before each order: the import then
    stops between two commits, as a KeyboardInterrupt would, but never inside a finaliser.
    """
    from ordercli import db
    from ordercli.services import common

    report = ImportReport(file=str(src.path), fmt=src.fmt, policy=plan.policy, dry_run=False, currency=plan.currency, shown=src.shown)
    report.ignored_columns = plan.ignored_columns
    for p in plan.problems:
        report.add(p)
    for p in plan.changed:
        report.add(p)
    report.problems_dropped += plan.problems_dropped
    report.failed = len(plan.bad)
    if plan.policy == "reject-all" and not plan.ok:
        report.orders = plan.orders
        report.changed = len(plan.changed_index)
        report.already = len(plan.existing) - report.changed
        report.not_processed = max(plan.orders - len(plan.bad) - len(plan.existing), 0)
        return report
    if source_changed(src):
        raise InputError(
            _("%(file)s changed while it was being imported.") % {"file": repr(str(src.path))}, _("Import it again once it is saved; orders already imported are skipped.")
        )
    with db.read_session(engine) as s:
        settings = common.load_settings(s)
    ctx = context_from(settings)
    imp = _Importer(engine, report, policy=plan.policy, settings=settings, batch_size=batch_size, on_commit=on_commit)
    batch: list[_Item] = []
    started = time.monotonic()
    seen = 0
    last_pos = 0
    try:
        for raw in read_orders(src):
            if stop_requested is not None and stop_requested():
                raise KeyboardInterrupt
            seen = raw.index
            last_pos = raw.pos
            if plan.stop_at is not None and raw.index >= plan.stop_at:
                report.stopped_at = raw.line
                seen = raw.index - 1
                break
            if raw.index in plan.bad:
                continue
            if raw.index in plan.changed_index:
                report.changed += 1
                continue
            if raw.index in plan.existing:
                report.already += 1
                continue
            draft = build_draft(raw, ctx)
            if draft is None:  # the file changed between the passes
                for p in raw.problems:
                    report.add(p)
                report.failed += 1
                if plan.policy != "skip":
                    imp._stop(_Item(raw.index, raw.line, raw.ref, OrderDraft(customer=CustomerIn(name=""), items=[])))
                    break
                continue
            draft.door = "import"
            draft.external_ref = raw.ref
            draft.notify_customer = notify
            batch.append(_Item(raw.index, raw.line, raw.ref, draft))
            if len(batch) >= imp.batch_size or time.monotonic() - started >= _BATCH_SECONDS:
                imp.run(batch)
                batch = []
                started = time.monotonic()
                if progress is not None:
                    progress(raw.index, raw.pos)
                if imp.stopped:
                    break
        if batch and not imp.stopped:
            if stop_requested is not None and stop_requested():
                raise KeyboardInterrupt
            imp.run(batch)
    except KeyboardInterrupt:
        # Ctrl-C: the batch in flight rolled back; what was committed stays. Report it.
        report.interrupted = True
    if progress is not None:
        progress(seen, last_pos)
    report.orders = plan.orders
    handled = report.created + report.already + report.changed + report.failed
    report.not_processed = max(plan.orders - handled, 0)
    return report


def dry_run_report(src: Source, plan: Plan) -> ImportReport:
    report = ImportReport(file=str(src.path), fmt=src.fmt, policy=plan.policy, dry_run=True, currency=plan.currency, shown=src.shown)
    report.orders = plan.orders
    report.created = plan.to_create
    report.changed = len(plan.changed_index)
    report.already = len(plan.existing) - report.changed
    report.failed = len(plan.bad)
    report.total = plan.total if (plan.policy != "reject-all" or plan.ok) else 0
    report.emails = plan.emails if (plan.policy != "reject-all" or plan.ok) else 0
    report.ignored_columns = plan.ignored_columns
    if plan.stop_at is not None:
        report.not_processed = plan.orders - plan.stop_at
        report.stopped_at = next((p.line for p in plan.problems), None)
    elif plan.policy == "reject-all" and not plan.ok:
        report.not_processed = plan.orders - len(plan.bad) - len(plan.existing)
    for p in plan.problems:
        report.add(p)
    for p in plan.changed:
        report.add(p)
    report.problems_dropped += plan.problems_dropped
    return report
