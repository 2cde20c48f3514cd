"""Every test runs in its own working directory with its own debug work and artifact dirs.

Also the S3 endpoint of the storage and widget tests: ``moto`` in server mode on 127.0.0.1,
reached through ``minio``. The server runs with IAM authentication on
(``INITIAL_NO_AUTH_ACTION_COUNT``: the first calls create a user and its keys, every later
request must be signed with them), so a wrong secret key is refused as a real MinIO would
refuse it. Under ``CI=true`` a server that cannot start fails the tests; elsewhere it skips them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from s3_server import moto_server

from dflow_jupyter.config import config, s3_config

if TYPE_CHECKING:
    from dflow_jupyter.storage.s3 import MinioClient


@pytest.fixture(autouse=True)
def isolated_workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)
    saved = dict(config)
    config["debug_workdir"] = str(tmp_path / "workflows")
    config["debug_artifact_dir"] = str(tmp_path / "artifacts")
    config["mode"] = "debug"
    config["debug_isolation"] = "inprocess"
    try:
        yield tmp_path
    finally:
        config.clear()
        config.update(saved)


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[dict[str, str]]:
    """The S3 server of the tests (``s3_server.moto_server``), for the whole session."""
    with moto_server() as keys:
        yield keys


@pytest.fixture
def store(moto_s3: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> MinioClient:
    from dflow_jupyter.storage.s3 import MinioClient

    """``s3_config`` pointing at a fresh bucket of the moto server."""
    bucket = f"dflow-{uuid.uuid4().hex[:12]}"
    for key, value in {**moto_s3, "bucket_name": bucket, "secure": False, "prefix": ""}.items():
        monkeypatch.setitem(s3_config, key, value)
    monkeypatch.setitem(s3_config, "storage_client", None)
    client = MinioClient(region="us-east-1")
    client.client.make_bucket(bucket)
    return client
