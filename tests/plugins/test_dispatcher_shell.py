"""``DispatcherExecutor`` with dpdispatcher's Shell batch type: jobs are background processes here."""

from __future__ import annotations

import os
import re
import signal
import time
from pathlib import Path

import psutil
import pytest

from dflow_jupyter import (
    OutputParameter,
    ShellOPTemplate,
    Step,
    Workflow,
    argo_range,
    config,
    upload_artifact,
)
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate, Slices

from .conftest import job_ids, wait_until


def shell(**settings: object) -> DispatcherExecutor:
    ex = DispatcherExecutor(
        machine_dict={"batch_type": "Shell", "context_type": "LocalContext"},
        resources_dict={"group_size": 1},
        **settings,  # type: ignore[arg-type]
    )
    ex.poll_interval = 0.3
    return ex


def message(pod: object) -> str:
    return str(pod.get("message") or "")  # type: ignore[attr-defined]


@OP.function
def count_words(text: Artifact(Path), bonus: int) -> {"words": int}:
    return {"words": len(text.read_text().split()) + bonus}


def test_function_and_shell_ops_run_as_shell_jobs() -> None:
    template = ShellOPTemplate(name="hello", image="alpine", script="echo hello from $$ > /tmp/out.txt")
    template.outputs.parameters = {"out": OutputParameter(value_from_path="/tmp/out.txt")}
    Path("text.txt").write_text("one two three")
    wf = Workflow("shell")
    wf.add(
        [
            Step(
                "count",
                PythonOPTemplate(count_words),
                parameters={"bonus": 1},
                artifacts={"text": upload_artifact("text.txt")},
                executor=shell(),
            ),
            Step("hello", template, executor=shell()),
        ]
    )
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [count] = wf.query_step(name="count")
    assert count.outputs.parameters["words"].value == 4
    assert re.fullmatch(r"ran on Shell \(pid \d+\)", message(count))
    [hello] = wf.query_step(name="hello")
    assert hello.outputs.parameters["out"].value.startswith("hello from ")


@OP.function
def cube(x: int) -> {"y": int}:
    return {"y": x**3}


@pytest.mark.parametrize("merge", [True, False], ids=["merged", "one-job-per-item"])
def test_a_sliced_fan_out_of_20_items(merge: bool) -> None:
    wf = Workflow("fanout")
    wf.add(
        Step(
            "cube",
            PythonOPTemplate(cube, slices=Slices(input_parameter=["x"], output_parameter=["y"])),
            parameters={"x": list(range(20))},
            with_param=argo_range(20),
            executor=shell(merge_sliced_step=merge),
        )
    )
    wf.submit()
    assert wf.query_status() == "Succeeded"
    pods = wf.query_step(name="cube", type="Pod")
    stacked = [y for pod in pods for y in pod.outputs.parameters["y"].value] if merge else None
    assert len(pods) == (1 if merge else 20)
    if merge:
        assert stacked == [x**3 for x in range(20)]
    assert len({job for pod in pods for job in job_ids(message(pod))}) == len(pods)


def test_a_failing_op_fails_its_step() -> None:
    @OP.function
    def explode(x: int) -> {"y": int}:
        raise RuntimeError(f"cannot handle {x}")

    wf = Workflow("failing")
    wf.add(Step("explode", PythonOPTemplate(explode), parameters={"x": 7}, executor=shell()))
    wf.submit()
    [pod] = wf.query_step(name="explode")
    assert (pod.phase, pod.outputs.exitCode) == ("Failed", "1")
    assert message(pod).startswith("RuntimeError: cannot handle 7 (exit code 1); ran on Shell (pid ")


def sleepers(seconds: int) -> list[psutil.Process]:
    """Processes running ``sleep <seconds>`` (a number no other test sleeps)."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        if process.info["cmdline"] == ["sleep", str(seconds)]:
            found.append(process)
    return found


def test_terminate_kills_the_whole_process_tree() -> None:
    config["detach"] = True
    try:
        wf = Workflow("terminate")
        wf.add(
            [
                Step(f"s{i}", ShellOPTemplate(name="nap", script="sleep 3011"), executor=shell())
                for i in range(2)
            ]
        )
        wf.submit()
        wait_until(lambda: len(sleepers(3011)) == 2, 30, "both jobs to sleep")
        wf.terminate()
        wf.wait()
    finally:
        config["detach"] = False
    assert wf.query_status() == "Failed"
    wait_until(lambda: not sleepers(3011), 10, "the jobs' processes to end")


def test_a_job_killed_from_outside_fails_its_step() -> None:
    config["detach"] = True
    try:
        wf = Workflow("killed")
        wf.add(Step("victim", ShellOPTemplate(name="nap", script="sleep 3013"), executor=shell()))
        wf.submit()
        pod = wait_until(
            lambda: next((p for p in wf.query_step(name="victim") if "running on Shell" in message(p)), None),
            30,
            "the job to run",
        )
        [pid] = job_ids(message(pod))
        for child in psutil.Process(int(pid)).children(recursive=True):
            child.kill()
        os.kill(int(pid), signal.SIGKILL)
        started = time.monotonic()
        wf.wait()
        assert time.monotonic() - started < 15
    finally:
        config["detach"] = False
    [pod] = wf.query_step(name="victim")
    assert pod.phase == "Failed"
    assert message(pod) == f"the shell job (pid {pid}) ended without finishing (killed?)"


def test_a_container_runtime_wraps_the_script_in_the_job() -> None:
    # ``true`` stands in for docker (no container runtime here): the job "runs" and makes nothing.
    template = ShellOPTemplate(name="boxed", image="alpine:3.20", script="echo 1 > /tmp/out.txt")
    template.outputs.parameters = {"out": OutputParameter(value_from_path="/tmp/out.txt")}
    wf = Workflow("boxed")
    wf.add(Step("boxed", template, executor=shell(docker_executable="true", container_args="--network none")))
    wf.submit()
    [pod] = wf.query_step(name="boxed")
    assert pod.phase == "Error" and "open /tmp/out.txt: no such file or directory" in message(pod)
    step_dir = Path(config["debug_workdir"]) / str(wf.id) / pod.dflowJupyter.stepDir
    run = (step_dir / "dflow_run.sh").read_text()
    assert (
        "{ true image inspect alpine:3.20 >/dev/null 2>&1 || true pull alpine:3.20; } && true run --rm "
        '--network none -v "$(pwd)/tmp:/tmp" -v "$(pwd)/script:/script" alpine:3.20 sh /script'
    ) in run
    # The container mounts /tmp itself: the script keeps its paths.
    assert (step_dir / "workdir" / "script.in").read_text() == "echo 1 > /tmp/out.txt"
