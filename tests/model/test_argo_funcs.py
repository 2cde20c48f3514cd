"""Fan-out helpers render the Argo expressions dflow writes."""

from __future__ import annotations

import pytest

from dflow_jupyter.model.argo_funcs import (
    argo_concat,
    argo_enumerate,
    argo_len,
    argo_range,
    argo_sequence,
    argo_sum,
)
from dflow_jupyter.model.declarations import InputParameter
from dflow_jupyter.model.expressions import ArgoVar
from dflow_jupyter.model.signature import Inputs


def param(name: str = "n") -> InputParameter:
    return Inputs(parameters={name: InputParameter()}).parameters[name]


def test_argo_range() -> None:
    assert argo_range(3).expr == "toJson(sprig.untilStep(0, 3, 1))"
    assert argo_range(1, 5).expr == "toJson(sprig.untilStep(1, 5, 1))"
    assert argo_range(1, 5, 2).expr == "toJson(sprig.untilStep(1, 5, 2))"
    assert argo_range(param()).expr == "toJson(sprig.untilStep(0, sprig.atoi(inputs.parameters['n']), 1))"
    assert argo_range(ArgoVar("x")).expr == "toJson(sprig.untilStep(0, x, 1))"
    with pytest.raises(TypeError, match="argo_range expected 1-3 arguments, got 4"):
        argo_range(1, 2, 3, 4)
    with pytest.raises(TypeError, match=r"argo_range: expected ints or parameters, got float \(2\.5\)"):
        argo_range(2.5)


def test_argo_sequence() -> None:
    assert argo_sequence(3).to_argo() == {"count": 3}
    seq = argo_sequence(start=1, end=param(), format="%02d")
    assert seq.to_argo() == {"start": 1, "end": "{{=inputs.parameters['n']}}", "format": "%02d"}
    assert repr(argo_sequence(2)) == "argo_sequence({'count': 2})"
    with pytest.raises(ValueError, match="argo_sequence: give either count or end, not both"):
        argo_sequence(count=2, end=3)


def test_argo_len() -> None:
    assert argo_len([1, 2, 3]).expr == "3"
    assert argo_len(param("xs")).expr == "len(sprig.fromJson(inputs.parameters['xs']))"
    with pytest.raises(TypeError, match="argo_len expects a list parameter, got 3"):
        argo_len(3)


def test_argo_enumerate() -> None:
    one = argo_enumerate(param("xs"))
    assert one.expr == (
        "toJson(map(sprig.untilStep(0, len(sprig.fromJson(inputs.parameters['xs'])), 1), "
        "{ {'order': #, 'value': jsonpath(inputs.parameters['xs'], '$')[#]} }))"
    )
    two = argo_enumerate([1, 2], ["a", "b"])
    assert "'value0': jsonpath('[1, 2]', '$')[#]" in two.expr
    assert "'value1': jsonpath('[\"a\", \"b\"]', '$')[#]" in two.expr
    assert "untilStep(0, 2, 1)" in two.expr
    with pytest.raises(TypeError, match="argo_enumerate needs at least one list"):
        argo_enumerate()


def test_argo_sum_and_concat() -> None:
    assert argo_sum(param("xs")).expr == "sum(map(sprig.fromJson(inputs.parameters['xs']), {asFloat(#)}))"
    assert argo_concat(param("xs")).expr == "toJson(flatten(sprig.fromJson(inputs.parameters['xs'])))"
    with pytest.raises(
        TypeError,
        match=r"argo_sum expects a list parameter \(e.g. step.outputs.parameters\['x'\]\), got \[1\]",
    ):
        argo_sum([1])
    with pytest.raises(TypeError, match="argo_concat expects a list parameter"):
        argo_concat("xs")
