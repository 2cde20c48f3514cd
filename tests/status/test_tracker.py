"""The shared status tracker: applies node changes, publishes them, serializes a node once."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.status.events import EventBus, NodeEvent
from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.status.tracker import StatusTracker, follow, live_status, live_tracker, release


class Mirror(StatusTracker):
    """A tracker that keeps what its hook receives, as a backend's mirror would."""

    def __init__(self, status: WorkflowStatus, bus: EventBus) -> None:
        super().__init__(status, bus)
        self.seen: list[tuple[str, dict[str, Any] | None]] = []
        self.phases: list[str] = []

    def needs_serialized(self, node: Node, *, finished: bool) -> bool:
        return finished

    def node_changed(self, node: Node, data: dict[str, Any] | None, *, finished: bool) -> None:
        self.seen.append((node.phase, data))

    def workflow_changed(self) -> None:
        self.phases.append(self.status.phase)


def _tracker() -> tuple[Mirror, list[NodeEvent]]:
    bus = EventBus()
    received: list[NodeEvent] = []
    bus.subscribe(received.append)
    return Mirror(WorkflowStatus(name="wf-abcde"), bus), received


def test_nodes_get_argo_ids_and_children() -> None:
    tracker, _ = _tracker()
    root = tracker.add_node(
        "wf-abcde", "wf-abcde", "Steps", template_name="main", boundary_id=None, parent=None
    )
    child = tracker.add_node("wf-abcde[0].a", "a", "Pod", template_name="a", boundary_id=root.id, parent=root)
    assert root.id == "wf-abcde"
    assert child.id == node_id("wf-abcde", "wf-abcde[0].a")
    assert root.children == [child.id]
    tracker.link(root, child)  # linking twice adds no second edge
    assert root.children == [child.id]


def test_a_change_is_serialized_once_for_the_event_and_the_mirror(monkeypatch: Any) -> None:
    tracker, received = _tracker()
    calls = 0
    original = Node.to_argo

    def counting(self: Node) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return original(self)

    monkeypatch.setattr(Node, "to_argo", counting)
    node = tracker.add_node("wf-abcde", "wf-abcde", "Pod", template_name="t", boundary_id=None, parent=None)
    tracker.finish(node, "Succeeded")
    assert calls == 2  # one per change, shared by the listener and the mirror
    assert received[-1].node is tracker.seen[-1][1]
    assert received[-1].node is not None and received[-1].node["phase"] == "Succeeded"


def test_without_listeners_nothing_is_serialized_unless_the_mirror_asks() -> None:
    tracker = Mirror(WorkflowStatus(name="wf-abcde"), EventBus())
    node = tracker.add_node("wf-abcde", "wf-abcde", "Pod", template_name="t", boundary_id=None, parent=None)
    assert tracker.seen == [("Running", None)]
    tracker.finish(node, "Failed", "boom")
    phase, data = tracker.seen[-1]
    assert phase == "Failed" and data is not None and data["message"] == "boom"


def test_finish_gives_leaves_a_progress_and_abandon_spares_finished_nodes() -> None:
    tracker, _ = _tracker()
    root = tracker.add_node("wf-abcde", "wf-abcde", "Steps", template_name="m", boundary_id=None, parent=None)
    done = tracker.add_node(
        "wf-abcde[0].a", "a", "Pod", template_name="a", boundary_id="wf-abcde", parent=root
    )
    busy = tracker.add_node(
        "wf-abcde[0].b", "b", "Pod", template_name="b", boundary_id="wf-abcde", parent=root
    )
    tracker.finish(done, "Succeeded")
    tracker.progress(busy, 3, 10)
    assert (done.progress, busy.progress) == ("1/1", "3/10")
    tracker.abandon("Stopped with strategy 'Terminate'")
    assert done.phase == "Succeeded" and done.message is None
    assert busy.phase == "Failed" and busy.message == "Stopped with strategy 'Terminate'"
    assert root.phase == "Failed"


def test_workflow_phase_times_progress_and_event() -> None:
    tracker, received = _tracker()
    tracker.set_phase("Running")
    assert tracker.status.started_at is not None and tracker.status.finished_at is None
    tracker.set_phase("Succeeded")
    assert tracker.status.finished_at is not None
    assert tracker.phases == ["Running", "Succeeded"]
    assert [(e.kind, e.phase) for e in received] == [("workflow", "Running"), ("workflow", "Succeeded")]
    assert tracker.status.progress == "0/0"


def test_live_registry_follows_and_releases_by_identity() -> None:
    tracker, _ = _tracker()
    follow(tracker)
    try:
        assert live_tracker("wf-abcde") is tracker
        assert live_status("wf-abcde") is tracker.status
        release("wf-abcde", Mirror(WorkflowStatus(name="wf-abcde"), EventBus()))  # another's: kept
        assert live_tracker("wf-abcde") is tracker
    finally:
        release("wf-abcde", tracker)
    assert live_status("wf-abcde") is None


def test_listeners_that_need_no_snapshots_cost_no_serialization(monkeypatch: Any) -> None:
    bus = EventBus()
    received: list[NodeEvent] = []
    bus.subscribe(received.append, snapshots=False)
    tracker = StatusTracker(WorkflowStatus(name="wf-abcde"), bus)
    calls = 0
    original = Node.to_argo

    def counting(self: Node) -> dict[str, Any]:
        nonlocal calls
        calls += 1
        return original(self)

    monkeypatch.setattr(Node, "to_argo", counting)
    node = tracker.add_node("wf-abcde", "wf-abcde", "Pod", template_name="t", boundary_id=None, parent=None)
    tracker.finish(node, "Succeeded")
    assert calls == 0
    assert [(e.node_id, e.phase, e.node) for e in received] == [
        (node.id, "Running", None),
        (node.id, "Succeeded", None),
    ]
