"""The widget's protocol through its comm: initial state, hello, live deltas, throttling, fan-outs."""

from __future__ import annotations

import re
import time
from typing import Any, List

import pytest
from widget_helpers import ViewModel, customs, request, sent_state, settle, states_seen, updates

from dflow_jupyter import Step, Workflow, config
from dflow_jupyter._context import pop, push
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def nap(x: int, seconds: float) -> int:
    print(f"napping {x}", flush=True)
    time.sleep(seconds)
    return x + 1


@OP.function
def items(n: int) -> list:
    return list(range(n))


@OP.function
def square(x: int) -> int:
    if x == 7:
        raise ValueError("seven is unlucky")
    return x * x


@OP.function
def total(xs: List[int]) -> int:  # an aggregate of int outputs: Argo sends their strings
    return sum(xs)


def _chain(name: str, seconds: float, steps: int = 3) -> Workflow:
    wf = Workflow(name)
    for i in range(steps):
        wf.add(Step(f"nap{i}", PythonOPTemplate(nap), parameters={"x": i, "seconds": seconds}))
    return wf


def _fanout(n: int) -> Workflow:
    wf = Workflow("fan")
    push(wf)
    try:
        squares = square.use(with_param=items(n=n), continue_on_failed=True)(x="{{item}}")
        total(xs=squares)
    finally:
        pop(wf)
    return wf


def _pods(widget: Any) -> dict[str, str]:
    return {n["id"]: n["label"] for n in widget.graph["nodes"] if n["type"] == "Pod"}


def test_initial_state_of_a_planned_workflow() -> None:
    wf = _chain("planned", 0.0)
    widget = wf.widget()
    assert wf.widget() is widget  # one widget per workflow
    opened = widget.comm.messages[0]
    assert opened["msg_type"] == "comm_open"
    state = sent_state(opened)
    # The bundle shipped in the package (no CDN): an ES module whose default export is the widget.
    assert re.search(r"export\s*\{[^}]*\bas default\b|export default", state["_esm"])
    assert ".dflow-widget" in state["_esm"] and not state.get("_css")  # the module adds its styles once
    assert not re.search(r"""(import|from)\s*\(?\s*["']https?://""", state["_esm"])  # nothing fetched
    assert state["workflow_name"] == "planned" and state["workflow_id"] == ""
    graph = state["graph"]
    assert graph["rev"] == 1 and set(graph) == {"rev", "nodes", "groups", "edges", "layout", "states"}
    assert opened["data"]["buffer_paths"] == [["graph"]]  # one binary buffer of JSON
    assert graph["layout"]["engine"] in ("dot", "layered") and len(graph["layout"]["nodes"]) == 5 * len(
        graph["nodes"]
    )
    assert {s["phase"] for s in graph["states"].values()} == {"Pending"}  # drawn with its states
    assert [n["type"] for n in graph["nodes"]].count("Planned") == 3
    assert state["summary"]["phase"] == "Pending" and state["summary"]["counts"] == {"Pending": 3}
    assert state["summary"]["progress"] == "0/3"
    [answer] = request(widget, {"kind": "hello"})
    assert answer["kind"] == "state" and answer["rev"] == graph["rev"]
    assert set(answer["nodes"]) == {n["id"] for n in graph["nodes"]}
    assert {s["phase"] for s in answer["nodes"].values()} == {"Pending"}
    assert set(next(iter(answer["nodes"].values()))) == {
        "phase",
        "progress",
        "started_at",
        "finished_at",
        "message",
        "counts",
    }


def test_a_detached_run_is_followed_live() -> None:
    config["detach"] = True
    wf = _chain("live", 0.4)
    widget = wf.widget()
    wf.submit()
    assert widget.workflow_id == wf.id and widget.following
    wf.wait()
    settle(widget)
    status = wf.backend.status(wf.id)
    pods = _pods(widget)
    assert sorted(pods.values()) == ["nap0", "nap1", "nap2"]
    drawn = {n["id"] for n in widget.graph["nodes"]}
    deltas = states_seen(widget)
    assert all(set(d["nodes"]) <= drawn for d in deltas[-1:])
    # The structure grew in deltas: new nodes, edges and boxes, never the whole graph again.
    grows = customs(widget, "grow")
    assert grows and all(g["base"] < g["rev"] for g in grows)
    view = ViewModel().follow(widget)
    view.matches(widget.graph)  # what a view built from the messages is what Python holds
    assert view.skipped == 0
    for pod in pods:
        running = [d["_time"] for d in deltas if d["nodes"].get(pod, {}).get("phase") == "Running"]
        # Seen running before it finished (the recording comm stamps wall-clock time).
        assert running and min(running) < status.nodes[pod].finished_at
    assert widget.summary["phase"] == "Succeeded"
    assert widget.summary["counts"] == {"Succeeded": 3} and widget.summary["progress"] == "3/3"
    [answer] = request(widget, {"kind": "hello"})
    assert {answer["nodes"][p]["phase"] for p in pods} == {"Succeeded"}
    assert not widget.following


