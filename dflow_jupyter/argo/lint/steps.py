"""Steps templates (``validateSteps``): names, loops, arguments, references in order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.args import Arguments, FakeArguments
from dflow_jupyter.argo.lint.context import Base, Site, ValidationContext
from dflow_jupyter.argo.lint.io import validate_arguments
from dflow_jupyter.argo.lint.names import step_name_errors
from dflow_jupyter.argo.lint.scope import add_items_to_scope, add_outputs_to_scope
from dflow_jupyter.argo.lint.variables import Scope, unresolved

__all__ = ["has_exit_hook", "validate_hooks", "validate_non_leaf", "validate_steps"]


def validate_non_leaf(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> None:
    if template.get("activeDeadlineSeconds") is not None:
        ctx.error(
            site,
            f"templates.{template.get('name')}.activeDeadlineSeconds is only valid for leaf templates",
            "activeDeadlineSeconds",
        )


def validate_hooks(ctx: ValidationContext, site: Site, hooks: Any, base_name: str) -> None:
    """Every hook but ``exit`` needs an ``expression`` saying when it runs."""
    if not isinstance(hooks, Mapping):
        return
    for name, hook in hooks.items():
        if name != "exit" and not (isinstance(hook, Mapping) and hook.get("expression")):
            ctx.error(site, f"{base_name}.{name} Expression required", "hooks", name)


def has_exit_hook(step: Mapping[str, Any]) -> bool:
    hooks = step.get("hooks")
    return bool(step.get("onExit")) or (isinstance(hooks, Mapping) and "exit" in hooks)


def _groups(template: Mapping[str, Any]) -> list[list[Any]]:
    groups = template.get("steps") or []
    return [g if isinstance(g, list) else [] for g in groups]


def validate_steps(
    ctx: ValidationContext, site: Site, scope: Scope, template: Mapping[str, Any], base: Base
) -> None:
    """Check each step in order; a step sees only the steps of earlier groups (and its own status)."""
    assert ctx.validate_holder is not None
    validate_non_leaf(ctx, site, template)
    name = template.get("name")
    seen: set[str] = set()
    for i, group in enumerate(_groups(template)):
        for j, step in enumerate(group):
            here = site.at("steps", i, j)
            if not isinstance(step, Mapping):
                continue
            step_name = str(step.get("name") or "")
            if not step_name:
                ctx.error(here, f"templates.{name}.steps[{i}].name is required")
                continue
            if step_name in seen:
                ctx.error(here, f"templates.{name}.steps[{i}].name '{step_name}' is not unique")
                continue
            errors = step_name_errors(step_name)
            if errors:
                ctx.error(
                    here, f"templates.{name}.steps[{i}].name '{step_name}' is invalid: {';'.join(errors)}"
                )
                continue
            seen.add(step_name)
            _validate_step(ctx, here, scope, template, base, step, f"templates.{name}.steps[{i}].{step_name}")


def _validate_step(
    ctx: ValidationContext,
    here: Site,
    scope: Scope,
    template: Mapping[str, Any],
    base: Base,
    step: Mapping[str, Any],
    label: str,
) -> None:
    assert ctx.validate_holder is not None
    step_name = str(step["name"])
    scope[f"steps.{step_name}.status"] = True
    error = add_items_to_scope(step, scope)
    if error:
        ctx.error(here, f"{label} {error}")
    validate_arguments(ctx, here.at("arguments"), f"{label}.arguments.", step.get("arguments") or {}, False)
    resolved = ctx.validate_holder(ctx, here.wrap(label), step, base, FakeArguments(ctx.placeholders))
    if has_exit_hook(step):
        add_outputs_to_scope(ctx, resolved, "steps", step_name, scope)
    validate_hooks(ctx, here, step.get("hooks"), label)
    step_scope = dict(scope)
    inline = step.get("inline")
    if isinstance(inline, Mapping):
        for param in (inline.get("inputs") or {}).get("parameters") or []:
            step_scope[f"inputs.parameters.{param.get('name')}"] = ctx.placeholders.next()
    validation = ctx.options.template_validation
    for where, message in unresolved(step, step_scope, ctx.global_params, template_validation=validation):
        ctx.error(here, f"templates.{template.get('name')}.steps {message}", *where)
    aggregate = bool(step.get("withItems")) or bool(step.get("withParam"))
    add_outputs_to_scope(ctx, resolved, "steps", step_name, scope, aggregate=aggregate)
    ctx.validate_holder(ctx, here.wrap(label), step, base, Arguments(step.get("arguments")))
