"""Small shell templates with declared signatures, for the model tests (nothing here runs them)."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.signature import Inputs, Outputs
from dflow_jupyter.model.templates import ShellOPTemplate


def shell(
    name: str = "t",
    parameters: dict[str, Any] | None = None,
    artifacts: dict[str, Any] | None = None,
    outputs: dict[str, Any] | None = None,
    output_artifacts: dict[str, Any] | None = None,
) -> ShellOPTemplate:
    """A shell template with the given inputs and outputs (nothing here runs it)."""
    return ShellOPTemplate(
        name=name,
        inputs=Inputs(parameters=parameters or {}, artifacts=artifacts or {}),
        outputs=Outputs(parameters=outputs or {}, artifacts=output_artifacts or {}),
        script="true",
    )


def producer(name: str = "produce") -> ShellOPTemplate:
    """Outputs a parameter ``y`` and an artifact ``out``."""
    return shell(
        name,
        outputs={"y": OutputParameter(value_from_path="/tmp/y", type=int)},
        output_artifacts={"out": OutputArtifact(path="/tmp/out")},
    )


def consumer(name: str = "consume") -> ShellOPTemplate:
    """Takes an int parameter ``x`` and an artifact ``inp``; outputs ``y`` like the producer."""
    return shell(
        name,
        parameters={"x": InputParameter(type=int)},
        artifacts={"inp": InputArtifact(path="/tmp/inp")},
        outputs={"y": OutputParameter(value_from_path="/tmp/y", type=int)},
    )


def takes_x(name: str = "takes-x") -> ShellOPTemplate:
    """One untyped parameter ``x`` and one output ``y``."""
    return shell(
        name, parameters={"x": InputParameter()}, outputs={"y": OutputParameter(value_from_path="/tmp/y")}
    )
