"""``Workflow``: the top-level container; submit it, follow it and query it (dflow's API)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

# The expression language and the artifact store are loaded with Workflow, not at the first
# submit(): a notebook pays the import once, when it imports the name.
import dflow_jupyter.expr
import dflow_jupyter.model.validate
import dflow_jupyter.storage  # noqa: F401
from dflow_jupyter import _context
from dflow_jupyter.backend import Backend, backend_for
from dflow_jupyter.config import config
from dflow_jupyter.errors import WorkflowDefinitionError, WorkflowNotFound
from dflow_jupyter.model.dag import DAG, Task
from dflow_jupyter.model.rendering import render_leaf_templates
from dflow_jupyter.model.step import Step
from dflow_jupyter.model.steps import Steps
from dflow_jupyter.names import check_workflow_id, check_workflow_name


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
        self.id = check_workflow_id(id) if id is not None else None
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
        #: Set by the engine: the last exception an OP of this object's run raised in process.
        self._last_exception: BaseException | None = None
        #: ``config["mode"]`` when submitted (a later change of mode must not lose the run).
        self._mode: str | None = None
        #: The live widget showing this workflow, once one was made (``widget()``).
        self._widget: Any = None

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
    @property
    def backend(self) -> Backend:
        """The backend that runs (or ran) this workflow: ``config["mode"]`` at submit time."""
        return backend_for(self._mode)

    def submit(
        self, reuse_step: Sequence[Any] | None = None, *, backend: str | None = None, **kwargs: Any
    ) -> Any:
        """Run the workflow; returns a handle with its id.

        ``backend`` names the backend as ``config["mode"]`` does (the default). On the debug
        backend the call returns when the run has ended, unless ``config["detach"]`` is set.
        """
        if self.entrypoint is None:
            raise WorkflowDefinitionError(f"workflow {self.name!r} has no steps: add() some before submit()")
        self._mode = backend or str(config["mode"])
        runner = self.backend
        from dflow_jupyter.model.validate import validate

        validate(self.entrypoint)
        # Executors and contexts render now, so one that cannot fails before anything runs.
        render_leaf_templates(self.entrypoint, self.context)
        restart = self.id is not None
        if self.id is None:
            self.id = runner.new_id(self.name)
        if self._widget is not None:  # the widget showing the plan follows the run from here
            self._widget.follow(self.id)
        runner.submit(
            self,
            self.id,
            reuse_steps=list(reuse_step or []),
            restart=restart,
            detach=bool(config.get("detach")),
        )
        # As dflow's debug mode: a light handle with the id (query() builds the full view).
        return self._handle()

    def wait(self, interval: float = 1, progress: bool | None = None) -> None:
        """Block until the workflow has finished.

        ``progress`` shows a progress bar on stderr (steps per phase, then the failed steps);
        by default only when stderr is a terminal.
        """
        workflow_id = self._require_id()
        from dflow_jupyter.widget.progress import wants_progress

        if wants_progress(progress):
            from dflow_jupyter.widget.progress import wait_with_progress

            wait_with_progress(self.backend, workflow_id)
            return
        self.backend.wait(workflow_id)

    def terminate(self) -> None:
        """Stop the run: running steps (and their subprocesses) are killed and marked Failed."""
        self.backend.terminate(self._require_id())

    # -- queries ------------------------------------------------------------------------------
    def _require_id(self) -> str:
        if self.id is None:
            raise WorkflowNotFound(f"workflow {self.name!r} has not been submitted; call submit() first")
        return self.id

    def _load(self) -> Any:
        return self.backend.status(self._require_id())

    def _handle(self) -> Any:
        from dflow_jupyter.status.query import ArgoObjectDict

        return ArgoObjectDict({"id": self.id, "metadata": {"name": self.id}})

    def query(self, fields: Sequence[str] | None = None) -> Any:
        """The workflow's status (an ``ArgoWorkflow``)."""
        from dflow_jupyter.status.query import ArgoWorkflow

        return ArgoWorkflow(self._load())

    def query_status(self) -> str:
        """``"Pending"``, ``"Running"``, ``"Succeeded"``, ``"Failed"`` or ``"Error"``."""
        return str(self._load().phase or "Pending")

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

    def steps_frame(self) -> Any:
        """A pandas DataFrame, one row per node: name, key, phase, type, start, end, duration..."""
        from dflow_jupyter.widget.table import steps_frame

        return steps_frame(self._load())

    # -- display ------------------------------------------------------------------------------
    def widget(self, **options: Any) -> Any:
        """The live DAG widget of this workflow (``WorkflowWidget``; needs anywidget).

        ``options`` (``fanout_threshold``, ``layout``, ``interval``) make a new widget;
        without them the workflow's widget is made once and returned again.
        """
        from dflow_jupyter.widget.display import workflow_widget

        return workflow_widget(self, **options)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> Any:
        from dflow_jupyter.widget.display import mimebundle

        return mimebundle(self)

    def get_exception(self) -> BaseException | None:
        """The last exception raised by an OP in this process (for ``pdb.post_mortem``)."""
        if self.id is not None:
            found = self.backend.last_exception(self.id)
            if found is not None:
                return found
        return self._last_exception

    def __repr__(self) -> str:
        return f"Workflow({self.name!r}, id={self.id!r})"

    # -- Argo manifests: dflow_jupyter.argo, loaded by name as backends are (it imports the model)
    def to_dict(self, reuse_step: Sequence[Any] | None = None) -> dict[str, Any]:
        """The Argo ``Workflow`` manifest of this workflow, compiled offline.

        With ``reuse_step`` the keyed steps are memoized under the workflow's id, as dflow
        does for ``submit(reuse_step=...)`` (an id is chosen if the workflow has none).
        """
        if reuse_step and self.id is None:
            self.id = backend_for(self._mode or str(config["mode"])).new_id(self.name)
        return _argo().to_dict(self, list(reuse_step) if reuse_step else None)  # type: ignore[no-any-return]

    def to_yaml(self) -> str:
        return _argo().to_yaml(self)  # type: ignore[no-any-return]

    def to_json(self, indent: int | None = 2) -> str:
        return _argo().to_json(self, indent)  # type: ignore[no-any-return]

    def lint(self, version: str | None = None) -> Any:
        """Every problem of the compiled manifest (a ``LintReport``; empty, hence falsy, if none)."""
        return _argo().lint_workflow(self, version)

    @classmethod
    def from_dict(cls, manifest: Mapping[str, Any]) -> Any:
        """A manifest read back (a ``ManifestWorkflow``: name, entrypoint, templates, ``to_dict()``)."""
        return _argo().from_dict(manifest)

    @classmethod
    def from_yaml(cls, text: str) -> Any:
        return _argo().from_yaml(text)


def _argo() -> Any:
    import importlib

    return importlib.import_module("dflow_jupyter.argo")
