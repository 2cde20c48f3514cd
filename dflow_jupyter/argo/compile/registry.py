"""The manifest's template list: one entry per distinct rendered template, each under a unique name."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["TemplateRegistry"]


def _content_key(body: dict[str, Any]) -> str:
    return json.dumps({k: v for k, v in body.items() if k != "name"}, sort_keys=True, default=str)


class TemplateRegistry:
    """Templates in the order they were first needed; identical ones (all but the name) merged.

    A name already taken by a different template gets a ``-2``, ``-3``... suffix, so two OPs
    that happen to share a name (or one OP rendered two ways, e.g. with and without a key)
    stay apart. Steps and DAG templates, which may refer to themselves, are reserved (named
    and given their place) before their body is built, then filled in.
    """

    def __init__(self) -> None:
        self._slots: list[dict[str, Any] | None] = []
        self._by_content: dict[str, str] = {}
        self._taken: set[str] = set()

    @property
    def templates(self) -> list[dict[str, Any]]:
        return [t for t in self._slots if t is not None]

    def _unique(self, preferred: str) -> str:
        name, n = preferred, 1
        while name in self._taken:
            n += 1
            suffix = f"-{n}"
            name = preferred[: 128 - len(suffix)] + suffix
        self._taken.add(name)
        return name

    def add(self, body: dict[str, Any], preferred: str) -> str:
        """The name of ``body`` in the manifest: an identical template's, or a new one."""
        key = _content_key(body)
        found = self._by_content.get(key)
        if found is not None:
            return found
        name = self._unique(preferred)
        self._by_content[key] = name
        self._slots.append({"name": name, **{k: v for k, v in body.items() if k != "name"}})
        return name

    def reserve(self, preferred: str) -> tuple[str, int]:
        """A unique name and a place in the list, for a body built later (``fill``)."""
        name = self._unique(preferred)
        self._slots.append(None)
        return name, len(self._slots) - 1

    def fill(self, slot: int, body: dict[str, Any]) -> str:
        """Put ``body`` in its reserved place, or merge it with an identical template.

        A body that names itself (recursion) is never merged: its references use its own name.
        """
        key = _content_key(body)
        found = self._by_content.get(key)
        if found is not None and json.dumps(body).count(json.dumps(body["name"])) == 1:
            return found
        self._by_content.setdefault(key, body["name"])
        self._slots[slot] = body
        return str(body["name"])
