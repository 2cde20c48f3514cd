"""The layout in Python: ``dot`` for small graphs (required in CI), the layered layout for the rest."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.widget import layout as layout_module
from dflow_jupyter.widget.graph import Graph, build_graph
from dflow_jupyter.widget.layered import GRID_PAD, ROW_MAX
from dflow_jupyter.widget.layout import Layouts, layout_graph, levels_of

Box = dict[str, float]


def _require_dot() -> None:
    # A real component of the tests: missing, they fail (never skip), in CI or not.
    if shutil.which("dot") is None:
        pytest.fail("Graphviz's dot is not installed (apt-get install graphviz; scripts/test.sh does)")


class _Tree:
    """A status tree written by hand: ``add(name, type, boundary, parent)``."""

    def __init__(self, wf: str, root_type: str = "Steps") -> None:
        self.wf = wf
        self.status = WorkflowStatus(name=wf, phase="Running")
        self.root = self.add(wf, root_type, None, None)

    def add(
        self, name: str, kind: str, boundary: str | None, parent: str | None, phase: str = "Pending"
    ) -> Node:
        node = Node(id=node_id(self.wf, name), name=name, display_name=name.rsplit(".", 1)[-1], type=kind)
        node.boundary_id = boundary
        node.phase = phase  # type: ignore[assignment]
        self.status.nodes[node.id] = node
        if parent is not None:
            self.status.nodes[parent].children.append(node.id)
        return node


def _nested() -> WorkflowStatus:
    """root Steps -> [0] -> a, inner DAG (x -> y); -> [1] -> b."""
    t = _Tree("lay")
    wf = t.wf
    g0 = t.add(f"{wf}[0]", "StepGroup", wf, t.root.id)
    a = t.add(f"{wf}[0].a", "Pod", wf, g0.id)
    inner = t.add(f"{wf}[0].inner", "DAG", wf, g0.id)
    x = t.add(f"{wf}[0].inner.x", "Pod", inner.id, inner.id)
    y = t.add(f"{wf}[0].inner.y", "Pod", inner.id, x.id)
    g1 = t.add(f"{wf}[1]", "StepGroup", wf, a.id)
    y.children.append(g1.id)
    t.add(f"{wf}[1].b", "Pod", wf, g1.id)
    return t.status


def _fanout(items: int, failed: tuple[int, ...] = (), done: int | None = None) -> WorkflowStatus:
    """root DAG -> fan (a TaskGroup of ``items`` items; the first ``done`` exist) -> after."""
    t = _Tree("fo", "DAG")
    fan = t.add("fo.fan", "TaskGroup", "fo", t.root.id)
    after = t.add("fo.after", "Pod", "fo", None)
    for i in range(items if done is None else done):
        phase = "Failed" if i in failed else "Succeeded"
        item = t.add(f"fo.fan({i}:{i})", "Pod", "fo", fan.id, phase)
        item.children.append(after.id)
    return t.status


def boxes(graph: Graph, layout: dict[str, Any]) -> dict[str, Box]:
    """Node and group boxes by id (groups after a NUL, as their entry nodes share their ids)."""
    out = {}
    for kind, items, prefix in (("nodes", graph.nodes, ""), ("groups", graph.groups, "\0")):
        flat = layout[kind]
        assert len(flat) == 5 * len(items)
        for i, item in enumerate(items):
            x, y, w, h, g = flat[5 * i : 5 * i + 5]
            out[prefix + item["id"]] = {"x": x, "y": y, "w": w, "h": h, "grid": g}
    return out


def _inside(inner: Box, outer: Box) -> bool:
    return (
        abs(inner["x"] - outer["x"]) + inner["w"] / 2 <= outer["w"] / 2 + 0.5
        and abs(inner["y"] - outer["y"]) + inner["h"] / 2 <= outer["h"] / 2 + 0.5
    )


def _overlap(a: Box, b: Box) -> bool:
    return (
        abs(a["x"] - b["x"]) < (a["w"] + b["w"]) / 2 - 0.5
        and abs(a["y"] - b["y"]) < (a["h"] + b["h"]) / 2 - 0.5
    )


def _check_layout(graph: Graph, layout: dict[str, Any]) -> dict[str, Box]:
    """Boxes in the picture, each node in its group, edges downwards, no overlaps in a level."""
    found = boxes(graph, layout)
    for box in found.values():
        assert box["x"] - box["w"] / 2 >= -0.5 and box["x"] + box["w"] / 2 <= layout["width"] + 0.5
        assert box["y"] - box["h"] / 2 >= -0.5 and box["y"] + box["h"] / 2 <= layout["height"] + 0.5
    for node in graph.nodes:
        if node["group"] is not None:
            assert _inside(found[node["id"]], found["\0" + node["group"]]), node["label"]
    for group in graph.groups:
        if group["group"] is not None:
            assert _inside(found["\0" + group["id"]], found["\0" + group["group"]]), group["label"]
    for source, target in graph.edges:  # top to bottom, origin top-left
        assert found[source]["y"] < found[target]["y"], (source, target)
    for _container, members, _edges in levels_of(graph):
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                assert not _overlap(found[a], found[b]), (a, b)
    return found


@pytest.mark.parametrize("engine", ["dot", "layered"])
def test_boxes_for_nodes_and_groups(engine: str) -> None:
    if engine == "dot":
        _require_dot()
    graph = build_graph(_nested())
    layout = layout_graph(graph, engine)
    assert layout is not None and layout["engine"] == engine
    found = _check_layout(graph, layout)
    [group] = graph.groups
    box = found["\0" + group["id"]]
    for node in graph.nodes:
        assert _inside(found[node["id"]], box) == (node["group"] == group["id"]), node["label"]


def test_dot_layouts_are_cached_by_structure(monkeypatch: pytest.MonkeyPatch) -> None:
    _require_dot()
    first = layout_graph(build_graph(_nested()), "dot")

    def no_dot(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("dot ran again for the same structure")

    import graphviz

    monkeypatch.setattr(graphviz.Digraph, "pipe", no_dot)
    assert layout_graph(build_graph(_nested()), "dot") == first


def test_auto_takes_dot_for_small_graphs_only(monkeypatch: pytest.MonkeyPatch) -> None:
    _require_dot()
    small = build_graph(_nested())
    assert Layouts("auto").layout(small)["engine"] == "dot"
    monkeypatch.setattr(layout_module, "DOT_MAX_NODES", 3)
    assert Layouts("auto").layout(small)["engine"] == "layered"


def test_without_dot_the_layered_layout_draws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(layout_module.shutil, "which", lambda name: None)
    layout = Layouts("auto").layout(build_graph(_nested()))
    assert layout["engine"] == "layered"
    with pytest.raises(ValueError, match="expected one of 'auto', 'dot', 'layered'"):
        Layouts("none")


def test_wide_fanout_items_wrap_into_a_readable_grid_failed_first() -> None:
    """An expanded 200-item fan-out is a grid about as wide as the canvas is, not one row."""
    status = _fanout(200, failed=(150, 170))
    graph = build_graph(status, expanded={node_id("fo", "fo.fan")})
    layout = Layouts("auto").layout(graph)  # a grid: never dot
    assert layout["engine"] == "layered"
    found = _check_layout(graph, layout)
    items = [n for n in graph.nodes if "(" in n["label"]]
    assert len(items) == 200
    grids = {found[n["id"]]["grid"] for n in items}
    assert len(grids) == 1 and 0 not in grids
    xs = sorted({found[n["id"]]["x"] for n in items})
    ys = sorted({found[n["id"]]["y"] for n in items})
    assert 8 <= len(xs) <= 25 and 8 <= len(ys) <= 25, (len(xs), len(ys))
    width = max(xs) - min(xs) + found[items[0]["id"]]["w"]
    height = max(ys) - min(ys) + found[items[0]["id"]]["h"]
    assert 1.2 < width / height < 5, (width, height)
    # Failed first: the two failed items open the first row, left to right.
    first = [n["label"] for n in sorted(items, key=lambda n: (found[n["id"]]["y"], found[n["id"]]["x"]))[:2]]
    assert first == ["fan(150:150)", "fan(170:170)"]
    # The fan-out node above the grid, the next step below it.
    fan, after = found[node_id("fo", "fo.fan")], found[node_id("fo", "fo.after")]
    top = min(ys) - found[items[0]["id"]]["h"] / 2 - GRID_PAD
    assert fan["y"] + fan["h"] / 2 < top and after["y"] > max(ys)


def test_narrow_fanouts_stay_in_one_row() -> None:
    graph = build_graph(_fanout(4))
    layout = Layouts("layered").layout(graph)
    found = _check_layout(graph, layout)
    items = [found[n["id"]] for n in graph.nodes if "(" in n["label"]]
    assert len({b["y"] for b in items}) == 1 and {b["grid"] for b in items} == {0}
    assert sum(b["w"] for b in items) < ROW_MAX


def test_a_growing_graph_keeps_what_is_drawn_in_place() -> None:
    """Laid out again with more items, the level keeps its members' order and reuses its grid."""
    layouts = Layouts("layered")
    before = build_graph(_fanout(60, done=30), threshold=100)
    first = boxes(before, layouts.layout(before))
    after = build_graph(_fanout(60, done=45), threshold=100)
    second = boxes(after, layouts.layout(after))
    old_items = [n["id"] for n in before.nodes if "(" in n["label"]]
    grid = {first[i]["grid"] for i in old_items}
    assert len(grid) == 1 and {second[i]["grid"] for i in old_items} == grid  # same grid number
    order = lambda found: sorted(old_items, key=lambda i: (found[i]["y"], found[i]["x"]))  # noqa: E731
    assert order(first) == order(second)


