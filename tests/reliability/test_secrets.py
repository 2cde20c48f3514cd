"""Credentials never leak: S3 keys and an Argo token, configured, appear in nothing we write or show.

Workflows run with ``s3_config``'s keys and ``config["token"]`` set to distinctive values, on the
debug backend (with steps whose OPs use the S3 client of ``dflow_jupyter.storage.s3`` against a
moto server, and the Argo client against the FAKE Argo Server, right and wrong credentials) and
on the Argo backend (the FAKE Argo Server). Then every file of the run records, every step log
and message, the widget's synced state, its messages and its static snapshot, the errors of the
clients (a 401, refused S3 keys) with their chains, and the output of the terminal commands are
searched for the secrets, raw and base64-encoded. The notebook side (a real kernel) is in
``test_secrets_notebook.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import comm
import pytest
from argo_runtime.fake_argo import FakeArgoServer
from comm.base_comm import BaseComm
from secret_sweep import (
    ARGO_TOKEN,
    WRONG_ACCESS,
    WRONG_SECRET,
    WRONG_TOKEN,
    Sweep,
    exceptions_of,
    moto_server,
)

from dflow_jupyter import Step, Workflow, config, s3_config
from dflow_jupyter.argo.errors import ArgoError
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.storage.s3 import MinioClient, ObjectStoreError

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    with moto_server() as keys:
        yield keys


@pytest.fixture(scope="module")
def argo() -> Iterator[FakeArgoServer]:
    with FakeArgoServer(token=ARGO_TOKEN, frame_interval=0.02) as server:
        yield server


@pytest.fixture
def secrets_set(
    isolated_workdir: Path, s3: dict[str, str], argo: FakeArgoServer, monkeypatch: pytest.MonkeyPatch
) -> dict[str, str]:
    """``config`` and ``s3_config`` with the credentials, a fresh bucket; the wrong ones in the env."""
    bucket = f"sweep-{uuid.uuid4().hex[:10]}"
    for key, value in {**s3, "bucket_name": bucket, "secure": False, "storage_client": None}.items():
        monkeypatch.setitem(s3_config, key, value)
    config.update(
        token=ARGO_TOKEN, host=argo.url, namespace=argo.namespace, argo_retries=0, poll_interval=0.01
    )
    config["http_headers"] = {"Authorization": f"Bearer {ARGO_TOKEN}"}
    MinioClient(region="us-east-1").client.make_bucket(bucket)
    # The OPs find the wrong credentials here, so no step's inputs carry them.
    monkeypatch.setenv("SWEEP_WRONG_SECRET", WRONG_SECRET)
    monkeypatch.setenv("SWEEP_WRONG_ACCESS", WRONG_ACCESS)
    monkeypatch.setenv("SWEEP_WRONG_TOKEN", WRONG_TOKEN)
    monkeypatch.setenv("SWEEP_ARGO_URL", argo.url)
    return {**s3, "bucket_name": bucket}


def _fresh_pool() -> None:
    from dflow_jupyter.engine import pool

    if pool._shared is not None:
        pool._shared.shutdown()
        pool._shared = None


def _sweep(s3: dict[str, str]) -> Sweep:
    return Sweep([ARGO_TOKEN, WRONG_TOKEN, WRONG_SECRET, WRONG_ACCESS, s3["secret_key"], s3["access_key"]])


class _RecordingComm(BaseComm):
    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[Any] = []
        super().__init__(**kwargs)

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **k: Any
    ) -> None:
        self.messages.append({"msg_type": msg_type, "data": data, "metadata": metadata})


@pytest.fixture
def comms(monkeypatch: pytest.MonkeyPatch) -> list[_RecordingComm]:
    made: list[_RecordingComm] = []

    def create_comm(**kwargs: Any) -> _RecordingComm:
        made.append(_RecordingComm(**kwargs))
        return made[-1]

    monkeypatch.setattr(comm, "create_comm", create_comm)
    return made


# -- OPs that touch the clients -----------------------------------------------------------------
@OP.function
def stores(text: str) -> {"key": str}:  # type: ignore[valid-type]
    from pathlib import Path

    from dflow_jupyter.storage.s3 import MinioClient

    client = MinioClient(region="us-east-1")
    print("client:", client)
    Path("data.txt").write_text(text)
    client.upload("sweep/data.txt", "data.txt")
    return {"key": "sweep/data.txt"}


@OP.function
def refused_s3(which: str) -> {"n": int}:  # type: ignore[valid-type]
    import os

    from dflow_jupyter.storage.s3 import MinioClient

    kind = {"secret": "secret_key", "access": "access_key"}[which]
    client = MinioClient(region="us-east-1", **{kind: os.environ[f"SWEEP_WRONG_{which.upper()}"]})
    print("client:", client)
    return {"n": len(client.list("sweep/"))}


@OP.function
def refused_argo(name: str) -> {"n": int}:  # type: ignore[valid-type]
    import os

    from dflow_jupyter.argo.client import ArgoClient
    from dflow_jupyter.argo.settings import ArgoSettings

    settings = ArgoSettings.from_config(
        host=os.environ["SWEEP_ARGO_URL"], token=os.environ["SWEEP_WRONG_TOKEN"]
    )
    print("settings:", settings)
    with ArgoClient(settings) as client:
        return {"n": len(client.list({"name": name}))}


def _touching_clients() -> Workflow:
    wf = Workflow("sweep")
    step = Step("stores", PythonOPTemplate(stores), parameters={"text": "hello"})
    step.continue_on_failed = True
    wf.add(step)
    for which in ("secret", "access"):
        step = Step(f"refused-{which}", PythonOPTemplate(refused_s3), parameters={"which": which})
        step.continue_on_failed = True
        wf.add(step)
    step = Step("refused-argo", PythonOPTemplate(refused_argo), parameters={"name": "x"})
    step.continue_on_failed = True
    wf.add(step)
    return wf


def _details(widget: Any, node_ids: list[str]) -> None:
    for index, node_id in enumerate(node_ids):
        content = {"kind": "details", "req": index, "id": node_id}
        widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})


def _sweep_workflow(sweep: Sweep, wf: Workflow, comms: list[_RecordingComm]) -> None:
    """The workflow's status, steps, logs and widget (state, messages, details, snapshot)."""
    status = wf.backend.status(wf.id)
    sweep.text("status", status.to_argo())
    for step in wf.query_step():
        sweep.text("step", repr(step), step.displayName)
        sweep.text("message", step.get("message", ""), step.displayName)
    for node in status.nodes.values():
        log = wf.backend.logs(wf.id, node)
        if log is not None:
            sweep.text("log", log, node.display_name)
    widget = wf.widget()
    widget.flush()
    _details(widget, list(status.nodes))
    sweep.text("widget state", widget.get_state())
    sweep.text("widget snapshot", widget._repr_mimebundle_())
    sweep.text("workflow display", wf._repr_mimebundle_())
    for made in comms:
        sweep.text("widget messages", made.messages)


