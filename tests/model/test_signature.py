"""Inputs and Outputs: dicts that name each declaration after its key and tie it to the template."""

from __future__ import annotations

import pytest

from dflow_jupyter.errors import InvalidNameError
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.signature import InputParameters, Inputs, OutputParameters, Outputs
from dflow_jupyter.model.templates import OPTemplate


def test_declarations_are_named_after_their_keys() -> None:
    inputs = Inputs(parameters={"x": InputParameter()}, artifacts={"a": InputArtifact()})
    assert isinstance(inputs.parameters, InputParameters)
    assert inputs.parameters["x"].name == "x" and inputs.artifacts["a"].name == "a"
    inputs.parameters["y"] = InputParameter(type=str)
    assert inputs.parameters["y"].name == "y"


def test_a_bare_value_declares_an_input_parameter_with_that_default() -> None:
    inputs = Inputs(parameters={"n": 3})
    decl = inputs.parameters["n"]
    assert isinstance(decl, InputParameter) and decl.value == 3 and decl.name == "n"


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (
            lambda: Outputs(parameters={"y": 3}),  # type: ignore[dict-item]
            "output parameter 'y' must be declared with OutputParameter(...), got int (3)",
        ),
        (
            lambda: Inputs(artifacts={"a": "file.txt"}),  # type: ignore[dict-item]
            "input artifact 'a' must be declared with InputArtifact(...), got str ('file.txt')",
        ),
        (
            lambda: Outputs(artifacts={"o": OutputParameter()}),  # type: ignore[dict-item]
            "output artifact 'o' must be declared with OutputArtifact(...), got OutputParameter",
        ),
    ],
)
def test_wrong_declarations_say_what_to_use(make: object, message: str) -> None:
    with pytest.raises(TypeError) as info:
        make()  # type: ignore[operator]
    assert str(info.value).startswith(message)


def test_names_are_checked() -> None:
    with pytest.raises(InvalidNameError, match=r"invalid input parameter name 'a\.b'"):
        Inputs(parameters={"a.b": InputParameter()})
    with pytest.raises(InvalidNameError, match="invalid output artifact name 'o o'"):
        Outputs(artifacts={"o o": OutputArtifact()})


def test_declarations_belong_to_their_template() -> None:
    template = OPTemplate("t", inputs=Inputs(parameters={"x": InputParameter()}))
    assert template.inputs.parameters["x"].template is template
    # dflow's idioms: assign a plain dict, or whole new Outputs, after construction.
    template.outputs.parameters = {"y": OutputParameter()}
    assert isinstance(template.outputs.parameters, OutputParameters)
    assert template.outputs.parameters["y"].template is template
    template.outputs = Outputs(artifacts={"o": OutputArtifact()})
    assert template.outputs.artifacts["o"].template is template
    template.inputs.artifacts["late"] = InputArtifact()
    assert template.inputs.artifacts["late"].template is template


def test_empty_signature() -> None:
    template = OPTemplate("t")
    assert dict(template.inputs.parameters) == {} and dict(template.outputs.artifacts) == {}
