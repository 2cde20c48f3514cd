"""Helpers of the secrets sweep: distinctive credentials, and a search for them anywhere.

A secret counts as leaked when its bytes appear, or their base64 (a header or a config dump
may encode them), in a file, a message, a widget state or an output. Each search is counted, so
``docs/reliability.md`` can say how much was swept.
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

#: Credentials nothing else in the tests spells: the Argo token and wrong ones for the 401 and
#: the refused S3 requests (moto makes the right S3 keys, added by the test).
ARGO_TOKEN = "dflowSweepArgoToken7c1e9a40"
WRONG_TOKEN = "dflowSweepWrongToken55d2b8"
WRONG_SECRET = "dflowSweepWrongS3Secret/a91b"
WRONG_ACCESS = "DFLOWSWEEPWRONGACCESS3F0C"

POLICY = '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}'


def _variants(secret: str) -> list[bytes]:
    raw = secret.encode()
    return [raw, base64.b64encode(raw), base64.urlsafe_b64encode(raw)]


@dataclass
class Sweep:
    """The secrets to look for, and what was looked at (files, bytes, texts by kind)."""

    secrets: list[str]
    files: int = 0
    bytes: int = 0
    texts: dict[str, int] = field(default_factory=dict)
    leaks: list[str] = field(default_factory=list)

    def _find(self, data: bytes, where: str) -> None:
        for secret in self.secrets:
            if any(v in data for v in _variants(secret)):
                self.leaks.append(f"{secret[:12]}... in {where}")

    def text(self, kind: str, value: Any, where: str = "") -> None:
        """Look for the secrets in a string, an exception or anything JSON-able (by ``kind``)."""
        if isinstance(value, BaseException):
            import traceback

            value = "".join(traceback.format_exception(type(value), value, value.__traceback__))
            value += repr(value) + str(value.__dict__ if hasattr(value, "__dict__") else "")
        elif not isinstance(value, (str, bytes)):
            value = json.dumps(value, default=repr)
        data = value if isinstance(value, bytes) else value.encode("utf-8", errors="replace")
        self.texts[kind] = self.texts.get(kind, 0) + 1
        self.bytes += len(data)
        self._find(data, f"{kind} {where}".strip())

    def tree(self, root: Path) -> None:
        """Every file under ``root``, binary-safe, links not followed."""
        for directory, _, names in os.walk(root):
            for name in names:
                path = Path(directory) / name
                if path.is_symlink():
                    continue
                data = path.read_bytes()
                self.files += 1
                self.bytes += len(data)
                self._find(data, f"file {path.relative_to(root)}")

    def assert_clean(self) -> None:
        assert not self.leaks, "secrets leaked:\n" + "\n".join(self.leaks)

    def figures(self) -> dict[str, Any]:
        return {"files": self.files, "bytes": self.bytes, "texts": dict(self.texts), "leaks": len(self.leaks)}


def exceptions_of(exc: BaseException) -> Iterable[BaseException]:
    """``exc`` and the exceptions chained to it (cause and context)."""
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def _unavailable(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"moto server (S3 for the tests) cannot start: {reason}")
    pytest.skip(f"moto server cannot start: {reason}")


@contextmanager
def moto_server() -> Iterator[dict[str, str]]:
    """A ``moto_server`` with IAM on, on a free 127.0.0.1 port: its endpoint and a user's keys.

    As the fixture of ``tests/storage/test_s3.py``: the first three calls (a user, its policy,
    its keys) need no signature, every later one must be signed with those keys.
    """
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    exe = Path(sys.executable).with_name("moto_server")
    command = [str(exe)] if exe.exists() else [sys.executable, "-m", "moto.server"]
    env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"}
    try:
        proc = subprocess.Popen(
            [*command, "-H", "127.0.0.1", "-p", str(port)], env=env, stdout=subprocess.DEVNULL
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
                _unavailable(f"exited with {proc.returncode}")
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
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
