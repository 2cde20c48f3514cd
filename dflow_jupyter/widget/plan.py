"""The planned structure of a workflow not yet submitted, as a status tree of ``Planned`` nodes.

It has the shape Argo's status tree will have (``Steps`` -> ``StepGroup`` -> steps, linked to the
next group; ``DAG`` -> tasks -> their dependents; nested templates as ``Steps``/``DAG`` nodes),
so the graph builder, the layout and the snapshot draw it with no special case. The model is
read by duck typing (``steps``, ``tasks``, ``template``, ``references()``, ``dependencies``):
the model package imports this one, not the other way round.
"""

from __future__ import annotations

from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus

__all__ = ["planned_status"]

_NESTED = ("Steps", "DAG")


def _fans_out(step: Any) -> bool:
    return any(getattr(step, attr, None) is not None for attr in ("with_param", "with_sequence", "slices"))


class _Planner:
    def __init__(self, status: WorkflowStatus) -> None:
        self.status = status
        self.active: list[int] = []  # ids of the templates being expanded (recursion stops there)

    def add(self, nid: str, display: str, kind: str, boundary: str | None, template: Any) -> Node:
        node = Node(id=nid, name=nid, display_name=display, type=kind, boundary_id=boundary)
        node.template_name = getattr(template, "name", None)
        self.status.nodes[nid] = node
        return node

    def outbound(self, node: Node) -> list[Node]:
        if node.type in _NESTED and node.outbound_nodes:
            return [self.status.nodes[o] for o in node.outbound_nodes]
        return [node]

    def step(self, step: Any, nid: str, boundary: str) -> Node:
        template = step.template
        kind = getattr(template, "kind", None)
        name = str(step.name)
        if kind in _NESTED and id(template) not in self.active:
            node = self.add(nid, name, kind, boundary, template)
            self.expand(template, node)
            return node
        label = name + (" (fan-out)" if _fans_out(step) else "")
        if kind in _NESTED:
            label = name + " (recursive)"
        node = self.add(nid, label, "Planned", boundary, template)
        node.key = getattr(step, "key", None) if isinstance(getattr(step, "key", None), str) else None
        return node

    def expand(self, template: Any, node: Node) -> None:
        self.active.append(id(template))
        try:
            if getattr(template, "kind", None) == "Steps":
                self._steps(template, node)
            else:
                self._dag(template, node)
        finally:
            self.active.pop()

    def _steps(self, template: Any, node: Node) -> None:
        previous: list[Node] = [node]
        for index, group in enumerate(getattr(template, "steps", [])):
            gid = f"{node.id}[{index}]"
            junction = self.add(gid, f"[{index}]", "StepGroup", node.id, None)
            for before in previous:
                before.children.append(gid)
            outbound: list[Node] = []
            for step in group:
                child = self.step(step, f"{gid}.{step.name}", node.id)
                junction.children.append(child.id)
                outbound.extend(self.outbound(child))
            previous = outbound
        node.outbound_nodes = [n.id for n in previous if n is not node]

    def _dag(self, template: Any, node: Node) -> None:
        tasks = list(getattr(template, "tasks", []))
        made = {task.name: self.step(task, f"{node.id}.{task.name}", node.id) for task in tasks}
        has_dependents: set[str] = set()
        for task in tasks:
            after = {ref.name for ref in task.references() if ref is not task and ref.name in made}
            after.update(d if isinstance(d, str) else d.name for d in getattr(task, "dependencies", []))
            after &= set(made)
            if not after:
                node.children.append(made[task.name].id)
            for name in sorted(after):
                has_dependents.add(name)
                for out in self.outbound(made[name]):
                    out.children.append(made[task.name].id)
        ends = [made[t.name] for t in tasks if t.name not in has_dependents]
        node.outbound_nodes = [o.id for end in ends for o in self.outbound(end)]


def planned_status(workflow: Any) -> WorkflowStatus:
    """A ``Pending`` status tree of ``workflow``'s planned steps (empty without an entrypoint)."""
    status = WorkflowStatus(name=str(workflow.name), phase="Pending")
    entry = getattr(workflow, "entrypoint", None)
    if entry is None:
        return status
    planner = _Planner(status)
    root = planner.add(status.name, status.name, str(getattr(entry, "kind", "Steps")), None, entry)
    planner.expand(entry, root)
    return status
