"""Argo's OpenAPI spec (v4.1.2) for the FAKE Argo Server: routes, query parameters, bodies.

The fake serves exactly the spec's paths, refuses query parameters an operation does not
declare (the real server ignores them, which would hide a misspelt parameter), and validates
request bodies against the spec's definitions, patched as the Argo materials README explains
(int-or-string, parameter values as numbers or booleans, nullable times) and made strict
(``additionalProperties: false``), because the real server drops unknown fields silently.
"""

from __future__ import annotations

import copy
import functools
import json
import re
from dataclasses import dataclass
from typing import Any

import jsonschema

from .timeline import MATERIALS


@dataclass(frozen=True)
class Route:
    template: str
    pattern: re.Pattern[str]
    operations: dict[str, dict[str, Any]]


@functools.lru_cache(maxsize=1)
def spec() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((MATERIALS / "swagger.json").read_text())
    return data


@functools.lru_cache(maxsize=1)
def routes() -> list[Route]:
    found = []
    for template, operations in spec()["paths"].items():
        regex = re.sub(r"\{([^}/]+)\}", r"(?P<\1>[^/]+)", template)
        found.append(Route(template, re.compile(f"^{regex}$"), operations))
    # Literal segments win over parameters: /workflows/{ns}/lint before /workflows/{ns}/{name}.
    found.sort(key=lambda r: (r.template.count("{"), -len(r.template)))
    return found


def match(method: str, path: str) -> tuple[Route | None, dict[str, str], bool]:
    """The route of ``path``, its path parameters, and whether it has ``method``."""
    fallback: tuple[Route | None, dict[str, str], bool] = (None, {}, False)
    for route in routes():
        m = route.pattern.match(path)
        if m is None:
            continue
        if method.lower() in route.operations:
            return route, m.groupdict(), True
        if fallback[0] is None:
            fallback = (route, m.groupdict(), False)
    return fallback


def unknown_query(route: Route, method: str, names: list[str]) -> list[str]:
    declared = {
        p["name"] for p in route.operations[method.lower()].get("parameters", []) if p.get("in") == "query"
    }
    return [n for n in names if n not in declared]


def _patched_definitions() -> dict[str, Any]:
    defs = copy.deepcopy(spec()["definitions"])
    defs["io.k8s.apimachinery.pkg.util.intstr.IntOrString"] = {"type": ["string", "integer"]}
    for name in (
        "io.k8s.apimachinery.pkg.apis.meta.v1.Time",
        "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime",
    ):
        defs[name] = {**defs[name], "type": ["string", "null"]}
    any_string = {"type": ["string", "number", "boolean"]}
    param = defs["io.argoproj.workflow.v1alpha1.Parameter"]["properties"]
    for key in ("value", "default", "description"):
        param[key] = {**param[key], **any_string}
    if "items" in param.get("enum", {}):
        param["enum"]["items"] = any_string
    value_from = defs["io.argoproj.workflow.v1alpha1.ValueFrom"]["properties"]
    value_from["default"] = {**value_from["default"], **any_string}
    for definition in defs.values():
        if "properties" in definition and "additionalProperties" not in definition:
            definition["additionalProperties"] = False
    return defs


@functools.lru_cache(maxsize=8)
def validator(definition: str) -> jsonschema.Draft4Validator:
    schema = {"$ref": f"#/definitions/{definition}", "definitions": _patched_definitions()}
    return jsonschema.Draft4Validator(schema)


def body_definition(route: Route, method: str) -> str | None:
    for param in route.operations[method.lower()].get("parameters", []):
        if param.get("in") == "body":
            ref: str = param["schema"].get("$ref", "")
            return ref.rsplit("/", 1)[-1] or None
    return None


def body_errors(route: Route, method: str, body: Any) -> list[str]:
    """What is wrong with ``body`` for this operation (JSON paths and messages)."""
    definition = body_definition(route, method)
    if definition is None:
        return []
    errors = sorted(validator(definition).iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"$.{'.'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:5]]
