"""Where a step's artifact lives on this machine, how big it is, and what is in it.

An artifact is looked for in the step's own record first (``Backend.step_files``: what the
step was given or produced), then in the artifact store by its key. Sizes and listings stop
after a bounded number of entries, so a directory of a million files costs no more than a
glance; the store's catalog folder (``.dflow``) is bookkeeping and is left out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from dflow_jupyter.status.model import Node

__all__ = ["ArtifactUnavailable", "artifact_entries", "artifact_root", "listing", "measure"]

#: Entries looked at when measuring an artifact.
MEASURE_LIMIT = 10_000
#: Entries a listing shows.
LIST_LIMIT = 200


class ArtifactUnavailable(LookupError):
    """An artifact (or a file in it) cannot be found here; the message says why."""


def _catalog_name() -> str:
    from dflow_jupyter.storage.catalog import catalog_dir_name

    return catalog_dir_name()


def artifact_entries(node: Node, side: str) -> list[dict[str, Any]]:
    """The recorded artifact entries of ``node``'s ``inputs`` or ``outputs``."""
    record = (node.inputs if side == "inputs" else node.outputs) or {}
    return [a for a in record.get("artifacts") or [] if isinstance(a, dict) and a.get("name")]


def _keys(entry: dict[str, Any]) -> list[str]:
    key = (entry.get("s3") or {}).get("key") or entry.get("key")
    if not isinstance(key, str):
        return []
    if key.startswith("["):
        try:
            return [str(k) for k in json.loads(key)]
        except ValueError:
            return [key]
    return [key]


def artifact_root(backend: Any, workflow_id: str, node: Node, side: str, name: str) -> Path:
    """The local file or directory holding artifact ``name`` of ``node``'s ``side``.

    Raises
    ------
    ArtifactUnavailable
        The step has no such artifact, or its files are not on this machine.
    """
    entries = {e["name"]: e for e in artifact_entries(node, side)}
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none"
        raise ArtifactUnavailable(
            f"step {node.display_name} has no {side[:-1]} artifact {name!r} (its {side}: {known})"
        )
    try:
        directory = backend.step_files(workflow_id, node)
    except Exception:
        directory = None
    if directory is not None:
        recorded = Path(directory) / side / "artifacts" / name
        if recorded.exists():
            return recorded
    from dflow_jupyter.storage import S3Artifact
    from dflow_jupyter.storage.artifact import locate

    keys = _keys(entries[name])
    for key in keys:
        try:
            return Path(locate(S3Artifact(key=key), what=f"artifact {name!r}")[0])
        except Exception:
            continue
    raise ArtifactUnavailable(
        f"artifact {name!r} of step {node.display_name} is not on this machine"
        + (f" (key {keys[0]!r})" if keys else " (it has no key)")
    )


def _walk(root: Path) -> Any:
    """``(relative path, size, is_dir)`` under ``root``, catalog left out, in sorted order."""
    catalog = _catalog_name()
    stack = [root]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            if entry.name == catalog:
                continue
            is_dir = entry.is_dir(follow_symlinks=True)
            size = 0 if is_dir else entry.stat(follow_symlinks=True).st_size
            yield os.path.relpath(entry.path, root), size, is_dir
            if is_dir:
                subdirs.append(Path(entry.path))
        stack.extend(reversed(subdirs))


def measure(root: Path, limit: int = MEASURE_LIMIT) -> tuple[int, int, bool]:
    """Total size in bytes, number of files, and whether every entry was counted."""
    if root.is_file():
        return root.stat().st_size, 1, True
    size = files = 0
    for seen, (_, entry_size, is_dir) in enumerate(_walk(root), 1):
        if seen > limit:
            return size, files, False
        if not is_dir:
            size += entry_size
            files += 1
    return size, files, True


def listing(root: Path, limit: int = LIST_LIMIT) -> tuple[list[dict[str, Any]], bool]:
    """Up to ``limit`` entries under ``root`` and whether there were more."""
    entries: list[dict[str, Any]] = []
    for rel, size, is_dir in _walk(root):
        if len(entries) == limit:
            return entries, True
        entries.append({"path": rel, "size": size, "dir": is_dir})
    return entries, False


def only_file(root: Path) -> Path | None:
    """The single file of an artifact directory holding exactly one (what a step produced)."""
    if root.is_file():
        return root
    found: Path | None = None
    for rel, _, is_dir in _walk(root):
        if is_dir or found is not None:
            return None
        found = root / rel
    return found
