"""Previews of artifacts, fetched when the browser asks: never more than a glance travels.

Text: the first 16 KB. Images (PNG, JPEG, GIF, SVG): up to 5 MB, base64. Tables (CSV, TSV,
parquet, JSON records): the first 50 rows, read with pandas without loading the whole file.
Directories: a listing. A preview that cannot be made says why in ``reason``.
"""

from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any

from dflow_jupyter.widget.artifacts import ArtifactUnavailable, listing, only_file

__all__ = [
    "IMAGE_LIMIT",
    "TABLE_ROWS",
    "TEXT_LIMIT",
    "empty_preview",
    "image_answer",
    "preview_path",
    "size_text",
    "table_answer",
    "text_answer",
]

TEXT_LIMIT = 16 * 1024
IMAGE_LIMIT = 5 * 1024 * 1024
TABLE_ROWS = 50
#: Tables whose rows are counted (a CSV must be read through to count them).
COUNT_ROWS_LIMIT = 20 * 1024 * 1024
#: A JSON document must be parsed whole: only up to this size.
JSON_LIMIT = 5 * 1024 * 1024
IMAGE_TYPES = {
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".gif": "image/gif",
    ".svg": "image/svg+xml",
}
TABLE_TYPES = {".csv", ".tsv", ".parquet", ".pq", ".jsonl", ".ndjson", ".json"}


def empty_preview() -> dict[str, Any]:
    """Every field of a preview answer, unset."""
    return {
        "ok": False,
        "reason": None,
        "type": None,
        "mime": None,
        "text": None,
        "data_b64": None,
        "columns": None,
        "rows": None,
        "total_rows": None,
        "entries": None,
        "truncated": False,
    }


def size_text(size: int) -> str:
    """``1.5 KB``: a size as people read it."""
    for unit in ("bytes", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "bytes" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} bytes"


def _cell(value: Any) -> Any:
    """A table cell as JSON can carry it."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        try:
            return _cell(item())
        except (TypeError, ValueError):
            pass
    return str(value)


def _table(path: Path, suffix: str, answer: dict[str, Any]) -> dict[str, Any]:
    import pandas as pd

    size = path.stat().st_size
    total: int | None = None
    if suffix in (".csv", ".tsv"):
        frame = pd.read_csv(path, sep="\t" if suffix == ".tsv" else ",", nrows=TABLE_ROWS)
        if size <= COUNT_ROWS_LIMIT:
            with open(path, "rb") as handle:
                total = max(sum(1 for _ in handle) - 1, 0)
    elif suffix in (".parquet", ".pq"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise ArtifactUnavailable(
                f"{path.name} is a parquet table; previewing it needs pyarrow (pip install pyarrow)"
            ) from None
        parquet = pq.ParquetFile(path)
        total = parquet.metadata.num_rows
        batch = next(parquet.iter_batches(batch_size=TABLE_ROWS), None)
        frame = batch.to_pandas() if batch is not None else pd.DataFrame()
    elif suffix in (".jsonl", ".ndjson"):
        frame = pd.read_json(path, lines=True, nrows=TABLE_ROWS)
    else:
        if size > JSON_LIMIT:
            raise ArtifactUnavailable(
                f"{path.name} is {size_text(size)}; JSON tables are previewed up to "
                f"{size_text(JSON_LIMIT)} (JSON lines files of any size)"
            )
        full = pd.read_json(path)
        total, frame = len(full), full.head(TABLE_ROWS)
    return table_answer(frame, suffix, total, answer)


def table_answer(frame: Any, suffix: str, total: int | None, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` filled with the first rows of the pandas ``frame`` (``total``: all its rows)."""
    frame = frame.head(TABLE_ROWS)
    answer.update(
        ok=True,
        type="table",
        mime="text/csv" if suffix in (".csv", ".tsv") else None,
        columns=[str(c) for c in frame.columns],
        rows=[[_cell(v) for v in row] for row in frame.itertuples(index=False, name=None)],
        total_rows=total,
        truncated=total is None or total > len(frame),
    )
    return answer


def image_answer(name: str, data: bytes, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` carrying the image ``data`` of file ``name`` (base64)."""
    answer.update(ok=True, type="image", mime=IMAGE_TYPES[Path(name).suffix.lower()])
    answer["data_b64"] = base64.b64encode(data).decode("ascii")
    return answer


def text_answer(name: str, head: bytes, size: int | None, answer: dict[str, Any]) -> dict[str, Any]:
    """``answer`` with the start ``head`` of a text file of ``size`` bytes; binary files refused."""
    if b"\0" in head[:8192]:
        shown = f" ({size_text(size)})" if size is not None else ""
        raise ArtifactUnavailable(f"{name} is a binary file{shown}; no preview")
    head = head[:TEXT_LIMIT]
    answer.update(ok=True, type="text", mime="text/plain", truncated=size is None or size > len(head))
    answer["text"] = head.decode("utf-8", errors="replace")
    return answer


def _file(path: Path, answer: dict[str, Any]) -> dict[str, Any]:
    suffix = path.suffix.lower()
    size = path.stat().st_size
    if suffix in IMAGE_TYPES:
        if size > IMAGE_LIMIT:
            raise ArtifactUnavailable(
                f"{path.name} is {size_text(size)}; images are previewed up to {size_text(IMAGE_LIMIT)}"
            )
        return image_answer(path.name, path.read_bytes(), answer)
    if suffix in TABLE_TYPES:
        try:
            return _table(path, suffix, answer)
        except ArtifactUnavailable:
            raise
        except Exception as exc:
            if suffix not in (".csv", ".tsv", ".json", ".jsonl", ".ndjson"):
                raise ArtifactUnavailable(f"{path.name} could not be read as a table: {exc}") from None
            # Not a table after all: show it as text below.
    with open(path, "rb") as handle:
        head = handle.read(TEXT_LIMIT)
    return text_answer(path.name, head, size, answer)


def preview_path(root: Path, path: str | None) -> dict[str, Any]:
    """Preview ``path`` inside the artifact at ``root`` (``None``: the artifact itself).

    Raises
    ------
    ArtifactUnavailable
        The file is missing, outside the artifact, too large or unreadable (message says which).
    """
    answer = empty_preview()
    target = root
    if path:
        target = (root / path).resolve()
        base = root.resolve()
        if target != base and base not in target.parents:
            raise ArtifactUnavailable(f"{path!r} is outside the artifact")
        if not target.exists():
            raise ArtifactUnavailable(f"the artifact has no file {path!r}")
    elif root.is_dir():
        single = only_file(root)
        target = single if single is not None else root
    if target.is_dir():
        entries, more = listing(target)
        answer.update(ok=True, type="listing", entries=entries, truncated=more)
        return answer
    return _file(target, answer)
