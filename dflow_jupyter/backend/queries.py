"""dflow's module-level queries (``query_workflows``), answered by the current backend."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.backend import backend_for


def query_workflows(labels: dict[str, str] | None = None, fields: list[str] | None = None) -> list[Any]:
    """Known workflows (``ArgoWorkflow`` objects), newest first, optionally filtered by labels."""
    from dflow_jupyter.status.query import ArgoWorkflow

    return [ArgoWorkflow(status) for status in backend_for().list(labels)]
