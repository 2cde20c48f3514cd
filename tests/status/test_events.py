"""The event bus: subscribe and unsubscribe while events flow; snapshots only when asked."""

from __future__ import annotations

from dflow_jupyter.status.events import EventBus, NodeEvent
from dflow_jupyter.status.model import Node, WorkflowStatus


def _status() -> tuple[WorkflowStatus, Node]:
    status = WorkflowStatus(name="wf", phase="Running")
    node = Node(id="wf-1", name="wf.a", display_name="a", type="Pod", phase="Running")
    status.nodes[node.id] = node
    return status, node


def test_a_listener_that_unsubscribes_during_an_event_leaves_the_others_in_place() -> None:
    bus = EventBus()
    status, node = _status()
    first: list[NodeEvent] = []
    second: list[NodeEvent] = []
    stop = bus.subscribe(lambda e: (first.append(e), stop()), snapshots=False)
    bus.subscribe(second.append, "wf", snapshots=False)
    bus.subscribe(lambda e: None, "other-workflow", snapshots=False)
    bus.publish_node(status, node)
    bus.publish_node(status, node)
    assert len(first) == 1 and len(second) == 2
    assert second[0] == NodeEvent("wf", "node", "wf-1", None, "Running", None)


def test_snapshots_are_made_while_a_listener_wants_them_only() -> None:
    bus = EventBus()
    status, node = _status()
    seen: list[NodeEvent] = []
    bus.subscribe(seen.append, snapshots=False)
    stop = bus.subscribe(lambda e: None, snapshots=True)
    bus.publish_node(status, node)
    stop()
    stop()  # twice: no harm
    bus.publish_node(status, node)
    assert seen[0].node is not None and seen[0].node["id"] == "wf-1"
    assert seen[1].node is None
    assert bus.active and not bus.wants_snapshots
