"""Representative workflows for the compiler tests, one per construct family (see tests/argo/expected)."""

from __future__ import annotations

from typing import Any

from dflow_jupyter import (
    DAG,
    Context,
    Executor,
    InputArtifact,
    InputParameter,
    Inputs,
    OutputArtifact,
    OutputParameter,
    Outputs,
    PythonScriptOPTemplate,
    S3Artifact,
    ShellOPTemplate,
    Step,
    Steps,
    Task,
    Workflow,
    argo_range,
    argo_sequence,
    if_expression,
)
from dflow_jupyter.python import PythonOPTemplate, Slices

from .ops import Plus, count_lines, read_all, square, total, write_file
from .workflows_hpc import dispatcher, dispatcher_merged, resources_and_containers, slurm_job_template

IMAGE = "python:3.11"


def python_chain() -> Workflow:
    """Class and function OPs in a chain; a keyed step; a literal and a reference as inputs."""
    a = Step("a", PythonOPTemplate(Plus, image=IMAGE), parameters={"x": 1})
    b = Step(
        "b", PythonOPTemplate(Plus, image=IMAGE), parameters={"x": a.outputs.parameters["y"]}, key="plus-b"
    )
    c = Step("c", PythonOPTemplate(square, image=IMAGE), parameters={"x": b.outputs.parameters["y"]})
    wf = Workflow("python-chain")
    for step in (a, b, c):
        wf.add(step)
    return wf


def steps_fanout_slices() -> Workflow:
    """with_param (literal, argo_range), with_sequence, Slices over parameters and artifacts, groups."""
    fan = Step(
        "fan", PythonOPTemplate(square, image=IMAGE), parameters={"x": "{{item}}"}, with_param=[1, 2, 3]
    )
    seq = Step(
        "seq",
        PythonOPTemplate(square, image=IMAGE),
        parameters={"x": "{{item}}"},
        with_sequence=argo_sequence(3),
    )
    sliced = PythonOPTemplate(
        square, image=IMAGE, slices=Slices(input_parameter=["x"], output_parameter=["y"])
    )
    slc = Step("sliced", sliced, parameters={"x": [3, 1, 2]}, with_param=argo_range(3), key="sliced-{{item}}")
    writer = PythonOPTemplate(
        write_file, image=IMAGE, slices=Slices(input_parameter=["name"], output_artifact=["out"])
    )
    write = Step("write", writer, parameters={"name": ["c", "a", "b"]}, with_param=argo_range(3))
    grouped = PythonOPTemplate(
        square, image=IMAGE, slices=Slices(input_parameter=["x"], output_parameter=["y"], group_size=2)
    )
    group = Step("grouped", grouped, parameters={"x": [1, 2, 3, 4, 5]}, with_param=argo_range(5))
    add = Step(
        "add", PythonOPTemplate(total, image=IMAGE), parameters={"values": slc.outputs.parameters["y"]}
    )
    read = Step(
        "read", PythonOPTemplate(read_all, image=IMAGE), artifacts={"files": write.outputs.artifacts["out"]}
    )
    wf = Workflow("fanout")
    wf.add([fan, seq, slc, write, group])
    wf.add([add, read])
    return wf


def dag_when_retries() -> Workflow:
    """A DAG: retries on transient errors, a deadline, a ``when``, tolerated failures, explicit deps."""
    plus = PythonOPTemplate(Plus, image=IMAGE, retry_on_transient_error=2, timeout=60)
    fatal_aware = PythonOPTemplate(
        Plus, image=IMAGE, retry_on_transient_error=3, timeout_as_transient_error=True
    )
    flaky = ShellOPTemplate(
        "flaky",
        image="alpine:3.20",
        script="exit $((RANDOM % 2))",
        retry_strategy={"limit": 1, "retryPolicy": "OnError"},
    )
    a = Task("a", plus, parameters={"x": 1})
    b = Task(
        "b",
        PythonOPTemplate(square, image=IMAGE),
        parameters={"x": a.outputs.parameters["y"]},
        when=a.outputs.parameters["y"] > 1,
    )
    c = Task("c", flaky, continue_on_failed=True)
    d = Task("d", fatal_aware, parameters={"x": 5}, dependencies=[c])
    e = Task(
        "e",
        PythonOPTemplate(square, image=IMAGE),
        parameters={"x": 2},
        when="{{tasks.a.outputs.parameters.y}} == 2",
    )
    wf = Workflow("dag-retries", dag=DAG("main", tasks=[a, b, c, d, e]))
    return wf


def recursion() -> Workflow:
    """A Steps template that calls itself until ``iter`` reaches ``limit``."""
    loop = Steps(
        "loop", inputs=Inputs(parameters={"iter": InputParameter(type=int), "limit": InputParameter(value=3)})
    )
    plus = Step("plus", PythonOPTemplate(Plus, image=IMAGE), parameters={"x": loop.inputs.parameters["iter"]})
    loop.add(plus)
    again = Step(
        "again",
        loop,
        parameters={"iter": plus.outputs.parameters["y"], "limit": loop.inputs.parameters["limit"]},
        when="%s < %s" % (plus.outputs.parameters["y"], loop.inputs.parameters["limit"]),
    )
    loop.add(again)
    wf = Workflow("recursion")
    wf.add(Step("start", loop, parameters={"iter": 0}))
    return wf


