"""The S3 server of the tests: ``moto`` in server mode on 127.0.0.1, with IAM authentication on.

``INITIAL_NO_AUTH_ACTION_COUNT``: the first three calls (a user, its policy, its keys) need no
signature, every later request must be signed with those keys, so a wrong secret key is refused
as a real MinIO would refuse it. A server that cannot start fails the test (it is a real component
of the suite, installed by ``scripts/test.sh``): it never skips.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _unavailable(reason: str) -> None:
    pytest.fail(f"moto server (S3 for the tests) cannot start: {reason}")


@contextmanager
def moto_server() -> Iterator[dict[str, str]]:
    """A ``moto_server`` subprocess on a free 127.0.0.1 port: its endpoint and a user's keys.

    Stopped by its pid on exit.
    """
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
        import boto3
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
