"""Finding references in values: which steps a value reads, and whether it is known before the run."""

from __future__ import annotations

from dflow_jupyter.model.expressions import ArgoVar
from dflow_jupyter.model.refs import is_dynamic


def test_literals_are_static() -> None:
    assert not is_dynamic(3)
    assert not is_dynamic("plain")
    assert not is_dynamic([1, "a", {"k": (2, 3)}])
    assert not is_dynamic({"{{not-a-value}}": 1})  # keys are not resolved, values are


def test_references_anywhere_in_a_value_make_it_dynamic() -> None:
    assert is_dynamic("{{inputs.parameters.x}}")
    assert is_dynamic(ArgoVar("steps.a.outputs.parameters.y"))
    assert is_dynamic([1, ArgoVar("steps.a.outputs.parameters.y")])
    assert is_dynamic({"k": ["{{item}}", 2]})
    assert is_dynamic((1, (2, "{{inputs.parameters.k}}")))
