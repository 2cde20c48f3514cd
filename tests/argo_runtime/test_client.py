"""The Argo Server client against the FAKE Argo Server: operations, errors, retries, secrecy."""

from __future__ import annotations

import importlib
import logging
import pickle
import socket
import ssl

import pytest

from dflow_jupyter.argo._http import client_options
from dflow_jupyter.argo.api import CHEAP_FIELDS, Call, stream_result
from dflow_jupyter.argo.backoff import Backoff
from dflow_jupyter.argo.client import ArgoClient
from dflow_jupyter.argo.errors import (
    ArgoAuthError,
    ArgoError,
    ArgoInvalid,
    ArgoNotFound,
    ArgoServerError,
    ArgoUnavailable,
)
from dflow_jupyter.argo.settings import ArgoSettings, Secret
from dflow_jupyter.errors import WorkflowNotFound

from .fake_argo import FakeArgoServer
from .timeline import load


def manifest(name: str = "hello-abcde", **labels: str) -> dict:
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"name": name, "labels": labels or {"project": "demo"}},
        "spec": {
            "entrypoint": "main",
            "templates": [{"name": "main", "container": {"image": "busybox", "command": ["echo", "hi"]}}],
        },
    }


def test_create_get_trimmed_list_and_version(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    with ArgoClient(settings) as client:
        created = client.create(manifest())
        assert created["metadata"]["name"] == "hello-abcde" and created["metadata"]["uid"]
        cheap = client.get("hello-abcde", CHEAP_FIELDS)
        assert "nodes" not in cheap.get("status", {}) and "spec" not in cheap
        assert cheap["metadata"]["resourceVersion"]
        full = client.get("hello-abcde")
        assert full["spec"]["entrypoint"] == "main"
        assert [w["metadata"]["name"] for w in client.list({"project": "demo"})] == ["hello-abcde"]
        assert client.list({"project": "other"}) == []
        assert client.version()["version"].startswith("v4.1.2")
    get = fake.calls("GET", "/hello-abcde")[0]
    assert get.query["fields"] == ",".join(CHEAP_FIELDS)
    listed = fake.calls("GET", "/workflows/argo")[0]
    assert listed.query["listOptions.labelSelector"] == "project=demo"


def test_watch_streams_the_run_and_resumes_after_a_version(
    fake: FakeArgoServer, settings: ArgoSettings
) -> None:
    fake.fixture = load("succeeded-dag-withparam-retry-outputs.json")
    with ArgoClient(settings) as client:
        client.create(manifest())
        seen = []
        for event in client.watch("hello-abcde"):
            seen.append(event)
            if event.object["status"].get("phase") == "Succeeded":
                break
        assert seen[0].type == "ADDED" and {e.type for e in seen[1:]} <= {"MODIFIED"}
        counts = [len(e.object["status"].get("nodes") or {}) for e in seen]
        assert counts == sorted(counts) and counts[-1] == 10  # growing node trees, then the real one
        last = seen[-1].object["metadata"]["resourceVersion"]
        middle = seen[len(seen) // 2].object["metadata"]["resourceVersion"]
        resumed = next(iter(client.watch("hello-abcde", resource_version=middle)))
        assert resumed.type == "MODIFIED" and int(resumed.object["metadata"]["resourceVersion"]) > int(middle)
        assert resumed.object["metadata"]["resourceVersion"] <= last
    watch = fake.calls("GET", "/workflow-events/argo")[-1]
    assert watch.query["listOptions.fieldSelector"] == "metadata.name=hello-abcde"
    assert watch.query["listOptions.resourceVersion"] == middle
    assert watch.query["fields"].startswith("result.type,result.object.metadata.name")


def test_logs_stream(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    fake.logs = {"hello-abcde-main-1": ["first", "second"], "other-pod": ["x"]}
    with ArgoClient(settings) as client:
        client.create(manifest())
        lines = list(client.logs("hello-abcde", "hello-abcde-main-1"))
    assert [(ln.pod_name, ln.content) for ln in lines] == [
        ("hello-abcde-main-1", "first"),
        ("hello-abcde-main-1", "second"),
    ]
    assert fake.calls("GET", "/log")[0].query == {
        "logOptions.container": "main",
        "podName": "hello-abcde-main-1",
    }


def test_control_verbs(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    fake.frame_interval = 10.0  # stays Pending: nothing moves unless a verb moves it
    with ArgoClient(settings) as client:
        client.create(manifest())
        assert client.suspend("hello-abcde")["spec"]["suspend"] is True
        assert "suspend" not in client.resume("hello-abcde")["spec"]
        stopped = client.stop("hello-abcde", message="enough")
        assert stopped["status"]["message"] == "Stopped with strategy 'Stop'"
        client.create(manifest("second-abcde"))
        terminated = client.terminate("second-abcde")
        assert terminated["status"]["phase"] == "Failed"
        retried = client.retry("second-abcde")
        assert retried["status"]["phase"] == "Running"
        copy = client.resubmit("second-abcde", memoized=True)
        assert copy["metadata"]["name"].startswith("second-abcde-")
        client.delete("hello-abcde")
        with pytest.raises(ArgoNotFound):
            client.get("hello-abcde")
    verbs = [(r.method, r.path.rsplit("/", 1)[-1]) for r in fake.requests if r.method in ("PUT", "DELETE")]
    assert verbs == [
        ("PUT", "suspend"),
        ("PUT", "resume"),
        ("PUT", "stop"),
        ("PUT", "terminate"),
        ("PUT", "retry"),
        ("PUT", "resubmit"),
        ("DELETE", "hello-abcde"),
    ]
    assert fake.calls("PUT", "/stop")[0].body == {
        "name": "hello-abcde",
        "namespace": "argo",
        "message": "enough",
    }
    assert fake.calls("PUT", "/resubmit")[0].body["memoized"] is True


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_401_says_the_token_is_wrong_or_missing(
    fake: FakeArgoServer, settings: ArgoSettings, token: str | None
) -> None:
    bad = ArgoSettings(host=fake.url, token=Secret(token) if token else None, retries=0)
    with ArgoClient(bad) as client, pytest.raises(ArgoAuthError) as caught:
        client.create(manifest())
    message = str(caught.value)
    assert "create workflow 'hello-abcde'" in message and "HTTP 401" in message
    assert "the token is wrong or missing" in message and "config['token']" in message
    assert caught.value.status_code == 401 and isinstance(caught.value, PermissionError)
    assert "wrong-token" not in message


def test_404_names_the_workflow_and_the_namespace(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    with ArgoClient(settings) as client, pytest.raises(ArgoNotFound) as caught:
        client.get("nope-12345")
    assert "no workflow 'nope-12345' in namespace 'argo'" in str(caught.value)
    assert isinstance(caught.value, WorkflowNotFound)
    elsewhere = ArgoSettings(host=fake.url, namespace="team-b", token=Secret(fake.token), retries=0)
    with ArgoClient(elsewhere) as client, pytest.raises(ArgoNotFound) as caught:
        client.list()
    assert "namespace 'team-b' not found" in str(caught.value) and "config['namespace']" in str(caught.value)


def test_5xx_is_retried_with_backoff(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    with ArgoClient(settings) as client:
        client.create(manifest())
        fake.faults.status_codes = [500, 503]
        before = len(fake.requests)
        assert client.get("hello-abcde")["metadata"]["name"] == "hello-abcde"
        assert len(fake.requests) - before == 3
        fake.faults.status_codes = [503] * 10
        with pytest.raises(ArgoServerError) as caught:
            client.get("hello-abcde")
    assert caught.value.status_code == 503 and "HTTP 503" in str(caught.value)
    assert "retried" in str(caught.value)


def test_a_create_whose_answer_was_lost_returns_the_created_workflow(
    fake: FakeArgoServer, settings: ArgoSettings
) -> None:
    fake.add(load("succeeded-steps.json"))
    fake.faults.status_codes = [502]  # the first attempt fails; the retry finds the workflow
    with ArgoClient(settings) as client:
        got = client.create(manifest("steps-4k5vn"))
    assert got["metadata"]["name"] == "steps-4k5vn"
    with ArgoClient(settings) as client, pytest.raises(ArgoError, match="HTTP 409"):
        client.create(manifest("steps-4k5vn"))  # a real conflict on the first attempt is an error


def test_an_unreachable_server_is_retried_then_named(settings: ArgoSettings) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = ArgoSettings(
        host=f"http://127.0.0.1:{port}", token=Secret("t0ken-secret"), retries=2, backoff=0.01
    )
    with ArgoClient(down) as client, pytest.raises(ArgoUnavailable) as caught:
        client.get("hello-abcde")
    assert f"cannot reach the Argo Server at http://127.0.0.1:{port}" in str(caught.value)
    assert isinstance(caught.value, ConnectionError)


def test_the_fake_checks_manifests_against_the_spec(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    bad = manifest()
    bad["spec"]["templates"][0]["tempalte"] = "typo"
    with ArgoClient(settings) as client, pytest.raises(ArgoInvalid) as caught:
        client.create(bad)
    assert "tempalte" in str(caught.value) and "HTTP 400" in str(caught.value)
    assert "hello-abcde" not in fake.workflows


def test_the_token_never_shows(fake: FakeArgoServer, caplog: pytest.LogCaptureFixture) -> None:
    token = "super-secret-token-value"
    settings = ArgoSettings(host=fake.url, token=Secret("Bearer " + token), retries=1, backoff=0.01)
    assert settings.auth_headers()["Authorization"] == "Bearer " + token
    shown = [repr(settings), str(settings), repr(settings.token), repr(client_options(settings)["auth"])]
    caplog.set_level(logging.DEBUG)
    with ArgoClient(settings) as client:
        shown.append(repr(client))
        fake.faults.status_codes = [500]
        for call in (lambda: client.get("x"), lambda: client.create(manifest())):
            with pytest.raises(ArgoError) as caught:
                call()
            shown.append(str(caught.value))
    shown.append(caplog.text)
    assert all(token not in text for text in shown)
    with pytest.raises(TypeError):
        pickle.dumps(settings)


def test_credential_headers_never_show() -> None:
    """dflow's ``http_headers`` may hold their own ``Authorization``: not in a repr, redacted."""
    config = {"host": "http://h:1", "http_headers": {"Authorization": "Bearer hdr-s3cret", "X-Team": "blue"}}
    settings = ArgoSettings.from_config(config)
    assert "hdr-s3cret" not in repr(settings) and "hdr-s3cret" not in str(settings)
    assert settings.auth_headers()["Authorization"] == "Bearer hdr-s3cret"  # still sent
    assert settings.redact("echoed: Bearer hdr-s3cret, hdr-s3cret, blue") == "echoed: ***, ***, blue"


def test_a_password_in_the_host_url_never_shows() -> None:
    """``https://user:pass@host`` works as a URL but its password shows as ``***``."""
    from dflow_jupyter.jupyter.settings import shown_value

    settings = ArgoSettings.from_config({"host": "https://bob:pw-s3cret@argo.example:2746"})
    assert settings.host == "https://bob:pw-s3cret@argo.example:2746"  # still used as given
    for shown in (repr(settings), str(settings), settings.describe(), shown_value("host", settings.host)):
        assert "pw-s3cret" not in shown and "bob:***@argo.example:2746" in shown
    assert (
        settings.redact(f"GET {settings.host}/api/v1 failed")
        == "GET https://bob:***@argo.example:2746/api/v1 failed"
    )


def test_settings_from_dflow_config_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config_module = importlib.import_module("dflow_jupyter.config")

    monkeypatch.setenv("DFLOW_HOST", "argo.example.org:2746")
    monkeypatch.setenv("DFLOW_TOKEN", "abc")
    monkeypatch.setenv("DFLOW_NAMESPACE", "team-a")
    monkeypatch.setenv("DFLOW_VERIFY_SSL", "true")
    monkeypatch.setenv("DFLOW_HTTP_HEADERS", "X-Team: a")
    monkeypatch.setenv("DFLOW_ARGO_RETRIES", "7")
    env_config = config_module._load(config_module._CONFIG_SCHEMA, "DFLOW_")
    settings = ArgoSettings.from_config(env_config)
    assert (settings.host, settings.namespace, settings.verify, settings.retries) == (
        "https://argo.example.org:2746",
        "team-a",
        True,
        7,
    )
    assert settings.auth_headers() == {"X-Team": "a", "Authorization": "Bearer abc"}
    assert isinstance(client_options(settings)["verify"], ssl.SSLContext)
    override = ArgoSettings.from_config(env_config, host="http://h:1", namespace="n", token="t")
    assert (override.host, override.namespace, override.token) == ("http://h:1", "n", Secret("t"))
    assert client_options(ArgoSettings())["verify"] is False  # dflow's behaviour by default


def test_stream_error_frames_raise() -> None:
    call = Call("GET", "/x", "watch", "wf")
    assert stream_result('{"result": {"type": "ADDED"}}', call, "server") == {"type": "ADDED"}
    with pytest.raises(ArgoServerError, match="ended the stream: gone"):
        stream_result('{"error": {"grpcCode": 14, "message": "gone"}}', call, "server")
    with pytest.raises(ArgoError, match="denied"):
        stream_result('{"error": {"grpcCode": 7, "message": "denied"}}', call, "server")


def test_backoff_doubles_with_jitter_up_to_a_cap() -> None:
    backoff = Backoff(0.5, 4.0, jitter=0.1, rng=lambda: 1.0)
    assert [backoff.next() for _ in range(6)] == [0.6, 1.1, 2.1, 4.1, 4.1, 4.1]
    backoff.reset()
    assert backoff.next() == 0.6
    spread = {Backoff(1.0, 8.0).next() for _ in range(20)}
    assert len(spread) > 1 and all(1.0 <= d < 2.0 for d in spread)
    with pytest.raises(ValueError):
        Backoff(0, 1)
