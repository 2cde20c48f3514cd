"""Parameter and artifact declarations: defaults, and how they render once reached through a step."""

from __future__ import annotations

import pytest

from dflow_jupyter.model.dag import Task
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.expressions import UNSET
from dflow_jupyter.model.step import Step

from .builders import producer


def test_input_parameter_defaults() -> None:
    required = InputParameter(type=int)
    assert required.value is UNSET and not required.has_value and required.type is int
    assert InputParameter(value=3).has_value
    # None is a value, and dflow's ``default=`` spelling means ``value=``.
    assert InputParameter(value=None).has_value
    assert InputParameter(default="d").value == "d"
    assert InputParameter().name is None and InputParameter().step is None


def test_output_parameter_fields() -> None:
    out = OutputParameter(value_from_path="/tmp/y", type=int, global_name="g")
    assert (out.value_from_path, out.type, out.global_name) == ("/tmp/y", int, "g")
    assert out.default is UNSET and out.value is UNSET
    assert OutputParameter(default=0).default == 0


def test_artifact_defaults() -> None:
    art = InputArtifact(path="/tmp/a")
    assert (art.path, art.optional, art.archive, art.source) == ("/tmp/a", False, "default", None)
    out = OutputArtifact(path="/tmp/b", optional=True)
    assert (out.path, out.optional, out.archive, out.save) == ("/tmp/b", True, "default", None)


def test_references_name_their_step_or_task() -> None:
    template = producer()
    step = Step("a", template)
    y = step.outputs.parameters["y"]
    assert str(y) == "{{steps.a.outputs.parameters.y}}"
    assert y.expr == "steps['a'].outputs.parameters['y']"
    out = step.outputs.artifacts["out"]
    assert str(out) == "{{steps.a.outputs.artifacts.out}}"
    task = Task("t", template)
    assert str(task.outputs.parameters["y"]) == "{{tasks.t.outputs.parameters.y}}"
    assert task.outputs.artifacts["out"].expr == "tasks['t'].outputs.artifacts['out']"
    # The template's own declaration is untouched by binding.
    assert str(template.outputs.parameters["y"]) == "{{outputs.parameters.y}}"
    assert template.outputs.parameters["y"].step is None


def test_bound_is_a_copy() -> None:
    decl = producer().outputs.parameters["y"]
    step = Step("a", producer())
    clone = decl.bound(step)
    assert clone is not decl and clone.step is step and decl.step is None
    assert type(clone) is OutputParameter and clone.name == "y"


def test_sub_paths_chain() -> None:
    art = InputArtifact(name="a")
    inner = art.sub_path("x").sub_path("y.txt")
    assert inner._sub_path == "x/y.txt" and art._sub_path is None
    out = OutputArtifact(name="o").sub_path("d")
    assert out._sub_path == "d"


def test_pvc_is_kubernetes_only() -> None:
    with pytest.raises(
        NotImplementedError, match="output artifact 'o': PVC-backed artifacts need a Kubernetes"
    ):
        OutputArtifact(name="o").pvc()
