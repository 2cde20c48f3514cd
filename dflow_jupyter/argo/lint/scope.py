"""What a step or task brings into the scope of the steps after it (Argo's ``add*ToScope``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.context import ValidationContext
from dflow_jupyter.argo.lint.kinds import template_type
from dflow_jupyter.argo.lint.names import is_parameter
from dflow_jupyter.argo.lint.variables import (
    ANY_ITEM,
    ANY_WORKFLOW_OUTPUT_ARTIFACT,
    ANY_WORKFLOW_OUTPUT_PARAMETER,
    Scope,
)

__all__ = ["add_items_to_scope", "add_outputs_to_scope"]


def add_items_to_scope(step: Mapping[str, Any], scope: Scope) -> str | None:
    """Argo's ``addItemsToScope``: what ``{{item...}}`` may name; returns an error or None."""
    items, param, sequence = step.get("withItems"), step.get("withParam"), step.get("withSequence")
    if sum(1 for x in (items, param, sequence) if x) > 1 or (items and param):
        return "only one of withItems, withParam, withSequence can be specified"
    if items:
        for value in items:
            if isinstance(value, Mapping):
                scope.update({f"item.{key}": True for key in value})
            elif isinstance(value, list):
                scope.update({f"item.[{i}]": True for i in range(len(value))})
            else:
                scope["item"] = True
    elif param:
        scope["item"] = True
        scope[ANY_ITEM] = True
    elif sequence is not None:
        if (
            isinstance(sequence, Mapping)
            and sequence.get("count") is not None
            and sequence.get("end") is not None
        ):
            return "only one of count or end can be defined in withSequence"
        scope["item"] = True
    return None


def _has_output(template: Mapping[str, Any]) -> bool:
    """Argo's ``HasOutput``: a template whose ``outputs.result`` and ``exitCode`` exist."""
    return template_type(template) in ("container", "containerSet", "script", "data", "http", "plugin")


def add_outputs_to_scope(
    ctx: ValidationContext,
    template: Mapping[str, Any] | None,
    prefix: str,
    name: str,
    scope: Scope,
    *,
    aggregate: bool = False,
    ancestor: bool = False,
) -> None:
    """Argo's ``addOutputsToScope`` for step or task ``name`` (``prefix`` is steps or tasks)."""
    ref = f"{prefix}.{name}"
    for key in ("id", "startedAt", "finishedAt", "hostNodeName"):
        scope[f"{ref}.{key}"] = True
    if template is None:
        return
    if template.get("daemon"):
        scope[f"{ref}.ip"] = True
    if _has_output(template):
        scope[f"{ref}.outputs.result"] = True
        scope[f"{ref}.exitCode"] = True
    outputs = template.get("outputs") or {}
    for kind, any_global in (
        ("parameters", ANY_WORKFLOW_OUTPUT_PARAMETER),
        ("artifacts", ANY_WORKFLOW_OUTPUT_ARTIFACT),
    ):
        for out in outputs.get(kind) or []:
            if not isinstance(out, Mapping):
                continue
            scope[f"{ref}.outputs.{kind}.{out.get('name')}"] = True
            global_name = out.get("globalName")
            if global_name:
                if is_parameter(global_name):
                    scope[any_global] = True
                else:
                    key = f"workflow.outputs.{kind}.{global_name}"
                    scope[key] = True
                    ctx.global_params[key] = ctx.placeholders.next()
    if aggregate:
        if template_type(template) in ("script", "containerSet"):
            scope[f"{ref}.outputs.result"] = True
            scope[f"{ref}.exitCode"] = True
        scope[f"{ref}.outputs.parameters"] = True
    if ancestor:
        scope[f"{ref}.status"] = True
