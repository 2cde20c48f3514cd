"""`when`, `if_expression`, output defaults, optional artifacts and recursion, as on Argo."""

from __future__ import annotations

from pathlib import Path

import pytest

from dflow_jupyter import (
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    Step,
    Steps,
    Workflow,
    if_expression,
)
from dflow_jupyter.config import config
from dflow_jupyter.errors import WorkflowDefinitionError
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate


@OP.function
def plus_one(iter: int) -> {"iter": int}:  # type: ignore[valid-type]
    return {"iter": iter + 1}


@OP.function
def echo(msg: str) -> {"msg": str}:  # type: ignore[valid-type]
    return {"msg": msg}


@OP.function
def maybe_file(present: bool, f: Artifact(Path, optional=True) = None) -> {"seen": bool}:  # type: ignore[valid-type]
    return {"seen": f is not None}


def test_when_with_several_operators_and_skipped_node() -> None:
    run = Step("run", PythonOPTemplate(echo), parameters={"msg": "yes"}, when="1 < 2 && (3 > 2 || false)")
    skip = Step("skip", PythonOPTemplate(echo), parameters={"msg": "no"}, when="!(tails == tails) || 2 > 3")
    wf = Workflow("conditions")
    wf.add([run, skip])
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [ran] = wf.query_step(name="run")
    assert ran.phase == "Succeeded"
    [skipped] = wf.query_step(name="skip")
    assert skipped.type == "Skipped" and skipped.phase == "Skipped"
    assert skipped.message == "when '!(tails == tails) || 2 > 3' evaluated false"


def test_when_on_outputs_and_argovar_comparison() -> None:
    first = Step("first", PythonOPTemplate(plus_one), parameters={"iter": 4})
    bigger = Step(
        "bigger",
        PythonOPTemplate(echo),
        parameters={"msg": "big"},
        when="%s > 3" % first.outputs.parameters["iter"],
    )
    smaller = Step(
        "smaller",
        PythonOPTemplate(echo),
        parameters={"msg": "small"},
        when=first.outputs.parameters["iter"] < 3,
    )
    wf = Workflow("when-outputs")
    wf.add(first)
    wf.add([bigger, smaller])
    wf.submit()
    assert wf.query_step(name="bigger")[0].phase == "Succeeded"
    assert wf.query_step(name="smaller")[0].phase == "Skipped"


def test_bad_when_is_rejected_before_running() -> None:
    with pytest.raises(WorkflowDefinitionError, match="'broken'"):
        wf = Workflow("bad-when")
        wf.add(Step("broken", PythonOPTemplate(echo), parameters={"msg": "x"}, when="{{=1 <}}"))
        wf.submit()


def loop_template() -> Steps:
    """dflow's recursion example: plus-one until iter reaches limit."""
    loop = Steps("loop")
    loop.outputs.parameters["iter"] = OutputParameter(type=int)
    loop.inputs.parameters["iter"] = InputParameter(value=0, type=int)
    loop.inputs.parameters["limit"] = InputParameter(value=3, type=int)
    plus = Step(
        "plus1",
        PythonOPTemplate(plus_one),
        parameters={"iter": loop.inputs.parameters["iter"]},
        key="iter-%s" % loop.inputs.parameters["iter"],
    )
    loop.add(plus)
    again = Step(
        "loop",
        loop,
        parameters={
            "iter": plus.outputs.parameters["iter"],
            "limit": loop.inputs.parameters["limit"],
        },
        when="%s < %s" % (plus.outputs.parameters["iter"], loop.inputs.parameters["limit"]),
    )
    loop.add(again)
    loop.outputs.parameters["iter"].value_from_expression = if_expression(
        _if=plus.outputs.parameters["iter"] < loop.inputs.parameters["limit"],
        _then=again.outputs.parameters["iter"],
        _else=plus.outputs.parameters["iter"],
    )
    return loop


def test_recursive_loop_with_if_expression_output() -> None:
    loop = loop_template()
    wf = Workflow("recurse")
    start = Step("start", loop, parameters={"iter": 0, "limit": 5})
    wf.add(start)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="start")[0].outputs.parameters["iter"].value == 5
    assert wf.query_keys_of_steps() == [f"iter-{i}" for i in range(5)]
    [step3] = wf.query_step(key="iter-3")
    assert step3.outputs.parameters["iter"].value == 4
    skipped = [s for s in wf.query_step(name="loop") if s.phase == "Skipped"]
    assert len(skipped) == 1


