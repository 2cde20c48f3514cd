"""The static snapshot: an SVG of the layout, one element per node when small, a few paths when large."""

from __future__ import annotations

import re
from html import unescape

import pytest
from test_layout import _fanout, _nested

from dflow_jupyter.widget import layout as layout_module, snapshot as snapshot_module
from dflow_jupyter.widget.graph import Graph, build_graph
from dflow_jupyter.widget.layout import Layouts
from dflow_jupyter.widget.snapshot import PHASE_COLOURS, snapshot_html
from dflow_jupyter.widget.state import StateBook, summary_of


def _snapshot(status: object = None, *, laid_out: bool = True, **options: object) -> tuple[str, Graph]:
    if status is None:
        status = _nested()
        nodes = list(status.nodes.values())  # type: ignore[attr-defined]
        nodes[2].phase = "Succeeded"
        nodes[4].phase = "Failed"
    graph = build_graph(status, **options)  # type: ignore[arg-type]
    book = StateBook(graph, status)  # type: ignore[arg-type]
    layout = Layouts().layout(graph) if laid_out else None
    html = snapshot_html(
        "lay",
        graph,
        layout,
        book.full(status),
        summary_of(status, book.step_counts, book.total_steps),  # type: ignore[arg-type]
    )
    return html, graph


@pytest.mark.parametrize("dot", [True, False], ids=["dot", "pip-only"])
def test_svg_with_one_element_per_node(monkeypatch: pytest.MonkeyPatch, dot: bool) -> None:
    if not dot:  # a user with only pip gets the same picture
        monkeypatch.setattr(layout_module.shutil, "which", lambda name: None)
    html, graph = _snapshot()
    assert html.startswith("<div class='dflow-snapshot' data-phase='Running'>")
    assert "workflow lay: Running · 1/4 steps · 1 Failed" in html
    assert html.count("<svg") == 1 and "<?xml" not in html
    found = re.findall(r"<g class='dflow-node phase-(\w+)' id='([^']+)'>", unescape(html))
    assert sorted(i for _, i in found) == sorted(n["id"] for n in graph.nodes)
    phases = [p for p, _ in found]
    assert phases.count("Failed") == 1 and "Succeeded" in phases
    assert PHASE_COLOURS["Failed"][0] in html
    for label in ("a", "x", "y", "b"):
        assert f">{label}</text>" in html


def test_nodes_drawn_as_the_widget_draws_them_up_close() -> None:
    """Arrowheads, progress bars, and a fan-out's counts per phase with their symbols."""
    html, graph = _snapshot(_fanout(40, failed=(3, 7)), threshold=10)
    fanout = next(n for n in graph.nodes if n["type"] == "Fanout")
    assert fanout["fanout"]["total"] == 40
    text = unescape(html)
    assert f">{fanout['label']} \u00d740</text>" in text
    counts = re.search(r"<text[^>]*font-weight='bold'>(<tspan[^>]*>[^<]*</tspan>)+</text>", text)
    assert counts is not None
    spans = re.findall(r"<tspan fill='([^']+)'>(\d+)(\S) </tspan>", counts.group(0))
    assert [(n, symbol) for _, n, symbol in spans] == [("38", "\u2713"), ("2", "\u2717")]
    assert spans[1][0] == PHASE_COLOURS["Failed"][1]
    # One curve per edge between drawn boxes, one arrowhead per curve.
    curves = re.search(r"<path d='([^']*)' fill='none'", text)
    heads = re.search(r"<path d='([^']*)' fill='#9ca3af'/>", text)
    assert curves is not None and heads is not None
    assert curves.group(1).count("C") == heads.group(1).count("Z") >= 1


def test_a_large_graph_is_a_few_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever its size, the snapshot of a large graph holds a handful of elements."""
    monkeypatch.setattr(snapshot_module, "DETAILED_MAX", 50)
    html, graph = _snapshot(_fanout(400, failed=(3,)), threshold=1000)
    assert len(graph.nodes) > 400
    assert "class='dflow-node " not in html and len(re.findall(r"<(rect|path|text|g)\b", html)) < 20
    assert "phase-Failed" in html and "phase-Succeeded" in html
    assert len(html) < 60 * len(graph.nodes)


def test_without_a_layout_a_table() -> None:
    html, graph = _snapshot(laid_out=False)
    assert "<svg" not in html and "<table>" in html
    assert html.count("<tr>") == len(graph.nodes) + 1
