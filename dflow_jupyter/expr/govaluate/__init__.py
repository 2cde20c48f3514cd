"""govaluate (Knetic/govaluate): the language Argo decides a ``when`` condition with, once rendered."""

from __future__ import annotations

from dflow_jupyter.expr.govaluate.evaluator import compile_when, evaluate_govaluate

__all__ = ["compile_when", "evaluate_govaluate"]
