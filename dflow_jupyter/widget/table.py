"""Tables of workflows and steps, read from the status model: text, HTML and pandas DataFrames.

One row per node with dflow's columns (name, key, phase, type, start, duration, progress) plus
the node's message. pandas is imported only when a DataFrame is asked for.
"""

from __future__ import annotations

import datetime as _dt
import html
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import FAILED_PHASES

__all__ = [
    "FRAME_COLUMNS",
    "STEP_COLUMNS",
    "WORKFLOW_COLUMNS",
    "StatusTable",
    "StepRow",
    "format_duration",
    "format_start",
    "html_table",
    "readable_steps",
    "step_rows",
    "steps_frame",
    "text_table",
    "workflow_cells",
    "workflows_frame",
]

STEP_COLUMNS = ("name", "key", "phase", "type", "start", "duration", "progress", "message")
#: The columns of ``steps_frame`` (``end`` too: a DataFrame is for reading times off).
FRAME_COLUMNS = ("name", "key", "phase", "type", "start", "end", "duration", "progress", "message")
WORKFLOW_COLUMNS = ("workflow", "phase", "progress", "start", "duration", "message")

_PHASE_COLOURS: dict[str, str] = {
    "Succeeded": "#15803d",
    "Failed": "#b91c1c",
    "Error": "#b91c1c",
    "Running": "#1d4ed8",
    "Pending": "#6b7280",
    "Skipped": "#6b7280",
    "Omitted": "#6b7280",
}


def format_start(ts: float | None) -> str:
    """Local wall-clock time ``HH:MM:SS`` (empty if not started)."""
    return "" if ts is None else _dt.datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def format_duration(seconds: float | None) -> str:
    """``"8 ms"``, ``"1.25 s"``, ``"2m 05s"``, ``"1h 02m"`` (empty if unknown)."""
    if seconds is None:
        return ""
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.2f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m {secs:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m"


@dataclass(frozen=True)
class StepRow:
    """One node of a workflow, as the step tables show it."""

    name: str
    key: str
    phase: str
    type: str
    start: float | None
    duration: float | None
    progress: str
    message: str
    id: str
    step_dir: str | None
    end: float | None = None

    @classmethod
    def of(cls, node: Node) -> StepRow:
        return cls(
            node.display_name,
            node.key or "",
            node.phase,
            node.type,
            node.started_at,
            node.duration(),
            node.progress or "",
            node.message or "",
            node.id,
            node.step_dir,
            node.finished_at,
        )

    def cells(self) -> list[str]:
        return [
            self.name,
            self.key,
            self.phase,
            self.type,
            format_start(self.start),
            format_duration(self.duration),
            self.progress,
            self.message,
        ]


def step_rows(status: WorkflowStatus) -> list[StepRow]:
    """Every node of ``status``, in start order (nodes not started yet last)."""
    nodes = list(status.nodes.values())  # a copy: a running engine may add nodes meanwhile
    nodes.sort(key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name))
    return [StepRow.of(n) for n in nodes]


