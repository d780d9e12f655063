"""Compatibility name, kept only for ``cli/order.py`` (``order show``), which another change owns.

The outbox machinery now lives in :mod:`ordercli.notify.queue` (writing rows),
:mod:`ordercli.notify.delivery` (claiming, sending, back-off) and
:mod:`ordercli.notify.policy` (pure decisions). Import from those; delete
this module once ``cli/order.py`` imports ``transport_status`` from
:mod:`ordercli.notify.delivery`.
"""

from __future__ import annotations

from ordercli.notify.delivery import transport_status

__all__ = ["transport_status"]
