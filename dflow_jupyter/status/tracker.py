"""The status tracker: the one place where a backend's node changes meet the status model.

Every backend fills the status model through a :class:`StatusTracker`: the debug engine as it
runs steps, the Argo poller as it reads ``Workflow`` objects. The tracker applies a change to
the in-memory :class:`~dflow_jupyter.status.model.WorkflowStatus`, publishes it on the event
bus and hands the node, serialized once, to :meth:`StatusTracker.node_changed`, which a
backend overrides to mirror the change elsewhere (the debug engine's disk record).

Trackers of workflows followed in this process are registered by workflow id, so queries, the
magics and the widget read a live run's status without knowing which backend fills it.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from dflow_jupyter.status.events import EventBus, events
from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.status.phase import FINISHED_PHASES, LEAF_TYPES, NodeType, Phase, WorkflowPhase

__all__ = ["StatusTracker", "follow", "live_status", "live_tracker", "release"]


class StatusTracker:
    """Owns one workflow's :class:`WorkflowStatus`; every change goes through here.

    Parameters
    ----------
    status
        The model to fill (a fresh one, or the recorded one of a restarted run).
    bus
        Where node and workflow events are published.
    """

    def __init__(self, status: WorkflowStatus, bus: EventBus = events) -> None:
        self.status = status
        self.bus = bus
        # Re-entrant: a backend's hook may apply a further change (e.g. a link) while mirroring.
        self.lock = threading.RLock()

    # -- hooks for backends ---------------------------------------------------------------------
    def node_changed(self, node: Node, data: dict[str, Any] | None, *, finished: bool) -> None:
        """Called after each node change; ``data`` is ``node.to_argo()`` when it was needed.

        ``finished`` is true for the change that moved the node to its final phase.
        """

    def needs_serialized(self, node: Node, *, finished: bool) -> bool:
        """Whether :meth:`node_changed` needs ``node.to_argo()`` for this change."""
        return False

    def workflow_changed(self) -> None:
        """Called after the workflow's phase or message changed."""

    # -- nodes --------------------------------------------------------------------------------
    def add_node(
        self,
        name: str,
        display_name: str,
        node_type: NodeType | str,
        *,
        template_name: str | None,
        boundary_id: str | None,
        parent: Node | None,
        phase: Phase = "Running",
        message: str | None = None,
        key: str | None = None,
    ) -> Node:
        """Create a node with Argo's id for ``name``, link it under ``parent``, publish it."""
        nid = node_id(self.status.name, name)
        with self.lock:
            node = self.status.nodes.get(nid)
            now = time.time()
            fresh = node is None
            if node is None:
                node = Node(
                    id=nid,
                    name=name,
                    display_name=display_name,
                    type=node_type,
                    template_name=template_name,
                    boundary_id=boundary_id,
                    phase=phase,
                    started_at=now,
                    message=message,
                    key=key,
                )
                self.status.nodes[nid] = node
            else:  # a restarted run revisits the node it recorded before
                node.type, node.phase, node.message, node.key = node_type, phase, message, key
                node.started_at, node.finished_at = now, None
                node.children = []
            if phase in FINISHED_PHASES:
                node.finished_at = now
            # A fresh node cannot be a child yet: skip the scan (groups have 10,000 children).
            if parent is not None and (fresh or nid not in parent.children):
                parent.children.append(nid)
            self._changed(node)
        return node

    def link(self, parent: Node, child: Node) -> None:
        """Add an extra graph edge (Argo links a step's leaves to the next step group)."""
        with self.lock:
            if child.id not in parent.children:
                parent.children.append(child.id)
                self._changed(parent)

    def update(self, node: Node, **fields: Any) -> None:
        """Set fields of ``node`` (by their ``Node`` attribute names) and publish the change."""
        with self.lock:
            for key, value in fields.items():
                setattr(node, key, value)
            self._changed(node)

    def finish(self, node: Node, phase: Phase, message: str | None = None, **fields: Any) -> None:
        """Move ``node`` to a finished ``phase``; leaves without progress get ``1/1`` or ``0/1``."""
        with self.lock:
            node.phase = phase
            if message is not None:
                node.message = message
            node.finished_at = time.time()
            for key, value in fields.items():
                setattr(node, key, value)
            if node.type in LEAF_TYPES and node.progress is None:
                node.progress = "1/1" if phase == "Succeeded" else "0/1"
            self._changed(node, finished=True)

    def progress(self, node: Node, current: int, total: int) -> None:
        """Record a leaf's own progress report (dflow's ``progress_current/progress_total``)."""
        with self.lock:
            node.progress = f"{current}/{total}"
            self._changed(node)

    def abandon(self, reason: str) -> None:
        """Mark every unfinished node Failed (as Argo does on terminate); finished ones stay."""
        with self.lock:
            for node in list(self.status.nodes.values()):
                if not node.finished:
                    self.finish(node, "Failed", reason)

    # -- workflow -----------------------------------------------------------------------------
    def set_phase(self, phase: WorkflowPhase, message: str | None = None) -> None:
        """Set the workflow phase (and times); publishes a workflow event."""
        with self.lock:
            status = self.status
            status.phase = phase
            if message is not None:
                status.message = message
            if phase in FINISHED_PHASES:
                status.finished_at = time.time()
            elif status.started_at is None:
                status.started_at = time.time()
            status.progress = status.compute_progress()
            self.workflow_changed()
            self.bus.publish_workflow(status)

    def _changed(self, node: Node, *, finished: bool = False) -> None:
        # Serialized at most once per change, for both the event and the backend's mirror.
        wanted = self.bus.wants_snapshots or self.needs_serialized(node, finished=finished)
        data = node.to_argo() if wanted else None
        self.bus.publish_node(self.status, node, data)
        self.node_changed(node, data, finished=finished)


# -- workflows followed in this process ----------------------------------------------------------
_live: dict[str, StatusTracker] = {}
_live_lock = threading.Lock()


def follow(tracker: StatusTracker) -> None:
    """Register ``tracker`` as the live source of its workflow's status in this process."""
    with _live_lock:
        _live[tracker.status.name] = tracker


def release(workflow_id: str, tracker: StatusTracker | None = None) -> None:
    """Forget the live tracker of ``workflow_id`` (only ``tracker``, when given)."""
    with _live_lock:
        if tracker is None or _live.get(workflow_id) is tracker:
            _live.pop(workflow_id, None)


def live_tracker(workflow_id: str) -> StatusTracker | None:
    """The tracker that fills ``workflow_id`` in this process, if one does."""
    return _live.get(workflow_id)


def live_status(workflow_id: str) -> WorkflowStatus | None:
    """The live status of ``workflow_id`` when a tracker of this process fills it."""
    tracker = _live.get(workflow_id)
    return tracker.status if tracker is not None else None