def _used_columns(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[int]:
    """Indexes of the columns with a value in some row (the first column always)."""
    used = [i for i in range(len(headers)) if i == 0 or any(r[i] for r in rows)]
    return used if rows else list(range(len(headers)))


def text_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Left-aligned columns separated by two spaces; columns empty in every row are dropped."""
    used = _used_columns(headers, rows)
    table = [[headers[i] for i in used], *[[r[i] for i in used] for r in rows]]
    widths = [max(len(line[c]) for line in table) for c in range(len(used))]
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(line, widths, strict=True)).rstrip() for line in table
    )


def html_table(
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    caption: str = "",
    phase_column: int | None = None,
    footer: str = "",
) -> str:
    """A compact HTML table (phases coloured) for notebook output; empty columns are dropped."""
    esc = html.escape
    used = _used_columns(headers, rows)
    if phase_column is not None:
        phase_column = used.index(phase_column) if phase_column in used else None
    headers = [headers[i] for i in used]
    rows = [[row[i] for i in used] for row in rows]
    head = "".join(f"<th style='text-align:left'>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, value in enumerate(row):
            style = "text-align:left"
            if index == phase_column and value in _PHASE_COLOURS:
                style += f";color:{_PHASE_COLOURS[value]};font-weight:bold"
            cells.append(f"<td style='{style}'>{esc(value)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption style='text-align:left'>{esc(caption)}</caption>" if caption else ""
    foot = f"<div style='margin-top:4px'>{esc(footer)}</div>" if footer else ""
    return (
        f"<div class='dflow-table'><table>{cap}<thead><tr>{head}</tr></thead>"
        f"<tbody>{''.join(body)}</tbody></table>{foot}</div>"
    )


def _failure_hint(status: WorkflowStatus) -> str:
    # Steps stopped by a terminate did not fail by themselves: nothing to debug there.
    failed = [
        n
        for n in status.pods()
        if n.phase in FAILED_PHASES and not (n.message or "").startswith("Stopped with strategy")
    ]
    if not failed:
        return ""
    first = min(failed, key=lambda n: n.started_at or 0.0)
    more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
    return (
        f"step {first.display_name} failed{more}: {first.message or first.phase}. "
        f"Read its log with %dflow logs {status.name} {first.display_name}; debug it with "
        f"%dflow replay {status.name} {first.display_name} --pdb"
    )


class StatusTable:
    """A snapshot of a workflow's status, displayable as text or HTML.

    Parameters
    ----------
    status : WorkflowStatus
        The status model (live or recorded).
    max_rows : int, optional
        Show at most this many node rows (the most recently started ones); the live display
        uses it so that a workflow with thousands of nodes stays cheap to redraw.
    """

    def __init__(self, status: WorkflowStatus, max_rows: int | None = None) -> None:
        self.status = status
        rows = step_rows(status)
        self.hidden = 0
        if max_rows is not None and len(rows) > max_rows:
            self.hidden = len(rows) - max_rows
            rows = rows[-max_rows:]
        self.rows = rows

    def caption(self) -> str:
        s = self.status
        duration = None
        if s.started_at is not None:
            duration = (s.finished_at or time.time()) - s.started_at
        progress = s.progress or s.compute_progress()
        if not s.nodes and s.started_at is None:
            return f"workflow {s.name}: {s.phase or 'Pending'}"
        parts = [f"workflow {s.name}: {s.phase or 'Pending'}", f"{progress} steps"]
        if duration is not None:
            parts.append(format_duration(duration))
        return " · ".join(parts)

    def footer(self) -> str:
        notes = []
        if self.hidden:
            notes.append(f"{self.hidden} earlier rows hidden; %dflow steps {self.status.name} lists them all")
        hint = _failure_hint(self.status)
        if hint:
            notes.append(hint)
        return "\n".join(notes)

    def text(self) -> str:
        body = text_table(STEP_COLUMNS, [r.cells() for r in self.rows]) if self.rows else ""
        footer = self.footer()
        return "\n".join(part for part in (self.caption(), body, footer) if part)

    def _repr_html_(self) -> str:
        if not self.rows:
            return f"<div class='dflow-table'>{html.escape(self.caption())}</div>"
        return html_table(
            STEP_COLUMNS,
            [r.cells() for r in self.rows],
            self.caption(),
            phase_column=2,
            footer=self.footer(),
        )

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()


def _local_datetime(ts: float | None) -> Any:
    return None if ts is None else _dt.datetime.fromtimestamp(ts)


def steps_frame(status: WorkflowStatus) -> Any:
    """A pandas DataFrame, one row per node: ``start``/``end`` local times, ``duration`` a timedelta."""
    import pandas as pd

    records = [
        {
            "name": r.name,
            "key": r.key or None,
            "phase": r.phase,
            "type": r.type,
            "start": _local_datetime(r.start),
            "end": _local_datetime(r.end),
            "duration": r.duration,
            "progress": r.progress or None,
            "message": r.message or None,
        }
        for r in step_rows(status)
    ]
    frame = pd.DataFrame.from_records(records, columns=list(FRAME_COLUMNS))
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    frame["duration"] = pd.to_timedelta(frame["duration"], unit="s")
    return frame


def readable_steps(frame: Any) -> Any:
    """``steps_frame`` for people: times as ``HH:MM:SS``, durations as ``1.25 s`` or ``2m 05s``."""
    import pandas as pd

    shown = frame.copy()
    for column in ("start", "end"):
        shown[column] = ["" if pd.isna(t) else t.strftime("%H:%M:%S") for t in frame[column]]
    shown["duration"] = ["" if pd.isna(d) else format_duration(d.total_seconds()) for d in frame["duration"]]
    return shown


def workflow_cells(status: WorkflowStatus) -> list[str]:
    duration = None
    if status.started_at is not None and status.finished_at is not None:
        duration = status.finished_at - status.started_at
    return [
        status.name,
        status.phase,
        status.progress or "",
        format_start(status.started_at),
        format_duration(duration),
        status.message or "",
    ]


def workflows_frame(statuses: Sequence[WorkflowStatus]) -> Any:
    """A pandas DataFrame with one row per recorded workflow, newest first."""
    import pandas as pd

    records = []
    for s in statuses:
        duration = None
        if s.started_at is not None and s.finished_at is not None:
            duration = round(s.finished_at - s.started_at, 3)
        records.append(
            {
                "workflow": s.name,
                "phase": s.phase,
                "progress": s.progress or None,
                "start": _local_datetime(s.started_at),
                "duration": duration,
                "message": s.message or None,
            }
        )
    frame = pd.DataFrame.from_records(records, columns=list(WORKFLOW_COLUMNS))
    frame["start"] = pd.to_datetime(frame["start"])
    return frame
