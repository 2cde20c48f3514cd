"""The process-wide guard of the engine: one run at a time owns the working directory and ``sys.stdout``.

An in-process Python OP runs with the process's working directory set to its step's
``workdir`` and ``sys.stdout``/``sys.stderr`` teed to its log. Both are process-wide, so two
workflows submitted from two threads would change them under each other: relative paths of one
run resolved in the other's step directory, and stdout restored in the wrong order (left
pointing at a closed log). Every engine thread therefore holds :data:`ENGINE_LOCK` while it does
its work, including while an OP runs, and gives it up only while it waits for asynchronous jobs
(scripts, pool workers). Runs in several threads still overlap in their waits, so subprocess and
pool steps of different runs run in parallel; in-process OPs run one at a time, as they do
within one run.

The lock is re-entrant: an OP may itself submit a workflow in its own thread.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["ENGINE_LOCK", "released"]

ENGINE_LOCK = threading.RLock()


@contextmanager
def released(lock: threading.RLock | None) -> Iterator[None]:
    """Give ``lock`` up for the block (once: a nested run inside an OP keeps its outer hold)."""
    if lock is None:
        yield
        return
    lock.release()
    try:
        yield
    finally:
        lock.acquire()
