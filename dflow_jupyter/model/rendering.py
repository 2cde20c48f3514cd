"""Leaf templates as they run: rewritten by their step's executor and the workflow's context."""

from __future__ import annotations

from typing import Any


def render_leaf_templates(entry: Any, context: Any) -> dict[tuple[int, int], Any]:
    """Apply every leaf step's executor and the workflow context now, keyed as ``RunContext`` caches.

    An executor that cannot render (a missing setting, a backend not available) then fails the
    submit before any step runs, naming its template, instead of when its step is reached.
    """
    rendered: dict[tuple[int, int], Any] = {}
    seen: set[int] = set()
    stack = [entry]
    while stack:
        template = stack.pop()
        if id(template) in seen:
            continue
        seen.add(id(template))
        for step in template.all_steps():
            inner = step.template
            if hasattr(inner, "all_steps"):
                stack.append(inner)
                continue
            result = inner
            if step.executor is not None:
                result = step.executor.render(result)
            if context is not None:
                result = context.render(result)
            rendered[(id(step), id(inner))] = result
    return rendered
