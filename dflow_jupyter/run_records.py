"""The debug backend's run records on disk: layout, atomic writes, reading, listing, owner liveness.

Layout of a workflow directory (``config["debug_workdir"]/<workflow id>/``)::

    status          the workflow phase as one word (dflow's file)
    status.json     the whole status model as an Argo ``Workflow`` object (snapshot)
    owner.json      the process that runs the workflow: pid and start time
    <step dir>/     one per Pod node: key if the step has one, else "<name>-<node hash>"
        phase  type  node.json  log.txt
        inputs/parameters/<name>   inputs/artifacts/<name>/
        outputs/parameters/<name>  outputs/artifacts/<name>/
        workdir/                   the OP's working directory

Every file is written to a temporary name and renamed into place, so a reader in another
process sees either the old or the new content, never half of it. A step's ``node.json`` is
its commit record: it is written after the step's outputs, so a crash loses no finished step.

This module reads records without importing the engine: a Jupyter server process lists and
shows workflows with it alone.
"""

from __future__ import annotations

import errno
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from dflow_jupyter.config import config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.names import check_workflow_id
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import ACTIVE_PHASES

__all__ = [
    "DiskFullError",
    "Owner",
    "is_disk_full",
    "list_statuses",
    "load_status",
    "overwrite_in_place",
    "read_owner",
    "workflow_dir",
    "workflow_root",
    "write_atomic",
    "write_owner",
]

OWNER_FILE = "owner.json"


def workflow_root() -> Path:
    """Where the debug backend records workflows (``config["debug_workdir"]``)."""
    return Path(config["debug_workdir"]).resolve()


def workflow_dir(workflow_id: str) -> Path:
    """The record directory of ``workflow_id`` (an id that is no valid name is refused)."""
    return workflow_root() / check_workflow_id(workflow_id)


_FULL = (errno.ENOSPC, errno.EDQUOT)


class DiskFullError(DflowJupyterError, OSError):
    """A run record could not be written: the disk (or the user's quota) holding it is full."""

    def __init__(self, path: Path, cause: OSError) -> None:
        super().__init__(cause.errno, cause.strerror, str(path))
        self.path = path
        self.message = (
            f"no space left on the device holding {path.parent} ({cause.strerror or cause}, writing "
            f"{path.name}); free space there or point config['debug_workdir'] at a disk with room, "
            "then restart the workflow"
        )

    def __str__(self) -> str:
        return self.message


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` says a disk (or quota) is full."""
    return isinstance(exc, OSError) and exc.errno in _FULL


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary sibling and a rename.

    Raises :class:`DiskFullError` (naming the directory) when the disk is full.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException as exc:
        # A full disk or an interrupt must not leave a temporary file behind.
        tmp.unlink(missing_ok=True)
        if is_disk_full(exc):
            raise DiskFullError(path, exc) from exc  # type: ignore[arg-type]
        raise


def overwrite_in_place(path: Path, text: str) -> None:
    """Rewrite a small existing file without a new one: the last resort on a full disk.

    Not atomic (a reader may see a mixture for an instant), but it needs no free block when
    the new text is no longer than a block, so the one-word ``status`` can still follow
    ``status.json`` when nothing else can be written.
    """
    data = text.encode()
    fd = os.open(path, os.O_WRONLY | os.O_NOFOLLOW)
    try:
        os.pwrite(fd, data, 0)
        os.ftruncate(fd, len(data))
    finally:
        os.close(fd)


# -- the owner of a run --------------------------------------------------------------------------
@dataclass(frozen=True)
class Owner:
    """The process that runs a workflow: its pid and start time (pids are reused)."""

    pid: int
    started: float

    @classmethod
    def of_this_process(cls) -> Owner:
        import psutil

        return cls(os.getpid(), psutil.Process().create_time())

    def is_alive(self) -> bool:
        """Whether the very process that started the run still runs (not a reused pid)."""
        import psutil

        try:
            process = psutil.Process(self.pid)
            if process.status() == psutil.STATUS_ZOMBIE:
                return False
            # Start times are read from the same kernel clock: equal for the same process.
            started: float = process.create_time()
            return abs(started - self.started) < 1.0
        except psutil.Error:
            return False


def write_owner(directory: Path, owner: Owner) -> None:
    write_atomic(directory / OWNER_FILE, json.dumps({"pid": owner.pid, "started": owner.started}))


def read_owner(directory: Path) -> Owner | None:
    """The recorded owner of a run, or None when none is recorded (or it is unreadable)."""
    try:
        data = json.loads((directory / OWNER_FILE).read_text())
        return Owner(int(data["pid"]), float(data["started"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


# -- reading ---------------------------------------------------------------------------------------
def load_status(directory: Path, *, steps: bool = True, judge_owner: bool = True) -> WorkflowStatus:
    """Read a recorded workflow, folding in step records newer than the last snapshot.

    With ``steps=False`` only the snapshot is read (listing many workflows stays cheap); with
    ``judge_owner=False`` the record is returned as written (for the one who settles it).

    A run whose recorded owner process is gone while the record still says Pending or Running
    (killed, crashed, ``os._exit``) is reported as ``Error`` with a message, as Argo reports a
    workflow whose controller lost it; its finished steps are left as recorded.
    """
    status = WorkflowStatus.from_argo(json.loads((directory / "status.json").read_text()))
    status.backend = "debug"
    if steps:
        _fold_step_records(directory, status)
    if judge_owner and status.phase in ACTIVE_PHASES:
        owner = read_owner(directory)
        if owner is not None and not owner.is_alive():
            _report_dead_owner(status, owner)
    return status


def _fold_step_records(directory: Path, status: WorkflowStatus) -> None:
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


def _report_dead_owner(status: WorkflowStatus, owner: Owner) -> None:
    reason = (
        f"the process that ran this workflow (pid {owner.pid}) ended before the workflow did "
        "(killed or crashed); finished steps are kept: "
        f"Workflow(id={status.name!r}).submit() restarts it and reuses them"
    )
    status.phase = "Error"
    status.message = reason
    for node in status.nodes.values():
        if not node.finished:
            node.phase = "Error"
            node.message = node.message or "its workflow's process ended while it ran"
            node.finished_at = node.finished_at or status.finished_at
    if status.finished_at is None:
        ended = [n.finished_at for n in status.nodes.values() if n.finished_at is not None]
        status.finished_at = max(ended, default=status.started_at)


def list_statuses() -> list[WorkflowStatus]:
    """Every workflow recorded under ``config["debug_workdir"]``, newest first."""
    root = workflow_root()
    found: list[WorkflowStatus] = []
    if not root.is_dir():
        return found
    for entry in root.iterdir():
        if not (entry / "status.json").is_file():
            continue
        try:
            found.append(load_status(entry, steps=False))
        except (OSError, ValueError, KeyError):
            continue
    found.sort(key=lambda s: s.started_at or 0.0, reverse=True)
    return found
