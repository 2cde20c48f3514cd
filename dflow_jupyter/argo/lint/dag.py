"""DAG templates (``validateDAG``): dependencies, cycles, targets, and what each task may read."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.args import Arguments, FakeArguments
from dflow_jupyter.argo.lint.context import Base, Site, ValidationContext
from dflow_jupyter.argo.lint.io import validate_arguments
from dflow_jupyter.argo.lint.names import is_parameter, validate_field_names
from dflow_jupyter.argo.lint.scope import add_items_to_scope, add_outputs_to_scope
from dflow_jupyter.argo.lint.steps import validate_non_leaf
from dflow_jupyter.argo.lint.variables import Scope, unresolved

__all__ = ["task_dependencies", "validate_dag"]

# Argo's ``taskNameRegex``/``taskResultRegex`` (``workflow/common/ancestry.go``).
_TASK_NAME = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)|([a-zA-Z0-9][-a-zA-Z0-9]*)")
_TASK_RESULT = re.compile(r"([a-zA-Z0-9][-a-zA-Z0-9]*?\.[A-Z][a-zA-Z]+)")
_RESULTS = ("Succeeded", "Failed", "Skipped", "Omitted", "Errored", "Daemoned", "AnySucceeded", "AllFailed")
TASK, ITEMS = "task", "items"


def task_dependencies(task: Mapping[str, Any]) -> dict[str, str]:
    """The tasks ``task`` depends on (``depends`` or ``dependencies``), each ``task`` or ``items``."""
    depends = task.get("depends")
    text = (
        depends
        if isinstance(depends, str) and depends
        else " && ".join(map(str, task.get("dependencies") or []))
    )
    found: dict[str, str] = {}
    for match in _TASK_NAME.finditer(text):
        if match.group(1):
            name, result = match.group(1).split(".", 1)
            if result in ("AnySucceeded", "AllFailed"):
                found[name] = ITEMS
            else:
                found.setdefault(name, TASK)
        else:
            found[match.group(2)] = TASK
    return found


def _sorted(tasks: list[Mapping[str, Any]], deps: dict[str, dict[str, str]]) -> list[Mapping[str, Any]] | str:
    """The tasks in Argo's topological order (dependencies first), or Argo's error text."""
    names = [str(t.get("name")) for t in tasks]
    if len(set(names)) != len(names):
        duplicate = next(n for n in names if names.count(n) > 1)
        return f"duplicated nodeName {duplicate}"
    for name in names:
        for dep in deps[name]:
            if dep not in deps:
                return f"invalid dependency {dep}"
    pending = {name: len(deps[name]) for name in names}
    queue = [name for name in names if pending[name] == 0]
    head = 0
    while head < len(queue):
        current = queue[head]
        head += 1
        for name in names:
            if current in deps[name]:
                pending[name] -= 1
                if pending[name] == 0:
                    queue.append(name)
    if len(queue) != len(names):
        return "graph with cycle"
    by_name = {str(t.get("name")): t for t in tasks}
    return [by_name[name] for name in queue]


def _cycle(deps: dict[str, dict[str, str]], order: list[str]) -> str | None:
    """Argo's ``verifyNoCycles``: the first cycle found, as ``a->b->a``."""
    visited: set[str] = set()

    def walk(name: str, path: list[str]) -> str | None:
        if name in visited:
            return None
        for dep in deps.get(name, {}):
            if dep in path:
                return "->".join(path) + "->" + dep
            found = walk(dep, [*path, dep])
            if found:
                return found
        visited.add(name)
        return None

    for name in order:
        found = walk(name, [])
        if found:
            return found
    return None


def _ancestry(deps: dict[str, dict[str, str]], name: str) -> list[str]:
    seen: list[str] = []
    stack = list(deps.get(name, {}))
    while stack:
        current = stack.pop()
        if current in seen or current == name:
            continue
        seen.append(current)
        stack.extend(deps.get(current, {}))
    return seen


def validate_dag(
    ctx: ValidationContext, site: Site, scope: Scope, template: Mapping[str, Any], base: Base
) -> None:
    """Check the tasks of a DAG template (see ``_check_tasks`` and ``_check_references``)."""
    validate_non_leaf(ctx, site, template)
    name = template.get("name")
    dag = template.get("dag") or {}
    tasks = [t for t in dag.get("tasks") or [] if isinstance(t, Mapping)]
    if not tasks:
        ctx.error(site, f"templates.{name} must have at least one task")
        return
    deps = {str(t.get("name")): task_dependencies(t) for t in tasks}
    ordered = _sorted(tasks, deps)
    if isinstance(ordered, str):
        ctx.error(site, f"templates.{name} sorting failed: {ordered}", "dag")
        return
    tasks = ordered
    error = validate_field_names(tasks, params=False)
    if error:
        where = _index(template, tasks[error[0]])
        ctx.error(site, f"templates.{name}.tasks{error[1]}", "dag", "tasks", where, "name")
        return
    resolved = _check_tasks(ctx, site, scope, template, base, tasks, deps)
    cycle = _cycle(deps, [str(t.get("name")) for t in tasks])
    if cycle:
        ctx.error(site, f"templates.{name}.tasks dependency cycle detected: {cycle}", "dag")
        return
    target = dag.get("target")
    validation = ctx.options.template_validation
    for _, message in unresolved(target, scope, ctx.global_params, template_validation=validation):
        ctx.error(site, f"templates.{name}.targets {message}", "dag", "target")
    for target_name in str(target or "").split(" ") if target else []:
        if not is_parameter(target_name) and target_name not in deps:
            ctx.error(
                site, f"templates.{name}.targets: target '{target_name}' is not defined", "dag", "target"
            )
    _check_references(ctx, site, scope, template, base, tasks, deps, resolved)


