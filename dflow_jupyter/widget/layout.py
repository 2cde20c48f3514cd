"""The layout of a graph, in Python: node, group and grid boxes in pixels, kept per level.

Two engines give the same result shape. Graphviz's ``dot`` (through the ``graphviz`` package,
when the program is installed) lays out small graphs, where it is at its best and fast; every
other graph gets :mod:`~dflow_jupyter.widget.layered`, pure Python and near-linear (``dot``
takes seconds past a thousand nodes, and a ``pip install`` alone does not bring it). Wide sets
of siblings (a fan-out's items) are packed into grids, so the engine is ``layered`` whenever a
graph has one. The browser only draws: it never lays out.

The result is the protocol's ``layout`` (``docs/widget-protocol.md``), in arrays aligned with
the graph's lists so that ten thousand boxes do not repeat ten thousand ids::

    {"engine": "dot" | "layered", "width", "height",
     "nodes": [x, y, w, h, grid, ...],      # graph.nodes[i] at 5*i: centre, size, grid number
     "groups": [x, y, w, h, grid, ...]}     # the same for graph.groups

Coordinates are pixels, origin top-left. ``grid`` is 0, or the number of the grid the box is
packed in: the browser draws a frame :data:`~dflow_jupyter.widget.layered.GRID_PAD` pixels
around a grid's boxes, and the edges into and out of the grid once, to that frame.

A :class:`Layouts` keeps what one widget laid out last: an unchanged level is not laid out
again, and a changed one keeps its boxes in place, so a growing workflow does not reshuffle;
it is laid out afresh (tidy) each time it has grown by half, and at the end of the run.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.widget._gc import paused_gc
from dflow_jupyter.widget.graph import Graph
from dflow_jupyter.widget.layered import Box, LevelMemo, layered_levels, wide_sets

__all__ = ["DOT_MAX_NODES", "ENGINES", "Layouts", "dot_available", "dot_graph", "layout_graph", "node_size"]

#: ``dot`` lays out graphs up to this size (it takes seconds past a thousand nodes).
DOT_MAX_NODES = 150
#: A graph kept in place is laid out afresh once it has grown by this factor.
TIDY_GROWTH = 1.5
#: ``"auto"``: ``dot`` for small graphs when installed, else ``layered``.
ENGINES = ("auto", "dot", "layered")
_CACHE_SIZE = 32
_dot_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_JUNCTIONS = frozenset({"StepGroup", "TaskGroup"})
_log = logging.getLogger("dflow_jupyter")

Levels = list[tuple[str | None, list[str], list[tuple[str, str]]]]
#: A group's key in the levels: its id after a NUL (a group's entry node has the same id).
_GROUP = "\0"


def dot_available() -> bool:
    """Whether Graphviz's ``dot`` program is on ``PATH``."""
    return shutil.which("dot") is not None


def node_size(node: Mapping[str, Any]) -> tuple[int, int]:
    """The box of a node in pixels: junctions are dots, fan-outs taller (they hold counts)."""
    if node["type"] in _JUNCTIONS and not node.get("fanout"):
        return 14, 14
    width = min(max(7 * len(str(node["label"])) + 28, 72), 260)
    if node["type"] == "Fanout":
        return width + 40, 46
    return width, 30


def group_min_width(group: Mapping[str, Any]) -> float:
    """A group box is at least wide enough for its label and its progress."""
    return float(min(max(7 * len(str(group["label"])) + 90, 120), 360))


def levels_of(graph: Graph) -> Levels:
    """The graph's levels, innermost first: ``(container, members, lifted edges)``.

    Members are keys: a node's id, or a group's id after a NUL; the top level's container is
    ``None``. An edge is lifted to the two members of the innermost container that holds both
    its ends (an edge inside one box lifts to nothing).
    """
    if not graph.groups:  # one level: nothing to lift
        ids = {node["id"] for node in graph.nodes}
        flat = [(a, b) for a, b in graph.edges if a != b and a in ids and b in ids]
        return [(None, [node["id"] for node in graph.nodes], list(dict.fromkeys(flat)))]
    n = len(graph.nodes)
    group_index = {g["id"]: n + j for j, g in enumerate(graph.groups)}
    parent: list[int | None] = [group_index.get(node["group"]) for node in graph.nodes]
    parent += [group_index.get(g["group"]) for g in graph.groups]
    depth: dict[int | None, int] = {None: 0}
    for e in range(len(parent)):
        chain: list[int] = []
        p: int | None = e
        while p is not None and p not in depth:
            if p in chain:  # groups that contain each other: cut the loop here
                parent[p] = None
                depth[p] = 1
                break
            chain.append(p)
            p = parent[p]
        for q in reversed(chain):
            if q not in depth:
                depth[q] = depth[parent[q]] + 1
    keys = [node["id"] for node in graph.nodes] + [_GROUP + g["id"] for g in graph.groups]
    members: dict[int | None, list[str]] = {None: []}
    members.update((n + j, []) for j in range(len(graph.groups)))
    for e in range(n, len(parent)):  # groups first: a box before the steps beside it
        members[parent[e]].append(keys[e])
    for e in range(n):
        members[parent[e]].append(keys[e])
    index = {node["id"]: i for i, node in enumerate(graph.nodes)}
    edges: dict[int | None, dict[tuple[str, str], None]] = {c: {} for c in members}
    for source, target in graph.edges:
        a, b = index.get(source), index.get(target)
        if a is None or b is None:
            continue
        da, db = depth[a], depth[b]
        while da > db:
            a, da = _up(parent, a), da - 1
        while db > da:
            b, db = _up(parent, b), db - 1
        if a == b:
            continue  # one end contains the other
        while parent[a] != parent[b]:  # at one depth: both have parents until they share one
            a, b = _up(parent, a), _up(parent, b)
        edges[parent[a]][(keys[a], keys[b])] = None
    containers = sorted((c for c in members if c is not None), key=lambda c: -depth[c])
    return [(None if c is None else keys[c], members[c], list(edges[c])) for c in [*containers, None]]


