"""Argo ``Workflow`` objects into the shared status model, publishing only the nodes that changed.

The poller hands every object it reads (a get, trimmed or not, or a watch event) to an
:class:`ArgoStatusSync`. It keeps the raw nodes of the previous object, compares the new ones
with them (plain dict equality, done in C) and applies only the differing nodes to the
workflow's :class:`~dflow_jupyter.status.tracker.StatusTracker`, which publishes one event per
changed node. Node objects are updated in place, so a step queried earlier stays current, and
queries, step objects and the widget work exactly as with the debug backend.
"""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
import zlib
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.argo.errors import ArgoError
from dflow_jupyter.status.events import EventBus, events
from dflow_jupyter.status.model import Node, WorkflowStatus, parse_time
from dflow_jupyter.status.phase import ACTIVE_PHASES
from dflow_jupyter.status.tracker import StatusTracker

__all__ = ["ArgoStatusSync", "Delta", "argo_nodes", "diff_nodes", "tree_order"]

RawNodes = dict[str, dict[str, Any]]
_MISSING = object()

#: The ``Node`` attributes an Argo node sets (``id`` is the key and never changes).
_NODE_FIELDS = tuple(f.name for f in dataclasses.fields(Node) if f.name != "id")
#: Workflow-level status fields, read from every object (absent means empty, as Go omits them).
_STATUS_FIELDS = ("phase", "message", "progress", "startedAt", "finishedAt", "outputs")


@dataclass
class Delta:
    """What one applied object changed."""

    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    workflow_changed: bool = False
    resource_version: str | None = None

    @property
    def empty(self) -> bool:
        return not (self.changed or self.removed or self.workflow_changed)


def _older(version: str | None, than: str | None) -> bool:
    """Whether resource version ``version`` is older than ``than`` (when both are numbers).

    Kubernetes calls resource versions opaque, but they are etcd revisions: integers that grow.
    """
    if not version or not than or not version.isdigit() or not than.isdigit():
        return False
    return int(version) < int(than)


def argo_nodes(status: Mapping[str, Any]) -> RawNodes | None:
    """The node map of an Argo ``status`` (``None`` when it has none, not even compressed).

    The server hydrates ``compressedNodes`` on get and watch; a status read elsewhere (a
    file, the list call) may still carry them, gzip-compressed and base64-encoded.
    """
    nodes = status.get("nodes")
    if nodes is not None:
        return dict(nodes)
    packed = status.get("compressedNodes")
    if not packed:
        return None
    data = base64.b64decode(packed)
    if data[:2] == b"\x1f\x8b":
        text = gzip.decompress(data)
    else:
        try:
            text = zlib.decompress(data)
        except zlib.error:
            raise ArgoError(
                "status.compressedNodes uses a compression this reader does not know (Argo 4.1 can "
                "use zstd or brotli); read the workflow with a get or watch, which decompress it"
            ) from None
    decoded: RawNodes = json.loads(text)
    return decoded


