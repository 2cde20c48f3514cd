"""Argo Workflows: compile and lint manifests offline; the runtime (client, poller, backend) beside.

The functions here are what ``Workflow.to_dict()``, ``to_yaml()``, ``to_json()``, ``lint()`` and
``Workflow.from_dict()``/``from_yaml()`` call (``lint_workflow`` is not named ``lint``: that name
is the subpackage). PyYAML and jsonschema are imported when used.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["from_dict", "from_yaml", "lint_manifest", "lint_workflow", "to_dict", "to_json", "to_yaml"]


def to_dict(workflow: Any, reuse_step: Any = None) -> dict[str, Any]:
    """The Argo ``Workflow`` manifest of ``workflow`` (keyed steps memoized with ``reuse_step``)."""
    from dflow_jupyter.argo.compile import compile_workflow

    return compile_workflow(workflow, reuse_step)


def to_yaml(workflow: Any) -> str:
    from dflow_jupyter.argo.compile.render import dump_yaml

    return dump_yaml(to_dict(workflow))


def to_json(workflow: Any, indent: int | None = 2) -> str:
    from dflow_jupyter.argo.compile.render import dump_json

    return dump_json(to_dict(workflow), indent)


def lint_manifest(manifest: Any, **options: Any) -> Any:
    """Every problem of a manifest (see ``dflow_jupyter.argo.lint.api.lint_manifest``)."""
    from dflow_jupyter.argo.lint.api import lint_manifest as lint_document

    return lint_document(manifest, **options)


def lint_workflow(workflow: Any, version: str | None = None) -> Any:
    """Compile ``workflow`` and lint the manifest: a ``LintReport``, empty when valid.

    ``version`` defaults to ``config["argo_version"]``, the version manifests are compiled for.
    """
    from dflow_jupyter.config import config

    return lint_manifest(to_dict(workflow), version=version or config.get("argo_version"))


def from_dict(manifest: Mapping[str, Any]) -> Any:
    """A ``ManifestWorkflow`` over ``manifest`` (see ``compile.reader`` for what it offers)."""
    from dflow_jupyter.argo.compile.reader import ManifestWorkflow

    return ManifestWorkflow(manifest)


def from_yaml(text: str) -> Any:
    from dflow_jupyter.argo.compile.render import load_yaml

    return from_dict(load_yaml(text))
