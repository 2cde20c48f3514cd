"""The Argo backend: workflows run on an Argo Server (``config["mode"] = "default"`` or ``"argo"``).

It compiles a workflow with ``Workflow.to_dict()`` (the manifest compiler), creates it, and
fills the shared status model from what the server reports, through the same
:class:`~dflow_jupyter.status.tracker.StatusTracker` the debug engine fills: ``query_step``,
the magics and the widget read an Argo run exactly as they read a debug run.
"""

from __future__ import annotations

import inspect
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dflow_jupyter.argo.clients import WorkflowClient, client_for
from dflow_jupyter.argo.errors import ArgoError, ArgoNotFound
from dflow_jupyter.argo.memoize import create_config_maps, memoize_entries
from dflow_jupyter.argo.settings import ArgoSettings
from dflow_jupyter.argo.status import ArgoStatusSync
from dflow_jupyter.argo.wait import refresh, wait_for
from dflow_jupyter.status.model import Node, WorkflowStatus, parse_time, pod_name
from dflow_jupyter.status.phase import FAILED_PHASES, LEAF_TYPES
from dflow_jupyter.status.tracker import follow, release

if TYPE_CHECKING:
    import asyncio
    from pathlib import Path

    from dflow_jupyter.model.workflow import Workflow

__all__ = ["ArgoBackend", "CompilerUnavailable", "manifest_of"]

_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"
#: Clients kept open at once (one per server and token; a notebook rarely uses more than one).
_MAX_CLIENTS = 8


class CompilerUnavailable(ArgoError, NotImplementedError):
    """The workflow cannot be turned into an Argo manifest in this installation."""


def manifest_of(workflow: Any, reuse_steps: Sequence[Any] = ()) -> dict[str, Any]:
    """The Argo manifest of ``workflow`` from its ``to_dict()`` (the compiler's output)."""
    to_dict = getattr(workflow, "to_dict", None)
    name = getattr(workflow, "name", workflow)
    if not callable(to_dict):
        raise CompilerUnavailable(
            f"workflow {name!r}: the Argo manifest compiler is not available (Workflow.to_dict() is "
            "missing), so it cannot run on Argo; run it with config['mode'] = 'debug'"
        )
    if not reuse_steps:
        manifest = to_dict()
    else:
        params = inspect.signature(to_dict).parameters
        takes = "reuse_step" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
        if not takes:
            raise CompilerUnavailable(
                f"workflow {name!r}: reuse_step needs a compiler that memoizes keyed steps "
                "(Workflow.to_dict(reuse_step=...)); this one does not take reuse_step"
            )
        manifest = to_dict(reuse_step=list(reuse_steps))
    if not isinstance(manifest, Mapping):
        raise CompilerUnavailable(
            f"workflow {name!r}: to_dict() returned {type(manifest).__name__}, not a dict"
        )
    return dict(manifest)


@dataclass
class _Run:
    """A workflow this process follows: where it lives and its status sync."""

    settings: ArgoSettings
    sync: ArgoStatusSync
    created_at: float | None = None
    final: bool = False


