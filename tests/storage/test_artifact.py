"""``S3Artifact`` / ``LocalArtifact`` references behave like dflow's."""

from __future__ import annotations

from typing import Any

import pytest

from dflow_jupyter.config import config, s3_config
from dflow_jupyter.storage import ArtifactTypeError, LocalArtifact, S3Artifact, StorageClient


def test_debug_mode_key_is_the_local_path() -> None:
    art = S3Artifact(key="/store/out", path_list=[{"dflow_list_item": "a", "order": 0}])
    assert art.local_path == "/store/out"
    assert art.path_list == [{"dflow_list_item": "a", "order": 0}]
    assert repr(art) == "S3Artifact(key='/store/out')"


def test_object_store_keys_get_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(s3_config, "prefix", "team/")
    art = S3Artifact(key="upload/x", debug_s3=True)
    assert art.local_path is None
    assert art.key == "team/upload/x"
    assert S3Artifact(key="team/upload/x", debug_s3=True).key == "team/upload/x"
    config["mode"] = "default"
    assert S3Artifact(key="y").key == "team/y"


def test_key_is_required() -> None:
    with pytest.raises(ArtifactTypeError, match="a key is required"):
        S3Artifact()


def test_sub_path_and_slicing() -> None:
    art = S3Artifact(key="/store/out", path_list=[{"dflow_list_item": "a", "order": 0}])
    sub = art.sub_path("dir/file")
    assert (sub.key, sub.local_path, sub.path_list) == (
        "/store/out/dir/file",
        "/store/out/dir/file",
        [],
    )
    assert art.key == "/store/out"
    item = art[1][2]
    assert item.slice == "1.2"
    assert item.parent.slice == 1
    assert item.parent.parent is art
    assert art.slice is None
    assert "[" in repr(item)


def test_round_trip_through_dict() -> None:
    art = S3Artifact(key="/store/out")[3]
    again = S3Artifact.from_dict(art.to_dict())
    assert (again.key, again.local_path, again.slice) == ("/store/out", "/store/out", 3)
    imports: set[tuple[str | None, str]] = set()
    assert art.evalable_repr(imports) == "S3Artifact(key='/store/out')"
    assert imports == {("dflow_jupyter", "S3Artifact")}


def test_local_artifact() -> None:
    art = LocalArtifact("/data")
    assert art.sub_path("x").local_path == "/data/x"
    assert art[0].slice == 0
    assert repr(art) == "LocalArtifact(local_path='/data')"


def test_storage_client_is_dflows_abstract_interface() -> None:
    class Partial(StorageClient):
        def upload(self, key: str, path: str) -> None: ...

    with pytest.raises(TypeError):
        Partial()  # type: ignore[abstract]

    class Complete(Partial):
        def download(self, key: str, path: str) -> None: ...

        def list(self, prefix: str, recursive: bool = False) -> Any:
            return [prefix]

        def copy(self, src: str, dst: str) -> None: ...

        def get_md5(self, key: str) -> str:
            return "0"

    assert Complete().list("p") == ["p"]
