"""The widget end to end in a real JupyterLab: display to drawn, long tasks, bytes, run overhead."""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from typing import Any

import widget_cells as cells

# Installed once per page: every long task (> 50 ms of main thread) from then on.
_OBSERVE = """() => {
    window.__dflowBench = {long: [], runs: []};
    new PerformanceObserver(list => {
        for (const e of list.getEntries()) {
            window.__dflowBench.long.push({start: e.startTime, duration: e.duration});
        }
    }).observe({type: 'longtask', buffered: true});
}"""
# Run cell i and watch, frame by frame, for its widget to appear and to be fully drawn
# (`data-rev` is set once the whole graph is drawn, docs/widget-protocol.md).
_TIMED_RUN = """(i) => {
    const run = {t0: performance.now(), tRoot: null, tDrawn: null, nodes: 0};
    window.__dflowBench.runs.push(run);
    const tick = () => {
        const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
        const root = cell && cell.querySelector('.dflow-widget');
        if (root && run.tRoot === null) run.tRoot = performance.now();
        if (root && root.hasAttribute('data-rev')) {
            run.tDrawn = performance.now();
            // Counted cheaply: this runs in the measured window (a slow count would be a long task).
            run.nodes = root.querySelectorAll('.dflow-stage [data-node-id]').length;
            return;
        }
        requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    const notebook = window.jupyterapp.shell.currentWidget.content;
    notebook.activeCellIndex = i;
    notebook.deselectAll();
    void window.jupyterapp.commands.execute('notebook:run-cell');
    return window.__dflowBench.runs.length - 1;
}"""
_RUN_DONE = "(k) => window.__dflowBench.runs[k].tDrawn !== null"
_RUN_RESULT = """([k, settle]) => {
    const b = window.__dflowBench, run = b.runs[k];
    const tasks = b.long.filter(e => e.start >= run.t0 && e.start <= run.tDrawn + settle);
    return {...run, longTasks: tasks.length, longestTask: Math.max(0, ...tasks.map(e => e.duration))};
}"""
_CELL_DONE = """(i) => {
    const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
    return /\\[\\d+\\]/.test(cell.querySelector('.jp-InputPrompt').textContent);
}"""


@dataclass
class Notebook:
    """The benchmark's cells, appended in order; ``index`` finds a cell by its name."""

    sources: list[str] = field(default_factory=list)
    names: dict[str, int] = field(default_factory=dict)

    def add(self, name: str, source: str) -> None:
        self.names[name] = len(self.sources)
        self.sources.append(source)


#: The workflows timed from display to drawn: width x depth fan-outs of 19 items, and repeats.
SIZES = {"n2k": (10, 10, 3), "n10k": (25, 20, 2)}
PARTS = ("display", "bytes", "overhead")


@dataclass(frozen=True)
class Options:
    """What to measure: ``sizes`` of SIZES, ``parts`` of PARTS, overhead ``rounds`` of ``items``."""

    sizes: tuple[str, ...] = tuple(SIZES)
    parts: tuple[str, ...] = PARTS
    rounds: int = 2
    items: int = 10_000
    #: Seconds between two widget updates at most (``wf.widget(interval=...)``).
    interval: float = 0.1


def plan(options: Options) -> Notebook:
    """Every cell of one benchmark session, in the order they run."""
    nb = Notebook()
    nb.add("setup", cells.SETUP)
    nb.add("warm-up", cells.WARM_UP)
    for var in options.sizes if "display" in options.parts else ():
        width, depth, repeats = SIZES[var]
        nb.add(f"run {var}", cells.run_chains(var, width, depth))
        for k in range(repeats):
            nb.add(f"display {var} {k}", cells.display(var))
    if "bytes" in options.parts:
        nb.add("bytes display", cells.BYTES_DISPLAY)
        nb.add("bytes run", cells.BYTES_RUN)
        nb.add("bytes report", cells.BYTES_REPORT)
    for r in range(options.rounds) if "overhead" in options.parts else ():
        nb.add(f"plain {r}", cells.overhead_run(f"plain-{r}", options.items, widget=False))
        nb.add(f"shown display {r}", cells.overhead_display(f"shown-{r}", options.items, options.interval))
        nb.add(f"shown {r}", cells.overhead_run(f"shown-{r}", options.items, widget=True))
    return nb


def overhead_order(rounds: int) -> list[str]:
    """Cells of the overhead runs, ABBA: a slow drift of the machine hits both sides alike."""
    order: list[str] = []
    for r in range(rounds):
        plain, shown = [f"plain {r}"], [f"shown display {r}", f"shown {r}"]
        order += plain + shown if r % 2 == 0 else shown + plain
    return order


