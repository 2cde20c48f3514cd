"""Layer 1: Argo's published JSON schema, patched where it rejects valid input, strict on unknown fields.

The schemas are Argo's ``api/jsonschema/schema.json`` of two releases, shipped unchanged (see
``schemas/NOTICE``) and patched in memory when first used:

* ``IntOrString`` is published as a plain string (a Swagger 2.0 limitation); Go takes ints too;
* ``AnyString`` fields (parameter values, defaults, descriptions, enum items) take numbers and
  booleans, which Go turns into strings;
* Kubernetes times are ``null`` when zero;
* strict mode sets ``additionalProperties: false`` on every object with declared properties,
  because the Argo Server drops unknown fields without a word: a typo (``tempalte:``) would
  otherwise reach the cluster as a step without a template.
"""

from __future__ import annotations

import copy
import difflib
import json
import sys
from collections.abc import Iterator, Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

from dflow_jupyter.argo.lint.problems import Path, Problem

__all__ = ["DEFAULT_VERSION", "KINDS", "VERSIONS", "schema_problems", "validator"]

#: Argo versions whose schema ships with dflow_jupyter, newest first.
VERSIONS: tuple[str, ...] = ("4.1.2", "3.7.18")
DEFAULT_VERSION = VERSIONS[0]
KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow", "WorkflowEventBinding")

_PREFIX = "io.argoproj.workflow.v1alpha1."
_INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_TIMES = ("io.k8s.apimachinery.pkg.apis.meta.v1.Time", "io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime")
_ANY_STRING = {
    _PREFIX + "Parameter": ("value", "default", "description"),
    _PREFIX + "ValueFrom": ("default",),
}
_SCALARS = ["string", "number", "boolean"]


def normalize_version(version: str | None) -> str:
    """``"v4.1"``, ``"4"`` or ``"4.1.2"`` -> the shipped version it means."""
    if version is None:
        return DEFAULT_VERSION
    wanted = str(version).lstrip("v")
    for known in VERSIONS:
        if known == wanted or known.startswith(wanted + "."):
            return known
    raise ValueError(
        f"no Argo schema for version {version!r}; dflow_jupyter ships {', '.join(VERSIONS)} "
        "(pick the one matching the cluster: GET /api/v1/version)"
    )


@lru_cache(maxsize=2)
def _definitions(version: str) -> dict[str, Any]:
    """The patched (not yet strict) definitions of ``version``'s schema."""
    text = resources.files("dflow_jupyter.argo.lint").joinpath(f"schemas/argo-v{version}.schema.json")
    definitions: dict[str, Any] = json.loads(text.read_text(encoding="utf-8"))["definitions"]
    definitions[_INT_OR_STRING] = {**definitions[_INT_OR_STRING], "type": ["string", "integer"]}
    for name in _TIMES:
        definitions[name] = {**definitions[name], "type": ["string", "null"]}
    for name, fields in _ANY_STRING.items():
        properties = definitions[name]["properties"]
        for key in fields:
            properties[key] = {**properties[key], "type": _SCALARS}
        if "enum" in properties:
            properties["enum"] = {**properties["enum"], "items": {"type": _SCALARS}}
    return definitions


def _strict(definitions: dict[str, Any]) -> dict[str, Any]:
    strict = copy.deepcopy(definitions)
    for schema in strict.values():
        if "properties" in schema and "additionalProperties" not in schema:
            schema["additionalProperties"] = False
    return strict


def _import_jsonschema() -> Any:
    """``jsonschema``, imported without ``rfc3987_syntax`` when it is not loaded yet.

    jsonschema registers its ``iri`` format checkers at import when ``rfc3987_syntax`` is
    installed (Jupyter's ``jsonschema[format-nongpl]`` pulls it in), and that module compiles
    about 40 lark grammars at import: seconds of CPU for formats Argo's schema never uses (it has
    ``date-time``, ``byte`` and integer formats only). The block lasts for this import only.
    """
    if "jsonschema" in sys.modules or "rfc3987_syntax" in sys.modules:
        import jsonschema

        return jsonschema
    sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]
    try:
        import jsonschema
    finally:
        del sys.modules["rfc3987_syntax"]
    return jsonschema


@lru_cache(maxsize=16)
def validator(version: str = DEFAULT_VERSION, kind: str = "Workflow", strict: bool = True) -> Any:
    """The compiled (cached) ``Draft202012Validator`` for one kind of one Argo version.

    The root is the kind's definition, not the published ``oneOf`` over all kinds, whose errors
    cannot be read.
    """
    jsonschema = _import_jsonschema()
    version = normalize_version(version)
    if kind not in KINDS:
        raise ValueError(f"unknown Argo kind {kind!r}; expected one of {', '.join(KINDS)}")
    definitions = _definitions(version)
    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/definitions/{_PREFIX}{kind}",
        "definitions": _strict(definitions) if strict else definitions,
    }
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def _relaxed(error: Any) -> bool:
    """Whether a ``required`` error is one the schema states but Argo's Go code does not enforce.

    The semantic layer checks these the way Go does (an image may come from ``templateDefaults``,
    a workflow created through the API needs no ``metadata`` to validate).
    """
    if error.validator != "required":
        return False
    path = tuple(error.absolute_path)
    missing = error.message.split("'")[1] if "'" in error.message else ""
    if missing == "image" and path and path[-1] in ("container", "script"):
        return True
    if missing == "source" and path and path[-1] == "script":
        return True
    if missing == "realtime" and path and path[-1] == "gauge":
        return True
    return missing == "metadata" and path == ()


def _known_fields(error: Any) -> list[str]:
    return sorted(error.schema.get("properties") or {})


def _problems_of(error: Any) -> Iterator[Problem]:
    path: Path = tuple(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        known = _known_fields(error)
        for key in sorted(set(error.instance) - set(known)):
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            yield Problem(
                (*path, key),
                f"unknown field {key!r}{hint} (the Argo Server would drop it without a word)",
                "schema",
                "additionalProperties",
            )
        return
    rule = str(error.validator)
    if rule == "type" and _is_shape(error):
        rule = "shape"
    yield Problem(path, error.message, "schema", rule)


def _is_shape(error: Any) -> bool:
    """A type error about structure (a list where a mapping belongs...), not a scalar's type."""
    expected = error.validator_value
    expected = expected if isinstance(expected, list) else [expected]
    return isinstance(error.instance, (list, dict)) or "array" in expected or "object" in expected


def schema_problems(
    document: Any, version: str | None = None, *, strict: bool = True, relax: bool = False
) -> list[Problem]:
    """Problems the JSON schema finds in ``document``, each with its path.

    Parameters
    ----------
    document : Any
        A parsed manifest; its ``kind`` picks the definition (``Workflow`` if absent).
    version : str, optional
        The Argo version, e.g. ``"4.1.2"`` (the default) or ``"3.7"``.
    strict : bool
        Reject unknown fields (recommended: the server drops them silently).
    relax : bool
        Drop the few ``required`` errors Argo does not enforce (see ``_relaxed``); the semantic
        lint checks those fields as Argo does.
    """
    kind = document.get("kind", "Workflow") if isinstance(document, Mapping) else "Workflow"
    if kind not in KINDS:
        return [
            Problem(("kind",), f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}", "schema", "kind")
        ]
    checker = validator(normalize_version(version), kind, strict)
    problems: list[Problem] = []
    for error in sorted(checker.iter_errors(document), key=lambda e: tuple(map(str, e.absolute_path))):
        if relax and _relaxed(error):
            continue
        problems.extend(_problems_of(error))
    return problems
