"""Query objects give plain Python values of the declared type (dflow parity)."""

from __future__ import annotations

from typing import Dict, List

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, BigParameter, PythonOPTemplate


@OP.function
def shapes(
    d: dict, items: List[int]
) -> {
    "d": dict,
    "items": List[int],
    "big": BigParameter(dict),
    "table": Dict[str, List[int]],
    "n": int,
    "s": str,
}:
    return {"d": d, "items": items, "big": {"k": [1, 2]}, "table": {"a": [1]}, "n": 7, "s": "7"}


def test_parameter_values_are_plain_python_values() -> None:
    wf = Workflow("values")
    wf.add(Step("shapes", PythonOPTemplate(shapes), parameters={"d": {"x": {"y": 1}}, "items": [3, 4]}))
    wf.submit()
    [step] = wf.query_step(name="shapes")
    outputs = {name: p.value for name, p in step.outputs.parameters.items()}
    assert outputs == {
        "d": {"x": {"y": 1}},
        "items": [3, 4],
        "big": {"k": [1, 2]},
        "table": {"a": [1]},
        "n": 7,
        "s": "7",
    }
    assert type(outputs["d"]) is dict and type(outputs["d"]["x"]) is dict
    assert type(outputs["big"]) is dict and type(outputs["table"]) is dict
    assert type(outputs["items"]) is list
    inputs = step.inputs.parameters
    assert type(inputs["d"].value) is dict and inputs["d"].value == {"x": {"y": 1}}
    assert type(inputs["items"].value) is list
    # The parameter's own fields still read as attributes, as in dflow.
    assert step.outputs.parameters["n"].name == "n"


def test_modified_outputs_stay_plain() -> None:
    wf = Workflow("values")
    wf.add(Step("shapes", PythonOPTemplate(shapes), parameters={"d": {}, "items": []}))
    wf.submit()
    [step] = wf.query_step(name="shapes")
    step.modify_output_parameter("d", {"changed": True})
    assert type(step.outputs.parameters["d"].value) is dict
    assert step.reuse_outputs()[0]["d"] == {"changed": True}