class LabSession:
    """One notebook of benchmark cells, open in JupyterLab, run cell by cell."""

    def __init__(self, notebook: Any, cells_: Notebook) -> None:
        self.notebook = notebook
        self.cells = cells_
        notebook.page.evaluate(_OBSERVE)

    def run(self, name: str, *, timeout: float = 600.0) -> list[dict[str, Any]]:
        """Run cell ``name`` to its end; its ``BENCH`` records, with the browser's CPU seconds."""
        index = self.cells.names[name]
        before = browser_cpu()
        self.notebook.run_cells(index, index)
        records = self._records(index, timeout)
        spent = browser_cpu() - before
        return [{**r, "browser_cpu": spent} for r in records]

    def timed_display(self, name: str, *, timeout: float = 180.0, settle_ms: float = 1000) -> dict[str, Any]:
        """Run display cell ``name``; milliseconds to the widget's root and to the fully drawn graph."""
        index = self.cells.names[name]
        k = self.notebook.page.evaluate(_TIMED_RUN, index)
        self.notebook.page.wait_for_function(_RUN_DONE, arg=k, timeout=timeout * 1000, polling=200)
        records = self._records(index, timeout)
        time.sleep(settle_ms / 1000)  # long tasks right after the draw still count
        run = self.notebook.page.evaluate(_RUN_RESULT, [k, settle_ms])
        return {
            "nodes": run["nodes"],
            "root_ms": run["tRoot"] - run["t0"],
            "drawn_ms": run["tDrawn"] - run["t0"],
            "long_tasks": run["longTasks"],
            "longest_task_ms": run["longestTask"],
            **{k: records[0][k] for k in ("engine", "python_s", "graph_bytes", "html_bytes") if records},
        }

    def _records(self, index: int, timeout: float) -> list[dict[str, Any]]:
        self.notebook.page.wait_for_function(_CELL_DONE, arg=index, timeout=timeout * 1000, polling=200)
        self.notebook.wait_idle(timeout=timeout)
        error = self.notebook.cell_error(index)
        if error:
            raise RuntimeError(f"benchmark cell {index} raised:\n{error[-2000:]}")
        text = self.notebook.output_text(index)
        return [json.loads(line[6:]) for line in text.splitlines() if line.startswith("BENCH ")]


def browser_cpu() -> float:
    """CPU seconds so far of the Chromium processes this benchmark started (all of them).

    On a machine with few CPUs the page's work competes with the kernel for them: the overhead
    rows show it beside the kernel's own CPU time.
    """
    import psutil

    total = 0.0
    for proc in psutil.Process().children(recursive=True):
        try:
            if "chrom" in proc.name().lower():
                times = proc.cpu_times()
                total += times.user + times.system
        except psutil.Error:
            continue
    return total


def bytes_summary(sent: list[dict[str, Any]]) -> dict[str, Any]:
    """Deltas' sizes against the nodes they carry; the other messages by kind."""
    deltas = [m for m in sent if m["kind"] == "delta" and m["nodes"]]
    per_node = [m["bytes"] / m["nodes"] for m in deltas]
    slope, intercept, r2 = fit([m["nodes"] for m in deltas], [m["bytes"] for m in deltas])
    others: dict[str, list[int]] = {}
    for m in sent:
        if m["kind"] != "delta":
            others.setdefault(str(m["kind"]), []).append(m["bytes"])
    return {
        "deltas": len(deltas),
        "delta_bytes_median": statistics.median(m["bytes"] for m in deltas) if deltas else 0,
        "delta_bytes_max": max((m["bytes"] for m in deltas), default=0),
        "nodes_median": statistics.median(m["nodes"] for m in deltas) if deltas else 0,
        "bytes_per_node_median": statistics.median(per_node) if per_node else 0,
        "bytes_per_node_range": (min(per_node, default=0), max(per_node, default=0)),
        "fit": {"per_node": slope, "fixed": intercept, "r2": r2},
        "total_bytes": sum(m["bytes"] for m in sent),
        "others": {k: {"count": len(v), "bytes": sum(v)} for k, v in sorted(others.items())},
    }


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    """Least squares ``y = slope * x + intercept`` and its R² (zeros when it cannot be fitted)."""
    if len(xs) < 2 or len(set(xs)) < 2:
        return 0.0, 0.0, 0.0
    slope, intercept = statistics.linear_regression(xs, ys)
    mean = statistics.fmean(ys)
    total = sum((y - mean) ** 2 for y in ys)
    residual = sum((y - (slope * x + intercept)) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, intercept, 1 - residual / total if total else 1.0


def measure(session: LabSession, options: Options) -> dict[str, Any]:
    """Run every cell of the plan; the end-to-end numbers."""
    out: dict[str, Any] = {"runs": [], "display": {}, "overhead": []}
    session.run("setup")
    session.run("warm-up")  # loads the widget's module, so the first timed display does not
    for var in options.sizes if "display" in options.parts else ():
        out["runs"] += session.run(f"run {var}")
        repeats = SIZES[var][2]
        out["display"][var] = [session.timed_display(f"display {var} {k}") for k in range(repeats)]
    if "bytes" in options.parts:
        session.run("bytes display")
        out["runs"] += session.run("bytes run")
        out["bytes"] = bytes_summary(session.run("bytes report")[0]["sent"])
    for name in overhead_order(options.rounds) if "overhead" in options.parts else ():
        out["overhead"] += session.run(name)
    failed = [r for r in out["runs"] + out["overhead"] if r["phase"] != "Succeeded"]
    if failed:
        raise RuntimeError(f"benchmark workflows did not succeed: {failed}")
    return out
