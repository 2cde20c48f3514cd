"""Process isolation: a warm worker starts every step afresh, and forked children do not hold it."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, PythonOPTemplate

# About the worker processes of process isolation.
pytestmark = pytest.mark.isolation("process")


@pytest.fixture(autouse=True)
def one_worker(isolation: str) -> None:
    # One worker, so that consecutive steps share it.
    config["debug_pool_workers"] = 1


@OP.function
def meddle(tag: str) -> {"env": str, "last_path": str, "umask": int, "cwd_is_own": bool}:  # type: ignore[valid-type]
    import os
    import sys

    seen_env = os.environ.get("DFLOW_TEST_LEAK", "")
    seen_path = sys.path[-1]
    seen_umask = os.umask(0o077)
    cwd_is_own = os.path.basename(os.getcwd()) == "workdir"
    os.environ["DFLOW_TEST_LEAK"] = tag
    sys.path.append(f"/nonexistent/{tag}")
    os.chdir("/")
    return {"env": seen_env, "last_path": seen_path, "umask": seen_umask, "cwd_is_own": cwd_is_own}


def test_environment_path_umask_and_cwd_do_not_leak_into_the_next_step() -> None:
    wf = Workflow("leaks")
    wf.add(Step("first", PythonOPTemplate(meddle), parameters={"tag": "first"}))
    wf.add(Step("second", PythonOPTemplate(meddle), parameters={"tag": "second"}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    first = wf.query_step(name="first")[0].outputs.parameters
    second = wf.query_step(name="second")[0].outputs.parameters
    assert second["env"].value == "" == first["env"].value
    assert second["last_path"].value == first["last_path"].value
    assert not second["last_path"].value.startswith("/nonexistent")
    assert second["umask"].value == first["umask"].value != 0o077
    assert second["cwd_is_own"].value is True


@OP.function
def fork_and_go(pid_file: str, how: str, end: str) -> {"x": int}:  # type: ignore[valid-type]
    import ctypes
    import os
    import time

    if how == "python":
        child = os.fork()
        if child == 0:
            time.sleep(600)
            os._exit(0)
    else:  # a fork from C code: no Python at-fork hooks run in the child
        libc = ctypes.CDLL(None)
        child = libc.fork()
        if child == 0:
            libc.sleep(600)
            libc._exit(0)
    with open(pid_file, "w") as f:
        f.write(str(child))
    if end == "exit":
        os._exit(3)
    return {"x": 1}


@pytest.mark.timeout(120)
@pytest.mark.parametrize("how", ["python", "c"])
@pytest.mark.parametrize("end", ["return", "exit"])
def test_a_forked_long_lived_child_does_not_hold_the_step(tmp_path: Path, how: str, end: str) -> None:
    pid_file = tmp_path / "child.pid"
    wf = Workflow("forks")
    wf.add(
        Step(
            "fork",
            PythonOPTemplate(fork_and_go),
            parameters={"pid_file": str(pid_file), "how": how, "end": end},
        )
    )
    try:
        wf.submit()  # returns while the child still sleeps (else this test times out)
        child = int(pid_file.read_text())
        os.kill(child, 0)  # the child is still alive: the step did not wait for it
        [step] = wf.query_step(name="fork")
        if end == "return":
            assert step.phase == "Succeeded"
        else:
            assert step.phase == "Failed" and "exit code 3" in step.message
        # The worker still serves the next step.
        again = Workflow("after-fork")
        again.add(Step("meddle", PythonOPTemplate(meddle), parameters={"tag": "x"}))
        again.submit()
        assert again.query_status() == "Succeeded"
    finally:
        if pid_file.exists():
            try:
                os.kill(int(pid_file.read_text()), signal.SIGKILL)
            except ProcessLookupError:
                pass
