"""Benchmark the live DAG widget in Chromium and print a table: ``python bench/widget.py --help``.

Two sources, named in every row: **JupyterLab** (end to end: a real ``jupyter lab`` on
127.0.0.1, a real kernel running real workflows, the widget displayed in a notebook) and the
**harness** (the widget's own page with a fake host, ``js/test/browser/``: drawing alone, no
kernel). Set-up: ``scripts/browser-setup.sh``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))  # run as a script: its modules live beside it
sys.path.insert(0, str(REPO / "tests"))  # the browser tests' server and page drivers

import widget_harness  # noqa: E402
import widget_lab  # noqa: E402
from browser.lab import start_lab  # noqa: E402
from browser.notebooks import write_notebook  # noqa: E402
from browser.page import NotebookPage, launch_chromium  # noqa: E402

DRAW_BUDGET_MS = {"n2k": 1000, "n10k": 3000}
LONG_TASK_MS = 200
OVERHEAD = 0.10


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python bench/widget.py", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 nodes only, one overhead round")
    parser.add_argument(
        "--parts",
        default=",".join(widget_lab.PARTS),
        help=f"comma-separated JupyterLab parts out of {', '.join(widget_lab.PARTS)} (default all)",
    )
    parser.add_argument(
        "--kernel", default="python3", help="kernelspec (python3: ipykernel 7; python3-ipykernel6: 6)"
    )
    parser.add_argument("--rounds", type=int, help="overhead rounds, with and without the widget (default 2)")
    parser.add_argument("--items", type=int, default=10_000, help="fan-out items of the overhead runs")
    parser.add_argument(
        "--interval", type=float, default=0.1, help="the widget's update interval in the overhead runs (s)"
    )
    parser.add_argument("--no-lab", action="store_true", help="skip the JupyterLab measurements")
    parser.add_argument("--no-harness", action="store_true", help="skip the harness measurements")
    parser.add_argument("--json", type=Path, help="also write every raw number to this file")
    args = parser.parse_args(argv)
    args.rounds = args.rounds or (1 if args.quick else 2)
    parts = tuple(p.strip() for p in args.parts.split(",") if p.strip())
    unknown = set(parts) - set(widget_lab.PARTS)
    if unknown:
        parser.error(f"unknown --parts {sorted(unknown)}: choose among {', '.join(widget_lab.PARTS)}")
    sizes = ("n2k",) if args.quick else tuple(widget_lab.SIZES)
    args.options = widget_lab.Options(
        sizes=sizes, parts=parts, rounds=args.rounds, items=args.items, interval=args.interval
    )
    return args


def lab_numbers(browser: Any, args: argparse.Namespace) -> dict[str, Any]:
    base = Path(tempfile.mkdtemp(prefix="dflow-widget-bench-"))
    lab = start_lab(base)
    try:
        cells = widget_lab.plan(args.options)
        from jupyter_client.kernelspec import KernelSpecManager

        display_name = KernelSpecManager().get_kernel_spec(args.kernel).display_name
        path = write_notebook(
            lab.root / "bench.ipynb", cells.sources, kernel=args.kernel, display_name=display_name
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        notebook = NotebookPage(page, path)
        notebook.open(lab.notebook_url(path.name), timeout=180)
        try:
            session = widget_lab.LabSession(notebook, cells)
            return widget_lab.measure(session, args.options)
        finally:
            notebook.close()
    finally:
        lab.stop()
        shutil.rmtree(base, ignore_errors=True)


def _s(values: Any) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def _ms(values: Any) -> str:
    return ", ".join(f"{v:.0f}" for v in values)


def verdict(ok: bool) -> str:
    return "**PASS**" if ok else "**FAIL**"


def rows(
    lab: dict[str, Any] | None, harness: list[dict[str, Any]] | None, kernel: str, items: int
) -> list[list[str]]:
    """Table rows: measure, where, value, target, verdict."""
    out: list[list[str]] = []
    where = f"JupyterLab, end to end ({kernel})"
    for var, runs in (lab or {}).get("display", {}).items():
        budget = DRAW_BUDGET_MS[var]
        drawn = statistics.median(r["drawn_ms"] for r in runs)
        longest = max(r["longest_task_ms"] for r in runs)
        first = runs[0]
        kernel_ms = statistics.median(r.get("python_s", 0) for r in runs) * 1000
        kib = {k: first.get(f"{k}_bytes", 0) / 1024 for k in ("graph", "html")}
        sizes = f"graph {kib['graph']:.0f} KiB, snapshot {kib['html']:.0f} KiB"
        engine = first.get("engine", "?")
        out.append(
            [
                f"display to fully drawn, {first['nodes']:,} nodes ({engine} layout from Python)",
                where,
                f"median {drawn:.0f} ms of {_ms(r['drawn_ms'] for r in runs)} "
                f"(widget shown at {statistics.median(r['root_ms'] for r in runs):.0f} ms; "
                f"kernel {kernel_ms:.0f} ms; {sizes})",
                f"< {budget:,} ms",
                verdict(drawn < budget),
            ]
        )
        out.append(
            [
                f"longest main-thread task, {first['nodes']:,} nodes",
                where,
                f"{longest:.0f} ms (of {_ms(r['longest_task_ms'] for r in runs)})",
                f"<= {LONG_TASK_MS} ms",
                verdict(longest <= LONG_TASK_MS),
            ]
        )
    for b in harness or []:
        budget = 1000 if b["size"] <= 2000 else 3000
        ok = b["drawMs"] < budget and b["tasks"]["maxMs"] <= LONG_TASK_MS
        out.append(
            [
                f"drawn and painted, {b['nodes']:,} nodes",
                "harness (fake host, drawing only)",
                f"{b['drawMs']} ms, longest task {b['tasks']['maxMs']} ms",
                f"< {budget:,} ms, <= {LONG_TASK_MS} ms",
                verdict(ok),
            ]
        )
        if "deltas" in b:
            d = b["deltas"]
            out.append(
                [
                    f"{d['batches']} deltas of {d['perBatch']} nodes, {b['nodes']:,} nodes",
                    "harness (fake host, drawing only)",
                    f"longest task {d['tasks']['maxMs']} ms, patched in place: {d['sameElements']}",
                    f"<= {LONG_TASK_MS} ms",
                    verdict(d["tasks"]["maxMs"] <= LONG_TASK_MS and d["sameElements"]),
                ]
            )
        if "grows" in b:
            g = b["grows"]
            out.append(
                [
                    f"{g['grows']} grows of {g['perGrow']} new nodes, {b['nodes']:,} nodes",
                    "harness (fake host, drawing only)",
                    f"longest task {g['tasks']['maxMs']} ms, all drawn: {g['drawnNodes'] == g['expected']}, "
                    f"nothing redrawn: {g['sameElements']}",
                    f"<= {LONG_TASK_MS} ms",
                    verdict(
                        g["tasks"]["maxMs"] <= LONG_TASK_MS
                        and g["sameElements"]
                        and g["drawnNodes"] == g["expected"]
                    ),
                ]
            )
    if lab and "bytes" in lab:
        s = lab["bytes"]
        lo, hi = s["bytes_per_node_range"]
        out.append(
            [
                f"bytes per update, 2,001-node run ({s['deltas']} deltas)",
                "JupyterLab, comm payloads counted in the kernel",
                f"median {s['delta_bytes_median']:,.0f} B for {s['nodes_median']:.0f} nodes; "
                f"{s['bytes_per_node_median']:.0f} B/node ({lo:.0f}-{hi:.0f}); "
                f"fit {s['fit']['fixed']:.0f} + {s['fit']['per_node']:.0f}·n B, R² {s['fit']['r2']:.3f}",
                "proportional to changed nodes",
                verdict(s["deltas"] > 0 and s["fit"]["r2"] >= 0.9),
            ]
        )
        other = ", ".join(f"{k}: {v['count']} ({v['bytes']:,} B)" for k, v in s["others"].items())
        out.append(["other messages of that run", "JupyterLab, comm payloads", other or "none", "", ""])
    runs = {r["name"]: r["wall"] for r in (lab or {}).get("runs", [])}
    if "n2k" in runs and "live" in runs:  # the same 2,001-node workflow, one run each: indicative
        out.append(
            [
                "wall of the 2,001-node run, widget shown vs not (one run each)",
                where,
                f"{runs['live']:.2f} s vs {runs['n2k']:.2f} s ({runs['live'] / runs['n2k'] - 1:+.1%})",
                "(reported)",
                "",
            ]
        )
    overhead = (lab or {}).get("overhead") or []
    plain = [r for r in overhead if not r["widget"]]
    shown = [r for r in overhead if r["widget"]]
    if plain and shown:
        # Rounds are ABBA pairs of adjacent runs: the median of the pairs' ratios is not fooled by
        # a machine that drifts during the benchmark, as the ratio of the bests would be.
        pairs = list(zip(plain, shown, strict=False))
        for key, unit in (("wall", "wall"), ("cpu", "kernel CPU")):
            ratio = statistics.median(s[key] / p[key] for p, s in pairs) - 1
            out.append(
                [
                    f"{unit} of a {items:,}-item fan-out, widget shown vs not ({len(pairs)} ABBA pairs)",
                    where,
                    f"median of the pairs {ratio:+.1%} (pairs: "
                    + ", ".join(f"{s[key]:.2f} vs {p[key]:.2f} s" for p, s in pairs)
                    + ")",
                    f"< +{OVERHEAD:.0%}",
                    verdict(ratio < OVERHEAD) if key == "wall" else "(reported)",
                ]
            )
        if all("browser_cpu" in r for r in overhead):
            out.append(
                [
                    f"browser CPU during the {items:,}-item fan-out, widget shown vs not",
                    "Chromium processes",
                    f"{statistics.median(r['browser_cpu'] for r in shown):.2f} s vs "
                    f"{statistics.median(r['browser_cpu'] for r in plain):.2f} s (medians; "
                    f"{os.cpu_count()} CPUs shared with the kernel)",
                    "(reported)",
                    "",
                ]
            )
    return out


def table(lines: list[list[str]]) -> str:
    head = ["measure", "where", "value", "target", "verdict"]
    body = [head, ["---"] * len(head), *lines]
    return "\n".join("| " + " | ".join(cell.replace("|", "/") for cell in row) + " |" for row in body)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from playwright.sync_api import sync_playwright

    started = time.time()
    lab: dict[str, Any] | None = None
    harness: list[dict[str, Any]] | None = None
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            if not args.no_harness:
                if widget_harness.available(REPO):
                    harness = widget_harness.measure(browser, REPO, [2000] if args.quick else [2000, 10_000])
                else:
                    print(f"(no {widget_harness.HARNESS} in this tree: harness numbers skipped)")
            if not args.no_lab:
                lab = lab_numbers(browser, args)
        finally:
            browser.close()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nWidget benchmark ({time.time() - started:.0f} s; {os.cpu_count()} CPUs, load average {load})\n")
    print(table(rows(lab, harness, args.kernel, args.items)))
    if args.json:
        args.json.write_text(json.dumps({"lab": lab, "harness": harness}, indent=1, default=str))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
