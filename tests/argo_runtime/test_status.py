"""Argo's real status objects through ArgoStatusSync: the same model and queries as the debug backend."""

from __future__ import annotations

import base64
import copy
import gzip
import json
from typing import Any

import pytest

from dflow_jupyter.argo.status import ArgoStatusSync, argo_nodes, diff_nodes, tree_order
from dflow_jupyter.status.events import EventBus, NodeEvent
from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.query import select_steps

from .timeline import fixture_names, load, rename, timeline, trim

FIXTURES = fixture_names()


def _sync(name: str) -> tuple[ArgoStatusSync, list[NodeEvent]]:
    bus = EventBus()
    seen: list[NodeEvent] = []
    bus.subscribe(seen.append)
    return ArgoStatusSync.for_workflow(name, bus), seen


def _view(steps: list[Any]) -> list[tuple[Any, ...]]:
    """What a user reads from query_step results."""
    return [
        (
            s.id,
            s.displayName,
            s.phase,
            s.type,
            s.key,
            s.get("message"),
            {k: p.value for k, p in s.outputs.parameters.items()},
            sorted(s.outputs.artifacts),
            s.get_duration() is not None,
        )
        for s in steps
    ]


QUERIES: list[dict[str, Any]] = [
    {},
    {"phase": "Succeeded"},
    {"phase": ["Failed", "Error"]},
    {"phase": "Running"},
    {"type": "Pod"},
    {"type": ["Retry", "TaskGroup", "StepGroup"]},
    {"type": "Skipped"},
    {"phase": "Omitted"},
]


def test_there_are_twelve_real_status_objects() -> None:
    assert len(FIXTURES) == 12


@pytest.mark.parametrize("fixture", FIXTURES)
def test_queries_read_what_the_debug_backend_reads(fixture: str) -> None:
    obj = load(fixture)
    sync, _ = _sync(obj["metadata"]["name"])
    for state in timeline(obj):  # replayed as a run: Pending, Running with growing nodes, final
        sync.apply(state)
    # The debug backend reads a recorded Argo object with WorkflowStatus.from_argo.
    expected = WorkflowStatus.from_argo(obj)
    got = sync.status
    assert (got.phase, got.message, got.progress) == (expected.phase, expected.message, expected.progress)
    assert {k: n.to_argo() for k, n in got.nodes.items()} == {
        k: n.to_argo() for k, n in expected.nodes.items()
    }
    names = sorted({n.display_name.split("(")[0] for n in expected.nodes.values()})
    keys = sorted({n.key for n in expected.nodes.values() if n.key})
    queries = QUERIES + [{"name": n} for n in names] + [{"key": k} for k in keys]
    for query in queries:
        assert _view(select_steps(got, **query)) == _view(select_steps(expected, **query)), query


@pytest.mark.parametrize("fixture", FIXTURES)
def test_each_state_publishes_only_the_nodes_it_changed(fixture: str) -> None:
    obj = load(fixture)
    sync, seen = _sync(obj["metadata"]["name"])
    previous: dict[str, Any] = {}
    for state in timeline(obj):
        seen.clear()
        delta = sync.apply(state)
        nodes = (state.get("status") or {}).get("nodes") or {}
        expected = {nid for nid, raw in nodes.items() if previous.get(nid) != raw}
        published = {e.node_id for e in seen if e.kind == "node"}
        assert set(delta.changed) == expected
        assert published <= expected  # a raw change of a field the model does not keep is not news
        assert len([e for e in seen if e.kind == "node"]) == len(published)  # one event per node
        previous = nodes
    seen.clear()
    assert sync.apply(obj).empty and seen == []  # the same object again: nothing to tell


def test_new_nodes_are_published_parents_first() -> None:
    obj = load("succeeded-nested-dag-taskgroup.json")
    sync, seen = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    order = [e.node_id for e in seen if e.kind == "node"]
    for nid, raw in obj["status"]["nodes"].items():
        for child in raw.get("children") or []:
            assert order.index(nid) < order.index(child)
    assert seen[-1].kind == "workflow" and seen[-1].phase == "Succeeded"
    assert tree_order(obj["status"]["nodes"])[0] == obj["metadata"]["name"]


def test_node_objects_are_updated_in_place() -> None:
    obj = load("succeeded-steps.json")
    sync, _ = _sync(obj["metadata"]["name"])
    states = timeline(obj, states=8)
    running = next(s for s in states if obj["metadata"]["name"] in (s["status"].get("nodes") or {}))
    assert running is not states[-1]
    sync.apply(running)
    root = sync.status.nodes[obj["metadata"]["name"]]
    [step] = select_steps(sync.status, name="steps-4k5vn", type="Steps")
    assert step.phase == "Running"
    for state in states[states.index(running) + 1 :]:
        sync.apply(state)
    assert sync.status.nodes[root.id] is root and root.phase == "Succeeded"
    assert step.node.phase == "Succeeded"


