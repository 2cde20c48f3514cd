"""Graph building: groups, edges along ``children``, fan-out summaries, expansion, growth, plans."""

from __future__ import annotations

import json
from pathlib import Path

from dflow_jupyter import DAG, Step, Steps, Task, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.status.model import Node, WorkflowStatus, node_id
from dflow_jupyter.widget.graph import build_graph
from dflow_jupyter.widget.grow import grow
from dflow_jupyter.widget.plan import planned_status
from dflow_jupyter.widget.state import StateBook

# Real Argo status objects, beside the repository (as tests/status/test_model.py reads them).
ARGO = Path(__file__).resolve().parents[2].parent / "shared" / "argo" / "status"


def _argo(name: str) -> WorkflowStatus:
    path = ARGO / name
    assert path.is_file(), f"Argo status fixture missing: {path}"
    return WorkflowStatus.from_argo(json.loads(path.read_text()))


def _fanout(items: int, failed: tuple[int, ...] = (), wf: str = "fan") -> WorkflowStatus:
    """A DAG: gen -> TaskGroup of ``items`` items (some failed) -> done, shaped as Argo's."""
    status = WorkflowStatus(name=wf, phase="Running")

    def add(name: str, kind: str, phase: str = "Succeeded", parent: Node | None = None) -> Node:
        node = Node(id=node_id(wf, name), name=name, display_name=name.split(".", 1)[-1], type=kind)
        node.phase, node.boundary_id = phase, (None if name == wf else wf)  # type: ignore[assignment]
        status.nodes[node.id] = node
        if parent is not None:
            parent.children.append(node.id)
        return node

    root = add(wf, "DAG", "Running")
    gen = add(f"{wf}.gen", "Pod", parent=root)
    group = add(f"{wf}.sq", "TaskGroup", "Running", parent=gen)
    done = add(f"{wf}.done", "Pod", "Pending")
    for i in range(items):
        item = add(f"{wf}.sq({i}:{i})", "Pod", "Failed" if i in failed else "Succeeded", parent=group)
        item.children.append(done.id)
    return status


def _edges(graph: object) -> set[tuple[str, str]]:
    labels = {n["id"]: n["label"] for n in graph.nodes}  # type: ignore[attr-defined]
    return {(labels[a], labels[b]) for a, b in graph.edges}  # type: ignore[attr-defined]


def test_steps_tree_follows_children_as_argo_draws_it() -> None:
    status = _argo("succeeded-steps.json")
    graph = build_graph(status)
    assert [(n["label"], n["type"]) for n in graph.nodes] == [
        (status.name, "Steps"),
        ("[0]", "StepGroup"),
        ("hello1", "Pod"),
        ("hello2a", "Pod"),
        ("hello2b", "Pod"),
        ("[1]", "StepGroup"),
    ]
    assert _edges(graph) == {
        (status.name, "[0]"),
        ("[0]", "hello1"),
        ("hello1", "[1]"),
        ("[1]", "hello2a"),
        ("[1]", "hello2b"),
    }
    assert graph.groups == []  # the root is the canvas, not a box
    assert all(n["group"] is None for n in graph.nodes)


def test_nested_templates_are_groups_with_their_entry_node_inside() -> None:
    status = _argo("succeeded-nested-dag-taskgroup.json")
    graph = build_graph(status)
    dags = [n for n in graph.nodes if n["type"] == "DAG" and n["id"] != status.name]
    assert len(dags) == 3 and {g["id"] for g in graph.groups} == {d["id"] for d in dags}
    assert all(g["group"] is None and g["type"] == "DAG" for g in graph.groups)
    for dag in dags:
        assert dag["group"] == dag["id"]  # the entry node sits in its own box
        members = [n for n in graph.nodes if n["group"] == dag["id"] and n["id"] != dag["id"]]
        assert sorted(m["label"] for m in members) == ["echo-bye", "echo-param"]
    book = StateBook(graph, status)
    assert all(dict(book.counts[d["id"]]) == {"Succeeded": 2} for d in dags)


def test_a_wide_fanout_becomes_one_summary_node_with_counts() -> None:
    status = _fanout(30, failed=(4, 17))
    graph = build_graph(status)
    assert [(n["label"], n["type"]) for n in graph.nodes] == [
        ("fan", "DAG"),
        ("gen", "Pod"),
        ("sq", "Fanout"),
        ("done", "Pod"),
    ]
    summary = next(n for n in graph.nodes if n["type"] == "Fanout")
    assert summary["fanout"] == {"total": 30, "expanded": False}
    assert _edges(graph) == {("fan", "gen"), ("gen", "sq"), ("sq", "done")}
    state = StateBook(graph, status).full(status)[summary["id"]]
    assert state["counts"] == {"Succeeded": 28, "Failed": 2} and state["progress"] == "28/30"
    # At the threshold it stays drawn item by item.
    assert len(build_graph(_fanout(20)).nodes) == 4 + 20


