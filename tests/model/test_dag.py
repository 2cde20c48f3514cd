"""DAGs: dependencies inferred from data references and named explicitly, and cycle detection."""

from __future__ import annotations

import pytest

from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.expressions import if_expression
from dflow_jupyter.model.validate import dag_dependencies, validate

from .builders import consumer, producer, takes_x


def x_task(name: str, x: object = 1, **kwargs: object) -> Task:
    return Task(name, takes_x(), parameters={"x": x}, **kwargs)  # type: ignore[arg-type]


def test_dependencies_come_from_data_references() -> None:
    p = Task("p", producer())
    q = Task("q", producer())
    c = Task(
        "c",
        consumer(),
        parameters={"x": p.outputs.parameters["y"]},
        artifacts={"inp": q.outputs.artifacts["out"]},
    )
    e = x_task("e", if_expression(c.outputs.parameters["y"] > 1, "big", "small"))
    dag = DAG("d", tasks=[p, q, c, e])
    assert dag_dependencies(dag) == {"p": [], "q": [], "c": ["p", "q"], "e": ["c"]}


def test_references_inside_strings_and_lists_count() -> None:
    p = Task("p", producer())
    when = x_task("w", when="{{tasks.p.outputs.parameters.y}} > 1")
    listed = x_task("l", [p.outputs.parameters["y"], 3])
    fan = x_task("f", "{{item}}", with_param=p.outputs.parameters["y"])
    dag = DAG("d", tasks=[p, when, listed, fan])
    deps = dag_dependencies(dag)
    assert deps["w"] == ["p"] and deps["l"] == ["p"] and deps["f"] == ["p"]


def test_explicit_dependencies() -> None:
    a, b = x_task("a"), x_task("b")
    c = x_task("c", dependencies=[a, "b.Succeeded"])
    assert dag_dependencies(DAG("d", tasks=[a, b, c]))["c"] == ["a", "b"]
    ghost = x_task("g", dependencies=["nobody"])
    with pytest.raises(WorkflowDefinitionError) as info:
        dag_dependencies(DAG("d", tasks=[a, ghost]))
    assert (
        str(info.value) == "task 'g' depends on 'nobody', which is not a task of DAG 'd'; its tasks are a, g"
    )


def test_cycles_are_reported_with_their_path() -> None:
    a = x_task("a")
    b = x_task("b", a.outputs.parameters["y"])
    a.dependencies.append(b)
    with pytest.raises(WorkflowDefinitionError) as info:
        validate(DAG("loop", tasks=[a, b]))
    message = str(info.value)
    assert message.startswith("DAG 'loop' has a dependency cycle: ")
    assert message.split(": ", 1)[1] in ("a -> b -> a", "b -> a -> b")


def test_reading_from_outside_the_dag() -> None:
    outsider = Task("o", producer())
    reader = x_task("r", outsider.outputs.parameters["y"])
    with pytest.raises(WorkflowDefinitionError) as info:
        dag_dependencies(DAG("d", tasks=[reader]))
    assert str(info.value).startswith("task 'r' reads from task 'o', which is not part of DAG 'd'")
    named = x_task("n", when="{{tasks.ghost.outputs.parameters.y}} == 1")
    with pytest.raises(
        WorkflowDefinitionError, match=r"task 'n' refers to tasks\.ghost, which is not a task of DAG 'd'"
    ):
        dag_dependencies(DAG("d", tasks=[named]))


def test_add() -> None:
    a, b = x_task("a"), x_task("b")
    dag = DAG("d")
    dag.add([a, b])
    with pytest.raises(WorkflowDefinitionError, match="DAG 'd': task 'a' is added twice"):
        dag.add(a)  # a task runs once, where it is added
    assert dag.tasks == [a, b] and dag.all_steps() == [a, b] and dag.node_class() is Task
    with pytest.raises(WorkflowDefinitionError, match="DAG 'd': duplicate task name 'a'"):
        dag.add(x_task("a"))
    with pytest.raises(
        WorkflowDefinitionError, match="DAG 'd': add\\(\\) takes Task objects, got str \\('a'\\)"
    ):
        dag.add("a")  # type: ignore[arg-type]
    dag.add(x_task("p", parallelism=3))
    assert dag.parallelism == 3


def test_dependencies_are_recomputed_when_tasks_are_added() -> None:
    a = x_task("a")
    dag = DAG("d", tasks=[a])
    assert dag_dependencies(dag) == {"a": []}
    dag.add(x_task("b", a.outputs.parameters["y"]))
    assert dag_dependencies(dag) == {"a": [], "b": ["a"]}


def test_nested_dags_are_validated_too() -> None:
    a = x_task("a")
    inner = DAG("inner", tasks=[a, x_task("b", dependencies=["ghost"])])
    with pytest.raises(WorkflowDefinitionError, match="task 'b' depends on 'ghost'"):
        validate(DAG("outer", tasks=[Task("use", inner)]))
