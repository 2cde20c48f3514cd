"""Node states of a drawn graph, kept current incrementally as nodes change.

A flush hands the book the ids of the nodes that changed; the book answers the states to send:
those nodes if they are drawn, plus every fan-out node or group whose per-phase counts moved.
Counts are adjusted by the change of one member's phase, so a flush costs what changed, not the
size of the workflow (a 10,000-item fan-out included).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.widget.graph import Graph, derived_phase
from dflow_jupyter.widget.grow import Growth

__all__ = ["StateBook", "node_state", "readable_message", "summary_of"]


def node_state(node: Node, counts: Counter[str] | None = None, total: int | None = None) -> dict[str, Any]:
    """The protocol's ``NodeState`` of ``node`` (``counts`` for fan-outs and groups)."""
    progress = node.progress
    if progress is None and counts is not None and total:
        progress = f"{counts.get('Succeeded', 0)}/{total}"
    started, finished = node.started_at, node.finished_at
    return {
        "phase": node.phase,
        "progress": progress,
        # Milliseconds are all a view shows; the float's last digits would be a third of the bytes.
        "started_at": None if started is None else round(started, 3),
        "finished_at": None if finished is None else round(finished, 3),
        "message": node.message,
        "counts": None if counts is None else {k: v for k, v in counts.items() if v},
    }


_CHILD_FAILED = re.compile(r"child '([^']+)' failed")
_QUOTED = re.compile(r"'([^']+)'")


def readable_message(message: str | None, status: WorkflowStatus) -> str | None:
    """A workflow's message with steps named as people name them, not by node id.

    Argo (and the debug engine, which writes its messages) says ``child 'wf-2846325148' failed``
    at each level, down to the step that failed. This follows that chain to the step and says
    ``step 'explode' failed: <its own message>``; any other node id quoted in the message
    becomes that node's display name.
    """
    if not message:
        return message
    found = _CHILD_FAILED.fullmatch(message)
    if found is not None and found.group(1) in status.nodes:
        node = status.nodes[found.group(1)]
        for _ in range(64):  # a chain of nested templates, each saying which child failed
            inner = _CHILD_FAILED.fullmatch(node.message or "")
            if inner is None or inner.group(1) not in status.nodes:
                break
            node = status.nodes[inner.group(1)]
        text = f"step '{node.display_name}' failed"
        return f"{text}: {node.message}" if node.message else text

    def name(quoted: re.Match[str]) -> str:
        node = status.nodes.get(quoted.group(1))
        return quoted.group(0) if node is None else f"'{node.display_name}'"

    return _QUOTED.sub(name, message)


def summary_of(status: WorkflowStatus, counts: Counter[str], total: int) -> dict[str, Any]:
    """The ``summary`` trait: the workflow's phase, step counts per phase, progress, times.

    Its ``message`` names steps by their display names (:func:`readable_message`).
    """
    done = counts.get("Succeeded", 0) + counts.get("Skipped", 0)
    return {
        "phase": status.phase,
        "counts": {k: v for k, v in counts.items() if v},
        "progress": f"{done}/{total}",
        "started_at": status.started_at,
        "finished_at": status.finished_at,
        "message": readable_message(status.message, status),
    }


class StateBook:
    """The states of one graph's nodes; :meth:`changed` turns changed ids into states to send."""

    def __init__(self, graph: Graph, status: WorkflowStatus) -> None:
        self.graph = graph
        self.drawn = set(graph.node_ids())
        self.container_of: dict[str, list[str]] = {}
        for container, members in graph.containers.items():
            for member in members:
                self.container_of.setdefault(member, []).append(container)
        self.counted = set(graph.counted)
        self.phase_of: dict[str, str] = {}
        self.counts: dict[str, Counter[str]] = {c: Counter() for c in graph.containers}
        self.totals = Counter({c: len(m) for c, m in graph.containers.items()})
        self.step_counts: Counter[str] = Counter()
        nodes = status.nodes
        for nid in set(self.container_of) | self.counted:
            node = nodes.get(nid)
            if node is not None:
                self._record(nid, node.phase)

    def _record(self, nid: str, phase: str) -> bool:
        """Note ``nid``'s phase; True if it moved (and its containers' counts with it)."""
        old = self.phase_of.get(nid)
        if old == phase:
            return False
        self.phase_of[nid] = phase
        for container in self.container_of.get(nid, ()):
            counts = self.counts[container]
            if old is not None:
                counts[old] -= 1
            counts[phase] += 1
        if nid in self.counted:
            if old is not None:
                self.step_counts[old] -= 1
            self.step_counts[phase] += 1
        return True

    @property
    def total_steps(self) -> int:
        return len(self.counted)

    def state(self, node: Node) -> dict[str, Any]:
        counts = self.counts.get(node.id)
        if node.id in self.graph.virtual and counts is not None:  # a step's fan-out among siblings
            node.phase = derived_phase(counts)
        return node_state(node, counts, self.totals.get(node.id))

    def _node(self, status: WorkflowStatus, nid: str) -> Node | None:
        return status.nodes.get(nid) or self.graph.virtual.get(nid)

    def full(self, status: WorkflowStatus) -> dict[str, dict[str, Any]]:
        """Every drawn node's state (the answer to ``hello``)."""
        found = ((nid, self._node(status, nid)) for nid in self.graph.node_ids())
        return {nid: self.state(node) for nid, node in found if node is not None}

    def grow(self, growth: Growth, status: WorkflowStatus) -> set[str]:
        """Take in what :func:`~dflow_jupyter.widget.grow.grow` added; the containers it moved."""
        touched: set[str] = set()
        groups = self.graph.group_ids
        for nid in growth.uncounted:
            phase = self.phase_of.get(nid)
            self.counted.discard(nid)
            containers = self.container_of.get(nid, [])
            for group in [c for c in containers if c in groups]:
                containers.remove(group)
                self.totals[group] -= 1
                if phase is not None:
                    self.counts[group][phase] -= 1
                touched.add(group)
            if phase is not None:
                self.step_counts[phase] -= 1
        for nid, containers in growth.members.items():
            self.container_of.setdefault(nid, []).extend(containers)
            for container in containers:
                self.totals[container] += 1
            touched.update(containers)
        self.counted.update(growth.counted)
        nodes = status.nodes
        for nid in growth.members:  # every new step is a member (of no group, at least)
            node = nodes.get(nid)
            if node is not None:
                self._record(nid, node.phase)
        return touched

    def changed(
        self, ids: Iterable[str], status: WorkflowStatus, touched: Iterable[str] = ()
    ) -> dict[str, dict[str, Any]]:
        """States to send for the nodes ``ids`` that changed (drawn ones, and moved counts).

        ``touched`` names containers whose counts moved otherwise (:meth:`grow`).
        """
        nodes = status.nodes
        out: dict[str, dict[str, Any]] = {}
        touched = set(touched)
        for nid in ids:
            node = nodes.get(nid)
            if node is None:
                continue
            if (nid in self.container_of or nid in self.counted) and self._record(nid, node.phase):
                touched.update(self.container_of.get(nid, ()))
            if nid in self.drawn:
                out[nid] = self.state(node)
        for container in touched:
            node = self._node(status, container)
            if node is not None and container in self.drawn:
                out[container] = self.state(node)
        return out
