"""``query_workflows``: the workflows recorded in the debug work directory."""

from __future__ import annotations

import json
from typing import Any

from dflow_jupyter.status.model import WorkflowStatus


def list_statuses() -> list[WorkflowStatus]:
    """Every workflow recorded under ``config["debug_workdir"]``, newest first."""
    from dflow_jupyter.engine.run import workflow_root

    root = workflow_root()
    found: list[WorkflowStatus] = []
    if not root.is_dir():
        return found
    for entry in root.iterdir():
        path = entry / "status.json"
        if not path.is_file():
            continue
        try:
            found.append(WorkflowStatus.from_argo(json.loads(path.read_text())))
        except (OSError, ValueError, KeyError):
            continue
    found.sort(key=lambda s: s.started_at or 0.0, reverse=True)
    return found


def query_workflows(labels: dict[str, str] | None = None, fields: list[str] | None = None) -> list[Any]:
    """Recorded workflows (``ArgoWorkflow`` objects), optionally filtered by labels."""
    from dflow_jupyter.status.query import ArgoWorkflow

    result = []
    for status in list_statuses():
        if labels and any(status.labels.get(k) != v for k, v in labels.items()):
            continue
        result.append(ArgoWorkflow(status))
    return result
