"""The Argo backend behind the Backend interface: dflow's Workflow API against the FAKE Argo Server."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from typing import Any

import pytest

from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.argo.backend import ArgoBackend, CompilerUnavailable
from dflow_jupyter.argo.errors import ArgoError
from dflow_jupyter.backend import Backend, backend_for
from dflow_jupyter.errors import WorkflowNotFound
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.status.model import WorkflowStatus, pod_name
from dflow_jupyter.status.query import select_steps
from dflow_jupyter.status.tracker import live_status

from .fake_argo import FakeArgoServer
from .test_client import manifest
from .test_status import _view
from .timeline import load, rename


@OP.function
def double(x: int) -> {"y": int}:
    return {"y": 2 * x}


@pytest.fixture
def argo(fake: FakeArgoServer, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeArgoServer]:
    """``config["mode"] = "default"`` against the fake; a hand-written manifest stands in for the compiler."""
    config.update(
        mode="default", host=fake.url, token=fake.token, namespace="argo", poll_interval=0.01, argo_retries=2
    )

    def to_dict(self: Workflow, reuse_step: Any = None) -> dict[str, Any]:
        return manifest(self.id or "unnamed", **self.labels)

    monkeypatch.setattr(Workflow, "to_dict", to_dict, raising=False)
    yield fake


def _workflow(name: str = "hello", **labels: str) -> Workflow:
    wf = Workflow(name, labels=labels or {"project": "demo"})
    wf.add(Step("twice", PythonOPTemplate(double), parameters={"x": 21}))
    return wf


def test_default_and_argo_select_one_argo_backend() -> None:
    backend = backend_for("default")
    assert isinstance(backend, ArgoBackend) and isinstance(backend, Backend)
    assert backend_for("argo") is backend and backend_for("ARGO") is backend


@pytest.mark.parametrize(
    "fixture",
    ["succeeded-dag-withparam-retry-outputs.json", "failed-steps-pod-message.json", "succeeded-steps.json"],
)
def test_submit_wait_and_query_as_in_debug_mode(argo: FakeArgoServer, fixture: str) -> None:
    argo.fixture = load(fixture)
    wf = _workflow()
    handle = wf.submit()  # blocks until the run ends, as in debug mode
    assert handle.id == wf.id and wf.id.startswith("hello-")
    expected = WorkflowStatus.from_argo(rename(load(fixture), wf.id))
    assert wf.query_status() == expected.phase
    for query in ({}, {"type": "Pod"}, {"phase": "Failed"}, {"phase": "Succeeded", "type": ["Pod", "Retry"]}):
        assert _view(wf.query_step(**query)) == _view(select_steps(expected, **query))
    assert wf.query().status.phase == expected.phase
    created = argo.calls("POST", "/workflows/argo")[0].body
    assert created["workflow"]["metadata"]["name"] == wf.id and created["namespace"] == "argo"


def test_terminate_a_detached_run(argo: FakeArgoServer) -> None:
    argo.frame_interval = 5.0
    config["detach"] = True
    wf = _workflow()
    wf.submit()
    assert wf.query_status() in ("Pending", "Running")
    wf.terminate()
    assert wf.query_status() == "Failed"
    assert wf.query().status.message == "Stopped with strategy 'Terminate'"
    assert argo.calls("PUT", "/terminate")


def test_wait_tolerates_a_404_right_after_create(argo: FakeArgoServer) -> None:
    argo.faults.not_found_after_create = 3
    wf = _workflow()
    wf.submit()
    assert wf.query_status() == "Succeeded"


def test_list_by_label_newest_first(argo: FakeArgoServer) -> None:
    first, second, other = _workflow(project="a"), _workflow(project="a"), _workflow(project="b")
    for wf in (first, second, other):
        wf.submit()
    backend = backend_for()
    listed = backend.list({"project": "a"})
    assert {s.name for s in listed} == {first.id, second.id}
    assert all(s.backend == "argo" and s.phase == "Succeeded" for s in listed)
    assert [s.name for s in backend.list({"project": "b"})] == [other.id]
    listing = argo.calls("GET", "/workflows/argo")[0]
    assert listing.query["listOptions.labelSelector"] == "project=a"
    assert "status.nodes" not in listing.query["fields"]


def test_logs_of_a_step(argo: FakeArgoServer) -> None:
    wf = _workflow()
    wf.submit()
    backend = backend_for()
    [pod] = [s.node for s in wf.query_step(type="Pod")][:1]
    argo.logs[pod_name(wf.id, pod.template_name, pod.name)] = ["hello", "world"]
    assert backend.logs(wf.id, pod) == "hello\nworld\n"
    root = backend.status(wf.id).root
    assert root is not None and backend.logs(wf.id, root) is None
    assert backend.step_files(wf.id, pod) is None and backend.last_exception(wf.id) is None
    assert backend.where() == f"on the Argo Server at {argo.url} (namespace 'argo')"


def test_an_unknown_id_is_not_found(argo: FakeArgoServer) -> None:
    with pytest.raises(WorkflowNotFound, match="no workflow 'nope-12345' in namespace 'argo'"):
        backend_for().status("nope-12345")


def test_restart_retries_the_failed_steps(argo: FakeArgoServer) -> None:
    argo.add(load("failed-steps-pod-message.json"))
    wf = Workflow("steps", id="steps-9fkqc")
    wf.add(Step("twice", PythonOPTemplate(double), parameters={"x": 21}))
    wf.submit()
    assert argo.calls("PUT", "/retry") and not argo.calls("POST", "/workflows/argo")
    assert wf.query_status() == "Succeeded"


def test_reuse_step_stores_memoization_entries(argo: FakeArgoServer) -> None:
    fixture = copy.deepcopy(load("succeeded-dag-withparam-retry-outputs.json"))
    pods = [
        n for n in fixture["status"]["nodes"].values() if n["type"] == "Pod" and n["phase"] == "Succeeded"
    ]
    pods[0].setdefault("inputs", {}).setdefault("parameters", []).append(
        {"name": "dflow_key", "value": "step-a"}
    )
    argo.fixture = fixture
    first = _workflow()
    first.submit()
    [reused] = first.query_step(key="step-a")
    reused.modify_output_parameter("outputParam", "changed")
    config["k8s_api_server"] = argo.url
    second = _workflow()
    second.submit(reuse_step=[reused])
    name = f"dflow-{second.id}-step-a"
    stored = argo.config_maps[name]
    assert stored["metadata"]["labels"] == {"workflows.argoproj.io/configmap-type": "Cache"}
    import json

    entry = json.loads(stored["data"][f"{second.id}-step-a"])
    assert entry["nodeID"] == reused.id and entry["creationTimestamp"] == reused.finishedAt
    assert {p["name"]: p["value"] for p in entry["outputs"]["parameters"]} == {"outputParam": "changed"}
    assert entry["outputs"]["artifacts"] and entry["outputs"]["exitCode"] == "0"


def test_reuse_step_without_the_kubernetes_api_says_what_to_set(argo: FakeArgoServer) -> None:
    argo.fixture = load("succeeded-steps.json")
    first = _workflow()
    first.submit()
    step = first.query_step(type="Pod")[0]
    step.data["key"] = "k"
    with pytest.raises(ArgoError, match=r"set config\['k8s_api_server'\]"):
        _workflow().submit(reuse_step=[step])


def test_without_a_compiler_submit_says_so(argo: FakeArgoServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(Workflow, "to_dict")
    with pytest.raises(CompilerUnavailable, match="the Argo manifest compiler is not available"):
        _workflow().submit()
    assert not argo.calls("POST")


def test_a_detached_run_in_a_kernel_is_followed_by_one_poller(argo: FakeArgoServer) -> None:
    config["detach"] = True
    backend = backend_for()
    assert isinstance(backend, ArgoBackend)

    async def cell() -> str:
        wf = _workflow()
        wf.submit()  # returns at once; the poller runs on this (the kernel's) loop
        assert live_status(str(wf.id)) is not None
        task = backend.follow(str(wf.id))
        assert task is not None and task is backend.follow(str(wf.id))  # a second reader
        await task
        return str(wf.id)

    workflow_id = asyncio.run(cell())
    assert live_status(workflow_id) is None  # released once finished
    assert backend.status(workflow_id).phase == "Succeeded"
    assert argo.calls("GET", "/workflow-events/argo")


def _python(code: str) -> str:
    import os
    import subprocess
    import sys
    from pathlib import Path

    import dflow_jupyter

    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_importing_the_package_loads_no_http_s3_or_kubernetes_library() -> None:
    out = _python(
        "import sys, dflow_jupyter\n"
        "from dflow_jupyter import Workflow, config\n"
        "from dflow_jupyter.backend import backend_for\n"
        "backend_for('debug')\n"
        "print(sorted(m for m in ('httpx', 'httpx_sse', 'tenacity', 'minio', 'kubernetes') if m in sys.modules))"
    )
    assert out == "[]"


def test_a_missing_http_library_is_named_with_the_install_command() -> None:
    out = _python(
        "import sys\n"
        "sys.modules['httpx'] = None\n"
        "from dflow_jupyter.backend import BackendUnavailable, backend_for\n"
        "try:\n"
        "    backend_for('default')\n"
        "except BackendUnavailable as exc:\n"
        "    print(exc)\n"
    )
    assert out == "mode 'default' needs 'httpx', which is not installed: pip install 'dflow-jupyter[argo]'"


def test_reuse_step_of_a_sliced_fan_out_with_the_compiled_manifest(fake: FakeArgoServer) -> None:
    """The real compiler (not the hand-written manifest): items keyed ``"sq-{{item}}"`` are memoized."""
    from dflow_jupyter import argo_range
    from dflow_jupyter.python import Slices

    def sliced() -> Workflow:
        wf = Workflow("sliced")
        template = PythonOPTemplate(
            double,
            image="python:3.11",
            slices=Slices(input_parameter=["x"], output_parameter=["y"], group_size=2),
        )
        wf.add(Step("sq", template, parameters={"x": [1, 2, 3]}, with_param=argo_range(3), key="sq-{{item}}"))
        return wf

    first = sliced()
    first.submit()  # debug mode: the reference run
    [reused] = first.query_step(key="sq-1")
    config.update(
        mode="default",
        host=fake.url,
        token=fake.token,
        namespace="argo",
        poll_interval=0.01,
        argo_retries=2,
        k8s_api_server=fake.url,
    )
    fake.fixture = load("succeeded-steps.json")
    second = sliced()
    second.submit(reuse_step=[reused])
    created = fake.calls("POST", "/workflows/argo")[0].body["workflow"]
    [leaf] = [t for t in created["spec"]["templates"] if "memoize" in t]
    assert leaf["memoize"]["key"] == f"{second.id}-{{{{inputs.parameters.dflow_key}}}}"
    assert list(fake.config_maps) == [f"dflow-{second.id}-sq-1"]


def test_a_widget_of_a_refused_submit_shows_the_refusal(
    argo: FakeArgoServer, caplog: pytest.LogCaptureFixture
) -> None:
    """A 401 at submit: the widget shows Error with the server's answer, never a traceback."""
    config.update(token="not-the-token", argo_retries=0)
    wf = _workflow("refused")
    widget = wf.widget()
    with pytest.raises(ArgoError, match="401"):
        wf.submit()
    widget.flush()
    assert widget.summary["phase"] == "Error", widget.summary
    assert "401" in widget.summary["message"] and "not-the-token" not in widget.summary["message"]
    assert "failed to update" not in caplog.text
