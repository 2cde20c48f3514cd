"""sprig (Masterminds/sprig): the Go template functions Argo offers expressions as ``sprig.*``."""

from __future__ import annotations

from dflow_jupyter.expr.sprig.registry import SPRIG

__all__ = ["SPRIG"]
