"""``{{...}}`` tags as Argo's validator sees them: find, substitute, and check against a scope.

Tags are cut as ``fasttemplate`` cuts them: from ``{{`` to the first ``}}``. Expression tags
(``{{=...}}``) are neither substituted nor checked here, as in Argo's validation.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from dflow_jupyter.argo.lint.problems import Path

__all__ = ["Scope", "go_string", "iter_strings", "substitute", "tags_of", "unresolved"]

#: Variables in scope: ``"inputs.parameters.x"`` -> anything (only membership matters).
Scope = dict[str, Any]
#: Tags with these prefixes must resolve (``workflow/common/common.go``); others are left alone.
_CHECKED_PREFIXES = ("item.", "steps.", "inputs.", "outputs.", "pod.", "workflow.", "tasks.")
ANY_ITEM = "item.*"
ANY_WORKFLOW_OUTPUT_PARAMETER = "workflow.outputs.parameters.*"
ANY_WORKFLOW_OUTPUT_ARTIFACT = "workflow.outputs.artifacts.*"
# Always accepted: self references for metrics, run-time-only workflow variables, node context.
_RUNTIME_PREFIXES = (
    "outputs.",
    "workflow.creationTimestamp",
    "workflow.scheduledTime",
    "workflow.duration",
    "tasks.name",
    "steps.name",
    "node.name",
)


class TagError(ValueError):
    """A ``{{`` without its ``}}``."""


def go_string(value: Any) -> str:
    """An ``AnyString`` value as Go holds it: numbers and booleans as their JSON text."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return json.dumps(value)


def tags_of(text: str) -> Iterator[tuple[int, int, str]]:
    """``(start, end, tag)`` of every ``{{tag}}`` in ``text``; ``end`` is past the ``}}``.

    Raises
    ------
    TagError
        A ``{{`` has no ``}}`` after it.
    """
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            return
        end = text.find("}}", start + 2)
        if end < 0:
            raise TagError(f"cannot find end tag '}}}}' in {text!r} starting from {text[start:]!r}")
        yield start, end + 2, text[start + 2 : end]
        pos = end + 2


def iter_strings(value: Any, path: Path = ()) -> Iterator[tuple[Path, str]]:
    """Every string (mapping keys included) under ``value``, with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str) and "{{" in key:
                yield (*path, key), key
            yield from iter_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, (*path, index))


def _replace_text(text: str, mapping: Mapping[str, Any]) -> str:
    if "{{" not in text:
        return text
    out: list[str] = []
    pos = 0
    try:
        tags = list(tags_of(text))
    except TagError:
        return text
    for start, end, tag in tags:
        out.append(text[pos:start])
        pos = end
        if tag.startswith("="):
            out.append(text[start:end])
            continue
        found = mapping.get(tag.strip())
        if isinstance(found, str):
            out.append(found)
            continue
        nested = tag.rfind("{{")
        if nested > 0 and isinstance(mapping.get(tag[nested + 2 :]), str):
            # Argo's nested tags: ``{{a.{{b}}`` resolves the inner one and keeps the outer open.
            out.append("{{" + tag[:nested] + mapping[tag[nested + 2 :]])
            continue
        out.append(text[start:end])
    out.append(text[pos:])
    return "".join(out)


def substitute(value: Any, mapping: Mapping[str, Any]) -> Any:
    """A copy of ``value`` with the simple tags ``mapping`` knows replaced (others kept)."""
    if isinstance(value, str):
        return _replace_text(value, mapping)
    if isinstance(value, Mapping):
        return {
            _replace_text(k, mapping) if isinstance(k, str) else k: substitute(v, mapping)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [substitute(item, mapping) for item in value]
    return value


def _accepted(tag: str, scope: Scope, global_params: Mapping[str, Any], template_validation: bool) -> bool:
    if tag in scope or tag in global_params:
        return True
    if (tag == "item" or tag.startswith("item.")) and ANY_ITEM in scope:
        return True
    if tag.startswith("workflow.outputs.parameters.") and ANY_WORKFLOW_OUTPUT_PARAMETER in scope:
        return True
    if tag.startswith("workflow.outputs.artifacts.") and ANY_WORKFLOW_OUTPUT_ARTIFACT in scope:
        return True
    if tag.startswith(_RUNTIME_PREFIXES):
        return True
    # Validating a WorkflowTemplate alone: the workflow that uses it may bring the parameters.
    return template_validation and tag.startswith("workflow.parameters")


def unresolved(
    value: Any,
    scope: Scope,
    global_params: Mapping[str, Any],
    *,
    template_validation: bool = False,
    path: Path = (),
) -> Iterator[tuple[Path, str]]:
    """``(path, message)`` for each tag under ``value`` that Argo would fail to resolve.

    The message is Argo's: ``failed to resolve {{inputs.parameters.nope}}``.
    """
    for where, text in iter_strings(value, path):
        if "{{" not in text:
            continue
        try:
            tags = [tag for _, _, tag in tags_of(text)]
        except TagError as exc:
            yield where, str(exc)
            continue
        for tag in tags:
            if tag.startswith("="):
                continue
            trimmed = tag.strip()
            if not trimmed.startswith(_CHECKED_PREFIXES):
                continue
            if not _accepted(trimmed, scope, global_params, template_validation):
                yield where, f"failed to resolve {{{{{tag}}}}}"