def test_expanding_lists_failed_items_first_up_to_a_limit() -> None:
    status = _fanout(30, failed=(4, 17))
    group = node_id("fan", "fan.sq")
    graph = build_graph(status, expanded={group}, max_expanded=10)
    summary = next(n for n in graph.nodes if n["id"] == group)
    assert summary["type"] == "TaskGroup" and summary["fanout"] == {"total": 30, "expanded": True}
    labels = {n["id"]: n["label"] for n in graph.nodes}
    items = [labels[b] for a, b in graph.edges if a == group]
    assert items[:-1] == ["sq(4:4)", "sq(17:17)"] + [f"sq({i}:{i})" for i in (0, 1, 2, 3, 5, 6, 7, 8)]
    assert items[-1] == "done"  # from the items not drawn, which the fan-out node stands for
    drawn = [n["label"] for n in graph.nodes if n["label"].startswith("sq(")]
    assert drawn[:2] == ["sq(4:4)", "sq(17:17)"]
    assert len(graph.hidden) == 20
    assert StateBook(graph, status).full(status)[group]["counts"] == {"Succeeded": 28, "Failed": 2}


def test_a_collapsed_fanout_hides_what_its_items_own() -> None:
    status = _argo("running-dag-withparam-fanout-retries.json")
    graph = build_graph(status, threshold=3)
    assert sorted(n["type"] for n in graph.nodes) == ["DAG", "Fanout", "Pod", "Retry", "Skipped"]
    fan = next(n for n in graph.nodes if n["type"] == "Fanout")
    book = StateBook(graph, status)
    # Retried items count once, by their own phase; attempts are hidden with them.
    assert sum(book.counts[fan["id"]].values()) == fan["fanout"]["total"] == 10
    assert ("process-tasks", "finish") in _edges(graph)


def test_new_items_of_a_collapsed_fanout_grow_the_graph_without_a_rebuild() -> None:
    status = _fanout(25)
    graph = build_graph(status)
    book = StateBook(graph, status)
    group = status.nodes[node_id("fan", "fan.sq")]
    new = []
    for i in range(25, 40):
        item = Node(
            id=node_id("fan", f"fan.sq({i}:{i})"),
            name=f"fan.sq({i}:{i})",
            display_name=f"sq({i}:{i})",
            type="Pod",
        )
        item.boundary_id, item.phase = "fan", "Running"
        status.nodes[item.id] = item
        group.children.append(item.id)
        new.append(item.id)
    assert graph.changed_structure(status, new)
    growth = grow(graph, status, new)
    assert growth is not None and growth.totals
    touched = book.grow(growth, status)
    assert touched == {group.id}
    assert book.state(group)["counts"] == {"Succeeded": 25, "Running": 15}
    assert next(n for n in graph.nodes if n["id"] == group.id)["fanout"]["total"] == 40
    assert not graph.changed_structure(status, new)
    # A node to draw (not inside the fan-out) needs a rebuild.
    other = Node(id=node_id("fan", "fan.other"), name="fan.other", display_name="other", type="Pod")
    other.boundary_id = "fan"
    status.nodes[other.id] = other
    assert grow(graph, status, [other.id]) is None


@OP.function
def inc(x: int) -> int:
    return x + 1


def test_planned_structure_of_steps_and_dags() -> None:
    inner = DAG("inner")
    a = Task("a", PythonOPTemplate(inc), parameters={"x": 1})
    b = Task("b", PythonOPTemplate(inc), parameters={"x": a.outputs.parameters["dflow_output"]})
    c = Task("c", PythonOPTemplate(inc), parameters={"x": 2}, dependencies=[a])
    inner.add([a, b, c])
    wf = Workflow("plan")
    wf.add(Step("first", PythonOPTemplate(inc), parameters={"x": 0}))
    wf.add(
        [
            Step("nested", inner),
            Step("fan", PythonOPTemplate(inc), parameters={"x": "{{item}}"}, with_param=[1, 2]),
        ]
    )
    graph = build_graph(planned_status(wf))
    labels = {n["id"]: n["label"] for n in graph.nodes}
    types = {n["label"]: n["type"] for n in graph.nodes}
    assert types == {
        "plan": "Steps",
        "[0]": "StepGroup",
        "first": "Planned",
        "[1]": "StepGroup",
        "nested": "DAG",
        "a": "Planned",
        "b": "Planned",
        "c": "Planned",
        "fan (fan-out)": "Planned",
    }
    assert _edges(graph) == {
        ("plan", "[0]"),
        ("[0]", "first"),
        ("first", "[1]"),
        ("[1]", "nested"),
        ("[1]", "fan (fan-out)"),
        ("nested", "a"),
        ("a", "b"),
        ("a", "c"),
    }
    [group] = graph.groups
    assert labels[group["id"]] == "nested"
    assert {labels[n["id"]] for n in graph.nodes if n["group"] == group["id"]} == {"nested", "a", "b", "c"}
    state = StateBook(graph, planned_status(wf))
    assert dict(state.step_counts) == {"Pending": 5}


