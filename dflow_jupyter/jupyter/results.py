"""What OP calls return in a ``%%dflow_workflow`` cell, as values once the run has them.

Inside the cell an OP call returns references to the new task's outputs (``{{tasks...}}``), which
wire the tasks together. Once the workflow is submitted those references are replaced, in the
notebook's namespace, by :class:`StepOutput` objects: ``summary["total"].value`` is the value
the step produced (read from the run's record when first asked, so a background run fills it
in when it gets there), and the repr shows the value, not a placeholder.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any

from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.status.phase import FINISHED_PHASES

__all__ = ["StepOutput", "bind_results"]

_MISSING = object()


def _find_node(status: WorkflowStatus, step: str) -> Node | None:
    found = [n for n in status.nodes.values() if n.display_name == step]
    top = [n for n in found if n.boundary_id == status.name]
    return (top or found)[0] if found else None


class StepOutput:
    """One output of one step of a submitted workflow; ``.value`` reads it from the run.

    Attributes
    ----------
    step : str
        The step's (task's) name.
    name : str
        The output's name (``dflow_output`` for a function OP's single return value).
    kind : str
        ``"parameter"`` or ``"artifact"`` (whose value is the stored artifact; ``.path`` is
        where its files are on this machine).
    reference : str
        The Argo reference it stood for inside the cell.
    """

    def __init__(self, workflow: Any, step: str, name: str, kind: str, reference: str) -> None:
        self.workflow = workflow
        self.step = step
        self.name = name
        self.kind = kind
        self.reference = reference
        self._value: Any = _MISSING

    @property
    def value(self) -> Any:
        """The output's value (raises ``LookupError`` while there is none, saying why)."""
        if self._value is not _MISSING:
            return self._value
        from dflow_jupyter.status.wire import decode_artifact, decode_parameter

        if self.workflow.id is None:
            raise LookupError(f"{self.reference}: workflow {self.workflow.name} has not been submitted")
        status = self.workflow.backend.status(self.workflow.id)
        node = _find_node(status, self.step)
        if node is None:
            raise LookupError(f"step {self.step} of workflow {status.name} has not run (yet)")
        if node.phase not in FINISHED_PHASES:
            raise LookupError(
                f"step {self.step} is {node.phase}: its output {self.name!r} is not there yet "
                "(wait for the workflow with .wait())"
            )
        section = "parameters" if self.kind == "parameter" else "artifacts"
        entries = {e.get("name"): e for e in (node.outputs or {}).get(section) or []}
        if self.name not in entries:
            why = f": {node.message}" if node.message else ""
            raise LookupError(f"step {self.step} ended {node.phase}{why}; it has no output {self.name!r}")
        entry = entries[self.name]
        value = decode_parameter(entry) if self.kind == "parameter" else decode_artifact(entry)
        self._value = value
        return value

    @property
    def path(self) -> Any:
        """Where an artifact output's files are on this machine (a ``Path``)."""
        from pathlib import Path

        from dflow_jupyter.storage.artifact import local_root

        if self.kind != "artifact":
            raise AttributeError(f"{self.name!r} of step {self.step} is a parameter; use .value")
        return Path(local_root(self.value, what=f"output {self.name!r} of step {self.step}"))

    def __repr__(self) -> str:
        try:
            return repr(self.value)
        except LookupError as exc:
            return f"<{self.reference}: {exc}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))


def _output_ref(value: Any) -> Any:
    from dflow_jupyter.model.io import OutputArtifact, OutputParameter

    if isinstance(value, (OutputParameter, OutputArtifact)) and getattr(value, "step", None) is not None:
        return value
    return None


def _convert(value: Any, workflow: Any, depth: int = 0) -> Any:
    ref = _output_ref(value)
    if ref is not None:
        kind = "artifact" if ref._kind == "artifacts" else "parameter"
        return StepOutput(workflow, str(ref.step.name), str(ref.name), kind, repr(ref))
    if depth >= 3:
        return value
    if type(value) is dict:
        converted = {k: _convert(v, workflow, depth + 1) for k, v in value.items()}
        return converted if any(converted[k] is not value[k] for k in value) else value
    if type(value) in (list, tuple):
        items = [_convert(v, workflow, depth + 1) for v in value]
        changed = any(a is not b for a, b in zip(items, value, strict=True))
        return type(value)(items) if changed else value
    return value


def bind_results(namespace: MutableMapping[str, Any], before: Mapping[str, int], workflow: Any) -> list[str]:
    """Replace output references the cell bound (names new or rebound since ``before``, a map
    of name to ``id(value)``) by :class:`StepOutput` objects; returns the names replaced."""
    replaced = []
    for name, value in list(namespace.items()):
        if before.get(name) == id(value) or name.startswith("_"):
            continue
        converted = _convert(value, workflow)
        if converted is not value:
            namespace[name] = converted
            replaced.append(name)
    return replaced
