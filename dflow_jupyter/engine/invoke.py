"""Template invocations as scheduler coroutines, building the node tree exactly as Argo does.

* ``Steps``: a ``Steps`` node, a ``StepGroup`` node ``[i]`` per group, step nodes
  ``<parent>[i].<step>`` in it; fan-out items ``<parent>[i].<step>(<n>:<item>)`` sit directly
  in the group. The steps of a group link to the next group.
* ``DAG``: a ``DAG`` node; task nodes ``<parent>.<task>`` hang from their dependencies' leaves
  (root tasks from the DAG node); a fan-out is a ``TaskGroup`` with one child per item; tasks
  after a failed dependency are ``Omitted``.
* Leaf steps are ``Pod`` nodes, wrapped in a ``Retry`` node with attempts ``(<n>)`` when the
  template has a retry strategy. A false ``when`` makes a ``Skipped`` node.

Every nested template invocation is spawned as its own coroutine, so recursion depth costs no
Python stack.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from dflow_jupyter.engine import fanout
from dflow_jupyter.engine.frame import NO_ITEM, Frame, StepResult
from dflow_jupyter.engine.scheduler import Acquire, RunJob, Semaphore, Spawn, WaitAll, WaitAny
from dflow_jupyter.errors import DflowJupyterError, StepRuntimeError
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.model.names import check_key
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.wire import ParameterTypeError, from_argo_string, to_argo_string

Co = Generator[Any, Any, Any]


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
) -> Co:
    """Run a Steps or DAG template as the node ``name`` (a coroutine returning StepResult)."""
    node = ctx.recorder.add_node(
        name,
        display,
        template.kind,
        template_name=template.name,
        boundary_id=boundary,
        parent=parent,
        key=key,
    )
    node.inputs = _argo_inputs(params, arts, template, key)
    if template.parallelism:
        limits = (*limits, Semaphore(template.parallelism))
    frame = Frame(ctx.workflow, template, params, arts, node)
    frame.workflow_parameters = ctx.workflow_parameters  # type: ignore[attr-defined]
    body = _run_steps if template.kind == "Steps" else _run_dag
    failure = yield from body(ctx, template, node, frame, limits)
    if failure is not None:
        ctx.recorder.finish(
            node,
            failure.phase if failure.phase == "Error" else "Failed",
            f"child '{failure.node.id}' failed" if failure.node else failure.message,
        )
        return StepResult("Failed", node, message=node.message, leaves=[node])
    try:
        out_params, out_arts = _template_outputs(template, frame)
    except DflowJupyterError as exc:
        ctx.recorder.finish(node, "Error", str(exc))
        return StepResult("Error", node, message=str(exc), leaves=[node])
    node.outputs = _argo_outputs(out_params, out_arts, template)
    ctx.publish_globals(template, out_params, out_arts)
    ctx.recorder.finish(node, "Succeeded")
    leaves = [ctx.recorder.status.nodes[i] for i in node.outbound_nodes] or [node]
    return StepResult("Succeeded", node, out_params, out_arts, params, arts, leaves=leaves)


def _run_steps(
    ctx: Any, template: Any, node: Node, frame: Frame, limits: tuple[Semaphore, ...]
) -> Generator[Any, Any, StepResult | None]:
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
            placement = _Placement(group_node, node, f"{group_name}.{step.name}", in_dag=False)
            handles.append((yield Spawn(run_step(ctx, frame, step, placement, limits))))
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
    from dflow_jupyter.model.validate import dag_dependencies

    deps = dag_dependencies(template)
    pending = list(template.tasks)
    running: dict[Any, Any] = {}
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
                placement = _Placement(parents, node, f"{node.name}.{task.name}", in_dag=True)
                running[(yield Spawn(run_step(ctx, frame, task, placement, limits)))] = task
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


class _Placement:
    """Where a step's nodes go: parent node(s), boundary, node name, Steps or DAG style."""

    def __init__(self, parents: Any, boundary: Node, name: str, in_dag: bool) -> None:
        self.parents: list[Node] = parents if isinstance(parents, list) else [parents]
        self.boundary = boundary
        self.name = name
        self.in_dag = in_dag

    @property
    def display(self) -> str:
        return self.name.rsplit(".", 1)[-1]


def _attach(ctx: Any, placement: _Placement, node: Node) -> None:
    for parent in placement.parents[1:]:
        ctx.recorder.link(parent, node)


