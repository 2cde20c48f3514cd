"""Offline lint of Argo manifests: the JSON schema (layer 1) and Argo's semantic checks (layer 3)."""

from __future__ import annotations

from dflow_jupyter.argo.lint.api import lint_manifest
from dflow_jupyter.argo.lint.problems import LintError, LintReport, Problem
from dflow_jupyter.argo.lint.schema import DEFAULT_VERSION, VERSIONS

__all__ = ["DEFAULT_VERSION", "VERSIONS", "LintError", "LintReport", "Problem", "lint_manifest"]
