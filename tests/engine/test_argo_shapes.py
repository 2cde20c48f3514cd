"""The debug engine builds the same node trees as Argo: compared with real Argo status objects."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from dflow_jupyter import DAG, InputParameter, Step, Task, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate, TransientError
from dflow_jupyter.status.model import node_id

STATUS = Path(__file__).resolve().parents[2].parent / "shared" / "argo" / "status"


def argo_fixture(name: str) -> dict[str, Any]:
    return json.loads((STATUS / f"{name}.json").read_text())["status"]  # type: ignore[no-any-return]


def edges(nodes: dict[str, Any]) -> set[tuple[str, str]]:
    """(parent type, child type) pairs along ``children``."""
    return {
        (node["type"], nodes[child]["type"])
        for node in nodes.values()
        for child in node.get("children", [])
        if child in nodes
    }


def shape(name: str) -> str:
    """A node name with the workflow name and item values abstracted: ``W[0].s(I:V)(N)``."""
    name = re.sub(r"\((\d+):[^()]*\)", "(I:V)", name)
    return re.sub(r"\((\d+)\)", "(N)", name)


def ours(wf: Workflow) -> dict[str, Any]:
    return {nid: dict(node) for nid, node in wf.query().status.nodes.items()}


@OP.function
def produce(n: int) -> {"items": list}:  # type: ignore[valid-type]
    return {"items": list(range(n))}


@OP.function
def work(x: int, marker: str) -> {"y": int}:  # type: ignore[valid-type]
    if int(x) == 3:
        raise TransientError("item 3 always fails")
    return {"y": int(x)}


@OP.function
def finish(values: list) -> {"n": int}:  # type: ignore[valid-type]
    return {"n": len(values)}


def test_dag_fanout_with_retries_matches_argo(tmp_path: Path) -> None:
    """running-dag-withparam-fanout-retries: gen-tasks -> process-tasks(i:i) with retries -> finish."""
    gen = Task("gen-tasks", PythonOPTemplate(produce, retry_on_transient_error=1), parameters={"n": 5})
    process = Task(
        "process-tasks",
        PythonOPTemplate(work, retry_on_transient_error=2),
        parameters={"x": "{{item}}", "marker": str(tmp_path)},
        with_param=gen.outputs.parameters["items"],
    )
    end = Task("finish", PythonOPTemplate(finish), parameters={"values": process.outputs.parameters["y"]})
    dag = DAG("shapes")
    dag.add([gen, process, end])
    wf = Workflow("reproduce-bug", dag=dag)
    wf.submit()
    mine = ours(wf)
    argo = argo_fixture("running-dag-withparam-fanout-retries")["nodes"]
    assert edges(mine) == edges(argo)
    # The same kinds of names, ids and phases as Argo's: Retry item nodes, attempts, Omitted.
    assert {shape(n["name"].replace(wf.id, "W")) for n in mine.values() if n["type"] == "Pod"} == {
        shape(n["name"].replace("reproduce-bug-9tpfr", "W")) for n in argo.values() if n["type"] == "Pod"
    }
    failed = next(n for n in mine.values() if n["displayName"] == "process-tasks(3:3)")
    assert failed["type"] == "Retry" and failed["phase"] == "Failed"
    assert failed["message"] == "No more retries left"
    assert len(failed["children"]) == 3
    omitted = next(n for n in mine.values() if n["displayName"] == "finish")
    assert (omitted["type"], omitted["phase"]) == ("Skipped", "Omitted")
    assert omitted["message"] == "omitted: depends condition not met"
    for nid, node in mine.items():
        assert nid == node_id(wf.id, node["name"])


def test_steps_with_items_match_argo() -> None:
    """succeeded-steps-withitems-13: a StepGroup holding the expanded steps."""
    step = Step(
        "sleep", PythonOPTemplate(finish), parameters={"values": "[{{item}}]"}, with_param=list(range(13))
    )
    wf = Workflow("many-items")
    wf.add(step)
    wf.submit()
    mine = ours(wf)
    argo = json.loads((STATUS / "succeeded-steps-withitems-13.json").read_text())["status"]["nodes"]
    assert edges(mine) == edges(argo) == {("Steps", "StepGroup"), ("StepGroup", "Pod")}
    root = mine[wf.id]
    argo_root = next(n for n in argo.values() if n["type"] == "Steps")
    assert len(root["outboundNodes"]) == len(argo_root["outboundNodes"]) == 13
    assert {shape(n["displayName"]) for n in mine.values() if n["type"] == "Pod"} == {"sleep(I:V)"}


def test_steps_retry_matches_argo() -> None:
    """running-steps-retry: Steps -> StepGroup -> Retry -> Pod attempts."""

    @OP.function
    def fail(x: int) -> {"y": int}:  # type: ignore[valid-type]
        raise RuntimeError("always")

    wf = Workflow("failed-retries")
    wf.add(
        [
            Step("fail", PythonOPTemplate(fail, retry_on_failure=1), parameters={"x": 1}),
            Step("delayed-fail", PythonOPTemplate(fail, retry_on_failure=1), parameters={"x": 2}),
        ]
    )
    wf.submit()
    mine = ours(wf)
    argo = argo_fixture("running-steps-retry")["nodes"]
    assert edges(mine) == edges(argo)
    assert sorted(n["displayName"] for n in mine.values() if n["type"] == "Pod") == sorted(
        n["displayName"] for n in argo.values() if n["type"] == "Pod"
    )


def test_nested_dag_in_a_fanout_matches_argo() -> None:
    """succeeded-nested-dag-taskgroup: a TaskGroup of sub-DAG invocations."""

    @OP.function
    def echo(message: str) -> {"out": str}:  # type: ignore[valid-type]
        return {"out": message}

    inner = DAG("echo-group")
    inner.inputs.parameters["param"] = InputParameter()
    first = Task(
        "echo-param", PythonOPTemplate(echo), parameters={"message": inner.inputs.parameters["param"]}
    )
    second = Task("echo-bye", PythonOPTemplate(echo), parameters={"message": "bye"}, dependencies=[first])
    inner.add([first, second])
    outer = DAG("subdag-iterate")
    outer.add(Task("echo-group", inner, parameters={"param": "{{item}}"}, with_param=["foo", "bar", "baz"]))
    wf = Workflow("subdag-iterate", dag=outer)
    wf.submit()
    mine = ours(wf)
    argo = argo_fixture("succeeded-nested-dag-taskgroup")["nodes"]
    assert edges(mine) == edges(argo)
    bye = next(n for n in mine.values() if n["name"] == f"{wf.id}.echo-group(2:baz).echo-bye")
    assert bye["boundaryID"] == node_id(wf.id, f"{wf.id}.echo-group(2:baz)")
    argo_bye = next(
        n for n in argo.values() if n["name"] == "subdag-iterate-jrfch.echo-group(2:baz).echo-bye"
    )
    assert argo_bye["boundaryID"] == node_id("subdag-iterate-jrfch", "subdag-iterate-jrfch.echo-group(2:baz)")


def test_skipped_when_false_matches_argo() -> None:
    """running-dag-skipped-when-false: a task skipped by its condition is a Skipped node."""

    @OP.function
    def passes() -> {"ok": bool}:  # type: ignore[valid-type]
        return {"ok": True}

    a = Task("A", PythonOPTemplate(passes))
    b = Task("B", PythonOPTemplate(passes), when="%s == false" % a.outputs.parameters["ok"])
    c = Task("C", PythonOPTemplate(passes), dependencies=[a])
    dag = DAG("statis")
    dag.add([a, b, c])
    wf = Workflow("dag-primay-branch", dag=dag)
    wf.submit()
    mine = ours(wf)
    argo = argo_fixture("running-dag-skipped-when-false")["nodes"]
    assert edges(mine) == edges(argo)
    skipped = next(n for n in mine.values() if n["displayName"] == "B")
    argo_skipped = next(n for n in argo.values() if n["displayName"] == "B")
    assert (skipped["type"], skipped["phase"]) == (argo_skipped["type"], argo_skipped["phase"])
    assert re.fullmatch(r"when '.*' evaluated false", skipped["message"])
    assert re.fullmatch(r"when '.*' evaluated false", argo_skipped["message"])
