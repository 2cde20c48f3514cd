"""Keeping a widget in step with its workflow: plan, live events, final state.

Engine events arrive on the engine's threads; :meth:`LiveGraph.on_event` only records the
changed node's id (a set insert) and pokes the :class:`~dflow_jupyter.widget.pump.Pump`. A
flush (at most ``1 / interval`` a second, plus a final one when the workflow ends) reads the
status model: a structure change rebuilds the graph and its layout (at most about a tenth of the
time: the rebuild is deferred when it would be more frequent), anything else becomes one
``delta`` message with the changed nodes' states; the ``summary`` trait follows.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from dflow_jupyter.status.events import NodeEvent, events
from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.phase import ACTIVE_PHASES
from dflow_jupyter.status.tracker import live_tracker
from dflow_jupyter.widget.graph import DEFAULT_FANOUT_THRESHOLD, Graph, build_graph
from dflow_jupyter.widget.grow import grow
from dflow_jupyter.widget.layout import Layouts
from dflow_jupyter.widget.logtail import LogFollower
from dflow_jupyter.widget.plan import planned_status
from dflow_jupyter.widget.publish import Publisher
from dflow_jupyter.widget.pump import Pump
from dflow_jupyter.widget.state import StateBook, summary_of

if TYPE_CHECKING:
    from dflow_jupyter.widget.widget import WorkflowWidget

__all__ = ["DEFAULT_INTERVAL", "LiveGraph"]

#: Seconds between two updates sent to the browser at least. Five a second reads as live; at
#: ten, JupyterLab's page spent four times the CPU of the whole headless widget redrawing (a
#: 10,000-item fan-out: 4.5 s of Chromium CPU at 0.1 s, 1.2 s at 0.2 s, 0.8 s with no widget),
#: which on a laptop's few cores is taken from the kernel running the workflow.
DEFAULT_INTERVAL = 0.2

#: A rebuild may use at most this share of the time between rebuilds, in CPU time of this
#: thread (what it takes from the engine; waiting for ``dot`` takes nothing).
REBUILD_SHARE = 0.1
#: Seconds between two resends of a graph whose fan-outs only grew (their item counts).
TOTALS_INTERVAL = 1.0


class LiveGraph:
    """The canonical graph, node states and summary of one widget, and how they are kept current."""

    def __init__(
        self,
        widget: WorkflowWidget,
        workflow: Any,
        *,
        threshold: int = DEFAULT_FANOUT_THRESHOLD,
        layout: str = "auto",
        interval: float = DEFAULT_INTERVAL,
    ) -> None:
        self.widget = widget
        self.workflow = workflow
        self.threshold = threshold
        self.layouts = Layouts(layout)
        self.publisher = Publisher()
        self.interval = interval
        self.expanded: set[str] = set()
        self.rev = 0
        self.lock = threading.RLock()
        self.pump = Pump(self._flush, interval)
        self.logs = LogFollower(self)
        self._dirty: set[str] = set()
        self._workflow_changed = False
        self._final = False
        self._stale = False
        self._next_rebuild = 0.0
        self._unsubscribe: Any = None
        self._on_finish: list[Callable[[], None]] = []
        self._status: WorkflowStatus | None = None
        # After follow() the record may still show the previous run's end until the new run
        # starts: the widget must not take that for the end of the run it follows.
        self._await_start = False
        self.graph = Graph()
        self.layout: dict[str, Any] | None = None
        self._totals_due = False
        self._next_totals = 0.0
        self.book: StateBook | None = None
        self.summary: dict[str, Any] = {}

    # -- the engine's side (hot path) ---------------------------------------------------------
    def on_event(self, event: NodeEvent) -> None:
        """Record what changed (O(1)); the flush does the rest."""
        if event.node_id is not None:
            self._dirty.add(event.node_id)
        else:
            self._workflow_changed = True
            if event.phase not in ACTIVE_PHASES:
                self._final = True
            self._await_start = False
        self.pump.poke()

    # -- following ----------------------------------------------------------------------------
    @property
    def workflow_id(self) -> str | None:
        return self.workflow.id  # type: ignore[no-any-return]

    def start(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The first graph and summary: planned, live or recorded."""
        status = self.status()
        with self.lock:
            graph_json = self.publisher.full(self._rebuild(status), self.book.full(status))  # type: ignore[union-attr]
        return graph_json, self.summary

    def resume(self) -> None:
        """Follow the run if it is still going (once the widget exists)."""
        if self.workflow_id is not None and self.status().phase in ACTIVE_PHASES:
            self._subscribe()
            self.pump.poke()

    def follow(self, workflow_id: str) -> None:
        """Follow the run ``workflow_id`` that is starting (``Workflow.submit`` calls this)."""
        with self.lock:
            self._status = None
            self._stale = True  # the plan, or the previous run, gives way to the live tree
            self._next_rebuild = 0.0
            self._await_start = True
        self.pump.reopen()
        self._subscribe()
        self.pump.poke()

    def _subscribe(self) -> None:
        self._unsubscribe_now()
        workflow_id = self.workflow_id
        if workflow_id is not None:
            # Only which nodes changed matters here: no per-change serialization in the engine.
            self._unsubscribe = events.subscribe(self.on_event, workflow_id, snapshots=False)

    def _unsubscribe_now(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    def close(self) -> None:
        self._unsubscribe_now()
        self.pump.close()

    def on_finish(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (where sends are safe) once the final state has been sent."""
        if self.following:
            self._on_finish.append(callback)
        else:
            self.pump.deliver(callback)

    @property
    def following(self) -> bool:
        return self._unsubscribe is not None

    def status(self) -> WorkflowStatus:
        """The workflow's status: the live tree while this process runs it, else the record."""
        workflow_id = self.workflow_id
        if workflow_id is None:
            return planned_status(self.workflow)
        if self._status is not None:
            return self._status
        tracker = live_tracker(workflow_id)
        if tracker is not None:
            # Kept: the same object stays valid (and final) after the engine releases it.
            self._status = tracker.status
            self._await_start = False
            return tracker.status
        try:
            return self.workflow.backend.status(workflow_id)  # type: ignore[no-any-return]
        except LookupError:
            return WorkflowStatus(name=workflow_id, phase="Pending")
        except Exception as exc:  # a refused submit, a server that turns us away
            # The backend's own message (its clients keep credentials out of it) is what the
            # widget shows; a traceback from the widget's thread would only bury it.
            return WorkflowStatus(name=workflow_id, phase="Error", message=f"status unavailable: {exc}")

    # -- graph and states ---------------------------------------------------------------------
    def _rebuild(self, status: WorkflowStatus) -> dict[str, Any]:
        started = time.thread_time()
        graph = build_graph(status, expanded=self.expanded, threshold=self.threshold)
        layout = self.layouts.layout(graph) if graph.nodes else None
        self.graph, self.layout, self._totals_due = graph, layout, False
        self.book = StateBook(graph, status)
        self.rev += 1
        self.summary = summary_of(status, self.book.step_counts, self.book.total_steps)
        self._stale = False
        spent = time.thread_time() - started
        self._next_rebuild = time.monotonic() + spent / REBUILD_SHARE
        return graph.to_json(self.rev, layout)

    def state_message(self, status: WorkflowStatus | None = None) -> dict[str, Any]:
        """``{"kind": "state"}``: every drawn node's state (the answer to ``hello``)."""
        status = status or self.status()
        with self.lock:
            assert self.book is not None
            return {"kind": "state", "rev": self.rev, "nodes": self.book.full(status)}

    def regraph(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """Rebuild now (an expand or collapse): the ``graph`` trait's new value and the
        messages that follow it (see :class:`~dflow_jupyter.widget.publish.Publisher`)."""
        status = self.status()
        with self.lock:
            graph_json = self._rebuild(status)
            return self.publisher.publish(graph_json, self.book.full(status))  # type: ignore[union-attr]

    def resync(self, rev: Any) -> dict[str, Any] | None:
        """The ``graph`` trait's new value for a view that holds ``rev`` (``None``: it is current)."""
        with self.lock:  # a current view costs no read of the status
            if rev == self.rev or self.book is None:
                return None
        status = self.status()
        with self.lock:
            self.rev += 1  # every view reloads it: they all hold the same order again
            return self.publisher.full(self.graph.to_json(self.rev, self.layout), self.book.full(status))

    # -- the flush ----------------------------------------------------------------------------
    def flush_now(self) -> None:
        """Flush here and now, as the run's final flush (a cell whose run has ended calls it)."""
        self._final = True
        self.pump.run_now()

    def _flush(self) -> None:
        ids = list(self._dirty)
        self._dirty.difference_update(ids)  # before reading: later changes make the next flush
        workflow_changed, self._workflow_changed = self._workflow_changed, False
        final, self._final = self._final, False
        if final:
            self._await_start = False
            self.layouts.tidy()  # the run's last picture: laid out afresh
        status = self.status()
        traits: dict[str, Any] = {}
        messages: list[dict[str, Any]] = []
        with self.lock:
            if self.book is None:
                return
            # The final flush too is incremental when the graph is current: rebuilding a
            # 10,000-item fan-out's graph at the end would cost more than all its deltas.
            structure = self._stale or self.graph.changed_structure(status, ids)
            touched: set[str] = set()
            if structure and not self._stale:
                growth = grow(self.graph, status, ids)  # new nodes only widen collapsed fan-outs?
                if growth is not None:
                    structure = False
                    touched = self.book.grow(growth, status)
                    self._totals_due = self._totals_due or growth.totals
            if structure and not final and time.monotonic() < self._next_rebuild:
                self._stale = True
                self.pump.poke()  # rebuild later; a phase change still goes out now
                structure = False
            if structure:
                graph_json = self._rebuild(status)
                traits["graph"], sent = self.publisher.publish(graph_json, self.book.full(status))  # type: ignore[union-attr]
                messages += sent
            else:
                tidy = final and self.layouts.drifted and bool(self.graph.nodes)
                if tidy or (self._totals_due and (final or time.monotonic() >= self._next_totals)):
                    self.rev += 1  # same graph: new item counts, or the run's last picture laid out tidy
                    if tidy:
                        self.layout = self.layouts.layout(self.graph)
                    graph_json = self.graph.to_json(self.rev, self.layout)
                    traits["graph"], sent = self.publisher.publish(graph_json, None)
                    messages += sent
                    self._totals_due = False
                    self._next_totals = time.monotonic() + TOTALS_INTERVAL
                delta = self.book.changed(ids, status, touched)
                if delta:
                    messages.append({"kind": "delta", "nodes": delta})
                    self.publisher.note(delta)
                if delta or workflow_changed or touched:
                    self.summary = summary_of(status, self.book.step_counts, self.book.total_steps)
            if self.summary != self.widget.summary:
                traits["summary"] = dict(self.summary)
        log = self.logs.poll(status)
        if log is not None:
            messages.append(log)
        ended = final or (
            not self._await_start and status.phase not in ACTIVE_PHASES and self.workflow_id is not None
        )
        if ended:
            self._unsubscribe_now()
        if traits or messages:
            self.pump.deliver(lambda: self.widget.apply(traits, messages))
        if ended:
            callbacks, self._on_finish = self._on_finish, []
            for callback in callbacks:
                self.pump.deliver(callback)
