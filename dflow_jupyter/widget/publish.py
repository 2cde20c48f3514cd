"""What the browser holds of the structure, and the cheapest message that brings it up to date.

A workflow that runs grows: every few flushes new steps appear. Sending the whole graph (and
every node's state) again each time costs what the graph weighs, over and over. The publisher
remembers what the views were sent and sends a ``grow`` message instead: the nodes, groups and
edges that are new, the entries that changed, and the boxes that are new or moved (the layout
keeps known boxes in place when it can, see :mod:`~dflow_jupyter.widget.layered`), followed by
a ``delta`` of the states that changed. The whole graph goes out again (the ``graph`` trait)
only when something was removed (a fan-out collapsed, a plan replaced by the live tree), when a
delta would weigh about as much, or when a view asks for it (its ``hello`` names a ``rev`` it
does not have). See ``docs/widget-protocol.md``.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.widget._gc import paused_gc

__all__ = ["Publisher", "graph_bytes"]

Message = dict[str, Any]
#: A delta that moves or changes more than this share of the known nodes is a whole graph.
FULL_SHARE = 0.5
#: What a moved box weighs in a ``grow``, against a node's entry and state in a whole graph.
MOVED_WEIGHT = 0.2
_NODE_STRIDE = 5  # x, y, w, h, grid


def _compact(entry: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entry.items() if v is not None}


def graph_bytes(graph: Mapping[str, Any]) -> bytes:
    """The ``graph`` trait as it travels: one buffer of JSON, compact (docs/widget-protocol.md).

    Absent means ``null`` in node, group and state entries; edges are pairs of indices into
    ``nodes``, flattened; ``states`` are aligned with ``nodes``. Ten thousand nodes would
    otherwise repeat their ids, and ``null``s, a megabyte over.
    """
    with paused_gc():
        return _graph_bytes(graph)


def _graph_bytes(graph: Mapping[str, Any]) -> bytes:
    nodes = graph.get("nodes") or []
    index = {n["id"]: i for i, n in enumerate(nodes)}
    edges: list[int] = []
    for a, b in graph.get("edges") or []:
        i, j = index.get(a), index.get(b)
        if i is not None and j is not None:
            edges += (i, j)
    states = graph.get("states") or {}
    wire = {
        "rev": graph.get("rev"),
        "nodes": [_compact(n) for n in nodes],
        "groups": [_compact(g) for g in graph.get("groups") or []],
        "edges": edges,
        "layout": graph.get("layout"),
        "states": [_compact(states.get(n["id"]) or {}) for n in nodes],
    }
    return json.dumps(wire, separators=(",", ":"), allow_nan=False).encode()


class _Held:
    """The structure one view holds: entries in the view's order, edges, boxes."""

    def __init__(self, graph: Mapping[str, Any]) -> None:
        self.rev: int = graph["rev"]
        # Copies: the graph's entries change in place (a fan-out's total, widget.grow).
        self.nodes: list[Mapping[str, Any]] = [dict(n) for n in graph["nodes"]]
        self.node_index = {n["id"]: i for i, n in enumerate(self.nodes)}
        self.groups: list[Mapping[str, Any]] = [dict(g) for g in graph["groups"]]
        self.group_index = {g["id"]: i for i, g in enumerate(self.groups)}
        self.edges = {(a, b) for a, b in graph["edges"]}
        layout = graph.get("layout") or {}
        self.engine = layout.get("engine")
        self.node_boxes = _boxes(layout.get("nodes") or [], len(self.nodes))
        self.group_boxes = _boxes(layout.get("groups") or [], len(self.groups))


def _boxes(flat: list[Any], count: int) -> list[tuple[Any, ...]]:
    if len(flat) != count * _NODE_STRIDE:
        return [()] * count
    return [tuple(flat[i : i + _NODE_STRIDE]) for i in range(0, len(flat), _NODE_STRIDE)]


def _diff(
    held_entries: list[Mapping[str, Any]],
    held_index: dict[str, int],
    held_boxes: list[tuple[Any, ...]],
    entries: list[Mapping[str, Any]],
    flat: list[Any],
) -> tuple[list[Mapping[str, Any]], list[Any], list[Mapping[str, Any]], list[Any]] | None:
    """New entries and their boxes, changed entries, moved boxes (``[i, x, y, w, h, g, ...]``).

    ``None`` if an entry the view holds is gone.
    """
    if len(entries) < len(held_entries):
        return None
    added: list[Mapping[str, Any]] = []
    added_boxes: list[Any] = []
    changed: list[Mapping[str, Any]] = []
    moved: list[Any] = []
    boxes = _boxes(flat, len(entries))
    seen = 0
    for entry, box in zip(entries, boxes, strict=True):
        i = held_index.get(entry["id"])
        if i is None:
            added.append(entry)
            added_boxes.extend(box)
            continue
        seen += 1
        if held_entries[i] != entry:
            changed.append(entry)
        if held_boxes[i] != box:
            moved.append(i)
            moved.extend(box)
    if seen != len(held_entries):
        return None
    return added, added_boxes, changed, moved


