"""Answers to the browser's requests: ``hello``, ``expand``/``collapse``, ``details``, ``preview``...

Each request carries a ``req`` number that its answer repeats. A request that cannot be served
gets an answer that says why (``ok: false`` and a ``reason`` or ``message``), never silence.
Actions go through the backend interface: ``terminate`` stops the run; ``retry`` restarts it
under the same id, reusing the steps that succeeded (``Workflow(id=...)`` restart), in the
background so the kernel stays free while the widget follows it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dflow_jupyter.status.phase import ACTIVE_PHASES
from dflow_jupyter.widget.artifacts import ArtifactUnavailable, artifact_root
from dflow_jupyter.widget.details import details, replay_command
from dflow_jupyter.widget.preview import empty_preview, preview_path
from dflow_jupyter.widget.remote import preview_object, remote_key

if TYPE_CHECKING:
    from dflow_jupyter.widget.follow import LiveGraph
    from dflow_jupyter.widget.widget import WorkflowWidget

__all__ = ["answer"]

Message = dict[str, Any]


def _hello(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    replies = []
    # A view that holds another graph than the current one (it was made after structure
    # deltas, or missed one) gets the whole graph again, with its states.
    graph = live.resync(request.get("rev", live.rev))
    if graph is not None:
        widget.apply({"graph": graph}, [])
    elif live.publisher.moved_on or "rev" not in request:
        replies.append(live.state_message())
    if widget.selected:
        log = live.logs.select(widget.selected)
        if log is not None:
            replies.append(log)
    return replies


def _fold(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    node_id = str(request.get("id") or "")
    if node_id not in live.graph.fanouts:
        return []
    if request["kind"] == "expand":
        live.expanded.add(node_id)
    else:
        live.expanded.discard(node_id)
    graph, messages = live.regraph()
    widget.apply({"graph": graph}, [])
    return messages


def _details(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    reply: Message = {"kind": "details", "req": request.get("req")}
    node_id = str(request.get("id") or "")
    if live.workflow_id is None:
        reply.update(id=node_id, error="the workflow has not been submitted: nothing ran yet")
        return [reply]
    try:
        reply.update(details(live.workflow.backend, live.status(), node_id))
    except KeyError as exc:
        reply.update(id=node_id, error=str(exc.args[0]))
    return [reply]


def _preview(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    reply: Message = {"kind": "preview", "req": request.get("req"), **empty_preview()}
    side = request.get("side")
    try:
        if side not in ("inputs", "outputs"):
            raise ArtifactUnavailable(f"side must be 'inputs' or 'outputs', got {side!r}")
        if live.workflow_id is None:
            raise ArtifactUnavailable("the workflow has not been submitted: it has no artifacts yet")
        status = live.status()
        node = status.nodes.get(str(request.get("id") or ""))
        if node is None:
            raise ArtifactUnavailable(f"workflow {status.name} has no node {request.get('id')!r}")
        path = request.get("path")
        name = str(request.get("artifact"))
        key = remote_key(status, node, str(side), name)
        if key is not None:  # an Argo run's artifact: a glance at the object store
            reply.update(preview_object(key, str(path) if path else None))
        else:
            root = artifact_root(live.workflow.backend, status.name, node, str(side), name)
            reply.update(preview_path(root, str(path) if path else None))
    except ArtifactUnavailable as exc:
        reply.update(ok=False, reason=str(exc))
    except OSError as exc:
        reply.update(ok=False, reason=f"could not read the artifact: {exc}")
    return [reply]


def _act(widget: WorkflowWidget, live: LiveGraph, action: Any, node_id: str | None) -> tuple[str, str | None]:
    """Do ``action``; returns a message and, for ``replay_command``, the command text."""
    workflow = live.workflow
    workflow_id = live.workflow_id
    if workflow_id is None:
        raise ValueError(f"workflow {workflow.name} has not been submitted; nothing to {action}")
    status = live.status()
    if action == "terminate":
        if status.phase not in ACTIVE_PHASES:
            return f"workflow {workflow_id} has already ended ({status.phase})", None
        workflow.backend.terminate(workflow_id)
        return f"workflow {workflow_id}: termination requested", None
    if action == "retry":
        if status.phase in ACTIVE_PHASES:
            raise ValueError(f"workflow {workflow_id} is still {status.phase}; terminate it before a retry")
        if getattr(workflow, "entrypoint", None) is None:
            raise ValueError(
                f"workflow {workflow_id}: its definition is not in this kernel; run the cell that "
                "defines it, then submit it again"
            )
        widget.follow(workflow_id)
        workflow.backend.submit(workflow, workflow_id, restart=True, detach=True)
        return f"workflow {workflow_id} restarted: steps that succeeded are reused", None
    if action == "replay_command":
        node = status.nodes.get(node_id or "")
        command = replay_command(status, node) if node is not None else None
        if command is None:
            raise ValueError(f"{node_id!r} is not a step of workflow {workflow_id} that ran an OP")
        return "run this in a cell to debug the step in the kernel", command
    raise ValueError(f"unknown action {action!r} (terminate, retry or replay_command)")


def _action(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    reply: Message = {"kind": "action_result", "req": request.get("req"), "ok": False, "text": None}
    node_id = request.get("id")
    try:
        message, text = _act(widget, live, request.get("action"), str(node_id) if node_id else None)
        reply.update(ok=True, message=message, text=text)
    except Exception as exc:  # the browser shows the reason; the kernel keeps going
        reply.update(message=str(exc) or type(exc).__name__)
    return [reply]


_HANDLERS = {
    "hello": _hello,
    "expand": _fold,
    "collapse": _fold,
    "details": _details,
    "preview": _preview,
    "action": _action,
}


def answer(widget: WorkflowWidget, live: LiveGraph, request: Mapping[str, Any]) -> list[Message]:
    """The messages answering ``request`` (none for an unknown kind)."""
    handler = _HANDLERS.get(str(request.get("kind")))
    return [] if handler is None else handler(widget, live, request)
