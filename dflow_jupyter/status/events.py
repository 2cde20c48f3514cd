"""Engine events: subscribers learn of every node change without polling the disk."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any, Literal, NamedTuple

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import Phase


class NodeEvent(NamedTuple):
    """A node was added or changed (``node``: a snapshot in Argo's JSON shape, if any listener asked).

    Immutable, and a tuple rather than a frozen dataclass: made once per change on the engine's
    thread, it costs a fraction of a frozen dataclass's ``__init__``.
    """

    workflow: str
    kind: Literal["node", "workflow"]
    node_id: str | None
    node: dict[str, Any] | None
    phase: Phase
    progress: str | None


Listener = Callable[[NodeEvent], None]


class EventBus:
    """A thread-safe publish/subscribe hub; a failing listener never stops the engine."""

    def __init__(self) -> None:
        # Replaced, never changed in place: a publish reads it without the lock or a copy (the
        # engine publishes tens of thousands of events in a wide fan-out).
        self._listeners: tuple[tuple[Listener, str | None, bool], ...] = ()
        self._lock = threading.Lock()
        self._snapshot_wanted = 0

    def subscribe(
        self, listener: Listener, workflow: str | None = None, *, snapshots: bool = True
    ) -> Callable[[], None]:
        """Call ``listener(event)`` for each event (of one workflow, or all); returns unsubscribe.

        With ``snapshots=False`` node events carry no ``node`` dict: a listener that only needs
        to know which nodes changed (the widget) then costs the engine no serialization.
        """
        entry = (listener, workflow, snapshots)
        with self._lock:
            self._listeners = (*self._listeners, entry)
            self._snapshot_wanted += snapshots

        def unsubscribe() -> None:
            with self._lock:
                if entry in self._listeners:
                    found = self._listeners.index(entry)
                    self._listeners = self._listeners[:found] + self._listeners[found + 1 :]
                    self._snapshot_wanted -= snapshots

        return unsubscribe

    def subscribe_queue(
        self, workflow: str | None = None
    ) -> tuple[queue.SimpleQueue[NodeEvent], Callable[[], None]]:
        """A queue that receives the events, for consumers on another thread."""
        q: queue.SimpleQueue[NodeEvent] = queue.SimpleQueue()
        return q, self.subscribe(q.put, workflow)

    @property
    def active(self) -> bool:
        return bool(self._listeners)

    @property
    def wants_snapshots(self) -> bool:
        """Whether a listener wants node events to carry ``node.to_argo()``."""
        return self._snapshot_wanted > 0

    def publish_node(self, status: WorkflowStatus, node: Node, data: dict[str, Any] | None = None) -> None:
        """Publish a node change; ``data`` is ``node.to_argo()`` when the caller has it already."""
        if not self._listeners:
            return
        if data is None and self._snapshot_wanted:
            data = node.to_argo()
        self._emit(NodeEvent(status.name, "node", node.id, data, node.phase, node.progress))

    def publish_workflow(self, status: WorkflowStatus) -> None:
        if not self._listeners:
            return
        self._emit(NodeEvent(status.name, "workflow", None, None, status.phase, status.progress))

    def _emit(self, event: NodeEvent) -> None:
        for listener, only, _ in self._listeners:
            if only is not None and only != event.workflow:
                continue
            try:
                listener(event)
            except Exception:
                import logging

                logging.getLogger("dflow_jupyter").exception("event listener failed")


#: The process-wide bus the debug engine publishes to (the Argo poller publishes here too).
events = EventBus()
