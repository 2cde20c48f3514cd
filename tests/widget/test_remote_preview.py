"""Previews of an Argo run's artifacts from the object store (moto on 127.0.0.1, via minio).

What travels is measured on the wire: minio's HTTP trace gives the ``Content-Length`` of every
answer, and the bytes of object reads are compared with the objects' sizes.
"""

from __future__ import annotations

import base64
import io
import json
import socket
import tarfile
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from dflow_jupyter import config, s3_config
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.storage import StorageClient, upload_artifact
from dflow_jupyter.storage.s3 import MinioClient
from dflow_jupyter.widget.artifacts import ArtifactUnavailable
from dflow_jupyter.widget.preview import IMAGE_LIMIT, TABLE_ROWS, TEXT_LIMIT
from dflow_jupyter.widget.remote import ARCHIVE_BYTES, TABLE_BYTES, preview_object, remote_key
from dflow_jupyter.widget.requests import answer

STATUS = Path(__file__).parents[1] / "argo_runtime" / "materials" / "status"
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


@pytest.fixture
def read_bytes(store: MinioClient) -> Iterator[Callable[[], int]]:
    """The configured client is traced; the function gives the bytes of object reads so far."""
    s3_config["storage_client"] = store
    trace = io.StringIO()
    store.client.trace_on(trace)

    def object_bytes() -> int:
        total = 0
        for block in trace.getvalue().split("---------START-HTTP---------")[1:]:
            request_line = block.strip().splitlines()[0]
            if not request_line.startswith("GET ") or "?" in request_line:  # a listing
                continue
            for line in block.split("\n\n", 1)[1].splitlines():
                if line.lower().startswith("content-length:"):
                    total += int(line.split(":", 1)[1])
        return total

    yield object_bytes
    store.client.trace_off()


def _put(store: MinioClient, key: str, data: bytes) -> None:
    store.client.put_object(store.bucket_name, key, io.BytesIO(data), len(data))


def _argo_node(outputs: list[dict[str, Any]]) -> tuple[WorkflowStatus, Node]:
    node = Node.from_argo(
        {"id": "wf-1-123", "name": "wf-1.step", "type": "Pod", "outputs": {"artifacts": outputs}}
    )
    return WorkflowStatus(name="wf-1", backend="argo", nodes={node.id: node}), node


def test_a_log_of_a_real_argo_status_is_previewed_from_its_first_bytes(
    store: MinioClient, read_bytes: Callable[[], int]
) -> None:
    status = WorkflowStatus.from_argo(json.loads((STATUS / "succeeded-steps.json").read_text()))
    node = next(n for n in status.nodes.values() if n.display_name == "hello1")
    key = remote_key(status, node, "outputs", "main-logs")
    assert key is not None and key.endswith("/main.log")
    log = b"".join(b"line %d of the log\n" % i for i in range(60_000))  # about 1.2 MB
    _put(store, key, log)
    got = preview_object(key, None)
    assert got["ok"] and got["type"] == "text" and got["truncated"]
    assert got["text"].encode() == log[:TEXT_LIMIT]
    assert read_bytes() == TEXT_LIMIT < len(log) // 50
    _put(store, "wf-1/empty.txt", b"")  # S3 refuses any range of an empty object (InvalidRange)
    empty = preview_object("wf-1/empty.txt", None)
    assert empty["ok"] and empty["text"] == "" and not empty["truncated"]


def test_a_large_csv_gives_its_first_rows_from_a_bounded_read(
    store: MinioClient, read_bytes: Callable[[], int]
) -> None:
    rows = b"".join(b"%d,%d.5,name-%d\n" % (i, i, i) for i in range(40_000))
    _put(store, "wf-1/wf-1-123/table.csv", b"id,value,name\n" + rows)
    got = preview_object("wf-1/wf-1-123/table.csv", None)
    assert got["type"] == "table" and got["columns"] == ["id", "value", "name"]
    assert len(got["rows"]) == TABLE_ROWS and got["rows"][2] == [2, 2.5, "name-2"]
    assert got["total_rows"] is None and got["truncated"]
    assert read_bytes() == TABLE_BYTES


def test_images_are_fetched_whole_only_within_the_limit(
    store: MinioClient, read_bytes: Callable[[], int]
) -> None:
    _put(store, "img/dot.png", PNG)
    got = preview_object("img/dot.png", None)
    assert got["type"] == "image" and got["mime"] == "image/png"
    assert base64.b64decode(got["data_b64"]) == PNG
    medium = PNG + b"\0" * (TEXT_LIMIT * 3)
    _put(store, "img/medium.png", medium)
    assert base64.b64decode(preview_object("img/medium.png", None)["data_b64"]) == medium
    before = read_bytes()
    _put(store, "img/huge.png", PNG + b"\0" * IMAGE_LIMIT)
    with pytest.raises(
        ArtifactUnavailable, match=r"huge\.png is 5\.0 MB; images are previewed up to 5\.0 MB"
    ):
        preview_object("img/huge.png", None)
    assert read_bytes() - before == TEXT_LIMIT  # the size came with the first bytes


