"""``with_param`` takes any iterable or a JSON-list string (as dflow does) and fans out over its items."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def echo(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x}


FORMS: dict[str, Callable[[], Any]] = {
    "range": lambda: range(3),
    "generator": lambda: (i for i in range(3)),
    "tuple": lambda: (0, 1, 2),
    "list": lambda: [0, 1, 2],
    "json-string": lambda: "[0, 1, 2]",
}


@pytest.mark.parametrize("form", FORMS)
def test_each_form_fans_out_over_its_items(form: str) -> None:
    step = Step("echo", PythonOPTemplate(echo), parameters={"x": "{{item}}"}, with_param=FORMS[form]())
    wf = Workflow(f"with-param-{form}")
    wf.add(step)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    status = wf.query().status
    group = next(n for n in status.nodes.values() if n.type == "StepGroup")
    names = [status.nodes[c].displayName for c in group.children]
    assert names == ["echo(0:0)", "echo(1:1)", "echo(2:2)"]
    outputs = sorted(s.outputs.parameters["y"].value for s in wf.query_step(name="echo"))
    assert outputs == [0, 1, 2]
