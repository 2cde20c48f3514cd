"""The debug engine's disk mirror of a run: step directories, commit records, status snapshots.

The status model itself is filled by the shared :class:`~dflow_jupyter.status.tracker.StatusTracker`;
:class:`Recorder` adds what the debug backend keeps on disk (layout in
:mod:`dflow_jupyter.run_records`). A step's outputs are written before its ``node.json``
says it finished, so that record is the commit marker: a crash or an interrupted kernel loses no
finished step, and a restart can trust it. The ``status.json`` snapshot is throttled (a run with
thousands of nodes must not rewrite it for every node) and always written when the run ends.

A full disk must not leave a run recorded as Running: each run keeps a small preallocated file
(``.reserve``) in its directory and gives it up to record how the run ended when nothing else
can be written (:meth:`Recorder.degrade`).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.writer import writer
from dflow_jupyter.run_records import DiskFullError, overwrite_in_place, write_atomic
from dflow_jupyter.status.events import EventBus, events
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import FINISHED_PHASES, WorkflowPhase
from dflow_jupyter.status.tracker import StatusTracker

SNAPSHOT_INTERVAL = 0.25
#: Room kept aside to record the end of a run on a full disk (status.json of about a thousand nodes).
RESERVE_BYTES = 512 << 10
RESERVE_NAME = ".reserve"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def _fresh_directory(path: Path) -> None:
    """An empty ``path``: a step run again starts afresh, as a new pod would.

    What the earlier run left there is stale, and its outputs share their files with the store,
    read-only: writing them again in place would fail, or change the stored artifact.
    """
    if path.exists():
        old = path.with_name(f".{path.name}.old-{os.getpid()}-{time.monotonic_ns()}")
        os.rename(path, old)
        shutil.rmtree(old, ignore_errors=True)
    path.mkdir(parents=True, exist_ok=True)


class Recorder(StatusTracker):
    """A status tracker that mirrors the run to its record directory."""

    def __init__(self, status: WorkflowStatus, directory: Path, bus: EventBus = events) -> None:
        super().__init__(status, bus)
        self.directory = directory
        self._last_snapshot = 0.0
        self._interval = SNAPSHOT_INTERVAL
        self._dirty = False
        #: Once the disk filled up, only the end of the run is recorded (status.json, status).
        self.degraded = False
        directory.mkdir(parents=True, exist_ok=True)

    # -- the tracker's hooks ------------------------------------------------------------------
    # -- room to record the end ---------------------------------------------------------------
    def reserve(self) -> None:
        """Set aside room for the last records of the run (best effort)."""
        try:
            fd = os.open(self.directory / RESERVE_NAME, os.O_WRONLY | os.O_CREAT, 0o600)
        except OSError:
            return
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        except (OSError, AttributeError):
            pass  # no room even for that, or no fallocate: the end is recorded if it can be
        finally:
            os.close(fd)

    def release_reserve(self) -> None:
        try:
            os.unlink(self.directory / RESERVE_NAME)
        except OSError:
            pass

    def degrade(self) -> None:
        """The disk is full: stop writing step records and free the reserve for the end."""
        self.degraded = True
        self.release_reserve()

    # -- the tracker's hooks ------------------------------------------------------------------
    def needs_serialized(self, node: Node, *, finished: bool) -> bool:
        return finished and node.step_dir is not None and not self.degraded

    def node_changed(self, node: Node, data: dict[str, Any] | None, *, finished: bool) -> None:
        self._dirty = True
        if self.degraded:
            return
        # The commit record is written once, when the step ends (its outputs are in place by then).
        if finished and data is not None and node.step_dir is not None:
            self._write_step_record(node, data)
        now = time.monotonic()
        if now - self._last_snapshot >= self._interval:
            self.snapshot(force=True, now=now)

    def set_phase(self, phase: WorkflowPhase, message: str | None = None) -> None:
        if phase in FINISHED_PHASES:
            writer.flush()  # the informational step files land before the run says it ended
        super().set_phase(phase, message)

    def workflow_changed(self) -> None:
        # The snapshot first: if it cannot be written, ``status`` keeps agreeing with it.
        self.snapshot(force=True)
        path = self.directory / "status"
        try:
            write_atomic(path, self.status.phase)
        except DiskFullError:
            if not path.exists():
                raise
            overwrite_in_place(path, self.status.phase)  # status.json already says it

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
            _fresh_directory(path / "workdir")
        node.step_dir = base
        # ``type`` and ``phase`` are written when the step ends (see _write_step_record): while it
        # runs, status.json and the engine events say so, and every file costs on slow disks.
        return path

    def _write_step_record(self, node: Node, data: dict[str, Any]) -> None:
        path = self.directory / str(node.step_dir)
        # The commit record, written before the run moves on; the rest mirrors it.
        write_atomic(path / "node.json", json.dumps(data))
        writer.write_many(path, {"phase": node.phase, "type": node.type})

    # -- snapshots ------------------------------------------------------------------------------
    def snapshot_due(self) -> float | None:
        """Write the snapshot the throttle held back, once its time has come.

        The scheduler calls this while it waits for jobs: without it, the last change before a
        long quiet spell (a job that went from queued to running) would reach ``status.json``
        only with the next change. Returns the seconds until it is due, or None if nothing waits.
        """
        if not self._dirty or self.degraded:
            return None
        wait = self._last_snapshot + self._interval - time.monotonic()
        if wait > 0:
            return wait
        self.snapshot()
        return None

    def snapshot(self, force: bool = False, now: float | None = None) -> None:
        """Write ``status.json`` (at most every ``SNAPSHOT_INTERVAL`` unless forced)."""
        with self.lock:
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
