"""Bad input is reported before anything runs, naming the step, the field, expected and got."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflow_jupyter import DAG, Step, Steps, Task, Workflow, upload_artifact
from dflow_jupyter.errors import InvalidNameError, WorkflowDefinitionError
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate

ran: list[str] = []


@OP.function
def add(a: int, b: int) -> {"sum": int}:  # type: ignore[valid-type]
    ran.append("add")
    return {"sum": a + b}


@OP.function
def bad_output(a: int) -> {"sum": int}:  # type: ignore[valid-type]
    return {"sum": "not an int"}


@OP.function
def needs_file(f: Artifact(Path)) -> {"n": int}:  # type: ignore[valid-type]
    return {"n": len(Path(f).read_text())}


def setup_function() -> None:
    ran.clear()


def test_wrong_static_type_is_rejected_at_construction() -> None:
    with pytest.raises(TypeError) as err:
        Step("s", PythonOPTemplate(add), parameters={"a": "abc", "b": 1})
    text = str(err.value)
    assert "'s'" in text and "'a'" in text and "int" in text and "'abc'" in text


def test_missing_input_parameter() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"step 's'.*missing input parameter 'b'"):
        Step("s", PythonOPTemplate(add), parameters={"a": 1})


def test_unknown_parameter_name() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"unknown input parameter 'c'.*'a', 'b'"):
        Step("s", PythonOPTemplate(add), parameters={"a": 1, "b": 2, "c": 3})


def test_missing_input_artifact() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"missing input artifact 'f'"):
        Step("s", PythonOPTemplate(needs_file))


def test_string_instead_of_artifact() -> None:
    with pytest.raises(WorkflowDefinitionError, match=r"upload_artifact\('data.txt'\)"):
        Step("s", PythonOPTemplate(needs_file), artifacts={"f": "data.txt"})


@pytest.mark.parametrize("name", ["Hello", "under_score", "x" * 60, "-lead"])
def test_invalid_workflow_name(name: str) -> None:
    with pytest.raises(InvalidNameError, match="RFC 1123"):
        Workflow(name)


@pytest.mark.parametrize("name", ["has_underscore", "dot.ted", "-lead", ""])
def test_invalid_step_name(name: str) -> None:
    with pytest.raises(InvalidNameError, match="alphanumeric characters or '-'"):
        Step(name, PythonOPTemplate(add), parameters={"a": 1, "b": 2})


def test_invalid_key() -> None:
    with pytest.raises(InvalidNameError, match="key of step 's'"):
        Step("s", PythonOPTemplate(add), parameters={"a": 1, "b": 2}, key="Upper_Case")


def test_dag_cycle_is_rejected_before_running() -> None:
    a = Task("a", PythonOPTemplate(add), parameters={"a": 1, "b": 1})
    b = Task("b", PythonOPTemplate(add), parameters={"a": a.outputs.parameters["sum"], "b": 1})
    a.dependencies.append(b)
    dag = DAG("cyclic")
    dag.add([a, b])
    with pytest.raises(WorkflowDefinitionError, match="dependency cycle"):
        Workflow("cyclic", dag=dag).submit()
    assert ran == []


def test_reference_to_a_step_outside_the_workflow() -> None:
    stray = Step("stray", PythonOPTemplate(add), parameters={"a": 1, "b": 1})
    user = Step("user", PythonOPTemplate(add), parameters={"a": stray.outputs.parameters["sum"], "b": 1})
    wf = Workflow("dangling")
    wf.add(user)
    with pytest.raises(WorkflowDefinitionError, match=r"'user' reads from step 'stray'.*not part of"):
        wf.submit()
    assert ran == []


def test_reference_to_a_parallel_sibling() -> None:
    a = Step("a", PythonOPTemplate(add), parameters={"a": 1, "b": 1})
    b = Step("b", PythonOPTemplate(add), parameters={"a": a.outputs.parameters["sum"], "b": 1})
    wf = Workflow("siblings")
    wf.add([a, b])
    with pytest.raises(WorkflowDefinitionError, match="same or a later group"):
        wf.submit()


def test_task_in_steps_and_step_in_dag() -> None:
    with pytest.raises(WorkflowDefinitionError, match="use Task"):
        DAG("d").add(Step("s", PythonOPTemplate(add), parameters={"a": 1, "b": 1}))  # type: ignore[arg-type]
    with pytest.raises(WorkflowDefinitionError, match="tasks belong in a DAG"):
        Steps("s").add(Task("t", PythonOPTemplate(add), parameters={"a": 1, "b": 1}))


def test_wrong_output_type_fails_the_step_and_keeps_earlier_outputs() -> None:
    first = Step("first", PythonOPTemplate(add), parameters={"a": 1, "b": 2})
    second = Step("second", PythonOPTemplate(bad_output), parameters={"a": first.outputs.parameters["sum"]})
    wf = Workflow("badout")
    wf.add(first)
    wf.add(second)
    wf.submit()
    assert wf.query_status() == "Failed"
    [node] = wf.query_step(name="second")
    assert node.phase == "Failed"
    assert "output parameter 'sum'" in node.message and "expected int" in node.message
    [ok] = wf.query_step(name="first")
    assert ok.phase == "Succeeded" and ok.outputs.parameters["sum"].value == 3


def test_failing_op_logs_the_traceback(tmp_path: Path) -> None:
    @OP.function
    def boom(x: int) -> {"y": int}:  # type: ignore[valid-type]
        raise ValueError(f"bad value {x}")

    wf = Workflow("boom")
    wf.add(Step("boom", PythonOPTemplate(boom), parameters={"x": 7}))
    wf.submit()
    [node] = wf.query_step(name="boom")
    assert node.phase == "Failed"
    assert "ValueError: bad value 7" in node.message
    log = tmp_path / "workflows" / str(wf.id) / node.dflowJupyter.stepDir / "log.txt"
    text = log.read_text()
    assert "Traceback" in text and "ValueError: bad value 7" in text
    assert wf.query().status.message


def test_runtime_type_error_from_another_step() -> None:
    @OP.function
    def make_text() -> {"value": str}:  # type: ignore[valid-type]
        return {"value": "abc"}

    producer = Step("producer", PythonOPTemplate(make_text))
    consumer = Step(
        "consumer",
        PythonOPTemplate(add),
        parameters={"a": producer.outputs.parameters["value"], "b": 1},
    )
    wf = Workflow("runtime-type")
    wf.add(producer)
    wf.add(consumer)
    wf.submit()
    [node] = wf.query_step(name="consumer")
    assert node.phase == "Failed"
    assert "'consumer'" in node.message and "'a'" in node.message and "expected int" in node.message
    assert ran == []


def test_uploaded_file_missing() -> None:
    with pytest.raises(Exception, match=r"nope\.txt"):
        upload_artifact("nope.txt")
