"""Workflows submitted from several threads of one process run safely side by side."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate

THREADS = 8
RUNS_PER_THREAD = 3


@OP.function
def produce(x: int) -> {"out": Artifact(Path), "y": int}:  # type: ignore[valid-type]
    print(f"producing {x}")
    Path("value.txt").write_text(str(x))  # relative: must land in this step's own workdir
    return {"out": Path("value.txt"), "y": x}


@OP.function
def consume(inp: Artifact(Path), x: int) -> {"y": int}:  # type: ignore[valid-type]
    print(f"consuming {x}")
    value = int(Path(inp).read_text())
    if value != x:
        raise ValueError(f"read {value}, expected {x}")
    return {"y": value}


def _log(wf: Workflow, node: Any) -> str:
    from dflow_jupyter.run_records import workflow_dir

    return (workflow_dir(str(wf.id)) / node.dflowJupyter.stepDir / "log.txt").read_text()


def _run(tag: int, failures: list[str]) -> None:
    for i in range(RUNS_PER_THREAD):
        x = tag * 100 + i
        try:
            wf = Workflow(f"t{tag}-{i}")
            a = Step("a", PythonOPTemplate(produce), parameters={"x": x})
            b = Step(
                "b",
                PythonOPTemplate(consume),
                parameters={"x": x},
                artifacts={"inp": a.outputs.artifacts["out"]},
            )
            wf.add(a)
            wf.add(b)
            wf.submit()
            [step] = wf.query_step(name="b")
            if wf.query_status() != "Succeeded" or step.outputs.parameters["y"].value != x:
                failures.append(f"{wf.id}: {wf.query_status()} {getattr(step, 'message', '')}")
                continue
            for name, word in (("a", "producing"), ("b", "consuming")):
                [node] = wf.query_step(name=name)
                log = _log(wf, node)
                if log.strip() != f"{word} {x}":
                    failures.append(f"{wf.id}: log of {name} is {log!r}")
        except BaseException as exc:  # every thread must report, never die silently
            failures.append(f"t{tag}-{i}: {type(exc).__name__}: {exc}")


def test_threads_submitting_workflows_all_succeed_and_leave_the_process_intact() -> None:
    stdout, stderr, cwd = sys.stdout, sys.stderr, os.getcwd()
    failures: list[str] = []
    threads = [threading.Thread(target=_run, args=(t, failures)) for t in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert sys.stdout is stdout and sys.stderr is stderr
    assert os.getcwd() == cwd
    print("stdout still works")  # not a closed log file


@OP.function
def wait_for_neighbour(x: int) -> {"y": int}:  # type: ignore[valid-type]
    print("from the OP")
    _started.set()
    assert _printed.wait(60), "the neighbour thread never printed"
    return {"y": x}


_started = threading.Event()
_printed = threading.Event()


@pytest.mark.isolation("inprocess")  # only in-process OPs share this process's stdout
def test_output_of_other_threads_does_not_land_in_the_steps_log(capsys: pytest.CaptureFixture[str]) -> None:
    _started.clear()
    _printed.clear()

    def neighbour() -> None:
        _started.wait(60)
        print("from a neighbour thread")
        _printed.set()

    thread = threading.Thread(target=neighbour)
    thread.start()
    wf = Workflow("neighbour")
    wf.add(Step("op", PythonOPTemplate(wait_for_neighbour), parameters={"x": 1}))
    wf.submit()
    thread.join()
    assert wf.query_status() == "Succeeded"
    [node] = wf.query_step(name="op")
    log = _log(wf, node)
    assert log == "from the OP\n"
    out = capsys.readouterr().out
    assert "from a neighbour thread" in out and "from the OP" in out


class _SettledElsewhere:
    """A pool-like job that another thread settles, so that its own descriptor never becomes ready."""

    is_async = True

    def __init__(self) -> None:
        self._r, self._w = os.pipe()
        self.result: str | None = None
        self.notify: Any = None
        self.started = threading.Event()

    def start(self) -> None:
        self.started.set()

    def wait_object(self) -> int:
        return self._r

    def poll(self) -> tuple[bool, Any]:
        return self.result is not None, self.result

    def deadline(self) -> float | None:
        return None

    def on_deadline(self) -> None: ...

    def kill(self, reason: str) -> None: ...

    def run(self) -> Any: ...


@pytest.mark.isolation("inprocess")  # a scheduler test: once is enough
def test_a_job_settled_by_another_thread_wakes_its_waiting_loop() -> None:
    from dflow_jupyter.engine.scheduler import RunJob, Scheduler

    job = _SettledElsewhere()
    scheduler = Scheduler()
    results: list[Any] = []

    def body() -> Any:
        outcome = yield RunJob(job)
        return outcome

    loop = threading.Thread(target=lambda: results.append(scheduler.run(body())), daemon=True)
    loop.start()
    assert job.started.wait(30)
    # What another run's loop does when it reads this job's frame from the shared pool.
    job.result = "done"
    job.notify()
    loop.join(30)
    assert not loop.is_alive(), "the loop kept waiting for a job that had been settled"
    assert results == ["done"]
    scheduler.close()
