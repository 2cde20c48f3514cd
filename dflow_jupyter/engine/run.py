"""Run a workflow on the debug backend: set up the record, drive the scheduler, settle the end."""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path
from typing import Any

from dflow_jupyter.config import config
from dflow_jupyter.engine.ending import engine_error_message, settle
from dflow_jupyter.engine.exclusive import ENGINE_LOCK
from dflow_jupyter.engine.frame import Frame, StepResult
from dflow_jupyter.engine.invoke import invoke_template
from dflow_jupyter.engine.pod import InProcessPythonJob, PodSpec, ScriptJob
from dflow_jupyter.engine.recorder import Recorder
from dflow_jupyter.engine.scheduler import Scheduler, Semaphore, Terminated
from dflow_jupyter.errors import StepRuntimeError
from dflow_jupyter.model.rendering import render_leaf_templates
from dflow_jupyter.run_records import (
    DiskFullError,
    Owner,
    load_status,
    read_owner,
    workflow_dir,
    write_atomic,
    write_owner,
)
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import WorkflowPhase
from dflow_jupyter.status.tracker import follow, release
from dflow_jupyter.status.wire import decode_outputs, to_argo_string

logger = logging.getLogger(__name__)

#: Runs in progress in this process, by workflow id (for terminate()).
active_runs: dict[str, RunContext] = {}


