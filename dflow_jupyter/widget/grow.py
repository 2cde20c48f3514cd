"""Growing a graph in place when new nodes only widen collapsed fan-outs (no rebuild, no layout).

A 10,000-item fan-out adds nodes all the time, but none of them is drawn: each is an item
hidden behind its fan-out's summary node, or something such an item owns (a retry attempt, the
inside of a nested template). :func:`grow` takes them into the graph's bookkeeping in time
proportional to what is new, so a flush during a wide fan-out stays cheap. Anything else (a
node to draw, a new edge) returns ``None``: the caller rebuilds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from dflow_jupyter.status.model import WorkflowStatus, node_id
from dflow_jupyter.widget.graph import COUNTED_TYPES, Graph

__all__ = ["Growth", "grow"]

_ATTEMPT = re.compile(r"\(\d+\)$")


@dataclass
class Growth:
    """What :func:`grow` added: nodes with the containers that count them, and step changes."""

    members: dict[str, list[str]] = field(default_factory=dict)
    counted: list[str] = field(default_factory=list)
    uncounted: list[str] = field(default_factory=list)
    totals: bool = False


def _groups_above(graph: Graph, status: WorkflowStatus, boundary: str | None) -> list[str]:
    found = []
    while boundary is not None:
        if boundary in graph.group_ids:
            found.append(boundary)
        node = status.nodes.get(boundary)
        boundary = node.boundary_id if node is not None else None
    return found


def grow(graph: Graph, status: WorkflowStatus, ids: Iterable[str]) -> Growth | None:
    """Take the new nodes among ``ids`` into ``graph`` if they are all hidden (else ``None``).

    ``graph`` is changed only when the answer is not ``None``.
    """
    nodes = status.nodes
    new = [nid for nid in ids if nid not in graph.known and nid in nodes]
    growth = Growth()
    hidden: dict[str, str] = {}
    items: dict[str, list[str]] = {}
    for fan in graph.fanouts:
        node = nodes.get(fan)
        if node is None or fan in graph.hidden or len(node.children) == graph.known.get(fan):
            continue
        if fan in graph.expanded:
            return None  # its new items are to be drawn
        added = list(node.children)[graph.known[fan] :]
        items[fan] = added
        hidden.update((item, fan) for item in added)
    attempts: dict[str, str] = {}
    for nid in new:
        if nid in hidden:
            continue
        node = nodes[nid]
        owner = graph.hidden.get(node.boundary_id or "") or hidden.get(node.boundary_id or "")
        if owner is None and _ATTEMPT.search(node.name):
            parent = node_id(status.name, _ATTEMPT.sub("", node.name))
            owner = graph.hidden.get(parent) or hidden.get(parent)
            if owner is not None:
                attempts[nid] = parent
        if owner is None:
            return None
        hidden[nid] = owner
    # All new nodes are hidden: commit.
    for fan, added in items.items():
        graph.known[fan] += len(added)
        graph.fanouts[fan] = graph.known[fan]
        graph.containers[fan].extend(added)
        growth.totals = True
        for item in added:
            growth.members.setdefault(item, []).append(fan)
    for nid, owner in hidden.items():
        node = nodes.get(nid)
        if node is None:
            continue
        graph.hidden[nid] = owner
        graph.known[nid] = len(node.children)
        if node.type not in COUNTED_TYPES:
            continue
        groups = _groups_above(graph, status, node.boundary_id)
        if nid in attempts:  # a new attempt supersedes the retried step's last one
            for sibling in list(nodes[attempts[nid]].children):
                if sibling != nid and sibling in graph.counted:
                    del graph.counted[sibling]
                    for group in groups:
                        graph.containers[group].remove(sibling)  # rare (a retry): a scan is fine
                    growth.uncounted.append(sibling)
        for group in groups:
            graph.containers[group].append(nid)
        graph.counted[nid] = None
        growth.counted.append(nid)
        growth.members.setdefault(nid, []).extend(groups)
    for drawn in graph.nodes:
        if drawn["id"] in items:
            drawn["fanout"] = {"total": graph.fanouts[drawn["id"]], "expanded": False}
    return growth
