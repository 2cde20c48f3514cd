"""Input that used to slip through: trailing newlines, path-like ids, None for int, bad `when`s."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflow_jupyter import Step, Steps, Workflow, config
from dflow_jupyter.errors import InvalidNameError, WorkflowDefinitionError
from dflow_jupyter.names import check_io_name, check_key, check_step_name, check_workflow_name
from dflow_jupyter.python import OP, BigParameter, PythonOPTemplate
from dflow_jupyter.status.wire import ParameterTypeError


@OP.function
def count(n: int) -> {"n": int}:
    return {"n": n}


@OP.function
def maybe(n: int | None) -> {"n": int}:
    return {"n": n or 0}


@OP.function
def take(data: dict) -> {"keys": int}:
    return {"keys": len(data)}


@OP.function
def take_big(data: BigParameter(dict)) -> {"keys": int}:
    return {"keys": len(data)}


@pytest.mark.parametrize(
    "check", [check_workflow_name, check_step_name, check_io_name, check_key], ids=lambda f: f.__name__
)
def test_a_trailing_newline_is_not_a_valid_name(check: object) -> None:
    with pytest.raises(InvalidNameError, match=r"\\n"):
        check("abc\n")  # type: ignore[operator]


@pytest.mark.parametrize("bad", ["../../x", "/abs", "a/b", "..", "UPPER", "x" * 64])
def test_a_workflow_id_must_be_a_name(bad: str) -> None:
    with pytest.raises(InvalidNameError, match="invalid workflow id"):
        Workflow("safe", id=bad)
    assert not Path(config["debug_workdir"]).exists()


def test_none_is_refused_where_the_type_does_not_admit_it() -> None:
    with pytest.raises(ParameterTypeError, match="input parameter 'n' expected int, got NoneType"):
        Step("c", PythonOPTemplate(count), parameters={"n": None})
    Step("m", PythonOPTemplate(maybe), parameters={"n": None})  # Optional admits None


@pytest.mark.parametrize(
    "when",
    ["{{inputs.parameters.n}} >", "(1 == 1", "1 == 1 &&", "{{inputs.parameters.n}} == 1 ) && true"],
)
def test_a_govaluate_syntax_error_is_found_before_the_run(when: str) -> None:
    wf = Workflow("when-syntax")
    wf.add(Step("c", PythonOPTemplate(count), parameters={"n": 1}, when=when))
    with pytest.raises(WorkflowDefinitionError, match="step 'c': invalid 'when' expression"):
        wf.submit()
    assert wf.id is None and not Path(config["debug_workdir"]).exists()


@pytest.mark.parametrize(
    "when",
    ["{{inputs.parameters.n}} > 3", "'{{workflow.name}}' == 'x'", "{{steps.a.outputs.result}} == heads", ""],
)
def test_valid_whens_pass_the_early_check(when: str) -> None:
    from dflow_jupyter.expr import check_when

    check_when(when)


def test_a_step_added_twice_to_a_workflow_is_refused() -> None:
    wf = Workflow("twice")
    step = Step("c", PythonOPTemplate(count), parameters={"n": 1})
    wf.add(step)
    with pytest.raises(WorkflowDefinitionError, match="step 'c' is added twice"):
        wf.add(step)
    assert isinstance(wf.entrypoint, Steps) and len(wf.entrypoint.steps) == 1


def test_a_big_literal_parameter_gets_advice() -> None:
    big = {f"k{i}": "x" * 100 for i in range(5000)}  # about 0.6 MB as JSON
    with pytest.warns(UserWarning, match="is 0.6 MB as an Argo string.*upload_artifact.*BigParameter"):
        Step("big", PythonOPTemplate(take), parameters={"data": big})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Step("declared", PythonOPTemplate(take_big), parameters={"data": big})
        Step("small", PythonOPTemplate(take), parameters={"data": {"a": 1}})
