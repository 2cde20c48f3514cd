"""Find which steps or tasks a value reads from (for DAG dependencies and validation)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.expressions import ArgoVar, IfExpression

_NAME_REF = re.compile(r"\b(steps|tasks)(?:\.|\[')([A-Za-z0-9][-A-Za-z0-9]*)")


def _walk(value: Any) -> Iterator[Any]:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple, set)):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, IfExpression):
            stack.extend((item._then, item._else))
            yield item
        else:
            yield item


def referenced_steps(value: Any) -> list[Any]:
    """Step/Task objects whose outputs (or inputs) ``value`` refers to directly."""
    found = []
    for item in _walk(value):
        if isinstance(item, _IOBase) and item.step is not None:
            found.append(item.step)
    return found


def referenced_names(value: Any) -> set[tuple[str, str]]:
    """``("steps"|"tasks", name)`` pairs named inside template strings and expressions."""
    names: set[tuple[str, str]] = set()
    for item in _walk(value):
        if isinstance(item, ArgoVar):
            text = item.expr
        elif isinstance(item, str):
            text = item
        else:
            continue
        names.update((m.group(1), m.group(2)) for m in _NAME_REF.finditer(text))
    return names


def is_dynamic(value: Any) -> bool:
    """Whether ``value`` holds a reference anywhere, resolved only when the step runs.

    References nested in lists, tuples and dict values count: the engine resolves those too, so
    a literal check at definition time must leave such a value alone.
    """
    return any(isinstance(item, ArgoVar) or (isinstance(item, str) and "{{" in item) for item in _walk(value))
