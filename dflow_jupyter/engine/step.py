"""One step or task of a template: where its nodes go, and a single run or a fan-out over items.

A fan-out's items ``<name>(<n>:<item>)`` sit directly in the step group of a Steps template,
and under a ``TaskGroup`` node in a DAG. An empty fan-out is a ``Skipped`` node.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dflow_jupyter.engine import fanout
from dflow_jupyter.engine.aggregate import aggregate
from dflow_jupyter.engine.attempts import TemplateInvoker, run_single
from dflow_jupyter.engine.failures import error_result, guarded
from dflow_jupyter.engine.frame import NO_ITEM, Frame, StepResult
from dflow_jupyter.engine.outputs import argo_outputs
from dflow_jupyter.engine.scheduler import Coroutine, Semaphore, Spawn, WaitAll
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.phase import Phase


@dataclass
class Placement:
    """Where a step's nodes go: parent node(s), boundary, node name, Steps or DAG style.

    The first parent holds the step's node as a child; the others (a DAG task's further
    dependencies) link to it.
    """

    parents: list[Node]
    boundary: Node
    name: str
    in_dag: bool

    @property
    def display(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def attach(self, ctx: Any, node: Node) -> None:
        """Link the further parents to ``node``."""
        for parent in self.parents[1:]:
            ctx.recorder.link(parent, node)


def run_step(
    ctx: Any,
    frame: Frame,
    step: Any,
    placement: Placement,
    limits: tuple[Semaphore, ...],
    invoke: TemplateInvoker,
) -> Coroutine:
    """One step or task: a single run, or a fan-out over items (a coroutine returning StepResult).

    ``invoke`` runs nested Steps and DAG templates (``invoke.invoke_template``).
    """
    body = _run_step(ctx, frame, step, placement, limits, invoke)
    where = f"{step.kind} {step.name!r}"
    parent = placement.parents[0]
    result = yield from guarded(
        ctx, body, where, placement.name, placement.display, step.template, placement.boundary.id, parent
    )
    return _tolerate(step, result)


def _run_step(
    ctx: Any,
    frame: Frame,
    step: Any,
    placement: Placement,
    limits: tuple[Semaphore, ...],
    invoke: TemplateInvoker,
) -> Coroutine:
    try:
        items = fanout.expand(frame, step)
    except DflowJupyterError as exc:
        return _error_node(ctx, placement, step, str(exc))
    boundary = placement.boundary.id
    if items is None:
        result = yield from run_single(
            ctx,
            frame,
            step,
            boundary,
            placement.name,
            placement.display,
            placement.parents[0],
            NO_ITEM,
            None,
            limits,
            invoke,
        )
        if result.node is not None:
            placement.attach(ctx, result.node)
        return _tolerate(step, result)
    group: Node | None = None
    item_parent = placement.parents[0]
    if placement.in_dag:
        group = ctx.recorder.add_node(
            placement.name,
            placement.display,
            "TaskGroup",
            template_name=step.template.name,
            boundary_id=boundary,
            parent=placement.parents[0],
        )
        placement.attach(ctx, group)
        item_parent = group
    if not items:
        skipped = ctx.recorder.add_node(
            placement.name,
            placement.display,
            "Skipped",
            template_name=step.template.name,
            boundary_id=boundary,
            parent=item_parent,
            phase="Skipped",
            message="Skipped, empty params",
        )
        if group is not None:
            ctx.recorder.finish(group, "Succeeded")
        empty = aggregate(step, [], ctx.fanout_dir(placement.name))
        empty.node, empty.leaves = group or skipped, [group or skipped]
        return empty
    handles = []
    for item in items:
        child = run_single(
            ctx,
            frame,
            step,
            boundary,
            f"{placement.name}{item.label}",
            f"{placement.display}{item.label}",
            item_parent,
            item.value,
            item,
            limits,
            invoke,
        )
        handles.append((yield Spawn(child)))
    children: list[StepResult] = yield WaitAll(handles)
    return _finish_fanout(ctx, step, placement, group, children)


def _finish_fanout(
    ctx: Any, step: Any, placement: Placement, group: Node | None, children: list[StepResult]
) -> StepResult:
    """The result of a fan-out from its children's: phase by ``continue_on_*``, aggregated outputs."""
    succeeded = sum(1 for c in children if c.phase in ("Succeeded", "Skipped"))
    failures = [c for c in children if not c.ok]
    total = len(children)
    counted = step.continue_on_num_success is not None or step.continue_on_success_ratio is not None
    enough = True
    if step.continue_on_num_success is not None:
        enough = succeeded >= step.continue_on_num_success
    elif step.continue_on_success_ratio is not None:
        enough = succeeded >= step.continue_on_success_ratio * total
    elif failures:
        enough = False
    message = None
    if not enough:
        if counted:
            message = f"{succeeded}/{total} items succeeded"
        elif failures[0].node is not None:
            message = f"child '{failures[0].node.id}' failed"
    result = aggregate(step, children, ctx.fanout_dir(placement.name))
    leaves = [leaf for c in children for leaf in c.leaves]
    phase: Phase = "Succeeded" if enough else "Failed"
    if group is not None:
        # Aggregates are lists whatever the item template declares: described by their own type.
        group.outputs = argo_outputs(result.parameters, result.artifacts, None)
        ctx.recorder.finish(group, phase, message)
        leaves = leaves or [group]
    result.phase, result.message, result.node, result.leaves = phase, message, group, leaves
    if result.node is None and children:
        result.node = children[0].node
    return _tolerate(step, result)


def _tolerate(step: Any, result: StepResult) -> StepResult:
    """Mark a failed or errored result tolerated when the step's ``continue_on_*`` allows it."""
    if result.phase == "Failed" and (
        step.continue_on_failed
        or step.continue_on_num_success is not None
        or step.continue_on_success_ratio is not None
    ):
        result.tolerated = bool(step.continue_on_failed)
    if result.phase == "Error" and step.continue_on_error:
        result.tolerated = True
    return result


def _error_node(ctx: Any, placement: Placement, step: Any, message: str) -> StepResult:
    """A step whose fan-out could not be expanded: an Error node in its place."""
    result = error_result(
        ctx,
        placement.name,
        placement.display,
        step.template,
        placement.boundary.id,
        placement.parents[0],
        message,
    )
    assert result.node is not None
    placement.attach(ctx, result.node)
    return _tolerate(step, result)
