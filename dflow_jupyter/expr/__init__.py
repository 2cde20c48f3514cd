"""Argo-faithful templates and expressions: ``{{ref}}``, ``{{=expr}}`` and ``when`` conditions.

Everything is parsed by hand-written parsers (never Python ``eval``) and cached by source text:

* ``{{=...}}`` and ``valueFrom.expression`` use expr-lang (antonmedv/expr) with Argo's env:
  ``asInt``, ``asFloat``, ``jsonpath``, ``toJson`` and ``sprig.*``;
* ``when`` conditions are rendered, then evaluated with govaluate, where bare words are strings.

A scope is nested mappings whose leaves are Argo strings, e.g.
``{"inputs": {"parameters": {"x": "3"}}, "steps": {"a": {"outputs": {"parameters": {...}}}}}``.
"""

from __future__ import annotations

from dflow_jupyter.expr.errors import ExpressionError, UnknownReferenceError
from dflow_jupyter.expr.govalues import to_argo_string
from dflow_jupyter.expr.items import ArgoItem, item_scope_value
from dflow_jupyter.expr.template import (
    Scope,
    check_expression,
    check_template,
    evaluate_expression,
    evaluate_when,
    render_template,
    render_value,
    template_references,
)

__all__ = [
    "ArgoItem",
    "ExpressionError",
    "Scope",
    "UnknownReferenceError",
    "check_expression",
    "check_template",
    "evaluate_expression",
    "evaluate_when",
    "item_scope_value",
    "render_template",
    "render_value",
    "template_references",
    "to_argo_string",
]
