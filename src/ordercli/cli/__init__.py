"""The ``ordercli`` command line: one Typer app per noun, assembled in :mod:`ordercli.cli.root`.

This package module imports nothing, so a command module can import its
siblings (``ordercli.cli._state``, ``ordercli.cli.render``) without pulling in
every other command. The root app lives in :mod:`ordercli.cli.root`;
``ordercli.cli.app`` and ``ordercli.cli.main`` are still reachable here (loaded on first use).
"""

from __future__ import annotations


def __getattr__(name: str):
    if name in ("app", "main"):
        import importlib

        return getattr(importlib.import_module("ordercli.cli.root"), name)
    raise AttributeError(f"module 'ordercli.cli' has no attribute {name!r}")
