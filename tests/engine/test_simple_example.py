"""The README's SimpleExample, as a class OP and as a function OP, end to end."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow, download_artifact, upload_artifact
from dflow_jupyter.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate


class SimpleExample(OP):
    def __init__(self) -> None:
        pass

    @classmethod
    def get_input_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "foo": Artifact(Path)})

    @classmethod
    def get_output_sign(cls) -> OPIOSign:
        return OPIOSign({"msg": str, "bar": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: OPIO) -> OPIO:
        shutil.copy(op_in["foo"], "bar.txt")
        return OPIO({"msg": op_in["msg"], "bar": Path("bar.txt")})


@OP.function
def simple_example(msg: str, foo: Artifact(Path)) -> {"msg": str, "bar": Artifact(Path)}:  # type: ignore[valid-type]
    shutil.copy(foo, "bar.txt")
    return {"msg": msg, "bar": Path("bar.txt")}


@pytest.mark.parametrize("op", [SimpleExample, simple_example], ids=["class", "function"])
def test_simple_example_chain(op: object, tmp_path: Path) -> None:
    Path("foo.txt").write_text("Hello")
    foo = upload_artifact("foo.txt")
    template = PythonOPTemplate(op, image="python:3.11")
    step0 = Step("step0", template, parameters={"msg": "HelloWorld!"}, artifacts={"foo": foo})
    step1 = Step(
        "step1",
        template,
        parameters={"msg": step0.outputs.parameters["msg"]},
        artifacts={"foo": step0.outputs.artifacts["bar"]},
    )
    wf = Workflow(name="hello-world")
    wf.add(step0)
    wf.add(step1)
    wf.submit()

    assert wf.query_status() == "Succeeded"
    [last] = wf.query_step(name="step1")
    assert last.phase == "Succeeded"
    assert last.type == "Pod"
    assert last.outputs.parameters["msg"].value == "HelloWorld!"
    [path] = download_artifact(last.outputs.artifacts["bar"], path=str(tmp_path / "out"))
    assert Path(path).read_text() == "Hello"
    assert Path(path).name == "bar.txt"


def test_relative_paths_land_in_the_step_workdir(tmp_path: Path) -> None:
    Path("foo.txt").write_text("x")
    wf = Workflow("relative")
    wf.add(
        Step(
            "s",
            PythonOPTemplate(SimpleExample),
            parameters={"msg": "m"},
            artifacts={"foo": upload_artifact("foo.txt")},
        )
    )
    wf.submit()
    # bar.txt was written into the step's own workdir, never into the caller's directory.
    assert not (tmp_path / "bar.txt").exists()
    [step] = wf.query_step(name="s")
    workdir = Path(wf.query().status.nodes[step.id].dflowJupyter.stepDir)
    assert (tmp_path / "workflows" / str(wf.id) / workdir / "workdir" / "bar.txt").read_text() == "x"
    assert Path.cwd() == tmp_path
