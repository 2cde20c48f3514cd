"""The expression DSL: Python operators on ArgoVar render Argo (expr-lang) expressions."""

from __future__ import annotations

import copy

import pytest

from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputParameter
from dflow_jupyter.model.expressions import UNSET, ArgoVar, IfExpression, if_expression, to_expr
from dflow_jupyter.model.signature import Inputs

from .builders import producer


def param(name: str = "x") -> InputParameter:
    return Inputs(parameters={name: InputParameter()}).parameters[name]


@pytest.mark.parametrize(
    ("value", "rendered"),
    [
        ("a", "'a'"),
        ("it's", "'it\\'s'"),
        ("back\\slash", "'back\\\\slash'"),
        (True, "true"),
        (False, "false"),
        (None, "nil"),
        (3, "3"),
        (2.5, "2.5"),
        ([1, "a"], '[1, "a"]'),
        (ArgoVar("a + 1"), "a + 1"),
    ],
)
def test_to_expr(value: object, rendered: str) -> None:
    assert to_expr(value) == rendered


def test_a_declared_parameter_renders_as_template_and_expression() -> None:
    x = param()
    assert str(x) == "{{inputs.parameters.x}}"
    assert f"echo {x}" == "echo {{inputs.parameters.x}}"
    assert x.expr == "inputs.parameters['x']"


def test_comparisons() -> None:
    x = param()
    # Argo parameters are strings: non-strings compare against their JSON text.
    assert (x == "a").expr == "inputs.parameters['x'] == 'a'"
    assert (x == 3).expr == "inputs.parameters['x'] == '3'"
    assert (x != [1]).expr == "inputs.parameters['x'] != '[1]'"
    assert (x == param("y")).expr == "inputs.parameters['x'] == inputs.parameters['y']"
    assert (x < 3).expr == "asFloat(inputs.parameters['x']) < 3"
    assert (x >= param("y")).expr == "asFloat(inputs.parameters['x']) >= asFloat(inputs.parameters['y'])"


def test_arithmetic_and_indexing() -> None:
    x = param()
    assert (x * 2).expr == "asFloat(inputs.parameters['x']) * 2"
    assert (x - 1).expr == "asFloat(inputs.parameters['x']) - 1"
    assert (x / 2).expr == "asFloat(inputs.parameters['x']) / 2"
    assert isinstance(x + 1, ArgoVar) and (x + 1).expr == "asFloat(inputs.parameters['x']) + 1"
    assert (1 + x).expr == "1 + asFloat(inputs.parameters['x'])"  # type: ignore[union-attr]
    assert x[0].expr == "jsonpath(inputs.parameters['x'], '$')[0]"
    assert x["k"].expr == "jsonpath(inputs.parameters['x'], '$')['k']"
    assert not x[0].is_str


def test_adding_a_string_builds_a_template_string() -> None:
    x = param()
    assert x + "-suffix" == "{{inputs.parameters.x}}-suffix"
    assert "prefix-" + x == "prefix-{{inputs.parameters.x}}"


def test_argovars_are_hashable_by_identity_and_not_iterable() -> None:
    a, b = ArgoVar("a"), ArgoVar("a")
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    with pytest.raises(TypeError, match="ArgoVar a is not iterable: it has no value until run time"):
        list(a)


def test_if_expression_conditions() -> None:
    # A parameter as a condition holds when its (string) value is "true".
    flag = if_expression(param("flag"), "yes", "no")
    assert isinstance(flag, IfExpression) and isinstance(flag, ArgoVar)
    assert flag.expr == "(inputs.parameters['flag'] == 'true' ? 'yes' : 'no')"
    assert if_expression(param() > 1, 1, 2).expr == "(asFloat(inputs.parameters['x']) > 1 ? 1 : 2)"
    assert if_expression("true", None, False).expr == "(true ? nil : false)"
    art = Inputs(artifacts={"a": InputArtifact()}).artifacts["a"]
    assert if_expression(art, art, None).expr == "(inputs.artifacts['a'] ? inputs.artifacts['a'] : nil)"


def test_if_expression_renders_branches_when_read() -> None:
    from dflow_jupyter.model.step import Step

    y = OutputParameter()
    choice = if_expression(param("flag"), y, "none")
    y.name = "y"
    assert choice.expr == "(inputs.parameters['flag'] == 'true' ? outputs.parameters['y'] : 'none')"
    step = Step("a", producer())
    picked = if_expression(param("flag"), step.outputs.parameters["y"], 0)
    assert picked.expr == "(inputs.parameters['flag'] == 'true' ? steps['a'].outputs.parameters['y'] : 0)"


def test_unset() -> None:
    assert not UNSET and repr(UNSET) == "UNSET"
    assert type(UNSET)() is UNSET
    assert copy.deepcopy(UNSET) is UNSET and copy.deepcopy([UNSET])[0] is UNSET
