"""Turn the runs into a markdown report: medians, reference/ours ratios, targets and failures."""

from __future__ import annotations

import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from measure import Measurement
from workloads import WORKLOADS

REFERENCE = "ref"
# implementation key -> label in the tables, in table order
IMPL_LABELS = {
    "ref": "dflow (reference)",
    "inprocess": "ours, in-process",
    "process": "ours, process isolation",
}


@dataclass
class RunResult:
    """One run of one workload with one implementation (or why it was not run)."""

    workload: str
    impl: str
    run: int
    measurement: Measurement | None = None
    skipped: str = ""
    log: str = ""

    @property
    def record(self) -> dict[str, object]:
        m = self.measurement
        return m.record if m and m.record else {}

    @property
    def ok(self) -> bool:
        m = self.measurement
        return bool(m and m.exit_code == 0 and self.record.get("status") == "Succeeded")

    def number(self, key: str) -> float | None:
        """A numeric field of the child's record, None if absent."""
        value = self.record.get(key)
        return float(value) if isinstance(value, (int, float)) else None

    def problem(self) -> str:
        """Why this run does not count ('' if it does)."""
        m = self.measurement
        if m is None:
            return f"not run: {self.skipped}"
        if m.timed_out:
            return f"did not finish within the timeout ({m.wall:.0f} s)"
        if m.over_memory:
            return f"killed after {m.wall:.0f} s: process tree RSS over the limit ({m.peak_rss / 1e6:.0f} MB)"
        status = self.record.get("status", "no JSON record on stdout")
        error = self.record.get("error")
        if m.exit_code == 0 and status == "Succeeded":
            return ""
        detail = f"exit {m.exit_code}, status {status}"
        tail = error or m.stderr_tail
        return f"{detail}: {tail}" if tail else detail


@dataclass
class Target:
    """A goal from issue 4 for our implementation on one workload."""

    workload: str
    impls: tuple[str, ...]
    label: str
    value: Callable[[Sequence[RunResult]], float | None]
    limit: float
    unit: Callable[[float], str] = field(default=lambda v: f"{fmt_s(v)} s")


def median_of(runs: Sequence[RunResult], get: Callable[[RunResult], float | None]) -> float | None:
    """Median of ``get`` over the successful runs that have a value."""
    values = [v for r in runs if r.ok and (v := get(r)) is not None]
    return statistics.median(values) if values else None


def wall(r: RunResult) -> float | None:
    return r.number("wall")


def overhead(r: RunResult) -> float | None:
    w, io = r.number("wall"), r.number("op_io")
    return None if w is None or io is None else w - io


def peak_mb(r: RunResult) -> float | None:
    return r.measurement.peak_rss / 1e6 if r.measurement else None


def heavy_count(r: RunResult) -> float | None:
    heavy = r.record.get("heavy_modules")
    return float(len(heavy)) if isinstance(heavy, list) else None


def _med(get: Callable[[RunResult], float | None]) -> Callable[[Sequence[RunResult]], float | None]:
    return lambda runs: median_of(runs, get)


OURS = ("inprocess", "process")
TARGETS = [
    Target("a", ("inprocess",), "wall <= 0.1 s", _med(wall), 0.1),
    Target("b", ("inprocess",), "wall <= 0.5 s", _med(wall), 0.5),
    Target("c", ("inprocess",), "wall - OPs' I/O <= 0.1 s", _med(overhead), 0.1),
    Target("d", ("inprocess",), "wall <= 0.1 s", _med(wall), 0.1),
    Target("e", ("inprocess",), "wall <= 0.3 s", _med(wall), 0.3),
    Target(
        "f",
        ("inprocess",),
        "slope <= 1 ms",
        _med(lambda r: r.number("slope")),
        0.001,
        lambda v: f"{v * 1000:.3g} ms",
    ),
    Target(
        "f",
        ("process",),
        "slope <= 10 ms",
        _med(lambda r: r.number("slope")),
        0.010,
        lambda v: f"{v * 1000:.3g} ms",
    ),
    Target("g", OURS, "wall < 15 s", _med(wall), 15.0),
    Target("g", OURS, "peak RSS < 500 MB", _med(peak_mb), 500.0, lambda v: f"{v:.0f} MB"),
    Target("h", OURS, "import <= 0.15 s", _med(wall), 0.15),
    Target("h", OURS, "no heavy imports", _med(heavy_count), 0.0, lambda v: f"{v:.0f} heavy"),
]


