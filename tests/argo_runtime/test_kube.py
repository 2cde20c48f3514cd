"""The kubeconfig path: workflows through the Kubernetes API, against the FAKE Kubernetes API server.

A kubeconfig generated in a temporary directory points the real ``kubernetes`` client at the fake
(token auth). The tests assert the requests the client makes (paths, selectors, patch bodies,
the bearer token) and that a workflow run this way reaches the same status model as through the
FAKE Argo Server.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import kubernetes  # noqa: F401 - the argo extra (scripts/test.sh installs it): a missing one fails
import pytest

from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.argo.akclient import AsyncKubeArgoClient
from dflow_jupyter.argo.clients import async_client_for, client_for
from dflow_jupyter.argo.errors import ArgoAuthError, ArgoError, ArgoNotFound, ArgoUnavailable
from dflow_jupyter.argo.kclient import KubeArgoClient
from dflow_jupyter.argo.poller import Poller, pollers
from dflow_jupyter.argo.settings import DEFAULT_HOST, ArgoSettings, Secret
from dflow_jupyter.argo.status import ArgoStatusSync
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.query import select_steps

from .fake_argo import FakeArgoServer
from .fake_kube import PARSE_BOOL_TRUE, FakeKubeApi
from .test_client import manifest
from .test_status import _view
from .timeline import load, rename

WORKFLOWS = "/apis/argoproj.io/v1alpha1/namespaces/argo/workflows"


@OP.function
def double(x: int) -> {"y": int}:
    return {"y": 2 * x}


@pytest.fixture
def kube() -> Iterator[FakeKubeApi]:
    with FakeKubeApi(frame_interval=0.03) as server:
        yield server


@pytest.fixture
def kubeconfig(kube: FakeKubeApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """``KUBECONFIG`` names a kubeconfig of the fake; ``host`` is dflow's default (not set)."""
    path = kube.kubeconfig(tmp_path)
    monkeypatch.setenv("KUBECONFIG", str(path))
    config.update(host=DEFAULT_HOST, token=None, k8s_api_server=None, k8s_config_file=None, argo_api="auto")
    return path


def _settings(**overrides: Any) -> ArgoSettings:
    fast = {"timeout": 5.0, "retries": 2, "backoff": 0.01, "backoff_max": 0.05, "poll_interval": 0.01}
    return ArgoSettings(**{**fast, **overrides})


def kube_settings(path: Path) -> ArgoSettings:
    return _settings(host="", api="kubernetes", k8s_config_file=str(path))


@pytest.fixture
def argo_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """``mode = "default"``; a hand-written manifest stands in for the compiler."""
    config.update(mode="default", poll_interval=0.01, argo_retries=2)

    def to_dict(self: Workflow, reuse_step: Any = None) -> dict[str, Any]:
        return manifest(self.id or "unnamed", **self.labels)

    monkeypatch.setattr(Workflow, "to_dict", to_dict, raising=False)


# -- which API ----------------------------------------------------------------------------------
def test_a_kubeconfig_without_host_selects_the_kubernetes_api(kubeconfig: Path) -> None:
    settings = ArgoSettings.from_config()
    assert settings.api == "kubernetes" and settings.k8s_config_file == str(kubeconfig)
    assert isinstance(client_for(settings), KubeArgoClient)
    assert isinstance(async_client_for(settings), AsyncKubeArgoClient)
    assert "Kubernetes API server" in settings.describe()


def test_a_host_keeps_the_argo_server(kubeconfig: Path) -> None:
    config["host"] = "https://argo.example.org:2746"
    assert ArgoSettings.from_config().api == "server"
    config["argo_api"] = "kubernetes"  # unless asked otherwise
    assert ArgoSettings.from_config().api == "kubernetes"


