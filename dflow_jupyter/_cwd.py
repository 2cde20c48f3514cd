"""Run a block in another working directory (``contextlib.chdir`` arrived only in Python 3.11)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def working_directory(path: Path, previous: str | None = None) -> Iterator[None]:
    """Run in ``path``, then return to ``previous`` (default: the current directory)."""
    previous = previous or os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(previous)