def fmt_s(value: float | None) -> str:
    """Seconds with about three significant digits, never in exponent notation."""
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:.0f}"
    if abs(value) >= 10:
        return f"{value:.1f}"
    if abs(value) >= 1:
        return f"{value:.2f}"
    text = f"{value:.3g}"
    return f"{value:.6f}" if "e" in text else text


def fmt_ratio(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f}x" if value >= 100 else f"{value:.3g}x"


def target_cells(workload: str, impl: str, runs: Sequence[RunResult]) -> list[str]:
    """'label: PASS/MISS (value)' for every target of this workload and implementation."""
    cells = []
    for t in TARGETS:
        if t.workload != workload or impl not in t.impls:
            continue
        value = t.value(runs)
        failed = any(not r.ok for r in runs)
        verdict = "PASS" if value is not None and value <= t.limit and not failed else "MISS"
        shown = t.unit(value) if value is not None else "no successful run"
        cells.append(f"{t.label}: **{verdict}** ({shown}{', failed runs' if failed else ''})")
    return cells


def _ratios(ref: Sequence[RunResult], ours: Sequence[RunResult]) -> tuple[str, str]:
    """(ratio of the medians, per-run ratios) of reference wall over ours."""
    ref_med, our_med = median_of(ref, wall), median_of(ours, wall)
    if ref_med is None and our_med:
        # A reference that never finished still bounds the ratio from below.
        limits = [r.measurement.wall for r in ref if r.measurement and r.measurement.killed]
        return (f"> {fmt_ratio(max(limits) / our_med)}" if limits else "-"), ""
    of_medians = ref_med / our_med if ref_med is not None and our_med else None
    per_run = []
    for r, o in zip(ref, ours, strict=True):
        rw, ow = wall(r), wall(o)
        ok = r.ok and o.ok and rw is not None and ow
        per_run.append(fmt_ratio(rw / ow) if ok and rw is not None and ow else "-")
    return fmt_ratio(of_medians), " ".join(per_run)


def wall_cell(runs: Sequence[RunResult]) -> str:
    """The median wall, or in words why there is none."""
    if any(r.ok for r in runs):
        return fmt_s(median_of(runs, wall))
    timeouts = [r.measurement.wall for r in runs if r.measurement and r.measurement.timed_out]
    if timeouts:
        return f"did not finish in {max(timeouts):.0f} s"
    if any(r.measurement and r.measurement.over_memory for r in runs):
        return "killed: RSS over the limit"
    return "not run" if all(r.measurement is None for r in runs) else "failed"


def peak_cell(runs: Sequence[RunResult]) -> str:
    """Median peak RSS of the successful runs, or a lower bound from runs that were killed."""
    peak = median_of(runs, peak_mb)
    if peak is not None:
        return f"{peak:.0f}"
    killed = [r.measurement.peak_rss / 1e6 for r in runs if r.measurement and r.measurement.killed]
    return f">= {max(killed):.0f}" if killed else "-"


def main_table(results: Sequence[RunResult], impls: Sequence[str]) -> list[str]:
    lines = [
        "| workload | implementation | wall (s) | ref/ours | ref/ours per run | process wall (s) "
        "| CPU tree (s) | peak RSS tree (MB) | ok runs | targets |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---|",
    ]
    for letter in WORKLOADS:
        ref = [r for r in results if r.workload == letter and r.impl == REFERENCE]
        for impl in impls:
            runs = [r for r in results if r.workload == letter and r.impl == impl]
            if not runs:
                continue
            ratio, per_run = ("", "") if impl == REFERENCE or not ref else _ratios(ref, runs)
            proc_wall = median_of(runs, lambda r: r.measurement.wall if r.measurement else None)
            cpu = median_of(runs, lambda r: r.measurement.cpu if r.measurement else None)
            ok = sum(r.ok for r in runs)
            row = [
                f"{letter}. {WORKLOADS[letter][0]}",
                IMPL_LABELS[impl],
                wall_cell(runs),
                ratio,
                per_run,
                fmt_s(proc_wall),
                fmt_s(cpu),
                peak_cell(runs),
                f"{ok}/{len(runs)}",
                "<br>".join(target_cells(letter, impl, runs)),
            ]
            lines.append("| " + " | ".join(row) + " |")
    return lines


