"""A static picture of the widget's current state, for notebooks read without a kernel.

The widget's mime bundle carries it as ``text/html`` next to the widget view: JupyterLab shows
the live widget, while GitHub, nbviewer and ``nbconvert --to html`` (which cannot run the
widget) show this: an SVG drawn from the widget's own layout, nodes coloured by phase.

Its size matters even where nobody looks at it: JupyterLab parses every HTML output of a
notebook (its table of contents looks for headings in them), on the page's main thread, and
the notebook file keeps it. A small graph is drawn in full, each node a ``<g class="dflow-node">``
with its id, label and a tooltip; a large one (more than :data:`DETAILED_MAX` nodes) as one
``<path>`` per phase and one for the edges, a few elements whatever its size, which is all a
picture of thousands of boxes can show anyway.
"""

from __future__ import annotations

import html
import time
from collections.abc import Mapping, Sequence
from typing import Any

from dflow_jupyter.widget.graph import Graph
from dflow_jupyter.widget.layered import GRID_PAD
from dflow_jupyter.widget.table import format_duration, html_table

__all__ = ["DETAILED_MAX", "PHASE_COLOURS", "caption", "snapshot_html"]

#: Fill and border colour of a node per phase (the browser widget uses the same palette).
PHASE_COLOURS: dict[str, tuple[str, str]] = {
    "Planned": ("#f3f4f6", "#9ca3af"),
    "Pending": ("#f3f4f6", "#9ca3af"),
    "Running": ("#dbeafe", "#2563eb"),
    "Succeeded": ("#dcfce7", "#16a34a"),
    "Failed": ("#fee2e2", "#dc2626"),
    "Error": ("#fee2e2", "#dc2626"),
    "Skipped": ("#f9fafb", "#d1d5db"),
    "Omitted": ("#f9fafb", "#d1d5db"),
}
#: Graphs with more nodes are drawn as boxes only (see the module docstring).
DETAILED_MAX = 300
#: The picture's width on the page at most (it scales down, never up).
MAX_WIDTH = 960
_EDGE = "#9ca3af"
_TEXT = "#1f2937"
_MUTED = "#6b7280"
_TRACK = "#e5e7eb"
_FONT = "font-family='sans-serif' font-size='11'"
_SMALL = "font-family='sans-serif' font-size='10'"
#: Average advance of an 11px sans-serif character, to budget a label without measuring it.
_CHAR_W = 6.6
#: The live widget's symbol of each phase in a fan-out's counts, in its order.
_SYMBOLS = {
    "Planned": "\u25e6",
    "Pending": "\u2026",
    "Running": "\u25b6",
    "Succeeded": "\u2713",
    "Failed": "\u2717",
    "Error": "!",
    "Skipped": "\u21b7",
    "Omitted": "\u25cb",
}


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


def _n(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".")


def _phase(states: Mapping[str, Mapping[str, Any]], node: Mapping[str, Any]) -> str:
    phase = str((states.get(node["id"]) or {}).get("phase") or "")
    if phase in PHASE_COLOURS:
        return phase
    return "Planned" if node["type"] == "Planned" else "Pending"


def _grid_boxes(layout: Mapping[str, Any]) -> dict[int, tuple[float, float, float, float]]:
    """Each grid's frame (centre and size): :data:`GRID_PAD` around its boxes."""
    extent: dict[int, list[float]] = {}
    flat = layout["nodes"]
    for x, y, w, h, g in zip(flat[0::5], flat[1::5], flat[2::5], flat[3::5], flat[4::5], strict=True):
        if g:
            e = extent.get(g)
            if e is None:
                extent[g] = [x - w / 2, y - h / 2, x + w / 2, y + h / 2]
                continue
            e[0], e[1] = min(e[0], x - w / 2), min(e[1], y - h / 2)
            e[2], e[3] = max(e[2], x + w / 2), max(e[3], y + h / 2)
    return {
        g: ((x0 + x1) / 2, (y0 + y1) / 2, x1 - x0 + 2 * GRID_PAD, y1 - y0 + 2 * GRID_PAD)
        for g, (x0, y0, x1, y1) in extent.items()
    }


