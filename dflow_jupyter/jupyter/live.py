"""``LiveStatus``: a workflow's status table in the notebook, redrawn as the engine reports changes.

The table is an IPython display with a ``display_id``; engine events (``status.events``) trigger
redraws, at most one per ``interval`` seconds (workflow phase changes always redraw), and a final
redraw from the finished record when the run ends. Listeners run in the engine's thread, inside
the recorder's lock, so reading the live status model there is safe.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from dflow_jupyter.status.events import NodeEvent
from dflow_jupyter.status.model import WorkflowStatus
from dflow_jupyter.status.phase import FINISHED_PHASES
from dflow_jupyter.widget.table import StatusTable

__all__ = ["LiveStatus", "stop_all"]

#: Live displays still following a run (stopped on ``%unload_ext``).
_open: set[LiveStatus] = set()


class LiveStatus:
    """Show ``workflow``'s status table and keep it current until :meth:`stop`.

    Parameters
    ----------
    workflow : Workflow
        The workflow to follow; its ``id`` is read on each event (it is set by ``submit``).
    interval : float
        Minimum seconds between two redraws caused by node events.
    max_rows : int
        Rows shown while running (the most recent ones); the final table shows them all.
    """

    def __init__(self, workflow: Any, interval: float = 0.25, max_rows: int = 40) -> None:
        self.workflow = workflow
        self.interval = interval
        self.max_rows = max_rows
        self.redraws = 0
        self._handle: Any = None
        self._unsubscribe: Any = None
        self._last = 0.0
        self._lock = threading.Lock()

    def start(self) -> None:
        """Show the (pending) table and subscribe to the engine's events."""
        from IPython.display import display

        from dflow_jupyter.status.events import events

        pending = WorkflowStatus(name=self.workflow.id or self.workflow.name, phase="Pending")
        self._handle = display(StatusTable(pending), display_id=True)
        self._unsubscribe = events.subscribe(self._on_event)
        _open.add(self)

    def _on_event(self, event: NodeEvent) -> None:
        from dflow_jupyter.status.tracker import live_status

        workflow_id = self.workflow.id
        if workflow_id is None or event.workflow != workflow_id:
            return
        if event.kind == "workflow" and event.phase in FINISHED_PHASES:
            self.stop()
            return
        now = time.monotonic()
        if event.kind != "workflow" and now - self._last < self.interval:
            return
        self._last = now
        status = live_status(workflow_id)
        if status is not None:
            self._show(StatusTable(status, self.max_rows))

    def _show(self, table: StatusTable) -> None:
        with self._lock:
            if self._handle is not None:
                self._handle.update(table)
                self.redraws += 1

    def stop(self) -> StatusTable | None:
        """Unsubscribe and draw the final table (from the record); returns it."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        _open.discard(self)
        table = None
        if self.workflow.id is not None:
            try:
                table = StatusTable(self.workflow.backend.status(self.workflow.id))
            except LookupError:
                table = None
        if table is not None:
            self._show(table)
        else:  # submit() failed before the run started
            never_ran = WorkflowStatus(
                name=self.workflow.name, phase="Error", message="submit() failed before the run started"
            )
            self._show(StatusTable(never_ran))
        with self._lock:
            self._handle = None
        return table


def stop_all() -> None:
    """Stop every live display (the extension is being unloaded)."""
    for live in list(_open):
        live.stop()