class Publisher:
    """Turns each new graph (with its layout) and its nodes' states into what to send."""

    def __init__(self) -> None:
        self.held: _Held | None = None
        #: The states the views hold, as far as this publisher sent or was told (:meth:`note`).
        self.states: dict[str, Mapping[str, Any]] = {}
        #: Whether states changed since the ``graph`` trait was sent (its ``states`` are old).
        self.moved_on = False
        #: The last ``rev``s the views reached through ``grow`` messages: a ``graph`` trait of one
        #: of them is not sent (it may be set a moment after the next grow was computed).
        self.grown: deque[int] = deque(maxlen=256)

    def full(self, graph: dict[str, Any], states: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """``graph`` whole, with its nodes' ``states``: the ``graph`` trait's new value."""
        self.held = _Held(graph)
        self.states = dict(states)
        self.moved_on = False
        return {**graph, "states": dict(self.states)}

    def publish(
        self, graph: dict[str, Any], states: Mapping[str, Mapping[str, Any]] | None
    ) -> tuple[dict[str, Any], list[Message]]:
        """The ``graph`` trait's new value and the messages to send after it.

        ``states`` are every drawn node's states (``None``: they did not change). When a
        ``grow`` message carries the change, the trait's new value is not sent (its ``rev`` is in
        :attr:`grown`, see ``WorkflowWidget``): Python's trait stays current for a view made
        later, the open views get the delta only.
        """
        grow = None if self.held is None else self._grow(self.held, graph)
        if grow is None:
            return self.full(graph, self.states if states is None else states), []
        messages = [grow]
        self.moved_on = True
        if states is not None:
            changed = {nid: s for nid, s in states.items() if self.states.get(nid) != s}
            if changed:
                self.states.update(changed)
                messages.append({"kind": "delta", "nodes": changed})
        self.grown.append(graph["rev"])
        return {**graph, "states": dict(self.states)}, messages

    def note(self, delta: Mapping[str, Mapping[str, Any]]) -> None:
        """States sent in a ``delta`` message."""
        if delta:
            self.states.update(delta)
            self.moved_on = True

    def _grow(self, held: _Held, graph: dict[str, Any]) -> Message | None:
        layout = graph.get("layout") or {}
        if layout.get("engine") != held.engine:
            return None
        nodes = _diff(held.nodes, held.node_index, held.node_boxes, graph["nodes"], layout.get("nodes") or [])
        groups = _diff(
            held.groups, held.group_index, held.group_boxes, graph["groups"], layout.get("groups") or []
        )
        edges = {(a, b) for a, b in graph["edges"]}
        if nodes is None or groups is None or not held.edges <= edges:
            return None
        added, added_boxes, changed, moved = nodes
        g_added, g_added_boxes, g_changed, g_moved = groups
        # New nodes cost the same either way; what a delta adds is the known nodes it touches,
        # a moved box about a fifth of what the node weighs in a whole graph.
        weight = len(changed) + MOVED_WEIGHT * len(moved) / (_NODE_STRIDE + 1)
        if weight > FULL_SHARE * max(len(held.nodes), 1):
            return None
        message = {
            "kind": "grow",
            "base": held.rev,
            "rev": graph["rev"],
            "nodes": added,
            "groups": g_added,
            "edges": [],  # below: pairs of indices in the view's order, once the new nodes are in
            "changed": changed,
            "changed_groups": g_changed,
            "layout": {
                "engine": layout.get("engine"),
                "width": layout.get("width"),
                "height": layout.get("height"),
                "nodes": added_boxes,
                "groups": g_added_boxes,
                "moved": moved,
                "moved_groups": g_moved,
            },
        }
        # The view's structure after this message.
        for entry in changed:
            held.nodes[held.node_index[entry["id"]]] = dict(entry)
        for entry in g_changed:
            held.groups[held.group_index[entry["id"]]] = dict(entry)
        for entries, index, boxes, new, new_boxes, move in (
            (held.nodes, held.node_index, held.node_boxes, added, added_boxes, moved),
            (held.groups, held.group_index, held.group_boxes, g_added, g_added_boxes, g_moved),
        ):
            for k, entry in enumerate(new):
                index[entry["id"]] = len(entries)
                entries.append(dict(entry))
                boxes.append(tuple(new_boxes[k * _NODE_STRIDE : (k + 1) * _NODE_STRIDE]))
            for k in range(0, len(move), _NODE_STRIDE + 1):
                boxes[move[k]] = tuple(move[k + 1 : k + 1 + _NODE_STRIDE])
        for a, b in graph["edges"]:
            if (a, b) not in held.edges:
                i, j = held.node_index.get(a), held.node_index.get(b)
                if i is not None and j is not None:
                    message["edges"] += (i, j)
        held.edges |= edges
        held.rev = graph["rev"]
        return message
