"""The graph the widget draws, built from a workflow's status tree as Argo's UI draws it.

Every status node is a graph node and the edges follow the nodes' ``children``, as in Argo's
UI. Each nested ``Steps``/``DAG`` node also opens a group (a box around the nodes whose
``boundaryID`` it is); the node itself is the group's entry. A fan-out wider than a threshold
(a ``StepGroup``/``TaskGroup`` with many children: parallel steps or the items of a
``with_param``/``with_sequence`` step) is drawn as one ``Fanout`` summary node that counts its
items per phase; everything an item owns (retry attempts, the inside of a nested template) is
hidden behind it. An expanded fan-out shows its items, failed ones first, up to a limit.

The graph depends on the structure only (which nodes exist, their children, expansions), never
on phases, so a phase change never rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import LEAF_TYPES

__all__ = [
    "COUNTED_TYPES",
    "DEFAULT_FANOUT_THRESHOLD",
    "MAX_EXPANDED_ITEMS",
    "Graph",
    "build_graph",
    "counted_steps",
]

#: Fan-outs with more items than this are drawn as one summary node.
DEFAULT_FANOUT_THRESHOLD = 20
#: An expanded fan-out draws at most this many items (failed first); the rest stay summarized.
MAX_EXPANDED_ITEMS = 200
#: Node types counted as steps in the header and in group counts (a Skipped step never ran a
#: pod; a Planned one has not run yet).
COUNTED_TYPES = frozenset(LEAF_TYPES | {"Skipped", "Planned"})
_GROUP_TYPES = frozenset({"Steps", "DAG"})
_FANOUT_TYPES = frozenset({"StepGroup", "TaskGroup"})
_ITEM_SUFFIX = re.compile(r"\(\d+:.*\)$")
# Expanded items: failed first, then running, then the rest in their own order.
_EXPAND_RANK = {"Failed": 0, "Error": 0, "Running": 1, "Pending": 2}


@dataclass
class Graph:
    """A drawable structure plus the bookkeeping that keeps its node states current.

    Attributes
    ----------
    nodes, groups, edges
        As the protocol's ``graph`` trait has them (``layout`` is added when published).
    containers
        Fan-out nodes (-> their items) and groups (-> the steps inside) whose phases they count.
    known
        Every status node the graph accounts for (drawn or hidden) -> its number of children
        when the graph was built; a node outside it, or with other children now, is a
        structure change.
    fanouts
        Fan-out nodes -> their number of items (kept current by ``widget.grow``).
    """

    nodes: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    edges: list[tuple[str, str]] = field(default_factory=list)
    containers: dict[str, list[str]] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)
    fanouts: dict[str, int] = field(default_factory=dict)
    #: The nodes the header counts as steps (leaves; of a retried step its last attempt).
    counted: dict[str, None] = field(default_factory=dict)
    #: Hidden nodes -> the fan-out node drawn instead.
    hidden: dict[str, str] = field(default_factory=dict)
    #: Ids of the groups (nested ``Steps``/``DAG`` nodes drawn as boxes).
    group_ids: set[str] = field(default_factory=set)
    #: Fan-outs drawn expanded.
    expanded: set[str] = field(default_factory=set)

    def node_ids(self) -> list[str]:
        return [n["id"] for n in self.nodes]

    def key(self) -> str:
        """A digest of what the layout depends on (labels size the boxes)."""
        shape = [
            [(n["id"], n["label"], n["type"], n["group"]) for n in self.nodes],
            [(g["id"], g["label"], g["group"]) for g in self.groups],
            self.edges,
        ]
        return hashlib.sha1(json.dumps(shape).encode()).hexdigest()

    def to_json(self, rev: int, layout: dict[str, Any] | None) -> dict[str, Any]:
        return {
            "rev": rev,
            "nodes": self.nodes,
            "groups": self.groups,
            "edges": [list(e) for e in self.edges],
            "layout": layout,
        }

    def changed_structure(self, status: WorkflowStatus, ids: Iterable[str]) -> bool:
        """Whether any of the (changed) node ``ids`` is new or has other children now."""
        for nid in ids:
            count = self.known.get(nid)
            if count is None:
                if nid in status.nodes:
                    return True
                continue
            node = status.nodes.get(nid)
            if node is not None and len(node.children) != count:
                return True
        return False


def _item_base(display: str) -> str:
    return _ITEM_SUFFIX.sub("", display)


def _fanout_label(group: Node, items: list[Node]) -> str:
    bases = {_item_base(n.display_name) for n in items}
    if len(bases) == 1:
        return bases.pop()
    return group.display_name


class _Tree:
    """A consistent snapshot of a status tree (the engine may add nodes while we read)."""

    def __init__(self, status: WorkflowStatus) -> None:
        # list() of a dict view is one C call: atomic with respect to other Python threads.
        self.order: list[Node] = list(status.nodes.values())
        self.nodes = {n.id: n for n in self.order}
        self.children = {n.id: [c for c in list(n.children) if c in self.nodes] for n in self.order}
        self.root = status.name
        self.members: dict[str, list[str]] = {}
        self.parent: dict[str, str] = {}
        for n in self.order:
            if n.boundary_id is not None:
                self.members.setdefault(n.boundary_id, []).append(n.id)
            for child in self.children[n.id]:
                self.parent.setdefault(child, n.id)

    def owned(self, item: str) -> list[str]:
        """What an item stands for besides itself: retry attempts, a nested template's inside."""
        found: list[str] = []
        stack = [item]
        while stack:
            nid = stack.pop()
            node = self.nodes[nid]
            if node.type == "Retry":
                inner = self.children[nid]
            elif node.type in _GROUP_TYPES:
                inner = self.members.get(nid, [])
            else:
                continue
            found.extend(inner)
            stack.extend(inner)
        return found

    def counted(self, node: Node) -> bool:
        """A step as people count them: a leaf, and of a retried step only the last attempt."""
        if node.type not in COUNTED_TYPES:
            return False
        parent = self.parent.get(node.id)
        if parent is not None and self.nodes[parent].type == "Retry":
            return self.children[parent][-1] == node.id
        return True