def test_a_trimmed_object_leaves_the_nodes_alone() -> None:
    obj = load("succeeded-steps.json")
    sync, seen = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    seen.clear()
    cheap = trim(obj, "metadata.name,metadata.resourceVersion,status.phase,status.progress")
    cheap["status"]["phase"] = "Running"
    delta = sync.apply(cheap, with_nodes=False)
    assert delta.changed == [] and delta.workflow_changed
    assert len(sync.status.nodes) == 6 and [e.kind for e in seen] == ["workflow"]


def test_removed_nodes_leave_the_model() -> None:
    obj = load("failed-steps-pod-message.json")
    sync, seen = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    fewer = copy.deepcopy(obj)
    failed = [
        nid
        for nid, raw in fewer["status"]["nodes"].items()
        if raw["type"] == "Pod" and raw["phase"] == "Failed"
    ]
    for nid in failed:
        del fewer["status"]["nodes"][nid]
    seen.clear()
    delta = sync.apply(fewer)
    assert delta.removed == failed and not set(failed) & set(sync.status.nodes)
    assert seen[-1].kind == "workflow"


def test_failures_keep_their_messages() -> None:
    obj = load("failed-steps-pod-message.json")
    sync, _ = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    assert sync.status.phase == "Failed"
    assert sync.status.message == obj["status"]["message"]
    [pod] = select_steps(sync.status, phase="Failed", type="Pod")
    assert pod.message == "failed with exit code 1"


def test_retry_taskgroup_skipped_and_omitted_nodes() -> None:
    obj = load("running-dag-withparam-fanout-retries.json")
    sync, _ = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    types = {n.type for n in sync.status.nodes.values()}
    assert {"Retry", "TaskGroup", "Skipped", "DAG", "Pod"} <= types
    omitted = [n for n in sync.status.nodes.values() if n.phase == "Omitted"]
    assert omitted and all(n.type == "Skipped" and n.finished for n in omitted)
    assert any("No more retries left" in (n.message or "") for n in sync.status.nodes.values())


def test_outputs_values_and_artifacts() -> None:
    obj = load("succeeded-dag-withparam-retry-outputs.json")
    sync, _ = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    pods = select_steps(sync.status, type="Pod")
    nodes = obj["status"]["nodes"]
    values = [
        p.get("value") for n in nodes.values() for p in (n.get("outputs") or {}).get("parameters") or []
    ]
    assert any(values), "the fixture has output parameter values"
    for pod in pods:
        raw = {p["name"]: p.get("value") for p in nodes[pod.id]["outputs"].get("parameters") or []}
        # Declared str (no dflow description): the value is kept as Argo sent it.
        assert {name: param.value for name, param in pod.outputs.parameters.items()} == raw
        assert pod.node.exit_code == int(nodes[pod.id]["outputs"]["exitCode"])


def test_renamed_fixtures_keep_argo_ids() -> None:
    obj = rename(load("succeeded-steps.json"), "other-abcde")
    sync, _ = _sync("other-abcde")
    sync.apply(obj)
    from dflow_jupyter.status.model import node_id

    for nid, node in sync.status.nodes.items():
        assert nid == node_id("other-abcde", node.name)


def test_compressed_nodes_are_read() -> None:
    obj = load("succeeded-steps.json")
    nodes = obj["status"].pop("nodes")
    obj["status"]["compressedNodes"] = base64.b64encode(gzip.compress(json.dumps(nodes).encode())).decode()
    assert argo_nodes(obj["status"]) == nodes
    sync, _ = _sync(obj["metadata"]["name"])
    sync.apply(obj)
    assert len(sync.status.nodes) == 6


def test_diff_nodes() -> None:
    a = {"x": {"phase": "Running"}, "y": {"phase": "Running"}}
    b = {"x": {"phase": "Running"}, "y": {"phase": "Succeeded"}, "z": {"phase": "Pending"}}
    assert diff_nodes(a, b) == (["y", "z"], [])
    assert diff_nodes(b, a) == (["y"], ["z"])


def test_missing_progress_message_finished_at_and_empty_phase_are_tolerated() -> None:
    obj = load("running-steps-progress-pending.json")
    sync, _ = _sync(obj["metadata"]["name"])
    sync.apply({"metadata": obj["metadata"], "status": {"phase": ""}})
    assert sync.status.phase == "Pending" and sync.status.nodes == {}
    sync.apply(obj)
    assert sync.status.finished_at is None and sync.status.progress == "0/5"


def test_an_older_object_does_not_move_the_status_back() -> None:
    obj = load("succeeded-steps.json")
    sync, seen = _sync(obj["metadata"]["name"])
    states = timeline(obj)
    for version, state in enumerate(states, start=100):
        state["metadata"]["resourceVersion"] = str(version)
    sync.apply(states[-1])
    seen.clear()
    assert sync.apply(states[1]).empty and seen == []  # a late answer to an earlier get
    assert sync.status.phase == "Succeeded" and sync.resource_version == str(99 + len(states))
