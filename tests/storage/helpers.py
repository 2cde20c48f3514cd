"""Shared helpers of the storage tests."""

from __future__ import annotations

from pathlib import Path


class NestedDictBase:
    """Stand-in for ``dflow_jupyter.python.opio.NestedDictBase`` (the store duck-types it)."""

    leaf: type = Path


class NestedDictPath(NestedDictBase):
    leaf = Path


class NestedDictStr(NestedDictBase):
    leaf = str


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def out_dest(tmp_path: Path, name: str, step: str = "producer") -> Path:
    return tmp_path / "wf" / step / "outputs" / "artifacts" / name


def in_dest(tmp_path: Path, name: str, step: str = "consumer") -> Path:
    return tmp_path / "wf" / step / "inputs" / "artifacts" / name
