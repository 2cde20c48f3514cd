"""Graphviz ``dot`` layout of a graph: node and group boxes in pixels, cached by structure.

The DOT text is built with the ``graphviz`` package (it quotes for us) from short node names
(``n0``, ``n1``...), so ids never meet DOT's ``node:port`` syntax. ``dot -Tjson`` gives
positions in points with the origin at the bottom left; the protocol wants pixels from the top
left with ``x``/``y`` at a box's centre. Boxes are sized in points, one point per pixel.
Without ``dot`` on the machine (or with ``engine="none"``) the layout is ``None`` and the
browser lays the graph out itself.
"""

from __future__ import annotations

import json
import logging
import shutil
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.widget.graph import Graph

__all__ = ["MAX_LAYOUT_NODES", "dot_available", "dot_graph", "layout_graph", "node_size"]

#: Bigger graphs are left to the browser (``dot`` takes seconds past a few thousand nodes).
MAX_LAYOUT_NODES = 1500
_CACHE_SIZE = 32
_cache: OrderedDict[str, dict[str, Any]] = OrderedDict()
_JUNCTIONS = frozenset({"StepGroup", "TaskGroup"})
_log = logging.getLogger("dflow_jupyter")


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


def _inches(pixels: int) -> str:
    return f"{pixels / 72:.4f}"


def dot_graph(
    graph: Graph, styles: Mapping[str, Mapping[str, str]] | None = None
) -> tuple[Any, dict[str, str]]:
    """A ``graphviz.Digraph`` of ``graph`` and its DOT names -> node ids.

    ``styles`` adds DOT attributes per node id (the snapshot colours nodes by phase).
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
            attrs.update((styles or {}).get(node["id"], {}))
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


def _box(x: float, y: float, w: float, h: float) -> dict[str, float]:
    return {"x": round(x, 1), "y": round(y, 1), "w": round(w, 1), "h": round(h, 1)}


def _parse(raw: Mapping[str, Any], ids: Mapping[str, str]) -> dict[str, Any]:
    _, _, width, height = (float(v) for v in str(raw["bb"]).split(","))
    nodes: dict[str, dict[str, float]] = {}
    groups: dict[str, dict[str, float]] = {}
    for obj in raw.get("objects", []):
        name = str(obj.get("name", ""))
        if "pos" in obj and name in ids:
            x, y = (float(v) for v in str(obj["pos"]).split(",")[:2])
            w, h = float(obj["width"]) * 72, float(obj["height"]) * 72
            nodes[ids[name]] = _box(x, height - y, w, h)
        elif name.startswith("cluster_") and "bb" in obj:
            gid = ids.get(name[len("cluster_") :])
            if gid is None:
                continue
            x0, y0, x1, y1 = (float(v) for v in str(obj["bb"]).split(","))
            groups[gid] = _box((x0 + x1) / 2, height - (y0 + y1) / 2, x1 - x0, y1 - y0)
    return {"engine": "dot", "width": width, "height": height, "nodes": nodes, "groups": groups}


def layout_graph(graph: Graph, engine: str = "auto") -> dict[str, Any] | None:
    """The protocol's ``layout`` of ``graph``, or ``None`` (no ``dot``, too big, or turned off).

    ``engine`` is ``"auto"`` (``dot`` when installed), ``"dot"`` (required) or ``"none"``.
    """
    if engine == "none" or not graph.nodes or len(graph.nodes) > MAX_LAYOUT_NODES:
        return None
    if engine == "auto" and not dot_available():
        return None
    key = graph.key()
    found = _cache.get(key)
    if found is not None:
        _cache.move_to_end(key)
        return found
    dot, ids = dot_graph(graph)
    try:
        raw = json.loads(dot.pipe(format="json", quiet=True))
    except Exception:
        if engine == "dot":
            raise
        _log.warning("dot could not lay out the workflow graph; the browser will", exc_info=True)
        return None
    layout = _parse(raw, ids)
    _cache[key] = layout
    while len(_cache) > _CACHE_SIZE:
        _cache.popitem(last=False)
    return layout
