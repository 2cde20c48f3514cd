"""Template invocations: Steps and DAG bodies as scheduler coroutines, with Argo's node tree.

* ``Steps``: a ``Steps`` node, a ``StepGroup`` node ``[i]`` per group, step nodes
  ``<parent>[i].<step>`` in it; fan-out items ``<parent>[i].<step>(<n>:<item>)`` sit directly
  in the group. The steps of a group link to the next group.
* ``DAG``: a ``DAG`` node; task nodes ``<parent>.<task>`` hang from their dependencies' leaves
  (root tasks from the DAG node); a fan-out is a ``TaskGroup`` with one child per item; tasks
  after a failed dependency are ``Omitted``.
* Leaf steps are ``Pod`` nodes, wrapped in a ``Retry`` node with attempts ``(<n>)`` when the
  template has a retry strategy. A false ``when`` makes a ``Skipped`` node.

Every nested template invocation is spawned as its own coroutine, so recursion depth costs no
Python stack. Steps themselves run in ``engine.step``, attempts and pods in ``engine.attempts``.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from dflow_jupyter.engine.frame import Frame, StepResult
from dflow_jupyter.engine.outputs import argo_inputs, argo_outputs, template_outputs
from dflow_jupyter.engine.scheduler import Coroutine, Handle, Semaphore, Spawn, WaitAll, WaitAny
from dflow_jupyter.engine.step import Placement, run_step
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.phase import Phase


def invoke_template(
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
) -> Coroutine:
    """Run a Steps or DAG template as the node ``name`` (a coroutine returning StepResult).

    ``depth`` is how deeply the invocation is nested (the entrypoint is 1).
    """
    node = ctx.recorder.add_node(
        name,
        display,
        template.kind,
        template_name=template.name,
        boundary_id=boundary,
        parent=parent,
        key=key,
    )
    node.inputs = argo_inputs(params, arts, template, key)
    if template.parallelism:
        limits = (*limits, Semaphore(template.parallelism))
    frame = Frame(ctx.workflow, template, params, arts)
    frame.workflow_parameters = ctx.workflow_parameters
    frame.depth = depth
    body = _run_steps if template.kind == "Steps" else _run_dag
    failure = yield from body(ctx, template, node, frame, limits)
    if failure is not None:
        phase: Phase = "Error" if failure.phase == "Error" else "Failed"
        ctx.recorder.finish(
            node, phase, f"child '{failure.node.id}' failed" if failure.node else failure.message
        )
        return StepResult(phase, node, message=node.message, leaves=[node])
    try:
        out_params, out_arts = template_outputs(template, frame)
    except DflowJupyterError as exc:
        ctx.recorder.finish(node, "Error", str(exc))
        return StepResult("Error", node, message=str(exc), leaves=[node])
    node.outputs = argo_outputs(out_params, out_arts, template)
    ctx.publish_globals(template, out_params, out_arts)
    ctx.recorder.finish(node, "Succeeded")
    leaves = [ctx.recorder.status.nodes[i] for i in node.outbound_nodes] or [node]
    return StepResult("Succeeded", node, out_params, out_arts, params, arts, leaves=leaves)


def _run_steps(
    ctx: Any, template: Any, node: Node, frame: Frame, limits: tuple[Semaphore, ...]
) -> Generator[Any, Any, StepResult | None]:
    """Run the step groups in order; returns the first failure that is not tolerated, or None."""
    previous: list[Node] = [node]
    for index, group in enumerate(template.steps):
        group_name = f"{node.name}[{index}]"
        group_node = ctx.recorder.add_node(
            group_name,
            f"[{index}]",
            "StepGroup",
            template_name=template.name,
            boundary_id=node.id,
            parent=None,
        )
        for leaf in previous:
            ctx.recorder.link(leaf, group_node)
        handles = []
        for step in group:
            placement = Placement([group_node], node, f"{group_name}.{step.name}", in_dag=False)
            handles.append((yield Spawn(run_step(ctx, frame, step, placement, limits, invoke_template))))
        results: list[StepResult] = yield WaitAll(handles)
        previous = []
        failed = None
        for step, result in zip(group, results, strict=True):
            frame.results[step.name] = result
            previous.extend(result.leaves or ([result.node] if result.node else []))
            if not result.ok and failed is None:
                failed = result
        ctx.recorder.finish(group_node, "Failed" if failed else "Succeeded")
        if failed is not None:
            return failed
    node.outbound_nodes = [leaf.id for leaf in previous]
    return None


def _run_dag(
    ctx: Any, template: Any, node: Node, frame: Frame, limits: tuple[Semaphore, ...]
) -> Generator[Any, Any, StepResult | None]:
    """Run each task once its dependencies are done; returns the first failure, or None."""
    from dflow_jupyter.model.validate import dag_dependencies

    deps = dag_dependencies(template)
    pending = list(template.tasks)
    running: dict[Handle, Any] = {}
    done: dict[str, StepResult] = {}
    failed: StepResult | None = None
    has_dependents = {d for names in deps.values() for d in names}
    while pending or running:
        progressed = True
        while progressed:
            progressed = False
            for task in list(pending):
                names = deps[task.name]
                if not all(n in done for n in names):
                    continue
                pending.remove(task)
                progressed = True
                upstream = [done[n] for n in names]
                if any(not r.ok for r in upstream) or failed is not None:
                    omitted = ctx.recorder.add_node(
                        f"{node.name}.{task.name}",
                        task.name,
                        "Skipped",
                        template_name=task.template.name,
                        boundary_id=node.id,
                        phase="Omitted",
                        message="omitted: depends condition not met",
                        parent=None,
                    )
                    for result in upstream:
                        for leaf in result.leaves:
                            ctx.recorder.link(leaf, omitted)
                    done[task.name] = frame.results[task.name] = StepResult(
                        "Omitted", omitted, leaves=[omitted]
                    )
                    continue
                parents = [leaf for r in upstream for leaf in r.leaves] or [node]
                placement = Placement(parents, node, f"{node.name}.{task.name}", in_dag=True)
                spawned = yield Spawn(run_step(ctx, frame, task, placement, limits, invoke_template))
                running[spawned] = task
        if not running:
            break
        handle = yield WaitAny(list(running))
        task = running.pop(handle)
        if handle.error is not None:
            raise handle.error
        finished: StepResult = handle.result
        done[task.name] = frame.results[task.name] = finished
        if not finished.ok and failed is None:
            failed = finished  # Argo's DAGs fail fast: nothing new starts after a failure.
    outbound = [leaf.id for name, r in done.items() if name not in has_dependents for leaf in r.leaves]
    node.outbound_nodes = outbound
    return failed
