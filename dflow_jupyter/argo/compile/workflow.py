"""``compile_workflow``: a ``Workflow`` as an Argo ``Workflow`` manifest (a plain dict)."""

from __future__ import annotations

from typing import Any

from dflow_jupyter.argo.compile.containers import build_container
from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.argo.compile.leaf import LeafOptions, build_leaf
from dflow_jupyter.argo.compile.pod import reuse_memoize
from dflow_jupyter.argo.compile.registry import TemplateRegistry
from dflow_jupyter.argo.compile.slices import fans_out
from dflow_jupyter.argo.compile.values import parameter_value
from dflow_jupyter.config import config, s3_config
from dflow_jupyter.model.declarations import _IOBase

__all__ = ["API_VERSION", "Compiler", "compile_workflow"]

API_VERSION = "argoproj.io/v1alpha1"


def _containers(entry: Any) -> list[Any]:
    """Every Steps/DAG template reachable from ``entry`` (each once, recursion included)."""
    found, stack, seen = [], [entry], set()
    while stack:
        template = stack.pop()
        if id(template) in seen or not hasattr(template, "all_steps"):
            continue
        seen.add(id(template))
        found.append(template)
        stack.extend(step.template for step in template.all_steps())
    return found


class Compiler:
    """Names every template a workflow runs, builds each once, and assembles the manifest."""

    def __init__(self, workflow: Any, memoize_prefix: str | None = None) -> None:
        from dflow_jupyter.model.rendering import render_leaf_templates

        self.workflow = workflow
        #: With ``reuse_step``: the workflow id that prefixes the memoization keys of keyed steps.
        self.memoize_prefix = memoize_prefix
        self.registry = TemplateRegistry()
        self._containers: dict[int, str] = {}
        self._leaves: dict[tuple[int, LeafOptions], str] = {}
        entry = workflow.entrypoint
        # Executors and the workflow's context rewrite leaf templates per step, as they do
        # before a debug run.
        self._rendered = render_leaf_templates(entry, workflow.context)
        self._keyed: set[int] = set()
        self._redirects: dict[tuple[int, str], str] = {}
        for container in _containers(entry):
            for step in container.all_steps():
                if step.key is not None and hasattr(step.template, "all_steps"):
                    self._keyed.add(id(step.template))
                slices = step.slices
                if slices is not None and fans_out(step):
                    owner = "tasks" if step.is_task else "steps"
                    for art in slices.output_artifact:
                        ref = "{{%s.%s-init-artifact.outputs.artifacts.%s}}" % (owner, step.name, art)
                        self._redirects[(id(step), art)] = ref

    # -- the Templates protocol of compile.step ---------------------------------------------
    def rendered(self, step: Any) -> Any:
        return self._rendered.get((id(step), id(step.template)), step.template)

    def leaf(self, template: Any, options: LeafOptions) -> str:
        cache_key = (id(template), options)
        found = self._leaves.get(cache_key)
        if found is None:
            if getattr(template, "runs_as_dispatcher_job", False):  # DispatcherExecutor
                inner = template.template
                body = build_leaf(inner, inner.name, options, default_image=template.executor.image)
                body = template.argo_template(body, options.slices)
            else:
                body = build_leaf(template, template.name, options)
            if options.keyed and self.memoize_prefix:
                body["memoize"] = reuse_memoize(self.memoize_prefix)
            found = self.registry.add(body, template.name)
            self._leaves[cache_key] = found
        return found

    def container(self, template: Any) -> str:
        found = self._containers.get(id(template))
        if found is not None:
            return found
        name, slot = self.registry.reserve(template.name)
        self._containers[id(template)] = name
        body = build_container(template, name, self, id(template) in self._keyed)
        final = self.registry.fill(slot, body)
        self._containers[id(template)] = final
        return final

    def helper(self, body: dict[str, Any]) -> str:
        return self.registry.add(body, body["name"])

    def artifact_redirect(self, value: Any) -> str | None:
        if isinstance(value, _IOBase) and value.step is not None and value.name is not None:
            return self._redirects.get((id(value.step), value.name))
        return None

    # -- the manifest -------------------------------------------------------------------------
    def _template_of(self, template: Any) -> str:
        if hasattr(template, "all_steps"):
            return self.container(template)
        return self.leaf(template, LeafOptions())

    def _metadata(self) -> dict[str, Any]:
        wf = self.workflow
        metadata: dict[str, Any] = {"name": wf.id} if wf.id else {"generateName": f"{wf.name}-"}
        annotations = {**dict(config.get("workflow_annotations") or {}), **wf.annotations}
        if annotations:
            metadata["annotations"] = {k: str(v) for k, v in annotations.items()}
        if wf.labels:
            metadata["labels"] = {k: str(v) for k, v in wf.labels.items()}
        return metadata

    def _options(self, spec: dict[str, Any]) -> None:
        wf = self.workflow
        if wf.parameters:
            spec["arguments"] = {
                "parameters": [{"name": k, "value": parameter_value(v)} for k, v in wf.parameters.items()]
            }
        if wf.parallelism is not None:
            spec["parallelism"] = wf.parallelism
        if wf.pod_gc_strategy:
            spec["podGC"] = {"strategy": wf.pod_gc_strategy}
        secrets = wf.image_pull_secrets
        if secrets:
            items = secrets if isinstance(secrets, (list, tuple)) else [secrets]
            spec["imagePullSecrets"] = [s if isinstance(s, dict) else {"name": str(s)} for s in items]
        repo_key = wf.artifact_repo_key or s3_config.get("repo_key")
        if repo_key:
            # The cluster's artifact repository holds the endpoint and the credentials (as
            # Kubernetes secret references): none of them belongs in the manifest.
            spec["artifactRepositoryRef"] = {"key": str(repo_key)}

    def manifest(self) -> dict[str, Any]:
        """The whole ``Workflow`` object, ready for the Argo Server."""
        wf = self.workflow
        if wf.entrypoint is None:
            raise CompileError(f"workflow {wf.name!r} has no steps: add() some before compiling it")
        from dflow_jupyter.model.validate import validate

        validate(wf.entrypoint)
        spec: dict[str, Any] = {"entrypoint": self._template_of(wf.entrypoint)}
        if wf.on_exit is not None:
            spec["onExit"] = self._template_of(wf.on_exit)
        self._options(spec)
        spec["templates"] = self.registry.templates
        return {"apiVersion": API_VERSION, "kind": "Workflow", "metadata": self._metadata(), "spec": spec}


def compile_workflow(workflow: Any, reuse_step: Any = None) -> dict[str, Any]:
    """The Argo ``Workflow`` manifest of ``workflow`` (see ``Compiler``).

    With ``reuse_step`` (steps of earlier runs, as ``submit(reuse_step=...)`` takes them) every
    keyed step is memoized under the workflow's id, as dflow does, so Argo hands the reused
    steps' outputs on instead of running them; ``workflow.id`` must be set.
    """
    prefix = None
    if reuse_step:
        if not workflow.id:
            raise CompileError(
                f"workflow {workflow.name!r}: compiling with reuse_step needs the workflow's id (the "
                "memoization keys start with it); set workflow.id or let submit() choose it"
            )
        prefix = str(workflow.id)
    return Compiler(workflow, prefix).manifest()
