"""``step.inputs`` / ``step.outputs``: lazy, cached views of the template's declarations."""

from __future__ import annotations

import pytest

from dflow_jupyter.model.declarations import OutputParameter
from dflow_jupyter.model.step import Step

from .builders import consumer, producer, takes_x


def test_views_cache_one_bound_reference_per_declaration() -> None:
    step = Step("a", producer())
    y = step.outputs.parameters["y"]
    assert step.outputs.parameters["y"] is y and y.step is step
    assert list(step.outputs.parameters) == ["y"] and len(step.outputs.artifacts) == 1
    assert dict(step.outputs.artifacts)["out"].step is step
    assert repr(step.outputs.parameters) == "{'y': {{steps.a.outputs.parameters.y}}}"


def test_inputs_are_reachable_too() -> None:
    step = Step("c", consumer(), parameters={"x": 1}, artifacts={"inp": "{{inputs.artifacts.a}}"})
    assert str(step.inputs.parameters["x"]) == "{{steps.c.inputs.parameters.x}}"
    assert str(step.inputs.artifacts["inp"]) == "{{steps.c.inputs.artifacts.inp}}"


def test_outputs_declared_later_are_seen() -> None:
    # A recursive Steps template declares its outputs after the step that uses it exists.
    template = takes_x()
    step = Step("a", template, parameters={"x": 1})
    template.outputs.parameters["late"] = OutputParameter()
    assert str(step.outputs.parameters["late"]) == "{{steps.a.outputs.parameters.late}}"
    old = step.outputs.parameters["y"]
    template.outputs.parameters["y"] = OutputParameter(type=int)
    assert step.outputs.parameters["y"] is not old and step.outputs.parameters["y"].type is int


def test_unknown_names_list_the_known_ones() -> None:
    step = Step("a", producer())
    with pytest.raises(KeyError) as info:
        step.outputs.parameters["z"]
    assert "step 'a' has no such OutputParameters entry 'z'; known: 'y'" in str(info.value)
    with pytest.raises(KeyError, match="known: none"):
        step.inputs.parameters["z"]
