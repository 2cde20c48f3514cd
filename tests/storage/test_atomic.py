"""A crash while writing an artifact never leaves it half-written under its final name."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter.storage import (
    LocalStore,
    stack as stack_module,
    stack_artifacts,
    store as store_module,
    transfer as transfer_module,
    upload_artifact,
)
from dflow_jupyter.storage.linking import Linker

from .helpers import in_dest, out_dest, write


class Crash(Exception):
    pass


def crash(*args: Any, **kwargs: Any) -> None:
    raise Crash("simulated crash")


def entries(directory: Path) -> list[str]:
    """What a directory holds, apart from the store's manifests (``.<artifact>.store.json``)."""
    names = os.listdir(directory) if directory.exists() else []
    return sorted(n for n in names if not n.endswith(".store.json"))


def test_crash_before_catalog_leaves_no_output(
    make_store: Callable[..., LocalStore],
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(workdir / "a.txt", "A")
    dest = out_dest(tmp_path, "out")
    monkeypatch.setattr(store_module, "write_catalog", crash)
    with pytest.raises(Crash):
        make_store().save_output(["a.txt"], workdir=workdir, dest=dest)
    assert entries(dest.parent) == []  # neither "out" nor a temporary directory


def test_crash_mid_tree_leaves_no_output(
    make_store: Callable[..., LocalStore],
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for i in range(5):
        write(workdir / "d" / f"f{i}", str(i))
    calls = []
    real_file = Linker.file

    def file_then_crash(self: Linker, *args: Any, **kwargs: Any) -> None:
        calls.append(args)
        if len(calls) == 3:
            raise Crash("disk full")
        real_file(self, *args, **kwargs)

    monkeypatch.setattr(Linker, "file", file_then_crash)
    dest = out_dest(tmp_path, "out")
    with pytest.raises(Crash):
        make_store().save_output("d", workdir=workdir, dest=dest)
    assert entries(dest.parent) == []


def test_crash_while_staging_keeps_previous_input(
    make_store: Callable[..., LocalStore],
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = make_store()
    write(workdir / "a.txt", "A")
    art = store.save_output(["a.txt"], workdir=workdir, dest=out_dest(tmp_path, "out"))
    dest = in_dest(tmp_path, "inp")
    store.stage_input(art, dest=dest, sign_type=Path)
    monkeypatch.setattr(Linker, "file", crash)
    with pytest.raises(Crash):
        store.stage_input(art, dest=dest, sign_type=Path)
    assert entries(dest.parent) == ["inp"]
    assert (dest / "a.txt").read_text() == "A"


def test_resaving_replaces_the_whole_artifact(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store()
    write(workdir / "a.txt", "A")
    write(workdir / "b.txt", "B")
    dest = out_dest(tmp_path, "out")
    store.save_output(["a.txt"], workdir=workdir, dest=dest)
    store.save_output(["b.txt"], workdir=workdir, dest=dest)
    assert sorted(p.name for p in dest.iterdir()) == [".dflow", "b.txt"]
    assert len(os.listdir(dest / ".dflow")) == 1
    assert entries(dest.parent) == ["out"]


def test_crash_while_stacking_or_uploading(
    tmp_path: Path, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = LocalStore(tmp_path / "artifacts")
    write(workdir / "a.txt", "A")
    art = store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "out"))
    monkeypatch.setattr(stack_module, "write_catalog", crash)
    with pytest.raises(Crash):
        stack_artifacts([art, art], tmp_path / "stacked" / "out", create_dir=True)
    assert entries(tmp_path / "stacked") == []
    monkeypatch.setattr(transfer_module, "write_catalog", crash)
    with pytest.raises(Crash):
        upload_artifact(str(workdir / "a.txt"))
    assert entries(tmp_path / "artifacts" / "upload") == []
