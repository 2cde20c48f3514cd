"""The debug backend's record of a run: the status model in memory, mirrored to disk atomically.

Layout of a workflow directory (``config["debug_workdir"]/<workflow id>/``)::

    status          the workflow phase as one word (dflow's file)
    status.json     the whole status model as an Argo ``Workflow`` object (snapshot)
    pid             the process that runs the workflow
    <step dir>/     one per Pod node: key if the step has one, else "<name>-<node hash>"
        phase  type  node.json  log.txt
        inputs/parameters/<name>   inputs/artifacts/<name>/
        outputs/parameters/<name>  outputs/artifacts/<name>/
        workdir/                   the OP's working directory

Every file is written to a temporary name and renamed into place, so a reader in another
process sees either the old or the new content, never half of it. A step's outputs are written
before its ``node.json`` and ``phase`` say Succeeded, so those two act as the commit marker: a
crash or an interrupted kernel loses no finished step, and a restart can trust them. The
``status.json`` snapshot is throttled (a run with thousands of nodes must not rewrite it for
every node) and always written when the run ends.
"""

from __future__ import annotations

import json
import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.writer import writer
from dflow_jupyter.status.events import EventBus, events
from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.status.phase import Phase, WorkflowPhase

SNAPSHOT_INTERVAL = 0.25


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary sibling and a rename."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Recorder:
    """Owns a run's ``WorkflowStatus``; every change goes through here (memory, events, disk)."""

    def __init__(self, status: WorkflowStatus, directory: Path, bus: EventBus = events) -> None:
        self.status = status
        self.directory = directory
        self.bus = bus
        self._last_snapshot = 0.0
        self._interval = SNAPSHOT_INTERVAL
        self._dirty = False
        self._lock = threading.RLock()
        directory.mkdir(parents=True, exist_ok=True)

    # -- nodes --------------------------------------------------------------------------------
    def add_node(
        self,
        name: str,
        display_name: str,
        node_type: str,
        *,
        template_name: str | None,
        boundary_id: str | None,
        parent: Node | None,
        phase: Phase = "Running",
        message: str | None = None,
        key: str | None = None,
    ) -> Node:
        """Create a node (Argo ids), link it under ``parent``, publish it."""
        nid = node_id(self.status.name, name)
        with self._lock:
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
            if phase in ("Skipped", "Omitted", "Succeeded", "Failed", "Error"):
                node.finished_at = now
            # A fresh node cannot be a child yet: skip the scan (groups have 10,000 children).
            if parent is not None and (fresh or nid not in parent.children):
                parent.children.append(nid)
            self._changed(node)
        return node

    def link(self, parent: Node, child: Node) -> None:
        """Add an extra graph edge (Argo links a step's leaves to the next step group)."""
        with self._lock:
            if child.id not in parent.children:
                parent.children.append(child.id)
                self._changed(parent)

    def update(self, node: Node, **fields: Any) -> None:
        with self._lock:
            for key, value in fields.items():
                setattr(node, key, value)
            self._changed(node)

    def finish(self, node: Node, phase: Phase, message: str | None = None, **fields: Any) -> None:
        with self._lock:
            node.phase = phase
            if message is not None:
                node.message = message
            node.finished_at = time.time()
            for key, value in fields.items():
                setattr(node, key, value)
            if node.type in ("Pod", "Container") and node.progress is None:
                node.progress = "1/1" if phase == "Succeeded" else "0/1"
            if node.step_dir is not None:
                self._write_step_record(node)
            self._changed(node)

    def progress(self, node: Node, current: int, total: int) -> None:
        with self._lock:
            node.progress = f"{current}/{total}"
            self._changed(node)

    # -- step directories -----------------------------------------------------------------------
    def step_dir_for(self, node: Node) -> Path:
        """Create and return the node's step directory (named after its key, else its name)."""
        if node.key:
            base = _UNSAFE.sub("-", node.key)
        else:
            short = _UNSAFE.sub("-", node.display_name).strip("-")[:80]
            base = f"{short}-{node.id.rsplit('-', 1)[-1]}"
        path = self.directory / base
        # Exactly two mkdir calls (the step and its working directory): mkdir is slow on some disks.
        try:
            os.mkdir(path)
            os.mkdir(path / "workdir")
        except FileExistsError:  # a restarted run revisits its step
            (path / "workdir").mkdir(parents=True, exist_ok=True)
        node.step_dir = base
        # ``type`` and ``phase`` are written when the step ends (see _write_step_record): while it
        # runs, status.json and the engine events say so, and every file costs on slow disks.
        return path

    def _write_step_record(self, node: Node) -> None:
        path = self.directory / str(node.step_dir)
        # The commit record, written before the run moves on; the rest mirrors it.
        write_atomic(path / "node.json", json.dumps(node.to_argo()))
        writer.write_many(path, {"phase": node.phase, "type": node.type})

    # -- workflow -----------------------------------------------------------------------------
    def set_phase(self, phase: WorkflowPhase, message: str | None = None) -> None:
        if phase in ("Succeeded", "Failed", "Error"):
            writer.flush()
        with self._lock:
            self.status.phase = phase
            if message is not None:
                self.status.message = message
            if phase in ("Succeeded", "Failed", "Error"):
                self.status.finished_at = time.time()
            elif self.status.started_at is None:
                self.status.started_at = time.time()
            write_atomic(self.directory / "status", phase)
            self.snapshot(force=True)
            self.bus.publish_workflow(self.status)

    def _changed(self, node: Node) -> None:
        self._dirty = True
        self.bus.publish_node(self.status, node)
        now = time.monotonic()
        if now - self._last_snapshot >= self._interval:
            self.snapshot(force=True, now=now)

    def snapshot(self, force: bool = False, now: float | None = None) -> None:
        """Write ``status.json`` (at most every ``SNAPSHOT_INTERVAL`` unless forced)."""
        with self._lock:
            if not (force or self._dirty):
                return
            started = time.monotonic()
            self.status.progress = self.status.compute_progress()
            write_atomic(self.directory / "status.json", json.dumps(self.status.to_argo()))
            self._dirty = False
            done = time.monotonic()
            self._last_snapshot = done
            # Big trees take long to write: keep snapshots under ~10% of the run's time.
            self._interval = max(SNAPSHOT_INTERVAL, 10 * (done - started))


def load_status(directory: Path) -> WorkflowStatus:
    """Read a recorded workflow, folding in step records newer than the last snapshot."""
    status = WorkflowStatus.from_argo(json.loads((directory / "status.json").read_text()))
    with os.scandir(directory) as entries:
        for entry in entries:
            if not entry.is_dir():
                continue
            try:
                fresh = Node.from_argo(json.loads(Path(entry.path, "node.json").read_text()))
            except (OSError, ValueError, KeyError):
                continue
            known = status.nodes.get(fresh.id)
            if known is None or (fresh.finished and not known.finished):
                if known is not None:
                    fresh.children = known.children or fresh.children
                status.nodes[fresh.id] = fresh
    return status
