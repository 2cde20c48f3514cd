"""OPs that fail in every way a hostile user can think of fail only their own step.

After each fault the next workflow runs, and the process is as it was: same ``sys.stdout``,
same working directory, a worker pool that still serves.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from reliability_flows import LONG

from dflow_jupyter import Step, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.engine.python_exec import TIMEOUT_MESSAGE
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate

BIG_FILE = (512 if LONG else 64) << 20
BIG_TEXT = (32 if LONG else 8) << 20


@OP.function
def misbehave(fault: str, where: str) -> {"out": Artifact(Path), "text": str}:  # type: ignore[valid-type]
    import ctypes
    import os
    import sys
    import time
    from pathlib import Path

    if fault == "exception":
        raise ValueError("a deliberate failure")
    if fault == "hang":
        time.sleep(600)
    if fault == "busy":
        while True:
            pass
    if fault == "sys.exit":
        sys.exit(4)
    if fault == "os._exit":
        os._exit(7)
    if fault == "segfault":
        ctypes.string_at(0)
    if fault == "fork":
        child = os.fork()
        if child == 0:
            time.sleep(600)
            os._exit(0)
        Path(where, "child.pid").write_text(str(child))
    if fault == "huge artifact":
        with open("big.bin", "wb") as f:
            f.truncate(int(where))  # sparse: the size, not the disk, is what is tested
        return {"out": Path("big.bin"), "text": ""}
    Path("small.txt").write_text("ok")
    return {"out": Path("small.txt"), "text": "t" * int(where) if fault == "huge parameter" else "ok"}


@OP.function
def measure(inp: Artifact(Path), text: str) -> {"size": int, "length": int}:  # type: ignore[valid-type]
    import os

    return {"size": os.path.getsize(inp), "length": len(text)}


#: fault -> (isolation modes it applies to, expected phase, what the message or outputs show)
FAULTS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "exception": (("inprocess", "process"), "Failed", "ValueError: a deliberate failure"),
    "hang": (("inprocess", "process"), "Failed", TIMEOUT_MESSAGE),
    "busy": (("inprocess", "process"), "Failed", TIMEOUT_MESSAGE),
    "sys.exit": (("inprocess", "process"), "Failed", "exit code 4"),
    "os._exit": (("process",), "Failed", "exit code 7"),
    "segfault": (("process",), "Failed", "SIGSEGV"),
    "fork": (("inprocess", "process"), "Succeeded", ""),
    "huge artifact": (("inprocess", "process"), "Succeeded", ""),
    "huge parameter": (("inprocess", "process"), "Succeeded", ""),
}


def _where(fault: str, tmp_path: Path) -> str:
    if fault == "huge artifact":
        return str(BIG_FILE)
    if fault == "huge parameter":
        return str(BIG_TEXT)
    return str(tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
def test_op_faults_fail_only_their_step(
    tmp_path: Path, isolation: str, figures: Callable[..., None], capfd: Any
) -> None:
    config["debug_isolation"] = isolation
    stdout, cwd = sys.stdout, os.getcwd()
    for fault, (modes, phase, shows) in FAULTS.items():
        if isolation not in modes:
            continue
        try:
            wf = Workflow("fault")
            bad = Step(
                "bad",
                PythonOPTemplate(misbehave, timeout=2 if fault in ("hang", "busy") else None),
                parameters={"fault": fault, "where": _where(fault, tmp_path)},
            )
            wf.add(bad)
            wf.add(
                Step(
                    "after",
                    PythonOPTemplate(measure),
                    parameters={"text": bad.outputs.parameters["text"]},
                    artifacts={"inp": bad.outputs.artifacts["out"]},
                )
            )
            wf.submit()
            [step] = wf.query_step(name="bad")
            message = getattr(step, "message", None) or ""
            assert step.phase == phase, f"{fault}: {step.phase} {message}"
            assert shows in message, f"{fault}: {message}"
            if phase == "Succeeded":
                [after] = wf.query_step(name="after")
                if fault == "huge artifact":
                    assert after.outputs.parameters["size"].value == BIG_FILE
                if fault == "huge parameter":
                    assert after.outputs.parameters["length"].value == BIG_TEXT
            assert sys.stdout is stdout and os.getcwd() == cwd
            figures(isolation=isolation, fault=fault, phase=step.phase, message=message[:80])
        finally:
            pid_file = tmp_path / "child.pid"
            if pid_file.exists():
                try:
                    os.kill(int(pid_file.read_text()), signal.SIGKILL)
                except ProcessLookupError:
                    pass
                pid_file.unlink()
        capfd.readouterr()  # the OPs' tracebacks: expected, and large
    again = Workflow("after-faults")
    again.add(Step("fine", PythonOPTemplate(misbehave), parameters={"fault": "none", "where": "1"}))
    again.submit()
    assert again.query_status() == "Succeeded"
