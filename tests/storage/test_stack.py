"""Stacking sliced outputs into one list artifact: in order, zero-copy, and fast."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter.storage import (
    ArtifactConflictError,
    LocalStore,
    S3Artifact,
    path_object_of_artifact,
    stack_artifacts,
)

from .helpers import in_dest, write


def slice_outputs(
    store: LocalStore, tmp_path: Path, n: int, name: Callable[[int], str]
) -> list[S3Artifact | None]:
    """What ``n`` slices of one step saved: slice ``i`` returned the file ``name(i)``."""
    arts: list[S3Artifact | None] = []
    for i in range(n):
        step = tmp_path / "wf" / f"slice-{i}"
        write(step / "workdir" / name(i), f"content {i}")
        dest = step / "outputs" / "artifacts" / "out"
        arts.append(store.save_output(name(i), workdir=step / "workdir", dest=dest))
    return arts


def test_stacks_1000_items_in_order(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    items = slice_outputs(store, tmp_path, 1000, lambda i: f"out-{i}.txt")
    dest = tmp_path / "wf" / "fanout" / "outputs" / "artifacts" / "out"
    stacked = stack_artifacts(items, dest, create_dir=False)
    assert path_object_of_artifact(stacked) == [f"out-{i}.txt" for i in range(1000)]
    # dflow's readers recover the slice index from the order.
    assert isinstance(stacked.path_list, list)
    assert [item["order"] for item in stacked.path_list[:3]] == [0, 1, 2]
    # Zero-copy: the stacked files are the slices' files.
    first = items[0]
    assert first is not None
    assert os.path.samestat((dest / "out-0.txt").stat(), (Path(first.key) / "out-0.txt").stat())
    staged, _ = store.stage_input(stacked, dest=in_dest(tmp_path, "all"), sign_type=list[Path])
    assert [p.read_text() for p in staged[:2]] == ["content 0", "content 1"]
    assert len(staged) == 1000
    assert staged[999].name == "out-999.txt"


def test_create_dir_gives_each_slice_its_directory(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    items = slice_outputs(store, tmp_path, 3, lambda i: "same.txt")
    dest = tmp_path / "stacked"
    stacked = stack_artifacts(items, dest, create_dir=True)
    assert path_object_of_artifact(stacked) == ["0/same.txt", "1/same.txt", "2/same.txt"]
    assert (dest / "2" / "same.txt").read_text() == "content 2"


def test_same_path_from_two_slices_is_an_error(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    items = slice_outputs(store, tmp_path, 3, lambda i: "same.txt")
    dest = tmp_path / "stacked"
    with pytest.raises(ArtifactConflictError, match=r"slice 1 .* 'same\.txt'.*create_dir=True"):
        stack_artifacts(items, dest, create_dir=False)
    assert not dest.exists()
    assert [name for name in os.listdir(tmp_path) if name.startswith(".")] == []


def test_none_items_are_skipped_and_lists_are_concatenated(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    arts: list[Any] = []
    for i in range(3):
        wd = tmp_path / f"s{i}" / "workdir"
        write(wd / f"a{i}", "a")
        write(wd / f"b{i}", "b")
        arts.append(store.save_output([f"a{i}", f"b{i}"], workdir=wd, dest=tmp_path / f"o{i}"))
    arts[1] = None  # a failed slice with continue_on_failed
    stacked = stack_artifacts(arts, tmp_path / "stacked")
    assert path_object_of_artifact(stacked) == ["a0", "b0", "a2", "b2"]


def test_dict_slices_merge_like_dflow(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    arts = []
    for i in range(2):
        wd = tmp_path / f"s{i}" / "workdir"
        write(wd / f"f{i}", str(i))
        arts.append(store.save_output({f"k{i}": f"f{i}"}, workdir=wd, dest=tmp_path / f"o{i}"))
    stacked = stack_artifacts(arts, tmp_path / "stacked")
    assert path_object_of_artifact(stacked) == {"k0": "f0", "k1": "f1"}


def test_shell_outputs_stack(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    files = [
        store.save_path(write(tmp_path / f"w{i}" / f"r{i}.txt", str(i)), tmp_path / f"o{i}") for i in range(2)
    ]
    write(tmp_path / "w2" / "dir" / "x.txt", "x")
    plain_dir = store.save_path(tmp_path / "w2" / "dir", tmp_path / "o2")
    stacked = stack_artifacts([*files, plain_dir], tmp_path / "stacked")
    assert path_object_of_artifact(stacked) == ["r0.txt", "r1.txt"]
    assert (tmp_path / "stacked" / "x.txt").read_text() == "x"


def test_empty_stack(tmp_path: Path) -> None:
    stacked = stack_artifacts([None, None], tmp_path / "stacked")
    assert path_object_of_artifact(stacked) == []


def test_stacks_10000_items(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    write(tmp_path / "wd" / "r.txt", "r")
    art = store.save_output(["r.txt"], workdir=tmp_path / "wd", dest=tmp_path / "one")
    stacked = stack_artifacts([art] * 10_000, tmp_path / "stacked", create_dir=True)
    po = path_object_of_artifact(stacked)
    assert len(po) == 10_000
    assert po[9_999] == "9999/r.txt"
