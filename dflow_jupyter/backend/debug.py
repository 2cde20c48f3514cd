"""The debug backend: workflows run by the in-process engine, recorded under ``debug_workdir``.

Reading (status, listing, logs) needs only the run records and the live trackers of this
process; the engine is loaded when a workflow is submitted or terminated. It is bound by module
name, as ``backend_for`` binds backends: the engine runs model objects, and the model reaches
backends only through this package, so a static import here would close a cycle.
"""

from __future__ import annotations

import importlib
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from dflow_jupyter import run_records as records
from dflow_jupyter.config import config
from dflow_jupyter.errors import ConfigError, WorkflowNotFound
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import ACTIVE_PHASES
from dflow_jupyter.status.tracker import live_status

if TYPE_CHECKING:
    from dflow_jupyter.model.workflow import Workflow

__all__ = ["DebugBackend"]

#: How often wait() looks at a run recorded by another process.
POLL_INTERVAL = 0.05
#: Finished runs whose end state (and exception, for post-mortem debugging) stay in memory.
#: Older ones are read back from their records: a kernel that runs many large workflows must
#: not keep every node of every run alive.
FINISHED_KEPT = 16


def _engine(module: str) -> ModuleType:
    return importlib.import_module(f"dflow_jupyter.engine.{module}")


@dataclass
class _Run:
    """A run of this process: its thread when detached, its end state once known."""

    thread: threading.Thread | None = None
    status: WorkflowStatus | None = None
    error: BaseException | None = None
    exception: BaseException | None = None


class DebugBackend:
    """Runs workflows in this process (``config["mode"] = "debug"``)."""

    mode = "debug"

    def __init__(self) -> None:
        self._runs: dict[str, _Run] = {}

    # -- running ------------------------------------------------------------------------------
    def new_id(self, name: str) -> str:
        import secrets

        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        return f"{name}-{''.join(secrets.choice(alphabet) for _ in range(5))}"

    def submit(
        self,
        workflow: Workflow,
        workflow_id: str,
        *,
        reuse_steps: Sequence[Any] = (),
        restart: bool = False,
        detach: bool = False,
    ) -> None:
        isolation = config.get("debug_isolation", "inprocess")
        if isolation not in ("inprocess", "process"):
            raise ConfigError(
                f"config['debug_isolation'] must be 'inprocess' (OPs run in this process) or "
                f"'process' (in worker processes), got {isolation!r}"
            )
        run_workflow = _engine("run").run_workflow
        self._runs.pop(workflow_id, None)  # a restart is the newest run
        run = self._runs[workflow_id] = _Run()
        reuse = list(reuse_steps)
        if not detach:
            try:
                run.status = run_workflow(workflow, workflow_id, reuse, restart)
            finally:
                run.exception = workflow._last_exception
                self._forget_old_runs()
            return

        # Detached runs go on while the caller's code runs, so Python OPs must not change this
        # process's working directory: they run in the worker pool.
        def target() -> None:
            try:
                run.status = run_workflow(workflow, workflow_id, reuse, restart, isolation="process")
            except BaseException as exc:
                run.error = exc
            finally:
                run.exception = workflow._last_exception
                self._forget_old_runs()

        run.thread = threading.Thread(target=target, name=f"dflow-{workflow_id}", daemon=True)
        run.thread.start()
        time.sleep(0)  # let it record the Running phase promptly

    def _forget_old_runs(self) -> None:
        """Drop all but the newest :data:`FINISHED_KEPT` finished runs (their records stay)."""
        finished = [
            key
            for key, run in list(self._runs.items())
            if run.error is None and (run.thread is None or not run.thread.is_alive())
        ]
        for key in finished[: max(0, len(finished) - FINISHED_KEPT)]:
            self._runs.pop(key, None)

    def wait(self, workflow_id: str, timeout: float | None = None) -> WorkflowStatus:
        deadline = None if timeout is None else time.monotonic() + timeout
        run = self._runs.get(workflow_id)
        if run is not None and run.thread is not None:
            run.thread.join(timeout)
            if run.error is not None:
                error, run.error = run.error, None
                raise error
            return self.status(workflow_id)
        while True:
            status = self.status(workflow_id)
            if status.phase not in ACTIVE_PHASES:
                return status
            if deadline is not None and time.monotonic() >= deadline:
                return status
            time.sleep(POLL_INTERVAL)

    def terminate(self, workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
        stopped_here = _engine("run").request_terminate(workflow_id, reason)
        if not stopped_here and self.status(workflow_id).phase in ACTIVE_PHASES:
            _engine("terminate").terminate_recorded(workflow_id, reason)
        run = self._runs.get(workflow_id)
        if run is not None and run.thread is not None:
            run.thread.join(timeout=5)

    # -- reading ------------------------------------------------------------------------------
    def status(self, workflow_id: str) -> WorkflowStatus:
        live = live_status(workflow_id)
        if live is not None:
            return live
        run = self._runs.get(workflow_id)
        if run is not None and run.status is not None and run.status.phase not in ACTIVE_PHASES:
            return run.status
        directory = records.workflow_dir(workflow_id)
        if not (directory / "status.json").is_file():
            if run is not None and run.thread is not None and run.thread.is_alive():
                return WorkflowStatus(name=workflow_id, phase="Pending")
            raise WorkflowNotFound(
                f"no workflow {workflow_id!r} is recorded under {directory.parent} (config['debug_workdir'])"
            )
        return records.load_status(directory)

    def list(self, labels: Mapping[str, str] | None = None) -> list[WorkflowStatus]:
        found = records.list_statuses()
        if labels:
            found = [s for s in found if all(s.labels.get(k) == v for k, v in labels.items())]
        return found

    def step_files(self, workflow_id: str, node: Node) -> Path | None:
        """The directory holding a leaf step's recorded inputs, outputs and log."""
        if node.step_dir is None:
            return None
        return records.workflow_dir(workflow_id) / node.step_dir

    def logs(self, workflow_id: str, node: Node) -> str | None:
        directory = self.step_files(workflow_id, node)
        if directory is None:
            return None
        try:
            return (directory / "log.txt").read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def last_exception(self, workflow_id: str) -> BaseException | None:
        run = self._runs.get(workflow_id)
        return run.exception if run is not None else None

    def where(self) -> str:
        """Where this backend keeps workflows, for messages."""
        return f"under {records.workflow_root()} (config['debug_workdir'])"