def test_the_running_step_shows_while_an_in_process_run_blocks_the_thread() -> None:
    wf = _chain("blocking", 0.6, steps=2)
    widget = wf.widget()
    wf.submit()  # runs here, in this thread, until the end
    settle(widget)
    status = wf.backend.status(wf.id)
    messages = states_seen(widget)
    for pod in _pods(widget):
        running = [m["_time"] for m in messages if m["nodes"].get(pod, {}).get("phase") == "Running"]
        assert running and min(running) < status.nodes[pod].finished_at


def test_a_selected_running_step_streams_its_log() -> None:
    config["detach"] = True
    wf = _chain("logs", 0.8, steps=1)
    widget = wf.widget()
    wf.submit()
    deadline = time.monotonic() + 10
    while not _pods(widget) and time.monotonic() < deadline:
        time.sleep(0.02)
    [pod] = _pods(widget)
    widget.selected = pod
    wf.wait()
    settle(widget)
    logs = customs(widget, "log")
    assert logs and logs[0]["reset"] and all(m["id"] == pod for m in logs)
    assert "napping 0" in "".join(m["text"] for m in logs)


def test_fanout_summary_expand_and_collapse() -> None:
    wf = _fanout(30)
    widget = wf.widget()
    wf.submit()
    settle(widget)
    [fan] = [n for n in widget.graph["nodes"] if n["type"] == "Fanout"]
    assert fan["fanout"] == {"total": 30, "expanded": False} and fan["label"].startswith("square-")
    [state] = [m for m in request(widget, {"kind": "hello"}) if m["kind"] == "state"]
    assert state["nodes"][fan["id"]]["counts"] == {"Succeeded": 29, "Failed": 1}
    rev = widget.graph["rev"]
    sent = len(widget.comm.messages)
    request(widget, {"kind": "expand", "id": fan["id"]})
    assert widget.graph["rev"] > rev
    expanded = widget.graph["nodes"]
    items = [n for n in expanded if n["label"].startswith(fan["label"] + "(")]
    assert len(items) == 30 and items[0]["label"].endswith("(7:7)")  # failed first
    # The items went out with their states: as a whole graph, or as a grow and a delta.
    after = widget.comm.messages[sent:]
    [state] = [s["nodes"] for s in states_seen(widget) if s["_time"] >= after[0]["time"]][-1:]
    assert state[items[0]["id"]]["phase"] == "Failed"
    # Laid out as a grid, failed first: the items are packed in rows.
    layout = widget.graph["layout"]
    index = {n["id"]: i for i, n in enumerate(expanded)}
    assert {layout["nodes"][5 * index[n["id"]] + 4] for n in items} != {0}
    request(widget, {"kind": "collapse", "id": fan["id"]})
    assert [n["type"] for n in widget.graph["nodes"]].count("Fanout") == 1
    assert updates(widget)[-1]["graph"]["rev"] == widget.graph["rev"]  # a removal: the whole graph


@pytest.mark.slow
def test_a_10000_item_fanout_is_throttled() -> None:
    wf = _fanout(10_000)
    widget = wf.widget()
    start = time.monotonic()
    wf.submit()
    settle(widget, timeout=60)
    elapsed = time.monotonic() - start
    deltas, traits = customs(widget, "delta"), updates(widget)
    bound = elapsed * 10 + 10
    assert len(deltas) <= bound and len(traits) <= bound, (len(deltas), len(traits), elapsed)
    [fan] = [n for n in widget.graph["nodes"] if n["type"] == "Fanout"]
    assert fan["fanout"]["total"] == 10_000
    [state] = request(widget, {"kind": "hello"})
    assert state["nodes"][fan["id"]]["counts"] == {"Succeeded": 9_999, "Failed": 1}
    assert widget.summary["counts"] == {"Succeeded": 10_001, "Failed": 1}
    assert len(widget.graph["nodes"]) == 4


def test_following_a_restart_waits_for_the_new_run_to_start() -> None:
    wf = _chain("again", 0.0, steps=1)
    widget = wf.widget()
    wf.submit()
    settle(widget)
    widget.follow(str(wf.id))  # as a restart does, before its run has started
    time.sleep(0.4)  # flushes meanwhile see the previous run's end in the record
    assert widget.following
    widget.flush()  # the caller says the run is over
    assert not widget.following


def test_a_view_that_holds_another_graph_gets_the_whole_graph_again() -> None:
    config["detach"] = True
    wf = _chain("resync", 0.1)
    widget = wf.widget()
    first = widget.graph["rev"]
    # A view of the graph as it was sent, nothing changed since: its trait says it all.
    assert request(widget, {"kind": "hello", "rev": first}) == []
    wf.submit()
    wf.wait()
    settle(widget)
    rev = widget.graph["rev"]
    assert rev > first
    # Of the current graph, but states moved on since the trait was sent: the states.
    [state] = request(widget, {"kind": "hello", "rev": rev})
    assert state["kind"] == "state" and state["rev"] == rev
    # A view made from an older graph (it missed the deltas) gets the graph, states included.
    sent = len(widget.comm.messages)
    assert request(widget, {"kind": "hello", "rev": first}) == []
    [update] = updates(widget)[-1:]
    assert widget.comm.messages[sent:] and update["graph"]["rev"] == widget.graph["rev"] > rev
    assert set(update["graph"]["states"]) == {n["id"] for n in update["graph"]["nodes"]}
    assert {s["phase"] for s in update["graph"]["states"].values()} >= {"Succeeded"}
