"""Errors of the engine itself (not of an OP) end the step as Error with the real message."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dflow_jupyter import DAG, ShellOPTemplate, Step, Steps, Task, Workflow
from dflow_jupyter.engine.scheduler import Scheduler, Spawn, WaitAll
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate, Slices


@OP.function
def square(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x * x}


@OP.function
def nested_text(x: int) -> {"y": str}:  # type: ignore[valid-type]
    return {"y": "(" * 20_000 + "1" + ")" * 20_000}


@OP.function
def same_name(x: int) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    Path("out.txt").write_text(str(x))
    return {"out": Path("out.txt")}


class _NoneExecutor:
    """An executor whose render() forgets to return the template."""

    def render(self, template: Any) -> Any:
        return None


def _messages(wf: Workflow) -> dict[str, tuple[str, str]]:
    return {s.displayName: (s.phase, getattr(s, "message", "") or "") for s in wf.query_step()}


def _assert_no_attribute_error(wf: Workflow) -> None:
    for phase, message in _messages(wf).values():
        assert "AttributeError" not in message and "'leaves'" not in message
        assert phase != "Running"


def test_scheduler_throws_a_childs_error_into_its_waiter() -> None:
    def child() -> Any:
        raise ValueError("the real error")
        yield  # pragma: no cover - makes this a generator

    def parent() -> Any:
        handle = yield Spawn(child())
        try:
            yield WaitAll([handle])
        except ValueError as exc:
            return f"caught: {exc}"
        return "no error"  # pragma: no cover

    scheduler = Scheduler()
    try:
        assert scheduler.run(parent()) == "caught: the real error"
    finally:
        scheduler.close()


def test_slices_length_mismatch_reaches_the_step() -> None:
    template = PythonOPTemplate(
        square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    )
    wf = Workflow("slices-mismatch")
    wf.add(Step("s", template, parameters={"x": [1, 2, 3]}, with_param=[0, 1, 2, 3]))
    wf.submit()
    assert wf.query_status() == "Failed"
    phase, message = _messages(wf)["s(3:3)"]
    assert phase == "Error"
    assert "slice 3 is out of range" in message and "'x'" in message
    _assert_no_attribute_error(wf)


def test_missing_shell_command_reaches_the_step() -> None:
    script = ShellOPTemplate(name="nocmd", image="alpine", command=["no-such-command-xyz"], script="true")
    wf = Workflow("missing-command")
    wf.add(Step("sh", script))
    wf.submit()
    assert wf.query_status() == "Error"
    phase, message = _messages(wf)["sh"]
    assert phase == "Error"
    assert "no-such-command-xyz" in message and "step 'sh'" in message
    _assert_no_attribute_error(wf)


def test_invalid_executor_reaches_the_step() -> None:
    wf = Workflow("bad-executor")
    wf.add(Step("s", PythonOPTemplate(square), parameters={"x": 1}, executor=_NoneExecutor()))
    wf.submit()
    phase, message = _messages(wf)["s"]
    assert phase == "Error"
    assert "_NoneExecutor" in message and "must return a template" in message
    _assert_no_attribute_error(wf)


def test_recursion_error_of_a_huge_when_reaches_the_step() -> None:
    wf = Workflow("huge-when")
    first = Step("a", PythonOPTemplate(nested_text), parameters={"x": 1})
    wf.add(first)
    wf.add(
        Step(
            "s",
            PythonOPTemplate(square),
            parameters={"x": 1},
            when="%s == 1" % first.outputs.parameters["y"],
        )
    )
    wf.submit()
    phase, message = _messages(wf)["s"]
    assert phase == "Error"
    assert "nest" in message and "when" in message
    _assert_no_attribute_error(wf)


def test_error_inside_a_nested_template_reaches_both_levels() -> None:
    inner = Steps("inner")
    template = PythonOPTemplate(
        square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])
    )
    inner.add(Step("deep", template, parameters={"x": [1]}, with_param=[0, 1]))
    wf = Workflow("nested-error")
    wf.add(Step("outer", inner))
    wf.submit()
    messages = _messages(wf)
    assert messages["deep(1:1)"][0] == "Error"
    assert "slice 1 is out of range" in messages["deep(1:1)"][1]
    assert messages["outer"][0] in ("Failed", "Error")
    _assert_no_attribute_error(wf)


@pytest.mark.parametrize("shape", ["steps", "dag"])
def test_fanout_aggregation_error_names_the_step(shape: str) -> None:
    template = PythonOPTemplate(
        same_name, slices=Slices("{{item}}", input_parameter=["x"], output_artifact=["out"])
    )
    if shape == "steps":
        wf = Workflow("stack-conflict")
        wf.add(Step("s", template, parameters={"x": [1, 2]}, with_param=[0, 1]))
    else:
        wf = Workflow("stack-conflict", dag=DAG())
        wf.add(Task("s", template, parameters={"x": [1, 2]}, with_param=[0, 1]))
    wf.submit()
    assert wf.query_status() == "Error"
    errors = [m for p, m in _messages(wf).values() if p == "Error" and "out.txt" in m]
    assert errors and all("'s'" in m and "create_dir=True" in m for m in errors)
    _assert_no_attribute_error(wf)
