"""Step and Task construction: wiring, and errors that name the step, the field, the expected and the got."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from dflow_jupyter.errors import InvalidNameError, WorkflowDefinitionError
from dflow_jupyter.model.argo_funcs import argo_range, argo_sequence
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.declarations import InputArtifact, InputParameter
from dflow_jupyter.model.executor import Executor
from dflow_jupyter.model.expressions import ArgoVar
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.model.templates import OPTemplate
from dflow_jupyter.status.wire import ParameterTypeError

from .builders import consumer, producer, shell, takes_x


def test_wiring_values_and_references() -> None:
    p = Step("p", producer())
    c = Step(
        "c",
        consumer(),
        parameters={"x": p.outputs.parameters["y"]},
        artifacts={"inp": p.outputs.artifacts["out"]},
    )
    assert c.parameters["x"] is p.outputs.parameters["y"]
    assert c.references() == [p, p]
    assert (c.kind, Task("t", producer()).kind) == ("step", "task")
    assert repr(c) == "Step('c', template='consume')"


def test_literal_parameters_are_checked_against_declared_types() -> None:
    p = Step("p", producer())
    art = {"inp": p.outputs.artifacts["out"]}
    assert Step("c", consumer(), parameters={"x": "3"}, artifacts=art).parameters == {"x": "3"}
    with pytest.raises(ParameterTypeError) as info:
        Step("c", consumer(), parameters={"x": "abc"}, artifacts=art)
    assert str(info.value).startswith(
        "step 'c' (template 'consume'): input parameter 'x' expected int, got str ('abc')"
    )
    # References and templates are only known at run time.
    Step("c", consumer(), parameters={"x": "{{inputs.parameters.n}}"}, artifacts=art)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"parameters": {"z": 1}},
            "step 's' (template 'takes-x'): unknown input parameter 'z'; the template declares 'x'",
        ),
        (
            {"parameters": {}},
            "step 's' (template 'takes-x'): missing input parameter 'x' (type any, no default)",
        ),
        (
            {"parameters": {"x": 1}, "artifacts": {"a": 1}},
            "unknown input artifact 'a'; the template declares none",
        ),
        (
            {"parameters": {"x": 1}, "continue_on_success_ratio": 1.5},
            "continue_on_success_ratio must be a number in [0, 1], got 1.5",
        ),
        (
            {"parameters": {"x": 1}, "continue_on_num_success": -1},
            "continue_on_num_success must be a non-negative int, got -1",
        ),
        (
            {"parameters": {"x": 1}, "with_param": [1], "with_sequence": argo_sequence(2)},
            "give with_param or with_sequence, not both",
        ),
        (
            {"parameters": {"x": 1}, "with_sequence": 3},
            "with_sequence expects argo_sequence(...), got int (3)",
        ),
        ({"parameters": {"x": 1}, "key": 5}, "key must be a string, got 5"),
        ({"parameters": {"x": 1}, "parallelism": 0}, "parallelism must be a positive int, got 0"),
        ({"parameters": {"x": 1}, "when": 3}, "when must be a string or an expression, got 3"),
    ],
)
def test_validation_errors_name_the_step_and_field(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(WorkflowDefinitionError) as info:
        Step("s", takes_x(), **kwargs)
    assert str(info.value).startswith("step 's' (template 'takes-x'): ")
    assert message in str(info.value)


def test_parameters_and_artifacts_are_not_interchangeable() -> None:
    p = Step("p", producer())
    with pytest.raises(WorkflowDefinitionError) as info:
        Step("c", consumer(), parameters={"x": p.outputs.artifacts["out"]})
    assert (
        "input parameter 'x' was given an artifact ({{steps.p.outputs.artifacts.out}}); pass it in artifacts="
        in str(info.value)
    )
    with pytest.raises(WorkflowDefinitionError, match="input artifact 'inp' was given a parameter"):
        Step("c", consumer(), parameters={"x": 1}, artifacts={"inp": p.outputs.parameters["y"]})
    with pytest.raises(WorkflowDefinitionError) as info:
        Step("c", consumer(), parameters={"x": 1}, artifacts={"inp": "data.txt"})
    assert "input artifact 'inp' expects an artifact" in str(info.value)
    assert "upload_artifact('data.txt')" in str(info.value)


def test_missing_typed_parameter_and_artifact() -> None:
    with pytest.raises(
        WorkflowDefinitionError, match=r"missing input parameter 'x' \(type int, no default\)"
    ):
        Step("c", consumer(), artifacts={"inp": "{{inputs.artifacts.a}}"})
    with pytest.raises(WorkflowDefinitionError, match="missing input artifact 'inp'; pass artifacts="):
        Step("c", consumer(), parameters={"x": 1})
    optional = shell(artifacts={"a": InputArtifact(optional=True)}, parameters={"d": InputParameter(value=1)})
    assert Step("ok", optional).artifacts == {}


def test_construction_errors() -> None:
    with pytest.raises(InvalidNameError, match="invalid step name 'a_b'"):
        Step("a_b", takes_x(), parameters={"x": 1})
    with pytest.raises(InvalidNameError, match="invalid task name 'a_b'"):
        Task("a_b", takes_x(), parameters={"x": 1})
    with pytest.raises(TypeError, match=r"step 's': template must be an OP template .*got str \('t'\)"):
        Step("s", "t")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="step 's': unexpected argument\\(s\\) colour, size"):
        Step("s", takes_x(), parameters={"x": 1}, size=1, colour=2)
    with pytest.raises(
        WorkflowDefinitionError, match="task 't': dependencies must be Task objects or task names, got 3"
    ):
        Task("t", takes_x(), parameters={"x": 1}, dependencies=[3])  # type: ignore[list-item]


def test_keys() -> None:
    assert Step("s", takes_x(), parameters={"x": 1}, key="item-{{item}}").key == "item-{{item}}"
    with pytest.raises(InvalidNameError, match="invalid key of step 's' 'Bad_Key'"):
        Step("s", takes_x(), parameters={"x": 1}, key="Bad_Key")


def test_executor() -> None:
    class Noop(Executor):
        def render(self, template: OPTemplate) -> OPTemplate:
            return template

    executor = Noop()
    assert Step("s", takes_x(), parameters={"x": 1}, executor=executor).executor is executor


# -- with_param: any iterable (materialised once), a JSON list string, or a reference -----------
def _fan(with_param: Any) -> Step:
    return Step("fan", takes_x(), parameters={"x": "{{item}}"}, with_param=with_param)


@pytest.mark.parametrize(
    ("with_param", "items"),
    [
        (range(3), [0, 1, 2]),
        (range(1, 6, 2), [1, 3, 5]),
        ((i * i for i in range(3)), [0, 1, 4]),
        (("a", "b"), ["a", "b"]),
        ([{"k": 1}], [{"k": 1}]),
        ("[1, 2]", [1, 2]),
        ('["a", {"b": 1}]', ["a", {"b": 1}]),
        ("[]", []),
        ({"x": 1, "y": 2}, ["x", "y"]),
    ],
)
def test_with_param_iterables_become_lists(with_param: Any, items: list[Any]) -> None:
    assert _fan(with_param).with_param == items


def test_a_generator_is_consumed_once_at_construction() -> None:
    pulled: list[int] = []

    def numbers() -> Iterator[int]:
        for i in range(3):
            pulled.append(i)
            yield i

    step = _fan(numbers())
    assert step.with_param == [0, 1, 2] and pulled == [0, 1, 2]
    assert step.with_param == [0, 1, 2] and pulled == [0, 1, 2]  # read again: nothing re-pulled


def test_with_param_references_stay_references() -> None:
    assert _fan("{{inputs.parameters.items}}").with_param == "{{inputs.parameters.items}}"
    ref = Step("p", producer()).outputs.parameters["y"]
    assert _fan(ref).with_param is ref
    expr = argo_range(3)
    assert _fan(expr).with_param is expr and isinstance(expr, ArgoVar)
    assert _fan(None).with_param is None


@pytest.mark.parametrize(
    ("with_param", "got"),
    [
        (5, "got int (5)"),
        (2.5, "got float (2.5)"),
        (object, "got type (<class 'object'>)"),
        ("a,b", "got the string 'a,b', which is neither a JSON list nor an Argo reference '{{...}}'"),
        ('{"a": 1}', "got the string '{\"a\": 1}', which is JSON for a dict, not a list"),
        ("3", "got the string '3', which is JSON for a int, not a list"),
    ],
)
def test_with_param_errors(with_param: Any, got: str) -> None:
    with pytest.raises(WorkflowDefinitionError) as info:
        _fan(with_param)
    message = str(info.value)
    assert message.startswith("step 'fan' (template 'takes-x'): with_param expects a list (or any iterable")
    assert message.endswith(got)
    with pytest.raises(
        WorkflowDefinitionError, match=r"^task 'fan' \(template 'takes-x'\): with_param expects"
    ):
        Task("fan", takes_x(), parameters={"x": "{{item}}"}, with_param=with_param)


# -- joining open ``with`` blocks ----------------------------------------------------------------
def test_steps_made_inside_a_with_block_join_it() -> None:
    with Steps("outer") as outer:
        a = Step("a", takes_x(), parameters={"x": 1})
        with DAG("inner") as inner:
            t = Task("t", takes_x(), parameters={"x": 1})
        b = Step("b", inner)
    assert outer.steps == [[a], [b]] and inner.tasks == [t]


def test_a_task_cannot_join_steps() -> None:
    with (
        pytest.raises(WorkflowDefinitionError, match="Steps 'outer': 't' is a Task; tasks belong in a DAG"),
        Steps("outer"),
    ):
        Task("t", takes_x(), parameters={"x": 1})
    with (
        pytest.raises(WorkflowDefinitionError, match="DAG 'd': add\\(\\) takes Task objects, got Step"),
        DAG("d"),
    ):
        Step("s", takes_x(), parameters={"x": 1})