class ArgoBackend:
    """Runs workflows on an Argo Server (``config["mode"] = "default"``, dflow's name for Argo).

    Parameters
    ----------
    settings
        Fixed connection settings; by default they are read from ``config`` at each call
        (and a workflow's own ``host``/``token``/``namespace`` override them at submit).
    transport
        An httpx transport instead of the network (tests).
    """

    mode = "default"

    def __init__(self, settings: ArgoSettings | None = None, *, transport: Any = None) -> None:
        self._fixed = settings
        self._transport = transport
        self._runs: dict[str, _Run] = {}
        self._clients: dict[ArgoSettings, WorkflowClient] = {}

    # -- plumbing -----------------------------------------------------------------------------
    def _settings(self, workflow: Any = None) -> ArgoSettings:
        if self._fixed is not None:
            return self._fixed
        if workflow is None:
            return ArgoSettings.from_config()
        return ArgoSettings.from_config(
            host=getattr(workflow, "host", None),
            namespace=getattr(workflow, "namespace", None),
            token=getattr(workflow, "token", None),
            k8s_api_server=getattr(workflow, "k8s_api_server", None),
            k8s_config_file=getattr(workflow, "k8s_config_file", None),
        )

    def client(self, settings: ArgoSettings | None = None) -> WorkflowClient:
        """The (cached) client for ``settings`` (default: the current config)."""
        settings = settings or self._settings()
        found = self._clients.get(settings)
        if found is None:
            if len(self._clients) >= _MAX_CLIENTS:
                _, oldest = self._clients.popitem()
                oldest.close()
            found = self._clients[settings] = client_for(settings, transport=self._transport)
        return found

    def _run(self, workflow_id: str) -> _Run:
        run = self._runs.get(workflow_id)
        if run is None:
            run = self._runs[workflow_id] = _Run(self._settings(), ArgoStatusSync.for_workflow(workflow_id))
        return run

    # -- running ------------------------------------------------------------------------------
    def new_id(self, name: str) -> str:
        return f"{name}-{''.join(secrets.choice(_ALPHABET) for _ in range(5))}"

    def submit(
        self,
        workflow: Workflow,
        workflow_id: str,
        *,
        reuse_steps: Sequence[Any] = (),
        restart: bool = False,
        detach: bool = False,
    ) -> None:
        """Create the workflow (or retry it, for a restart); block until it ends unless ``detach``."""
        settings = self._settings(workflow)
        manifest = manifest_of(workflow, reuse_steps)
        metadata = dict(manifest.get("metadata") or {})
        metadata.pop("generateName", None)
        metadata["name"] = workflow_id
        metadata["namespace"] = settings.namespace
        manifest["metadata"] = metadata
        if reuse_steps:
            entries, global_params = memoize_entries(workflow_id, reuse_steps)
            create_config_maps(settings, entries, transport=self._transport)
            if global_params:  # as dflow: reused global outputs are published from the start
                outputs = manifest.setdefault("status", {}).setdefault("outputs", {})
                outputs.setdefault("parameters", []).extend(global_params.values())
        run = self._runs[workflow_id] = _Run(settings, ArgoStatusSync.for_workflow(workflow_id))
        follow(run.sync.tracker)
        client = self.client(settings)
        try:
            if not (restart and self._restart(client, run)):
                run.created_at = time.monotonic()
                run.sync.apply(client.create(manifest))
        except BaseException as exc:
            # Where widgets and queries look (the live tracker stays): the run never started.
            run.sync.tracker.set_phase("Error", f"not submitted: {str(exc) or type(exc).__name__}")
            raise
        if detach:
            self.follow(workflow_id, only_on_running_loop=True)
            return
        self.wait(workflow_id)

    def _restart(self, client: WorkflowClient, run: _Run) -> bool:
        """Retry a recorded workflow's failed steps (Argo keeps the succeeded ones); False if none."""
        try:
            refresh(client, run.sync)
        except ArgoNotFound:
            return False
        if run.sync.status.phase in FAILED_PHASES:
            client.retry(run.sync.status.name)
            run.created_at = time.monotonic()
        return True

    def follow(self, workflow_id: str, *, only_on_running_loop: bool = False) -> asyncio.Task[Any] | None:
        """The poller task following ``workflow_id`` (one per workflow, shared by all readers).

        It runs on this thread's running event loop (the kernel's); with none, on a private loop
        that advances only in ``pollers.run(workflow_id)`` (or not at all with
        ``only_on_running_loop``: then ``None`` is returned).
        """
        import asyncio

        from dflow_jupyter.argo.poller import Poller, pollers

        if only_on_running_loop:
            try:
                asyncio.get_running_loop()
            except RuntimeError:
                return None
        run = self._run(workflow_id)
        if run.final:
            return None
        fresh = not pollers.active(workflow_id)
        task = pollers.start(Poller(run.sync, run.settings, created_at=run.created_at))
        if fresh:
            follow(run.sync.tracker)
            task.add_done_callback(lambda _: self._settle(workflow_id))
        return task

    def _settle(self, workflow_id: str) -> None:
        run = self._runs.get(workflow_id)
        if run is not None and run.sync.finished:
            run.final = True
            release(workflow_id, run.sync.tracker)

    def wait(self, workflow_id: str, timeout: float | None = None) -> WorkflowStatus:
        """Poll (synchronously: no event loop needed) until the workflow ends or ``timeout``."""
        run = self._run(workflow_id)
        if run.final:
            return run.sync.status
        status = wait_for(self.client(run.settings), run.sync, timeout=timeout, created_at=run.created_at)
        self._settle(workflow_id)
        return status

    def terminate(self, workflow_id: str, reason: str = "Stopped with strategy 'Terminate'") -> None:
        """Terminate on the server (Argo records its own message; exit handlers do not run)."""
        run = self._run(workflow_id)
        client = self.client(run.settings)
        client.terminate(workflow_id)
        run.final = False
        refresh(client, run.sync)
        self._settle(workflow_id)

    # -- reading ------------------------------------------------------------------------------
    def status(self, workflow_id: str) -> WorkflowStatus:
        from dflow_jupyter.argo.poller import pollers

        known = workflow_id in self._runs
        run = self._run(workflow_id)
        if run.final or pollers.active(workflow_id):
            return run.sync.status
        try:
            refresh(self.client(run.settings), run.sync)
        except ArgoNotFound:
            if not known:  # a mistyped id must not leave a run behind
                del self._runs[workflow_id]
            raise
        self._settle(workflow_id)
        return run.sync.status

    def list(self, labels: Mapping[str, str] | None = None) -> list[WorkflowStatus]:
        items = self.client().list(labels)

        def newest(item: dict[str, Any]) -> float:
            meta, status = item.get("metadata") or {}, item.get("status") or {}
            return parse_time(meta.get("creationTimestamp") or status.get("startedAt")) or 0.0

        statuses = []
        for item in sorted(items, key=newest, reverse=True):
            status = WorkflowStatus.from_argo(item)
            status.backend = "argo"
            statuses.append(status)
        return statuses

    def step_files(self, workflow_id: str, node: Node) -> Path | None:
        return None

    def logs(self, workflow_id: str, node: Node) -> str | None:
        """The main container's log of a leaf step (``None`` for other nodes or no lines)."""
        if node.type not in LEAF_TYPES:
            return None
        run = self._run(workflow_id)
        pod = self._pod(run, node)
        lines = [line.content for line in self.client(run.settings).logs(workflow_id, pod)]
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines) if lines else None

    @staticmethod
    def _pod(run: _Run, node: Node) -> str:
        # The annotation picks Argo's old pod names (the node id) over POD_NAMES v2.
        if run.sync.status.annotations.get("workflows.argoproj.io/pod-name-format") == "v1":
            return node.id
        return pod_name(run.sync.status.name, node.template_name, node.name)

    def last_exception(self, workflow_id: str) -> BaseException | None:
        return None

    def where(self) -> str:
        return f"on {self._settings().describe()}"
