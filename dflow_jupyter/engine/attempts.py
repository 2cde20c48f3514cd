"""One run of a step (or of one fan-out item): skip, reuse, a nested template, or a pod and its retries."""

from __future__ import annotations

from typing import Any, Protocol

from dflow_jupyter.engine import fanout
from dflow_jupyter.engine.failures import error_result, guarded
from dflow_jupyter.engine.frame import Frame, StepResult
from dflow_jupyter.engine.inputs import render_key, rendered_when, resolve_inputs, when_is_true
from dflow_jupyter.engine.outputs import argo_inputs, argo_outputs, stack_slice_outputs
from dflow_jupyter.engine.scheduler import Acquire, Coroutine, RunJob, Semaphore, Spawn, WaitAll
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.status.model import Node


class TemplateInvoker(Protocol):
    """Runs a Steps or DAG template as a node (``invoke.invoke_template``).

    Passed in rather than imported: template invocations run steps, which invoke templates.
    """

    def __call__(
        self,
        ctx: Any,
        template: Any,
        name: str,
        display: str,
        parent: Node | None,
        boundary: str | None,
        params: dict[str, Any],
        arts: dict[str, Any],
        limits: tuple[Semaphore, ...],
        key: str | None = None,
        depth: int = 1,
    ) -> Coroutine: ...


def run_single(
    ctx: Any,
    frame: Frame,
    step: Any,
    boundary: str,
    name: str,
    display: str,
    parent: Node,
    item: Any,
    fan_item: fanout.Item | None,
    limits: tuple[Semaphore, ...],
    invoke: TemplateInvoker,
) -> Coroutine:
    """Run ``step`` once as the node ``name`` (a coroutine returning StepResult).

    Parameters
    ----------
    boundary
        The id of the Steps/DAG node the step belongs to.
    item
        The ``{{item}}`` value, or ``NO_ITEM`` outside a fan-out.
    fan_item
        The fan-out child (with its slices), or None outside a fan-out.
    invoke
        Runs a nested Steps or DAG template.
    """
    where = f"{step.kind} {step.name!r}"
    body = _run_single(ctx, frame, step, boundary, name, display, parent, item, fan_item, limits, invoke)
    result = yield from guarded(ctx, body, where, name, display, step.template, boundary, parent)
    return result


def _run_single(
    ctx: Any,
    frame: Frame,
    step: Any,
    boundary: str,
    name: str,
    display: str,
    parent: Node,
    item: Any,
    fan_item: fanout.Item | None,
    limits: tuple[Semaphore, ...],
    invoke: TemplateInvoker,
) -> Coroutine:
    template = step.template
    where = f"{step.kind} {step.name!r}"
    try:
        key = render_key(ctx, frame, step, item, name)
        if step.when is not None and not when_is_true(frame, step, item):
            node = ctx.recorder.add_node(
                name,
                display,
                "Skipped",
                template_name=template.name,
                boundary_id=boundary,
                parent=parent,
                phase="Skipped",
                message=f"when '{rendered_when(frame, step, item)}' evaluated false",
                key=key,
            )
            return StepResult("Skipped", node, leaves=[node])
        params, arts = resolve_inputs(frame, step, item, where)
        if fan_item is not None and step.slices is not None:
            fanout.check_sliced_inputs(step, params, arts)
    except (DflowJupyterError, ValueError, TypeError, KeyError) as exc:
        return error_result(ctx, name, display, template, boundary, parent, str(exc))
    too_deep = _depth_error(ctx, frame, step)
    if too_deep is not None:
        return error_result(ctx, name, display, template, boundary, parent, too_deep)
    reused = ctx.reused_result(key, name)
    if reused is not None:
        node = ctx.recorder.add_node(
            name,
            display,
            "Pod",
            template_name=template.name,
            boundary_id=boundary,
            parent=parent,
            phase="Succeeded",
            key=key,
        )
        params_out, arts_out = reused
        node.inputs = argo_inputs(params, arts, template, key)
        node.outputs = argo_outputs(params_out, arts_out, template)
        ctx.recorder.finish(node, "Succeeded", "reused", memoized=True)
        return StepResult("Succeeded", node, params_out, arts_out, params, arts, leaves=[node])
    if template.kind in ("Steps", "DAG"):
        handle = yield Spawn(
            invoke(ctx, template, name, display, parent, boundary, params, arts, limits, key, frame.depth + 1)
        )
        # A nested template that raised is thrown back in here by WaitAll.
        [result] = yield WaitAll([handle])
        return result
    runs = None
    if fan_item is not None and step.slices:
        runs = fanout.slice_runs(step, fan_item, params, arts)
        # Each run gets its slice of the sliced inputs; the pod keeps the rest.
        params = {k: v for k, v in params.items() if k not in step.slices.input_parameter}
        arts = {k: v for k, v in arts.items() if k not in step.slices.input_artifact}
    result = yield from _run_pod(
        ctx, frame, step, name, display, parent, boundary, params, arts, key, item, runs, limits
    )
    return result