def _edge_path(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> tuple[str, str]:
    """One edge as the live widget draws it: a curve leaving the source on the side facing the
    target, and its arrowhead. ``a`` and ``b`` are boxes: centre x, centre y, width, height."""
    (ax, ay, aw, ah), (bx, by, bw, bh) = a, b
    if by - bh / 2 >= ay + ah / 2 - 1 or ay - ah / 2 >= by + bh / 2 - 1:
        s = 1 if by >= ay else -1
        x1, y1, x2, y2 = ax, ay + s * ah / 2, bx, by - s * bh / 2
        k = (y2 - y1) / 2
        curve = f"M{_n(x1)} {_n(y1)}C{_n(x1)} {_n(y1 + k)} {_n(x2)} {_n(y2 - k)} {_n(x2)} {_n(y2)}"
        arrow = f"M{_n(x2 - 4)} {_n(y2 - s * 7)}L{_n(x2 + 4)} {_n(y2 - s * 7)}L{_n(x2)} {_n(y2)}Z"
    else:
        s = 1 if bx >= ax else -1
        x1, y1, x2, y2 = ax + s * aw / 2, ay, bx - s * bw / 2, by
        k = (x2 - x1) / 2
        curve = f"M{_n(x1)} {_n(y1)}C{_n(x1 + k)} {_n(y1)} {_n(x2 - k)} {_n(y2)} {_n(x2)} {_n(y2)}"
        arrow = f"M{_n(x2 - s * 7)} {_n(y2 - 4)}L{_n(x2 - s * 7)} {_n(y2 + 4)}L{_n(x2)} {_n(y2)}Z"
    return curve, arrow


def _edges(
    graph: Graph, layout: Mapping[str, Any], grids: Mapping[int, tuple[float, ...]], arrows: bool
) -> str:
    """Every edge in one path (their arrowheads, when ``arrows``, in a second one).

    An edge into or out of a grid runs to the grid's frame, once.
    """
    flat = layout["nodes"]
    # Each node's box, or its grid's frame.
    boxes: dict[str, tuple[float, float, float, float]] = {}
    for node, x, y, w, h, g in zip(
        graph.nodes, flat[0::5], flat[1::5], flat[2::5], flat[3::5], flat[4::5], strict=True
    ):
        boxes[node["id"]] = (x, y, w, h) if not g else (grids[g][0], grids[g][1], grids[g][2], grids[g][3])
    seen: set[tuple[tuple[float, ...], tuple[float, ...]]] = set()
    curves, heads = [], []
    for source, target in graph.edges:
        a, b = boxes.get(source), boxes.get(target)
        if a is None or b is None or a == b or (a, b) in seen:
            continue
        seen.add((a, b))
        if arrows:
            curve, head = _edge_path(a, b)
            curves.append(curve)
            heads.append(head)
        else:  # a large graph: straight lines, from the bottom of one box to the top of the next
            curves.append(f"M{_n(a[0])} {_n(a[1] + a[3] / 2)}L{_n(b[0])} {_n(b[1] - b[3] / 2)}")
    if not curves:
        return ""
    out = f"<path d='{''.join(curves)}' fill='none' stroke='{_EDGE}' stroke-width='1'/>"
    return out + (f"<path d='{''.join(heads)}' fill='{_EDGE}'/>" if heads else "")


def _frames(grids: Mapping[int, Sequence[float]]) -> str:
    return "".join(
        f"<rect x='{_n(x - w / 2)}' y='{_n(y - h / 2)}' width='{_n(w)}' height='{_n(h)}' rx='6' "
        f"fill='none' stroke='#d1d5db' stroke-dasharray='2 2'/>"
        for x, y, w, h in grids.values()
    )


def _groups(graph: Graph, layout: Mapping[str, Any], labels: bool) -> str:
    out = []
    boxes = layout["groups"]
    for j, group in enumerate(graph.groups):
        x, y, w, h = boxes[5 * j : 5 * j + 4]
        out.append(
            f"<rect x='{_n(x - w / 2)}' y='{_n(y - h / 2)}' width='{_n(w)}' height='{_n(h)}' rx='8' "
            f"fill='none' stroke='{_EDGE}' stroke-dasharray='5 3'/>"
        )
        if labels:
            label = html.escape(str(group["label"]))
            out.append(f"<text x='{_n(x - w / 2 + 10)}' y='{_n(y - h / 2 + 17)}' {_FONT}>{label}</text>")
    return "".join(out)


def _fraction(progress: Any) -> float:
    """``"3/5"`` as 0.6 (0 when unknown), as the live widget reads a node's progress."""
    done, _, total = str(progress or "").partition("/")
    try:
        return min(1.0, max(0.0, int(done) / int(total))) if int(total) > 0 else 0.0
    except ValueError:
        return 0.0


def _truncated(text: str, width: float) -> str:
    """``text`` cut with an ellipsis to what a box ``width`` pixels wide holds (as the widget)."""
    chars = max(4, int((width - 18) / _CHAR_W))
    return text if len(text) <= chars else text[: chars - 1] + "…"


def _fanout_details(state: Mapping[str, Any], left: float, top: float, w: float, h: float) -> str:
    """A fan-out's counts per phase (``196✓ 4✗``), its duration and its bar in phase colours."""
    counts = {p: n for p, n in (state.get("counts") or {}).items() if n}
    ordered = [p for p in _SYMBOLS if p in counts] + sorted(p for p in counts if p not in _SYMBOLS)
    spans = "".join(
        f"<tspan fill='{PHASE_COLOURS.get(p, (_TEXT, _TEXT))[1]}'>{counts[p]}{_SYMBOLS.get(p, '')} </tspan>"
        for p in ordered
    )
    out = f"<text x='{_n(left + 9)}' y='{_n(top + 35)}' {_SMALL} font-weight='bold'>{spans}</text>"
    started = state.get("started_at")
    if started is not None and state.get("finished_at") is not None:
        duration = format_duration(float(state["finished_at"]) - float(started))
        out += (
            f"<text x='{_n(left + w - 8)}' y='{_n(top + 18)}' {_SMALL} fill='{_MUTED}' "
            f"text-anchor='end'>{duration}</text>"
        )
    total = sum(counts.values())
    bar, x = max(0.0, w - 18), left + 9
    out += f"<rect x='{_n(x)}' y='{_n(top + h - 9)}' width='{_n(bar)}' height='4' rx='2' fill='{_TRACK}'/>"
    for p in ordered:
        seg = bar * counts[p] / total
        colour = PHASE_COLOURS.get(p, (_TEXT, _TEXT))[1]
        out += f"<rect x='{_n(x)}' y='{_n(top + h - 9)}' width='{_n(seg)}' height='4' fill='{colour}'/>"
        x += seg
    return out


def _detailed(graph: Graph, layout: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]]) -> str:
    """Each node as the live widget draws it up close: label, counts or progress bar, duration."""
    out = []
    boxes = layout["nodes"]
    for i, node in enumerate(graph.nodes):
        x, y, w, h = boxes[5 * i : 5 * i + 4]
        if not w:
            continue
        state = states.get(node["id"]) or {}
        phase = _phase(states, node)
        fill, border = PHASE_COLOURS[phase]
        label = str(node["label"])
        tip = f"{label}: {phase}"
        fanout = node["type"] == "Fanout"
        if fanout:
            label += f" \u00d7{node['fanout']['total']}"  # x, the times sign
            tip += f" ({_counts_text(state.get('counts'))})"
        if state.get("message"):
            tip += f"\n{state['message']}"
        left, top = x - w / 2, y - h / 2
        if node["type"] in ("StepGroup", "TaskGroup") and not node.get("fanout"):  # a junction
            shape = f"<circle cx='{_n(x)}' cy='{_n(y)}' r='{_n(w / 2)}' fill='{fill}' stroke='{border}'/>"
        else:
            shape = ""
            if fanout:  # a second box behind the first reads as "a stack of many"
                shape += (
                    f"<rect x='{_n(left + 4)}' y='{_n(top - 4)}' width='{_n(w)}' height='{_n(h)}' rx='5' "
                    f"fill='none' stroke='{border}' stroke-opacity='0.5'/>"
                )
            shape += (
                f"<rect x='{_n(left)}' y='{_n(top)}' width='{_n(w)}' height='{_n(h)}' rx='5' fill='{fill}' "
                f"stroke='{border}' stroke-width='{2 if phase in ('Failed', 'Error') else 1}'/>"
                f"<text x='{_n(left + 9)}' y='{_n(top + min(18.0, h / 2 + 4))}' {_FONT} fill='{_TEXT}' "
                f"font-weight='bold'>{html.escape(_truncated(label, w))}</text>"
            )
            if fanout and h >= 40:
                shape += _fanout_details(state, left, top, w, h)
            elif h >= 24:
                done = 1.0 if phase == "Succeeded" else _fraction(state.get("progress"))
                bar = max(0.0, w - 18)
                shape += (
                    f"<rect x='{_n(left + 9)}' y='{_n(top + h - 7)}' width='{_n(bar)}' height='3' rx='1.5' "
                    f"fill='{_TRACK}'/>"
                )
                if done:
                    shape += (
                        f"<rect x='{_n(left + 9)}' y='{_n(top + h - 7)}' width='{_n(bar * done)}' height='3' "
                        f"rx='1.5' fill='{border}'/>"
                    )
        out.append(
            f"<g class='dflow-node phase-{phase}' id='{html.escape(node['id'], quote=True)}'>"
            f"<title>{html.escape(tip)}</title>{shape}</g>"
        )
    return "".join(out)


