"""Previews of artifacts kept in the object store (an Argo run's): a glance, never a download.

Only what the preview shows travels, through the storage layer's ranged reads: text, the first
16 KB; tables (CSV, TSV, JSON lines), the first 64 KB, cut at the last whole line; images,
the first 16 KB, which tell the size, then the rest only if the image is within the
image limit. An Argo-archived output (``.tgz``) is read as a stream from its first 256 KB:
the members found there are listed, and a file whose start is there is previewed. A folder
artifact is listed from the store, bounded. Nothing is written to disk.
"""

from __future__ import annotations

import io
import json
import tarfile
import zlib
from pathlib import PurePosixPath
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.widget.artifacts import LIST_LIMIT, ArtifactUnavailable, artifact_entries
from dflow_jupyter.widget.preview import (
    IMAGE_LIMIT,
    IMAGE_TYPES,
    TABLE_ROWS,
    TEXT_LIMIT,
    empty_preview,
    image_answer,
    size_text,
    table_answer,
    text_answer,
)

__all__ = ["ARCHIVE_BYTES", "TABLE_BYTES", "preview_object", "remote_key"]

#: The start of a table fetched for its first rows.
TABLE_BYTES = 64 * 1024
#: The start of an archived artifact read for its members.
ARCHIVE_BYTES = 256 * 1024
_LINE_TABLES = {".csv", ".tsv", ".jsonl", ".ndjson"}


def remote_key(status: WorkflowStatus, node: Node, side: str, name: str) -> str | None:
    """The object-store key of artifact ``name`` when the run keeps its artifacts there, else None.

    An Argo run's artifacts are in the object store; a debug run's are in the local store
    (even with ``debug_s3``, which concerns uploads). An artifact made of several (a list of
    keys) is previewed by its first.
    """
    if status.backend == "debug":
        return None
    for entry in artifact_entries(node, side):
        if entry["name"] != name:
            continue
        key = (entry.get("s3") or {}).get("key") or entry.get("key")
        if isinstance(key, str) and key.startswith("["):
            keys = json.loads(key)
            return str(keys[0]) if keys else None
        return key if isinstance(key, str) and key else None
    return None


def _head(key: str, max_bytes: int) -> tuple[bytes, int | None]:
    from dflow_jupyter.storage.glance import head_object
    from dflow_jupyter.storage.s3 import ObjectStoreError

    try:
        return head_object(key, max_bytes)
    except ObjectStoreError as exc:
        raise ArtifactUnavailable(str(exc)) from None


def _bytes_answer(name: str, head: bytes, size: int | None, key: str | None) -> dict[str, Any]:
    """The preview of file ``name`` from its first bytes ``head`` (``key``: where to read more)."""
    answer = empty_preview()
    suffix = PurePosixPath(name).suffix.lower()
    complete = size is not None and len(head) >= size
    if suffix in IMAGE_TYPES:
        if size is None or size > IMAGE_LIMIT:
            said = size_text(size) if size is not None else "of unknown size"
            raise ArtifactUnavailable(
                f"{name} is {said}; images are previewed up to {size_text(IMAGE_LIMIT)}"
            )
        if not complete:
            if key is None:
                raise ArtifactUnavailable(f"{name} lies beyond the start of its archive; download it")
            head, size = _head(key, size)
        return image_answer(name, head, answer)
    if suffix in _LINE_TABLES and b"\0" not in head[:8192]:
        import pandas as pd

        text = head if complete else head[: head.rfind(b"\n") + 1]
        try:
            if suffix in (".csv", ".tsv"):
                frame = pd.read_csv(io.BytesIO(text), sep="\t" if suffix == ".tsv" else ",", nrows=TABLE_ROWS)
            else:
                frame = pd.read_json(io.BytesIO(text), lines=True, nrows=TABLE_ROWS)
        except Exception:
            pass  # not a table after all: shown as text below
        else:
            total = None
            if complete:
                total = max(text.count(b"\n") - (suffix in (".csv", ".tsv")), 0)
                total += not text.endswith(b"\n") and bool(text)
            return table_answer(frame, suffix, total, answer)
    if suffix in (".parquet", ".pq"):
        raise ArtifactUnavailable(
            f"{name} is a parquet table; its rows are at its end: download it to see them"
        )
    return text_answer(name, head, size, answer)


