"""Nothing outside the store and the chosen destination is ever linked, made read-only or written.

Each test keeps a "user file" outside the store and checks its content, mode and inode after
the operation (as root, which ignores permission bits, writes in place would go through).
"""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import pytest

from dflow_jupyter.config import config
from dflow_jupyter.storage import LocalArtifact, LocalStore, S3Artifact, download_artifact, upload_artifact
from dflow_jupyter.storage.errors import ArtifactPathError

from .helpers import in_dest, out_dest, write


class Seen(NamedTuple):
    content: bytes
    mode: int
    ino: int
    nlink: int


def seen(path: Path) -> Seen:
    st = os.lstat(path)
    return Seen(path.read_bytes(), stat.S_IMODE(st.st_mode), st.st_ino, st.st_nlink)


@pytest.fixture
def user_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A file of the user's, far from the store and the step directories."""
    path = tmp_path_factory.mktemp("home") / "precious.txt"
    path.write_text("the user's data")
    path.chmod(0o644)
    return path


def _consume_in_place(staged: Path) -> None:
    """A consumer that writes into its input (root ignores the read-only bit)."""
    os.chmod(staged, 0o644)
    staged.write_text("overwritten by a consumer")


@pytest.mark.parametrize("how", ["absolute", "dotdot", "symlink", "hardlink"])
def test_outputs_outside_the_step_are_copied(
    make_store: Callable[..., LocalStore],
    method: str,
    tmp_path: Path,
    workdir: Path,
    user_file: Path,
    how: str,
) -> None:
    before = seen(user_file)
    if how == "absolute":
        value: object = user_file
    elif how == "dotdot":
        value = os.path.relpath(user_file, workdir)
    elif how == "symlink":
        (workdir / "link.txt").symlink_to(user_file)
        value = "link.txt"
    else:  # a hard link the OP made to the user's file, inside its own directory
        os.link(user_file, workdir / "alias.txt")
        value = "alias.txt"
        before = before._replace(nlink=before.nlink + 1)
    store = make_store(method)
    art = store.save_output(value, workdir=workdir, dest=out_dest(tmp_path, "out"))
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=Path)
    staged = Path(staged)
    assert staged.read_text() == "the user's data"
    if not staged.is_symlink() or Path(os.path.realpath(staged)) != user_file:
        _consume_in_place(Path(os.path.realpath(staged)))
    assert seen(user_file) == before


def test_local_artifact_inputs_are_copied_not_linked(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, user_file: Path
) -> None:
    before = seen(user_file)
    store = make_store(method)
    staged, prints = store.stage_input(
        LocalArtifact(user_file.parent), dest=in_dest(tmp_path, "inp"), sign_type=Path
    )
    copy = Path(staged) / user_file.name
    assert not copy.is_symlink() and copy.read_text() == "the user's data"
    assert prints == []
    _consume_in_place(copy)
    assert seen(user_file) == before


def test_uploaded_files_stay_the_users(
    make_store: Callable[..., LocalStore], method: str, tmp_path: Path, user_file: Path
) -> None:
    config["debug_copy_method"] = method
    before = seen(user_file)
    art = upload_artifact(user_file)
    store = make_store(method)
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=list[Path])
    _consume_in_place(Path(os.path.realpath(staged[0])))
    download_artifact(art, path=tmp_path / "dl")
    assert seen(user_file) == before


@pytest.mark.parametrize("item", ["/abs/path", "../", "../../escape.txt", "a/../../b"])
def test_crafted_catalog_items_are_refused(tmp_path: Path, user_file: Path, item: str) -> None:
    before = seen(user_file)
    art_dir = tmp_path / "crafted"
    write(art_dir / "x.txt", "x")
    (art_dir / ".dflow").mkdir()
    (art_dir / ".dflow" / "c").write_text(json.dumps({"path_list": [{"dflow_list_item": item, "order": 0}]}))
    target = tmp_path / "target"
    with pytest.raises(ArtifactPathError, match="leads outside the artifact"):
        download_artifact(LocalArtifact(art_dir), path=target)
    with pytest.raises(ArtifactPathError):
        download_artifact(LocalArtifact(art_dir)[0], path=target)
    carried = S3Artifact(key=str(art_dir), path_list=[{"dflow_list_item": item, "order": 0}])
    with pytest.raises(ArtifactPathError):
        download_artifact(carried, path=target, slice=0)
    assert seen(user_file) == before
    assert not (tmp_path / "escape.txt").exists() and not Path("/abs/path").exists()


