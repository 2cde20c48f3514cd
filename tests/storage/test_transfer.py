"""upload_artifact / download_artifact behave like dflow's (relative paths, catalogs, results)."""

from __future__ import annotations

import json
import os
import socket
import tarfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from dflow_jupyter.config import config, s3_config
from dflow_jupyter.storage import (
    ArtifactNotFoundError,
    LocalArtifact,
    LocalStore,
    S3Artifact,
    download_artifact,
    path_list_of_artifact,
    path_object_of_artifact,
    upload_artifact,
)
from dflow_jupyter.storage.s3 import ObjectStoreError

from .helpers import in_dest, write


def test_upload_keeps_relative_paths_and_download_returns_them(tmp_path: Path) -> None:
    write(tmp_path / "data" / "a.txt", "A")
    write(tmp_path / "b.txt", "B")
    art = upload_artifact(["data/a.txt", "b.txt"])
    assert isinstance(art, S3Artifact)
    assert art.local_path == art.key
    assert Path(art.key).parent == Path(config["debug_artifact_dir"]) / "upload"
    assert path_list_of_artifact(art) == ["data/a.txt", "b.txt"]
    assert download_artifact(art, path="out") == ["out/data/a.txt", "out/b.txt"]
    assert Path("out/data/a.txt").read_text() == "A"
    assert not Path("out/.dflow").exists()
    # dflow returns os.path.join(path, item): "./b.txt" for the default path.
    assert download_artifact(art)[1] == "./b.txt"


