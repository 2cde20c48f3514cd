"""What a step gives back: a template's outputs, sliced pods' stacked outputs, nodes' Argo inputs/outputs."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.engine.frame import Frame
from dflow_jupyter.errors import DflowJupyterError, StepRuntimeError
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.status.wire import encode_artifacts, encode_parameters, from_argo_string


def template_outputs(template: Any, frame: Frame) -> tuple[dict[str, Any], dict[str, Any]]:
    """The output parameters and artifacts of a finished Steps or DAG invocation ``frame``."""
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


def stack_slice_outputs(step: Any, per_slice: list[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The outputs of a sliced pod: one list per output over its slices (single values for one slice)."""
    template = step.template
    params: dict[str, Any] = {n: [s.get(n) for s in per_slice] for n in template.outputs.parameters}
    arts: dict[str, Any] = {n: [s.get(n) for s in per_slice] for n in template.outputs.artifacts}
    if step.slices is not None and step.slices.group_size is None and len(per_slice) == 1:
        # One slice per item: its outputs are single values, stacked later by the fan-out.
        return {n: v[0] for n, v in params.items()}, {n: v[0] for n, v in arts.items()}
    return params, arts


def argo_inputs(
    params: dict[str, Any], arts: dict[str, Any], template: Any, key: str | None
) -> dict[str, Any]:
    """A node's Argo ``inputs`` (with dflow's ``dflow_key`` parameter for a keyed step)."""
    parameters = encode_parameters(params, template.inputs.parameters)
    if key is not None:
        parameters.append({"name": "dflow_key", "value": key})
    data: dict[str, Any] = {"parameters": parameters} if parameters else {}
    artifacts = encode_artifacts(arts)
    if artifacts:
        data["artifacts"] = artifacts
    return data


def argo_outputs(params: dict[str, Any], arts: dict[str, Any], template: Any | None) -> dict[str, Any] | None:
    """A node's Argo ``outputs``, or None if it has none.

    ``template`` gives the declared types; without one, each value is described by its own type.
    """
    data: dict[str, Any] = {}
    if params:
        data["parameters"] = encode_parameters(
            params, template.outputs.parameters if template is not None else None
        )
    artifacts = encode_artifacts(arts)
    if artifacts:
        data["artifacts"] = artifacts
    return data or None
