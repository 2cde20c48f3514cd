"""Steps and DAG templates: groups of steps, and tasks with their dependencies."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.argo.compile.signature import build_inputs, build_outputs
from dflow_jupyter.argo.compile.step import StepParts, Templates, build_step
from dflow_jupyter.model.dag import DAG
from dflow_jupyter.model.steps import Steps

__all__ = ["build_container"]


def _head(template: Any, name: str, keyed: bool, templates: Templates) -> dict[str, Any]:
    body: dict[str, Any] = {"name": name}
    inputs = build_inputs(template, leaf=False)
    if keyed:
        inputs.setdefault("parameters", []).append({"name": "dflow_key", "value": ""})
    if inputs:
        body["inputs"] = inputs
    outputs = build_outputs(template, leaf=False, redirect=templates.artifact_redirect)
    if outputs:
        body["outputs"] = outputs
    metadata = {
        k: v for k, v in (("annotations", dict(template.annotations)), ("labels", dict(template.labels))) if v
    }
    if metadata:
        body["metadata"] = metadata
    return body


def _steps(template: Steps, body: dict[str, Any], templates: Templates) -> None:
    groups: list[list[dict[str, Any]]] = []
    for group in template.steps:
        parts = [build_step(step, templates.rendered(step), templates) for step in group]
        before = [b for p in parts for b in p.before]
        after = [a for p in parts for a in p.after]
        if before:
            groups.append(before)
        groups.append([p.entry for p in parts])
        if after:
            groups.append(after)
    body["steps"] = groups


def _dag(template: DAG, body: dict[str, Any], templates: Templates) -> None:
    from dflow_jupyter.model.validate import dag_dependencies

    deps = dag_dependencies(template)
    parts: dict[str, StepParts] = {
        t.name: build_step(t, templates.rendered(t), templates) for t in template.tasks
    }
    # A task waits for the success check of what it depends on, as the engine's step would fail.
    checks = {name: [a["name"] for a in p.after] for name, p in parts.items()}
    tasks: list[dict[str, Any]] = []
    for task in template.tasks:
        part = parts[task.name]
        tasks.extend(part.before)
        needs = [d for dep in deps[task.name] for d in (dep, *checks[dep])] + [b["name"] for b in part.before]
        if needs:
            part.entry["dependencies"] = needs
        tasks.append(part.entry)
        for check in part.after:
            tasks.append({**check, "dependencies": [task.name]})
    body["dag"] = {"tasks": tasks}


def build_container(template: Any, name: str, templates: Templates, keyed: bool) -> dict[str, Any]:
    """The Argo template of a ``Steps`` or ``DAG`` template (its steps' templates named by ``templates``)."""
    body = _head(template, name, keyed, templates)
    if isinstance(template, Steps):
        _steps(template, body, templates)
    else:
        _dag(template, body, templates)
    if template.parallelism is not None:
        body["parallelism"] = template.parallelism
    return body
