"""expr-lang (antonmedv/expr): the language Argo evaluates in ``{{=...}}`` and ``valueFrom.expression``."""

from __future__ import annotations

from dflow_jupyter.expr.exprlang.compiler import compile_expression
from dflow_jupyter.expr.exprlang.context import Ctx
from dflow_jupyter.expr.exprlang.parser import parse
from dflow_jupyter.expr.exprlang.references import collect_references

__all__ = ["Ctx", "collect_references", "compile_expression", "parse"]