def global_outputs() -> Workflow:
    """Global output parameters and artifacts, workflow parameters, a Steps template's outputs."""
    produce = ShellOPTemplate(
        "produce",
        image="alpine:3.20",
        script="echo {{workflow.parameters.greeting}} > /tmp/msg; mkdir -p /tmp/out; cp /tmp/msg /tmp/out/",
        outputs=Outputs(
            parameters={
                "msg": OutputParameter(value_from_path="/tmp/msg", global_name="message", default="none")
            },
            artifacts={"out": OutputArtifact(path="/tmp/out", global_name="result-files", archive=None)},
        ),
    )
    inner = Steps("inner")
    p = Step("p", produce)
    inner.add(p)
    inner.outputs.parameters["msg"] = OutputParameter(value_from_parameter=p.outputs.parameters["msg"])
    inner.outputs.artifacts["out"] = OutputArtifact(_from=p.outputs.artifacts["out"])
    inner.outputs.parameters["longer"] = OutputParameter(
        value_from_expression=if_expression(p.outputs.parameters["msg"] == "hi", "short", "long")
    )
    counted = Step(
        "count",
        PythonOPTemplate(count_lines, image=IMAGE),
        artifacts={"f": S3Artifact(key="upload/abc/data.txt", debug_s3=True)},
    )
    wf = Workflow("globals", parameters={"greeting": "hi"})
    first = Step("first", inner)
    wf.add([first, counted])
    return wf


class Timed(Executor):
    """Runs a shell template under ``time`` (a deterministic name: the fixture depends on it)."""

    def render(self, template: Any) -> Any:
        clone = template.copy()
        clone.name = f"{template.name}-timed"
        clone.command = ["time", *template.command]
        return clone


class Team(Context):
    def render(self, template: Any) -> Any:
        template.labels["team"] = "chem"
        return template


def executors() -> Workflow:
    """A step's executor and the workflow's context rewrite the template before it compiles."""
    hello = ShellOPTemplate("hello", image="alpine:3.20", script="echo hello")
    wf = Workflow("executors", context=Team())
    wf.add([Step("plain", hello), Step("timed", hello, executor=Timed())])
    return wf


def scripts_and_checks() -> Workflow:
    """Shell and Python scripts with resources, env, volumes, input artifacts; success thresholds."""
    shell = ShellOPTemplate(
        "work",
        image="alpine:3.20",
        script="echo {{inputs.parameters.n}} > /tmp/n",
        inputs=Inputs(parameters={"n": InputParameter(type=int)}),
        outputs=Outputs(parameters={"n": OutputParameter(value_from_path="/tmp/n", type=int)}),
        requests={"cpu": "100m", "memory": "64Mi"},
        limits={"memory": "128Mi"},
        envs={"MODE": "fast", "LEVEL": 3},
        node_selector={"disk": "ssd"},
        volumes=[{"name": "scratch", "emptyDir": {}}],
        mounts=[{"name": "scratch", "mountPath": "/scratch"}],
        timeout="10m",
    )
    reader = PythonScriptOPTemplate(
        "reader",
        image=IMAGE,
        script="print(open('/tmp/in/msg').read())",
        inputs=Inputs(artifacts={"msg": InputArtifact(path="/tmp/in")}),
    )
    fan = Step("fan", shell, parameters={"n": "{{item}}"}, with_param=[1, 2, 3, 4], continue_on_num_success=3)
    ratio = Step(
        "ratio", shell, parameters={"n": "{{item}}"}, with_param=[1, 2], continue_on_success_ratio=0.5
    )
    read = Step("read", reader, artifacts={"msg": S3Artifact(key="upload/msg", debug_s3=True)})
    wf = Workflow("scripts")
    wf.add([fan, ratio, read])
    return wf


def workflow_options() -> Workflow:
    """Workflow-level settings: fixed name, exit handler, pod GC, pull secrets, repository, limits."""
    hello = ShellOPTemplate("hello", image="alpine:3.20", script="echo hello")
    bye = ShellOPTemplate("bye", image="alpine:3.20", script="echo {{workflow.status}}")
    wf = Workflow(
        "options",
        id="options-fixed",
        annotations={"owner": "team-a"},
        labels={"project": "demo"},
        parallelism=2,
        pod_gc_strategy="OnPodSuccess",
        image_pull_secrets=["regcred"],
        artifact_repo_key="my-repo",
        on_exit=bye,
    )
    wf.add(Step("hello", hello))
    return wf


WORKFLOWS = {
    "python-chain": python_chain,
    "steps-fanout-slices": steps_fanout_slices,
    "dag-when-retries": dag_when_retries,
    "recursion": recursion,
    "global-outputs": global_outputs,
    "executors": executors,
    "scripts-and-checks": scripts_and_checks,
    "workflow-options": workflow_options,
    "dispatcher": dispatcher,
    "dispatcher-merged": dispatcher_merged,
    "slurm-job-template": slurm_job_template,
    "resources-and-containers": resources_and_containers,
}