def run_step(ctx: Any, frame: Frame, step: Any, placement: _Placement, limits: tuple[Semaphore, ...]) -> Co:
    """One step or task: a single run, or a fan-out over items (a coroutine returning StepResult)."""
    try:
        items = fanout.expand(frame, step)
    except DflowJupyterError as exc:
        return _error_node(ctx, placement, step, str(exc))
    if items is None:
        result = yield from _run_single(
            ctx,
            frame,
            step,
            placement,
            placement.name,
            placement.display,
            placement.parents[0],
            NO_ITEM,
            None,
            limits,
        )
        _attach(ctx, placement, result.node) if result.node else None
        return _tolerate(step, result)
    if placement.in_dag:
        group = ctx.recorder.add_node(
            placement.name,
            placement.display,
            "TaskGroup",
            template_name=step.template.name,
            boundary_id=placement.boundary.id,
            parent=placement.parents[0],
        )
        _attach(ctx, placement, group)
        item_parent = group
    else:
        group = None
        item_parent = placement.parents[0]
    if not items:
        skipped = ctx.recorder.add_node(
            f"{placement.name}",
            placement.display,
            "Skipped",
            template_name=step.template.name,
            boundary_id=placement.boundary.id,
            parent=item_parent,
            phase="Skipped",
            message="Skipped, empty params",
        )
        if group is not None:
            ctx.recorder.finish(group, "Succeeded")
        empty = fanout.aggregate(step, [], ctx.fanout_dir(placement.name))
        empty.node, empty.leaves = group or skipped, [group or skipped]
        return empty
    handles = []
    for item in items:
        name = f"{placement.name}{item.label}"
        display = f"{placement.display}{item.label}"
        handles.append(
            (
                yield Spawn(
                    _run_single(
                        ctx,
                        frame,
                        step,
                        placement,
                        name,
                        display,
                        item_parent,
                        item.value,
                        item,
                        limits,
                    )
                )
            )
        )
    children: list[StepResult] = yield WaitAll(handles)
    return _finish_fanout(ctx, step, placement, group, children)


def _finish_fanout(
    ctx: Any, step: Any, placement: _Placement, group: Node | None, children: list[StepResult]
) -> StepResult:
    succeeded = sum(1 for c in children if c.phase in ("Succeeded", "Skipped"))
    failures = [c for c in children if not c.ok]
    total = len(children)
    enough = True
    if step.continue_on_num_success is not None:
        enough = succeeded >= step.continue_on_num_success
    elif step.continue_on_success_ratio is not None:
        enough = succeeded >= step.continue_on_success_ratio * total
    elif failures:
        enough = False
    result = fanout.aggregate(step, children, ctx.fanout_dir(placement.name))
    leaves = [leaf for c in children for leaf in c.leaves]
    phase = "Succeeded" if enough else "Failed"
    message = (
        None
        if enough
        else (
            f"{succeeded}/{total} items succeeded"
            if step.continue_on_num_success is not None or step.continue_on_success_ratio is not None
            else f"child '{failures[0].node.id}' failed"
            if failures and failures[0].node
            else None
        )
    )
    if group is not None:
        group.outputs = _argo_outputs(result.parameters, result.artifacts, step.template)
        ctx.recorder.finish(group, phase, message)
        leaves = leaves or [group]
    result.phase, result.message, result.node, result.leaves = phase, message, group, leaves
    if result.node is None and children:
        result.node = children[0].node
    return _tolerate(step, result)


def _tolerate(step: Any, result: StepResult) -> StepResult:
    if result.phase == "Failed" and (
        step.continue_on_failed
        or step.continue_on_num_success is not None
        or step.continue_on_success_ratio is not None
    ):
        result.tolerated = bool(step.continue_on_failed)
    if result.phase == "Error" and step.continue_on_error:
        result.tolerated = True
    return result


def _error_node(ctx: Any, placement: _Placement, step: Any, message: str) -> StepResult:
    result = _error_result(
        ctx,
        placement.name,
        placement.display,
        step.template,
        placement.boundary.id,
        placement.parents[0],
        message,
    )
    assert result.node is not None
    _attach(ctx, placement, result.node)
    return _tolerate(step, result)


def _error_result(
    ctx: Any, name: str, display: str, template: Any, boundary: str | None, parent: Node | None, message: str
) -> StepResult:
    """A step that could not start (a bad input at run time): an Error node, as on Argo."""
    node = ctx.recorder.add_node(
        name,
        display,
        "Pod",
        template_name=template.name,
        boundary_id=boundary,
        parent=parent,
        phase="Error",
        message=message,
    )
    ctx.recorder.finish(node, "Error", message)
    return StepResult("Error", node, message=message, leaves=[node])


