"""The report: medians over successful runs, ratios, target verdicts, failure wording."""

from __future__ import annotations

from measure import Measurement
from report import RunResult, fmt_s, render, target_cells, wall_cell
from workloads._common import fit_line


def _run(impl: str, run: int, wall: float, status: str = "Succeeded", **kw: object) -> RunResult:
    m = Measurement(
        exit_code=0 if status == "Succeeded" else 3,
        timed_out=False,
        wall=wall + 0.5,
        cpu=wall,
        peak_rss=100 * 10**6,
        record={"wall": wall, "status": status, **kw},
        stderr_tail="" if status == "Succeeded" else "Boom: it broke",
        leftover=0,
    )
    return RunResult("a", impl, run, m)


def test_target_pass_and_miss() -> None:
    fast = [_run("inprocess", i, w) for i, w in enumerate([0.05, 0.2, 0.08])]
    assert target_cells("a", "inprocess", fast) == ["wall <= 0.1 s: **PASS** (0.08 s)"]
    slow = [_run("inprocess", i, w) for i, w in enumerate([0.5, 0.2, 0.3])]
    assert "**MISS** (0.3 s)" in target_cells("a", "inprocess", slow)[0]
    # A failed run is a miss even when the median of the others meets the target.
    mixed = [_run("inprocess", 0, 0.01), _run("inprocess", 1, 0.01, status="Failed")]
    assert "**MISS**" in target_cells("a", "inprocess", mixed)[0]
    assert target_cells("a", "process", fast) == []


def test_table_ratios_and_failures() -> None:
    results = [
        _run("ref", 0, 20.0),
        _run("inprocess", 0, 0.1),
        _run("ref", 1, 30.0, status="Failed"),
        _run("inprocess", 1, 0.2),
    ]
    text = render(results, ["ref", "inprocess"], ["# title"], [])
    row = next(line for line in text.splitlines() if "ours, in-process" in line)
    # ratio of the medians 20 / 0.15; per run 200x then '-' (the reference's run 2 failed)
    assert "| 133x | 200x - |" in row
    assert "exit 3, status Failed: Boom: it broke" in text


def test_wall_cell_words() -> None:
    timed_out = RunResult("g", "ref", 0, Measurement(None, True, 600.2, 1.0, 1, None, "", 0))
    assert wall_cell([timed_out]) == "did not finish in 600 s"
    assert wall_cell([RunResult("g", "ref", 0, skipped="flag")]) == "not run"
    assert wall_cell([_run("ref", 0, 1.0, status="Error")]) == "failed"


def test_fmt_s_and_fit_line() -> None:
    assert [fmt_s(v) for v in (123.4, 12.34, 1.234, 0.01234, 1e-7)] == [
        "123",
        "12.3",
        "1.23",
        "0.0123",
        "0.000000",
    ]
    slope, intercept = fit_line([1, 2, 5, 10, 20], [0.5 + 2 * x for x in (1, 2, 5, 10, 20)])
    assert abs(slope - 2) < 1e-12 and abs(intercept - 0.5) < 1e-12


def test_ratio_lower_bound_when_the_reference_did_not_finish() -> None:
    ref = RunResult("a", "ref", 0, Measurement(None, True, 600.0, 1.0, 1, None, "", 0))
    text = render([ref, _run("inprocess", 0, 6.0)], ["ref", "inprocess"], ["# t"], [])
    row = next(line for line in text.splitlines() if "ours, in-process" in line)
    assert "| > 100x |" in row
