"""The static snapshot: an SVG with one element per node, coloured by phase (a table without dot)."""

from __future__ import annotations

import re
from html import unescape

from test_layout import _nested, _require_dot

from dflow_jupyter.widget import snapshot as snapshot_module
from dflow_jupyter.widget.graph import build_graph
from dflow_jupyter.widget.snapshot import PHASE_COLOURS, snapshot_html
from dflow_jupyter.widget.state import StateBook, summary_of


def _snapshot() -> tuple[str, object]:
    status = _nested()
    nodes = list(status.nodes.values())
    nodes[2].phase = "Succeeded"
    nodes[4].phase = "Failed"
    graph = build_graph(status)
    book = StateBook(graph, status)
    html = snapshot_html(
        "lay", graph, book.full(status), summary_of(status, book.step_counts, book.total_steps)
    )
    return html, graph


def test_svg_with_one_element_per_node() -> None:
    _require_dot()
    html, graph = _snapshot()
    assert html.startswith("<div class='dflow-snapshot' data-phase='Running'>")
    assert "workflow lay: Running · 1/4 steps · 1 Failed" in html
    assert html.count("<svg") == 1 and "<?xml" not in html
    # Graphviz writes '-' as '&#45;' in attributes.
    found = re.findall(r'<g id="([^"]+)" class="node dflow-node phase-(\w+)"', unescape(html))
    assert sorted(i for i, _ in found) == sorted(n["id"] for n in graph.nodes)  # type: ignore[attr-defined]
    phases = dict(found)
    assert sorted(phases.values()).count("Failed") == 1 and "Succeeded" in phases.values()
    assert PHASE_COLOURS["Failed"][0] in html


def test_without_dot_a_table(monkeypatch: object) -> None:
    monkeypatch.setattr(snapshot_module, "dot_available", lambda: False)  # type: ignore[attr-defined]
    html, graph = _snapshot()
    assert "<svg" not in html and "<table>" in html
    assert html.count("<tr>") == len(graph.nodes) + 1  # type: ignore[attr-defined]
