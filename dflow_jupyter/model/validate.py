"""Checks a workflow before anything runs: references, DAG cycles, expressions, recursion."""

from __future__ import annotations

import graphlib
from typing import Any

from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.model.dag import DAG
from dflow_jupyter.model.expressions import ArgoVar
from dflow_jupyter.model.refs import referenced_names, referenced_steps
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.model.templates import OPTemplate


def _step_values(step: Step) -> list[Any]:
    """Everything of ``step`` that may refer to other steps."""
    values = [
        *step.parameters.values(),
        *step.artifacts.values(),
        step.when,
        step.with_param,
        step.key,
    ]
    if step.with_sequence is not None:
        values.extend(vars(step.with_sequence).values())
    return values


def dag_dependencies(dag: DAG) -> dict[str, list[str]]:
    """Each task's upstream task names: explicit ``dependencies`` plus data references.

    Raises
    ------
    WorkflowDefinitionError
        If a task depends on, or reads from, something that is not a task of ``dag``, or if the
        dependencies form a cycle (the message spells the cycle out).
    """
    cached = dag._dependency_cache
    if cached is not None and cached[0] == len(dag.tasks):
        return cached[1]
    names = {task.name for task in dag.tasks}
    deps: dict[str, list[str]] = {}
    for task in dag.tasks:
        upstream: list[str] = []
        for dep in task.dependencies:
            # dflow also takes Argo's ``depends`` spellings: "a.Succeeded", "(a)".
            dep_name = dep.name if isinstance(dep, Step) else dep.split(".", 1)[0].strip("() ")
            if dep_name not in names:
                raise WorkflowDefinitionError(
                    f"task {task.name!r} depends on {dep_name!r}, which is not a task of DAG {dag.name!r}; "
                    f"its tasks are {', '.join(sorted(names))}"
                )
            upstream.append(dep_name)
        for value in _step_values(task):
            for ref in referenced_steps(value):
                if ref is task:
                    continue
                if ref.name not in names or not any(t is ref for t in dag.tasks):
                    raise WorkflowDefinitionError(
                        f"task {task.name!r} reads from {ref.kind} {ref.name!r}, which is not part of "
                        f"DAG {dag.name!r}; add it to the DAG (or pass the value in as a DAG input)"
                    )
                upstream.append(ref.name)
            for kind, ref_name in referenced_names(value):
                if kind == "tasks":
                    if ref_name not in names:
                        raise WorkflowDefinitionError(
                            f"task {task.name!r} refers to tasks.{ref_name}, which is not a task of "
                            f"DAG {dag.name!r}"
                        )
                    if ref_name != task.name:
                        upstream.append(ref_name)
        deps[task.name] = list(dict.fromkeys(upstream))
    try:
        tuple(graphlib.TopologicalSorter(deps).static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise WorkflowDefinitionError(f"DAG {dag.name!r} has a dependency cycle: {cycle}") from None
    dag._dependency_cache = (len(dag.tasks), deps)
    return deps


def _check_steps(template: Steps) -> None:
    seen: dict[str, int] = {}
    for index, group in enumerate(template.steps):
        for step in group:
            if step.name in seen:
                raise WorkflowDefinitionError(f"Steps {template.name!r}: duplicate step name {step.name!r}")
            seen[step.name] = index
    members = {id(step): seen[step.name] for group in template.steps for step in group}
    for index, group in enumerate(template.steps):
        for step in group:
            for value in _step_values(step):
                for ref in referenced_steps(value):
                    if ref is step and value is not step.key:
                        continue
                    where = members.get(id(ref))
                    if where is None:
                        raise WorkflowDefinitionError(
                            f"step {step.name!r} reads from {ref.kind} {ref.name!r}, which is not part of "
                            f"template {template.name!r}; add it to the template before {step.name!r}"
                        )
                    if where >= index and ref is not step:
                        raise WorkflowDefinitionError(
                            f"step {step.name!r} reads from step {ref.name!r}, which runs in the same or a "
                            f"later group of {template.name!r}; add {ref.name!r} in an earlier add() call"
                        )
                for kind, ref_name in referenced_names(value):
                    if kind == "steps" and ref_name not in seen:
                        raise WorkflowDefinitionError(
                            f"step {step.name!r} refers to steps.{ref_name}, which is not a step of "
                            f"template {template.name!r}"
                        )


def _check_expressions(step: Step) -> None:
    from dflow_jupyter.expr import ExpressionError, check_expression, check_template, check_when

    field = "when: "
    try:
        if isinstance(step.when, str):
            check_when(step.when)
        elif isinstance(step.when, ArgoVar) and not hasattr(step.when, "_scope"):
            check_expression(step.when.expr)
        fields = {"key": step.key, "with_param": step.with_param}
        fields.update((f"input parameter {name!r}", v) for name, v in step.parameters.items())
        for name, value in fields.items():
            field = f"{name}: "
            if isinstance(value, ArgoVar) and not hasattr(value, "_scope"):
                check_expression(value.expr)
            elif isinstance(value, str) and "{{" in value:
                check_template(value)
    except ExpressionError as exc:
        if field == "when: " and "'when'" in str(exc):
            field = ""  # the error says it is about the `when` condition already
        raise WorkflowDefinitionError(f"{step.kind} {step.name!r}: {field}{exc}") from None


def validate(entry: OPTemplate) -> None:
    """Validate the template tree under ``entry`` (each template once, recursion included).

    Raises
    ------
    WorkflowDefinitionError
        On the first problem found: a dangling or out-of-order reference, a DAG cycle, a bad
        expression, or a recursion that no ``when`` condition can stop.
    """
    visited: set[int] = set()
    stack: list[tuple[OPTemplate, tuple[OPTemplate, ...], bool]] = [(entry, (), False)]
    while stack:
        template, path, guarded = stack.pop()
        if not isinstance(template, (Steps, DAG)):
            continue
        if any(t is template for t in path):
            if not guarded:
                chain = " -> ".join(t.name for t in (*path, template))
                raise WorkflowDefinitionError(
                    f"recursion without a reachable stop: template {template.name!r} uses itself "
                    f"({chain}) and no step on the way has a `when` condition; add when=... to the "
                    "recursive step so that the loop can end"
                )
            continue
        if id(template) not in visited:
            visited.add(id(template))
            if isinstance(template, Steps):
                _check_steps(template)
            else:
                dag_dependencies(template)
            for step in template.all_steps():
                _check_expressions(step)
        for step in template.all_steps():
            stack.append((step.template, (*path, template), guarded or step.when is not None))
