"""The widget follows an Argo run in a real JupyterLab, under ipykernel 7 and 6: the FAKE Argo Server.

No Argo can run here, so the notebook's kernel talks to the FAKE Argo Server of
``tests/argo_runtime`` (started in this test process, on 127.0.0.1) with ``config["mode"] =
"default"``: the real compiler, client, poller (on the kernel's event loop) and widget. Each
workflow of the notebook replays one of Argo's real status objects (``CASES``) as its states one
after another: Running, then Failed or Succeeded, with Retry, TaskGroup, Omitted and Skipped
nodes. The test steps the fake through those states itself, holding each until the DOM shows it
(the workflow's ``data-phase`` and every node's): no clock is involved.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from argo_runtime.fake_argo import FakeArgoServer
from argo_runtime.fake_state import FakeWorkflow
from argo_runtime.timeline import load, rename, timeline

from browser.dagview import DagWidget, View
from browser.kernels import KERNEL_IDS, KERNELS, Kernel
from browser.page import NotebookPage, OpenNotebook

#: The replayed runs: Argo's real status objects, each followed by a widget of its own.
CASES = {
    # Steps: a pod fails, the workflow fails with the pod's message.
    "steps-failed": "failed-steps-pod-message.json",
    # A DAG fanned out with withParam, failed attempts retried, then Succeeded.
    "dag-retries": "succeeded-dag-withparam-retry-outputs.json",
    # A DAG fan-out whose retries ran out: Failed attempts and an Omitted task (still Running).
    "dag-omitted": "running-dag-withparam-fanout-retries.json",
    # A failed pod, then the exit handler: its `celebrate` step Skipped.
    "exit-handler": "failed-exit-handler-skipped.json",
}

SETUP = """
import sys

import ipykernel

from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.python import PythonOPTemplate

%load_ext dflow_jupyter
# The FAKE Argo Server the test started (its URL and its token are the test's own).
config.update(mode="default", host={url!r}, token={token!r}, namespace="argo", poll_interval=0.05, detach=True)
print("ipykernel", ipykernel.__version__, "python", sys.version.split()[0])
"""
# The OP ships to Argo as this cell's own text (the real compiler makes the manifest).
OP_CELL = """
%%dflow_op --image python:3.11
def shout(msg: str) -> {"loud": str}:
    return {"loud": msg.upper()}
"""
WIDGET = """
wf_{i} = Workflow("{case}")
wf_{i}.add(Step("shout", PythonOPTemplate(shout, image="python:3.11"), parameters={{"msg": "hello"}}))
wf_{i}.widget()
"""
SUBMIT = """
wf_{i}.submit();
print("submitted", wf_{i}.id)
"""


def cells(fake: FakeArgoServer, cases: list[str]) -> list[str]:
    """The notebook: set-up, the OP, then a widget cell and a submitting cell per case."""
    out = [SETUP.format(url=fake.url, token=fake.token), OP_CELL]
    for i, case in enumerate(cases):
        out += [WIDGET.format(i=i, case=case), SUBMIT.format(i=i)]
    return out


def _pending(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` before the controller saw it: no status (the fake holds a created run there)."""
    held = copy.deepcopy(obj)
    held["status"] = {}
    return held


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeArgoServer]:
    # Every created run is held before its first state; the tests play the states of a case.
    with FakeArgoServer(frame_interval=0.05, fixture=_pending(load(CASES["steps-failed"]))) as server:
        yield server


@dataclass
class Run:
    """A notebook under one kernel, its widgets, and the workflow each submitted to the fake."""

    kernel: Kernel
    notebook: NotebookPage
    cases: list[str]
    workflows: dict[str, FakeWorkflow]

    def widget(self, case: str) -> DagWidget:
        return DagWidget(self.notebook, widget_cell(self.cases, case))


def widget_cell(cases: list[str], case: str) -> int:
    return 2 + 2 * cases.index(case)


def start_run(
    open_notebook: OpenNotebook, fake: FakeArgoServer, kernel: Kernel, name: str, cases: list[str]
) -> Run:
    """Open a notebook of ``cases`` under ``kernel``, run it all, find the workflows it submitted."""
    notebook = open_notebook(f"{name}-{kernel.id}.ipynb", cells(fake, cases), kernel)
    try:
        notebook.run_all()

        def submitted(case: str) -> FakeWorkflow | None:
            cell = widget_cell(cases, case) + 1
            if (error := notebook.cell_error(cell)) is not None:
                raise AssertionError(f"the cell submitting {case} raised:\n{error[-3000:]}")
            found = re.search(r"submitted (\S+)", notebook.output_text(cell))
            return fake.workflows.get(found.group(1)) if found else None

        workflows = {case: notebook.until(lambda c=case: submitted(c), timeout=120) for case in cases}
    except BaseException:
        notebook.close()
        raise
    return Run(kernel, notebook, cases, workflows)


