"""What the live widget costs a run, headless: ``python bench/widget_cost.py --help``.

The same 10,000-item fan-out runs in the debug backend (in process) with a ``WorkflowWidget``
following it and without one, each run in a fresh process, alternating (ABBA) so a slow drift of
the machine hits both sides alike. There is no kernel and no browser: the widget's comm records
what it would send. Printed: median wall and CPU time of each side and their ratios (the
issue's target: < 10% slower), and the widget's own cost, which a busy machine disturbs far
less than wall time: CPU seconds of the widget's flushing thread, of the engine's thread, the
number of flushes, messages and bytes sent. ``bench/widget.py`` measures the same in JupyterLab.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TARGET = 0.10


def _child(mode: str, items: int) -> dict[str, Any]:
    """One run in this process; returns its numbers."""
    import comm
    from comm.base_comm import BaseComm

    sent: list[int] = []

    class CountingComm(BaseComm):  # type: ignore[misc]
        def publish_msg(
            self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
        ) -> None:
            sent.append(len(json.dumps(data, separators=(",", ":"), default=str)))

    comm.create_comm = lambda **kwargs: CountingComm(**kwargs)

    from dflow_jupyter import Task, Workflow, argo_range
    from dflow_jupyter.config import config
    from dflow_jupyter.python import OP, PythonOPTemplate, Slices
    from dflow_jupyter.widget import pump

    widget_cpu = [0.0]
    run_now = pump.Pump.run_now

    def timed(self: Any) -> None:
        started = time.thread_time()
        try:
            run_now(self)
        finally:
            widget_cpu[0] += time.thread_time() - started

    pump.Pump.run_now = timed  # type: ignore[method-assign]
    config["debug_workdir"] = config["debug_artifact_dir"] = tempfile.mkdtemp(prefix="dflow-widget-cost-")

    @OP.function
    def square(x: int) -> {"y": int}:  # type: ignore[valid-type]  # noqa: F821
        return {"y": x * x}

    template = PythonOPTemplate(
        square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    )

    def fanout(name: str, n: int) -> Any:
        wf = Workflow(name=name)
        wf.add(
            Task(name="square", template=template, parameters={"x": list(range(n))}, with_param=argo_range(n))
        )
        return wf

    fanout("warm-up", 5).submit()
    wf = fanout("fan", items)
    widget = wf.widget() if mode == "widget" else None
    sent.clear()
    widget_cpu[0] = 0.0
    wall, cpu, main = time.perf_counter(), time.process_time(), time.thread_time()
    wf.submit()
    if widget is not None:
        widget.flush()  # as a cell does when its run has ended: the final state is part of the cost
    wall, cpu, main = time.perf_counter() - wall, time.process_time() - cpu, time.thread_time() - main
    return {
        "mode": mode,
        "phase": str(wf.query_status()),
        "wall": wall,
        "cpu": cpu,
        "engine_thread_cpu": main,
        "widget_thread_cpu": widget_cpu[0],
        "flushes": widget._live.pump.runs if widget is not None else 0,
        "messages": len(sent),
        "bytes": sum(sent),
    }


def _run(mode: str, items: int) -> dict[str, Any]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, "--items", str(items)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        raise SystemExit(f"the {mode} run failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(lines[-1])
    print(json.dumps(result), file=sys.stderr)
    return result


def _median(runs: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def report(runs: list[dict[str, Any]], items: int) -> str:
    plain = [r for r in runs if r["mode"] == "plain"]
    shown = [r for r in runs if r["mode"] == "widget"]
    rows = [
        f"# Widget cost, headless: {items:,}-item fan-out, {len(plain)} runs each (medians)",
        "",
        "| | without | with widget | ratio |",
        "|---|---:|---:|---:|",
    ]
    for key in ("wall", "cpu", "engine_thread_cpu"):
        a, b = _median(plain, key), _median(shown, key)
        rows.append(f"| {key} (s) | {a:.2f} | {b:.2f} | {b / a:.3f} |")
    widget_cpu = _median(shown, "widget_thread_cpu")
    share = widget_cpu / _median(plain, "cpu")
    # Within one run, both threads suffer the same machine: the steadiest figure on a busy one.
    own = statistics.median(r["widget_thread_cpu"] / r["engine_thread_cpu"] for r in shown)
    per_flush = statistics.median(r["widget_thread_cpu"] / max(r["flushes"], 1) for r in shown)
    verdict = "PASS" if _median(shown, "wall") / _median(plain, "wall") < 1 + TARGET else "MISS"
    rows += [
        "",
        f"- wall time ratio against the target (< {1 + TARGET:.2f}): {verdict}",
        f"- widget thread CPU: {widget_cpu:.3f} s ({share:.1%} of a run without the widget; "
        f"{own:.1%} of the engine thread's CPU in the same run; {per_flush * 1000:.2f} ms a flush)",
        f"- flushes {_median(shown, 'flushes'):.0f}, messages {_median(shown, 'messages'):.0f}, "
        f"bytes {_median(shown, 'bytes'):,.0f}",
        f"- phases: {sorted({r['phase'] for r in runs})}",
    ]
    return "\n".join(rows)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python bench/widget_cost.py", description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="fan-out items (default 10,000)")
    parser.add_argument("--rounds", type=int, default=2, help="ABBA rounds: each gives one run per side")
    parser.add_argument("--child", choices=("plain", "widget"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(_child(args.child, args.items)))
        return
    runs: list[dict[str, Any]] = []
    for r in range(args.rounds):
        order = ("plain", "widget") if r % 2 == 0 else ("widget", "plain")
        runs += [_run(mode, args.items) for mode in order]
    print(report(runs, args.items))


if __name__ == "__main__":
    main(sys.argv[1:])
