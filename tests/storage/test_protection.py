"""A consumer writing into its inputs must not silently corrupt the producer's artifact."""

from __future__ import annotations

import errno
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from dflow_jupyter.storage import FileFingerprint, LocalStore, linking, verify_unmodified

from .helpers import in_dest, out_dest, write


def produce(store: LocalStore, tmp_path: Path, workdir: Path) -> tuple[Path, Path, list[FileFingerprint]]:
    write(workdir / "a.txt", "original")
    write(workdir / "d" / "b.txt", "bee")
    art = store.save_output(["a.txt", "d"], workdir=workdir, dest=out_dest(tmp_path, "out"))
    staged, prints = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=list[Path])
    return staged[0], out_dest(tmp_path, "out") / "a.txt", prints


def test_copy_keeps_producer_safe(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    staged, stored, prints = produce(make_store("copy"), tmp_path, workdir)
    assert prints == []
    assert not os.path.samestat(staged.stat(), stored.stat())
    staged.write_text("changed by the consumer")
    assert stored.read_text() == "original"
    assert (workdir / "a.txt").read_text() == "original"


@pytest.mark.parametrize("method", ["auto", "link"])
def test_hard_links_are_read_only_and_writes_are_detected(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, workdir: Path
) -> None:
    staged, stored, prints = produce(make_store(method), tmp_path, workdir)
    # ext4 has no reflinks, so "auto" hard-links too: zero copy.
    assert os.path.samestat(staged.stat(), stored.stat())
    # The write bits are gone: an ordinary user gets PermissionError on open(..., "w").
    assert stat.S_IMODE(staged.stat().st_mode) & 0o222 == 0
    assert verify_unmodified(prints) == []
    rels = sorted(p.rel for p in prints)
    assert "inp/a.txt" in rels
    assert "inp/d/b.txt" in rels
    # root ignores permission bits: the write goes through, and is reported.
    os.chmod(staged, 0o644)
    with open(staged, "w") as f:
        f.write("changed in place")
    assert verify_unmodified(prints) == ["inp/a.txt"]


def test_replacing_or_deleting_an_input_is_not_a_modification(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    staged, stored, prints = produce(make_store("link"), tmp_path, workdir)
    staged.unlink()
    staged.write_text("a new file under the same name")
    shutil.rmtree(in_dest(tmp_path, "inp") / "d")
    assert stored.read_text() == "original"
    assert verify_unmodified(prints) == []


def test_symlink_method_detects_writes_through_links(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    staged, stored, prints = produce(make_store("symlink"), tmp_path, workdir)
    assert staged.is_symlink()
    assert staged.resolve() == stored.resolve()
    staged.write_text("written through the link")
    assert stored.read_text() == "written through the link"
    assert verify_unmodified(prints) == ["inp/a.txt"]


def test_deleted_store_file_is_reported(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    _, stored, prints = produce(make_store("link"), tmp_path, workdir)
    stored.unlink()
    assert verify_unmodified(prints) == ["inp/a.txt"]


def test_stage_at_fingerprints_name_the_target(
    make_store: Callable[..., LocalStore], tmp_path: Path, workdir: Path
) -> None:
    store = make_store("link")
    write(workdir / "x.txt", "x")
    art = store.save_path(workdir / "x.txt", out_dest(tmp_path, "x"))
    target = tmp_path / "wf" / "consumer" / "workdir" / "tmp" / "in.txt"
    prints = store.stage_at(art, target)
    assert [p.rel for p in prints] == ["in.txt"]
    assert target.read_text() == "x"
    os.chmod(target, 0o644)
    target.write_text("y")
    assert verify_unmodified(prints) == ["in.txt"]


def test_cross_device_falls_back_to_copy(
    make_store: Callable[..., LocalStore],
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_link(src: str, dst: str) -> None:
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    store = make_store("link")
    write(workdir / "a.txt", "A")
    art = store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "out"))
    monkeypatch.setattr(linking.os, "link", no_link)
    staged, prints = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=Path)
    assert staged.read_text() == "A"
    assert not os.path.samestat(staged.stat(), (workdir / "a.txt").stat())
    assert prints == []  # nothing shared, nothing to verify


def test_reflink_is_probed_once_and_used_when_supported(
    make_store: Callable[..., LocalStore],
    tmp_path: Path,
    workdir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cache: dict[tuple[int, int], bool] = {}
    monkeypatch.setattr(linking, "_reflink_support", cache)
    store = make_store("auto")
    write(workdir / "a.txt", "A")
    art = store.save_output("a.txt", workdir=workdir, dest=out_dest(tmp_path, "out"))
    dev = workdir.stat().st_dev
    assert cache == {(dev, dev): False}  # ext4: FICLONE refused, hard links from now on

    calls: list[str] = []

    def fake_reflink(src: str, dst: str) -> None:  # a copy-on-write filesystem
        calls.append(dst)
        shutil.copyfile(src, dst)

    cache.clear()
    monkeypatch.setattr(linking, "_reflink", fake_reflink)
    staged, prints = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=Path)
    assert cache == {(dev, dev): True}
    assert len(calls) == 1
    assert prints == []
    staged.write_text("the consumer's own copy")
    assert (out_dest(tmp_path, "out") / "a.txt").read_text() == "A"


def test_unknown_method_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"unknown method 'hardlink'.*'auto'"):
        LocalStore(tmp_path, "hardlink")
