"""Pausing Python's cyclic garbage collector while a large, acyclic structure is built.

Reading a pathway of 50,000 nodes makes millions of small objects (the located tree, then the
model), and each one counts toward the collector's next pass; the passes then walk everything
still alive again and again, about a third of a cold ``vcfgraph check`` at that size. Nothing
built there holds a reference cycle (trees, tuples and frozen records), so there is nothing for
those passes to find: :func:`paused` turns the collector off for the duration and back on after.
Objects are still freed by reference counting as usual; any cycle made meanwhile is collected by
the first pass after. Reference counting, not this module, decides what is freed.

The pause nests and may be entered from several threads: the collector is turned off on the first
entry and back on (if it was on) when the last one leaves.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    """Turn the cyclic garbage collector off inside the ``with`` block (then back as it was)."""
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
