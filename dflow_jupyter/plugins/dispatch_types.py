"""What a dpdispatcher run is given (its settings and tasks) and what it reports (updates)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

UpdateKind = Literal["submitting", "queued", "running", "progress", "retrying", "done", "failed"]


@dataclass(frozen=True)
class TaskSpec:
    """One dpdispatcher task: a command run in ``work_path`` with the files it needs and makes."""

    command: str
    forward_files: list[str]
    backward_files: list[str]
    work_path: str = "."


@dataclass(frozen=True)
class Update:
    """A change the step's node should show."""

    kind: UpdateKind
    message: str = ""
    job_ids: tuple[str, ...] = ()
    progress: tuple[int, int] | None = None
    #: For ``failed``: ``Failed`` when the job ran and ended badly, ``Error`` when it could not run.
    phase: Literal["Failed", "Error"] = "Failed"


@dataclass
class RunSettings:
    """Everything a run needs besides its tasks (the executor's settings, resolved for one step)."""

    machine: dict[str, Any]
    resources: dict[str, Any]
    task: dict[str, Any]
    retry_on_submission_error: int = 0
    retry_count: int = 0
    clean: bool = True
    pre_script: str = ""
    post_script: str = ""
    poll_interval: float = 2.0
    #: The step's log file, where the job's log is mirrored while it runs.
    log_path: Path | None = None
    namespace: dict[str, Any] = field(default_factory=dict)