def test_recursive_steps_are_drawn_once() -> None:
    body = Steps("loop")
    body.add(Step("work", PythonOPTemplate(inc), parameters={"x": 1}))
    body.add(Step("again", body, when="false"))
    wf = Workflow("recursion")
    wf.add(Step("start", body))
    labels = [n["label"] for n in build_graph(planned_status(wf)).nodes]
    assert labels.count("again (recursive)") == 1 and labels.count("work") == 1


@OP.function
def square(x: int) -> int:
    return x * x


def _siblings_run(items: int) -> WorkflowStatus:
    """A real run: ``square`` over ``items`` items beside ``left`` and ``right``, then ``after``."""
    wf = Workflow("siblings")
    wf.add(
        [
            Step(
                "square",
                PythonOPTemplate(square),
                parameters={"x": "{{item}}"},
                with_param=list(range(items)),
            ),
            Step("left", PythonOPTemplate(inc), parameters={"x": 1}),
            Step("right", PythonOPTemplate(inc), parameters={"x": 2}),
        ]
    )
    wf.add(Step("after", PythonOPTemplate(inc), parameters={"x": 3}))
    wf.submit()
    assert wf.id is not None
    return wf.backend.status(wf.id)  # type: ignore[no-any-return]


def test_a_wide_step_among_parallel_siblings_is_summarized_alone() -> None:
    status = _siblings_run(30)
    graph = build_graph(status, threshold=20)
    types = {n["label"]: n["type"] for n in graph.nodes}
    assert types == {
        status.name: "Steps",
        "[0]": "StepGroup",
        "square": "Fanout",
        "left": "Pod",
        "right": "Pod",
        "[1]": "StepGroup",
        "after": "Pod",
    }
    assert _edges(graph) == {
        (status.name, "[0]"),
        ("[0]", "square"),
        ("[0]", "left"),
        ("[0]", "right"),
        ("square", "[1]"),
        ("left", "[1]"),
        ("right", "[1]"),
        ("[1]", "after"),
    }
    fan = next(n for n in graph.nodes if n["label"] == "square")
    assert fan["fanout"] == {"total": 30, "expanded": False}
    assert fan["id"] not in status.nodes  # made up: the step's items have no node of their own
    state = StateBook(graph, status).full(status)
    assert state[fan["id"]]["phase"] == "Succeeded"
    assert state[fan["id"]]["counts"] == {"Succeeded": 30}
    assert state[fan["id"]]["progress"] == "30/30"
    assert {state[n["id"]]["phase"] for n in graph.nodes} == {"Succeeded"}


def test_an_expanded_step_fanout_among_siblings_draws_its_items_under_it() -> None:
    status = _siblings_run(25)
    fan = next(n["id"] for n in build_graph(status).nodes if n["label"] == "square")
    graph = build_graph(status, expanded={fan}, max_expanded=5)
    shown = [n for n in graph.nodes if n["label"].startswith("square(")]
    assert len(shown) == 5
    edges = _edges(graph)
    assert ("[0]", "square") in edges and ("[0]", "left") in edges
    assert {("square", n["label"]) for n in shown} <= edges
    assert not any(a == "[0]" and b.startswith("square(") for a, b in edges)
    assert next(n for n in graph.nodes if n["id"] == fan)["fanout"] == {"total": 25, "expanded": True}


def test_a_steps_fanout_alone_in_its_group_stays_the_group_node() -> None:
    wf = Workflow("alone")
    wf.add(Step("square", PythonOPTemplate(square), parameters={"x": "{{item}}"}, with_param=list(range(25))))
    wf.submit()
    assert wf.id is not None
    status = wf.backend.status(wf.id)
    graph = build_graph(status)
    assert not graph.virtual
    [fan] = [n for n in graph.nodes if n["type"] == "Fanout"]
    assert status.nodes[fan["id"]].type == "StepGroup" and fan["label"] == "square"
