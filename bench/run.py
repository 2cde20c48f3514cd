"""Benchmark dflow_jupyter against dflow (pydflow) side by side: ``python bench/run.py --help``."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))  # run as a script: measure, report and workloads live beside it

import psutil  # noqa: E402
from impls import REF_SPEC, Impl, child_env, ensure_reference, scrub, version  # noqa: E402
from measure import measure  # noqa: E402
from report import IMPL_LABELS, REFERENCE, RunResult, render  # noqa: E402
from workloads import WORKLOADS  # noqa: E402

LOGS = BENCH / ".logs"
RESULTS = BENCH / "results"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python bench/run.py",
        description="Run the issue-4 workloads with dflow (reference) and dflow_jupyter "
        "(in-process and process isolation), alternating, each run in a fresh process.",
    )
    letters = ",".join(WORKLOADS)
    parser.add_argument("--only", help=f"comma-separated workloads out of {letters} (default all)")
    parser.add_argument("--runs", type=int, help="runs per implementation (default 3, --quick 1)")
    parser.add_argument("--quick", action="store_true", help="1 run each and no reference on workload g")
    parser.add_argument(
        "--impl",
        default="all",
        help="comma-separated out of ref, inprocess, process; 'ours' = inprocess,process; 'all' (default)",
    )
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run (default 600)")
    parser.add_argument("--skip-ref-g", action="store_true", help="do not run the reference on workload g")
    parser.add_argument(
        "--max-rss-gb",
        type=float,
        default=round(psutil.virtual_memory().total / 2**30 / 2),
        help="kill a run whose process tree RSS passes this (default: half the RAM)",
    )
    parser.add_argument("--sample-ms", type=float, default=10.0, help="RSS sampling period")
    parser.add_argument("--ref-spec", default=REF_SPEC, help=f"reference pip spec ({REF_SPEC})")
    parser.add_argument("--name", help="results file label (default from the selection)")
    parser.add_argument("--no-write", action="store_true", help="print only, write no file")
    args = parser.parse_args(argv)
    args.workloads = _select(args.only, parser)
    keys = {"all": "ref,inprocess,process", "ours": "inprocess,process"}.get(args.impl, args.impl)
    args.impls = [k.strip() for k in keys.split(",") if k.strip()]
    unknown = [k for k in args.impls if k not in IMPL_LABELS]
    if unknown:
        parser.error(f"--impl: unknown {unknown}; use ref, inprocess, process, ours or all")
    args.impls = [k for k in IMPL_LABELS if k in args.impls]  # table order
    args.runs = args.runs or (1 if args.quick else 3)
    args.skip_ref_g = args.skip_ref_g or args.quick
    return args


def _select(only: str | None, parser: argparse.ArgumentParser) -> list[str]:
    if not only:
        return list(WORKLOADS)
    by_module = {module: letter for letter, (module, _) in WORKLOADS.items()}
    chosen = []
    for item in (s.strip() for s in only.split(",") if s.strip()):
        letter = item if item in WORKLOADS else by_module.get(item)
        if letter is None:
            parser.error(f"--only: unknown workload {item!r}; use letters {','.join(WORKLOADS)}")
        chosen.append(letter)
    return [letter for letter in WORKLOADS if letter in chosen]


def run_one(impl: Impl, letter: str, run: int, args: argparse.Namespace, logs: Path) -> RunResult:
    """One fresh child in a fresh temporary directory; logs are kept only for failed runs."""
    module = WORKLOADS[letter][0]
    workdir = Path(tempfile.mkdtemp(prefix=f"dflow-bench-{letter}-"))
    stem = f"{letter}-{impl.key}-{run + 1}"
    out, err = logs / f"{stem}.stdout", logs / f"{stem}.stderr"
    try:
        m = measure(
            [impl.python, "-m", "workloads", module],
            cwd=workdir,
            env=child_env(impl),
            timeout=args.timeout,
            stdout_path=out,
            stderr_path=err,
            sample_interval=args.sample_ms / 1000,
            memory_limit=int(args.max_rss_gb * 2**30),
        )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    result = RunResult(letter, impl.key, run, m)
    if result.ok:
        out.unlink()
        err.unlink()
    else:
        result.log = str(err.relative_to(BENCH.parent))
    return result


def progress(r: RunResult) -> None:
    m = r.measurement
    what = r.problem() or f"wall {r.number('wall') or 0:.3f} s"
    peak = f", process {m.wall:.2f} s, peak {m.peak_rss / 1e6:.0f} MB" if m else ""
    print(
        f"bench: {r.workload} {IMPL_LABELS[r.impl]} run {r.run + 1}: {what}{peak}",
        file=sys.stderr,
        flush=True,
    )


def run_all(args: argparse.Namespace, impls: list[Impl], logs: Path) -> list[RunResult]:
    """Every workload, runs alternating between implementations (A B C A B C ...)."""
    results: list[RunResult] = []
    for letter in args.workloads:
        gave_up: dict[str, str] = {}
        for run in range(args.runs):
            for impl in impls:
                if impl.key == REFERENCE and letter == "g" and args.skip_ref_g:
                    gave_up[impl.key] = "reference skipped on g (--skip-ref-g or --quick)"
                if impl.key in gave_up:
                    r = RunResult(letter, impl.key, run, skipped=gave_up[impl.key])
                else:
                    r = run_one(impl, letter, run, args, logs)
                    if r.measurement and r.measurement.killed:
                        # A run that did not finish will not finish next time either.
                        gave_up[impl.key] = "an earlier run was killed (timeout or memory limit)"
                results.append(r)
                progress(r)
    return results


def header(args: argparse.Namespace, ref_python: str | None, now: dt.datetime) -> list[str]:
    """Title, how the numbers were taken, and on what (no machine paths)."""
    ours = version(sys.executable, "dflow-jupyter")
    ref = f"pydflow {version(ref_python, 'pydflow')} (debug mode)" if ref_python else "not run"
    model = next(
        (line.split(":", 1)[1].strip() for line in _cpuinfo() if line.startswith("model name")),
        platform.machine(),
    )
    mem = psutil.virtual_memory().total / 2**30
    return [
        f"# dflow_jupyter vs dflow: {now:%Y-%m-%d %H:%M}",
        "",
        "- command: `" + " ".join(["python bench/run.py", *sys.argv[1:]]) + "`",
        f"- reference: {ref}; ours: dflow_jupyter {ours}",
        f"- machine: {os.cpu_count()} CPUs ({model}), {mem:.0f} GiB RAM, "
        f"{platform.system()} {platform.release()}, Python {platform.python_version()}",
        f"- {args.runs} run(s) per implementation, alternating, each in a fresh process and "
        f"temporary directory; timeout {args.timeout:.0f} s; memory limit {args.max_rss_gb:g} GiB "
        f"of tree RSS; RSS sampled every {args.sample_ms:g} ms",
        "- wall: the workload timed inside the child (build the workflow, submit, wait); "
        "process wall: the child from spawn to exit; CPU tree: user+sys of the child and its "
        "reaped descendants; peak RSS tree: summed RSS of the process tree (at least the "
        "child's own high-water mark); all medians of the successful runs",
        "- ref/ours: reference wall / ours wall (ratio of the medians, then per run)",
        "",
        "Workloads: " + "; ".join(f"{k}. {WORKLOADS[k][1]}" for k in args.workloads) + ".",
    ]


def _cpuinfo() -> list[str]:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            return info.read().splitlines()
    except OSError:
        return []


def results_path(args: argparse.Namespace, now: dt.datetime) -> Path:
    label = args.name or "-".join(
        [
            "quick"
            if args.quick
            else "full"
            if len(args.workloads) == len(WORKLOADS)
            else "only-" + "".join(args.workloads),
            *([] if len(args.impls) == 3 else args.impls),
        ]
    )
    path = RESULTS / f"{now:%Y-%m-%d}-{label}.md"
    n = 2
    while path.exists():
        path = RESULTS / f"{now:%Y-%m-%d}-{label}-{n}.md"
        n += 1
    return path


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    now = dt.datetime.now()
    ref_python = str(ensure_reference(args.ref_spec)) if REFERENCE in args.impls else None
    impls = [
        Impl(key, ref_python or "", "dflow", "inprocess")
        if key == REFERENCE
        else Impl(key, sys.executable, "dflow_jupyter", key)
        for key in args.impls
    ]
    logs = LOGS / f"{now:%Y%m%d-%H%M%S}"
    logs.mkdir(parents=True, exist_ok=True)
    results = run_all(args, impls, logs)
    notes = []
    if args.skip_ref_g and "g" in args.workloads and REFERENCE in args.impls:
        notes.append("- g: the reference was not run (--skip-ref-g or --quick).")
    text = scrub(render(results, args.impls, header(args, ref_python, now), notes))
    print(text)
    if not args.no_write:
        path = results_path(args, now)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        # The raw runs beside the table, to compare runs or re-render without re-running.
        raw = json.dumps([dataclasses.asdict(r) for r in results], indent=1)
        path.with_suffix(".json").write_text(scrub(raw) + "\n", encoding="utf-8")
        print(f"bench: wrote {path.relative_to(BENCH.parent)} and .json", file=sys.stderr)
    if not any(logs.iterdir()):
        logs.rmdir()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