def test_sub_path_outside_the_artifact_is_refused(tmp_path: Path, user_file: Path) -> None:
    write(tmp_path / "a" / "x.txt", "x")
    art = upload_artifact(tmp_path / "a")
    with pytest.raises(ArtifactPathError, match="sub_path"):
        download_artifact(art, sub_path="../../..", path=tmp_path / "t")


@pytest.mark.parametrize("dl_method", ["copy", "reflink", "auto", "link"])
def test_a_symlink_at_the_destination_is_never_followed(
    tmp_path: Path, user_file: Path, dl_method: str
) -> None:
    config["debug_copy_method"] = dl_method
    write(tmp_path / "src" / "precious.txt", "from the artifact")
    write(tmp_path / "src" / "d" / "inner.txt", "inner")
    art = upload_artifact(["src/precious.txt", "src/d"])
    before = seen(user_file)
    target = tmp_path / "target"
    (target / "src").mkdir(parents=True)
    (target / "src" / "precious.txt").symlink_to(user_file)
    (target / "src" / "d").symlink_to(user_file.parent)  # a directory symlink on the way
    download_artifact(art, path=target)
    assert seen(user_file) == before
    assert not (user_file.parent / "inner.txt").exists()
    placed = target / "src" / "precious.txt"
    assert not placed.is_symlink() and placed.read_text() == "from the artifact"
    assert (target / "src" / "d" / "inner.txt").read_text() == "inner"


def _tarball(path: Path, members: list[tuple[str, str | None, bytes]]) -> Path:
    with tarfile.open(path, "w:gz") as tf:
        for name, link, data in members:
            info = tarfile.TarInfo(name)
            if link is not None:
                info.type, info.linkname = tarfile.SYMTYPE, link
                tf.addfile(info)
            else:
                info.size = len(data)
                tf.addfile(info, io.BytesIO(data))
    return path


@pytest.mark.parametrize(
    "members",
    [
        [("../evil.txt", None, b"x")],
        [("/tmp/evil-absolute.txt", None, b"x")],
        [("ok/../../evil.txt", None, b"x")],
        [("link", "/etc", b"")],
        [("link", "../..", b"")],
        [("link", "../outside", b""), ("link/evil.txt", None, b"x")],
    ],
)
def test_archive_members_leaving_the_target_are_refused(
    tmp_path: Path, user_file: Path, members: list[tuple[str, str | None, bytes]]
) -> None:
    before = seen(user_file)
    archive = _tarball(tmp_path / "art.tgz", members)
    target = tmp_path / "deep" / "target"
    with pytest.raises(ArtifactPathError):
        download_artifact(LocalArtifact(archive), path=target)
    assert seen(user_file) == before
    assert not (tmp_path / "deep" / "evil.txt").exists()
    assert not (tmp_path / "deep" / "outside").exists()
    assert not Path("/tmp/evil-absolute.txt").exists()


def test_a_safe_archive_is_extracted(tmp_path: Path) -> None:
    archive = _tarball(tmp_path / "art.tgz", [("d/a.txt", None, b"A"), ("d/same", "a.txt", b"")])
    download_artifact(LocalArtifact(archive), path=tmp_path / "t")
    assert (tmp_path / "t" / "d" / "a.txt").read_text() == "A"
    assert (tmp_path / "t" / "d" / "same").read_text() == "A"


@pytest.mark.parametrize(
    ("members", "says"),
    [
        ([("a", tarfile.LNKTYPE, "a")], "itself"),  # tarfile would recurse without end
        ([("./", tarfile.SYMTYPE, "")], "itself or nothing"),
        ([("s", tarfile.SYMTYPE, "x"), ("h", tarfile.LNKTYPE, "s")], "expected a file earlier"),
        ([("d", tarfile.DIRTYPE, ""), ("d", tarfile.SYMTYPE, "x")], "shares its name"),
    ],
)
def test_links_that_loop_are_refused(
    tmp_path: Path, members: list[tuple[str, bytes, str]], says: str
) -> None:
    archive = tmp_path / "loop.tgz"
    with tarfile.open(archive, "w:gz") as tf:
        for name, kind, link in members:
            info = tarfile.TarInfo(name)
            info.type, info.linkname = kind, link
            tf.addfile(info)
    with pytest.raises(ArtifactPathError, match=says):
        download_artifact(LocalArtifact(archive), path=tmp_path / "t")