def detail_lines(results: Sequence[RunResult], impls: Sequence[str]) -> list[str]:
    """Workload-specific numbers: c's I/O split, f's points and slope, h's heavy modules."""
    lines: list[str] = []
    for impl in impls:
        c_runs = [r for r in results if r.workload == "c" and r.impl == impl]
        if any(r.ok for r in c_runs):
            io = median_of(c_runs, lambda r: r.number("op_io"))
            lines.append(
                f"- c, {IMPL_LABELS[impl]}: OPs' own I/O {fmt_s(io)} s, "
                f"wall - I/O {fmt_s(median_of(c_runs, overhead))} s (medians)"
            )
    for impl in impls:
        f_runs = [r for r in results if r.workload == "f" and r.impl == impl]
        points = [r.record.get("points") for r in f_runs if r.ok]
        sizes = sorted({int(k) for p in points if isinstance(p, dict) for k in p})
        if sizes:
            cells = []
            for size in sizes:
                vals = [float(p[str(size)]) for p in points if isinstance(p, dict) and str(size) in p]
                cells.append(f"{size}: {fmt_s(statistics.median(vals))} s")
            slope = median_of(f_runs, lambda r: r.number("slope"))
            slope_text = "-" if slope is None else f"{slope * 1000:.3g} ms/step"
            lines.append(
                f"- f, {IMPL_LABELS[impl]}: slope {slope_text}; median wall by steps: " + ", ".join(cells)
            )
    for impl in impls:
        h_runs = [r for r in results if r.workload == "h" and r.impl == impl and r.ok]
        if h_runs:
            heavy = sorted({str(m) for r in h_runs for m in _list(r.record.get("heavy_modules"))})
            cell = median_of(h_runs, lambda r: r.number("first_cell"))
            lines.append(
                f"- h, {IMPL_LABELS[impl]}: heavy modules imported: "
                + (", ".join(f"`{m}`" for m in heavy) if heavy else "none")
                + f"; `import` plus `from <pkg> import Workflow, Step` and "
                f"`from <pkg>.python import OP, PythonOPTemplate`: {fmt_s(cell)} s"
            )
    return lines


def _shorten(text: str, limit: int = 300) -> str:
    """``text`` cut to ``limit`` characters (the full text is in the kept log)."""
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def failure_table(results: Sequence[RunResult]) -> list[str]:
    failed = [r for r in results if not r.ok]
    if not failed:
        return ["None: every run finished with status Succeeded."]
    lines = ["| workload | implementation | run | what happened | log |", "|---|---|---:|---|---|"]
    for r in failed:
        problem = _shorten(r.problem()).replace("|", "\\|")
        lines.append(
            f"| {r.workload}. {WORKLOADS[r.workload][0]} | {IMPL_LABELS[r.impl]} | {r.run + 1} "
            f"| {problem} | {r.log or '-'} |"
        )
    return lines


def leftover_lines(results: Sequence[RunResult]) -> list[str]:
    """Runs whose child left processes behind (the runner killed them)."""
    return [
        f"- {r.workload}, {IMPL_LABELS[r.impl]}, run {r.run + 1}: "
        f"{r.measurement.leftover} process(es) still running after the child exited (killed)"
        for r in results
        if r.measurement and r.measurement.leftover
    ]


def render(results: Sequence[RunResult], impls: Sequence[str], header: list[str], notes: list[str]) -> str:
    """The whole markdown report."""
    parts = [*header, "", "## Results", "", *main_table(results, impls), ""]
    details = detail_lines(results, impls)
    if details:
        parts += ["## Details", "", *details, ""]
    parts += ["## Failures", "", *failure_table(results), ""]
    notes = [*notes, *leftover_lines(results)]
    if notes:
        parts += ["## Notes", "", *notes, ""]
    return "\n".join(parts)
