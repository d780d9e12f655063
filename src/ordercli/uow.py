"""One unit of work per command (cosmicpython's ``with uow:`` shape).

::

    with UnitOfWork(engine) as uow:
        result = payments.record_payment(uow.session, number="1001", amount=500)
        uow.commit(saved="Payment of €5.00 on order 1001")

* Services take ``uow.session`` and **never commit**; they flush when they need
  ids. The command commits once.
* Leaving the block without :meth:`commit` rolls everything back — an error, a
  Ctrl-C, or a preview that only wanted to see what the use case would do
  (:meth:`preview` makes that explicit).
* :meth:`commit` then, if the change queued messages, delivers the outbox
  messages that are due (after the commit, never inside the transaction: a
  crash can at worst send twice, never lose a message). Delivery never raises
  into the command.
* :attr:`committed` says whether the change is in the store. ``on_commit``
  (given by the CLI) learns what was saved, so a failure after the commit
  (reading back, rendering, a full or closed stdout) is reported as "… was
  saved, but …" with exit code 3 instead of "Nothing was saved".
"""

from __future__ import annotations

from typing import Callable


class UnitOfWork:
    def __init__(self, engine, *, deliver: bool = True, on_commit: Callable[[str], None] | None = None, on_delivered: Callable | None = None):
        self.engine = engine
        self.on_delivered = on_delivered  # told the DeliveryReport of what was sent after the commit
        self.deliver = deliver
        self.on_commit = on_commit
        self.committed = False
        self.saved: str | None = None
        self.queued = 0  # outbox messages the committed change queued
        self.delivery = None  # the DeliveryReport of the messages sent after commit
        self._cm = None
        self.session = None

    def __enter__(self) -> "UnitOfWork":
        from ordercli import db

        self._cm = db.write_session(self.engine)
        self.session = self._cm.__enter__()
        return self

    def __exit__(self, exc_type, exc, tb) -> bool:
        # Closing the session ends its transaction: without a commit, that is a rollback. (Not
        # ``rollback()`` here: it would expire the objects a command still reads to say what
        # happened, e.g. "Nothing changed: order 1001 is already cancelled".)
        cm, self._cm = self._cm, None
        cm.__exit__(exc_type, exc, tb)
        return False

    def commit(self, saved: str = "The change") -> None:
        """Commit the change once, tell ``on_commit`` what was saved, then deliver due messages."""
        if self.committed:
            raise RuntimeError("this unit of work is already committed")
        queued = self.session.info.pop("ordercli.outbox_queued", None)  # notify.queue.QUEUED (not imported: keeps this light)
        self.session.commit()
        self.committed = True
        self.saved = saved
        self.queued = len(queued or ())
        if self.on_commit is not None:
            self.on_commit(saved)
        if self.deliver and queued:
            # A change that queued messages delivers what is due, its own messages first among them
            # (oldest first); a change that queued none (a setting, a product) sends nothing.
            from ordercli import notify

            self.delivery = notify.deliver_due(self.engine)
            if self.on_delivered is not None and self.delivery is not None:
                self.on_delivered(self.delivery)

    def rollback(self) -> None:
        """Drop everything this unit of work wrote (a preview ends here)."""
        if self.committed:
            raise RuntimeError("this unit of work is already committed")
        self.session.rollback()


def preview(engine, run: Callable):
    """Run ``run(session)`` — the real use case plus whatever it wants to read — then roll back.

    The one way to show what a change would do (``--dry-run``, the wizard's
    review, cancel/refund confirmations): the use case runs exactly as the
    real command would, so a preview can never disagree with the change.
    ``run`` returns plain values (ORM objects are expired by the rollback).
    """
    with UnitOfWork(engine, deliver=False) as uow:
        result = run(uow.session)
        uow.session.flush()
        uow.rollback()
    return result
