"""Shell and Python script templates run as subprocesses in their own working directory."""

from __future__ import annotations

from pathlib import Path

from dflow_jupyter import (
    InputArtifact,
    InputParameter,
    OutputArtifact,
    OutputParameter,
    PythonScriptOPTemplate,
    ShellOPTemplate,
    Step,
    Workflow,
    upload_artifact,
)


def shell_template() -> ShellOPTemplate:
    t = ShellOPTemplate(
        name="shout",
        image="alpine",
        # As in dflow, an uploaded file arrives as a directory that holds it (plus a catalog);
        # a file written by another script step arrives as the file itself.
        script="mkdir -p /tmp/out && tr a-z A-Z < /tmp/in.txt/in.txt > /tmp/out/loud.txt\n"
        "echo {{inputs.parameters.msg}} > /tmp/msg.txt\n"
        "printf 'two\\n\\n' > /tmp/blank.txt\n"
        "pwd > cwd.txt\n",
    )
    t.inputs.parameters = {"msg": InputParameter()}
    t.inputs.artifacts = {"src": InputArtifact(path="/tmp/in.txt")}
    t.outputs.parameters = {
        "msg": OutputParameter(value_from_path="/tmp/msg.txt"),
        "blank": OutputParameter(value_from_path="/tmp/blank.txt"),
    }
    t.outputs.artifacts = {"loud": OutputArtifact(path="/tmp/out/loud.txt")}
    return t


def test_shell_template_with_parameters_and_artifacts(tmp_path: Path) -> None:
    Path("in.txt").write_text("hello")
    shout = Step(
        "shout",
        shell_template(),
        parameters={"msg": "hi there"},
        artifacts={"src": upload_artifact("in.txt")},
    )
    reader = PythonScriptOPTemplate(
        name="reader",
        image="python:3.11",
        script="import pathlib\n"
        "text = pathlib.Path('/tmp/loud.txt').read_text()\n"
        "pathlib.Path('/tmp/result.txt').write_text(text + '!')\n",
    )
    reader.inputs.artifacts = {"loud": InputArtifact(path="/tmp/loud.txt")}
    reader.outputs.parameters = {"result": OutputParameter(value_from_path="/tmp/result.txt")}
    read = Step("read", reader, artifacts={"loud": shout.outputs.artifacts["loud"]})
    wf = Workflow("scripts")
    wf.add(shout)
    wf.add(read)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [node] = wf.query_step(name="shout")
    # Argo strips the one trailing newline `echo` adds, and only that one.
    assert node.outputs.parameters["msg"].value == "hi there"
    assert node.outputs.parameters["blank"].value == "two\n"
    assert wf.query_step(name="read")[0].outputs.parameters["result"].value == "HELLO!"
    step_dir = tmp_path / "workflows" / str(wf.id) / node.dflowJupyter.stepDir
    assert (step_dir / "workdir" / "cwd.txt").read_text().strip() == str(step_dir / "workdir")
    assert "tr a-z A-Z" in (step_dir / "script").read_text()


def test_failing_script_reports_exit_code() -> None:
    t = ShellOPTemplate(name="fail", image="alpine", script="echo about to fail; exit 3")
    wf = Workflow("script-fail")
    wf.add(Step("fail", t))
    wf.submit()
    assert wf.query_status() == "Failed"
    [node] = wf.query_step(name="fail")
    assert node.phase == "Failed"
    assert node.message == "failed with exit code 3"
    assert node.outputs.exitCode == "3"


def test_missing_output_file_is_an_error() -> None:
    t = ShellOPTemplate(name="nofile", image="alpine", script="true")
    t.outputs.parameters = {"x": OutputParameter(value_from_path="/tmp/none.txt")}
    t2 = ShellOPTemplate(name="withdefault", image="alpine", script="true")
    t2.outputs.parameters = {"x": OutputParameter(value_from_path="/tmp/none.txt", default="fallback")}
    wf = Workflow("script-missing")
    wf.add(Step("withdefault", t2))
    wf.add(Step("nofile", t))
    wf.submit()
    assert wf.query_step(name="withdefault")[0].outputs.parameters["x"].value == "fallback"
    [node] = wf.query_step(name="nofile")
    assert node.phase == "Error" and "/tmp/none.txt" in node.message


def test_executor_and_context_rewrite_templates() -> None:
    import copy

    from dflow_jupyter import Context, Executor

    class Loud(Executor):
        def render(self, template):  # type: ignore[no-untyped-def]
            new = copy.copy(template)
            new.script = template.script.replace("hello", "HELLO")
            return new

    class Tagged(Context):
        def render(self, template):  # type: ignore[no-untyped-def]
            new = copy.copy(template)
            new.envs = {**template.envs, "TAG": "ctx"}
            return new

    t = ShellOPTemplate(name="greet", image="alpine", script='echo "hello $TAG" > /tmp/out.txt')
    t.outputs.parameters = {"out": OutputParameter(value_from_path="/tmp/out.txt")}
    wf = Workflow("executors", context=Tagged())
    wf.add([Step("plain", t), Step("loud", t, executor=Loud())])
    wf.submit()
    assert wf.query_step(name="plain")[0].outputs.parameters["out"].value == "hello ctx"
    assert wf.query_step(name="loud")[0].outputs.parameters["out"].value == "HELLO ctx"
