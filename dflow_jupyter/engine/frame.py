"""A running Steps/DAG invocation: its inputs, its children's results, and how references resolve."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from dflow_jupyter.errors import StepRuntimeError
from dflow_jupyter.model.declarations import InputArtifact, InputParameter, OutputArtifact, OutputParameter
from dflow_jupyter.model.expressions import UNSET, ArgoVar
from dflow_jupyter.status.model import Node
from dflow_jupyter.status.phase import Phase


@dataclass
class StepResult:
    """What a step (or task, or a whole fan-out) produced."""

    phase: Phase
    node: Node | None = None
    parameters: dict[str, Any] = field(default_factory=dict)
    artifacts: dict[str, Any] = field(default_factory=dict)
    input_parameters: dict[str, Any] = field(default_factory=dict)
    input_artifacts: dict[str, Any] = field(default_factory=dict)
    exit_code: int | None = None
    message: str | None = None
    #: The step failed but its ``continue_on_*`` lets the workflow go on.
    tolerated: bool = False
    #: Outputs are lists over the slices of a ``Slices(group_size=...)`` group.
    grouped: bool = False
    #: The nodes later steps hang from in the graph (Argo's outbound nodes).
    leaves: list[Node] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.phase in ("Succeeded", "Skipped") or self.tolerated


NO_ITEM: Any = UNSET


class Frame:
    """The scope of one template invocation (``inputs``, ``steps``/``tasks``, ``item``)."""

    def __init__(
        self,
        workflow: str,
        template: Any,
        parameters: Mapping[str, Any],
        artifacts: Mapping[str, Any],
    ) -> None:
        self.workflow = workflow
        self.template = template
        self.parameters = dict(parameters)
        self.artifacts = dict(artifacts)
        self.results: dict[str, StepResult] = {}
        #: How deep this invocation is nested: the entrypoint is 1 (Argo's template stack depth).
        self.depth = 1
        #: The workflow's parameters (``{{workflow.parameters.x}}``), set by the invocation.
        self.workflow_parameters: Mapping[str, Any] = {}

    # -- typed resolution -----------------------------------------------------------------------
    def resolve_parameter(self, value: Any, item: Any = NO_ITEM, where: str = "") -> Any:
        """The typed value ``value`` stands for in this frame."""
        if isinstance(value, (OutputParameter, InputParameter)):
            return self._lookup_parameter(value, where)
        if isinstance(value, ArgoVar):
            from dflow_jupyter.expr import evaluate_expression

            return evaluate_expression(value.expr, self.scope(item))
        if isinstance(value, str) and "{{" in value:
            from dflow_jupyter.expr import render_value

            return render_value(value, self.scope(item))
        if isinstance(value, list):
            return [self.resolve_parameter(v, item, where) for v in value]
        if isinstance(value, tuple):
            return tuple(self.resolve_parameter(v, item, where) for v in value)
        if isinstance(value, dict):
            return {k: self.resolve_parameter(v, item, where) for k, v in value.items()}
        return value

    def _lookup_parameter(self, ref: Any, where: str) -> Any:
        if ref.step is None:
            if ref._scope == "inputs":
                if ref.name in self.parameters:
                    return self.parameters[ref.name]
                raise StepRuntimeError(f"{where}: {ref!r} is not an input of template {self.template.name!r}")
            raise StepRuntimeError(f"{where}: {ref!r} can only be used inside its own template's outputs")
        result = self.results.get(ref.step.name)
        if result is None:
            raise StepRuntimeError(
                f"{where}: {ref!r} refers to {ref.step.kind} {ref.step.name!r}, which has not run in "
                f"template {self.template.name!r}"
            )
        source = result.parameters if ref._scope == "outputs" else result.input_parameters
        if ref.name in source:
            return source[ref.name]
        decl = ref.step.template.outputs.parameters.get(ref.name) if ref._scope == "outputs" else None
        if decl is not None and decl.default is not UNSET:
            return decl.default
        raise StepRuntimeError(
            f"{where}: {ref!r} has no value: {ref.step.kind} {ref.step.name!r} ended {result.phase}"
            + (f" ({result.message})" if result.message else "")
            + "; give the output parameter a default to use it anyway"
        )

    def resolve_artifact(self, value: Any, item: Any = NO_ITEM, where: str = "") -> Any:
        """The artifact object(s) ``value`` stands for in this frame (None if absent)."""
        if isinstance(value, (OutputArtifact, InputArtifact)):
            art = self._lookup_artifact(value, where)
            sub = getattr(value, "_sub_path", None)
            if sub and art is not None:
                art = art.sub_path(sub)
            return art
        if isinstance(value, ArgoVar):
            from dflow_jupyter.expr import evaluate_expression

            return evaluate_expression(value.expr, self.artifact_scope())
        if isinstance(value, list):
            return [self.resolve_artifact(v, item, where) for v in value]
        if isinstance(value, dict):
            return {k: self.resolve_artifact(v, item, where) for k, v in value.items()}
        return value

    def _lookup_artifact(self, ref: Any, where: str) -> Any:
        if ref.step is None:
            if ref.name in self.artifacts:
                return self.artifacts[ref.name]
            raise StepRuntimeError(
                f"{where}: {ref!r} is not an input artifact of template {self.template.name!r}"
            )
        result = self.results.get(ref.step.name)
        if result is None:
            raise StepRuntimeError(
                f"{where}: {ref!r} refers to {ref.step.kind} {ref.step.name!r}, which has not run"
            )
        source = result.artifacts if ref._scope == "outputs" else result.input_artifacts
        return source.get(ref.name)

    # -- Argo's string scope for expressions ------------------------------------------------------
    def scope(self, item: Any = NO_ITEM) -> Mapping[str, Any]:
        return _Scope(self, item)

    def artifact_scope(self) -> Mapping[str, Any]:
        return _Scope(self, NO_ITEM, artifacts_as_objects=True)


class _Scope(Mapping[str, Any]):
    """Argo's expression environment, built lazily: parameters are their Argo strings."""

    def __init__(self, frame: Frame, item: Any, artifacts_as_objects: bool = False) -> None:
        self._frame = frame
        self._item = item
        self._objects = artifacts_as_objects

    def _keys(self) -> list[str]:
        keys = ["inputs", "steps", "tasks", "workflow"]
        if self._item is not NO_ITEM:
            keys.append("item")
        return keys

    def __getitem__(self, key: str) -> Any:
        from dflow_jupyter.status.wire import to_argo_string

        frame = self._frame
        if key == "inputs":
            return {
                "parameters": {k: to_argo_string(v) for k, v in frame.parameters.items()},
                "artifacts": dict(frame.artifacts),
            }
        if key in ("steps", "tasks"):
            return _ResultsView(frame.results, self._objects)
        if key == "workflow":
            given = frame.workflow_parameters
            return {"name": frame.workflow, "parameters": {k: to_argo_string(v) for k, v in given.items()}}
        if key == "item" and self._item is not NO_ITEM:
            from dflow_jupyter.expr import item_scope_value

            # What Argo binds: scalars as their strings, object fields as strings.
            return item_scope_value(self._item)
        raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


class _ResultsView(Mapping[str, Any]):
    def __init__(self, results: Mapping[str, StepResult], objects: bool) -> None:
        self._results = results
        self._objects = objects

    def __getitem__(self, name: str) -> Any:
        from dflow_jupyter.status.wire import to_argo_string

        result = self._results[name]
        return {
            "outputs": {
                "parameters": {k: to_argo_string(v) for k, v in result.parameters.items()},
                "artifacts": dict(result.artifacts),
                **({"result": result.parameters["result"]} if "result" in result.parameters else {}),
            },
            "inputs": {
                "parameters": {k: to_argo_string(v) for k, v in result.input_parameters.items()},
                "artifacts": dict(result.input_artifacts),
            },
            "status": result.phase,
            "exitCode": "" if result.exit_code is None else str(result.exit_code),
            "id": result.node.id if result.node is not None else "",
        }

    def __iter__(self) -> Iterator[str]:
        return iter(self._results)

    def __len__(self) -> int:
        return len(self._results)
