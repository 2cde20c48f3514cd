"""Finding a recorded workflow and its steps from what a user types (``%dflow steps scan``).

A workflow is named by a notebook variable holding a ``Workflow``, by its id (``scan-x7k2p``),
or by its name (``scan``: the newest run of that name). A step is named by its key, its display
name, its node id, or its display name without the random suffix that function-OP calls add
(``energy`` for ``energy-a1b2c``, including fan-out items ``energy-a1b2c(0:3.5)``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.backend import backend_for
from dflow_jupyter.errors import WorkflowNotFound
from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.status.model import Node, WorkflowStatus

__all__ = ["current_status", "find_pods", "one_pod", "resolve_workflow"]

_POD_TYPES = ("Pod", "Container")


def current_status(workflow_id: str) -> WorkflowStatus:
    """The status of ``workflow_id`` from the current backend (live while this process runs it).

    Raises
    ------
    WorkflowNotFound
        The backend knows no workflow of that id.
    """
    return backend_for().status(workflow_id)


def _exists(workflow_id: str) -> bool:
    try:
        current_status(workflow_id)
    except WorkflowNotFound:
        return False
    return True


def resolve_workflow(ref: str, namespace: Mapping[str, Any] | None = None) -> str:
    """The id of the workflow ``ref`` names (see the module docstring)."""
    if namespace is not None and ref.isidentifier() and ref in namespace:
        from dflow_jupyter.model.workflow import Workflow

        value = namespace[ref]
        if isinstance(value, Workflow):
            if value.id is None:
                raise CommandError(
                    f"workflow {ref!r} ({value.name}) has not been submitted, so nothing is "
                    f"recorded yet; run {ref}.submit() first"
                )
            return str(value.id)
    if _exists(ref):
        return ref
    backend = backend_for()
    recorded = [s.name for s in backend.list()]  # newest first
    for workflow_id in recorded:
        if workflow_id.rsplit("-", 1)[0] == ref:
            return workflow_id
    known = ", ".join(recorded[:8]) + (", ..." if len(recorded) > 8 else "")
    raise CommandError(
        f"no workflow {ref!r}: it is neither a Workflow variable, nor a workflow id or name "
        f"recorded {backend.where()}; "
        + (f"recorded workflows: {known}" if recorded else "no workflow is recorded there yet")
    )


def _base(display: str) -> str:
    """The display name without fan-out/attempt suffixes: ``e-a1b2c(0:3)`` -> ``e-a1b2c``."""
    return display.split("(", 1)[0]


def find_pods(status: WorkflowStatus, ref: str) -> list[Node]:
    """The leaf steps (pods) ``ref`` names, in start order (see the module docstring)."""
    pods = sorted(
        (n for n in status.nodes.values() if n.type in _POD_TYPES),
        key=lambda n: (n.started_at is None, n.started_at or 0.0, n.name),
    )
    exact = [n for n in pods if ref in (n.key, n.display_name, n.id, n.name)]
    if exact:
        return exact
    pattern = re.compile(re.escape(ref) + r"(-[a-z0-9]{5})?")
    named = [n for n in pods if _base(n.display_name) == ref or pattern.fullmatch(_base(n.display_name))]
    return named


def _steps_listing(status: WorkflowStatus) -> str:
    names = list(dict.fromkeys(n.display_name for n in status.pods()))
    return ", ".join(names[:12]) + (", ..." if len(names) > 12 else "") if names else "none"


def one_pod(status: WorkflowStatus, ref: str) -> Node:
    """The single step ``ref`` names; retry attempts of one step resolve to the last attempt."""
    found = find_pods(status, ref)
    if not found:
        raise CommandError(
            f"workflow {status.name} has no step {ref!r}; its steps are: {_steps_listing(status)}"
        )
    # Attempts of a retried step are "name(0)", "name(1)"...: one step, take the last attempt.
    bases = {(re.sub(r"\(\d+\)$", "", n.display_name), n.boundary_id) for n in found}
    if len(bases) == 1:
        return found[-1]
    listed = ", ".join(n.key or n.display_name for n in found[:10])
    raise CommandError(
        f"{ref!r} names {len(found)} steps of workflow {status.name}: {listed}; name one of "
        "them (by its key or full display name)"
    )
