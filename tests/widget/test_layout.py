"""Layout with Graphviz ``dot`` (required in CI) and without it (the browser lays out)."""

from __future__ import annotations

import os
import shutil

import pytest

from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.widget import layout as layout_module
from dflow_jupyter.widget.graph import build_graph
from dflow_jupyter.widget.layout import layout_graph


def _require_dot() -> None:
    if shutil.which("dot") is None:
        message = "Graphviz's dot is not installed (apt-get install graphviz; scripts/test.sh does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def _nested() -> WorkflowStatus:
    """root Steps -> [0] -> a, inner DAG (x -> y); -> [1] -> b."""
    wf = "lay"
    status = WorkflowStatus(name=wf, phase="Running")

    def add(name: str, kind: str, boundary: str | None, parent: str | None) -> Node:
        node = Node(id=node_id(wf, name), name=name, display_name=name.rsplit(".", 1)[-1], type=kind)
        node.boundary_id = boundary
        status.nodes[node.id] = node
        if parent is not None:
            status.nodes[parent].children.append(node.id)
        return node

    root = add(wf, "Steps", None, None)
    g0 = add(f"{wf}[0]", "StepGroup", wf, root.id)
    a = add(f"{wf}[0].a", "Pod", wf, g0.id)
    inner = add(f"{wf}[0].inner", "DAG", wf, g0.id)
    x = add(f"{wf}[0].inner.x", "Pod", inner.id, inner.id)
    y = add(f"{wf}[0].inner.y", "Pod", inner.id, x.id)
    g1 = add(f"{wf}[1]", "StepGroup", wf, a.id)
    y.children.append(g1.id)
    add(f"{wf}[1].b", "Pod", wf, g1.id)
    return status


def test_dot_gives_pixel_boxes_for_nodes_and_groups() -> None:
    _require_dot()
    graph = build_graph(_nested())
    layout = layout_graph(graph, "dot")
    assert layout is not None and layout["engine"] == "dot"
    width, height = layout["width"], layout["height"]
    boxes = layout["nodes"]
    assert set(boxes) == {n["id"] for n in graph.nodes}
    for box in boxes.values():
        assert box["x"] - box["w"] / 2 >= 0 and box["x"] + box["w"] / 2 <= width + 1
        assert box["y"] - box["h"] / 2 >= 0 and box["y"] + box["h"] / 2 <= height + 1
    for source, target in graph.edges:  # top to bottom, origin top-left
        assert boxes[source]["y"] < boxes[target]["y"]
    [group] = graph.groups
    box = layout["groups"][group["id"]]
    for node in graph.nodes:
        inside = (
            abs(boxes[node["id"]]["x"] - box["x"]) <= box["w"] / 2
            and abs(boxes[node["id"]]["y"] - box["y"]) <= box["h"] / 2
        )
        assert inside == (node["group"] == group["id"]), node["label"]


def test_layouts_are_cached_by_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    _require_dot()
    graph = build_graph(_nested())
    first = layout_graph(graph, "dot")

    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("dot ran again for the same structure")

    import graphviz

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    assert layout_graph(build_graph(_nested()), "dot") == first


def test_without_dot_the_browser_lays_out(monkeypatch: pytest.MonkeyPatch) -> None:
    graph = build_graph(_nested())
    assert layout_graph(graph, "none") is None
    monkeypatch.setattr(layout_module.shutil, "which", lambda name: None)
    layout_module._cache.clear()
    assert layout_graph(graph, "auto") is None


def test_too_big_graphs_are_left_to_the_browser(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout_module, "MAX_LAYOUT_NODES", 3)
    assert layout_graph(build_graph(_nested()), "dot") is None
