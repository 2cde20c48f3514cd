"""The backend interface: what ``Workflow``, the magics, the CLI and queries ask of a backend."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from dflow_jupyter.status.model import Node, WorkflowStatus

if TYPE_CHECKING:
    from dflow_jupyter.model.workflow import Workflow

__all__ = ["Backend"]


@runtime_checkable
class Backend(Protocol):
    """A place where workflows run: the in-process debug engine, or an Argo server.

    Every method names a workflow by its id (Argo's ``metadata.name``). Statuses are the
    shared status model, so everything that reads them works the same with every backend.
    """

    #: The ``config["mode"]`` value that selects this backend (``"debug"``, ``"default"``).
    mode: str

    def new_id(self, name: str) -> str:
        """A fresh workflow id for a workflow called ``name``."""
        ...

    def submit(
        self,
        workflow: Workflow,
        workflow_id: str,
        *,
        reuse_steps: Sequence[Any] = (),
        restart: bool = False,
        detach: bool = False,
    ) -> None:
        """Start ``workflow`` as ``workflow_id``.

        ``restart`` re-runs a recorded workflow, reusing its succeeded steps; ``reuse_steps``
        are steps of other runs whose outputs stand in for steps with the same key. With
        ``detach`` the call returns once the run has started; otherwise when it has ended.
        """
        ...

    def wait(self, workflow_id: str, timeout: float | None = None) -> WorkflowStatus:
        """Block until the workflow has finished (or ``timeout`` seconds passed); its status."""
        ...

    def status(self, workflow_id: str) -> WorkflowStatus:
        """The current status of a workflow (raises ``WorkflowNotFound``)."""
        ...

    def list(self, labels: Mapping[str, str] | None = None) -> list[WorkflowStatus]:
        """Known workflows, newest first, optionally only those carrying ``labels``."""
        ...

    def terminate(self, workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
        """Stop a running workflow: unfinished steps end Failed with ``reason``."""
        ...

    def step_files(self, workflow_id: str, node: Node) -> Path | None:
        """A local directory with a leaf step's recorded inputs, outputs and log, if kept."""
        ...

    def logs(self, workflow_id: str, node: Node) -> str | None:
        """The log of a leaf step so far (None when it wrote none)."""
        ...

    def last_exception(self, workflow_id: str) -> BaseException | None:
        """The last exception an OP of this run raised in this process (for ``pdb``)."""
        ...

    def where(self) -> str:
        """Where this backend keeps workflows, worded for messages."""
        ...
