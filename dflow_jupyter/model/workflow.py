"""``Workflow``: the top-level container; submit it, follow it and query it (dflow's API)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

# The engine, the expression language and the artifact store are loaded with Workflow, not at
# the first submit(): a notebook pays the import once, when it imports the name.
import dflow_jupyter.engine.run
import dflow_jupyter.expr
import dflow_jupyter.model.validate
import dflow_jupyter.storage  # noqa: F401
from dflow_jupyter import _context
from dflow_jupyter.config import config
from dflow_jupyter.errors import WorkflowDefinitionError, WorkflowNotFound
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.names import check_workflow_name
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps


class Workflow:
    """A workflow: an entrypoint ``Steps`` or ``DAG`` plus run settings.

    In the debug backend (the default) ``submit()`` runs the workflow and returns when it ends,
    in either isolation mode; with ``config["detach"] = True`` it returns at once, the run goes
    on in the background (Python OPs in worker processes) and ``wait()`` follows it.
    """

    def __init__(
        self,
        name: str = "workflow",
        steps: Steps | None = None,
        dag: DAG | None = None,
        namespace: str | None = None,
        id: str | None = None,
        uid: str | None = None,
        host: str | None = None,
        token: str | None = None,
        k8s_config_file: str | None = None,
        k8s_api_server: str | None = None,
        context: Any = None,
        annotations: Mapping[str, str] | None = None,
        labels: Mapping[str, str] | None = None,
        parallelism: int | None = None,
        pod_gc_strategy: str | None = None,
        image_pull_secrets: Any = None,
        artifact_repo_key: str | None = None,
        parameters: Mapping[str, Any] | None = None,
        on_exit: Any = None,
    ) -> None:
        self.name = check_workflow_name(name)
        if steps is not None and dag is not None:
            raise WorkflowDefinitionError(f"workflow {name!r}: give steps or dag, not both")
        self.entrypoint: Steps | DAG | None = steps if steps is not None else dag
        if self.entrypoint is not None and self.entrypoint.name.startswith("template-"):
            self.entrypoint.name = self.name
        self.namespace = namespace or config["namespace"]
        self.id = id
        self.uid = uid
        self.host, self.token = host, token
        self.k8s_config_file, self.k8s_api_server = k8s_config_file, k8s_api_server
        self.context = context
        self.annotations = dict(annotations or {})
        self.labels = dict(labels or {})
        if parallelism is not None and (not isinstance(parallelism, int) or parallelism < 1):
            raise WorkflowDefinitionError(
                f"workflow {name!r}: parallelism must be a positive int, got {parallelism!r}"
            )
        self.parallelism = parallelism
        self.pod_gc_strategy = pod_gc_strategy
        self.image_pull_secrets = image_pull_secrets
        self.artifact_repo_key = artifact_repo_key
        self.parameters = dict(parameters or {})
        self.on_exit = on_exit
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._last_exception: BaseException | None = None
        #: The final status of this object's own last run (saves re-reading it from disk).
        self._status: Any = None

    # -- composition ----------------------------------------------------------------------------
    def add(self, step: Step | Sequence[Step] | Task | Sequence[Task]) -> None:
        """Append a step (a list of steps runs in parallel) or add a task."""
        items = list(step) if isinstance(step, (list, tuple)) else [step]
        is_task = any(isinstance(item, Task) for item in items)
        if self.entrypoint is None:
            self.entrypoint = DAG(self.name) if is_task else Steps(self.name)
        if isinstance(self.entrypoint, DAG):
            self.entrypoint.add(items)  # type: ignore[arg-type]
        else:
            self.entrypoint.add(step)  # type: ignore[arg-type]

    def node_class(self) -> type[Step]:
        """What a function-OP call inside ``with`` this workflow creates (dflow: a task)."""
        return Step if isinstance(self.entrypoint, Steps) else Task

    def __enter__(self) -> Workflow:
        _context.push(self)
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        _context.pop(self)
        if exc_type is None:
            self.submit()

    # -- running ------------------------------------------------------------------------------
    def submit(self, reuse_step: Sequence[Any] | None = None, **kwargs: Any) -> Any:
        """Run the workflow (debug backend). Returns the workflow's status object."""
        from dflow_jupyter.engine.run import new_workflow_id, run_workflow

        if self.entrypoint is None:
            raise WorkflowDefinitionError(f"workflow {self.name!r} has no steps: add() some before submit()")
        mode = str(config["mode"]).lower()
        if mode != "debug":
            raise NotImplementedError(
                f"config['mode'] is {config['mode']!r}: only the debug backend is available in this "
                "release; set config['mode'] = 'debug'"
            )
        from dflow_jupyter.model.validate import validate

        validate(self.entrypoint)
        restart = self.id is not None
        self._status = None
        if self.id is None:
            self.id = new_workflow_id(self.name)
        reuse = list(reuse_step or [])
        workflow_id: str = self.id
        if config.get("detach"):
            # Detached runs go on while the caller's code runs, so Python OPs must not change
            # this process's working directory: they run in the worker pool.
            def target() -> None:
                try:
                    self._status = run_workflow(
                        self,
                        workflow_id,
                        reuse,
                        restart,
                        isolation="process",
                    )
                except BaseException as exc:
                    self._error = exc

            self._thread = threading.Thread(target=target, name=f"dflow-{self.id}", daemon=True)
            self._thread.start()
            time.sleep(0)  # let it record the Running phase promptly
            return self._handle()
        self._status = run_workflow(self, workflow_id, reuse, restart)
        # As dflow's debug mode: a light handle with the id (query() builds the full view).
        return self._handle()

    def wait(self, interval: float = 1) -> None:
        """Block until the workflow has finished."""
        if self._thread is not None:
            self._thread.join()
            if self._error is not None:
                raise self._error
            return
        while self.query_status() in ("Pending", "Running"):
            time.sleep(min(interval, 0.1))

    def terminate(self) -> None:
        """Stop the run: running steps (and their subprocesses) are killed and marked Failed."""
        from dflow_jupyter.engine.run import request_terminate

        self._require_id()
        if not request_terminate(self.id):  # type: ignore[arg-type]
            status = self._load()
            if status.phase in ("Pending", "Running"):
                from dflow_jupyter.engine.terminate import terminate_recorded

                terminate_recorded(self.id)  # type: ignore[arg-type]
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- queries ------------------------------------------------------------------------------
    def _require_id(self) -> None:
        if self.id is None:
            raise WorkflowNotFound(f"workflow {self.name!r} has not been submitted; call submit() first")

    def _load(self) -> Any:
        from dflow_jupyter.engine.recorder import load_status
        from dflow_jupyter.engine.run import active_runs, workflow_root

        self._require_id()
        live = active_runs.get(self.id)  # type: ignore[arg-type]
        if live is not None:
            return live.recorder.status
        if (
            self._status is not None
            and self._status.name == self.id
            and self._status.phase not in ("Pending", "Running")
        ):
            return self._status
        directory = workflow_root() / str(self.id)
        if not (directory / "status.json").exists():
            if self._thread is not None and self._thread.is_alive():
                from dflow_jupyter.status.model import WorkflowStatus

                return WorkflowStatus(name=str(self.id), phase="Pending")
            raise WorkflowNotFound(
                f"no workflow {self.id!r} under {directory.parent} (config['debug_workdir'])"
            )
        return load_status(directory)

    def _handle(self) -> Any:
        from dflow_jupyter.status.query import ArgoObjectDict

        return ArgoObjectDict({"id": self.id, "metadata": {"name": self.id}})

    def query(self, fields: Sequence[str] | None = None) -> Any:
        """The workflow's status (an ``ArgoWorkflow``)."""
        from dflow_jupyter.status.query import ArgoWorkflow

        return ArgoWorkflow(self._load())

    def query_status(self) -> str:
        """``"Pending"``, ``"Running"``, ``"Succeeded"``, ``"Failed"`` or ``"Error"``."""
        try:
            return str(self._load().phase or "Pending")
        except WorkflowNotFound:
            if self._thread is not None and self._thread.is_alive():
                return "Pending"
            raise

    def query_step(
        self,
        name: Any = None,
        key: Any = None,
        phase: Any = None,
        id: Any = None,
        type: Any = None,
        parent_id: str | None = None,
        sort_by_generation: bool = False,
    ) -> list[Any]:
        """Steps by display name (exact, ``name(`` prefix or regex), key, phase, id and type."""
        from dflow_jupyter.status.query import select_steps

        return select_steps(self._load(), name, key, phase, id, type, parent_id, sort_by_generation)

    def query_step_by_key(
        self, key: Any, name: Any = None, phase: Any = None, id: Any = None, type: Any = None
    ) -> list[Any]:
        return self.query_step(name=name, key=key, phase=phase, id=id, type=type)

    def query_keys_of_steps(self) -> list[str]:
        """Keys of the steps recorded so far (each once, in start order)."""
        nodes = sorted(self._load().nodes.values(), key=lambda n: n.started_at or 0.0)
        return list(dict.fromkeys(n.key for n in nodes if n.key))

    def query_global_outputs(self) -> Any:
        """Workflow outputs published with ``global_name`` (``.parameters``, ``.artifacts``)."""
        from dflow_jupyter.status.query import ArgoObjectDict, ArgoParameter
        from dflow_jupyter.status.wire import decode_artifact, decode_parameter

        outputs = self._load().outputs or {}
        params = {
            p["name"]: ArgoParameter(
                {**p, "value": decode_parameter({**p, "description": '{"type": "any"}'})}
            )
            for p in outputs.get("parameters") or []
        }
        arts = {a["name"]: decode_artifact(a) for a in outputs.get("artifacts") or []}
        result = ArgoObjectDict({})
        result.data["parameters"], result.data["artifacts"] = params, arts
        return result

    def get_exception(self) -> BaseException | None:
        """The last exception raised by an OP in this process (for ``pdb.post_mortem``)."""
        return self._last_exception

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, id={self.id!r})"
