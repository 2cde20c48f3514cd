"""Argo's name rules: templates, steps and tasks; parameters and artifacts; metrics; placeholders."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

__all__ = [
    "PLACEHOLDER_PREFIX",
    "Placeholders",
    "field_name_errors",
    "is_parameter",
    "is_valid_metric_name",
    "param_name_errors",
    "step_name_errors",
    "validate_field_names",
]

_FIELD_NAME = re.compile(r"^[a-zA-Z0-9][-a-zA-Z0-9]*$")
_PARAM_NAME = re.compile(r"^[-a-zA-Z0-9_]+$")
# ``{{inputs.parameters.blah}}`` anywhere: a globalName or a DAG target given as a variable.
_PARAMETER = re.compile(r"{{[-a-zA-Z0-9]+(\.[-a-zA-Z0-9_]+)*}}")
_METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
FIELD_MAX_LENGTH = 128

FIELD_NAME_MESSAGE = (
    "name must consist of alpha-numeric characters or '-', and must start with an alpha-numeric "
    "character (e.g. My-name1-2, 123-NAME)"
)
PARAM_NAME_MESSAGE = (
    "Parameter/Artifact name must consist of alpha-numeric characters, '_' or '-' e.g. my_param_1, MY-PARAM-1"
)
#: What Argo substitutes for values known only at run time while it validates.
PLACEHOLDER_PREFIX = "__argo__internal__placeholder-"
_PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"\d+")


class Placeholders:
    """Argo's validation placeholders: a distinct value per unknown, recognisable afterwards."""

    def __init__(self) -> None:
        self._count = 0

    def next(self) -> str:
        self._count += 1
        return f"{PLACEHOLDER_PREFIX}{self._count}"

    @staticmethod
    def is_placeholder(value: Any) -> bool:
        return isinstance(value, str) and value.startswith(PLACEHOLDER_PREFIX)


def is_parameter(text: str) -> bool:
    """Whether ``text`` holds a ``{{...}}`` reference (then Argo checks it only at run time)."""
    return bool(_PARAMETER.search(str(text)))


def field_name_errors(name: str) -> list[str]:
    """Why ``name`` is not a valid template, step or task name (empty when it is)."""
    errors = []
    if len(name) > FIELD_MAX_LENGTH:
        errors.append(f"must be no more than {FIELD_MAX_LENGTH} characters")
    if not _FIELD_NAME.match(name):
        errors.append(FIELD_NAME_MESSAGE)
    return errors


def step_name_errors(name: str) -> list[str]:
    """As ``field_name_errors``, placeholders (parameters substituted in the name) allowed."""
    return field_name_errors(_PLACEHOLDER.sub("x", name))


def param_name_errors(name: str) -> list[str]:
    return [] if _PARAM_NAME.match(name) else [PARAM_NAME_MESSAGE]


def is_valid_metric_name(name: str) -> bool:
    """Prometheus' legacy metric-name rule, without ``:`` (as Argo checks it)."""
    return bool(_METRIC_NAME.match(name))


def validate_field_names(items: Sequence[Any], *, params: bool) -> tuple[int, str] | None:
    """Argo's ``validateWorkflowFieldNames``: names are present, valid and unique.

    Returns the index of the first offending item and the error suffix Argo appends to the
    list's path (``[1].name 'a' is not unique``), or None.
    """
    seen: set[str] = set()
    for index, item in enumerate(items):
        name = item.get("name", "") if isinstance(item, dict) else ""
        name = "" if name is None else str(name)
        if not name:
            return index, f"[{index}].name is required"
        errors = param_name_errors(name) if params else field_name_errors(name)
        if errors:
            return index, f"[{index}].name: '{name}' is invalid: {';'.join(errors)}"
        if name in seen:
            return index, f"[{index}].name '{name}' is not unique"
        seen.add(name)
    return None
