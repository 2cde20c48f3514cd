"""The status model: an Argo-shaped tree of nodes that every backend writes and every reader reads.

The debug engine fills it as it runs; the Argo poller fills it from real Argo ``Workflow``
objects (``WorkflowStatus.from_argo``). Queries, magics, the widget and the lab extension only
read it, so a workflow looks the same whichever backend ran it.

Node ids and names follow Argo: the root node's id is the workflow name, other ids are
``<workflow>-<fnv32a(node name)>``; names are ``<wf>[i].<step>`` inside ``Steps``,
``<wf>.<task>`` inside a ``DAG``, ``(<i>:<item>)`` for fan-out items and ``(<n>)`` for attempts.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.status.phase import FINISHED_PHASES, LEAF_TYPES, Phase, WorkflowPhase

_FNV_OFFSET = 0x811C9DC5
_FNV_PRIME = 0x01000193
_fnv_states: dict[str, int] = {}
_SEPARATORS = ".[("


def _fnv_continue(h: int, data: bytes) -> int:
    for byte in data:
        h = ((h ^ byte) * _FNV_PRIME) & 0xFFFFFFFF
    return h


def fnv32a(text: str) -> int:
    """FNV-1a 32-bit hash, as Argo uses for node ids and pod names.

    FNV-1a is incremental and node names extend their parent's name, so the hash resumes from
    the longest already-hashed prefix: deep recursion (names thousands of characters long) stays
    linear instead of quadratic.
    """
    cached = _fnv_states.get(text)
    if cached is not None:
        return cached
    cut = max(text.rfind(sep) for sep in _SEPARATORS)
    while cut > 0 and text[:cut] not in _fnv_states:
        cut = max(text.rfind(sep, 0, cut) for sep in _SEPARATORS)
    if cut > 0:
        h = _fnv_continue(_fnv_states[text[:cut]], text[cut:].encode())
    else:
        h = _fnv_continue(_FNV_OFFSET, text.encode())
    if len(_fnv_states) > 200_000:
        _fnv_states.clear()
    _fnv_states[text] = h
    return h


def node_id(workflow: str, name: str) -> str:
    """Argo's node id for the node ``name`` of ``workflow``."""
    return workflow if name == workflow else f"{workflow}-{fnv32a(name)}"


def pod_name(workflow: str, template: str | None, name: str) -> str:
    """Argo's POD_NAMES v2 pod name of a Pod node."""
    if name == workflow:
        return workflow
    prefix = f"{workflow}-{template}" if template else workflow
    return f"{prefix[:242]}-{fnv32a(name)}"


def format_time(ts: float | None) -> str | None:
    """RFC 3339 UTC (microseconds kept; Argo's own objects carry whole seconds)."""
    if ts is None:
        return None
    # isoformat is several times faster than strftime, and status snapshots format every node.
    return (
        _dt.datetime.fromtimestamp(ts, _dt.timezone.utc)
        .replace(tzinfo=None)
        .isoformat(timespec="microseconds")
        + "Z"
    )


def parse_time(text: str | None) -> float | None:
    if not text:
        return None
    return _dt.datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


@dataclass(eq=False)
class Node:
    """One node of the tree, with the fields Argo's ``NodeStatus`` has (snake_case here)."""

    id: str
    name: str
    display_name: str
    type: str
    template_name: str | None = None
    phase: Phase = "Pending"
    boundary_id: str | None = None
    children: list[str] = field(default_factory=list)
    outbound_nodes: list[str] = field(default_factory=list)
    started_at: float | None = None
    finished_at: float | None = None
    progress: str | None = None
    message: str | None = None
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    exit_code: int | None = None
    #: dflow's step key (Argo carries it as the input parameter ``dflow_key``).
    key: str | None = None
    #: Where the debug backend keeps this step's files, relative to the workflow directory.
    step_dir: str | None = None
    #: Set on reused (memoized) steps, as Argo's ``memoizationStatus``.
    memoized: bool = False

    @property
    def finished(self) -> bool:
        return self.phase in FINISHED_PHASES

    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.finished_at
        if end is None:
            import time

            end = time.time()
        return end - self.started_at

    def to_argo(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "displayName": self.display_name,
            "type": self.type,
            "phase": self.phase,
        }
        optional = {
            "templateName": self.template_name,
            "boundaryID": self.boundary_id,
            "startedAt": format_time(self.started_at),
            "finishedAt": format_time(self.finished_at),
            "progress": self.progress,
            "message": self.message,
            "inputs": self.inputs,
            "outputs": self.outputs,
        }
        data.update({k: v for k, v in optional.items() if v is not None})
        if self.children:
            data["children"] = list(self.children)
        if self.outbound_nodes:
            data["outboundNodes"] = list(self.outbound_nodes)
        if self.exit_code is not None:
            data.setdefault("outputs", {})["exitCode"] = str(self.exit_code)
        if self.memoized:
            data["memoizationStatus"] = {"hit": True, "key": self.key or "", "cacheName": "dflow"}
        extra = {"key": self.key, "stepDir": self.step_dir}
        extra = {k: v for k, v in extra.items() if v is not None}
        if extra:
            data["dflowJupyter"] = extra
        return data

    @classmethod
    def from_argo(cls, data: dict[str, Any]) -> Node:
        outputs = data.get("outputs")
        exit_code = None
        if outputs and outputs.get("exitCode") not in (None, ""):
            try:
                exit_code = int(outputs["exitCode"])
            except (TypeError, ValueError):
                exit_code = None
        ours = data.get("dflowJupyter") or {}
        key = ours.get("key")
        if key is None:
            for param in (data.get("inputs") or {}).get("parameters") or []:
                if param.get("name") == "dflow_key":
                    key = param.get("value")
        return cls(
            id=data["id"],
            name=data.get("name", data["id"]),
            display_name=data.get("displayName", data.get("name", data["id"])),
            type=data.get("type", "Pod"),
            template_name=data.get("templateName"),
            phase=data.get("phase") or "Pending",
            boundary_id=data.get("boundaryID"),
            children=list(data.get("children") or []),
            outbound_nodes=list(data.get("outboundNodes") or []),
            started_at=parse_time(data.get("startedAt")),
            finished_at=parse_time(data.get("finishedAt")),
            progress=data.get("progress"),
            message=data.get("message"),
            inputs=data.get("inputs"),
            outputs=outputs,
            exit_code=exit_code,
            key=key,
            step_dir=ours.get("stepDir"),
            memoized=bool((data.get("memoizationStatus") or {}).get("hit")),
        )


