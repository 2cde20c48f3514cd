"""``python -m dflow_jupyter lint FILE...``: lint manifest files as ``argo lint --offline`` does."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TextIO

from dflow_jupyter.argo.lint.api import lint_manifest
from dflow_jupyter.argo.lint.problems import LintReport

__all__ = ["lint_files"]

_TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")


def _documents(path: str) -> list[Any]:
    """Every document of a YAML (or JSON) file."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.load_all(f, Loader=loader) if d is not None]


def _label(path: str, index: int, count: int, document: Any) -> str:
    name = ""
    if isinstance(document, dict):
        metadata = document.get("metadata") or {}
        if isinstance(metadata, dict):
            name = str(metadata.get("name") or metadata.get("generateName") or "")
    where = f"{path}#{index + 1}" if count > 1 else path
    return (
        f"{where} ({document.get('kind', 'Workflow')} {name})"
        if name and isinstance(document, dict)
        else where
    )


def lint_files(
    paths: Sequence[str], *, version: str | None = None, strict: bool = True, out: TextIO | None = None
) -> int:
    """Lint every document of every file; print each problem as ``FILE: path: message``.

    WorkflowTemplates among the files resolve the ``templateRef``s of the others. Returns the
    exit status: 0 when every document is valid, 2 otherwise (as for bad input elsewhere).
    """
    out = out or sys.stdout
    loaded: list[tuple[str, list[Any]]] = []
    status = 0
    for path in paths:
        try:
            loaded.append((path, _documents(path)))
        except OSError as exc:
            print(f"{path}: cannot read: {exc.strerror or exc}", file=out)
            status = 2
        except Exception as exc:  # yaml.YAMLError and its subclasses
            print(f"{path}: not YAML: {exc}", file=out)
            status = 2
    templates = [
        d for _, docs in loaded for d in docs if isinstance(d, dict) and d.get("kind") in _TEMPLATE_KINDS
    ]
    total = 0
    for path, documents in loaded:
        for index, document in enumerate(documents):
            report: LintReport = lint_manifest(
                document, version=version, strict=strict, templates=templates, lint=True
            )
            label = _label(path, index, len(documents), document)
            if report.ok:
                print(f"{label}: valid (Argo {report.version})", file=out)
                continue
            status = 2
            total += len(report)
            for problem in report:
                print(f"{label}: {problem}", file=out)
    if total:
        print(f"{total} problem(s) found", file=out)
    return status
