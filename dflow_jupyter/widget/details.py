"""The details of one node for the widget's panel: inputs, outputs, log, error, how to debug it."""

from __future__ import annotations

import json
import shlex
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import FAILED_PHASES, LEAF_TYPES
from dflow_jupyter.status.wire import decode_parameter
from dflow_jupyter.widget.artifacts import ArtifactUnavailable, artifact_entries, artifact_root, measure
from dflow_jupyter.widget.logtail import read_tail
from dflow_jupyter.widget.tracebacks import user_traceback

__all__ = ["details", "replay_command"]

#: Parameter values longer than this (as JSON) are cut for the panel.
VALUE_LIMIT = 2000


def _value(entry: dict[str, Any]) -> Any:
    value = decode_parameter(entry)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        text = json.dumps(repr(value))
        value = repr(value)
    if len(text) > VALUE_LIMIT:
        return text[:VALUE_LIMIT] + f"... ({len(text)} characters)"
    return value


def _side(backend: Any, workflow_id: str, node: Node, side: str) -> dict[str, Any]:
    record = (node.inputs if side == "inputs" else node.outputs) or {}
    parameters = [
        {"name": p["name"], "value": _value(p)}
        for p in record.get("parameters") or []
        if isinstance(p, dict) and p.get("name") and p.get("name") != "dflow_key"
    ]
    artifacts = []
    for entry in artifact_entries(node, side):
        key = (entry.get("s3") or {}).get("key") or entry.get("key")
        size: int | None = None
        files: int | None = None
        try:
            root = artifact_root(backend, workflow_id, node, side, entry["name"])
            size, files, _ = measure(root)
        except (ArtifactUnavailable, OSError):
            pass
        artifacts.append({"name": entry["name"], "key": key, "size": size, "files": files})
    return {"parameters": parameters, "artifacts": artifacts}


def _step_ref(status: WorkflowStatus, node: Node) -> str:
    """How ``%dflow replay`` names ``node``: its key, its display name if unique, else its id."""
    if node.key:
        return node.key
    same = [n for n in status.nodes.values() if n.type in LEAF_TYPES and n.display_name == node.display_name]
    return node.display_name if len(same) == 1 else node.id


def replay_command(status: WorkflowStatus, node: Node) -> str | None:
    """``%dflow replay WF STEP --pdb`` for a leaf step (None for other nodes)."""
    if node.type not in LEAF_TYPES:
        return None
    return f"%dflow replay {shlex.quote(status.name)} {shlex.quote(_step_ref(status, node))} --pdb"


def details(backend: Any, status: WorkflowStatus, node_id: str) -> dict[str, Any]:
    """The ``details`` answer for ``node_id`` (without ``kind``/``req``, which the caller adds).

    Raises
    ------
    KeyError
        No node ``node_id`` in ``status``.
    """
    node = status.nodes.get(node_id)
    if node is None:
        raise KeyError(f"workflow {status.name} has no node {node_id!r}")
    workflow_id = status.name
    failed = node.phase in FAILED_PHASES
    log, truncated = "", False
    if node.type in LEAF_TYPES:
        log, truncated, _ = read_tail(backend, workflow_id, node)
    traceback = user_traceback(log) if failed and log else None
    return {
        "id": node.id,
        "name": node.name,
        "display": node.display_name,
        "phase": node.phase,
        "type": node.type,
        "key": node.key,
        "template": node.template_name,
        "started_at": node.started_at,
        "finished_at": node.finished_at,
        "duration": node.duration(),
        "message": node.message,
        "inputs": _side(backend, workflow_id, node, "inputs"),
        "outputs": _side(backend, workflow_id, node, "outputs"),
        "log": log,
        "log_truncated": truncated,
        "error": node.message if failed else None,
        "traceback": traceback,
        "replay": replay_command(status, node) if failed else None,
    }