def _run_single(
    ctx: Any,
    frame: Frame,
    step: Any,
    placement: _Placement,
    name: str,
    display: str,
    parent: Node,
    item: Any,
    fan_item: Any,
    limits: tuple[Semaphore, ...],
) -> Co:
    template = step.template
    boundary = placement.boundary.id
    where = f"{step.kind} {step.name!r}"
    try:
        key = _render_key(ctx, frame, step, item, name)
        if step.when is not None and not _condition(frame, step, item):
            node = ctx.recorder.add_node(
                name,
                display,
                "Skipped",
                template_name=template.name,
                boundary_id=boundary,
                parent=parent,
                phase="Skipped",
                message=f"when '{_rendered_when(frame, step, item)}' evaluated false",
                key=key,
            )
            return StepResult("Skipped", node, leaves=[node])
        params, arts = _resolve_inputs(frame, step, item, where)
        if fan_item is not None and step.slices is not None:
            fanout.check_sliced_inputs(step, params, arts)
    except (DflowJupyterError, ValueError, TypeError, KeyError) as exc:
        return _error_result(ctx, name, display, template, boundary, parent, str(exc))
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
        node.inputs = _argo_inputs(params, arts, template, key)
        node.outputs = _argo_outputs(params_out, arts_out, template)
        ctx.recorder.finish(node, "Succeeded", "reused", memoized=True)
        return StepResult("Succeeded", node, params_out, arts_out, params, arts, leaves=[node])
    if template.kind in ("Steps", "DAG"):
        ctx.enter_recursion(name)
        try:
            handle = yield Spawn(
                invoke_template(ctx, template, name, display, parent, boundary, params, arts, limits, key)
            )
            [result] = yield WaitAll([handle])
        finally:
            ctx.leave_recursion()
        if handle.error is not None:
            raise handle.error
        return result
    runs = fanout.slice_runs(step, fan_item, params, arts) if (fan_item is not None and step.slices) else None
    if runs is not None and step.slices is not None:
        params = {k: v for k, v in params.items() if k not in step.slices.input_parameter}
        arts = {k: v for k, v in arts.items() if k not in step.slices.input_artifact}
    result = yield from _run_pod(
        ctx, frame, step, name, display, parent, boundary, params, arts, key, item, runs, limits
    )
    return result


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
) -> Co:
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
        node.inputs = _argo_inputs(recorded, arts, template, key)
        for semaphore in limits:
            yield Acquire(semaphore)
        try:
            job = ctx.make_job(template, node, params, arts, key, frame, item, runs, attempt)
            outcome = yield RunJob(job)
        finally:
            for semaphore in reversed(limits):
                ctx.scheduler.release(semaphore)
        if outcome.slice_outputs is not None:
            out_params, out_arts = _stack_group(ctx, step, node, outcome.slice_outputs)
        else:
            out_params, out_arts = outcome.parameters, outcome.artifacts
        node.outputs = _argo_outputs(out_params, out_arts, template)
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
                grouped=runs is not None and step.slices.group_size is not None,
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


def _stack_group(ctx: Any, step: Any, node: Node, per_slice: list[dict[str, Any]]) -> tuple[dict, dict]:
    template = step.template
    params: dict[str, Any] = {n: [s.get(n) for s in per_slice] for n in template.outputs.parameters}
    arts: dict[str, Any] = {n: [s.get(n) for s in per_slice] for n in template.outputs.artifacts}
    if step.slices is not None and step.slices.group_size is None and len(per_slice) == 1:
        # One slice per item: its outputs are single values, stacked later by the fan-out.
        return {n: v[0] for n, v in params.items()}, {n: v[0] for n, v in arts.items()}
    return params, arts


# -- inputs, keys, conditions ------------------------------------------------------------------
def _resolve_inputs(frame: Frame, step: Any, item: Any, where: str) -> tuple[dict[str, Any], dict[str, Any]]:
    template = step.template
    params: dict[str, Any] = {}
    static = _static_parameters(step)
    for pname, decl in template.inputs.parameters.items():
        if pname in static:
            params[pname] = step.parameters[pname]
        elif pname in step.parameters:
            params[pname] = frame.resolve_parameter(
                step.parameters[pname], item, f"{where} input parameter {pname!r}"
            )
        elif decl.value is not UNSET:
            params[pname] = decl.value
    arts: dict[str, Any] = {}
    for aname, decl in template.inputs.artifacts.items():
        if aname in step.artifacts:
            arts[aname] = frame.resolve_artifact(
                step.artifacts[aname], item, f"{where} input artifact {aname!r}"
            )
        elif decl.source is not None:
            arts[aname] = decl.source
        if arts.get(aname) is None and not decl.optional and aname in step.artifacts:
            raise StepRuntimeError(
                f"{where}: input artifact {aname!r} has no value ({step.artifacts[aname]!r} produced none); "
                "mark it optional on the template if that is expected"
            )
    return params, arts


def _static_parameters(step: Any) -> frozenset[str]:
    """Names of the step's parameters given as plain literals (walked once per step, not per item).

    A sliced input of a 10,000-item fan-out is a 10,000-element list: resolving it for every
    item would make the fan-out quadratic.
    """
    cached = step.__dict__.get("_static_parameters")
    if cached is None or cached[0] != len(step.parameters):
        names = frozenset(name for name, value in step.parameters.items() if not _is_dynamic(value))
        cached = (len(step.parameters), names)
        step.__dict__["_static_parameters"] = cached
    return cached[1]  # type: ignore[no-any-return]


