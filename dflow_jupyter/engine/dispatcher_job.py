"""Leaf steps rendered by a ``DispatcherExecutor``: one dpdispatcher job each, followed without blocking.

``start`` stages the inputs (``engine.dispatcher_stage``) and starts a
:class:`~dflow_jupyter.plugins.dispatch_run.DispatchRun`, whose thread submits and follows the
job; its updates ring this job's pipe, so the scheduler wakes, and ``poll`` turns them into the
node's phase and message (``queued on Slurm (job 12)``, ``running on Slurm (job 12)``), progress
and, at the end, the step's outputs, stored like any step's.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
import threading
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.dispatcher_runner import OUT_DIR, RESULT_FILE, absolute_under, map_paths
from dflow_jupyter.engine.dispatcher_stage import EXIT_CODE_FILE, StagedJob, run_settings, stage
from dflow_jupyter.engine.echo import echo_step_log
from dflow_jupyter.engine.job_record import forget_jobs, record_jobs
from dflow_jupyter.engine.pod_spec import PodOutcome, PodSpec, write_parameter_files
from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE
from dflow_jupyter.engine.python_op import finish_python
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.plugins.dispatch_run import DispatchRun
from dflow_jupyter.plugins.dispatch_types import Update
from dflow_jupyter.status.tracker import live_tracker
from dflow_jupyter.status.wire import ParameterTypeError


class DispatcherJob:
    """A leaf step run as a dpdispatcher job (the scheduler's asynchronous job protocol)."""

    is_async = True

    def __init__(self, spec: PodSpec, scope: Any) -> None:
        self.spec = spec
        self.scope = scope
        self.result: PodOutcome | None = None
        self._run: DispatchRun | None = None
        self._staged: StagedJob | None = None
        self._deadline: float | None = None
        self._r, self._w = os.pipe()
        os.set_blocking(self._r, False)
        os.set_blocking(self._w, False)
        # The run's thread may still report after the step ended: never into a closed (and
        # perhaps reused) descriptor.
        self._pipe_lock = threading.Lock()
        self._recorded: tuple[str, ...] = ()

    # -- scheduler protocol -----------------------------------------------------------------------
    def start(self) -> None:
        try:
            self._staged = stage(self.spec, self.scope)
            settings = run_settings(self.spec)
        except (DflowJupyterError, ParameterTypeError, OSError, ValueError, TypeError, KeyError) as exc:
            self._settle(PodOutcome("Error", None, f"could not stage the job: {exc}"))
            return
        self._run = DispatchRun(settings, [self._staged.task], self._wake)
        self._run.start()
        if self.spec.timeout is not None:
            self._deadline = time.monotonic() + self.spec.timeout

    def wait_object(self) -> Any:
        return self._r

    def poll(self) -> tuple[bool, Any]:
        with self._pipe_lock:
            try:
                os.read(self._r, 4096)
            except (BlockingIOError, OSError):
                pass
        if self.result is None and self._run is not None:
            for update in self._run.updates():
                self._apply(update)
                if self.result is not None:
                    break
        if self.result is None:
            return False, None
        self._close()
        forget_jobs(self.spec.step_dir)
        return True, self.result

    def deadline(self) -> float | None:
        return self._deadline if self.result is None else None

    def on_deadline(self) -> None:
        self._deadline = None
        if self._run is not None:
            self._run.cancel()
        self._settle(PodOutcome("Failed", None, TIMEOUT_MESSAGE))

    def kill(self, reason: str) -> None:
        if self._run is not None:
            self._run.cancel()
        self._close()
        forget_jobs(self.spec.step_dir)

    def run(self) -> Any:  # pragma: no cover - asynchronous job
        raise NotImplementedError

    # -- updates ----------------------------------------------------------------------------------
    def _wake(self) -> None:
        with self._pipe_lock:
            if self._w < 0:
                return  # the step is over
            try:
                os.write(self._w, b"x")
            except BlockingIOError:
                pass  # full: a wake is pending anyway

    def _settle(self, outcome: PodOutcome) -> None:
        self.result = outcome
        self._wake()

    def _close(self) -> None:
        with self._pipe_lock:
            for fd in (self._r, self._w):
                if fd >= 0:
                    os.close(fd)
            self._r = self._w = -1

    def _show(self, **fields: Any) -> None:
        tracker = live_tracker(self.spec.workflow)
        if tracker is not None:
            tracker.update(self.spec.node, **fields)
        else:
            for key, value in fields.items():
                setattr(self.spec.node, key, value)

    def _record(self, update: Update) -> None:
        if update.job_ids and update.job_ids != self._recorded:
            from dflow_jupyter.plugins.dispatch_settings import is_local

            machine = self.spec.template.executor.machine_dict
            try:
                record_jobs(self.spec.step_dir, machine, update.job_ids, is_local(machine))
            except OSError:
                return  # only another process's terminate needs it; this run still cancels them
            self._recorded = update.job_ids

    def _apply(self, update: Update) -> None:
        if update.kind in ("queued", "running"):
            self._record(update)
        if update.kind == "queued":
            self._show(phase="Pending", message=update.message)
        elif update.kind == "running":
            self._show(phase="Running", message=update.message)
        elif update.kind in ("submitting", "retrying"):
            self._show(message=update.message)
        elif update.kind == "progress" and update.progress and self.spec.progress is not None:
            self.spec.progress(*update.progress)
        elif update.kind == "failed":
            self._echo_log()
            self.result = PodOutcome(update.phase, None, update.message)
        elif update.kind == "done":
            self._echo_log()
            try:
                self.result = self._collect(update.message)
            except (DflowJupyterError, OSError, ValueError, TypeError, KeyError, pickle.PickleError) as exc:
                self.result = PodOutcome(
                    "Error", None, f"{update.message}, but its outputs are unusable: {exc}"
                )

    def _echo_log(self) -> None:
        # Capped, and read from its two ends: a 200 MB log never passes through memory whole.
        echo_step_log(self.spec, sys.stdout)

    # -- outputs ----------------------------------------------------------------------------------
    def _collect(self, ran: str) -> PodOutcome:
        from dflow_jupyter.storage import verify_unmodified

        assert self._staged is not None
        out = self.spec.step_dir / OUT_DIR
        fingerprints = self._staged.fingerprints
        self._final_progress(out / "progress")
        if hasattr(self.spec.template, "op_class"):
            outcome = self._collect_python(out, fingerprints)
        else:
            outcome = self._collect_script(out)
            modified = [p for prints in fingerprints for p in verify_unmodified(prints)]
            if outcome.phase == "Succeeded" and modified:
                outcome = PodOutcome(
                    "Failed",
                    1,
                    f"the script wrote in place to its input artifact file(s) {', '.join(modified[:5])}; "
                    "write a new file instead",
                )
        try:  # the default remote root, once dpdispatcher cleaned the job's directory in it
            (self.spec.step_dir / "remote").rmdir()
        except OSError:
            pass
        if outcome.message is None and outcome.phase == "Succeeded":
            outcome.message = ran
        elif outcome.message is not None:
            outcome.message = f"{outcome.message}; {ran}"
        return outcome

    def _final_progress(self, path: Path) -> None:
        try:
            done, _, total = path.read_text().strip().partition("/")
            path.unlink()
        except OSError:
            return
        if done.isdigit() and total.isdigit() and self.spec.progress is not None:
            self.spec.progress(int(done), int(total))

    def _collect_python(self, out: Path, fingerprints: list[Any]) -> PodOutcome:
        result = out / RESULT_FILE
        if not result.exists():
            return PodOutcome("Error", None, "the job's runner left no result; see the step's log")
        with open(result, "rb") as handle:
            outcomes = pickle.load(handle)["outcomes"]
        result.unlink()
        _merge_tree(out, self.spec.step_dir)
        shutil.rmtree(out, ignore_errors=True)  # what is left are the emptied directories
        to_abs = absolute_under(self.spec.step_dir)
        names = {n for n, s in self.spec.template.output_sign.items() if type(s).__name__ == "Artifact"}
        for outcome in outcomes:
            for name in names & set(outcome.outputs):
                outcome.outputs[name] = map_paths(outcome.outputs[name], to_abs)
        return finish_python(self.spec, outcomes, fingerprints)

    def _collect_script(self, out: Path) -> PodOutcome:
        from dflow_jupyter.model.expressions import UNSET

        assert self._staged is not None
        template, paths = self.spec.template.template, self._staged.output_paths
        try:
            code = int((out / EXIT_CODE_FILE).read_text().strip())
        except (OSError, ValueError):
            return PodOutcome(
                "Error", None, "the job did not report its script's exit code; see the step's log"
            )
        if code != 0:
            message = f"failed with exit code {code}" if code < 128 else f"killed by signal {code - 128}"
            return PodOutcome("Failed", code, message)
        params: dict[str, Any] = {}
        for name, decl in template.outputs.parameters.items():
            rel = paths.get(f"parameters/{name}")
            if rel is not None and (out / rel).is_file():
                # Argo trims one trailing newline (the one `echo` writes), nothing more.
                text = (out / rel).read_text()
                params[name] = text[:-1] if text.endswith("\n") else text
            elif decl.value is not UNSET:
                params[name] = decl.value
            elif decl.default is not UNSET:
                params[name] = decl.default
            elif rel is not None:
                return PodOutcome(
                    "Error", 0, f"Error (exit code 1): open {decl.value_from_path}: no such file or directory"
                )
        arts: dict[str, Any] = {}
        for name, decl in template.outputs.artifacts.items():
            rel = paths.get(f"artifacts/{name}")
            if rel is None:
                continue
            if not os.path.lexists(out / rel):
                if decl.optional:
                    continue
                return PodOutcome(
                    "Error", 0, f"Error (exit code 1): output artifact {name!r}: {decl.path} does not exist"
                )
            dest = self.spec.step_dir / "outputs" / "artifacts" / name
            arts[name] = self.spec.store.save_path(out / rel, dest)
        write_parameter_files(self.spec.step_dir / "outputs" / "parameters", params)
        return PodOutcome("Succeeded", 0, parameters=params, artifacts=arts)


def _merge_tree(source: Path, target: Path) -> None:
    """Move everything under ``source`` to the same place under ``target`` (directories merged)."""
    for entry in list(source.iterdir()):
        dest = target / entry.name
        if entry.is_dir() and not entry.is_symlink() and dest.is_dir() and not dest.is_symlink():
            _merge_tree(entry, dest)
            continue
        if entry.is_symlink() and os.path.realpath(entry) == os.path.realpath(dest):
            continue  # a link back to the very file (a job run from this machine): nothing to move
        if os.path.lexists(dest):
            if dest.is_dir() and not dest.is_symlink():
                shutil.rmtree(dest)
            else:
                dest.unlink()
        shutil.move(str(entry), str(dest))
