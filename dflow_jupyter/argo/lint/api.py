"""``lint_manifest``: the schema and the semantic checks together, over one parsed manifest."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dflow_jupyter.argo.lint.context import Options
from dflow_jupyter.argo.lint.problems import LintReport, Problem, sorted_problems
from dflow_jupyter.argo.lint.schema import normalize_version, schema_problems

__all__ = ["SEMANTIC_KINDS", "lint_manifest"]

#: Kinds the semantic layer checks (the others get the schema only).
SEMANTIC_KINDS = ("Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate")


def lint_manifest(
    document: Any,
    *,
    version: str | None = None,
    strict: bool = True,
    templates: Iterable[Mapping[str, Any]] = (),
    as_kind: str | None = None,
    lint: bool = False,
    submit: bool = False,
    semantic: bool = True,
) -> LintReport:
    """Every problem of an Argo manifest, each with its path (``spec.templates[2].steps[0][1]...``).

    Parameters
    ----------
    document : Any
        A parsed Workflow (or WorkflowTemplate, ClusterWorkflowTemplate...).
    version : str, optional
        The target Argo version: ``"4.1.2"`` (default) or ``"3.7.18"`` (``"3.7"`` works).
    strict : bool
        Reject fields the schema does not know (the Argo Server drops them silently).
    templates : iterable of Mapping
        WorkflowTemplates that ``templateRef``/``workflowTemplateRef`` may name.
    as_kind : str, optional
        Run the semantic checks as for this kind.
    lint, submit : bool
        Argo's ``Opts``: ``lint=True`` accepts workflow arguments without values (``argo lint``);
        ``submit=True`` requires them for a WorkflowTemplate.
    semantic : bool
        Run the semantic checks too (the schema alone when False).

    Returns
    -------
    LintReport
        Empty (falsy) when the manifest is valid.
    """
    version = normalize_version(version)
    report = LintReport(version=version)
    if not isinstance(document, Mapping):
        report.extend(
            [Problem((), f"expected a manifest (a mapping), got {type(document).__name__}", "schema")]
        )
        return report
    found_by_schema = schema_problems(document, version, strict=strict, relax=semantic)
    report.extend(found_by_schema)
    kind = as_kind or document.get("kind") or "Workflow"
    # The semantic checks read fields by their declared types: a value of the wrong type (a
    # mapping where a list belongs) is reported by the schema and stops them here.
    shaped = not any(p.rule in ("shape", "kind") for p in found_by_schema)
    if semantic and shaped and kind in SEMANTIC_KINDS:
        from dflow_jupyter.argo.lint.workflow import semantic_problems

        try:
            found = semantic_problems(
                document, templates=templates, as_kind=as_kind, options=Options(lint, submit)
            )
        except (TypeError, AttributeError, ValueError):
            if not found_by_schema:
                raise  # a well-typed manifest must never break the checks: that is a bug
            # A scalar of the wrong type (``globalName: true``) that the schema reported already.
            found = [
                Problem((), "semantic checks stopped at a value of the wrong type; fix the problems above")
            ]
        report.extend(sorted_problems(found))
    return report
