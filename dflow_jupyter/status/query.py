"""dflow's query objects (``ArgoWorkflow``, ``ArgoStep``) as read-only views of the status model."""

from __future__ import annotations

import copy
import re
from collections import UserDict
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.wire import declared_type_name, decode_artifact, decode_parameter


class ArgoObjectDict(UserDict):  # type: ignore[type-arg]
    """A dict whose keys are also attributes, recursively (dflow's ``ArgoObjectDict``)."""

    def __init__(self, data: Any = None) -> None:
        super().__init__()
        for key, value in (data or {}).items():
            self.data[key] = _wrap(value)

    def __getattr__(self, key: str) -> Any:
        if key == "data":
            raise AttributeError(key)
        try:
            return self.data[key]
        except KeyError:
            raise AttributeError(key) from None

    def __setattr__(self, key: str, value: Any) -> None:
        if key == "data":
            super().__setattr__(key, value)
        else:
            self.data[key] = value


def _wrap(value: Any) -> Any:
    if isinstance(value, dict) and not isinstance(value, ArgoObjectDict):
        return ArgoObjectDict(value)
    if isinstance(value, list):
        return [_wrap(v) for v in value]
    return value


class ArgoParameter(ArgoObjectDict):
    """An input or output parameter: ``.value`` is the plain Python value of the declared type.

    The value is kept as it is (a ``dict`` stays a ``dict``), as dflow's decoded values are;
    only the parameter's own fields get attribute access.
    """

    def __init__(self, data: Any = None) -> None:
        fields = dict(data or {})
        has_value = "value" in fields
        value = fields.pop("value", None)
        super().__init__(fields)
        if has_value:
            self.data["value"] = value


class ArgoStep(ArgoObjectDict):
    """One node of a workflow, as dflow's ``query_step`` returns it."""

    def __init__(self, node: Node, workflow: str) -> None:
        data = node.to_argo()
        data["workflow"] = workflow
        data["key"] = node.key
        data["progress"] = node.progress
        super().__init__(data)
        self.node = node
        for side in ("inputs", "outputs"):
            raw = data.get(side) or {}
            params = {
                p["name"]: ArgoParameter({**p, "value": decode_parameter(p), "type": declared_type_name(p)})
                for p in raw.get("parameters") or []
                if p.get("name") != "dflow_key" or side == "inputs"
            }
            arts = {a["name"]: decode_artifact(a) for a in raw.get("artifacts") or []}
            view = ArgoObjectDict({k: v for k, v in raw.items() if k not in ("parameters", "artifacts")})
            view.data["parameters"] = params
            view.data["artifacts"] = arts
            self.data[side] = view

    def get_duration(self) -> float | None:
        return self.node.duration()

    def modify_output_parameter(self, name: str, value: Any) -> None:
        """Change an output parameter before passing this step to ``submit(reuse_step=...)``."""
        params = self.outputs.parameters
        if name in params:
            params[name].data["value"] = value
        else:
            params[name] = ArgoParameter({"name": name, "value": value})

    def modify_output_artifact(self, name: str, artifact: Any) -> None:
        """Replace an output artifact before passing this step to ``submit(reuse_step=...)``."""
        self.outputs.artifacts[name] = artifact

    def reuse_outputs(self) -> tuple[dict[str, Any], dict[str, Any]]:
        params = {k: v.value for k, v in self.outputs.parameters.items()}
        arts = dict(self.outputs.artifacts)
        return params, arts

    def __deepcopy__(self, memo: dict[int, Any]) -> ArgoStep:
        clone = ArgoStep.__new__(ArgoStep)
        clone.data = copy.deepcopy(self.data, memo)
        object.__setattr__(clone, "node", self.node)
        return clone

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("data", "node"):
            object.__setattr__(self, key, value)
        else:
            self.data[key] = value

    def __repr__(self) -> str:
        return (
            f"ArgoStep({self.get('displayName')!r}, type={self.get('type')!r}, phase={self.get('phase')!r})"
        )


class ArgoWorkflow(ArgoObjectDict):
    """A workflow's status as dflow's ``Workflow.query()`` returns it."""

    def __init__(self, status: WorkflowStatus) -> None:
        super().__init__(status.to_argo())
        self.data["id"] = status.name
        object.__setattr__(self, "_status", status)

    def __setattr__(self, key: str, value: Any) -> None:
        if key in ("data", "_status"):
            object.__setattr__(self, key, value)
        else:
            self.data[key] = value

    def get_step(
        self,
        name: str | list[str] | None = None,
        key: str | list[str] | None = None,
        phase: str | list[str] | None = None,
        id: str | list[str] | None = None,
        type: str | list[str] | None = None,
        parent_id: str | None = None,
        sort_by_generation: bool = False,
    ) -> list[ArgoStep]:
        return select_steps(self._status, name, key, phase, id, type, parent_id, sort_by_generation)

    def get_duration(self) -> float | None:
        status: WorkflowStatus = self._status
        if status.started_at is None:
            return None
        import time

        return (status.finished_at or time.time()) - status.started_at


def _as_list(value: str | list[str] | None) -> list[str] | None:
    return [value] if isinstance(value, str) else value


def _name_matches(display: str, names: list[str]) -> bool:
    for name in names:
        if display == name or display.startswith(name + "("):
            return True
        try:
            if re.fullmatch(name, display):
                return True
        except re.error:
            continue
    return False


def select_steps(
    status: WorkflowStatus,
    name: Any = None,
    key: Any = None,
    phase: Any = None,
    id: Any = None,
    type: Any = None,
    parent_id: str | None = None,
    sort_by_generation: bool = False,
) -> list[ArgoStep]:
    """dflow's ``get_step`` filters over the status model, sorted by start time."""
    names, keys, phases, ids, types = map(_as_list, (name, key, phase, id, type))
    parent_children: set[str] | None = None
    if parent_id is not None:
        parent = status.nodes.get(parent_id)
        parent_children = set(_descendants(status, parent)) if parent is not None else set()
    found = []
    for node in status.nodes.values():
        if node.started_at is None:
            continue
        if names is not None and not _name_matches(node.display_name, names):
            continue
        if keys is not None and node.key not in keys:
            continue
        if phases is not None and node.phase not in phases:
            continue
        if ids is not None and node.id not in ids:
            continue
        if types is not None and node.type not in types:
            continue
        if parent_children is not None and node.id not in parent_children:
            continue
        found.append(node)
    found.sort(key=lambda n: n.started_at or 0.0)
    return [ArgoStep(n, status.name) for n in found]


def _descendants(status: WorkflowStatus, parent: Node) -> list[str]:
    """Nodes inside ``parent``'s boundary (its sub-steps), breadth first."""
    return [n.id for n in status.nodes.values() if n.boundary_id == parent.id]
