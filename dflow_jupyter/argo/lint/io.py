"""Inputs, outputs and arguments of templates and steps: Argo's checks, and the scope inputs bring."""

from __future__ import annotations

import posixpath
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.context import Site, ValidationContext
from dflow_jupyter.argo.lint.kinds import has_location_or_key, is_leaf, template_type, type_name
from dflow_jupyter.argo.lint.names import is_parameter, param_name_errors, validate_field_names
from dflow_jupyter.argo.lint.variables import Scope, go_string, unresolved

__all__ = ["validate_arguments", "validate_inputs", "validate_outputs"]


def _args_params(arguments: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [p for p in arguments.get("parameters") or [] if isinstance(p, dict)]


def validate_arguments(
    ctx: ValidationContext, site: Site, prefix: str, arguments: Mapping[str, Any], allow_empty: bool
) -> None:
    """Argo's ``validateArguments``: names, values or sources, enums, artifact sources."""
    for kind in ("parameters", "artifacts"):
        error = validate_field_names(arguments.get(kind) or [], params=True)
        if error:
            ctx.error(site, f"{prefix}{kind}{error[1]}", kind, error[0], "name")
            return
    for index, param in enumerate(_args_params(arguments)):
        name, here = param.get("name"), site.at("parameters", index)
        value_from = param.get("valueFrom")
        if value_from is None and param.get("value") is None and not allow_empty:
            ctx.error(here, f"{prefix}{name}.value or {prefix}{name}.valueFrom is required")
        if isinstance(value_from, Mapping):
            allowed = any(value_from.get(k) is not None for k in ("configMapKeyRef", "event", "supplied"))
            extra = any(value_from.get(k) for k in ("path", "jsonPath", "parameter", "expression"))
            if not allowed or extra:
                ctx.error(
                    here, f"{prefix}{name}.valueFrom only allows: default, configMapKeyRef and supplied"
                )
        enum = param.get("enum")
        if enum is not None:
            if len(enum) == 0:
                ctx.error(here, f"{prefix}{name}.enum should contain at least one value")
            elif param.get("value") is None:
                if allow_empty:
                    return  # Argo stops checking the remaining arguments here
                ctx.error(here, f"{prefix}{name}.value is required")
            elif go_string(param["value"]) not in [go_string(e) for e in enum]:
                ctx.error(here, f"{prefix}{name}.value should be present in {prefix}{name}.enum list")
    for index, art in enumerate(arguments.get("artifacts") or []):
        if not isinstance(art, Mapping):
            continue
        name, here = art.get("name"), site.at("artifacts", index)
        if not art.get("from") and not has_location_or_key(art):
            ctx.error(here, f"{prefix}{name}.from, artifact location, or key is required")
        if art.get("from") and art.get("fromExpression"):
            ctx.error(here, f"{prefix}{name} shouldn't have both `from` and `fromExpression` in Artifact")


def _clean_path_error(art: Mapping[str, Any]) -> str | None:
    """Argo's ``Artifact.CleanPath``: a path is required, and no ``..`` may leave its prefix."""
    path, name = str(art.get("path") or ""), art.get("name")
    if not path:
        return f"Artifact '{name}' did not specify a path"
    safe = ""
    if "/../" in path:
        safe = path.split("/../", 1)[0]
    elif path.endswith("/.."):
        safe = path[:-3]
    cleaned = posixpath.normpath(path)
    if cleaned.startswith("//"):
        cleaned = "/" + cleaned.lstrip("/")
    if safe and (not cleaned.startswith(safe + "/") or len(cleaned) <= len(safe) + 1):
        return (
            f"Artifact '{name}' attempted to use a path containing '..'. Directory traversal is not permitted"
        )
    return None


def _check_location(ctx: ValidationContext, site: Site, prefix: str, art: Mapping[str, Any]) -> None:
    git = art.get("git")
    if isinstance(git, Mapping) and not git.get("repo"):
        ctx.error(site, f"{prefix}.git.repo is required")


def validate_inputs(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> Scope:
    """Argo's ``validateInputs``: the names, and the scope the inputs bring."""
    name = template.get("name")
    inputs = template.get("inputs") or {}
    for kind in ("parameters", "artifacts"):
        error = validate_field_names(inputs.get(kind) or [], params=True)
        if error:
            ctx.error(site, f"templates.{name}.inputs.{kind}{error[1]}", "inputs", kind, error[0], "name")
    scope: Scope = {}
    params = [p for p in inputs.get("parameters") or [] if isinstance(p, Mapping)]
    for param in params:
        scope[f"inputs.parameters.{param.get('name')}"] = True
    if params:
        scope["inputs.parameters"] = True
    for index, art in enumerate(inputs.get("artifacts") or []):
        if not isinstance(art, Mapping):
            continue
        ref, here = f"inputs.artifacts.{art.get('name')}", site.at("inputs", "artifacts", index)
        scope[ref] = True
        if is_leaf(template):
            problem = _clean_path_error(art)
            if problem:
                ctx.error(here, f"error in templates.{name}.{ref}: {problem}")
            scope[f"{ref}.path"] = True
        elif art.get("path"):
            ctx.error(here, f"templates.{name}.{ref}.path only valid in container/script templates")
        if art.get("from"):
            ctx.error(here, f"templates.{name}.{ref}.from not valid in inputs")
        _check_location(ctx, here, f"templates.{name}.{ref}", art)
    return scope


def _validate_output_parameter(ref: str, param: Mapping[str, Any]) -> str | None:
    value_from = param.get("valueFrom")
    if value_from is not None and param.get("value") is not None:
        return f"{ref} has both valueFrom and value specified, choose one"
    if param.get("value") is not None:
        return None
    if not isinstance(value_from, Mapping):
        return f"{ref} does not have valueFrom or value specified"
    kinds = sum(1 for k in ("path", "jqFilter", "jsonPath", "parameter", "expression") if value_from.get(k))
    kinds += value_from.get("supplied") is not None
    if kinds == 0:
        return (
            "valueFrom type unspecified. choose one of: path, jqFilter, jsonPath, parameter, raw, expression"
        )
    if kinds > 1:
        return "multiple valueFrom types specified. choose one of: path, jqFilter, jsonPath, parameter, raw"
    return None


def _value_from_kind_error(
    ref: str, template: Mapping[str, Any], value_from: Mapping[str, Any]
) -> str | None:
    kind, shown = template_type(template), type_name(template)
    if kind in ("container", "containerSet", "script") and not value_from.get("path"):
        return f"{ref}.path must be specified for {shown} templates"
    if kind == "resource" and not (value_from.get("jqFilter") or value_from.get("jsonPath")):
        return f"{ref} .jqFilter or jsonPath must be specified for {shown} templates"
    if kind in ("dag", "steps"):
        if not value_from.get("parameter") and not value_from.get("expression"):
            return f"{ref}.parameter or expression must be specified for {shown} templates"
        if value_from.get("parameter") and value_from.get("expression"):
            return (
                f"{ref} shouldn't have both `from` and `expression` specified in `ValueFrom` "
                f"for {shown} templates"
            )
    return None


def validate_outputs(ctx: ValidationContext, site: Site, scope: Scope, template: Mapping[str, Any]) -> None:
    """Argo's ``validateOutputs``: names, variables, paths, and where each value comes from."""
    name = template.get("name")
    outputs = template.get("outputs") or {}
    for kind in ("parameters", "artifacts"):
        error = validate_field_names(outputs.get(kind) or [], params=True)
        if error:
            ctx.error(site, f"templates.{name}.outputs.{kind} {error[1]}", "outputs", kind, error[0], "name")
    validation = ctx.options.template_validation
    for where, message in unresolved(outputs, scope, ctx.global_params, template_validation=validation):
        ctx.error(site, f"templates.{name}.outputs {message}", "outputs", *where)
    for index, art in enumerate(outputs.get("artifacts") or []):
        if not isinstance(art, Mapping):
            continue
        ref, here = f"outputs.artifacts.{art.get('name')}", site.at("outputs", "artifacts", index)
        if is_leaf(template):
            problem = _clean_path_error(art)
            if problem:
                ctx.error(here, f"error in templates.{name}.{ref}: {problem}")
        elif art.get("path"):
            ctx.error(here, f"templates.{name}.{ref}.path only valid in container/script templates")
        global_name = art.get("globalName")
        if global_name and not is_parameter(global_name) and param_name_errors(global_name):
            ctx.error(here, f"templates.{name}.{ref}.globalName: {param_name_errors(global_name)[0]}")
    for index, param in enumerate(outputs.get("parameters") or []):
        if not isinstance(param, Mapping):
            continue
        ref, here = (
            f"templates.{name}.outputs.parameters.{param.get('name')}",
            site.at("outputs", "parameters", index),
        )
        problem = _validate_output_parameter(ref, param)
        value_from = param.get("valueFrom")
        if problem is None and isinstance(value_from, Mapping):
            problem = _value_from_kind_error(ref, template, value_from)
        if problem:
            ctx.error(here, problem)
        global_name = param.get("globalName")
        if global_name and not is_parameter(global_name) and param_name_errors(global_name):
            ctx.error(here, f"{ref}.globalName: {param_name_errors(global_name)[0]}")
