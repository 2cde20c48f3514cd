"""Saved outputs record the SHA-256 of their files, so a change is found whatever its size and mtime."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from dflow_jupyter.storage import LocalArtifact, LocalStore

from .helpers import out_dest, write


def _saved(store: LocalStore, tmp_path: Path, workdir: Path) -> tuple[object, Path]:
    write(workdir / "a.txt", "original")
    write(workdir / "d" / "b.txt", "bee")
    art = store.save_output(["a.txt", "d"], workdir=workdir, dest=out_dest(tmp_path, "out"))
    return art, out_dest(tmp_path, "out")


def test_an_intact_output_has_no_changed_files(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    store = make_store(method)
    art, _ = _saved(store, tmp_path, workdir)
    assert store.changed_files(art) == []
    assert store.changed_files([art, None]) == []


def test_a_same_size_rewrite_with_the_old_mtime_is_found(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store("link")
    art, root = _saved(store, tmp_path, workdir)
    stored = root / "a.txt"
    before = os.stat(stored)
    os.chmod(stored, 0o644)
    stored.write_text("ORIGINAL")  # same size
    os.utime(stored, ns=(before.st_atime_ns, before.st_mtime_ns))  # same mtime
    assert os.stat(stored).st_size == before.st_size
    assert store.changed_files(art) == [str(root / "a.txt")]


def test_removed_and_added_files_are_found(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store("copy")
    art, root = _saved(store, tmp_path, workdir)
    (root / "d" / "b.txt").unlink()
    write(root / "extra.txt", "new")
    assert store.changed_files(art) == [str(root / "d" / "b.txt"), str(root / "extra.txt")]


def test_script_outputs_record_digests_too(make_store: Callable[..., LocalStore], tmp_path: Path) -> None:
    store = make_store("auto")
    produced = write(tmp_path / "wf" / "sh" / "workdir" / "res.txt", "result")
    art = store.save_path(produced, tmp_path / "wf" / "sh" / "outputs" / "artifacts" / "res")
    assert store.changed_files(art) == []
    os.chmod(Path(art.key) / "res.txt", 0o644)
    (Path(art.key) / "res.txt").write_text("tampered")
    assert store.changed_files(art) == [str(Path(art.key) / "res.txt")]


def test_artifacts_the_store_did_not_write_cannot_be_checked(
    make_store: Callable[..., LocalStore], tmp_path: Path
) -> None:
    write(tmp_path / "mine" / "x.txt", "x")
    assert make_store("auto").changed_files(LocalArtifact(tmp_path / "mine")) is None
