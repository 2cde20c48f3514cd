"""Detached runs back to back, and workflows submitted at once from threads and from processes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import reliability_flows as flows

from dflow_jupyter.config import config
from dflow_jupyter.run_records import list_statuses, load_status, workflow_dir

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


@pytest.mark.slow
def test_detached_submit_then_wait_ten_times_in_a_row(tmp_path: Path, figures: Callable[..., None]) -> None:
    flows.configure(str(tmp_path), "inprocess")
    config["detach"] = True
    stdout, cwd, threads = sys.stdout, os.getcwd(), threading.active_count()
    loops = 30 if flows.LONG else 10
    phases = []
    for n in range(loops):
        wf = flows.fanout(str(tmp_path / "runs.log"), 0.0, f"detached-{n}")
        wf.submit()
        wf.wait()
        phases.append(wf.query_status())
        assert (workflow_dir(f"detached-{n}") / "status").read_text() == "Succeeded"
    assert phases == ["Succeeded"] * loops
    assert sys.stdout is stdout and os.getcwd() == cwd
    assert threading.active_count() <= threads + 2  # the writer thread, the pool's: no pile-up
    figures(detached_runs=loops, succeeded=phases.count("Succeeded"))


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
def test_threads_submitting_at_once(tmp_path: Path, isolation: str, figures: Callable[..., None]) -> None:
    flows.configure(str(tmp_path), isolation)
    stdout, cwd = sys.stdout, os.getcwd()
    n_threads, per_thread = (16, 5) if flows.LONG else (8, 2)
    failures: list[str] = []

    def submit(t: int) -> None:
        for n in range(per_thread):
            try:
                shape = "fanout" if (t + n) % 2 else "dag"
                wf = flows.SHAPES[shape](str(tmp_path / f"runs-{t}.log"), 0.0, f"thread{t}-{n}")
                wf.submit()
                if wf.query_status() != "Succeeded":
                    failures.append(f"{wf.id}: {wf.query_status()}")
            except BaseException as exc:
                failures.append(f"thread {t}: {type(exc).__name__}: {exc}")

    threads = [threading.Thread(target=submit, args=(t,)) for t in range(n_threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sys.stdout is stdout and os.getcwd() == cwd
    figures(isolation=isolation, threads=n_threads, workflows=n_threads * per_thread, failures=len(failures))


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
def test_processes_submitting_into_one_work_directory(
    tmp_path: Path, isolation: str, figures: Callable[..., None]
) -> None:
    n_procs, per_proc = (8, 4) if flows.LONG else (4, 2)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    code = "import reliability_flows as f; f.main()"
    children = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                code,
                "fanout",
                f"proc{p}",
                str(tmp_path),
                isolation,
                str(tmp_path / "runs.log"),
                "0",
                str(per_proc),
            ],
            cwd=tmp_path,
            env=env,
            stderr=subprocess.PIPE,
        )
        for p in range(n_procs)
    ]
    errors = [child.communicate()[1].decode()[-500:] for child in children if child.wait() != 0]
    assert errors == []
    flows.configure(str(tmp_path), isolation)
    statuses = {s.name: s.phase for s in list_statuses()}
    expected = {f"proc{p}-{n}" for p in range(n_procs) for n in range(per_proc)}
    assert {name: statuses.get(name) for name in expected} == dict.fromkeys(expected, "Succeeded")
    for name in expected:
        assert load_status(workflow_dir(name)).phase == "Succeeded"
    counts = flows.runs(str(tmp_path / "runs.log"))
    assert counts == {tag: n_procs * per_proc for tag in counts}  # each step ran once per run
    figures(isolation=isolation, processes=n_procs, workflows=len(expected), failures=len(errors))
