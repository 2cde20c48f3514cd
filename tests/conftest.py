"""Every test runs in its own working directory with its own debug work and artifact dirs.

Also the S3 endpoint of the storage and widget tests: ``moto`` in server mode on 127.0.0.1,
reached through ``minio``. The server runs with IAM authentication on
(``INITIAL_NO_AUTH_ACTION_COUNT``: the first calls create a user and its keys, every later
request must be signed with them), so a wrong secret key is refused as a real MinIO would
refuse it. Under ``CI=true`` a server that cannot start fails the tests; elsewhere it skips them.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

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


POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"moto server (S3 for the tests) cannot start: {reason}")
    pytest.skip(f"moto server cannot start: {reason}")


@pytest.fixture(scope="session")
def moto_s3() -> Iterator[dict[str, Any]]:
    """A ``moto_server`` subprocess on a free 127.0.0.1 port, with IAM keys; stopped by pid."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("moto_server")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "moto.server"]
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    try:
        proc = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
    except OSError as exc:
        _unavailable(str(exc))
    endpoint = f"127.0.0.1:{port}"
    try:
        import httpx

        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                _unavailable(proc.stderr.read().decode(errors="replace")[-2000:] if proc.stderr else "exited")
            try:
                httpx.get(f"http://{endpoint}/moto-api/", timeout=1)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    _unavailable("no answer within 60 s")
                time.sleep(0.1)
        import boto3

        # The three unauthenticated calls: a user, its policy, its keys.
        iam = boto3.client(
            "iam",
            endpoint_url=f"http://{endpoint}",
            region_name="us-east-1",
            aws_access_key_id="bootstrap",
            aws_secret_access_key="bootstrap",
        )
        iam.create_user(UserName="dflow")
        iam.put_user_policy(UserName="dflow", PolicyName="all", PolicyDocument=POLICY)
        key = iam.create_access_key(UserName="dflow")["AccessKey"]
        yield {"endpoint": endpoint, "access_key": key["AccessKeyId"], "secret_key": key["SecretAccessKey"]}
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait()


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
