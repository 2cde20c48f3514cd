"""The public ``upload_artifact``/``download_artifact`` outside debug mode: the object store (moto, via minio).

``config["mode"] = "default"`` (dflow's name for Argo) or ``config["debug_s3"]`` sends
artifacts to S3; a step of an Argo run names its outputs by their S3 keys (the status nodes
are Argo's real objects, from the Argo materials).
"""

from __future__ import annotations

import io
import json
import os
import tarfile
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter import config, s3_config
from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.query import ArgoStep
from dflow_jupyter.storage import (
    S3Artifact,
    StorageClient,
    download_artifact,
    path_list_of_artifact,
    upload_artifact,
)
from dflow_jupyter.storage.errors import ArtifactPathError
from dflow_jupyter.storage.s3 import MinioClient

STATUS = Path(__file__).parents[1] / "argo_runtime" / "materials" / "status"


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def files(tmp_path: Path) -> Path:
    src = tmp_path / "src"
    (src / "dir" / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("A")
    (src / "b.txt").write_text("B")
    (src / "dir" / "c.txt").write_text("C")
    (src / "dir" / "sub" / "d.txt").write_text("D")
    os.chdir(src)
    return src


@pytest.mark.parametrize("how", ["mode default", "mode argo", "debug_s3"])
def test_upload_and_download_go_to_the_object_store_outside_debug_mode(
    store: MinioClient, files: Path, tmp_path: Path, how: str
) -> None:
    if how == "debug_s3":
        config["debug_s3"] = True
    else:
        config["mode"] = how.split()[1]
    art = upload_artifact({"x": "a.txt", "y": ["dir", "b.txt"]})
    assert art.local_path is None and art.key.startswith("upload/") and art.key.endswith(".tgz")
    assert store.list(art.key) == [art.key]  # one archive object, nothing written locally
    assert not (tmp_path / "artifacts").exists()
    out = tmp_path / "out"
    assert download_artifact(art, path=out) == {
        "x": str(out / "a.txt"),
        "y": [str(out / "dir"), str(out / "b.txt")],
    }
    assert _tree(out) == {"a.txt": b"A", "b.txt": b"B", "dir/c.txt": b"C", "dir/sub/d.txt": b"D"}
    # A slice of an archived upload: the archive comes once, the selected path is returned.
    assert download_artifact(art["y.1"], path=tmp_path / "one") == str(tmp_path / "one" / "b.txt")


def test_files_stored_one_by_one_keep_their_catalog_in_the_store(
    store: MinioClient, files: Path, tmp_path: Path
) -> None:
    config["mode"] = "default"
    art = upload_artifact(["b.txt", "dir/sub/d.txt"], archive=None)
    names = store.list(art.key, recursive=True)
    assert [n[len(art.key) + 1 :] for n in names if "/.dflow/" not in n] == ["b.txt", "dir/sub/d.txt"]
    assert path_list_of_artifact(S3Artifact(key=art.key)) == ["b.txt", "dir/sub/d.txt"]
    got = download_artifact(S3Artifact(key=art.key)[1], path=tmp_path / "out")
    assert got == str(tmp_path / "out" / "dir" / "sub" / "d.txt")
    assert _tree(tmp_path / "out") == {"dir/sub/d.txt": b"D"}  # only the slice came


def test_a_list_of_stored_artifacts_is_concatenated_as_dflow_does(
    store: MinioClient, files: Path, tmp_path: Path
) -> None:
    config["mode"] = "default"
    first, second = upload_artifact("a.txt"), upload_artifact(["b.txt", "dir/c.txt"], archive=None)
    out = tmp_path / "out"
    assert download_artifact([first, second], path=out) == [
        str(out / "0" / "a.txt"),
        str(out / "1" / "b.txt"),
        str(out / "1" / "dir" / "c.txt"),
    ]


def _step(name: str, fixture: str = "succeeded-steps.json") -> ArgoStep:
    status = WorkflowStatus.from_argo(json.loads((STATUS / fixture).read_text()))
    [node] = [n for n in status.nodes.values() if n.display_name == name and n.outputs]
    return ArgoStep(node, status.name)


def test_an_output_of_a_step_of_an_argo_run_is_fetched_by_its_key(store: MinioClient, tmp_path: Path) -> None:
    config["mode"] = "default"
    step = _step("hello1")
    art = step.outputs.artifacts["main-logs"]
    key = art.key  # as the status node gives it: "steps-4k5vn/steps-4k5vn-whalesay-.../main.log"
    assert key.startswith("steps-4k5vn/") and key.endswith("/main.log")
    log = b"hello1\n" * 100
    store.client.put_object(store.bucket_name, key, io.BytesIO(log), len(log))
    got = download_artifact(art, path=tmp_path / "out")
    assert got == [] and _tree(tmp_path / "out") == {"main.log": log}  # no catalog: dflow's []
    # The raw Argo entry works too.
    [entry] = step.node.outputs["artifacts"]
    download_artifact(entry, path=tmp_path / "raw")
    assert (tmp_path / "raw" / "main.log").read_bytes() == log


def test_an_argo_archived_output_directory_is_merged_into_the_target(
    store: MinioClient, tmp_path: Path
) -> None:
    """Argo stores an output directory ``out`` as ``out.tgz`` holding ``out/...``: dflow merges it."""
    config["mode"] = "default"
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tf:
        for name, body in {
            "out/r.txt": b"R",
            "out/.dflow/c": b'{"path_list": [{"dflow_list_item": "r.txt", "order": 0}]}',
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    key = "wf-1/wf-1-step-123/out.tgz"
    store.client.put_object(store.bucket_name, key, io.BytesIO(data.getvalue()), len(data.getvalue()))
    step_outputs = {"artifacts": [{"name": "out", "path": "/tmp/outputs/artifacts/out", "s3": {"key": key}}]}
    got = download_artifact(step_outputs["artifacts"][0], path=tmp_path / "t")
    assert got == [str(tmp_path / "t" / "r.txt")] and _tree(tmp_path / "t") == {"r.txt": b"R"}


class _Counting(StorageClient):
    """A user's storage client (dflow's extension point), here delegating to MinIO and counting."""

    def __init__(self, inner: MinioClient) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def upload(self, key: str, path: str) -> None:
        self.calls.append("upload")
        self.inner.upload(key, path)

    def download(self, key: str, path: str) -> None:
        self.calls.append("download")
        self.inner.download(key, path)

    def list(self, prefix: str, recursive: bool = False) -> list[str]:
        self.calls.append("list")
        return self.inner.list(prefix, recursive)

    def copy(self, src: str, dst: str) -> None:
        self.inner.copy(src, dst)

    def get_md5(self, key: str) -> str:
        self.calls.append("get_md5")
        return self.inner.get_md5(key)


@pytest.mark.parametrize("where", ["s3_config", "argument"])
def test_the_storage_client_is_the_extension_point(
    store: MinioClient, files: Path, tmp_path: Path, where: str
) -> None:
    config["mode"] = "default"
    client = _Counting(store)
    kwargs: dict[str, Any] = {}
    if where == "s3_config":
        s3_config["storage_client"] = client
    else:
        kwargs["storage_client"] = client
    art = upload_artifact("a.txt", **kwargs)
    download_artifact(art, path=tmp_path / "out", **kwargs)
    download_artifact(art, path=tmp_path / "out", skip_exists=True, **kwargs)
    assert client.calls == ["upload", "list", "download", "list", "download"]
    assert (tmp_path / "out" / "a.txt").read_text() == "A"


def test_skip_exists_keeps_files_whose_md5_matches(store: MinioClient, files: Path, tmp_path: Path) -> None:
    config["mode"] = "default"
    art = upload_artifact(["a.txt", "b.txt"], archive=None)
    out = tmp_path / "out"
    download_artifact(art, path=out)
    (out / "b.txt").write_text("changed here")
    before = (out / "a.txt").stat().st_ino
    download_artifact(art, path=out, skip_exists=True)
    assert (out / "a.txt").stat().st_ino == before  # same md5: not fetched again
    assert (out / "b.txt").read_text() == "B"  # different: fetched


def test_object_names_leaving_the_target_are_refused(store: MinioClient, tmp_path: Path) -> None:
    config["mode"] = "default"
    store.client.put_object(store.bucket_name, "art/ok.txt", io.BytesIO(b"x"), 1)
    with pytest.raises(ArtifactPathError, match="sub_path"):
        download_artifact(S3Artifact(key="art"), sub_path="../evil.txt", path=tmp_path / "t")
    assert not (tmp_path / "evil.txt").exists()
