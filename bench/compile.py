"""Compile big workflows to Argo YAML with dflow_jupyter and with dflow: ``python bench/compile.py``.

Two workflows, built from the workloads' OPs with dflow's public API: a chain of 1,000 Python
OP steps, and the 10,000-item ``Slices`` fan-out of workload g. Each implementation builds each
workflow in a fresh child process, then ``to_yaml()`` is timed; the manifest's size is its UTF-8
bytes. Runs alternate between the implementations; the medians are reported with the
reference/ours ratios. The reference is PyPI ``pydflow`` in ``bench/.venv-ref``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
IMAGE = "python:3.11"
WORKFLOWS = {
    "chain1000": "chain of 1,000 Python OP steps",
    "fanout10k": "10,000-item Slices fan-out + collector",
}


def _build(workflow: str) -> Any:
    """The workflow, built with the implementation ``BENCH_IMPL`` names (in a child)."""
    impl = os.environ["BENCH_IMPL"]
    extra: dict[str, Any] = {"image": IMAGE}
    if impl == "dflow":
        extra["upload_dflow"] = False  # dflow would upload itself to an object store here
    from workloads.a_chain import Step, Workflow, add_one
    from workloads.b_slices import PythonOPTemplate, Slices, argo_range, collect, square

    if workflow == "chain1000":
        wf = Workflow(name="chain")
        template = PythonOPTemplate(add_one, **extra)
        value: Any = 0
        for i in range(1000):
            step = Step(name=f"add{i}", template=template, parameters={"x": value})
            wf.add(step)
            value = step.outputs.parameters["x"]
        return wf
    wf = Workflow(name="fanout")
    slices = Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    fan = Step(
        name="square",
        template=PythonOPTemplate(square, slices=slices, **extra),
        parameters={"x": list(range(10_000))},
        with_param=argo_range(10_000),
    )
    wf.add(fan)
    wf.add(
        Step(
            name="collect",
            template=PythonOPTemplate(collect, **extra),
            parameters={"ys": fan.outputs.parameters["y"]},
        )
    )
    return wf


def child(workflow: str) -> None:
    """Build, then time ``to_yaml()``; print one JSON record."""
    import time

    start = time.perf_counter()
    wf = _build(workflow)
    built = time.perf_counter()
    text = wf.to_yaml()
    done = time.perf_counter()
    record = {"build": built - start, "to_yaml": done - built, "bytes": len(text.encode("utf-8"))}
    if os.environ["BENCH_IMPL"] == "dflow_jupyter":
        from dflow_jupyter.argo.compile.render import load_yaml
        from dflow_jupyter.argo.lint.api import lint_manifest

        manifest = load_yaml(text)
        lint_start = time.perf_counter()
        report = lint_manifest(manifest)
        record["lint"] = time.perf_counter() - lint_start
        record["problems"] = len(report)
    print(json.dumps(record))


def _run(python: str, env: dict[str, str], workflow: str) -> dict[str, Any]:
    done = subprocess.run(
        [python, str(Path(__file__).resolve()), "--child", workflow],
        env=env,
        cwd=BENCH,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if done.returncode != 0:
        from impls import scrub

        raise SystemExit(f"{env['BENCH_IMPL']} {workflow} failed:\n{scrub(done.stderr[-3000:])}")
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _environments() -> dict[str, tuple[str, dict[str, str]]]:
    from impls import REF_SPEC, Impl, child_env, ensure_reference

    reference = str(ensure_reference(REF_SPEC))
    ours_env = child_env(Impl("ours", sys.executable, "dflow_jupyter", "inprocess"))
    # This checkout's dflow_jupyter, even where another copy is installed.
    ours_env["PYTHONPATH"] = os.pathsep.join([str(BENCH.parent), ours_env["PYTHONPATH"]])
    return {
        "dflow": (reference, child_env(Impl("ref", reference, "dflow", "inprocess"))),
        "dflow_jupyter": (sys.executable, ours_env),
    }


def _median(records: list[dict[str, Any]], key: str) -> float:
    return statistics.median(r[key] for r in records)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python bench/compile.py", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--runs", type=int, default=3, help="runs per implementation and workflow (default 3)"
    )
    parser.add_argument("--child", choices=sorted(WORKFLOWS), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child)
        return 0
    sys.path.insert(0, str(BENCH))
    envs = _environments()
    rows = [
        "| workflow | impl | build s | to_yaml s | manifest bytes | lint s |",
        "|---|---|---|---|---|---|",
    ]
    ratios = ["| workflow | to_yaml time ref/ours | manifest bytes ref/ours |", "|---|---|---|"]
    for workflow, label in WORKFLOWS.items():
        runs: dict[str, list[dict[str, Any]]] = {impl: [] for impl in envs}
        for _ in range(args.runs):
            for impl, (python, env) in envs.items():
                runs[impl].append(_run(python, env, workflow))
        for impl, records in runs.items():
            lint = f"{_median(records, 'lint'):.3f}" if "lint" in records[0] else "-"
            rows.append(
                f"| {label} | {impl} | {_median(records, 'build'):.3f} | {_median(records, 'to_yaml'):.3f} "
                f"| {int(_median(records, 'bytes')):,} | {lint} |"
            )
        ref, ours = runs["dflow"], runs["dflow_jupyter"]
        time_ratio = _median(ref, "to_yaml") / _median(ours, "to_yaml")
        size_ratio = _median(ref, "bytes") / _median(ours, "bytes")
        ratios.append(f"| {label} | {time_ratio:.1f}x | {size_ratio:.1f}x |")
        problems = {r.get("problems") for r in ours}
        if problems != {0}:
            print(f"warning: the lint found problems in ours ({problems})", file=sys.stderr)
    print(f"Median of {args.runs} run(s) each, every run a fresh process.\n")
    print("\n".join(rows) + "\n\n" + "\n".join(ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