def test_absolute_path_outside_cwd_keeps_its_absolute_path(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    outside = write(tmp_path_factory.mktemp("elsewhere") / "x.txt", "X")
    art = upload_artifact(outside)
    rel = str(outside).lstrip("/")
    assert path_list_of_artifact(art) == [rel]
    assert download_artifact(art, path="dl") == [os.path.join("dl", rel)]
    assert Path("dl", rel).read_text() == "X"


def test_dict_and_nested_uploads(tmp_path: Path) -> None:
    for name in "abc":
        write(tmp_path / f"{name}.txt", name)
    art = upload_artifact({"first": "a.txt", "rest": ["b.txt", "c.txt"]})
    assert path_object_of_artifact(art) == {"first": "a.txt", "rest": ["b.txt", "c.txt"]}
    got = download_artifact(art, path="o")
    assert got == {"first": "o/a.txt", "rest": ["o/b.txt", "o/c.txt"]}
    nested = upload_artifact([["a.txt", "b.txt"], "c.txt"])
    assert path_object_of_artifact(nested) == [["a.txt", "b.txt"], "c.txt"]


def test_upload_directory_and_set(tmp_path: Path) -> None:
    write(tmp_path / "d" / "x" / "y.txt", "Y")
    art = upload_artifact(Path("d"))
    assert download_artifact(art, path="o") == ["o/d"]
    assert Path("o/d/x/y.txt").read_text() == "Y"
    write(tmp_path / "s.txt", "S")
    assert download_artifact(upload_artifact({"s.txt"}), path="p") == ["p/s.txt"]


def test_upload_of_missing_path_fails_like_dflow(tmp_path: Path) -> None:
    with pytest.raises(ArtifactNotFoundError, match=r"'nope\.txt' does not exist") as info:
        upload_artifact(["nope.txt"])
    assert isinstance(info.value, RuntimeError)  # what dflow raises
    assert list((tmp_path / "artifacts" / "upload").iterdir()) == []


def test_uploading_cwd_does_not_recurse_into_the_store(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A")
    upload_artifact("a.txt")
    art = upload_artifact(".")
    root = Path(art.key)
    uploaded = root / tmp_path.relative_to("/")
    assert (uploaded / "a.txt").read_text() == "A"
    assert not (uploaded / "artifacts" / "upload").exists()


def test_upload_copies_the_users_files_and_uses_the_object_store_outside_debug_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = write(tmp_path / "a.txt", "A")
    art = upload_artifact("a.txt")
    # A copy (or a reflink): sharing the inode would let staging make the user's file read-only.
    assert not os.path.samestat(src.stat(), (Path(art.key) / "a.txt").stat())
    assert (Path(art.key) / "a.txt").read_text() == "A"
    # Outside debug mode the object store is used (tests/storage/test_s3_transfer.py); one that
    # cannot be reached is named, without a word of the credentials.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    for key, value in {"endpoint": closed, "secure": False, "secret_key": "sekrit-value"}.items():
        monkeypatch.setitem(s3_config, key, value)
    monkeypatch.setitem(s3_config, "storage_client", None)
    config["mode"] = "default"
    with pytest.raises(ObjectStoreError, match=f"cannot reach the object store at {closed}") as caught:
        upload_artifact("a.txt", region="us-east-1")
    assert "sekrit-value" not in str(caught.value)


def test_download_sub_path_slice_and_item(tmp_path: Path) -> None:
    write(tmp_path / "d" / "inner.txt", "I")
    write(tmp_path / "b.txt", "B")
    art = upload_artifact(["d", "b.txt"])
    assert download_artifact(art, sub_path="d/inner.txt", path="s") == "s/d/inner.txt"
    assert Path("s/d/inner.txt").read_text() == "I"
    assert download_artifact(art, slice=1, path="t") == "t/b.txt"
    assert download_artifact(art[0], path="u") == "u/d"
    assert sorted(os.listdir("u")) == ["d"]


def test_download_keeps_catalog_when_asked_and_skips_identical_files(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A")
    art = upload_artifact("a.txt")
    download_artifact(art, path="o", remove_catalog=False)
    catalog = os.listdir("o/.dflow")
    assert len(catalog) == 1
    payload = json.loads(Path("o/.dflow", catalog[0]).read_text())
    assert payload == {"path_list": [{"dflow_list_item": "a.txt", "order": 0}]}
    config["debug_copy_method"] = "copy"
    Path("o/a.txt").unlink()
    write(Path("o/a.txt"), "A")
    before = Path("o/a.txt").stat().st_ino
    assert download_artifact(art, path="o", skip_exists=True) == ["o/a.txt"]
    assert Path("o/a.txt").stat().st_ino == before


def test_download_accepts_many_kinds_of_reference(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A")
    art = upload_artifact("a.txt")
    assert download_artifact(LocalArtifact(art.key), path="l") == ["l/a.txt"]
    assert download_artifact(SimpleNamespace(key=art.key), path="k") == ["k/a.txt"]
    assert art.download(path="m") == ["m/a.txt"]
    # A relative key is looked up in the artifact directory, like dflow's debug mode.
    relative = os.path.relpath(art.key, config["debug_artifact_dir"])
    assert download_artifact(S3Artifact(key=relative), path="r") == ["r/a.txt"]
    assert download_artifact([art, art], path="many") == ["many/0/a.txt", "many/1/a.txt"]
    assert download_artifact({"x": art}, path="d") == {"x": ["d/x/a.txt"]}
    with pytest.raises(ArtifactNotFoundError, match="not in the local store"):
        download_artifact(S3Artifact(key="upload/missing"), path="z")


def test_single_file_artifact_downloads_under_its_name(tmp_path: Path) -> None:
    store = LocalStore(tmp_path / "artifacts")
    produced = write(tmp_path / "wf" / "sh" / "workdir" / "tmp" / "result.txt", "R")
    art = store.save_path(produced, tmp_path / "wf" / "sh" / "outputs" / "artifacts" / "res")
    assert download_artifact(art, path="o") == ["o/result.txt"]
    assert Path("o/result.txt").read_text() == "R"


def test_uploaded_artifact_feeds_a_step(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "A")
    write(tmp_path / "b.txt", "B")
    art = upload_artifact(["a.txt", "b.txt"])
    store = LocalStore(tmp_path / "artifacts")
    staged, _ = store.stage_input(art, dest=in_dest(tmp_path, "inp"), sign_type=list[Path])
    assert [p.read_text() for p in staged] == ["A", "B"]


def test_tarball_artifacts_are_extracted(tmp_path: Path) -> None:
    write(tmp_path / "src" / "a.txt", "A")
    write(
        tmp_path / "src" / ".dflow" / "c",
        json.dumps({"path_list": [{"dflow_list_item": "a.txt", "order": 0}]}),
    )
    with tarfile.open(tmp_path / "art.tgz", "w:gz") as tf:
        tf.add(tmp_path / "src", arcname=".")
    art = LocalArtifact(tmp_path / "art.tgz")
    assert download_artifact(art, path="x") == ["x/a.txt"]
    assert Path("x/a.txt").read_text() == "A"
    assert not Path("x/.dflow").exists()
    assert download_artifact(art, path="y", extract=False) == ["y/art.tgz"]


def test_stage_at_follows_dflow_for_uploads_unless_unwrapping(tmp_path: Path) -> None:
    write(tmp_path / "in.txt", "hello")
    art = upload_artifact("in.txt")
    store = LocalStore(tmp_path / "artifacts")
    target = tmp_path / "wf" / "sh" / "workdir" / "tmp" / "in.txt"
    store.stage_at(art, target)
    assert (target / "in.txt").read_text() == "hello"  # a directory, as in dflow
    store.stage_at(art, target, unwrap_single_file=True)
    assert target.read_text() == "hello"
    write(tmp_path / "two.txt", "2")
    both = upload_artifact(["in.txt", "two.txt"])
    store.stage_at(both, target, unwrap_single_file=True)
    assert target.is_dir()
