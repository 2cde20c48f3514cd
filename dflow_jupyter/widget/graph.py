"""The graph the widget draws, built from a workflow's status tree as Argo's UI draws it.

Every status node is a graph node and the edges follow the nodes' ``children``, as in Argo's
UI. Each nested ``Steps``/``DAG`` node also opens a group (a box around the nodes whose
``boundaryID`` it is); the node itself is the group's entry. A fan-out wider than a threshold
(a ``StepGroup``/``TaskGroup`` with many children: parallel steps or the items of a
``with_param``/``with_sequence`` step) is drawn as one ``Fanout`` summary node that counts its
items per phase; everything an item owns (retry attempts, the inside of a nested template) is
hidden behind it. An expanded fan-out shows its items, failed ones first, up to a limit.

A ``StepGroup`` runs parallel steps: one of them may fan out wide while its siblings are single
steps. Its children are then grouped by the step that made them (``square(0:0)``,
``square(1:1)``... are the items of ``square``): a wide step's items become one summary node of
their own, with an id made from the group's (``<group id>/<step name>``, see :data:`Graph.virtual`),
and the siblings stay nodes of their own.

The graph depends on the structure only (which nodes exist, their children, expansions), never
on phases, so a phase change never rebuilds it.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import LEAF_TYPES, Phase

__all__ = [
    "COUNTED_TYPES",
    "DEFAULT_FANOUT_THRESHOLD",
    "MAX_EXPANDED_ITEMS",
    "Graph",
    "build_graph",
    "counted_steps",
    "derived_phase",
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
    #: Fan-outs of one step among parallel siblings: made-up id -> a node standing for them (no
    #: status node has that id; its phase is derived from its items' counts).
    virtual: dict[str, Node] = field(default_factory=dict)

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


def _split(tree: _Tree, node: Node, items: list[str], threshold: int) -> dict[str, list[str]] | None:
    """The wide steps among a ``StepGroup``'s parallel siblings: made-up id -> their items.

    ``None`` when the whole group is one fan-out (one step's items only, or no step wider than
    the threshold: then many parallel steps are summarized together, as before).
    """
    if node.type != "StepGroup":
        return None
    by_step: dict[str, list[str]] = {}
    singles = 0
    for item in items:
        display = tree.nodes[item].display_name
        if _ITEM_SUFFIX.search(display):
            by_step.setdefault(_item_base(display), []).append(item)
        else:
            singles += 1
    wide = {base: members for base, members in by_step.items() if len(members) > threshold}
    if not wide or (singles == 0 and len(by_step) == 1):
        return None
    return {f"{node.id}/{base}": members for base, members in wide.items()}


def _virtual_node(group: Node, vid: str, items: list[Node]) -> Node:
    base = vid.rsplit("/", 1)[-1]
    first = items[0]
    return Node(
        id=vid,
        name=f"{group.name}.{base}",
        display_name=base,
        type=group.type,
        template_name=first.template_name,
        phase=group.phase,
        boundary_id=first.boundary_id,
        started_at=min((n.started_at for n in items if n.started_at is not None), default=None),
        key=None,
    )


def derived_phase(counts: Mapping[str, int]) -> Phase:
    """The phase of a made-up fan-out node from its items' phases (as Argo's groups have it)."""
    if counts.get("Running") or counts.get("Pending"):
        return "Running"
    for phase in ("Error", "Failed"):
        if counts.get(phase):
            return phase  # type: ignore[return-value]
    if counts and all(p in ("Skipped", "Omitted") for p, n in counts.items() if n):
        return "Skipped"
    return "Succeeded" if any(counts.values()) else "Pending"


def _expanded_order(items: list[Node]) -> list[Node]:
    indexed = list(enumerate(items))
    indexed.sort(key=lambda pair: (_EXPAND_RANK.get(pair[1].phase, 3), pair[0]))
    return [n for _, n in indexed]


class _Collapsed:
    """Fan-outs (-> their items), hidden nodes (-> the fan-out drawn instead), expanded items."""

    def __init__(self) -> None:
        self.fanouts: dict[str, list[str]] = {}
        self.stands_for: dict[str, str] = {}
        self.shown_items: dict[str, list[str]] = {}
        self.virtual: dict[str, Node] = {}
        #: Items of a split group -> their made-up fan-out (edges from the group go through it).
        self.via: dict[str, str] = {}


def _collapse(tree: _Tree, expanded: Collection[str], threshold: int, max_expanded: int) -> _Collapsed:
    found = _Collapsed()
    stands_for = found.stands_for
    for node in tree.order:  # parents come before children: outer fan-outs hide inner ones
        items = tree.children[node.id]
        if node.type not in _FANOUT_TYPES or len(items) <= threshold or node.id in stands_for:
            continue
        split = _split(tree, node, items, threshold)
        for fan, members in (split or {node.id: items}).items():
            found.fanouts[fan] = members
            if split is not None:
                found.virtual[fan] = _virtual_node(node, fan, [tree.nodes[i] for i in members])
                found.via.update((item, fan) for item in members)
            shown: list[str] = []
            if fan in expanded:
                shown = [n.id for n in _expanded_order([tree.nodes[i] for i in members])[:max_expanded]]
                found.shown_items[fan] = shown
            visible = set(shown)
            for item in members:
                if item in visible:
                    continue
                stands_for[item] = fan
                for inner in tree.owned(item):
                    stands_for.setdefault(inner, fan)
    return found


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
    found = _collapse(tree, expanded, threshold, max_expanded)
    stands_for, shown_items = found.stands_for, found.shown_items
    groups = {
        n.id for n in tree.order if n.type in _GROUP_TYPES and n.id != tree.root and n.id not in stands_for
    }
    graph = Graph(
        known={n.id: len(tree.children[n.id]) for n in tree.order},
        fanouts={fan: len(items) for fan, items in found.fanouts.items()},
        hidden=stands_for,
        group_ids=groups,
        expanded=set(shown_items),
        virtual=found.virtual,
    )

    # Drawing order: creation order, except that expanded items come failed first (in the slot
    # of their fan-out's first item, before anything nested in them); a made-up fan-out node
    # comes just before its first item.
    rank = {n.id: float(i) for i, n in enumerate(tree.order)}
    for vid in found.virtual:
        rank[vid] = rank[found.fanouts[vid][0]] - 0.5
    for shown in shown_items.values():
        if shown:
            first = min(rank[i] for i in shown)
            for r, item in enumerate(shown):
                rank[item] = first + r / (len(shown) + 1)
    drawable = [n for n in tree.order if n.id not in stands_for] + list(found.virtual.values())
    drawn = sorted(drawable, key=lambda n: rank[n.id])

    for node in drawn:
        members = found.fanouts.get(node.id)
        summary = members is not None and node.id not in expanded
        label = node.display_name
        if members is not None and summary:
            label = _fanout_label(node, [tree.nodes[i] for i in members])
        group = node.id if node.id in groups else node.boundary_id if node.boundary_id in groups else None
        graph.nodes.append(
            {
                "id": node.id,
                "label": label,
                "type": "Fanout" if summary else node.type,
                "group": group,
                "key": node.key,
                "template": node.template_name,
                "fanout": None if members is None else {"total": len(members), "expanded": not summary},
            }
        )
    for node in tree.order:  # parents before children
        if node.id in groups:
            parent = node.boundary_id if node.boundary_id in groups else None
            graph.groups.append(
                {"id": node.id, "label": node.display_name, "type": node.type, "group": parent}
            )

    seen: set[tuple[str, str]] = set()

    def edge(source: str, target: str) -> None:
        if source != target and (source, target) not in seen:
            seen.add((source, target))
            graph.edges.append((source, target))

    for node in sorted([*tree.order, *found.virtual.values()], key=lambda n: rank[n.id]):
        source = stands_for.get(node.id, node.id)
        if node.id in found.virtual:  # its shown items hang under it
            for child in shown_items.get(node.id, ()):
                edge(source, child)
            continue
        for child in shown_items.get(node.id, tree.children[node.id]):
            fan = found.via.get(child)
            # An item of a split group: the group reaches it through the item's fan-out node.
            edge(source, fan if fan is not None else stands_for.get(child, child))

    for fan, items in found.fanouts.items():
        if fan not in stands_for:
            graph.containers[fan] = list(items)
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
