"""Templates seen by runs in this process, by name (``%dflow replay`` finds a step's OP here)."""

from __future__ import annotations

import weakref
from typing import Any

_templates: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()


def remember(entry: Any) -> None:
    """Record every template reachable from ``entry`` (each once, recursion included)."""
    stack = [entry]
    seen: set[int] = set()
    while stack:
        template = stack.pop()
        if id(template) in seen:
            continue
        seen.add(id(template))
        _templates[template.name] = template
        for step in getattr(template, "all_steps", lambda: [])():
            stack.append(step.template)


def lookup(name: str) -> Any | None:
    """The template named ``name`` from a run of this process, if it is still alive."""
    return _templates.get(name)