def test_recursion_a_thousand_levels_deep() -> None:
    config["max_recursion_depth"] = None  # past Argo's default of 100 levels
    loop = loop_template()
    wf = Workflow("deep")
    wf.add(Step("start", loop, parameters={"iter": 0, "limit": 1000}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="start")[0].outputs.parameters["iter"].value == 1000
    assert len(wf.query_step(name="plus1")) == 1000


def test_recursion_without_a_stop_is_rejected() -> None:
    loop = Steps("forever")
    loop.inputs.parameters["x"] = InputParameter(value=0)
    loop.add(Step("again", loop, parameters={"x": 1}))
    wf = Workflow("forever")
    wf.add(Step("start", loop))
    with pytest.raises(WorkflowDefinitionError, match="recursion without a reachable stop"):
        wf.submit()


def test_output_default_used_when_step_is_skipped() -> None:
    body = Steps("body")
    maybe = Step("maybe", PythonOPTemplate(echo), parameters={"msg": "ran"}, when="false")
    body.add(maybe)
    body.outputs.parameters["msg"] = OutputParameter(
        value_from_parameter=maybe.outputs.parameters["msg"], default="default-value"
    )
    wf = Workflow("defaults")
    outer = Step("outer", body)
    after = Step("after", PythonOPTemplate(echo), parameters={"msg": outer.outputs.parameters["msg"]})
    wf.add(outer)
    wf.add(after)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    assert wf.query_step(name="after")[0].outputs.parameters["msg"].value == "default-value"


def test_optional_input_artifact() -> None:
    wf = Workflow("optional")
    wf.add(Step("none", PythonOPTemplate(maybe_file), parameters={"present": False}))
    wf.submit()
    assert wf.query_step(name="none")[0].outputs.parameters["seen"].value is False


def test_if_expression_on_artifacts() -> None:
    @OP.function
    def make(tag: str) -> {"f": Artifact(Path)}:  # type: ignore[valid-type]
        Path("f.txt").write_text(tag)
        return {"f": Path("f.txt")}

    @OP.function
    def read(f: Artifact(Path)) -> {"text": str}:  # type: ignore[valid-type]
        return {"text": Path(f).read_text()}

    body = Steps("choose")
    body.inputs.parameters["pick_a"] = InputParameter(type=bool)
    a = Step("a", PythonOPTemplate(make), parameters={"tag": "A"})
    b = Step("b", PythonOPTemplate(make), parameters={"tag": "B"})
    body.add([a, b])
    body.outputs.artifacts["chosen"] = OutputArtifact(
        from_expression=if_expression(
            _if=body.inputs.parameters["pick_a"],
            _then=a.outputs.artifacts["f"],
            _else=b.outputs.artifacts["f"],
        )
    )
    wf = Workflow("art-expr")
    pick = Step("pick", body, parameters={"pick_a": False})
    use = Step("use", PythonOPTemplate(read), artifacts={"f": pick.outputs.artifacts["chosen"]})
    wf.add(pick)
    wf.add(use)
    wf.submit()
    assert wf.query_status() == "Succeeded", [s.message for s in wf.query_step()]
    assert wf.query_step(name="use")[0].outputs.parameters["text"].value == "B"


def test_steps_input_artifact_passthrough() -> None:
    @OP.function
    def make() -> {"f": Artifact(Path)}:  # type: ignore[valid-type]
        Path("x.txt").write_text("x")
        return {"f": Path("x.txt")}

    @OP.function
    def read(f: Artifact(Path)) -> {"text": str}:  # type: ignore[valid-type]
        return {"text": Path(f).read_text()}

    inner = Steps("inner")
    inner.inputs.artifacts["f"] = InputArtifact()
    r = Step("r", PythonOPTemplate(read), artifacts={"f": inner.inputs.artifacts["f"]})
    inner.add(r)
    inner.outputs.parameters["text"] = OutputParameter(value_from_parameter=r.outputs.parameters["text"])
    m = Step("m", PythonOPTemplate(make))
    i = Step("i", inner, artifacts={"f": m.outputs.artifacts["f"]})
    wf = Workflow("passthrough")
    wf.add(m)
    wf.add(i)
    wf.submit()
    assert wf.query_step(name="i")[0].outputs.parameters["text"].value == "x"
