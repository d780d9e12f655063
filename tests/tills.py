"""A second till in a thread, for tests that hold till A's transaction open.

Pattern: A does its work in an uncommitted transaction in the test's thread;
``b = Till(fn)`` starts B at once; ``b.assert_waiting()`` checks B is blocked on
A; A commits; ``b.finish()``; then the test looks at ``b.result`` / ``b.error``
and at the store.
"""

from __future__ import annotations

import threading


class Till:
    """Run ``fn(*args)`` in a thread at once; keep its result or its exception."""

    def __init__(self, fn, *args):
        self.result = None
        self.error: BaseException | None = None

        def run():
            try:
                self.result = fn(*args)
            except BaseException as e:  # noqa: BLE001 - inspected by the test
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def waiting(self, seconds: float = 0.5) -> bool:
        self.thread.join(seconds)
        return self.thread.is_alive()

    def assert_waiting(self) -> None:
        assert self.waiting(), f"till B did not wait for till A (result {self.result!r}, error {self.error!r})"

    def finish(self, seconds: float = 30) -> "Till":
        self.thread.join(seconds)
        assert not self.thread.is_alive(), "till B is still blocked"
        return self

    def value(self):
        """The result, after :meth:`finish`; re-raises B's error."""
        self.finish()
        if self.error is not None:
            raise self.error
        return self.result