def _depth_error(ctx: Any, frame: Frame, step: Any) -> str | None:
    """Why ``step`` may not run this deep (Argo's maximum template depth), or None.

    The depth is counted per path, as Argo counts its template stack: a wide fan-out of nested
    templates is not deep.
    """
    limit = ctx.max_depth
    depth = frame.depth + 1
    if not limit or depth < limit:
        return None
    return (
        f"{step.kind} {step.name!r} of template {frame.template.name!r}: maximum recursion depth "
        f"exceeded: templates nested {depth} levels deep, expected fewer than {limit} "
        f"(config['max_recursion_depth'], Argo's default 100). Does the `when` that makes "
        f"{frame.template.name!r} call itself ever turn false? Raise the limit, or set it to None "
        "to disable it (Argo: DISABLE_MAX_RECURSION=true)"
    )


def _run_pod(
    ctx: Any,
    frame: Frame,
    step: Any,
    name: str,
    display: str,
    parent: Node,
    boundary: str,
    params: dict[str, Any],
    arts: dict[str, Any],
    key: str | None,
    item: Any,
    runs: list[dict[str, Any]] | None,
    limits: tuple[Semaphore, ...],
) -> Coroutine:
    """Run a leaf step as a Pod node, under a Retry node with attempts ``(n)`` if it retries."""
    template = ctx.rendered_template(step)
    strategy = getattr(template, "retry_strategy", None)
    retry_node = None
    if strategy is not None:
        retry_node = ctx.recorder.add_node(
            name,
            display,
            "Retry",
            template_name=template.name,
            boundary_id=boundary,
            parent=parent,
            key=key,
        )
    attempts = (strategy.limit + 1) if strategy is not None else 1
    outcome = None
    node = None
    for attempt in range(attempts):
        if retry_node is not None:
            node = ctx.recorder.add_node(
                f"{name}({attempt})",
                f"{display}({attempt})",
                "Pod",
                template_name=template.name,
                boundary_id=boundary,
                parent=retry_node,
                key=key,
            )
        else:
            node = ctx.recorder.add_node(
                name,
                display,
                "Pod",
                template_name=template.name,
                boundary_id=boundary,
                parent=parent,
                key=key,
            )
        # A one-slice item records the slice it got, so it can be replayed on its own.
        recorded = {**params, **runs[0]["parameters"]} if runs and len(runs) == 1 else params
        node.inputs = argo_inputs(recorded, arts, template, key)
        for semaphore in limits:
            yield Acquire(semaphore)
        try:
            job = ctx.make_job(template, node, params, arts, key, frame, item, runs, attempt)
            outcome = yield RunJob(job)
        finally:
            for semaphore in reversed(limits):
                ctx.scheduler.release(semaphore)
        if outcome.slice_outputs is not None:
            out_params, out_arts = stack_slice_outputs(step, outcome.slice_outputs)
        else:
            out_params, out_arts = outcome.parameters, outcome.artifacts
        node.outputs = argo_outputs(out_params, out_arts, template)
        ctx.recorder.finish(node, outcome.phase, outcome.message, exit_code=outcome.exit_code)
        ctx.last_exception = outcome.exception or ctx.last_exception
        if outcome.phase == "Succeeded":
            ctx.publish_globals(template, out_params, out_arts)
            if retry_node is not None:
                retry_node.outputs = node.outputs
                ctx.recorder.finish(retry_node, "Succeeded")
            return StepResult(
                "Succeeded",
                retry_node or node,
                out_params,
                out_arts,
                params,
                arts,
                exit_code=outcome.exit_code,
                leaves=[node],
                # Outputs are lists over the slices (a group, or a merged sliced step).
                grouped=runs is not None and (step.slices.group_size is not None or len(runs) > 1),
            )
        if strategy is None or not strategy.allows(outcome.phase, outcome.exit_code):
            break
    assert outcome is not None and node is not None
    if retry_node is not None:
        message = (
            "No more retries left"
            if attempts > 1 and strategy is not None and strategy.allows(outcome.phase, outcome.exit_code)
            else outcome.message
        )
        ctx.recorder.finish(retry_node, outcome.phase, message)
    return StepResult(
        outcome.phase,
        retry_node or node,
        outcome.parameters,
        {},
        params,
        arts,
        exit_code=outcome.exit_code,
        message=outcome.message,
        leaves=[node],
    )