def _is_dynamic(value: Any) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, ArgoVar) or (isinstance(item, str) and "{{" in item):
            return True
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return False


def _render_key(ctx: Any, frame: Frame, step: Any, item: Any, node_name: str) -> str | None:
    if step.key is None:
        return None
    raw = step.key
    text = raw.expr if isinstance(raw, ArgoVar) else raw
    if isinstance(raw, ArgoVar):
        from dflow_jupyter.expr import evaluate_expression

        key = to_argo_string(evaluate_expression(text, frame.scope(item)))
    elif "{{" in text:
        from dflow_jupyter.expr import render_template

        key = render_template(text, frame.scope(item))
    else:
        key = text
    check_key(key, step.name)
    ctx.claim_key(key, node_name, step)
    return key


def _condition(frame: Frame, step: Any, item: Any) -> bool:
    when = step.when
    if isinstance(when, bool):
        return when
    from dflow_jupyter.expr import evaluate_when

    text = "{{=%s}}" % when.expr if isinstance(when, ArgoVar) else when
    return bool(evaluate_when(text, frame.scope(item)))


def _rendered_when(frame: Frame, step: Any, item: Any) -> str:
    when = step.when
    if isinstance(when, ArgoVar):
        return "{{=%s}}" % when.expr
    if isinstance(when, str) and "{{" in when:
        from dflow_jupyter.expr import render_template

        try:
            return render_template(when, frame.scope(item))
        except DflowJupyterError:
            return when
        except ValueError:
            return when
    return str(when)


# -- template outputs ---------------------------------------------------------------------------
def _template_outputs(template: Any, frame: Frame) -> tuple[dict[str, Any], dict[str, Any]]:
    from dflow_jupyter.expr import evaluate_expression

    params: dict[str, Any] = {}
    for pname, decl in template.outputs.parameters.items():
        where = f"{template.kind} {template.name!r} output parameter {pname!r}"
        try:
            if decl.value_from_parameter is not None:
                value = frame.resolve_parameter(decl.value_from_parameter, where=where)
            elif decl.value_from_expression is not None:
                expr = decl.value_from_expression
                text = expr.expr if isinstance(expr, ArgoVar) else str(expr)
                if text.startswith("{{=") and text.endswith("}}"):
                    text = text[3:-2]
                value = evaluate_expression(text, frame.scope())
            elif decl.value is not UNSET:
                value = frame.resolve_parameter(decl.value, where=where)
            elif decl.default is not UNSET:
                value = decl.default
            else:
                raise StepRuntimeError(
                    f"{where}: has no source; set value_from_parameter, value_from_expression or a default"
                )
        except (DflowJupyterError, ValueError, KeyError, TypeError):
            if decl.default is UNSET:
                raise
            value = decl.default
        if isinstance(value, str) and decl.type not in (None, str):
            try:
                value = from_argo_string(value)
            except ValueError:
                pass
        params[pname] = value
    arts: dict[str, Any] = {}
    for aname, decl in template.outputs.artifacts.items():
        where = f"{template.kind} {template.name!r} output artifact {aname!r}"
        if decl._from is not None:
            arts[aname] = frame.resolve_artifact(decl._from, where=where)
        elif decl.from_expression is not None:
            expr = decl.from_expression
            text = expr.expr if isinstance(expr, ArgoVar) else str(expr)
            arts[aname] = evaluate_expression(text, frame.artifact_scope())
    return params, arts


def _argo_inputs(
    params: dict[str, Any], arts: dict[str, Any], template: Any, key: str | None
) -> dict[str, Any]:
    from dflow_jupyter.status.wire import encode_artifacts, encode_parameters

    parameters = encode_parameters(params, template.inputs.parameters)
    if key is not None:
        parameters.append({"name": "dflow_key", "value": key})
    data: dict[str, Any] = {"parameters": parameters} if parameters else {}
    artifacts = encode_artifacts(arts)
    if artifacts:
        data["artifacts"] = artifacts
    return data


def _argo_outputs(params: dict[str, Any], arts: dict[str, Any], template: Any) -> dict[str, Any] | None:
    from dflow_jupyter.status.wire import encode_artifacts, encode_parameters

    data: dict[str, Any] = {}
    if params:
        data["parameters"] = encode_parameters(params, template.outputs.parameters)
    artifacts = encode_artifacts(arts)
    if artifacts:
        data["artifacts"] = artifacts
    return data or None


__all__ = ["ParameterTypeError", "invoke_template", "run_step"]
