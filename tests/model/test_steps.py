"""Steps templates: sequential groups of parallel steps, and the checks on what a step reads."""

from __future__ import annotations

import pytest

from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.model.dag import Task
from dflow_jupyter.model.expressions import ArgoVar
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.model.validate import validate

from .builders import producer, takes_x


def x_step(name: str, x: object = 1) -> Step:
    return Step(name, takes_x(), parameters={"x": x})


def test_groups_run_in_order_and_lists_in_parallel() -> None:
    a, b, c = x_step("a"), x_step("b"), x_step("c")
    steps = Steps("s", steps=[a, [b, c]])
    assert steps.steps == [[a], [b, c]]
    d = x_step("d")
    steps.add((d,))
    assert steps.steps == [[a], [b, c], [d]] and steps.all_steps() == [a, b, c, d]
    assert steps.node_class() is Step


def test_steps_made_inside_with_are_not_added_twice() -> None:
    with Steps("s") as steps:
        a = x_step("a")
        steps.add(a)  # dflow code adds a step made inside ``with`` again: accepted once
        with pytest.raises(WorkflowDefinitionError, match="Steps 's': step 'a' is added twice"):
            steps.add([a])
    assert steps.steps == [[a]]


def test_a_step_added_twice_is_refused() -> None:
    steps = Steps("s")
    a = x_step("a")
    steps.add(a)
    with pytest.raises(WorkflowDefinitionError, match=r"make another Step\(...\) to run it again"):
        steps.add(a)
    assert steps.steps == [[a]]


def test_add_rejects_what_is_not_a_step() -> None:
    steps = Steps("s")
    with pytest.raises(
        TypeError, match="Steps 's': add\\(\\) takes Step objects or lists of them, got str \\('a'\\)"
    ):
        steps.add("a")  # type: ignore[arg-type]
    with pytest.raises(WorkflowDefinitionError, match="Steps 's': 't' is a Task; tasks belong in a DAG"):
        steps.add([x_step("a"), Task("t", takes_x(), parameters={"x": 1})])
    assert steps.steps == []  # a rejected group adds nothing


def test_parallelism_of_a_step_moves_to_its_template() -> None:
    steps = Steps("s", parallelism=4)
    steps.add(Step("a", takes_x(), parameters={"x": 1}, parallelism=2))
    assert steps.parallelism == 2


def test_reading_from_an_earlier_group_is_valid() -> None:
    p = Step("p", producer())
    c = x_step("c", p.outputs.parameters["y"])
    validate(Steps("s", steps=[p, c]))


def test_reading_from_the_same_or_a_later_group_is_not() -> None:
    p = Step("p", producer())
    c = x_step("c", p.outputs.parameters["y"])
    with pytest.raises(WorkflowDefinitionError) as info:
        validate(Steps("same", steps=[[p, c]]))
    assert str(info.value) == (
        "step 'c' reads from step 'p', which runs in the same or a later group of 'same'; "
        "add 'p' in an earlier add() call"
    )
    with pytest.raises(WorkflowDefinitionError, match="runs in the same or a later group"):
        validate(Steps("later", steps=[c, p]))


def test_reading_from_a_step_outside_the_template() -> None:
    p = Step("p", producer())
    c = x_step("c", p.outputs.parameters["y"])
    with pytest.raises(
        WorkflowDefinitionError, match="step 'c' reads from step 'p', which is not part of template 's'"
    ):
        validate(Steps("s", steps=[c]))
    named = x_step("n", "{{steps.ghost.outputs.parameters.y}}")
    with pytest.raises(
        WorkflowDefinitionError, match=r"step 'n' refers to steps\.ghost, which is not a step of template 's'"
    ):
        validate(Steps("s", steps=[named]))


def test_duplicate_step_names() -> None:
    with pytest.raises(WorkflowDefinitionError, match="Steps 's': duplicate step name 'a'"):
        validate(Steps("s", steps=[x_step("a"), x_step("a")]))


def test_bad_expressions_are_caught_before_running() -> None:
    template = Step("w", takes_x(), parameters={"x": "{{=1 +}}"})
    with pytest.raises(
        WorkflowDefinitionError, match=r"^step 'w': input parameter 'x': unexpected end of expression"
    ):
        validate(Steps("s", steps=[template]))
    expression = Step("e", takes_x(), parameters={"x": 1}, when=ArgoVar("1 +"))
    with pytest.raises(WorkflowDefinitionError, match=r"^step 'e': when: unexpected end of expression"):
        validate(Steps("s", steps=[expression]))


def test_recursion_needs_a_when() -> None:
    loop = Steps("loop")
    loop.add(Step("again", loop))
    with pytest.raises(WorkflowDefinitionError) as info:
        validate(loop)
    assert "template 'loop' uses itself (loop -> loop) and no step on the way has a `when` condition" in str(
        info.value
    )
    guarded = Steps("guarded")
    guarded.add(Step("again", guarded, when="{{workflow.name}} == x"))
    validate(guarded)
