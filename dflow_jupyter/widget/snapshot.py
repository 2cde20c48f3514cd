"""A static picture of the widget's current state, for notebooks read without a kernel.

The widget's mime bundle carries it as ``text/html`` next to the widget view: JupyterLab shows
the live widget, while GitHub, nbviewer and ``nbconvert --to html`` (which cannot run the
widget) show this. With Graphviz it is an SVG of the graph, nodes coloured by phase, each node
a ``<g class="node">`` whose ``id`` is the node's id; without it, a plain HTML table.
"""

from __future__ import annotations

import html
import re
import time
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.widget.graph import Graph
from dflow_jupyter.widget.layout import MAX_LAYOUT_NODES, dot_available, dot_graph
from dflow_jupyter.widget.table import format_duration, html_table

__all__ = ["PHASE_COLOURS", "caption", "snapshot_html"]

#: Fill and border colour of a node per phase (the browser widget uses the same palette).
PHASE_COLOURS: dict[str, tuple[str, str]] = {
    "Pending": ("#f3f4f6", "#9ca3af"),
    "Running": ("#dbeafe", "#2563eb"),
    "Succeeded": ("#dcfce7", "#16a34a"),
    "Failed": ("#fee2e2", "#dc2626"),
    "Error": ("#fee2e2", "#dc2626"),
    "Skipped": ("#f9fafb", "#d1d5db"),
    "Omitted": ("#f9fafb", "#d1d5db"),
}
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)


def caption(name: str, summary: Mapping[str, Any]) -> str:
    """``workflow NAME: Phase · 3/5 steps · 1.25 s · 1 Failed``."""
    parts = [f"workflow {name}: {summary.get('phase') or 'Pending'}"]
    if summary.get("progress"):
        parts.append(f"{summary['progress']} steps")
    started = summary.get("started_at")
    if started is not None:
        parts.append(format_duration((summary.get("finished_at") or time.time()) - started))
    counts = summary.get("counts") or {}
    parts += [f"{counts[p]} {p}" for p in ("Running", "Failed", "Error") if counts.get(p)]
    return " · ".join(parts)


def _counts_text(counts: Mapping[str, int] | None) -> str:
    if not counts:
        return ""
    return ", ".join(f"{n} {phase}" for phase, n in sorted(counts.items()))


def _styles(graph: Graph, states: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, str]]:
    styles = {}
    for node in graph.nodes:
        state = states.get(node["id"]) or {}
        phase = str(state.get("phase") or "Pending")
        fill, border = PHASE_COLOURS.get(phase, PHASE_COLOURS["Pending"])
        label = str(node["label"])
        if node["type"] == "Fanout":
            label += f" x{node['fanout']['total']}\n{_counts_text(state.get('counts'))}"
        styles[node["id"]] = {
            "id": node["id"],
            "class": f"dflow-node phase-{phase}",
            "style": "rounded,filled" if node["type"] not in ("StepGroup", "TaskGroup") else "filled",
            "fillcolor": fill,
            "color": border,
            "tooltip": f"{node['label']}: {phase}",
            "label": label if node["type"] not in ("StepGroup", "TaskGroup") or node["fanout"] else "",
        }
    return styles


def _svg(graph: Graph, states: Mapping[str, Mapping[str, Any]]) -> str | None:
    if not graph.nodes or len(graph.nodes) > MAX_LAYOUT_NODES or not dot_available():
        return None
    dot, _ = dot_graph(graph, _styles(graph, states))
    try:
        svg = dot.pipe(format="svg", quiet=True).decode("utf-8")
    except Exception:
        return None
    return _PROLOGUE.sub("", svg, count=1)


def _table(graph: Graph, states: Mapping[str, Mapping[str, Any]]) -> str:
    rows = []
    for node in graph.nodes:
        state = states.get(node["id"]) or {}
        rows.append(
            [
                str(node["label"]),
                str(node["type"]),
                str(state.get("phase") or "Pending"),
                str(state.get("progress") or ""),
                _counts_text(state.get("counts")),
            ]
        )
    return html_table(("step", "type", "phase", "progress", "counts"), rows, phase_column=2)


def snapshot_html(
    name: str,
    graph: Graph,
    states: Mapping[str, Mapping[str, Any]],
    summary: Mapping[str, Any],
) -> str:
    """The snapshot as one HTML fragment: a caption and the SVG (or the table)."""
    body = _svg(graph, states) or _table(graph, states)
    phase = html.escape(str(summary.get("phase") or "Pending"))
    return (
        f"<div class='dflow-snapshot' data-phase='{phase}'>"
        f"<div class='dflow-snapshot-caption'>{html.escape(caption(name, summary))}</div>"
        f"{body}</div>"
    )
