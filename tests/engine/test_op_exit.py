"""``sys.exit()`` inside an OP fails its own step with that exit code; the run and kernel go on."""

from __future__ import annotations

import sys
from typing import Any

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def exits(code: str) -> {"y": int}:  # type: ignore[valid-type]
    import json
    import sys

    sys.exit(json.loads(code))


@OP.function
def fine(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x}


@pytest.mark.parametrize(
    ("code", "expected"),
    [(0, 0), (3, 3), (None, 0), ("a message", 1)],
)
def test_sys_exit_fails_only_its_step(code: Any, expected: int) -> None:
    import json

    wf = Workflow("exits")
    wf.add(Step("bye", PythonOPTemplate(exits), parameters={"code": json.dumps(code)}))
    wf.add(Step("after", PythonOPTemplate(fine), parameters={"x": 1}))
    wf.submit()  # must not raise "engine error: 0"
    assert wf.query_status() == "Failed"
    [step] = wf.query_step(name="bye")
    assert step.phase == "Failed"
    assert step.outputs.exitCode == str(expected)
    assert "sys.exit" in step.message and "engine error" not in step.message
    assert not wf.query_step(name="after")
    # The kernel goes on: stdout is intact and the next run works.
    print("still printing", file=sys.stdout)
    again = Workflow("after-exit")
    again.add(Step("ok", PythonOPTemplate(fine), parameters={"x": 2}))
    again.submit()
    assert again.query_status() == "Succeeded"
