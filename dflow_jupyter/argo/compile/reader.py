"""Manifests read back: ``Workflow.from_dict``/``from_yaml`` give a ``ManifestWorkflow``.

dflow's ``from_dict`` rebuilds OP templates from a manifest. Here the manifest is kept as it
is, with read access to its parts: a Python OP's template holds a generated script around the
OP's code, and turning that back into an OP class would mean executing code from a file that
may come from anywhere. A ``ManifestWorkflow`` can be linted and written out again unchanged
(``to_dict()`` gives back the same dict), which is what resubmitting a saved manifest needs.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError

__all__ = ["ManifestWorkflow"]


class ManifestWorkflow:
    """An Argo ``Workflow`` manifest read back.

    Attributes
    ----------
    name : str
        ``metadata.name``, or the ``generateName`` prefix without its ``-``.
    entrypoint : str
        The name of the entrypoint template.
    templates : dict
        The templates by name, in manifest order.
    """

    def __init__(self, manifest: Mapping[str, Any]) -> None:
        if not isinstance(manifest, Mapping) or manifest.get("kind", "Workflow") != "Workflow":
            kind = manifest.get("kind") if isinstance(manifest, Mapping) else type(manifest).__name__
            raise CompileError(f"expected an Argo Workflow manifest, got {kind!r}")
        self._manifest: dict[str, Any] = copy.deepcopy(dict(manifest))
        metadata = self._manifest.get("metadata") or {}
        spec = self._manifest.get("spec") or {}
        self.name: str = str(metadata.get("name") or str(metadata.get("generateName") or "").rstrip("-"))
        self.id: str | None = metadata.get("name")
        self.entrypoint: str = str(spec.get("entrypoint") or "")
        self.templates: dict[str, dict[str, Any]] = {
            str(t.get("name")): t for t in spec.get("templates") or [] if isinstance(t, dict)
        }

    def to_dict(self) -> dict[str, Any]:
        return copy.deepcopy(self._manifest)

    def to_yaml(self) -> str:
        from dflow_jupyter.argo.compile.render import dump_yaml

        return dump_yaml(self._manifest)

    def to_json(self, indent: int | None = 2) -> str:
        from dflow_jupyter.argo.compile.render import dump_json

        return dump_json(self._manifest, indent)

    def lint(self, version: str | None = None) -> Any:
        """Every problem of the manifest (a ``LintReport``, empty when valid)."""
        from dflow_jupyter.argo.lint.api import lint_manifest

        return lint_manifest(self._manifest, version=version)

    def steps_of(self, template: str) -> list[list[dict[str, Any]]] | list[dict[str, Any]]:
        """The step groups of a Steps template, or the tasks of a DAG template."""
        body = self.templates[template]
        if "steps" in body:
            return list(body["steps"])
        return list((body.get("dag") or {}).get("tasks") or [])

    def __repr__(self) -> str:
        count = len(self.templates)
        return f"ManifestWorkflow({self.name!r}, entrypoint={self.entrypoint!r}, templates={count})"