def _cli(sweep: Sweep, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [sys.executable, "-m", "dflow_jupyter", *args], env=env, capture_output=True, text=True, timeout=120
    )
    sweep.text("cli output", done.stdout + done.stderr, " ".join(args[:3]))
    return done


def _cli_env(s3: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DFLOW_", "SWEEP_"))}
    env.update(
        PYTHONPATH=str(REPO_ROOT),
        DFLOW_TOKEN=ARGO_TOKEN,
        DFLOW_HTTP_HEADERS=f"Authorization: Bearer {ARGO_TOKEN}",
        DFLOW_S3_ACCESS_KEY=s3["access_key"],
        DFLOW_S3_SECRET_KEY=s3["secret_key"],
    )
    env.update(extra)
    return env


# -- the debug backend --------------------------------------------------------------------------
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
def test_debug_runs_leak_no_secret(
    isolation: str,
    secrets_set: dict[str, str],
    isolated_workdir: Path,
    comms: list[_RecordingComm],
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
    figures: Callable[..., None],
) -> None:
    config["debug_isolation"] = isolation
    if isolation == "process":
        # Workers read s3_config from the environment they start with, as a dflow pod does.
        for key in ("endpoint", "access_key", "secret_key", "bucket_name"):
            monkeypatch.setenv(f"DFLOW_S3_{key.upper()}", secrets_set[key])
        monkeypatch.setenv("DFLOW_S3_SECURE", "false")
        _fresh_pool()
        request.addfinalizer(_fresh_pool)  # later tests get workers without these variables
    sweep = _sweep(secrets_set)
    wf = _touching_clients()
    wf.submit()
    # The clients worked, and failed, where they should.
    phases = {s.displayName: s.phase for s in wf.query_step(type="Pod")}
    assert phases["refused-secret"] == phases["refused-access"] == phases["refused-argo"] == "Failed"
    assert phases["stores"] == "Succeeded"
    messages = {s.displayName: s.get("message", "") for s in wf.query_step(type="Pod")}
    assert "refused the credentials" in messages["refused-secret"]
    assert "401" in messages["refused-argo"]
    _sweep_workflow(sweep, wf, comms)
    echoed = capfd.readouterr()
    sweep.text("echo", echoed.out + echoed.err)
    sweep.tree(isolated_workdir)
    env = _cli_env(secrets_set)
    workdir = config["debug_workdir"]
    for args in (["list"], ["steps", wf.id], ["config"], ["mode"]):
        assert _cli(sweep, env, "--workdir", workdir, *args).returncode == 0
    for step in ("stores", "refused-secret", "refused-argo"):
        _cli(sweep, env, "--workdir", workdir, "logs", wf.id, step)
    figures(isolation=isolation, **sweep.figures())
    sweep.assert_clean()
    assert sweep.files >= 20


def test_client_errors_leak_no_secret(
    secrets_set: dict[str, str], tmp_path: Path, figures: Callable[..., None]
) -> None:
    sweep = _sweep(secrets_set)
    (tmp_path / "a.txt").write_text("a")
    errors: list[BaseException] = []
    for kwargs in ({"secret_key": WRONG_SECRET}, {"access_key": WRONG_ACCESS}):
        client = MinioClient(region="us-east-1", **kwargs)
        sweep.text("client repr", repr(client))
        for attempt in (lambda c=client: c.upload("k", str(tmp_path / "a.txt")), lambda c=client: c.list("")):
            with pytest.raises(ObjectStoreError) as caught:
                attempt()
            errors.append(caught.value)
    # The Argo backend with a wrong token: submit, list and status all answer 401.
    config["token"] = WRONG_TOKEN
    config["http_headers"] = {}
    config["mode"] = "default"
    from dflow_jupyter.backend import backend_for

    wf = Workflow("refused")
    wf.add(Step("one", PythonOPTemplate(stores, image="python:3.11"), parameters={"text": "x"}))
    for attempt in (
        wf.submit,
        lambda: backend_for("default").list(),
        lambda: backend_for("default").status("x"),
    ):
        with pytest.raises(ArgoError) as refused:
            attempt()
        errors.append(refused.value)
    assert any("401" in str(e) for e in errors)
    for error in errors:
        for exc in exceptions_of(error):
            sweep.text("exception", exc)
    figures(exceptions=len(errors), **sweep.figures())
    sweep.assert_clean()


# -- the Argo backend ---------------------------------------------------------------------------
def test_argo_runs_leak_no_secret(
    secrets_set: dict[str, str],
    argo: FakeArgoServer,
    isolated_workdir: Path,
    comms: list[_RecordingComm],
    capfd: pytest.CaptureFixture[str],
    figures: Callable[..., None],
) -> None:
    config["mode"] = "default"
    sweep = _sweep(secrets_set)
    wf = Workflow("sweep-argo", labels={"project": "sweep"})
    wf.add(Step("stores", PythonOPTemplate(stores, image="python:3.11"), parameters={"text": "hello"}))
    sweep.text("manifest", wf.to_yaml())  # the real compiler's manifest
    wf.submit()
    wf.wait()
    assert wf.query_status() == "Succeeded"
    _sweep_workflow(sweep, wf, comms)
    for request in argo.requests:
        sweep.text(
            "request to the server", {"path": request.path, "query": request.query, "body": request.body}
        )
    echoed = capfd.readouterr()
    sweep.text("echo", echoed.out + echoed.err)
    sweep.tree(isolated_workdir)
    env = _cli_env(secrets_set, DFLOW_MODE="default", DFLOW_HOST=argo.url, DFLOW_ARGO_RETRIES="0")
    for args in (
        ["list"],
        ["steps", wf.id],
        ["config"],
        ["logs", wf.id, "hello1"],
    ):  # the steps the fake plays
        assert _cli(sweep, env, *args).returncode == 0, args
    refused = _cli(sweep, {**env, "DFLOW_TOKEN": WRONG_TOKEN, "DFLOW_HTTP_HEADERS": ""}, "list")
    assert refused.returncode != 0 and "401" in refused.stderr + refused.stdout
    figures(requests=len(argo.requests), **sweep.figures())
    sweep.assert_clean()
