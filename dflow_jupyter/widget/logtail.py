"""Step logs for the widget: the last 64 KB for the details panel, and appends while a step runs.

Logs are read from the step's recorded ``log.txt`` (``Backend.step_files``) from an offset, so a
long log is never read whole; a backend that keeps no step files answers through
``Backend.logs``, cut to its tail.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import LEAF_TYPES

if TYPE_CHECKING:
    from dflow_jupyter.widget.follow import LiveGraph

__all__ = ["LOG_TAIL", "LogFollower", "read_tail"]

#: How much of a log the details panel shows (its end).
LOG_TAIL = 64 * 1024
#: Seconds between two looks at a running step's log.
POLL_INTERVAL = 0.5


def _log_file(backend: Any, workflow_id: str, node: Node) -> Path | None:
    try:
        directory = backend.step_files(workflow_id, node)
    except Exception:
        return None
    return None if directory is None else Path(directory) / "log.txt"


def _decode(data: bytes, cut: bool) -> str:
    text = data.decode("utf-8", errors="replace")
    if cut and "\n" in text:  # start at a whole line
        text = text[text.index("\n") + 1 :]
    return text


def _left_out(size: int, shown: int, workflow_id: str, node: Node) -> str:
    """The first line of a cut log: how much is not shown and how to read all of it."""
    step = node.key or node.display_name
    return (
        f"[dflow_jupyter: the first {size - shown:,} bytes of this log are not shown; "
        f"the whole log: %dflow logs {workflow_id} {step}]\n"
    )


def _tail_of(data: bytes, size: int, limit: int, workflow_id: str, node: Node) -> tuple[str, bool, int]:
    cut = size > limit
    text = _decode(data[-limit:], cut)
    if cut:
        text = _left_out(size, len(text.encode("utf-8", errors="replace")), workflow_id, node) + text
    return text, cut, size


def read_tail(backend: Any, workflow_id: str, node: Node, limit: int = LOG_TAIL) -> tuple[str, bool, int]:
    """The last ``limit`` bytes of a step's log: text, whether it was cut, the log's size.

    A cut log starts with a line saying how much of it is not shown and how to read it all.
    """
    path = _log_file(backend, workflow_id, node)
    if path is not None:
        try:
            with open(path, "rb") as handle:
                size = handle.seek(0, 2)
                handle.seek(max(0, size - limit))
                return _tail_of(handle.read(limit), size, limit, workflow_id, node)
        except FileNotFoundError:
            return "", False, 0
        except OSError:
            pass
    try:
        text = backend.logs(workflow_id, node) or ""
    except Exception:
        text = ""
    data = text.encode("utf-8", errors="replace")
    return _tail_of(data, len(data), limit, workflow_id, node)


class LogFollower:
    """Streams the log of the selected step while it runs (``{"kind": "log"}`` messages)."""

    def __init__(self, live: LiveGraph) -> None:
        self.live = live
        self.node_id: str | None = None
        self.offset = 0
        self._next_poll = 0.0

    def _node(self, status: WorkflowStatus) -> Node | None:
        node = status.nodes.get(self.node_id or "")
        return node if node is not None and node.type in LEAF_TYPES else None

    def select(self, node_id: str) -> dict[str, Any] | None:
        """Follow ``node_id`` (``""``: none); the first message carries the log's tail."""
        self.node_id = node_id or None
        self.offset = 0
        workflow_id = self.live.workflow_id
        if workflow_id is None or self.node_id is None:
            return None
        node = self._node(self.live.status())
        if node is None:
            return None
        text, _, self.offset = read_tail(self.live.workflow.backend, workflow_id, node)
        if node.phase == "Running":
            self.live.pump.poke()
        return {"kind": "log", "id": node.id, "text": text, "reset": True}

    def poll(self, status: WorkflowStatus) -> dict[str, Any] | None:
        """New log text of the selected running step, at most every ``POLL_INTERVAL`` seconds."""
        workflow_id = self.live.workflow_id
        node = self._node(status) if self.node_id else None
        if node is None or workflow_id is None:
            return None
        if node.phase in ("Pending", "Running"):
            self.live.pump.poke()  # keep looking while it runs, even when no event comes
        if time.monotonic() < self._next_poll:
            return None
        self._next_poll = time.monotonic() + POLL_INTERVAL
        path = _log_file(self.live.workflow.backend, workflow_id, node)
        if path is None:
            return None
        try:
            size = path.stat().st_size
        except OSError:
            return None
        if size <= self.offset:
            return None
        if size - self.offset > LOG_TAIL:
            text, _, self.offset = read_tail(self.live.workflow.backend, workflow_id, node)
            return {"kind": "log", "id": node.id, "text": text, "reset": True}
        with open(path, "rb") as handle:
            handle.seek(self.offset)
            data = handle.read(size - self.offset)
        self.offset += len(data)
        return {"kind": "log", "id": node.id, "text": data.decode("utf-8", errors="replace"), "reset": False}
