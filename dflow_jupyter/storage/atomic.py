"""Atomic publication of artifacts: build under a temporary sibling name, then rename into place."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, suppress

__all__ = ["atomic_dir", "atomic_path", "ensure_parent", "publish", "remove", "temp_sibling"]


# Unique per process (pid + counter) and per process start (salt): a container restarting with
# the same pid must not collide with temporary names a crashed run left behind.
_SALT = secrets.token_hex(3)
_counter = itertools.count()


_pid = os.getpid()


def _after_fork() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_after_fork)


def temp_sibling(dest: str, tag: str = "tmp") -> str:
    """A fresh hidden name next to ``dest``; ``rename`` between siblings never crosses devices."""
    parent, name = os.path.split(dest)
    return os.path.join(parent, f".{name}.{tag}-{_pid}{_SALT}{next(_counter)}")


def remove(path: str) -> None:
    """Delete a file, symlink or directory tree; a missing path is fine."""
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path, ignore_errors=True)
    else:
        with suppress(FileNotFoundError):
            os.unlink(path)


def publish(tmp: str, dest: str) -> None:
    """Rename ``tmp`` to ``dest``, replacing whatever ``dest`` was.

    ``rename`` cannot replace a non-empty directory, so an existing ``dest`` (a re-run step) is
    first renamed aside: readers see the old artifact or the new one, never a mixture.
    """
    try:
        os.rename(tmp, dest)
        return
    except OSError:
        if not os.path.lexists(dest):
            raise
    old = temp_sibling(dest, "old")
    os.rename(dest, old)
    os.rename(tmp, dest)
    remove(old)


def ensure_parent(dest: str) -> int:
    """Create the parent directory of ``dest`` if needed; return its ``st_dev``."""
    parent = os.path.dirname(dest) or "."
    try:
        return os.stat(parent).st_dev
    except FileNotFoundError:
        os.makedirs(parent, exist_ok=True)
        return os.stat(parent).st_dev


@contextmanager
def atomic_path(dest: str, *, mkdir: bool = False, parent_ready: bool = False) -> Iterator[str]:
    """Yield a temporary sibling name that becomes ``dest`` when the block succeeds.

    The block creates a file or directory under that name (or, with ``mkdir=True``, starts
    with an empty directory there). If the block raises, whatever it created is deleted and
    ``dest`` is left untouched, so an interrupted save never leaves a half-written artifact
    under its final name. (A killed process leaves a hidden ``.<name>.tmp-<hex>`` entry, never
    a partial ``<name>``.) ``parent_ready``: the caller already ran :func:`ensure_parent`.
    """
    if not parent_ready:
        ensure_parent(dest)
    tmp = temp_sibling(dest)
    try:
        if mkdir:
            os.mkdir(tmp)
        yield tmp
        publish(tmp, dest)
    except BaseException:
        remove(tmp)
        raise


def atomic_dir(dest: str, *, parent_ready: bool = False) -> AbstractContextManager[str]:
    """:func:`atomic_path` starting with an empty directory."""
    return atomic_path(dest, mkdir=True, parent_ready=parent_ready)
