"""A template's ``inputs`` and ``outputs`` sections, from its declarations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dflow_jupyter.argo.compile.values import artifact_source, description, expression, parameter_value
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.model.templates import OPTemplate
from dflow_jupyter.status.wire import to_argo_string

__all__ = ["build_inputs", "build_outputs"]

Redirect = Callable[[Any], "str | None"]


def _with_description(entry: dict[str, Any], kind: Any) -> dict[str, Any]:
    text = description(kind)
    if text is not None:
        entry["description"] = text
    return entry


def build_inputs(template: OPTemplate, *, leaf: bool) -> dict[str, Any]:
    """``inputs.parameters`` (defaults as ``value``) and ``inputs.artifacts`` (paths on leaves)."""
    params = []
    for name, decl in template.inputs.parameters.items():
        entry: dict[str, Any] = {"name": name}
        if decl.has_value:
            entry["value"] = parameter_value(decl.value)
        params.append(_with_description(entry, decl.type))
    arts = []
    for name, art in template.inputs.artifacts.items():
        entry = {"name": name}
        if leaf and art.path:
            entry["path"] = art.path
        if art.optional:
            entry["optional"] = True
        if art.mode is not None:
            entry["mode"] = art.mode
        if art.source is not None:
            entry.update(
                artifact_source(art.source, f"template {template.name!r} input artifact {name!r}") or {}
            )
        arts.append(entry)
    inputs: dict[str, Any] = {}
    if params:
        inputs["parameters"] = params
    if arts:
        inputs["artifacts"] = arts
    return inputs


def _value_from(decl: Any, where: str) -> dict[str, Any]:
    value_from: dict[str, Any] = {}
    if decl.value_from_path is not None:
        value_from["path"] = decl.value_from_path
    elif decl.value_from_parameter is not None:
        value_from["parameter"] = parameter_value(decl.value_from_parameter)
    elif decl.value_from_expression is not None:
        source = decl.value_from_expression
        value_from["expression"] = expression(source) if isinstance(source, ArgoVar) else str(source)
    if decl.default is not UNSET:
        value_from["default"] = to_argo_string(decl.default)
    return value_from


def _output_parameter(name: str, decl: Any, where: str) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name}
    if decl.value is not UNSET and decl.value_from_path is None and decl.value_from_parameter is None:
        entry["value"] = parameter_value(decl.value)
    else:
        entry["valueFrom"] = _value_from(decl, where)
    if decl.global_name:
        entry["globalName"] = decl.global_name
    return _with_description(entry, decl.type)


def _output_artifact(name: str, art: Any, *, leaf: bool, where: str, redirect: Redirect) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": name}
    if leaf and art.path:
        entry["path"] = art.path
    if art._from is not None:
        entry["from"] = redirect(art._from) or (artifact_source(art._from, where) or {}).get("from")
    elif art.from_expression is not None:
        source_expr = art.from_expression
        entry["fromExpression"] = (
            expression(source_expr) if isinstance(source_expr, ArgoVar) else str(source_expr)
        )
    if art.archive is None:
        entry["archive"] = {"none": {}}
    if art.global_name:
        entry["globalName"] = art.global_name
    if art.optional:
        entry["optional"] = True
    save = art.save[0] if isinstance(art.save, list) and art.save else art.save
    if save is not None:
        entry.update(artifact_source(save, where) or {})
    return entry


def _no_redirect(value: Any) -> str | None:
    return None


def build_outputs(template: OPTemplate, *, leaf: bool, redirect: Redirect = _no_redirect) -> dict[str, Any]:
    """``outputs.parameters`` and ``outputs.artifacts`` with their sources and global names.

    ``redirect`` gives the reference to read instead of a step's artifact, if any (the stacked
    artifact of a sliced step lives in its ``init-artifact`` helper's outputs).
    """
    where = f"template {template.name!r}"
    params = [
        _output_parameter(name, decl, f"{where} output parameter {name!r}")
        for name, decl in template.outputs.parameters.items()
    ]
    arts = [
        _output_artifact(name, art, leaf=leaf, where=f"{where} output artifact {name!r}", redirect=redirect)
        for name, art in template.outputs.artifacts.items()
    ]
    outputs: dict[str, Any] = {}
    if params:
        outputs["parameters"] = params
    if arts:
        outputs["artifacts"] = arts
    return outputs
