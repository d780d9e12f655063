"""The one shortage rule. Pure: no database.

A line is short when it asks for more units than are available; a product that
does not track stock (available ``None``) is never short. ``order create`` (its
review and dry run), ``order edit`` (the extra units it takes), the import's
check pass (stock simulated across the file) and ``take_stock`` (after its
conditional UPDATE found too little) all say "short" through :func:`short_lines`,
so the same order is refused, or not, by every door.
"""

from __future__ import annotations

from typing import Hashable, Mapping, TypeVar

K = TypeVar("K", bound=Hashable)


def short_lines(wanted: Mapping[K, int], available: Mapping[K, int | None]) -> list[tuple[K, int, int]]:
    """``(key, asked, available)`` for each line of ``wanted`` that asks for more than ``available`` holds.

    Keys missing from ``available`` or mapped to ``None`` are untracked: never short.
    """
    out = []
    for key, asked in wanted.items():
        have = available.get(key)
        if have is not None and asked > have:
            out.append((key, asked, max(have, 0)))
    return out