def diff_nodes(previous: Mapping[str, Any], current: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Ids of nodes new or different in ``current``, and ids gone from it."""
    get = previous.get
    changed = [nid for nid, raw in current.items() if get(nid) != raw]
    removed = [nid for nid in previous if nid not in current] if len(previous) else []
    return changed, removed


def tree_order(nodes: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Node ids parents first (breadth first from the roots), then any left unreached.

    Argo serializes the node map sorted by id, which puts children before their parents; a
    reader of the events (the widget) should meet a parent first.
    """
    seen: set[str] = set()
    is_child = {c for raw in nodes.values() for c in raw.get("children") or ()}
    queue = deque(nid for nid in nodes if nid not in is_child)
    order: list[str] = []
    while queue:
        nid = queue.popleft()
        if nid in seen or nid not in nodes:
            continue
        seen.add(nid)
        order.append(nid)
        queue.extend(nodes[nid].get("children") or ())
    order.extend(nid for nid in nodes if nid not in seen)
    return order


class ArgoStatusSync:
    """Applies successive Argo objects of one workflow to its status tracker.

    Parameters
    ----------
    tracker
        The tracker owning the workflow's :class:`WorkflowStatus` (``backend == "argo"``).
    """

    def __init__(self, tracker: StatusTracker) -> None:
        self.tracker = tracker
        self.resource_version: str | None = None
        self._raw: RawNodes = {}
        self._workflow: dict[str, Any] = {}

    @classmethod
    def for_workflow(cls, name: str, bus: EventBus = events) -> ArgoStatusSync:
        """A sync with a fresh tracker for workflow ``name``."""
        return cls(StatusTracker(WorkflowStatus(name=name, backend="argo"), bus))

    @property
    def status(self) -> WorkflowStatus:
        return self.tracker.status

    @property
    def finished(self) -> bool:
        """Whether the workflow has ended (its phase is neither Pending nor Running)."""
        return self.tracker.status.phase not in ACTIVE_PHASES

    def apply(self, obj: Mapping[str, Any], *, with_nodes: bool = True) -> Delta:
        """Apply one ``Workflow`` object; returns what changed (each change published once).

        ``with_nodes=False`` says the object was trimmed without ``status.nodes``: the node
        tree is then left as it is instead of being emptied.
        """
        metadata = obj.get("metadata") or {}
        status = obj.get("status") or {}
        delta = Delta(resource_version=metadata.get("resourceVersion"))
        with self.tracker.lock:
            if _older(delta.resource_version, self.resource_version):
                # A get answered after a newer watch event (the wait loop and the poller can
                # both read): applying it would move the status back in time.
                return Delta(resource_version=delta.resource_version)
            if delta.resource_version:
                self.resource_version = delta.resource_version
            if with_nodes:
                current = argo_nodes(status) or {}
                delta.changed, delta.removed = diff_nodes(self._raw, current)
                self._apply_nodes(current, delta)
                self._raw = current
            delta.workflow_changed = self._apply_workflow(metadata, status, force=bool(delta.removed))
        return delta

    def _apply_nodes(self, current: RawNodes, delta: Delta) -> None:
        nodes = self.tracker.status.nodes
        changed = delta.changed
        added = any(nid not in nodes for nid in changed)
        if added:
            wanted = set(changed)
            changed = [nid for nid in tree_order(current) if nid in wanted]
        for nid in changed:
            fresh = Node.from_argo({**current[nid], "id": nid})
            node = nodes.get(nid)
            if node is None:
                nodes[nid] = fresh
                self.tracker.update(fresh)
                continue
            updates = {k: v for k in _NODE_FIELDS if (v := getattr(fresh, k)) != getattr(node, k)}
            if updates:
                self.tracker.update(node, **updates)
        for nid in delta.removed:
            # Argo drops nodes on retry (the failed ones are re-created); the workflow event
            # that follows tells readers to look again.
            nodes.pop(nid, None)
        if added:
            # Keep the server's order (sorted by id): queries sort by start time and, as dflow,
            # break ties by that order, so they list steps as the debug backend does.
            ordered = [(nid, nodes[nid]) for nid in current if nid in nodes]
            nodes.clear()
            nodes.update(ordered)

    def _apply_workflow(self, metadata: Mapping[str, Any], status: Mapping[str, Any], *, force: bool) -> bool:
        seen = {key: status.get(key) for key in _STATUS_FIELDS}
        seen.update({key: metadata[key] for key in ("uid", "labels", "annotations") if key in metadata})
        if not force and all(self._workflow.get(k, _MISSING) == v for k, v in seen.items()):
            return False
        self._workflow.update(seen)
        model = self.tracker.status
        model.phase = seen["phase"] or "Pending"
        model.message = seen["message"]
        model.progress = seen["progress"]
        model.started_at = parse_time(seen["startedAt"])
        model.finished_at = parse_time(seen["finishedAt"])
        model.outputs = seen["outputs"]
        if "uid" in seen:
            model.uid = seen["uid"] or ""
        if "labels" in seen:
            model.labels = dict(seen["labels"] or {})
        if "annotations" in seen:
            model.annotations = dict(seen["annotations"] or {})
        self.tracker.workflow_changed()
        self.tracker.bus.publish_workflow(model)
        return True
