"""Helpers of the widget tests: read what a widget sent, talk to it as the browser does."""

from __future__ import annotations

import json
import time
from typing import Any


def customs(widget: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The custom messages the widget sent (of one ``kind``), oldest first."""
    found = []
    for message in widget.comm.messages:
        data = message["data"] or {}
        if data.get("method") == "custom":
            content = dict(data["content"], _time=message["time"])
            if kind is None or content.get("kind") == kind:
                found.append(content)
    return found


NODE_KEYS = ("id", "label", "type", "group", "key", "template", "fanout")
GROUP_KEYS = ("id", "label", "type", "group")
STATE_KEYS = ("phase", "progress", "started_at", "finished_at", "message", "counts")


def decode_graph(wire: dict[str, Any]) -> dict[str, Any]:
    """The ``graph`` trait as Python holds it, from its compact wire form (docs/widget-protocol.md)."""
    nodes = [{k: n.get(k) for k in NODE_KEYS} for n in wire["nodes"]]
    flat = wire["edges"]
    return {
        "rev": wire["rev"],
        "nodes": nodes,
        "groups": [{k: g.get(k) for k in GROUP_KEYS} for g in wire["groups"]],
        "edges": [[nodes[flat[k]]["id"], nodes[flat[k + 1]]["id"]] for k in range(0, len(flat), 2)],
        "layout": wire["layout"],
        "states": {
            n["id"]: {k: s.get(k) for k in STATE_KEYS} for n, s in zip(nodes, wire["states"], strict=True)
        },
    }


def sent_state(message: dict[str, Any]) -> dict[str, Any]:
    """The traits of a ``comm_open`` or ``update`` message, binary ones decoded (the graph
    travels as compact JSON in a buffer)."""
    data = message["data"]
    state = dict(data["state"])
    for path, buffer in zip(data.get("buffer_paths") or [], message.get("buffers") or [], strict=True):
        assert path == ["graph"], path
        state["graph"] = decode_graph(json.loads(bytes(buffer)))
    return state


def updates(widget: Any) -> list[dict[str, Any]]:
    """The trait updates the widget sent (``{"trait": value}`` each), oldest first."""
    return [
        dict(sent_state(m), _time=m["time"])
        for m in widget.comm.messages
        if (m["data"] or {}).get("method") == "update"
    ]


def states_seen(widget: Any) -> list[dict[str, Any]]:
    """Every batch of node states the widget sent, oldest first, each ``{"nodes", "_time"}``:
    with a whole graph (the ``graph`` trait's ``states``), in ``state`` and ``delta`` messages."""
    found = []
    for message in widget.comm.messages:
        data = message["data"] or {}
        if data.get("method") == "custom" and data["content"].get("kind") in ("state", "delta"):
            found.append({"nodes": data["content"]["nodes"], "_time": message["time"]})
        elif "state" in data and "graph" in ((data.get("buffer_paths") and sent_state(message)) or {}):
            found.append({"nodes": sent_state(message)["graph"]["states"], "_time": message["time"]})
    return found


def request(widget: Any, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Send ``content`` as the browser would; the custom messages answering it.

    Answers carry the request's ``req``; a running workflow's own messages, sent meanwhile by the
    pump thread, are not answers.
    """
    before = len(widget.comm.messages)
    widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
    answers = []
    for message in widget.comm.messages[before:]:
        data = message["data"] or {}
        if data.get("method") == "custom" and data["content"].get("req") == content.get("req"):
            answers.append(data["content"])
    return answers


def settle(widget: Any, timeout: float = 10.0) -> None:
    """Wait until the widget has sent the run's final state."""
    deadline = time.monotonic() + timeout
    while widget.following and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not widget.following, "the widget still follows the run"
    widget.flush()


class ViewModel:
    """What a browser view holds of the structure, kept as docs/widget-protocol.md says: a
    whole ``graph`` replaces it, a ``grow`` whose ``base`` it holds extends it."""

    def __init__(self) -> None:
        self.rev: int | None = None
        self.nodes: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, dict[str, Any]] = {}
        self.edges: set[tuple[str, str]] = set()
        self.node_boxes: dict[str, list[float]] = {}
        self.group_boxes: dict[str, list[float]] = {}
        self.order: list[str] = []
        self.group_order: list[str] = []
        self.size: tuple[float, float] = (0.0, 0.0)
        self.skipped = 0

    def follow(self, widget: Any) -> ViewModel:
        """Every message the widget sent, in order."""
        for message in widget.comm.messages:
            data = message["data"] or {}
            if "state" in data and "graph" in ((data.get("buffer_paths") and sent_state(message)) or {}):
                self.whole(sent_state(message)["graph"])
            elif data.get("method") == "custom" and data["content"].get("kind") == "grow":
                self.grow(data["content"])
        return self

    def whole(self, graph: dict[str, Any]) -> None:
        layout = graph["layout"] or {"nodes": [], "groups": []}
        self.rev = graph["rev"]
        self.order = [n["id"] for n in graph["nodes"]]
        self.group_order = [g["id"] for g in graph["groups"]]
        self.nodes = {n["id"]: n for n in graph["nodes"]}
        self.groups = {g["id"]: g for g in graph["groups"]}
        self.edges = {(a, b) for a, b in graph["edges"]}
        self.node_boxes = {nid: layout["nodes"][5 * i : 5 * i + 5] for i, nid in enumerate(self.order)}
        self.group_boxes = {
            gid: layout["groups"][5 * i : 5 * i + 5] for i, gid in enumerate(self.group_order)
        }
        self.size = (layout.get("width", 0.0), layout.get("height", 0.0))

    def grow(self, message: dict[str, Any]) -> None:
        if message["base"] != self.rev:
            self.skipped += 1
            return
        layout = message["layout"]
        for entries, order, boxes, new, flat, changed, moved in (
            (
                self.nodes,
                self.order,
                self.node_boxes,
                message["nodes"],
                layout["nodes"],
                message["changed"],
                layout["moved"],
            ),
            (
                self.groups,
                self.group_order,
                self.group_boxes,
                message["groups"],
                layout["groups"],
                message["changed_groups"],
                layout["moved_groups"],
            ),
        ):
            for k, entry in enumerate(new):
                entries[entry["id"]] = entry
                order.append(entry["id"])
                boxes[entry["id"]] = flat[5 * k : 5 * k + 5]
            for entry in changed:
                entries[entry["id"]] = entry
            for k in range(0, len(moved), 6):
                boxes[order[moved[k]]] = moved[k + 1 : k + 6]
        flat = message["edges"]  # indices in this view's order
        self.edges |= {(self.order[flat[k]], self.order[flat[k + 1]]) for k in range(0, len(flat), 2)}
        self.size = (layout["width"], layout["height"])
        self.rev = message["rev"]

    def matches(self, graph: dict[str, Any]) -> None:
        """Assert that this view holds ``graph`` (entries, edges and boxes; the order may differ)."""
        expected = ViewModel()
        expected.whole(graph)
        assert self.rev == expected.rev
        assert self.nodes == expected.nodes and self.groups == expected.groups
        assert self.edges == expected.edges
        assert self.node_boxes == expected.node_boxes and self.group_boxes == expected.group_boxes
        assert self.size == expected.size