def test_dflows_k8s_api_server_and_token(kube: FakeKubeApi, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    config.update(host=DEFAULT_HOST, k8s_api_server=kube.url, token=kube.token, argo_api="auto")
    settings = ArgoSettings.from_config()
    assert (settings.api, settings.host, settings.k8s_config_file) == ("kubernetes", kube.url, None)
    with client_for(settings) as client:
        assert client.list() == []
    assert kube.calls("GET", WORKFLOWS)


def test_no_kubeconfig_and_no_host_stays_on_the_argo_server(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.kube/config there
    config.update(host=DEFAULT_HOST, k8s_api_server=None, k8s_config_file=None, argo_api="auto")
    assert ArgoSettings.from_config().api == "server"
    config["argo_api"] = "kubectl"
    with pytest.raises(ValueError, match="argo_api"):
        ArgoSettings.from_config()


# -- the client's requests ----------------------------------------------------------------------
def test_create_get_list_and_delete(kube: FakeKubeApi, kubeconfig: Path) -> None:
    with KubeArgoClient(kube_settings(kubeconfig)) as client:
        created = client.create(manifest("hello-abcde", project="demo"))
        assert created["metadata"]["name"] == "hello-abcde"
        client.create(manifest("other-fghij", project="else"))
        assert client.get("hello-abcde")["metadata"]["name"] == "hello-abcde"
        listed = client.list({"project": "demo"})
        assert [i["metadata"]["name"] for i in listed] == ["hello-abcde"]
        assert all("nodes" not in (i.get("status") or {}) for i in listed)  # never nodes from a list
        client.delete("hello-abcde")
        with pytest.raises(ArgoNotFound, match="hello-abcde"):
            client.get("hello-abcde")
    post = kube.calls("POST", WORKFLOWS)[0]
    assert post.body["apiVersion"] == "argoproj.io/v1alpha1" and post.body["kind"] == "Workflow"
    assert post.body["metadata"]["name"] == "hello-abcde"
    assert kube.calls("GET", f"{WORKFLOWS}/hello-abcde")
    assert any(r.query.get("labelSelector") == "project=demo" for r in kube.calls("GET", WORKFLOWS))
    assert kube.calls("DELETE", f"{WORKFLOWS}/hello-abcde")


def test_control_verbs_patch_the_spec_as_argo_does(kube: FakeKubeApi, kubeconfig: Path) -> None:
    kube.frame_interval = 5.0  # the run stays active while it is patched
    with KubeArgoClient(kube_settings(kubeconfig)) as client:
        client.create(manifest("ctl-abcde"))
        client.suspend("ctl-abcde")
        client.resume("ctl-abcde")
        client.stop("ctl-abcde")
        stopped = client.get("ctl-abcde")
        client.create(manifest("term-abcde"))
        client.terminate("term-abcde")
        terminated = client.get("term-abcde")
        with pytest.raises(ArgoError, match=r"Argo Server.*config\['host'\]"):
            client.retry("term-abcde")
        with pytest.raises(ArgoError, match="Argo Server"):
            client.stop("ctl-abcde", node_field_selector="templateName=x")
    patches = [(r.path.rsplit("/", 1)[1], r.body) for r in kube.calls("PATCH")]
    assert patches == [
        ("ctl-abcde", {"spec": {"suspend": True}}),
        ("ctl-abcde", {"spec": {"suspend": None}}),
        ("ctl-abcde", {"spec": {"shutdown": "Stop"}}),
        ("term-abcde", {"spec": {"shutdown": "Terminate"}}),
    ]
    patch_types = [t for r, t in zip(kube.requests, kube.content_types) if r.method == "PATCH"]
    assert set(patch_types) == {"application/merge-patch+json"}
    assert stopped["status"]["message"] == "Stopped with strategy 'Stop'"
    assert terminated["status"]["phase"] == "Failed"
    assert terminated["spec"]["shutdown"] == "Terminate"


def test_logs_come_from_the_pod_log_api(kube: FakeKubeApi, kubeconfig: Path) -> None:
    kube.logs = {"logs-abcde-main-1": ["hello", "world"], "logs-abcde-main-2": ["other"]}
    with KubeArgoClient(kube_settings(kubeconfig)) as client:
        client.create(manifest("logs-abcde"))
        one = [line.content for line in client.logs("logs-abcde", "logs-abcde-main-1")]
        every = [(line.pod_name, line.content) for line in client.logs("logs-abcde", grep="o")]
    assert one == ["hello\n", "world\n"]
    assert every == [
        ("logs-abcde-main-1", "hello\n"),
        ("logs-abcde-main-1", "world\n"),
        ("logs-abcde-main-2", "other\n"),
    ]
    log = kube.calls("GET", "/pods/logs-abcde-main-1/log")[0]
    assert log.path == "/api/v1/namespaces/argo/pods/logs-abcde-main-1/log"
    assert log.query["container"] == "main"
    pods = kube.calls("GET", "/namespaces/argo/pods")[0]
    assert pods.query["labelSelector"] == "workflows.argoproj.io/workflow=logs-abcde"


def test_a_wrong_token_is_refused_and_never_shown(kube: FakeKubeApi, tmp_path: Path) -> None:
    secret = "wrong-token-5555-secret"
    path = kube.kubeconfig(tmp_path, token=secret)
    client = KubeArgoClient(kube_settings(path))
    with pytest.raises(ArgoAuthError) as caught:
        client.get("anything")
    assert caught.value.status_code == 401
    assert secret not in str(caught.value) and secret not in repr(client)
    settings = _settings(host=kube.url, api="kubernetes", k8s_api_server=kube.url, token=Secret(secret))
    assert secret not in repr(settings) and secret not in repr(KubeArgoClient(settings))
    with pytest.raises(ArgoAuthError) as again:  # dflow's k8s_api_server + token
        KubeArgoClient(settings).get("anything")
    assert secret not in str(again.value) and "***" in str(again.value)


# -- the same status model ----------------------------------------------------------------------
def test_the_poller_follows_the_watch_stream(kube: FakeKubeApi, kubeconfig: Path) -> None:
    kube.fixture = load("running-dag-withparam-fanout-retries.json")
    settings = kube_settings(kubeconfig)
    with KubeArgoClient(settings) as client:
        client.create(manifest("poll-abcde"))
    sync = ArgoStatusSync.for_workflow("poll-abcde")
    kube.watch_errors.append({"kind": "Status", "code": 410, "reason": "Expired", "message": "too old"})
    poller = Poller(sync, settings)
    task = pollers.start(poller)
    loop = task.get_loop()
    try:
        # The fixture ends Running (Argo's test edited it so): follow until its last state.
        kube.frame_interval = 0.01
        final = rename(load("running-dag-withparam-fanout-retries.json"), "poll-abcde")
        expected = WorkflowStatus.from_argo(final)

        def caught_up() -> bool:
            return sync.status.nodes.keys() == expected.nodes.keys() and all(
                sync.status.nodes[i].phase == n.phase for i, n in expected.nodes.items()
            )

        def watch_requests() -> list[Any]:
            return [r for r in kube.calls("GET", WORKFLOWS) if r.query.get("watch") in PARSE_BOOL_TRUE]

        def rewatched() -> bool:  # the first read may already show the end: wait for the 410 too
            # As the server saw it: the poller counts a watch before its request has arrived.
            return poller.stats.watches >= 2 and len(watch_requests()) >= 2

        deadline = time.monotonic() + 30
        while not (caught_up() and rewatched()) and time.monotonic() < deadline:
            loop.run_until_complete(asyncio.sleep(0.05))  # the private loop runs the poller
        assert caught_up() and rewatched()
    finally:
        task.cancel()  # the run never ends: its stream is closed by the cancellation
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
    watches = watch_requests()
    assert len(watches) >= 2  # the 410 made it read again and watch anew
    assert {r.query["fieldSelector"] for r in watches} == {"metadata.name=poll-abcde"}
    assert poller.stats.watches >= 2 and poller.stats.gets >= 2
    assert {n.phase for n in sync.status.nodes.values()} >= {"Omitted", "Failed", "Succeeded"}


@pytest.mark.parametrize(
    "fixture",
    ["succeeded-dag-withparam-retry-outputs.json", "failed-steps-pod-message.json", "succeeded-steps.json"],
)
def test_submit_reaches_the_same_status_as_through_the_argo_server(
    kube: FakeKubeApi, kubeconfig: Path, argo_mode: None, fixture: str
) -> None:
    kube.fixture = load(fixture)
    on_kube = Workflow("hello", labels={"project": "demo"})
    on_kube.add(Step("twice", PythonOPTemplate(double), parameters={"x": 21}))
    on_kube.submit()  # blocks until the run ends, as in debug mode
    assert kube.calls("POST", WORKFLOWS)[0].body["metadata"]["name"] == on_kube.id

    with FakeArgoServer(frame_interval=0.03, fixture=load(fixture)) as argo:
        config.update(host=argo.url, token=argo.token)
        on_argo = Workflow("hello", labels={"project": "demo"})
        on_argo.add(Step("twice", PythonOPTemplate(double), parameters={"x": 21}))
        on_argo.submit()

    assert on_kube.query_status() == on_argo.query_status() == load(fixture)["status"]["phase"]
    for query in ({}, {"type": "Pod"}, {"phase": "Failed"}, {"phase": "Succeeded", "type": ["Pod", "Retry"]}):
        seen = {}
        for wf in (on_kube, on_argo):
            expected = WorkflowStatus.from_argo(rename(load(fixture), wf.id))
            assert _view(wf.query_step(**query)) == _view(select_steps(expected, **query))
            seen[wf.id] = _anonymous(_view(wf.query_step(**query)), wf.id)
        assert seen[on_kube.id] == seen[on_argo.id]  # the same, but for the workflow's name


def _anonymous(view: list[tuple[Any, ...]], workflow_id: str) -> list[tuple[Any, ...]]:
    """``view`` without node ids (hashes of the workflow's name) and with the name replaced."""
    return [(str(row[1]).replace(workflow_id, "<wf>"), *row[2:]) for row in view]


def test_an_unreachable_api_server_is_named(tmp_path: Path) -> None:
    with FakeKubeApi() as gone:
        path = gone.kubeconfig(tmp_path)
    # The fake has stopped: nothing listens at its address any more.
    client = KubeArgoClient(_settings(host="", api="kubernetes", k8s_config_file=str(path), retries=0))
    with pytest.raises(ArgoUnavailable, match=r"cannot reach the Kubernetes API server.*k8s_api_server"):
        client.get("anything")
