"""The store's mark on the artifacts it wrote: a hidden sibling file, with their content digests.

``<parent>/.<name>.store.json`` beside an artifact directory ``<parent>/<name>`` says that the
store wrote it: its files were copied in, or linked from a step's own directory, so they belong
to the store and may be shared with a consumer by a hard link made read-only. Files without
the mark (a user's directory passed as ``LocalArtifact``, a symlink inside an artifact that
leads elsewhere) are always copied: nothing outside the store and the chosen destination is
ever linked, made read-only or written.

The manifest of a step's output also records the SHA-256 of every file, so that a restart
that reuses the output can check that its content is what the step produced.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
from typing import Any

from dflow_jupyter.storage.atomic import temp_sibling

__all__ = [
    "StoreFiles",
    "changed_files",
    "digest_tree",
    "inside",
    "manifest_path",
    "owner_root",
    "read_manifest",
    "real_path",
    "write_manifest",
]

_SUFFIX = ".store.json"
_KEY = "dflow_jupyter_store"
#: How far above a path its artifact's root is looked for (a sub_path or slice of an artifact).
_LEVELS = 8


def manifest_path(root: str) -> str:
    """Where the manifest of the artifact directory ``root`` is."""
    parent, name = os.path.split(os.path.abspath(root))
    return os.path.join(parent, f".{name}{_SUFFIX}")


def write_manifest(root: str, digests: dict[str, str] | None = None) -> None:
    """Mark ``root`` as written by the store, with the SHA-256 of its files when given."""
    data: dict[str, Any] = {_KEY: 1}
    if digests is not None:
        data["sha256"] = digests
    path = manifest_path(root)
    tmp = temp_sibling(path)
    try:
        with open(tmp, "x", encoding="utf-8") as f:
            f.write(json.dumps(data, sort_keys=True))
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def read_manifest(root: str) -> dict[str, Any] | None:
    """The manifest of ``root``, or None when the store did not write it (or it is unreadable)."""
    try:
        with open(manifest_path(root), encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and data.get(_KEY) == 1 else None


def real_path(path: str) -> str:
    """``os.path.realpath`` of an existing path, asked of the kernel where it can answer.

    The kernel resolves the whole path in three system calls (``/proc/self/fd``), where
    ``os.path.realpath`` makes one per component: it is called for every file an artifact
    operation places.
    """
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except (OSError, AttributeError):
        return os.path.realpath(path)
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return os.path.realpath(path)
    finally:
        os.close(fd)
    return real if real.startswith("/") and not real.endswith(" (deleted)") else os.path.realpath(path)


def owner_root(path: str) -> str | None:
    """The real path of the store-written artifact that holds ``path`` (or is it), else None."""
    current = real_path(path)
    for _ in range(_LEVELS):
        try:
            if stat.S_ISREG(os.lstat(manifest_path(current)).st_mode):
                return current
        except OSError:
            pass
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return None


def inside(path: str, root: str) -> bool:
    """Whether the real path ``path`` is ``root`` or below it."""
    return path == root or path.startswith(root.rstrip("/") + "/")


class StoreFiles:
    """``Linker.may_link`` when reading artifacts: only files of store-written artifacts."""

    def __init__(self) -> None:
        self.roots: set[str] = set()

    def allow(self, artifact_path: str) -> None:
        """Files of the store artifact holding ``artifact_path`` (if the store wrote it) may be linked."""
        root = owner_root(artifact_path)
        if root is not None:
            self.roots.add(root)

    def __call__(self, real: str, st: os.stat_result) -> bool:
        # Walk up the path rather than test every root: a stack of 10,000 slices has 10,000.
        path = real
        while path not in self.roots:
            parent = os.path.dirname(path)
            if parent == path:
                return False
            path = parent
        return True


def digest_tree(root: str) -> dict[str, str]:
    """The SHA-256 of every file below ``root`` (its catalog included), by relative path.

    A symlink is recorded by where it points (it is kept as a link only when dangling).
    """
    digests: dict[str, str] = {}
    buffer = bytearray(1 << 20)
    view = memoryview(buffer)
    for directory, dirs, files in os.walk(root):
        dirs.sort()
        rel_dir = os.path.relpath(directory, root)
        for name in sorted(files):
            path = os.path.join(directory, name)
            rel = name if rel_dir == "." else f"{rel_dir}/{name}"
            if os.path.islink(path):
                digests[rel] = "symlink:" + os.readlink(path)
                continue
            digest = hashlib.sha256()
            with open(path, "rb", buffering=0) as f:
                while n := f.readinto(buffer):
                    digest.update(view[:n])
            digests[rel] = digest.hexdigest()
    return digests


def changed_files(root: str) -> list[str] | None:
    """Files of the artifact ``root`` whose content differs from what the store recorded.

    Files added, removed or rewritten all count, whatever their size and modification time.
    None when nothing was recorded (an artifact from before digests, or not the store's).
    """
    manifest = read_manifest(root)
    recorded = manifest.get("sha256") if manifest is not None else None
    if not isinstance(recorded, dict):
        return None
    try:
        now = digest_tree(root)
    except OSError:
        return sorted(recorded) or ["."]
    if not now and not os.path.isdir(root):
        return sorted(recorded) or ["."]
    return sorted(rel for rel in recorded.keys() | now.keys() if recorded.get(rel) != now.get(rel))