def _index(template: Mapping[str, Any], task: Mapping[str, Any]) -> int:
    return next(i for i, t in enumerate((template.get("dag") or {}).get("tasks") or []) if t is task)


def _check_tasks(
    ctx: ValidationContext,
    site: Site,
    scope: Scope,
    template: Mapping[str, Any],
    base: Base,
    tasks: list[Mapping[str, Any]],
    deps: dict[str, dict[str, str]],
) -> dict[str, Any]:
    """Names, dependency rules and each task's template; returns the resolved templates."""
    assert ctx.validate_holder is not None
    name = template.get("name")
    using_depends = any(t.get("depends") for t in tasks)
    by_name = {str(t.get("name")): t for t in tasks}
    resolved: dict[str, Any] = {}
    for task in tasks:
        task_name = str(task.get("name"))
        here, label = site.at("dag", "tasks", _index(template, task)), f"templates.{name}.tasks.{task_name}"
        if (using_depends or task.get("dependencies")) and task_name[:1].isdigit():
            ctx.error(
                here, f"{label} name cannot begin with a digit when using either 'depends' or 'dependencies'"
            )
        if using_depends and task.get("dependencies"):
            ctx.error(
                here,
                f"templates.{name} cannot use both 'depends' and 'dependencies' in the same DAG template",
            )
        if using_depends and task.get("continueOn") is not None:
            ctx.error(
                here,
                f"templates.{name} cannot use 'continueOn' when using 'depends'. Instead use "
                "'dep-task.Failed'/'dep-task.Errored'",
            )
        found = ctx.validate_holder(ctx, here.wrap(label), task, base, FakeArguments(ctx.placeholders))
        resolved[task_name] = found
        aggregate = bool(task.get("withItems")) or bool(task.get("withParam"))
        add_outputs_to_scope(ctx, found, "tasks", task_name, scope, aggregate=aggregate)
        for match in _TASK_RESULT.finditer(str(task.get("depends") or "")):
            dep, result = match.group(1).split(".", 1)
            if result not in _RESULTS:
                ctx.error(here, f"{label} task result '{result}' for task '{dep}' is invalid", "depends")
        for dep, kind in deps[task_name].items():
            other = by_name.get(dep)
            if other is None:
                ctx.error(here, f"{label} dependency '{dep}' not defined")
            elif kind == ITEMS and not (
                other.get("withItems") or other.get("withParam") or other.get("withSequence")
            ):
                ctx.error(
                    here,
                    f"{label} dependency '{dep}' uses an items-based condition such as .AnySucceeded or "
                    ".AllFailed but does not contain any items",
                )
    return resolved


def _argument_dependencies(arguments: Mapping[str, Any], ancestry: list[str]) -> str | None:
    for kind, field in (("parameters", "value"), ("artifacts", "from")):
        for item in arguments.get(kind) or []:
            text = str(item.get(field) or "") if isinstance(item, Mapping) else ""
            if text.startswith("{{tasks."):
                ref = text.split(".")[1]
                if ref not in ancestry:
                    what = "parameter" if kind == "parameters" else "artifact"
                    return f"missing dependency '{ref}' for {what} '{item.get('name')}'"
    return None


def _check_references(
    ctx: ValidationContext,
    site: Site,
    scope: Scope,
    template: Mapping[str, Any],
    base: Base,
    tasks: list[Mapping[str, Any]],
    deps: dict[str, dict[str, str]],
    resolved: dict[str, Any],
) -> None:
    """What each task reads must come from an ancestor (only ancestors' ``status`` is visible)."""
    assert ctx.validate_holder is not None
    name = template.get("name")
    by_name = {str(t.get("name")): t for t in tasks}
    validation = ctx.options.template_validation
    for task in tasks:
        task_name = str(task.get("name"))
        here, label = site.at("dag", "tasks", _index(template, task)), f"templates.{name}.tasks.{task_name}"
        if task.get("hooks") is not None:
            scope[f"tasks.{task_name}.status"] = True
        add_outputs_to_scope(ctx, resolved.get(task_name), "tasks", task_name, scope)
        task_scope = dict(scope)
        ancestry = _ancestry(deps, task_name)
        for ancestor in ancestry:
            other = by_name[ancestor]
            aggregate = bool(other.get("withItems")) or bool(other.get("withParam"))
            add_outputs_to_scope(
                ctx, resolved.get(ancestor), "tasks", ancestor, task_scope, aggregate=aggregate, ancestor=True
            )
        inline = task.get("inline")
        if isinstance(inline, Mapping):
            for param in (inline.get("inputs") or {}).get("parameters") or []:
                task_scope[f"inputs.parameters.{param.get('name')}"] = ctx.placeholders.next()
        error = add_items_to_scope(task, task_scope)
        if error:
            ctx.error(here, f"{label} {error}")
        for where, message in unresolved(task, task_scope, ctx.global_params, template_validation=validation):
            ctx.error(here, f"{label} {message}", *where)
        arguments = task.get("arguments") or {}
        validate_arguments(ctx, here.at("arguments"), f"{label}.arguments.", arguments, False)
        error = _argument_dependencies(arguments, ancestry)
        if error:
            ctx.error(here, f"{label} {error}", "arguments")
        ctx.validate_holder(ctx, here.wrap(label), task, base, Arguments(arguments))