def _tgz(members: dict[str, bytes]) -> bytes:
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as tf:
        top = tarfile.TarInfo("out")
        top.type = tarfile.DIRTYPE
        tf.addfile(top)
        for name, body in members.items():
            info = tarfile.TarInfo(f"out/{name}")
            info.size = len(body)
            tf.addfile(info, io.BytesIO(body))
    return data.getvalue()


def test_an_argo_archived_output_is_read_as_a_stream_from_its_start(
    store: MinioClient, read_bytes: Callable[[], int]
) -> None:
    import os

    archive = _tgz({"r.csv": b"a,b\n1,2\n3,4\n", "notes.txt": b"hello", "big.bin": os.urandom(2 << 20)})
    _put(store, "wf-1/wf-1-123/out.tgz", archive)
    listing = preview_object("wf-1/wf-1-123/out.tgz", None)
    assert listing["type"] == "listing" and listing["truncated"]  # the archive's end was not read
    assert [e["path"] for e in listing["entries"]] == ["r.csv", "notes.txt", "big.bin"]
    table = preview_object("wf-1/wf-1-123/out.tgz", "r.csv")
    assert table["rows"] == [[1, 2], [3, 4]] and table["total_rows"] == 2 and not table["truncated"]
    assert preview_object("wf-1/wf-1-123/out.tgz", "notes.txt")["text"] == "hello"
    with pytest.raises(ArtifactUnavailable, match=r"has no file 'nope\.txt' among the members in its first"):
        preview_object("wf-1/wf-1-123/out.tgz", "nope.txt")
    assert read_bytes() == 4 * ARCHIVE_BYTES < len(archive)


def test_a_folder_artifact_is_listed_and_its_files_previewed(
    store: MinioClient, read_bytes: Callable[[], int], tmp_path: Path
) -> None:
    config["mode"] = "default"
    (tmp_path / "b.txt").write_text("B" * 10)
    (tmp_path / "c.txt").write_text("C")
    art = upload_artifact(["b.txt", "c.txt"], archive=None)
    listing = preview_object(art.key, None)
    assert listing["entries"] == [
        {"path": "b.txt", "size": 10, "dir": False},
        {"path": "c.txt", "size": 1, "dir": False},
    ]
    assert preview_object(art.key, "b.txt")["text"] == "B" * 10
    with pytest.raises(ArtifactUnavailable, match="path"):
        preview_object(art.key, "../x.txt")


class _NoRanges(StorageClient):
    """A user's storage client with only dflow's methods (no ranged read)."""

    def upload(self, key: str, path: str) -> None: ...
    def download(self, key: str, path: str) -> None: ...
    def list(self, prefix: str, recursive: bool = False) -> list[str]:
        return []

    def copy(self, src: str, dst: str) -> None: ...
    def get_md5(self, key: str) -> str:
        return ""


def test_previews_that_cannot_be_made_say_why(store: MinioClient, monkeypatch: pytest.MonkeyPatch) -> None:
    status, node = _argo_node([{"name": "out", "s3": {"key": "wf-1/none.txt"}}])
    live = SimpleNamespace(workflow_id="wf-1", status=lambda: status, workflow=SimpleNamespace(backend=None))
    request = {"kind": "preview", "req": 7, "id": node.id, "side": "outputs", "artifact": "out"}
    [reply] = answer(SimpleNamespace(), live, request)  # type: ignore[arg-type]
    assert reply["req"] == 7 and not reply["ok"] and "'wf-1/none.txt'" in reply["reason"]
    assert "no such object" in reply["reason"]
    _put(store, "wf-1/none.txt", b"there now")
    [reply] = answer(SimpleNamespace(), live, request)  # type: ignore[arg-type]
    assert reply["ok"] and reply["text"] == "there now"
    monkeypatch.setitem(s3_config, "storage_client", _NoRanges())
    [reply] = answer(SimpleNamespace(), live, request)  # type: ignore[arg-type]
    assert "storage client _NoRanges has no head(key, max_bytes) method" in reply["reason"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"127.0.0.1:{s.getsockname()[1]}"
    monkeypatch.setitem(s3_config, "storage_client", MinioClient(endpoint=closed, region="us-east-1"))
    [reply] = answer(SimpleNamespace(), live, request)  # type: ignore[arg-type]
    assert f"cannot reach the object store at {closed}" in reply["reason"]
    assert s3_config["secret_key"] not in reply["reason"]


def test_a_debug_run_keeps_its_local_previews() -> None:
    status, node = _argo_node([{"name": "out", "s3": {"key": "k"}}])
    status.backend = "debug"
    assert remote_key(status, node, "outputs", "out") is None
    config["debug_s3"] = True  # concerns uploads: the engine's outputs stay in the local store
    assert remote_key(status, node, "outputs", "out") is None
    status.backend = "argo"
    assert remote_key(status, node, "outputs", "out") == "k"
    assert remote_key(status, node, "outputs", "other") is None