def _members(data: bytes) -> tuple[list[tuple[str, int, bool, bytes]], bool]:
    """``(name, size, is_dir, first bytes)`` of the members whose header is in the gzipped ``data``.

    ``data`` may be the start of an archive: the stream is read until it runs out. The second
    value says whether the archive's end was reached.
    """
    try:
        raw = zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(data)
    except zlib.error as exc:
        raise ArtifactUnavailable(
            f"the artifact is named .tgz but is not a gzipped tarball ({exc})"
        ) from None
    found: list[tuple[str, int, bool, bytes]] = []
    try:
        with tarfile.open(fileobj=io.BytesIO(raw), mode="r|") as tf:
            for member in tf:
                head = b""
                if member.isfile():
                    handle = tf.extractfile(member)
                    try:
                        head = handle.read(TABLE_BYTES) if handle is not None else b""
                    except (tarfile.ReadError, EOFError, OSError):
                        head = b""
                found.append((member.name.rstrip("/"), member.size, member.isdir(), head))
    except (tarfile.ReadError, EOFError, OSError):
        return found, False
    return found, True


def _archive(key: str, path: str | None) -> dict[str, Any]:
    data, size = _head(key, ARCHIVE_BYTES)
    members, whole = _members(data)
    complete = whole and size is not None and len(data) >= size
    names = [m[0] for m in members]
    # Argo archives an output "out" as "out/...": shown without that top folder.
    top = names[0].split("/")[0] if names else ""
    strip = bool(top) and all(n == top or n.startswith(top + "/") for n in names) and members[0][2]
    entries = []
    for name, member_size, is_dir, head in members:
        rel = name[len(top) + 1 :] if strip else name
        if rel and not rel.startswith(".dflow"):
            entries.append((rel, member_size, is_dir, head))
    files = [e for e in entries if not e[2]]
    wanted = [e for e in files if e[0] == path] if path else (files if len(files) == 1 and complete else [])
    if wanted:
        rel, member_size, _, head = wanted[0]
        return _bytes_answer(PurePosixPath(rel).name, head, member_size, None)
    if path:
        more = "" if complete else f" among the members in its first {size_text(ARCHIVE_BYTES)}"
        raise ArtifactUnavailable(f"the archived artifact {key!r} has no file {path!r}{more}")
    answer = empty_preview()
    listed = [{"path": rel, "size": s, "dir": d} for rel, s, d, _ in entries[:LIST_LIMIT]]
    answer.update(
        ok=True, type="listing", entries=listed, truncated=not complete or len(entries) > LIST_LIMIT
    )
    return answer


def preview_object(key: str, path: str | None) -> dict[str, Any]:
    """Preview the artifact at ``key`` in the object store (``path``: a file inside it).

    Raises
    ------
    ArtifactUnavailable
        The object is missing or unreadable, the store cannot be reached, the file is too
        large or not previewable (the message says which).
    """
    from dflow_jupyter.storage.catalog import check_relative
    from dflow_jupyter.storage.errors import ArtifactPathError
    from dflow_jupyter.storage.glance import list_objects
    from dflow_jupyter.storage.s3 import ObjectStoreError

    if path:
        try:
            check_relative(path, f"preview of {key!r}", "path")
        except ArtifactPathError as exc:
            raise ArtifactUnavailable(str(exc)) from None
    if key.endswith(".tgz"):
        return _archive(key, path)
    base = key.rstrip("/")
    try:
        objects, more = list_objects(base + "/", LIST_LIMIT)
    except ObjectStoreError as exc:
        raise ArtifactUnavailable(str(exc)) from None
    inside = [(name[len(base) + 1 :], size) for name, size in objects]
    inside = [(rel, size) for rel, size in inside if not rel.startswith(".dflow/")]
    if path:
        target = f"{base}/{path}"
    elif len(inside) == 1 and not more:
        target = f"{base}/{inside[0][0]}"
    elif inside:
        answer = empty_preview()
        entries = [{"path": rel, "size": size, "dir": False} for rel, size in inside]
        answer.update(ok=True, type="listing", entries=entries, truncated=more)
        return answer
    else:
        target = base
    name = PurePosixPath(target).name
    wanted = TEXT_LIMIT if PurePosixPath(name).suffix.lower() not in _LINE_TABLES else TABLE_BYTES
    head, size = _head(target, wanted)
    return _bytes_answer(name, head, size, target)