@pytest.fixture(scope="module", params=KERNELS, ids=KERNEL_IDS)
def run(request: Any, open_notebook: OpenNotebook, fake: FakeArgoServer) -> Iterator[Run]:
    started = start_run(
        open_notebook, fake, request.param, "argo-widget", [c for c in CASES if c != "exit-handler"]
    )
    try:
        yield started
    finally:
        started.notebook.close()


@pytest.fixture(scope="module", params=KERNELS, ids=KERNEL_IDS)
def exit_run(request: Any, open_notebook: OpenNotebook, fake: FakeArgoServer) -> Iterator[Run]:
    """The exit-handler case in a page of its own (it found a widget bug that threw in the page)."""
    started = start_run(open_notebook, fake, request.param, "argo-exit-handler", ["exit-handler"])
    try:
        yield started
    finally:
        started.notebook.close()


def _shows(view: View, obj: dict[str, Any]) -> bool:
    """Whether the widget draws ``obj``: its workflow phase, and every node in its phase."""
    status = obj.get("status") or {}
    drawn = {node.id: node.phase for node in view.nodes}
    nodes = (status.get("nodes") or {}).items()
    return view.phase == status.get("phase") and all(drawn.get(nid) == raw["phase"] for nid, raw in nodes)


def replay(run: Run, case: str) -> list[View]:
    """Play the states of ``case`` one by one, each held until the widget draws it; the views."""
    workflow, widget = run.workflows[case], run.widget(case)
    states = timeline(rename(load(CASES[case]), workflow.name))
    views = []
    # The first state is the run before the controller saw it (no phase, no nodes): skipped.
    for number, state in enumerate(states[1:], start=1):
        workflow.play([state])  # held until the next play: the test sets the pace, not a clock
        view = widget.wait_for(f"{case} state {number} of {len(states) - 1}", lambda v, s=state: _shows(v, s))
        widget.screenshot(f"{case}-state-{number}")
        views.append(view)
    # The kernel was free meanwhile: the poller runs on its event loop between cells.
    assert all(v.kernel_idle for v in views), [v.kernel_idle for v in views]
    return views


def test_the_kernel_is_the_one_asked_for(run: Run) -> None:
    text = run.notebook.until(lambda: run.notebook.output_text(0), timeout=60)
    assert f"ipykernel {run.kernel.ipykernel_major}." in text


def test_a_failing_steps_run(run: Run) -> None:
    views = replay(run, "steps-failed")
    assert [v.phase for v in views] == ["Running", "Running", "Running", "Failed"]
    final = views[-1]
    assert sorted(n.phase for n in final.nodes if n.type == "Pod") == ["Failed", "Succeeded"]


def test_a_dag_fanout_with_retries(run: Run) -> None:
    views = replay(run, "dag-retries")
    assert views[0].phase == "Running" and views[-1].phase == "Succeeded"
    final = views[-1]
    assert {n.type for n in final.nodes} >= {"DAG", "TaskGroup", "Retry", "Pod"}
    # A failed attempt stays Failed under its Retry node, which Succeeded.
    assert "Failed" in {n.phase for n in final.nodes if n.type == "Pod"}
    assert {n.phase for n in final.nodes if n.type == "Retry"} == {"Succeeded"}


def test_omitted_and_failed_attempts(run: Run) -> None:
    views = replay(run, "dag-omitted")
    final = views[-1]
    assert final.phase == "Running"  # Argo's object ends Running (its test edited it so)
    assert [n.type for n in final.nodes if n.phase == "Omitted"] == ["Skipped"]
    assert any(n.phase == "Failed" and n.type == "Pod" for n in final.nodes)


def test_an_exit_handler_with_a_skipped_step(exit_run: Run) -> None:
    # The onExit Steps node is its group's entry (same id): this drew no node at all before
    # js/src/graph.js indexGraph kept the group's parent.
    views = replay(exit_run, "exit-handler")
    final = views[-1]
    assert final.phase == "Failed"
    assert final.node("celebrate").phase == "Skipped" and final.node("celebrate").type == "Skipped"
    assert final.node("cry").phase == "Succeeded"
    assert exit_run.notebook.page_errors == [] and exit_run.notebook.console_errors == []


def test_the_requests_came_from_the_kernel(run: Run, fake: FakeArgoServer) -> None:
    for case, workflow in run.workflows.items():
        created = [
            r
            for r in fake.calls("POST", "/workflows/argo")
            if r.body["workflow"]["metadata"]["name"] == workflow.name
        ]
        assert len(created) == 1, case
        templates = {t["name"] for t in created[0].body["workflow"]["spec"]["templates"]}
        assert "shout" in templates, templates  # the real compiler's manifest
    # The pollers followed watch streams, not only gets.
    watched = {r.query.get("listOptions.fieldSelector") for r in fake.calls("GET", "/workflow-events/argo")}
    assert {f"metadata.name={wf.name}" for wf in run.workflows.values()} <= watched


def test_no_script_error_in_the_page(run: Run) -> None:
    assert run.notebook.page_errors == []
    assert run.notebook.console_errors == []
