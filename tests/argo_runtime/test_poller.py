"""The status poller against the FAKE Argo Server: watch, fallback, resumption and faults."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from dflow_jupyter.argo.api import CHEAP_FIELDS
from dflow_jupyter.argo.client import ArgoClient
from dflow_jupyter.argo.errors import ArgoAuthError, ArgoNotFound
from dflow_jupyter.argo.poller import Poller, PollerRegistry
from dflow_jupyter.argo.settings import ArgoSettings, Secret
from dflow_jupyter.argo.status import ArgoStatusSync
from dflow_jupyter.status.events import EventBus, NodeEvent
from dflow_jupyter.status.model import WorkflowStatus

from .fake_argo import FakeArgoServer
from .test_client import manifest
from .timeline import load, rename, timeline

NAME = "hello-abcde"
registries: list[PollerRegistry] = []


@pytest.fixture(autouse=True)
def _close_registries() -> Any:
    yield
    while registries:
        registries.pop().close()


def _poller(
    fake: FakeArgoServer, settings: ArgoSettings, fixture: str, **kwargs: Any
) -> tuple[Poller, list[NodeEvent]]:
    fake.fixture = load(fixture)
    with ArgoClient(settings) as client:
        client.create(manifest(NAME))
    bus = EventBus()
    seen: list[NodeEvent] = []
    bus.subscribe(seen.append)
    poller = Poller(ArgoStatusSync.for_workflow(NAME, bus), settings, created_at=time.monotonic(), **kwargs)
    return poller, seen


def _follow(poller: Poller, timeout: float = 30.0) -> WorkflowStatus:
    registry = PollerRegistry()
    registries.append(registry)
    registry.start(poller)
    status = registry.run(NAME, timeout=timeout)
    assert status is not None
    assert not registry.active(NAME)
    return status


def _expected(fixture: str) -> WorkflowStatus:
    return WorkflowStatus.from_argo(rename(load(fixture), NAME))


def _same(got: WorkflowStatus, expected: WorkflowStatus) -> None:
    assert (got.phase, got.message, got.progress) == (expected.phase, expected.message, expected.progress)
    assert {k: n.to_argo() for k, n in got.nodes.items()} == {
        k: n.to_argo() for k, n in expected.nodes.items()
    }


@pytest.mark.parametrize(
    "fixture",
    [
        "succeeded-dag-withparam-retry-outputs.json",
        "failed-exit-handler-skipped.json",
        "error-steps-lifecycle-hook.json",
        "succeeded-steps-withitems-13.json",
    ],
)
def test_follows_a_run_to_its_end_on_the_watch_stream(
    fake: FakeArgoServer, settings: ArgoSettings, fixture: str
) -> None:
    fake.frame_interval = 0.1  # each state lasts long enough to be seen on a loaded machine
    poller, seen = _poller(fake, settings, fixture)
    status = _follow(poller)
    _same(status, _expected(fixture))
    assert poller.stats.gets == 1 and poller.stats.watches >= 1 and not poller.stats.fell_back
    phases = [e.phase for e in seen if e.kind == "workflow"]
    assert "Running" in phases and phases[-1] == status.phase
    assert len({e.node_id for e in seen if e.kind == "node"}) == len(status.nodes)
    # Only changes are published: a node's consecutive snapshots always differ.
    last: dict[str, Any] = {}
    for event in seen:
        if event.kind == "node":
            assert last.get(event.node_id) != event.node
            last[event.node_id] = event.node


def test_stops_when_the_workflow_finishes(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    _follow(poller)
    before = len(fake.requests)
    time.sleep(0.2)
    assert len(fake.requests) == before


def test_falls_back_to_trimmed_gets_where_the_watch_is_not_served(
    fake: FakeArgoServer, settings: ArgoSettings
) -> None:
    fake.faults.watch_status = 501
    fake.frame_interval = 0.3  # several polls per state
    poller, _ = _poller(fake, settings, "succeeded-nested-dag-taskgroup.json")
    status = _follow(poller)
    _same(status, _expected("succeeded-nested-dag-taskgroup.json"))
    assert poller.stats.fell_back and poller.stats.cheap_gets > 0
    cheap = [r for r in fake.calls("GET", f"/{NAME}") if r.query.get("fields") == ",".join(CHEAP_FIELDS)]
    full = [r for r in fake.calls("GET", f"/{NAME}") if "status.nodes" in r.query.get("fields", "")]
    # Nodes are read only when the resource version moved: at most once per state of the run.
    states = len(timeline(load("succeeded-nested-dag-taskgroup.json")))
    assert len(cheap) == poller.stats.cheap_gets and 1 < len(full) <= states + 1 and len(full) <= len(cheap)


def test_resumes_a_dropped_watch_stream_from_its_resource_version(
    fake: FakeArgoServer, settings: ArgoSettings
) -> None:
    fake.faults.drop_watch_after = 1
    fake.faults.drop_watch_times = 2
    # States long enough that the run is still going when the poller first reads it, however
    # busy the machine: a run seen finished at the first read is never watched.
    fake.frame_interval = 0.1
    poller, _ = _poller(fake, settings, "succeeded-dag-withparam-retry-outputs.json")
    status = _follow(poller)
    _same(status, _expected("succeeded-dag-withparam-retry-outputs.json"))
    watches = fake.calls("GET", "/workflow-events/argo")
    assert len(watches) >= 3 and poller.stats.resumes >= 2
    versions = [int(w.query["listOptions.resourceVersion"]) for w in watches]
    assert versions == sorted(versions) and versions[0] < versions[-1]
    assert poller.stats.gets == 1  # resumed from the version, not by reading everything again


def test_tolerates_a_404_right_after_create(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    fake.faults.not_found_after_create = 3
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    status = _follow(poller)
    assert status.phase == "Succeeded" and poller.stats.errors >= 3


def test_a_404_long_after_create_stops_the_poller(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    poller = Poller(ArgoStatusSync.for_workflow("nope-12345"), settings)
    registry = PollerRegistry()
    registries.append(registry)
    registry.start(poller)
    with pytest.raises(ArgoNotFound, match="no workflow 'nope-12345'"):
        registry.run("nope-12345", timeout=10)
    assert isinstance(registry.errors["nope-12345"], ArgoNotFound)


def test_rides_out_5xx_answers(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    poller, _ = _poller(fake, settings, "failed-steps-pod-message.json")
    fake.faults.status_codes = [500, 503, 502, 500]
    status = _follow(poller)
    _same(status, _expected("failed-steps-pod-message.json"))
    assert poller.stats.errors >= 2


def test_a_slow_server_only_slows_it_down(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    fake.faults.delay = 0.05
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    assert _follow(poller).phase == "Succeeded"


def test_a_wrong_token_stops_it_with_a_clear_error(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    poller.settings = ArgoSettings(host=fake.url, token=Secret("wrong"), retries=0)
    registry = PollerRegistry()
    registries.append(registry)
    registry.start(poller)
    with pytest.raises(ArgoAuthError, match="the token is wrong or missing"):
        registry.run(NAME, timeout=10)


def test_a_deleted_workflow_ends_the_watch(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    fake.frame_interval = 5.0
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    registry = PollerRegistry()
    registries.append(registry)
    registry.start(poller)

    def delete_soon() -> None:
        time.sleep(0.3)
        with ArgoClient(settings) as client:
            client.delete(NAME)

    import threading

    threading.Thread(target=delete_soon, daemon=True).start()
    with pytest.raises(ArgoNotFound, match="deleted"):
        registry.run(NAME, timeout=10)


def test_one_task_per_workflow_on_the_running_loop(fake: FakeArgoServer, settings: ArgoSettings) -> None:
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    registry = PollerRegistry()
    registries.append(registry)

    async def kernel() -> WorkflowStatus:
        # As in a Jupyter kernel: the task runs on the loop that runs the caller.
        first = registry.start(poller)
        second = registry.start(Poller(poller.sync, settings))  # another widget, same workflow
        assert first is second and first.get_loop() is asyncio.get_running_loop()
        assert registry.active(NAME)
        with pytest.raises(RuntimeError, match="await it instead"):
            registry.run(NAME)
        return await first

    assert asyncio.run(kernel()).phase == "Succeeded"
    assert poller.stats.watches >= 1


def test_without_a_running_loop_the_task_waits_on_a_private_loop(
    fake: FakeArgoServer, settings: ArgoSettings
) -> None:
    poller, _ = _poller(fake, settings, "succeeded-steps.json")
    registry = PollerRegistry()
    registries.append(registry)
    task = registry.start(poller)
    time.sleep(0.2)
    assert not task.done() and not fake.calls("GET", "/workflow-events/argo")  # no thread runs it
    assert registry.run(NAME, timeout=20) is not None and task.done()
    registry.stop(NAME)  # stopping a finished poller is a no-op