def _up(parent: list[int | None], e: int) -> int:
    """The container of ``e``, which has one (it is nested deeper than something)."""
    p = parent[e]
    assert p is not None
    return p


def _pack(
    graph: Graph, engine: str, boxes: Mapping[str, Box], grid_of: Mapping[str, int], size: tuple[float, float]
) -> dict[str, Any]:
    flat: list[list[float | int]] = [[], []]
    none = (0.0, 0.0, 0.0, 0.0)
    for kind, keys in (
        (0, (node["id"] for node in graph.nodes)),
        (1, (_GROUP + g["id"] for g in graph.groups)),
    ):
        out = flat[kind]
        for key in keys:
            x, y, w, h = boxes.get(key, none)
            # Whole pixels (a box is 14 px or more): shorter to send and to parse.
            out += (round(x + w / 2), round(y + h / 2), round(w), round(h), grid_of.get(key, 0))
    return {
        "engine": engine,
        "width": round(size[0]),
        "height": round(size[1]),
        "nodes": flat[0],
        "groups": flat[1],
    }


def _inches(pixels: float) -> str:
    return f"{pixels / 72:.4f}"


def dot_graph(graph: Graph) -> tuple[Any, dict[str, str]]:
    """A ``graphviz.Digraph`` of ``graph`` and its DOT names -> node ids.

    The DOT text is built from short node names (``n0``, ``n1``...), so ids never meet DOT's
    ``node:port`` syntax.
    """
    import graphviz

    dot = graphviz.Digraph(
        graph_attr={"rankdir": "TB", "nodesep": "0.25", "ranksep": "0.35", "fontsize": "11"},
        node_attr={"shape": "box", "fixedsize": "true", "fontsize": "10", "style": "rounded"},
        edge_attr={"arrowsize": "0.6"},
    )
    names: dict[str, str] = {}
    by_group: dict[str | None, list[dict[str, Any]]] = {}
    for index, node in enumerate(graph.nodes):
        names[node["id"]] = f"n{index}"
        by_group.setdefault(node["group"], []).append(node)
    children: dict[str | None, list[dict[str, Any]]] = {}
    for group in graph.groups:
        children.setdefault(group["group"], []).append(group)

    def emit(target: Any, group: str | None) -> None:
        for node in by_group.get(group, []):
            width, height = node_size(node)
            attrs = {"label": str(node["label"]), "width": _inches(width), "height": _inches(height)}
            if node["type"] in _JUNCTIONS and not node.get("fanout"):
                attrs.update(shape="circle", label="")
            target.node(names[node["id"]], **attrs)
        for sub in children.get(group, []):
            # A group's entry node shares its id, so the cluster is named after that node.
            with target.subgraph(name=f"cluster_{names[sub['id']]}") as cluster:
                cluster.attr(label=str(sub["label"]), style="rounded,dashed", color="#9ca3af")
                emit(cluster, sub["id"])

    emit(dot, None)
    for source, target in graph.edges:
        if source in names and target in names:
            dot.edge(names[source], names[target])
    return dot, {v: k for k, v in names.items()}


