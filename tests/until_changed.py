"""One costly thing (an app, a server) shared by the tests that should leave its store as it was, made again
after a test that changed it after all: that test fails on its own check, and the next starts afresh."""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Callable, Iterator


class UntilChanged:
    """``make(n)`` (n: how many were made so far, for fresh file names) returns the thing, whose ``store``
    counts its changes (``store.changes``); ``close(thing)`` ends it."""

    def __init__(self, make: Callable[[int], Any], close: Callable[[Any], None]):
        self._make, self._close = make, close
        self.made = 0
        self.current = None

    def get(self) -> Any:
        if self.current is None:
            self.made += 1
            self.current = self._make(self.made)
        return self.current

    def discard(self) -> None:
        if self.current is not None:
            self._close(self.current)
            self.current = None

    @contextmanager
    def unchanged(self) -> Iterator[Any]:
        """The shared thing for one test; discarded after it when the test changed its store."""
        thing = self.get()
        changes = thing.store.changes
        try:
            yield thing
        finally:
            if thing.store.changes != changes:
                self.discard()
