"""Use cases: one function each, keyword-only arguments, a Session in; they never commit.

The command opens one unit of work (:mod:`ordercli.uow`), calls one use case
with ``uow.session`` and commits once; a preview runs the same use case and
rolls back. Services never print or prompt. They raise :mod:`ordercli.errors`
exceptions that the CLI turns into messages and exit codes.

* ``orders``        price a draft, place it, read orders back
* ``edits``         ``order edit``
* ``status_changes``  ``order status`` / ``order cancel`` (the money model decides the payment moves)
* ``payments``      ``order pay`` / ``order refund``
* ``order_rows``    what changes to an existing order share (locked row, versioned write, events, held stock)
* ``order_file`` / ``order_draft`` / ``order_import`` / ``order_export``   batch files
* ``catalog``, ``customers``, ``config``, ``invoices``, ``notifications``, ``common`` (locks, stock primitives)
"""