@dataclass(eq=False)
class WorkflowStatus:
    """A workflow's status: phase, times, progress, global outputs and the node tree."""

    name: str
    uid: str = ""
    phase: WorkflowPhase = "Pending"
    started_at: float | None = None
    finished_at: float | None = None
    message: str | None = None
    progress: str | None = None
    nodes: dict[str, Node] = field(default_factory=dict)
    outputs: dict[str, Any] | None = None
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)
    backend: str = "debug"

    def to_argo(self) -> dict[str, Any]:
        status: dict[str, Any] = {
            "phase": self.phase,
            "nodes": {k: n.to_argo() for k, n in self.nodes.items()},
        }
        optional = {
            "startedAt": format_time(self.started_at),
            "finishedAt": format_time(self.finished_at),
            "message": self.message,
            "progress": self.progress,
            "outputs": self.outputs,
        }
        status.update({k: v for k, v in optional.items() if v is not None})
        metadata: dict[str, Any] = {"name": self.name, "uid": self.uid, "labels": dict(self.labels)}
        if self.annotations:
            metadata["annotations"] = dict(self.annotations)
        if self.started_at is not None:
            metadata["creationTimestamp"] = format_time(self.started_at)
        return {
            "apiVersion": "argoproj.io/v1alpha1",
            "kind": "Workflow",
            "metadata": metadata,
            "status": status,
            "dflowJupyter": {"backend": self.backend},
        }

    @classmethod
    def from_argo(cls, obj: dict[str, Any]) -> WorkflowStatus:
        """Read an Argo ``Workflow`` object (tolerating missing progress, message and times)."""
        metadata = obj.get("metadata") or {}
        status = obj.get("status") or {}
        nodes = {nid: Node.from_argo({"id": nid, **raw}) for nid, raw in (status.get("nodes") or {}).items()}
        return cls(
            name=metadata.get("name", ""),
            uid=metadata.get("uid", ""),
            phase=status.get("phase") or "Pending",
            started_at=parse_time(status.get("startedAt")),
            finished_at=parse_time(status.get("finishedAt")),
            message=status.get("message"),
            progress=status.get("progress"),
            nodes=nodes,
            outputs=status.get("outputs"),
            labels=dict(metadata.get("labels") or {}),
            annotations=dict(metadata.get("annotations") or {}),
            backend=(obj.get("dflowJupyter") or {}).get("backend", "argo"),
        )

    @property
    def root(self) -> Node | None:
        return self.nodes.get(self.name)

    def pods(self) -> list[Node]:
        return [n for n in self.nodes.values() if n.type in LEAF_TYPES]

    def compute_progress(self) -> str:
        """Argo's workflow progress: summed over Pod nodes (``N/M``)."""
        done = total = 0
        for node in self.pods():
            d, t = parse_progress(node.progress) or ((1, 1) if node.phase == "Succeeded" else (0, 1))
            done, total = done + d, total + t
        return f"{done}/{total}"


def parse_progress(text: str | None) -> tuple[int, int] | None:
    if not text or "/" not in text:
        return None
    left, right = text.split("/", 1)
    try:
        return int(left), int(right)
    except ValueError:
        return None