def _boxes_only(graph: Graph, layout: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]]) -> str:
    """Boxes as one path per phase. Side by side boxes of one phase in a row of a grid merge into
    one rectangle: the picture shows a box of a large graph as a pixel or two, so the gaps
    between them do not show, while their bytes would."""
    rows: dict[tuple[Any, float, float], list[tuple[float, float, str]]] = {}
    flat = layout["nodes"]
    nodes = zip(graph.nodes, flat[0::5], flat[1::5], flat[2::5], flat[3::5], flat[4::5], strict=True)
    for i, (node, x, y, w, h, g) in enumerate(nodes):
        if w:
            # A box outside a grid is a row of its own.
            rows.setdefault((g or -1 - i, y - h / 2, h), []).append(
                (x - w / 2, x + w / 2, _phase(states, node))
            )
    by_phase: dict[str, list[str]] = {}
    for (_, top, h), spans in rows.items():
        spans.sort()
        start, end, phase = spans[0]
        for left, right, next_phase in [*spans[1:], (0.0, 0.0, "")]:
            if next_phase == phase:
                end = right
                continue
            # Whole pixels: a picture of hundreds of boxes has no use for tenths.
            by_phase.setdefault(phase, []).append(
                f"M{round(start)} {round(top)}h{round(end - start)}v{round(h)}h{-round(end - start)}z"
            )
            start, end, phase = left, right, next_phase
    out = []
    for phase, parts in by_phase.items():
        fill, border = PHASE_COLOURS[phase]
        out.append(
            f"<path class='dflow-nodes phase-{phase}' d='{''.join(parts)}' fill='{fill}' stroke='{border}'/>"
        )
    return "".join(out)


