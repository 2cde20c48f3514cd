"""Python's cyclic garbage collector paused while the widget builds large, short-lived values.

Laying out and encoding a graph of ten thousand nodes allocates a few hundred thousand small
lists and dicts; each few hundred allocations the collector runs, and its older generations
scan the whole heap (the workflow's status tree, the notebook's objects): a third of the time
of a widget's display, measured. Nothing it would free is made here (no reference cycles), so
pausing it only defers its work.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused_gc"]


@contextmanager
def paused_gc() -> Iterator[None]:
    """Pause the collector for the block (re-entrant: an inner pause leaves it to the outer)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
