"""Argo's ``{{...}}`` template tags: how Argo fills templated fields, decides ``when``, binds ``item``."""

from __future__ import annotations

from dflow_jupyter.expr.argo_template.items import ArgoItem, item_scope_value
from dflow_jupyter.expr.argo_template.render import (
    Scope,
    check_expression,
    check_template,
    evaluate_expression,
    render_template,
    render_value,
    template_references,
)
from dflow_jupyter.expr.argo_template.when import check_when, evaluate_when

__all__ = [
    "ArgoItem",
    "Scope",
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