def _svg(graph: Graph, layout: Mapping[str, Any], states: Mapping[str, Mapping[str, Any]]) -> str:
    width, height = float(layout["width"]), float(layout["height"])
    pad = 8.0
    shown = min(width + 2 * pad, MAX_WIDTH)
    detailed = len(graph.nodes) <= DETAILED_MAX
    grids = _grid_boxes(layout)
    body = _groups(graph, layout, detailed) + _frames(grids) + _edges(graph, layout, grids, detailed)
    body += _detailed(graph, layout, states) if detailed else _boxes_only(graph, layout, states)
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_n(shown)}' "
        f"height='{_n(shown * (height + 2 * pad) / (width + 2 * pad))}' "
        f"viewBox='{_n(-pad)} {_n(-pad)} {_n(width + 2 * pad)} {_n(height + 2 * pad)}'>{body}</svg>"
    )


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
    layout: Mapping[str, Any] | None,
    states: Mapping[str, Mapping[str, Any]],
    summary: Mapping[str, Any],
) -> str:
    """The snapshot as one HTML fragment: a caption and the SVG (a table if nothing is laid out)."""
    body = _svg(graph, layout, states) if layout and graph.nodes else _table(graph, states)
    phase = html.escape(str(summary.get("phase") or "Pending"))
    return (
        f"<div class='dflow-snapshot' data-phase='{phase}'>"
        f"<div class='dflow-snapshot-caption'>{html.escape(caption(name, summary))}</div>"
        f"{body}</div>"
    )