def _expanded_order(items: list[Node]) -> list[Node]:
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (_EXPAND_RANK.get(pair[1].phase, 3), pair[0]))
    return [n for _, n in indexed]


def _collapse(
    tree: _Tree, expanded: Collection[str], threshold: int, max_expanded: int
) -> tuple[dict[str, int], dict[str, str], dict[str, list[str]]]:
    """Fan-outs (-> item count), hidden nodes (-> the fan-out drawn instead), expanded items."""
    fanouts: dict[str, int] = {}
    stands_for: dict[str, str] = {}
    shown_items: dict[str, list[str]] = {}
    for node in tree.order:  # parents come before children: outer fan-outs hide inner ones
        items = tree.children[node.id]
        if node.type not in _FANOUT_TYPES or len(items) <= threshold or node.id in stands_for:
            continue
        fanouts[node.id] = len(items)
        shown: list[str] = []
        if node.id in expanded:
            shown = [n.id for n in _expanded_order([tree.nodes[i] for i in items])[:max_expanded]]
            shown_items[node.id] = shown
        visible = set(shown)
        for item in items:
            if item in visible:
                continue
            stands_for[item] = node.id
            for inner in tree.owned(item):
                stands_for.setdefault(inner, node.id)
    return fanouts, stands_for, shown_items


def build_graph(
    status: WorkflowStatus,
    *,
    expanded: Collection[str] = (),
    threshold: int = DEFAULT_FANOUT_THRESHOLD,
    max_expanded: int = MAX_EXPANDED_ITEMS,
) -> Graph:
    """The graph of ``status`` (see the module docstring).

    Parameters
    ----------
    status
        A workflow's status (live or recorded).
    expanded
        Ids of fan-out nodes the user expanded.
    threshold
        Fan-outs with more items than this are summarized.
    max_expanded
        An expanded fan-out draws at most this many items.
    """
    tree = _Tree(status)
    fanouts, stands_for, shown_items = _collapse(tree, expanded, threshold, max_expanded)
    groups = {
        n.id for n in tree.order if n.type in _GROUP_TYPES and n.id != tree.root and n.id not in stands_for
    }
    graph = Graph(
        known={n.id: len(tree.children[n.id]) for n in tree.order},
        fanouts=fanouts,
        hidden=stands_for,
        group_ids=groups,
        expanded=set(shown_items),
    )

    # Drawing order: creation order, except that expanded items come failed first (in the slot
    # of their fan-out's first item, before anything nested in them).
    rank = {n.id: float(i) for i, n in enumerate(tree.order)}
    for shown in shown_items.values():
        if shown:
            first = min(rank[i] for i in shown)
            for r, item in enumerate(shown):
                rank[item] = first + r / (len(shown) + 1)
    drawn = sorted((n for n in tree.order if n.id not in stands_for), key=lambda n: rank[n.id])

    for node in drawn:
        total = fanouts.get(node.id)
        summary = total is not None and node.id not in expanded
        label = node.display_name
        if summary:
            label = _fanout_label(node, [tree.nodes[i] for i in tree.children[node.id]])
        group = node.id if node.id in groups else node.boundary_id if node.boundary_id in groups else None
        graph.nodes.append(
            {
                "id": node.id,
                "label": label,
                "type": "Fanout" if summary else node.type,
                "group": group,
                "key": node.key,
                "template": node.template_name,
                "fanout": None if total is None else {"total": total, "expanded": not summary},
            }
        )
    for node in tree.order:  # parents before children
        if node.id in groups:
            parent = node.boundary_id if node.boundary_id in groups else None
            graph.groups.append(
                {"id": node.id, "label": node.display_name, "type": node.type, "group": parent}
            )

    seen: set[tuple[str, str]] = set()
    for node in sorted(tree.order, key=lambda n: rank[n.id]):
        source = stands_for.get(node.id, node.id)
        for child in shown_items.get(node.id, tree.children[node.id]):
            edge = (source, stands_for.get(child, child))
            if edge[0] != edge[1] and edge not in seen:
                seen.add(edge)
                graph.edges.append(edge)

    for fan in fanouts:
        if fan not in stands_for:
            graph.containers[fan] = list(tree.children[fan])
    for gid in groups:
        graph.containers[gid] = []
    for node in tree.order:
        if not tree.counted(node):
            continue
        graph.counted[node.id] = None
        boundary = node.boundary_id
        while boundary is not None and boundary in tree.nodes:
            if boundary in groups:
                graph.containers[boundary].append(node.id)
            boundary = tree.nodes[boundary].boundary_id
    return graph


def counted_steps(status: WorkflowStatus) -> list[Node]:
    """The steps of ``status`` as the widget counts them (leaves; a retried step's last attempt)."""
    tree = _Tree(status)
    return [n for n in tree.order if tree.counted(n)]