def _dot_layout(graph: Graph) -> dict[str, Any]:
    """``dot``'s layout of ``graph`` (it raises if dot fails); cached by structure."""
    key = graph.key()
    found = _dot_cache.get(key)
    if found is not None:
        _dot_cache.move_to_end(key)
        return found
    dot, names = dot_graph(graph)
    raw = json.loads(dot.pipe(format="json", quiet=True))
    # dot: points from the bottom left, one point per pixel; we: pixels from the top left.
    _, _, width, height = (float(v) for v in str(raw["bb"]).split(","))
    groups = {g["id"] for g in graph.groups}
    boxes: dict[str, Box] = {}
    for obj in raw.get("objects", []):
        name = str(obj.get("name", ""))
        if "pos" in obj and name in names:
            x, y = (float(v) for v in str(obj["pos"]).split(",")[:2])
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            boxes[names[name]] = (x - w / 2, height - y - h / 2, w, h)
        elif name.startswith("cluster_") and "bb" in obj:
            gid = names.get(name[len("cluster_") :])
            if gid is not None and gid in groups:
                x0, y0, x1, y1 = (float(v) for v in str(obj["bb"]).split(","))
                boxes[_GROUP + gid] = (x0, height - y1, x1 - x0, y1 - y0)
    layout = _pack(graph, "dot", boxes, {}, (width, height))
    _dot_cache[key] = layout
    while len(_dot_cache) > _CACHE_SIZE:
        _dot_cache.popitem(last=False)
    return layout


class Layouts:
    """The layouts of one widget's graphs, each from the last (see the module docstring).

    Parameters
    ----------
    engine
        ``"auto"`` (``dot`` for small graphs without grids when it is installed, else
        ``layered``), ``"dot"`` (always ``dot``; it must be installed) or ``"layered"``.
    """

    def __init__(self, engine: str = "auto") -> None:
        if engine not in ENGINES:
            raise ValueError(f"layout={engine!r}: expected one of {', '.join(map(repr, ENGINES))}")
        self.engine = engine
        self.memo: dict[str | None, LevelMemo] = {}
        self._grid_numbers: dict[str, int] = {}
        self._next_grid = 0
        self._tidy_at = 0
        self._drifted = False

    def layout(self, graph: Graph) -> dict[str, Any]:
        """The protocol's ``layout`` of ``graph``."""
        with paused_gc():
            return self._layout(graph)

    def _layout(self, graph: Graph) -> dict[str, Any]:
        levels = levels_of(graph)
        if self._use_dot(graph, levels):
            try:
                found = _dot_layout(graph)
            except Exception:
                if self.engine == "dot":
                    raise
                _log.warning(
                    "dot could not lay out the workflow graph; using the layered layout", exc_info=True
                )
            else:
                self._drifted = False
                return found
        return self._layered(graph, levels)

    def _use_dot(self, graph: Graph, levels: Levels) -> bool:
        if self.engine == "dot":
            return True
        if self.engine == "layered" or len(graph.nodes) > DOT_MAX_NODES or not dot_available():
            return False
        sizes = _sizer(graph)
        return not any(wide_sets(members, edges, sizes) for _, members, edges in levels)

    def tidy(self) -> None:
        """Lay the next graph out afresh (the run ended: its last picture should be the tidy one)."""
        self._tidy_at = 0

    @property
    def drifted(self) -> bool:
        """Whether the last layout kept boxes in place since a fresh one (it is not the tidy one)."""
        return self._drifted

    def _layered(self, graph: Graph, levels: Levels) -> dict[str, Any]:
        # Kept in place, a growing graph drifts from what a fresh layout would draw: it is laid
        # out afresh whenever it has grown by half since the last time, a few times in a run.
        self._drifted = True
        if len(graph.nodes) >= self._tidy_at:
            self.memo.clear()
            self._tidy_at = max(int(len(graph.nodes) * TIDY_GROWTH), len(graph.nodes) + 1)
            self._drifted = False
        groups = {_GROUP + g["id"]: g for g in graph.groups}
        boxes, grids, size = layered_levels(
            levels, _sizer(graph), self.memo, min_width=lambda c: group_min_width(groups[c])
        )
        # Grids are numbered after their first member, so a grid keeps its number as it grows.
        grid_of: dict[str, int] = {}
        numbers: dict[str, int] = {}
        for members, _box in grids:
            number = self._grid_numbers.get(members[0])
            if number is None:
                self._next_grid += 1
                number = self._next_grid
            numbers[members[0]] = number
            grid_of.update((m, number) for m in members)
        self._grid_numbers = numbers
        return _pack(graph, "layered", boxes, grid_of, size)


def _sizer(graph: Graph) -> Any:
    """Sizes of the graph's nodes by key, computed once (a layout asks for each several times)."""
    sizes: dict[str, tuple[float, float]] = {}
    by_shape: dict[tuple[str, int, bool], tuple[float, float]] = {}
    for node in graph.nodes:
        shape = (node["type"], len(str(node["label"])), bool(node.get("fanout")))
        found = by_shape.get(shape)
        if found is None:
            w, h = node_size(node)
            found = by_shape[shape] = (float(w), float(h))
        sizes[node["id"]] = found
    return sizes.__getitem__


def layout_graph(graph: Graph, engine: str = "auto") -> dict[str, Any] | None:
    """The protocol's ``layout`` of ``graph`` (``None`` for an empty graph), laid out afresh."""
    if not graph.nodes:
        return None
    return Layouts(engine).layout(graph)
