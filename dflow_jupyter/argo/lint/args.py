"""Argo's ``ProcessArgs``: a template with its inputs bound to arguments and its variables filled."""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.kinds import has_location_or_key
from dflow_jupyter.argo.lint.names import Placeholders
from dflow_jupyter.argo.lint.variables import go_string, substitute

__all__ = ["Arguments", "FakeArguments", "process_args"]


class Arguments:
    """The arguments a step, a task or the workflow passes (``{parameters: [...], artifacts: [...]}``)."""

    def __init__(self, arguments: Mapping[str, Any] | None) -> None:
        arguments = arguments or {}
        self._params = {p.get("name"): p for p in arguments.get("parameters") or [] if isinstance(p, Mapping)}
        self._arts = {a.get("name"): a for a in arguments.get("artifacts") or [] if isinstance(a, Mapping)}

    def parameter(self, name: str) -> Mapping[str, Any] | None:
        return self._params.get(name)

    def artifact(self, name: str) -> Mapping[str, Any] | None:
        return self._arts.get(name)


class FakeArguments(Arguments):
    """What Argo binds when it checks a template on its own: every input supplied, values unknown."""

    def __init__(self, placeholders: Placeholders) -> None:
        super().__init__(None)
        self._placeholders = placeholders

    def parameter(self, name: str) -> Mapping[str, Any] | None:
        return {"name": name, "value": self._placeholders.next()}

    def artifact(self, name: str) -> Mapping[str, Any] | None:
        return {"name": name}


def _bind_parameter(param: dict[str, Any], args: Arguments) -> str | None:
    if param.get("value") is None and param.get("default") is not None:
        param["value"] = param["default"]
    arg = args.parameter(str(param.get("name")))
    if arg is not None:
        if arg.get("value") is not None:
            param["value"], param["valueFrom"] = arg["value"], None
        else:
            param["valueFrom"], param["value"] = arg.get("valueFrom"), None
    value_from = param.get("valueFrom")
    if isinstance(value_from, Mapping) and value_from.get("configMapKeyRef") is not None:
        return None  # read from the ConfigMap when the workflow runs
    if param.get("value") is None:
        return f"inputs.parameters.{param.get('name')} was not supplied"
    return None


def _substitute_params(
    template: dict[str, Any], global_params: Mapping[str, Any], local_params: Mapping[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """Argo's ``SubstituteParams``: globals and locals first, then inputs and declared paths."""
    mapping: dict[str, Any] = {**global_params, **local_params}
    replaced: dict[str, Any] = substitute(template, mapping)
    inputs = replaced.get("inputs") or {}
    params = [p for p in inputs.get("parameters") or [] if isinstance(p, Mapping)]
    for param in params:
        if param.get("value") is None and param.get("valueFrom") is None:
            return None, f"inputs.parameters.{param.get('name')} had no value"
        if param.get("value") is not None:
            mapping[f"inputs.parameters.{param.get('name')}"] = go_string(param["value"])
    mapping["inputs.parameters"] = json.dumps(params)
    for art in inputs.get("artifacts") or []:
        if isinstance(art, Mapping) and art.get("path"):
            mapping[f"inputs.artifacts.{art.get('name')}.path"] = art["path"]
    outputs = replaced.get("outputs") or {}
    for art in outputs.get("artifacts") or []:
        if isinstance(art, Mapping) and art.get("path"):
            mapping[f"outputs.artifacts.{art.get('name')}.path"] = art["path"]
    for param in outputs.get("parameters") or []:
        value_from = param.get("valueFrom") if isinstance(param, Mapping) else None
        if isinstance(value_from, Mapping) and value_from.get("path"):
            mapping[f"outputs.parameters.{param.get('name')}.path"] = value_from["path"]
    return substitute(replaced, mapping), None


def process_args(
    template: Mapping[str, Any],
    args: Arguments,
    global_params: Mapping[str, Any],
    local_params: Mapping[str, Any],
    *,
    bind_only: bool = False,
) -> tuple[dict[str, Any] | None, str | None]:
    """``template`` with inputs bound to ``args`` and variables substituted, or Argo's error.

    Returns
    -------
    (template, None) or (None, message)
        The message is Argo's, e.g. ``inputs.parameters.message was not supplied``. With
    ``bind_only`` (a template checked already) only the binding and the ``timeout`` field are
    worked out, which is all the caller still reads.
    """
    # Only the inputs are changed in place; substitution builds new values for the rest.
    new: dict[str, Any] = {**template, "inputs": copy.deepcopy(template.get("inputs") or {})}
    inputs = new.get("inputs") or {}
    for param in inputs.get("parameters") or []:
        if isinstance(param, dict):
            error = _bind_parameter(param, args)
            if error:
                return None, error
    artifacts = inputs.get("artifacts") or []
    for index, art in enumerate(artifacts):
        if not isinstance(art, Mapping):
            continue
        arg = args.artifact(str(art.get("name")))
        if not art.get("optional") and not has_location_or_key(art) and arg is None:
            return None, f"inputs.artifacts.{art.get('name')} was not supplied"
        if arg is not None:
            bound = dict(arg)
            for key in ("path", "mode", "recurseMode"):
                if key in art:
                    bound[key] = art[key]
                else:
                    bound.pop(key, None)
            artifacts[index] = bound
    if bind_only:
        if isinstance(new.get("timeout"), str):
            new["timeout"] = substitute(new["timeout"], {**global_params, **local_params})
        return new, None
    return _substitute_params(new, global_params, local_params)
