"""Retries, timeouts, continue-on rules and parallelism, with Argo's node shapes."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from dflow_jupyter import DAG, Step, Steps, Task, Workflow, argo_range
from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.python import OP, FatalError, PythonOPTemplate, TransientError


@OP.function
def flaky(marker: str, failures: int) -> {"attempts": int}:  # type: ignore[valid-type]
    # Counts attempts in a file outside the step dir, so it works across worker processes.
    path = Path(marker)
    count = int(path.read_text()) + 1 if path.exists() else 1
    path.write_text(str(count))
    if count <= failures:
        raise TransientError(f"attempt {count} failed")
    return {"attempts": count}


@OP.function
def fatal(x: int) -> {"y": int}:  # type: ignore[valid-type]
    raise FatalError("this cannot work")


@OP.function
def sleepy(seconds: float) -> {"done": bool}:  # type: ignore[valid-type]
    time.sleep(seconds)
    return {"done": True}


@OP.function
def fail_odd(x: int) -> {"y": int}:  # type: ignore[valid-type]
    if x % 2:
        raise ValueError(f"odd {x}")
    return {"y": x}


def test_transient_errors_are_retried_with_retry_nodes(tmp_path: Path) -> None:
    template = PythonOPTemplate(flaky, retry_on_transient_error=3)
    wf = Workflow("retry")
    wf.add(Step("flaky", template, parameters={"marker": str(tmp_path / "count"), "failures": 2}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    status = wf.query().status
    retry = next(n for n in status.nodes.values() if n.displayName == "flaky")
    assert retry.type == "Retry" and retry.phase == "Succeeded"
    attempts = [status.nodes[c] for c in retry.children]
    assert [a.displayName for a in attempts] == ["flaky(0)", "flaky(1)", "flaky(2)"]
    assert [a.phase for a in attempts] == ["Failed", "Failed", "Succeeded"]
    assert all(a.type == "Pod" for a in attempts)
    assert retry.outputs.parameters[0]["value"] == "3"


def test_retries_run_out(tmp_path: Path) -> None:
    template = PythonOPTemplate(flaky, retry_on_transient_error=1)
    wf = Workflow("retry-out")
    wf.add(Step("flaky", template, parameters={"marker": str(tmp_path / "c"), "failures": 5}))
    wf.submit()
    assert wf.query_status() == "Failed"
    [retry] = [s for s in wf.query_step(name="flaky") if s.type == "Retry"]
    assert retry.phase == "Failed" and retry.message == "No more retries left"
    assert len(retry.children) == 2


def test_fatal_error_is_not_retried() -> None:
    wf = Workflow("fatal")
    wf.add(Step("fatal", PythonOPTemplate(fatal, retry_on_transient_error=3), parameters={"x": 1}))
    wf.submit()
    [retry] = [s for s in wf.query_step(name="fatal") if s.type == "Retry"]
    assert len(retry.children) == 1
    [attempt] = wf.query_step(name="fatal", type="Pod")
    assert attempt.phase == "Failed" and "FatalError" in attempt.message and attempt.outputs.exitCode == "2"


def test_retry_on_failure_retries_any_failure(tmp_path: Path) -> None:
    wf = Workflow("retry-failure")
    wf.add(Step("f", PythonOPTemplate(fatal, retry_on_failure=2), parameters={"x": 1}))
    wf.submit()
    assert len(wf.query_step(name="f", type="Pod")) == 3


def test_timeout_stops_a_hanging_op() -> None:
    wf = Workflow("timeout")
    wf.add(Step("hang", PythonOPTemplate(sleepy, timeout=1), parameters={"seconds": 30}))
    started = time.monotonic()
    wf.submit()
    assert time.monotonic() - started < 10
    [node] = wf.query_step(name="hang")
    assert node.phase == "Failed"
    assert "deadline" in node.message


def test_timeout_as_transient_error_is_retried() -> None:
    template = PythonOPTemplate(
        sleepy, timeout=0.5, retry_on_transient_error=1, timeout_as_transient_error=True
    )
    wf = Workflow("timeout-retry")
    wf.add(Step("hang", template, parameters={"seconds": 30}))
    wf.submit()
    assert len(wf.query_step(name="hang", type="Pod")) == 2
    plain = Workflow("timeout-fatal")
    plain.add(
        Step(
            "hang",
            PythonOPTemplate(sleepy, timeout=0.5, retry_on_transient_error=1),
            parameters={"seconds": 30},
        )
    )
    plain.submit()
    assert len(plain.query_step(name="hang", type="Pod")) == 1


def test_shell_timeout_kills_the_process_tree() -> None:
    from dflow_jupyter import ShellOPTemplate

    t = ShellOPTemplate(name="sleeper", image="alpine", script="sleep 30 & sleep 30", timeout=1)
    wf = Workflow("shell-timeout")
    wf.add(Step("sleeper", t))
    started = time.monotonic()
    wf.submit()
    assert time.monotonic() - started < 10
    assert wf.query_step(name="sleeper")[0].phase == "Failed"


def test_continue_on_failed_lets_the_workflow_go_on() -> None:
    bad = Step("bad", PythonOPTemplate(fatal), parameters={"x": 1}, continue_on_failed=True)
    after = Step("after", PythonOPTemplate(fail_odd), parameters={"x": 2})
    wf = Workflow("continue")
    wf.add(bad)
    wf.add(after)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="bad")[0].phase == "Failed"
    assert wf.query_step(name="after")[0].phase == "Succeeded"


@pytest.mark.parametrize(
    ("option", "value", "phase"),
    [
        ("continue_on_num_success", 2, "Succeeded"),
        ("continue_on_num_success", 3, "Failed"),
        ("continue_on_success_ratio", 0.5, "Succeeded"),
        ("continue_on_success_ratio", 0.6, "Failed"),
    ],
)
def test_continue_on_success_counts(option: str, value: float, phase: str) -> None:
    step = Step(
        "items",
        PythonOPTemplate(fail_odd),
        parameters={"x": "{{item}}"},
        with_param=argo_range(4),
        **{option: value},
    )
    wf = Workflow("success-count")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == phase
    assert sorted(s.phase for s in wf.query_step(name="items")) == [
        "Failed",
        "Failed",
        "Succeeded",
        "Succeeded",
    ]


def test_success_ratio_out_of_range() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"continue_on_success_ratio.*\[0, 1\].*1.5"):
        Step("s", PythonOPTemplate(fail_odd), parameters={"x": 1}, continue_on_success_ratio=1.5)


def test_failed_dag_task_omits_its_dependents() -> None:
    bad = Task("bad", PythonOPTemplate(fatal), parameters={"x": 1})
    after = Task("after", PythonOPTemplate(fail_odd), parameters={"x": bad.outputs.parameters["y"]})
    dag = DAG("omit")
    dag.add([bad, after])
    wf = Workflow("omit", dag=dag)
    wf.submit()
    assert wf.query_status() == "Failed"
    [omitted] = wf.query_step(name="after")
    assert omitted.type == "Skipped" and omitted.phase == "Omitted"
    assert omitted.message == "omitted: depends condition not met"


def test_parallelism_bounds_concurrent_pods(tmp_path: Path) -> None:
    from dflow_jupyter import ShellOPTemplate

    log = tmp_path / "concurrency.log"
    # The path goes in through the environment: scripts' literal /tmp paths mean the step's own.
    t = ShellOPTemplate(
        name="probe",
        image="alpine",
        envs={"LOG": str(log)},
        script='echo start >> "$LOG"; sleep 0.3; echo end >> "$LOG"',
    )
    body = Steps("limited", parallelism=2)
    body.add([Step(f"p{i}", t) for i in range(5)])
    wf = Workflow("parallelism")
    wf.add(Step("body", body))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    running = peak = 0
    for line in log.read_text().split():
        running += 1 if line == "start" else -1
        peak = max(peak, running)
    assert peak == 2


def test_crashing_interpreter_fails_only_its_step() -> None:
    from dflow_jupyter import config

    # Only process isolation survives os._exit: in process it would end the caller.
    config["debug_isolation"] = "process"

    @OP.function
    def crash(code: int) -> {"y": int}:  # type: ignore[valid-type]
        os._exit(code)

    @OP.function
    def fine(x: int) -> {"y": int}:  # type: ignore[valid-type]
        return {"y": x}

    wf = Workflow("crash")
    wf.add(
        [
            Step("crash", PythonOPTemplate(crash), parameters={"code": 3}, continue_on_failed=True),
            Step("fine", PythonOPTemplate(fine), parameters={"x": 1}),
        ]
    )
    wf.add(Step("later", PythonOPTemplate(fine), parameters={"x": 2}))
    wf.submit()
    [node] = wf.query_step(name="crash")
    assert node.phase == "Failed" and "exit code 3" in node.message
    assert wf.query_step(name="later")[0].phase == "Succeeded"