def test_an_unchanged_level_is_not_laid_out_again(monkeypatch: pytest.MonkeyPatch) -> None:
    layouts = Layouts("layered")
    graph = build_graph(_nested())
    first = layouts.layout(graph)
    from dflow_jupyter.widget import layered

    def fail(*args: object, **kwargs: object) -> Any:
        raise AssertionError("a level was laid out again")

    monkeypatch.setattr(layered, "_lay_level", fail)
    assert layouts.layout(build_graph(_nested())) == first


def test_edges_are_lifted_to_the_level_that_holds_both_ends() -> None:
    graph = build_graph(_nested())
    levels = {container: (members, edges) for container, members, edges in levels_of(graph)}
    [group] = graph.groups
    inner = "\0" + group["id"]
    assert list(levels)[-1] is None  # the top level last, inner levels before it
    members, edges = levels[None]
    assert inner in members and group["id"] not in members  # the entry node is inside its box
    # x -> y stays inside; y -> [1] leaves the box: lifted to (box, [1]).
    inner_members, inner_edges = levels[inner]
    assert group["id"] in inner_members and len(inner_edges) == 2
    assert any(a == inner for a, _ in edges)


def test_a_malformed_graph_still_lays_out() -> None:
    """Groups that contain each other, edges to unknown nodes: cut, skipped, and drawn."""
    graph = Graph(
        nodes=[
            {"id": "a", "label": "a", "type": "Pod", "group": "x", "fanout": None},
            {"id": "b", "label": "b", "type": "Pod", "group": "y", "fanout": None},
            {"id": "c", "label": "c", "type": "Pod", "group": "nowhere", "fanout": None},
        ],
        groups=[
            {"id": "x", "label": "x", "type": "DAG", "group": "y"},
            {"id": "y", "label": "y", "type": "DAG", "group": "x"},
        ],
        edges=[("a", "b"), ("b", "c"), ("c", "missing")],
    )
    layout = Layouts("layered").layout(graph)
    found = boxes(graph, layout)
    assert all(box["w"] > 0 for box in found.values())
