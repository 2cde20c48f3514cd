"""Composition: parallel steps, nested Steps with outputs, DAGs with inferred dependencies."""

from __future__ import annotations

from typing import List

from dflow_jupyter import (
    DAG,
    InputParameter,
    OutputParameter,
    Step,
    Steps,
    Task,
    Workflow,
)
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def add(a: int, b: int) -> {"sum": int}:  # type: ignore[valid-type]
    return {"sum": a + b}


@OP.function
def duplicate(msg: str) -> {"msg": str}:  # type: ignore[valid-type]
    return {"msg": msg * 2}


def test_parallel_group_then_sequential_step() -> None:
    t = PythonOPTemplate(add)
    a = Step("a", t, parameters={"a": 1, "b": 2})
    b = Step("b", t, parameters={"a": 10, "b": 20})
    c = Step("c", t, parameters={"a": a.outputs.parameters["sum"], "b": b.outputs.parameters["sum"]})
    wf = Workflow("parallel")
    wf.add([a, b])
    wf.add(c)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="c")[0].outputs.parameters["sum"].value == 33
    status = wf.query().status
    root = status.nodes[wf.id]
    assert root.type == "Steps"
    groups = [n for n in status.nodes.values() if n.type == "StepGroup"]
    assert sorted(g.displayName for g in groups) == ["[0]", "[1]"]
    first = next(g for g in groups if g.displayName == "[0]")
    assert root.children == [first.id]
    # Both parallel steps link to the next group, as in Argo.
    second = next(g for g in groups if g.displayName == "[1]")
    for name in ("a", "b"):
        node = next(n for n in status.nodes.values() if n.displayName == name)
        assert node.name == f"{wf.id}[0].{name}"
        assert second.id in node.children


def test_nested_steps_with_outputs() -> None:
    inner = Steps("inner", inputs=None)
    inner.inputs.parameters["x"] = InputParameter(type=int)
    first = Step("first", PythonOPTemplate(add), parameters={"a": inner.inputs.parameters["x"], "b": 1})
    second = Step("second", PythonOPTemplate(add), parameters={"a": first.outputs.parameters["sum"], "b": 1})
    inner.add(first)
    inner.add(second)
    inner.outputs.parameters["result"] = OutputParameter(
        value_from_parameter=second.outputs.parameters["sum"]
    )

    outer = Step("outer", inner, parameters={"x": 5})
    after = Step(
        "after",
        PythonOPTemplate(add),
        parameters={"a": outer.outputs.parameters["result"], "b": 100},
    )
    wf = Workflow("nested")
    wf.add(outer)
    wf.add(after)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [outer_node] = wf.query_step(name="outer")
    assert outer_node.type == "Steps"
    assert outer_node.outputs.parameters["result"].value == 7
    assert wf.query_step(name="after")[0].outputs.parameters["sum"].value == 107
    [second_node] = wf.query_step(name="second")
    assert second_node.name == f"{wf.id}[0].outer[1].second"
    assert second_node.boundaryID == outer_node.id


def test_dag_dependencies_inferred_from_data() -> None:
    dag = DAG("diamond")
    top = Task("top", PythonOPTemplate(add), parameters={"a": 1, "b": 1})
    left = Task("left", PythonOPTemplate(add), parameters={"a": top.outputs.parameters["sum"], "b": 10})
    right = Task("right", PythonOPTemplate(add), parameters={"a": top.outputs.parameters["sum"], "b": 20})
    bottom = Task(
        "bottom",
        PythonOPTemplate(add),
        parameters={"a": left.outputs.parameters["sum"], "b": right.outputs.parameters["sum"]},
    )
    # Added in a scrambled order: the order of add() must not matter in a DAG.
    dag.add([bottom, right, left, top])
    wf = Workflow("dag", dag=dag)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="bottom")[0].outputs.parameters["sum"].value == 34
    status = wf.query().status
    by_name = {n.displayName: n for n in status.nodes.values()}
    assert by_name[wf.id].type == "DAG"
    assert by_name[wf.id].children == [by_name["top"].id]
    assert set(by_name["top"].children) == {by_name["left"].id, by_name["right"].id}
    assert by_name["left"].children == [by_name["bottom"].id]
    assert by_name["bottom"].name == f"{wf.id}.bottom"
    started = {n: by_name[n].startedAt for n in ("top", "left", "right", "bottom")}
    assert started["top"] <= started["left"] <= started["bottom"]


def test_explicit_dependencies_order_tasks() -> None:
    first = Task("first", PythonOPTemplate(duplicate), parameters={"msg": "a"})
    second = Task("second", PythonOPTemplate(duplicate), parameters={"msg": "b"}, dependencies=[first])
    dag = DAG("explicit")
    dag.add([second, first])
    wf = Workflow("explicit", dag=dag)
    wf.submit()
    [a], [b] = wf.query_step(name="first"), wf.query_step(name="second")
    assert a.finishedAt <= b.startedAt
    assert b.id in a.children


def test_with_workflow_context_and_function_calls() -> None:
    with Workflow("context") as wf:
        s = add(a=1, b=2)
        t = add(a=s["sum"], b=3)
        duplicate(msg="ab")
    assert wf.query_status() == "Succeeded"
    names = [step.displayName for step in wf.query_step(type="Pod")]
    assert len(names) == 3
    assert any(n.startswith("add-") for n in names)
    results = sorted(
        step.outputs.parameters["sum"].value
        for step in wf.query_step(type="Pod")
        if "sum" in step.outputs.parameters
    )
    assert results == [3, 6]
    assert t is not None


def test_function_op_runs_directly_outside_a_workflow() -> None:
    assert add(a=2, b=3) == {"sum": 5}


def test_superfunction_builds_a_reusable_dag() -> None:
    @OP.superfunction
    def add_three(a: int, b: int, c: int) -> {"total": int}:  # type: ignore[valid-type]
        first = add(a=a, b=b)
        second = add(a=first["sum"], b=c)
        return {"total": second["sum"]}

    with Workflow("super") as wf:
        out = add_three(a=1, b=2, c=3)
        add(a=out["total"], b=10)
    assert wf.query_status() == "Succeeded"
    sums = sorted(s.outputs.parameters["sum"].value for s in wf.query_step(type="Pod"))
    assert sums == [3, 6, 16]
    [dag_node] = [s for s in wf.query_step(type="DAG") if s.displayName.startswith("add-three")]
    assert dag_node.outputs.parameters["total"].value == 6


@OP.function
def total(values: List[int]) -> {"sum": int}:  # type: ignore[valid-type]
    return {"sum": sum(values)}


def test_a_reference_nested_in_a_list_is_resolved_not_type_checked_early() -> None:
    first = Step("first", PythonOPTemplate(add), parameters={"a": 1, "b": 2})
    both = Step("both", PythonOPTemplate(total), parameters={"values": [first.outputs.parameters["sum"], 1]})
    wf = Workflow("nested-ref")
    wf.add(first)
    wf.add(both)
    wf.submit()
    assert wf.query_step(name="both")[0].outputs.parameters["sum"].value == 4
