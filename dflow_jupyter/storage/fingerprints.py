"""Fingerprints of shared input files, to detect a step writing into them in place."""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NamedTuple

__all__ = ["FileFingerprint", "Fingerprints", "verify_unmodified"]


class FileFingerprint(NamedTuple):
    """Identity of a shared inode when it was staged."""

    rel: str
    """Path reported when the file changes (``<artifact name>/<path inside>``)."""
    path: str
    """A name of the inode inside the store, stat-ed by :func:`verify_unmodified`."""
    ino: int
    size: int
    mtime_ns: int


Fingerprints = list[FileFingerprint]


def verify_unmodified(fingerprints: Iterable[FileFingerprint]) -> list[str]:
    """Return the ``rel`` paths of staged files whose shared inode changed since staging.

    A file counts as modified when its store name now has a different inode, size or
    modification time, or no longer exists. Replacing or deleting the *staged* name is not a
    modification: the stored copy is intact.
    """
    modified: list[str] = []
    for fp in fingerprints:
        try:
            st = os.stat(fp.path)
        except OSError:
            modified.append(fp.rel)
            continue
        if st.st_ino != fp.ino or st.st_size != fp.size or st.st_mtime_ns != fp.mtime_ns:
            modified.append(fp.rel)
    return modified
