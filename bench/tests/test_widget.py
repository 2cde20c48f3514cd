"""The widget benchmark's arithmetic and table, on recorded numbers (no browser, no kernel)."""

from __future__ import annotations

import pytest
import widget  # imports the browser tests' drivers (nbformat), which the test command installs
from widget_lab import Options, bytes_summary, fit, overhead_order, plan


def test_fit_recovers_a_line() -> None:
    slope, intercept, r2 = fit([1, 2, 4, 8], [260, 420, 740, 1380])
    assert slope == pytest.approx(160)
    assert intercept == pytest.approx(100)
    assert r2 == pytest.approx(1.0)
    assert fit([5, 5], [1, 2]) == (0.0, 0.0, 0.0)  # one x value: nothing to fit


def test_bytes_summary_separates_deltas_from_the_rest() -> None:
    sent = [
        {"kind": "state", "bytes": 5000, "nodes": 30},
        {"kind": "delta", "bytes": 260, "nodes": 1},
        {"kind": "delta", "bytes": 1700, "nodes": 10},
        {"kind": "trait graph,summary", "bytes": 9000, "nodes": None},
    ]
    s = bytes_summary(sent)
    assert s["deltas"] == 2
    assert s["fit"]["per_node"] == pytest.approx(160)
    assert s["others"] == {
        "state": {"count": 1, "bytes": 5000},
        "trait graph,summary": {"count": 1, "bytes": 9000},
    }
    assert s["total_bytes"] == 15960


def test_overhead_rounds_alternate_which_side_goes_first() -> None:
    assert overhead_order(2) == [
        "plain 0", "shown display 0", "shown 0",
        "shown display 1", "shown 1", "plain 1",
    ]  # fmt: skip
    names = plan(Options(rounds=2, items=100)).names
    assert set(overhead_order(2)) <= set(names)


def test_table_rows_and_verdicts() -> None:
    drawn = {
        "nodes": 2001,
        "root_ms": 300,
        "drawn_ms": 800,
        "long_tasks": 1,
        "longest_task_ms": 250,
        "engine": "layered",
        "python_s": 0.2,
        "graph_bytes": 400 * 1024,
        "html_bytes": 28 * 1024,
    }
    deltas = [{"kind": "delta", "bytes": 260, "nodes": 1}, {"kind": "delta", "bytes": 1700, "nodes": 10}]
    lab = {
        "display": {"n2k": [drawn, {**drawn, "drawn_ms": 1200, "longest_task_ms": 100}, drawn]},
        "runs": [{"name": "n2k", "wall": 10.0}, {"name": "live", "wall": 11.0}],
        # Two ABBA rounds on a machine that slows down: each pair is compared with itself.
        "overhead": [
            {"widget": False, "wall": 10.0, "cpu": 9.0, "browser_cpu": 0.5},
            {"widget": True, "wall": 10.5, "cpu": 9.9, "browser_cpu": 3.0},
            {"widget": True, "wall": 21.0, "cpu": 19.8, "browser_cpu": 4.0},
            {"widget": False, "wall": 20.0, "cpu": 18.0, "browser_cpu": 1.5},
        ],
        "bytes": bytes_summary(deltas),
    }
    text = widget.table(widget.rows(lab, None, "python3", 10_000))
    lines = text.splitlines()
    assert lines[0] == "| measure | where | value | target | verdict |"
    shown = next(line for line in lines if "display to fully drawn" in line)
    assert "median 800 ms of 800, 1200, 800" in shown and "**PASS**" in shown
    assert "(layered layout from Python)" in shown
    assert "kernel 200 ms; graph 400 KiB, snapshot 28 KiB" in shown
    longest = next(line for line in lines if "longest main-thread task" in line)
    assert "**FAIL**" in longest  # 250 ms > 200 ms
    wall = next(line for line in lines if line.startswith("| wall of a 10,000-item fan-out"))
    assert "2 ABBA pairs" in wall and "median of the pairs +5.0%" in wall and "**PASS**" in wall
    assert "10.50 vs 10.00 s, 21.00 vs 20.00 s" in wall
    cpu = next(line for line in lines if line.startswith("| kernel CPU of a 10,000-item fan-out"))
    assert "+10.0%" in cpu and "(reported)" in cpu
    browser = next(line for line in lines if line.startswith("| browser CPU during"))
    assert "3.50 s vs 1.00 s" in browser
