"""Argo-faithful templates and expressions: ``{{ref}}``, ``{{=expr}}`` and ``when`` conditions.

Everything is parsed by hand-written parsers (never Python ``eval``) and cached by source text:

* ``{{=...}}`` and ``valueFrom.expression`` use expr-lang (antonmedv/expr) with Argo's env:
  ``asInt``, ``asFloat``, ``jsonpath``, ``toJson`` and ``sprig.*``;
* ``when`` conditions are rendered, then evaluated with govaluate, where bare words are strings.

A scope is nested mappings whose leaves are Argo strings, e.g.
``{"inputs": {"parameters": {"x": "3"}}, "steps": {"a": {"outputs": {"parameters": {...}}}}}``.

One subpackage or module per language: :mod:`.exprlang`, :mod:`.govaluate`, :mod:`.sprig` and
:mod:`.jsonpath`; :mod:`.argo_template` renders Argo's tags with them, and :mod:`.golang` holds
the Go value semantics (types, equality, ``fmt`` and JSON forms) they all share.
"""

from __future__ import annotations

from dflow_jupyter.expr.argo_template import (
    ArgoItem,
    Scope,
    check_expression,
    check_template,
    check_when,
    evaluate_expression,
    evaluate_when,
    item_scope_value,
    render_template,
    render_value,
    template_references,
)
from dflow_jupyter.expr.errors import ExpressionError, UnknownReferenceError

__all__ = [
    "ArgoItem",
    "ExpressionError",
    "Scope",
    "UnknownReferenceError",
    "check_expression",
    "check_template",
    "check_when",
    "evaluate_expression",
    "evaluate_when",
    "item_scope_value",
    "render_template",
    "render_value",
    "template_references",
]
