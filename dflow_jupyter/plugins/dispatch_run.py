"""One dpdispatcher submission driven in a background thread: submit, follow, fetch the outputs, cancel.

The debug engine's scheduler must never wait on a cluster, so ``sbatch``, ``squeue``, SSH round
trips and file transfers happen in this thread. It reports :class:`Update` s and calls ``wake``
(which rings the engine's scheduler); the engine reads them with :meth:`DispatchRun.updates`
in its own thread.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from typing import Any, Literal

from dflow_jupyter.plugins import scheduler_info as info
from dflow_jupyter.plugins.dispatch_settings import (
    DispatcherConfigError,
    batch_label,
    check_names,
    is_local,
)
from dflow_jupyter.plugins.dispatch_types import RunSettings, TaskSpec, Update, UpdateKind
from dflow_jupyter.plugins.job_files import LogMirror
from dflow_jupyter.plugins.slurm_queue import queue_for


class _Stop(Exception):
    """The run ends here; what the step shows was already reported."""


class DispatchRun:
    """Submit ``tasks`` as one dpdispatcher submission and follow it (see the module docstring)."""

    def __init__(self, settings: RunSettings, tasks: list[TaskSpec], wake: Any) -> None:
        self.settings = settings
        self.tasks = tasks
        self.label = batch_label(settings.machine)
        self._wake = wake
        self._updates: queue.SimpleQueue[Update] = queue.SimpleQueue()
        self._cancel = threading.Event()
        self._lock = threading.Lock()
        self._machine: Any = None
        self._jobs: list[Any] = []
        # Plain Slurm jobs share one squeue per poll (array jobs go through dpdispatcher).
        self._queue = queue_for(settings.machine) if self.label.lower() == "slurm" else None
        self._mirror = LogMirror(settings.log_path, settings.task.get("outlog"))
        self._thread = threading.Thread(target=self._main, name="dflow-dispatch", daemon=True)

    # -- the engine's side ------------------------------------------------------------------------
    def start(self) -> None:
        self._thread.start()

    def updates(self) -> list[Update]:
        """The updates reported since the last call, oldest first."""
        found = []
        while True:
            try:
                found.append(self._updates.get_nowait())
            except queue.Empty:
                return found

    def cancel(self, wait: float = 2.0) -> None:
        """Cancel every job submitted so far (and any submitted later) and stop following them.

        Returns once the thread has stopped, or after ``wait`` seconds if it is in a slow call
        (an ``sbatch`` under way): it cancels what it submits from then on by itself. The wait
        is short because a terminated run cancels its steps one after the other.
        """
        with self._lock:
            self._cancel.set()
            jobs, machine = list(self._jobs), self._machine
        for job in jobs:
            try:
                info.cancel(machine, self.label, job)
            except Exception:
                pass  # the scheduler may already have forgotten it
        self._thread.join(wait)

    # -- the thread -------------------------------------------------------------------------------
    def _emit(self, update: Update) -> None:
        self._updates.put(update)
        self._wake()

    def _fail(self, message: str, phase: Literal["Failed", "Error"] = "Failed") -> _Stop:
        self._emit(Update("failed", message, self._job_ids(), phase=phase))
        return _Stop()

    def _job_ids(self) -> tuple[str, ...]:
        with self._lock:
            return tuple(str(job.job_id) for job in self._jobs if job.job_id)

    def _where(self) -> str:
        ids = self._job_ids()
        if info.is_shell(self.label):
            return f"{self.label} (pid {', '.join(ids)})"
        noun = "job" if len(ids) == 1 else "jobs"
        return f"{self.label} ({noun} {', '.join(ids)})"

    def _main(self) -> None:
        try:
            from dflow_jupyter.plugins._dpdispatcher import load_dpdispatcher

            dp = load_dpdispatcher()
            check_names(
                self.settings.machine,
                list(dp.Machine.subclasses_dict),
                list(dp.base_context.BaseContext.subclasses_dict),
            )
            self._emit(Update("submitting", f"submitting to {self.label}"))
            submission = self._submit(dp)
            self._follow(submission)
            self._fetch(submission)
            self._emit(Update("done", f"ran on {self._where()}", self._job_ids()))
        except _Stop:
            pass
        except DispatcherConfigError as exc:
            self._emit(Update("failed", str(exc), phase="Error"))
        except Exception as exc:
            self._emit(Update("failed", f"{self.label} job: {type(exc).__name__}: {exc}", phase="Error"))
        finally:
            if self._queue is not None:
                for job_id in self._job_ids():
                    self._queue.forget(job_id)

    def _submit(self, dp: Any) -> Any:
        """Build the submission, upload its files and submit its jobs, retrying as configured."""
        attempts = 1 + self.settings.retry_on_submission_error
        for attempt in range(attempts):
            try:
                return self._submit_once(dp, first=attempt == 0)
            except (_Stop, DispatcherConfigError):
                raise
            except Exception as exc:
                message = self._submission_problem(exc)
                if attempt + 1 == attempts:
                    raise self._fail(message, "Error") from None
                delay = min(2**attempt, 30)
                self._emit(
                    Update(
                        "retrying", f"{message}; submitting again in {delay} s ({attempt + 1}/{attempts - 1})"
                    )
                )
                if self._cancel.wait(delay):
                    raise _Stop() from None
        raise AssertionError("unreachable")

    def _logs(self) -> list[str]:
        """The task's log files, brought back with its outputs (the job always writes them)."""
        names = (self.settings.task.get("outlog"), self.settings.task.get("errlog"))
        return sorted({name for name in names if name})

    def _submission_problem(self, exc: BaseException) -> str:
        profile = self.settings.machine.get("remote_profile") or {}
        if self._machine is None and profile.get("hostname"):
            where = f"{profile.get('username')}@{profile['hostname']}:{profile.get('port', 22)}"
            return (
                f"cannot reach {where} over SSH ({type(exc).__name__}: {exc}); check the host, the port "
                "and that an SSH server runs there"
            )
        return f"{self.label} did not accept the job: {info.submission_error(exc)}"

    def _submit_once(self, dp: Any, first: bool) -> Any:
        with self._lock:
            self._machine = None
        machine = dp.Machine.load_from_dict(self.settings.machine)
        with self._lock:
            self._machine = machine
        resources = dp.Resources.load_from_dict(self.settings.resources)
        tasks = [
            dp.Task.load_from_dict(
                {
                    **self.settings.task,
                    "command": task.command,
                    "task_work_path": task.work_path,
                    "forward_files": task.forward_files,
                    "backward_files": [*task.backward_files, *self._logs()],
                }
            )
            for task in self.tasks
        ]
        submission = dp.Submission(work_base=".", machine=machine, resources=resources, task_list=tasks)
        if first and self.settings.pre_script:
            self._run_script("pre_script", self.settings.pre_script, submission)
        submission.generate_jobs()
        submission.upload_jobs()
        for job in submission.belonging_jobs:
            if self._cancel.is_set():
                raise _Stop()
            job.submit_job()
            if not job.job_id:
                raise RuntimeError(f"{self.label} did not take the job now (its job queue is full?)")
            with self._lock:
                self._jobs.append(job)
                cancelled = self._cancel.is_set()
            if self._queue is not None:
                self._queue.watch(str(job.job_id))
            if cancelled:  # cancel() ran while sbatch did: this job escaped its sweep
                info.cancel(machine, self.label, job)
                raise _Stop()
        # A shell job starts at once; a scheduler's job waits in its queue first.
        kind: UpdateKind = "running" if info.is_shell(self.label) else "queued"
        self._emit(Update(kind, f"{kind} on {self._where()}", self._job_ids()))
        return submission

    def _follow(self, submission: Any) -> None:
        """Poll until every job finished; report queued/running, the log and progress."""
        from dpdispatcher.utils.job_status import JobStatus

        interval, unknown = 0.2, 0
        shown = "running" if info.is_shell(self.label) else "queued"
        machine = submission.machine
        while True:
            states = []
            for job in submission.belonging_jobs:
                reason = ""
                if job.job_state != JobStatus.finished:
                    reason = self._look(machine, job)
                state = job.job_state
                if state == JobStatus.terminated:
                    self._ended(submission, job)
                    state = job.job_state
                elif state == JobStatus.waiting and reason:
                    problem = info.pending_problem(machine.context, str(job.job_id), reason)
                    if problem is not None:
                        info.cancel(machine, self.label, job)
                        raise self._fail(problem, "Error")
                unknown = unknown + 1 if state == JobStatus.unknown else 0
                if unknown >= 10:
                    raise self._fail(f"{self.label} reports no known state for {self._where()}", "Error")
                states.append(state)
            if all(state == JobStatus.finished for state in states):
                return
            running = any(state in (JobStatus.running, JobStatus.completing) for state in states)
            kind: UpdateKind = "running" if running else "queued"
            if kind != shown:
                shown = kind
                self._emit(Update(kind, f"{kind} on {self._where()}", self._job_ids()))
            if running:
                for task in self.tasks:
                    progress = self._mirror.update(machine.context, task.work_path)
                    if progress is not None:
                        self._emit(Update("progress", progress=progress))
            if self._cancel.wait(interval):
                raise _Stop()
            interval = min(interval * 1.5, self.settings.poll_interval)

    def _look(self, machine: Any, job: Any) -> str:
        """Update ``job``'s state from the scheduler; Slurm's pending reason, if any."""
        if self._queue is not None:
            return self._queue.update(machine, job)
        if info.is_shell(self.label) and is_local(self.settings.machine):
            info.update_local_shell_job(machine, job)
        else:
            job.get_job_state()
        return ""

    def _ended(self, submission: Any, job: Any) -> None:
        """A job left the queue without its finish tag: resubmit it, or fail with the reason."""
        machine = submission.machine
        reason = info.end_description(self.label, machine.context, str(job.job_id))
        if job.fail_count < self.settings.retry_count:
            job.fail_count += 1
            self._emit(
                Update("retrying", f"{reason}; resubmitting ({job.fail_count}/{self.settings.retry_count})")
            )
            job.submit_job()
            if self._queue is not None:
                self._queue.watch(str(job.job_id))
            return
        tail = info.last_error(job)
        try:  # whatever log the job left, for the step's log
            machine.context.download(submission, check_exists=True, mark_failure=False)
        except Exception:
            pass
        raise self._fail(reason + (f"; last error output: {tail}" if tail else ""))

    def _fetch(self, submission: Any) -> None:
        try:
            submission.download_jobs()
        except FileNotFoundError as exc:
            raise self._fail(f"{self._where()} finished but left no outputs: {exc}", "Error") from None
        if self.settings.post_script:
            self._run_script("post_script", self.settings.post_script, submission)
        if self.settings.clean:
            try:
                submission.clean_jobs()
            except Exception:
                pass  # outputs are home; a remote directory left behind is no reason to fail

    def _run_script(self, name: str, code: str, submission: Any) -> None:
        """dflow's ``pre_script``/``post_script``: Python run with the submission's objects in scope."""
        scope = {
            "os": os,
            "json": json,
            "machine": submission.machine,
            "resources": submission.resources,
            "tasks": submission.belonging_tasks,
            "submission": submission,
            **self.settings.namespace,
        }
        try:
            exec(compile(code, f"<DispatcherExecutor {name}>", "exec"), scope)
        except Exception as exc:
            raise self._fail(
                f"DispatcherExecutor {name} raised {type(exc).__name__}: {exc}", "Error"
            ) from None
