"""S3/MinIO artifacts against a real S3 endpoint: ``moto`` in server mode on 127.0.0.1, via ``minio``.

The server and the ``store`` fixture are in ``tests/conftest.py`` (the widget's previews use
them too).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter import config, s3_config
from dflow_jupyter.storage.s3 import MinioClient, ObjectStoreError, client_for
from dflow_jupyter.storage.s3_transfer import (
    catalog_of_s3_artifact,
    download_artifact_s3,
    upload_artifact_s3,
    upload_s3,
)


def _tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


# -- the client -------------------------------------------------------------------------------
def test_a_wrong_secret_key_is_refused(store: MinioClient, moto_s3: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("a")
    bad = MinioClient(secret_key="not-the-secret", region="us-east-1")
    with pytest.raises(ObjectStoreError) as refused:
        bad.upload("a.txt", str(tmp_path / "a.txt"))  # its first request is a HEAD: no error body
    assert refused.value.code == "AccessDenied" and "refused the credentials" in str(refused.value)
    with pytest.raises(ObjectStoreError) as caught:
        bad.list("")
    message = str(caught.value)
    assert caught.value.code == "SignatureDoesNotMatch" and "refused the credentials" in message
    assert "s3_config['secret_key']" in message and "not-the-secret" not in message
    assert moto_s3["secret_key"] not in repr(store) and "not-the-secret" not in repr(bad)
    store.upload("a.txt", str(tmp_path / "a.txt"))  # the right key is accepted


def test_a_50_mb_file_goes_up_in_parts_and_comes_back_whole(store: MinioClient, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    chunk = os.urandom(1 << 20)
    with big.open("wb") as f:
        for i in range(50):
            f.write(bytes([i]) + chunk[1:])
    md5 = hashlib.md5(big.read_bytes()).hexdigest()
    assert store.upload_if_changed("data/big.bin", str(big))
    stat = store.client.stat_object(store.bucket_name, "data/big.bin")
    assert stat.size == 50 << 20 and stat.etag.strip('"').endswith("-10")  # ten 5 MiB parts
    assert store.get_md5("data/big.bin") == md5
    store.download("data/big.bin", str(tmp_path / "back" / "big.bin"))
    assert hashlib.md5((tmp_path / "back" / "big.bin").read_bytes()).hexdigest() == md5
    assert not store.upload_if_changed("data/big.bin", str(big))  # same md5: not sent again


def test_an_object_with_the_same_md5_is_not_uploaded_again(store: MinioClient, tmp_path: Path) -> None:
    f = tmp_path / "x.txt"
    f.write_text("one")
    assert store.upload_if_changed("x.txt", str(f))
    first = store.client.stat_object(store.bucket_name, "x.txt").last_modified
    time.sleep(1.1)  # S3 times have whole seconds
    assert not store.upload_if_changed("x.txt", str(f))
    assert store.client.stat_object(store.bucket_name, "x.txt").last_modified == first
    f.write_text("two")
    assert store.upload_if_changed("x.txt", str(f))
    assert store.get_md5("x.txt") == hashlib.md5(b"two").hexdigest()


def test_preview_reads_the_first_bytes_with_a_range_request(store: MinioClient) -> None:
    data = bytes(range(256)) * 64  # 16 KiB
    store.client.put_object(store.bucket_name, "log.txt", io.BytesIO(data), len(data))
    trace = io.StringIO()
    store.client.trace_on(trace)
    try:
        assert store.preview("log.txt", 1024) == data[:1024]
    finally:
        store.client.trace_off()
    assert "range: bytes=0-1023" in trace.getvalue().lower()
    assert store.preview("log.txt", 10**6) == data and store.preview("log.txt", 0) == b""
    with pytest.raises(ObjectStoreError, match="no such object"):
        store.preview("missing.txt")


def test_list_copy_and_the_storage_client_extension_point(store: MinioClient, tmp_path: Path) -> None:
    for name in ("a/1.txt", "a/2.txt", "b/3.txt"):
        (tmp_path / "x").write_text(name)
        store.upload(name, str(tmp_path / "x"))
    assert store.list("a/", recursive=True) == ["a/1.txt", "a/2.txt"]
    store.copy("a/1.txt", "c/1.txt")
    assert store.preview("c/1.txt") == b"a/1.txt"
    s3_config["storage_client"] = store
    assert client_for() is store and client_for(storage_client=store) is store


# -- dflow's artifact semantics ---------------------------------------------------------------
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


@pytest.mark.parametrize("archive", ["default", None])
def test_a_file_round_trip(store: MinioClient, files: Path, tmp_path: Path, archive: str | None) -> None:
    art = upload_artifact_s3("a.txt", archive=archive)
    assert art.local_path is None and art.path_list == [{"dflow_list_item": "a.txt", "order": 0}]
    assert art.key.endswith(".tgz") == (archive == "default")
    got = download_artifact_s3(art, path=tmp_path / "out")
    assert got == [str(tmp_path / "out" / "a.txt")]
    assert _tree(tmp_path / "out") == {"a.txt": b"A"}  # the catalog is removed


@pytest.mark.parametrize("archive", ["default", None])
def test_a_directory_round_trip(store: MinioClient, files: Path, tmp_path: Path, archive: str | None) -> None:
    art = upload_artifact_s3("dir", archive=archive)
    got = download_artifact_s3(art, path=tmp_path / "out", remove_catalog=False)
    assert got == [str(tmp_path / "out" / "dir")]
    tree = _tree(tmp_path / "out")
    assert {k: v for k, v in tree.items() if not k.startswith(".dflow")} == {
        "dir/c.txt": b"C",
        "dir/sub/d.txt": b"D",
    }
    [catalog] = [v for k, v in tree.items() if k.startswith(".dflow/")]
    assert json.loads(catalog) == {"path_list": [{"dflow_list_item": "dir", "order": 0}]}


def test_a_list_round_trip_keeps_its_order_and_slices(
    store: MinioClient, files: Path, tmp_path: Path
) -> None:
    art = upload_artifact_s3(["b.txt", "a.txt", "dir/c.txt"], archive=None)
    got = download_artifact_s3(art, path=tmp_path / "out")
    assert got == [str(tmp_path / "out" / p) for p in ("b.txt", "a.txt", "dir/c.txt")]
    assert [i["dflow_list_item"] for i in catalog_of_s3_artifact(art)] == ["b.txt", "a.txt", "dir/c.txt"]
    one = download_artifact_s3(art[1], path=tmp_path / "one")
    assert one == str(tmp_path / "one" / "a.txt") and _tree(tmp_path / "one") == {"a.txt": b"A"}


def test_a_dict_round_trip(store: MinioClient, files: Path, tmp_path: Path) -> None:
    art = upload_artifact_s3({"first": "a.txt", "more": {"x": "b.txt", "y": ["dir/c.txt"]}})
    got = download_artifact_s3(art, path=tmp_path / "out")
    out = tmp_path / "out"
    assert got == {
        "first": str(out / "a.txt"),
        "more": {"x": str(out / "b.txt"), "y": [str(out / "dir/c.txt")]},
    }


def test_an_absolute_path_outside_the_working_directory(
    store: MinioClient, files: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("E")
    art = upload_artifact_s3(str(outside))
    rel = str(outside).lstrip("/")
    assert download_artifact_s3(art, path=tmp_path / "out") == [str(tmp_path / "out" / rel)]


def test_sub_path_and_skip_exists(store: MinioClient, files: Path, tmp_path: Path) -> None:
    art = upload_artifact_s3(["dir"], archive=None)
    got = download_artifact_s3(art, sub_path="dir/sub/d.txt", path=tmp_path / "out")
    assert got == str(tmp_path / "out" / "dir" / "sub" / "d.txt") and Path(got).read_text() == "D"
    download_artifact_s3(art, path=tmp_path / "again")
    before = (tmp_path / "again" / "dir" / "c.txt").stat().st_mtime_ns
    time.sleep(0.01)
    download_artifact_s3(art, path=tmp_path / "again", skip_exists=True)
    assert (tmp_path / "again" / "dir" / "c.txt").stat().st_mtime_ns == before  # same md5: kept


def test_a_directory_upload_reuses_objects_with_the_same_md5(store: MinioClient, files: Path) -> None:
    key = upload_s3("dir", key="fixed/dir")
    sent = []
    original = store.client.fput_object

    def counting(*args: Any, **kwargs: Any) -> Any:
        sent.append(args[1])
        return original(*args, **kwargs)

    store.client.fput_object = counting  # type: ignore[method-assign]
    s3_config["storage_client"] = store
    (files / "dir" / "c.txt").write_text("changed")
    assert upload_s3("dir", key="fixed/dir") == key
    assert sent == ["fixed/dir/c.txt"]


def test_a_missing_path_or_object_is_named(store: MinioClient, files: Path, tmp_path: Path) -> None:
    from dflow_jupyter.storage.errors import ArtifactNotFoundError

    with pytest.raises(ArtifactNotFoundError, match=r"'nope\.txt' does not exist"):
        upload_artifact_s3("nope.txt")
    with pytest.raises(ArtifactNotFoundError, match="no object 'upload/none'"):
        download_artifact_s3({"key": "upload/none"}, path=tmp_path)
    assert config["archive_mode"] == "tar"
