"""The headless widget-cost bench: both sides run the same workload for real; the report compares them."""

from __future__ import annotations

import widget_cost


def test_both_sides_run_the_fanout_and_the_report_compares_them() -> None:
    runs = [widget_cost._run(mode, 30) for mode in ("plain", "widget")]
    plain, shown = runs
    assert plain["phase"] == shown["phase"] == "Succeeded"
    assert plain["messages"] == 0 and plain["widget_thread_cpu"] == 0.0
    assert shown["messages"] > 0 and shown["bytes"] > 0 and shown["flushes"] >= 1
    text = widget_cost.report(runs, 30)
    assert "| wall (s) |" in text and "30-item fan-out, 1 runs each" in text
    assert "of the engine thread's CPU in the same run" in text