class RunContext:
    """Everything shared by the coroutines of one run."""

    def __init__(
        self,
        workflow_id: str,
        recorder: Recorder,
        store: Any,
        scheduler: Scheduler,
        reuse: dict[str, tuple[dict[str, Any], dict[str, Any]]],
        previous: WorkflowStatus | None,
        parameters: dict[str, Any],
    ) -> None:
        self.workflow = workflow_id
        self.recorder = recorder
        self.store = store
        self.scheduler = scheduler
        self.reuse = reuse
        self.previous = previous
        self.workflow_parameters = parameters
        self.keys: dict[str, str] = {}
        #: Templates nested this deep end as Error (0 or None: no limit).
        self.max_depth: int | None = config.get("max_recursion_depth", 100)
        self.isolation = str(config.get("debug_isolation", "inprocess"))
        self.echo = True
        self.last_exception: BaseException | None = None
        #: The first "disk full" message of a step, repeated on the workflow.
        self.disk_full: str | None = None
        self.global_outputs: dict[str, dict[str, Any]] = {"parameters": {}, "artifacts": {}}
        self.context: Any = None
        self._rendered: dict[tuple[int, int], Any] = {}

    # -- keys, reuse and restart --------------------------------------------------------------
    def claim_key(self, key: str, node_name: str, step: Any) -> None:
        owner = self.keys.get(key)
        # The same node (a restart) or its retry attempts "(n)" may share the key.
        related = (
            owner is None
            or owner == node_name
            or owner.startswith(node_name + "(")
            or node_name.startswith(owner + "(")
        )
        if not related:
            raise StepRuntimeError(
                f"{step.kind} {step.name!r}: key {key!r} is already used by another step ({owner}); "
                "keys must be unique in a workflow: template them, e.g. key='iter-{{item}}'"
            )
        self.keys[key] = node_name

    def reused_result(self, key: str | None, node_name: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """The outputs a step may reuse instead of running (a reused step, a restart), or None.

        Output artifacts are checked against the content digests recorded when they were
        saved: one that changed since (a consumer wrote into its input in place) is not
        reused, and the step runs again.
        """
        if key is not None and key in self.reuse:
            found = self.reuse[key]
        elif self.previous is None:
            return None
        else:
            from dflow_jupyter.status.model import node_id

            old = self.previous.nodes.get(node_id(self.workflow, node_name))
            if old is None or old.phase != "Succeeded" or old.type not in ("Pod", "Retry"):
                return None
            found = decode_outputs(old.outputs)
        for name, art in found[1].items():
            changed = self.store.changed_files(art)
            if changed:
                logger.warning(
                    "%s: not reused: its output artifact %r changed since it was saved (%s); running "
                    "it again",
                    node_name,
                    name,
                    ", ".join(changed[:5]),
                )
                return None
        return found

    # -- templates ----------------------------------------------------------------------------
    def rendered_template(self, step: Any) -> Any:
        """The template a leaf step runs: rewritten by its ``executor`` and the workflow ``context``."""
        template = step.template
        key = (id(step), id(template))
        cached = self._rendered.get(key)
        if cached is not None:
            return _checked_rendering(step, cached)
        if step.executor is not None:
            template = step.executor.render(template)
        if self.context is not None:
            template = self.context.render(template)
        self._rendered[key] = template
        return _checked_rendering(step, template)

    # -- outputs ------------------------------------------------------------------------------
    def publish_globals(self, template: Any, params: dict[str, Any], arts: dict[str, Any]) -> None:
        for name, decl in template.outputs.parameters.items():
            if decl.global_name and name in params:
                self.global_outputs["parameters"][decl.global_name] = params[name]
        for name, decl in template.outputs.artifacts.items():
            if decl.global_name and arts.get(name) is not None:
                self.global_outputs["artifacts"][decl.global_name] = arts[name]

    def fanout_dir(self, node_name: str) -> Path:
        from dflow_jupyter.status.model import node_id

        return self.recorder.directory / "stacked" / node_id(self.workflow, node_name)

    # -- jobs ---------------------------------------------------------------------------------
    def make_job(
        self,
        template: Any,
        node: Node,
        params: dict[str, Any],
        arts: dict[str, Any],
        key: str | None,
        frame: Frame,
        item: Any,
        runs: list[dict[str, Any]] | None,
        attempt: int,
    ) -> Any:
        if key is not None and attempt:
            node.key = key
        step_dir = (
            self.recorder.step_dir_for(node) if not (key and attempt) else self._attempt_dir(node, attempt)
        )
        recorder = self.recorder

        def progress(current: int, total: int) -> None:
            recorder.progress(node, int(current), int(total))

        spec = PodSpec(
            template=template,
            node=node,
            step_dir=step_dir,
            workflow=self.workflow,
            parameters=params,
            artifacts=arts,
            key=key,
            timeout=template.timeout,
            slices=runs,
            echo=self.echo,
            store=self.store,
            progress=progress,
        )
        if getattr(template, "runs_as_dispatcher_job", False):  # DispatcherExecutor
            from dflow_jupyter.engine.dispatcher_job import DispatcherJob

            script = not hasattr(template, "op_class")
            return DispatcherJob(
                spec, Frame(self.workflow, template, params, arts).scope(item) if script else None
            )
        if hasattr(template, "op_class"):
            if self.isolation == "process":
                from dflow_jupyter.engine.pool import PoolPythonJob, shared_pool

                return PoolPythonJob(spec, shared_pool())
            return InProcessPythonJob(spec)
        scope = Frame(self.workflow, template, params, arts).scope(item)
        return ScriptJob(spec, scope)

    def _attempt_dir(self, node: Node, attempt: int) -> Path:
        path = self.recorder.directory / f"{node.key}-attempt{attempt}"
        path.mkdir(parents=True, exist_ok=True)
        node.step_dir = path.name
        return path


def _checked_rendering(step: Any, template: Any) -> Any:
    """``template`` if an executor or context rendered a leaf template, else a clear error."""
    argo_only = getattr(template, "argo_only", None)
    if argo_only:  # a Kubernetes object to create (SlurmJobTemplate, a resource template)
        raise StepRuntimeError(f"{step.kind} {step.name!r}: {argo_only}")
    if all(hasattr(template, attr) for attr in ("name", "inputs", "outputs", "kind")):
        return template
    who = f"executor {type(step.executor).__name__}" if step.executor is not None else "the workflow context"
    raise StepRuntimeError(
        f"{step.kind} {step.name!r}: {who} rendered template {step.template.name!r} into "
        f"{type(template).__name__} {template!r:.80}; render(template) must return a template "
        "(e.g. the template it was given, modified)"
    )


def run_workflow(
    workflow: Any,
    workflow_id: str,
    reuse_steps: list[Any] | None = None,
    restart: bool = False,
    isolation: str | None = None,
) -> WorkflowStatus:
    """Run ``workflow`` to the end in this thread; returns the final status.

    Runs in several threads take turns on the process's working directory and ``sys.stdout``
    (:mod:`dflow_jupyter.engine.exclusive`); they overlap while they wait for their jobs.
    """
    with ENGINE_LOCK:
        return _run_workflow(workflow, workflow_id, reuse_steps, restart, isolation)


def _run_workflow(
    workflow: Any,
    workflow_id: str,
    reuse_steps: list[Any] | None,
    restart: bool,
    isolation: str | None,
) -> WorkflowStatus:
    from dflow_jupyter.model import registry
    from dflow_jupyter.model.validate import validate
    from dflow_jupyter.storage import LocalStore

    entry = workflow.entrypoint
    validate(entry)
    rendered = render_leaf_templates(entry, workflow.context)  # cached for the run
    entry_params = _entry_parameters(entry, workflow)
    registry.remember(entry)
    directory = workflow_dir(workflow_id)
    previous = None
    if restart and (directory / "status.json").exists():
        previous = load_status(directory)
        if previous.phase == "Succeeded":
            return previous
        _refuse_if_running_elsewhere(directory, workflow_id)
    status = WorkflowStatus(
        name=workflow_id,
        uid=workflow.uid or secrets.token_hex(16),
        labels=dict(workflow.labels),
        annotations=dict(workflow.annotations),
    )
    if previous is not None:
        status.nodes = previous.nodes
        status.uid = previous.uid or status.uid
    recorder = Recorder(status, directory)
    scheduler = Scheduler(max_jobs=workflow.parallelism, lock=ENGINE_LOCK)
    scheduler.idle = recorder.snapshot_due
    store = LocalStore(Path(config["debug_artifact_dir"]).resolve(), method=str(config["debug_copy_method"]))
    reuse = {step.key: step.reuse_outputs() for step in (reuse_steps or []) if getattr(step, "key", None)}
    ctx = RunContext(
        workflow_id, recorder, store, scheduler, reuse, previous, dict(workflow.parameters or {})
    )
    ctx.context = workflow.context
    ctx._rendered = rendered
    if isolation is not None:
        ctx.isolation = isolation
    limits = (Semaphore(workflow.parallelism),) if workflow.parallelism else ()
    active_runs[workflow_id] = ctx
    follow(recorder)
    try:
        try:
            recorder.reserve()
            write_owner(directory, Owner.of_this_process())
            write_atomic(directory / "type", entry.kind)
            recorder.set_phase("Running")
            status.started_at = status.started_at or time.time()
            result: StepResult = scheduler.run(
                invoke_template(ctx, entry, workflow_id, workflow_id, None, None, entry_params, {}, limits)
            )
        except Terminated as stop:
            settle(recorder, "Failed", str(stop), abandon=str(stop), free=scheduler.forget)
        except KeyboardInterrupt:
            message = "interrupted by the user (KeyboardInterrupt)"
            settle(recorder, "Failed", message, abandon="interrupted", free=scheduler.forget)
            raise
        except BaseException as exc:
            message = engine_error_message(exc)
            settle(recorder, "Error", message, abandon=message, free=scheduler.forget)
            if not isinstance(exc, DiskFullError):  # a full disk ends the run, not the caller
                raise
        else:
            _settle_globals(ctx, status)
            if result.phase == "Succeeded":
                settle(recorder, "Succeeded", None, free=scheduler.forget)
            else:
                phase: WorkflowPhase = "Error" if result.phase == "Error" else "Failed"
                why = result.message or (result.node.message if result.node else None)
                if ctx.disk_full:
                    why = f"{why}: {ctx.disk_full}" if why else ctx.disk_full
                settle(recorder, phase, why, free=scheduler.forget)
    finally:
        active_runs.pop(workflow_id, None)
        release(workflow_id, recorder)
        scheduler.close()
        recorder.release_reserve()
        workflow._last_exception = ctx.last_exception
    return status


def _refuse_if_running_elsewhere(directory: Path, workflow_id: str) -> None:
    """A restart must not race the process that still runs the workflow."""
    owner = read_owner(directory)
    if owner is not None and owner.pid != os.getpid() and owner.is_alive():
        raise StepRuntimeError(
            f"workflow {workflow_id!r} is still running in process {owner.pid}; wait for it or "
            f"terminate it (Workflow(id={workflow_id!r}).terminate()) before restarting"
        )


def _entry_parameters(entry: Any, workflow: Any) -> dict[str, Any]:
    """The entrypoint's inputs: workflow parameters of the same name, else declared defaults."""
    given = dict(workflow.parameters or {})
    params = {}
    for name, decl in entry.inputs.parameters.items():
        if name in given:
            params[name] = given[name]
        elif decl.has_value:
            params[name] = decl.value
        else:
            raise StepRuntimeError(
                f"workflow {workflow.name!r}: the entrypoint {entry.name!r} needs input parameter "
                f"{name!r}; give it a default or pass Workflow(parameters={{{name!r}: ...}})"
            )
    return params


def _settle_globals(ctx: RunContext, status: WorkflowStatus) -> None:
    params = ctx.global_outputs["parameters"]
    arts = ctx.global_outputs["artifacts"]
    if not params and not arts:
        return
    outputs: dict[str, Any] = {}
    if params:
        outputs["parameters"] = [{"name": k, "value": to_argo_string(v)} for k, v in params.items()]
    if arts:
        outputs["artifacts"] = [{"name": k, "s3": {"key": getattr(v, "key", None)}} for k, v in arts.items()]
    status.outputs = outputs


def request_terminate(workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> bool:
    """Stop a run of this process; returns False if it is not running here."""
    ctx = active_runs.get(workflow_id)
    if ctx is None:
        return False
    ctx.scheduler.request_terminate(reason)
    return True
