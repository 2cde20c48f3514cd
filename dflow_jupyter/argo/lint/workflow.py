"""The semantic lint of a whole Workflow or WorkflowTemplate (Argo's ``validate.Workflow``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from dflow_jupyter.argo.lint.args import Arguments, FakeArguments
from dflow_jupyter.argo.lint.context import Base, Options, Site, ValidationContext
from dflow_jupyter.argo.lint.io import validate_arguments
from dflow_jupyter.argo.lint.leaf import validate_pod_resources
from dflow_jupyter.argo.lint.names import is_parameter, validate_field_names
from dflow_jupyter.argo.lint.problems import Problem
from dflow_jupyter.argo.lint.steps import validate_hooks
from dflow_jupyter.argo.lint.templates import validate_template_holder
from dflow_jupyter.argo.lint.variables import ANY_WORKFLOW_OUTPUT_ARTIFACT, go_string

__all__ = ["semantic_problems"]

MAX_NAME = 63
_POD_GC = ("", "OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")
_TEMPLATE_KINDS = ("WorkflowTemplate", "ClusterWorkflowTemplate")


def _index(templates: Iterable[Mapping[str, Any]]) -> dict[tuple[bool, str], Mapping[str, Any]]:
    found: dict[tuple[bool, str], Mapping[str, Any]] = {}
    for doc in templates:
        name = (doc.get("metadata") or {}).get("name")
        if doc.get("kind") in _TEMPLATE_KINDS and name:
            found[(doc.get("kind") == "ClusterWorkflowTemplate", str(name))] = doc
    return found


def _global_params(
    ctx: ValidationContext,
    metadata: Mapping[str, Any],
    spec: Mapping[str, Any],
    args: Mapping[str, Any],
    ref_spec: Mapping[str, Any] | None,
) -> None:
    new = ctx.placeholders.next
    params = ctx.global_params
    for key in ("name", "namespace", "mainEntrypoint", "serviceAccountName", "uid"):
        params[f"workflow.{key}"] = new()
    parameters = [p for p in args.get("parameters") or [] if isinstance(p, Mapping)]
    if parameters:
        params["workflow.parameters"] = new()
        params["workflow.parameters.json"] = new()
    for param in parameters:
        if param.get("name"):
            value = param.get("value")
            params[f"workflow.parameters.{param['name']}"] = go_string(value) if value is not None else new()
    annotations, labels = set(metadata.get("annotations") or {}), set(metadata.get("labels") or {})
    for holder in (spec, ref_spec or {}):
        meta = holder.get("workflowMetadata") or {}
        annotations |= set(meta.get("annotations") or {})
        labels |= set(meta.get("labels") or {}) | set(meta.get("labelsFrom") or {})
    for kind, keys in (("annotations", annotations), ("labels", labels)):
        for key in keys:
            params[f"workflow.{kind}.{key}"] = new()
        params[f"workflow.{kind}"] = new()
        params[f"workflow.{kind}.json"] = new()
    if spec.get("priority") is not None:
        params["workflow.priority"] = str(spec["priority"])
    params["workflow.status"] = new()


def _merged_arguments(spec: Mapping[str, Any], ref_spec: Mapping[str, Any] | None) -> dict[str, Any]:
    args = dict(spec.get("arguments") or {})
    if ref_spec is None:
        return args
    theirs = ref_spec.get("arguments") or {}
    for kind in ("parameters", "artifacts"):
        mine = list(args.get(kind) or [])
        names = {item.get("name") for item in mine if isinstance(item, Mapping)}
        mine += [
            item
            for item in theirs.get(kind) or []
            if isinstance(item, Mapping) and item.get("name") not in names
        ]
        args[kind] = mine
    return args


def _parametrized_global_artifacts(*specs: Mapping[str, Any] | None) -> bool:
    for spec in specs:
        for template in (spec or {}).get("templates") or []:
            for art in (template.get("outputs") or {}).get("artifacts") or []:
                if art.get("globalName") and is_parameter(str(art["globalName"])):
                    return True
    return False


def semantic_problems(
    document: Mapping[str, Any],
    *,
    templates: Iterable[Mapping[str, Any]] = (),
    as_kind: str | None = None,
    options: Options | None = None,
) -> list[Problem]:
    """Argo's semantic checks of one Workflow or WorkflowTemplate, every problem recorded.

    Parameters
    ----------
    document : Mapping
        The parsed manifest.
    templates : iterable of Mapping
        WorkflowTemplates and ClusterWorkflowTemplates that ``templateRef`` and
        ``workflowTemplateRef`` may name (as ``argo lint --offline`` takes them from its files).
    as_kind : str, optional
        Validate as this kind instead of the document's ``kind``.
    options : Options, optional
        Argo's ``Opts`` (``lint``, ``submit``).
    """
    kind = as_kind or document.get("kind") or "Workflow"
    options = options or Options()
    metadata = document.get("metadata") or {}
    spec = document.get("spec") or {}
    if kind in _TEMPLATE_KINDS:
        options = Options(
            options.lint,
            options.submit,
            ignore_entrypoint=not spec.get("entrypoint"),
            template_validation=True,
        )
    ctx = ValidationContext(options, document, _index(templates))
    ctx.validate_holder = validate_template_holder
    name = str(metadata.get("name") or "")
    if len(name) > MAX_NAME:
        what = {"Workflow": "workflow", "WorkflowTemplate": "workflow template"}.get(
            kind, "cluster workflow template"
        )
        ctx.error(
            Site(anchor=("metadata", "name")),
            f'{what} name "{name}" must not be more than 63 characters long (currently {len(name)})',
        )
    _validate_spec(ctx, metadata, spec)
    return ctx.problems


def _entry_holder(ctx: ValidationContext, spec: Mapping[str, Any], ref: Any, template: str) -> dict[str, Any]:
    if isinstance(ref, Mapping):
        return {
            "templateRef": {
                "name": ref.get("name"),
                "template": template,
                "clusterScope": ref.get("clusterScope"),
            }
        }
    return {"template": template}


def _validate_spec(ctx: ValidationContext, metadata: Mapping[str, Any], spec: Mapping[str, Any]) -> None:
    root = Site(anchor=("spec",))
    base = Base("Workflow", str(metadata.get("name") or metadata.get("generateName") or ""), spec, ("spec",))
    ref, ref_spec = spec.get("workflowTemplateRef"), None
    entrypoint = spec.get("entrypoint") or ""
    if isinstance(ref, Mapping):
        if spec.get("templates"):
            ctx.error(
                root.at("templates"),
                "Templates is invalid field in spec if workflow referred WorkflowTemplate reference",
            )
            return
        try:
            ref_spec = ctx.referenced(bool(ref.get("clusterScope")), str(ref.get("name"))).spec
        except LookupError as exc:
            ctx.error(root.at("workflowTemplateRef"), str(exc.args[0]))
            return
        entrypoint = entrypoint or ref_spec.get("entrypoint") or ""
    error = validate_field_names(spec.get("templates") or [], params=False)
    if error:
        ctx.error(root.at("templates", error[0], "name"), f"spec.templates{error[1]}")
    args = _merged_arguments(spec, ref_spec)
    allow_empty = ctx.options.lint or (ctx.options.template_validation and not ctx.options.submit)
    validate_arguments(ctx, root.at("arguments"), "spec.arguments.", args, allow_empty)
    _global_params(ctx, metadata, spec, args, ref_spec)
    validation = ctx.options.template_validation
    if not ctx.options.ignore_entrypoint:
        if not entrypoint:
            ctx.error(root.at("entrypoint"), "spec.entrypoint is required")
        else:
            entry_args = FakeArguments(ctx.placeholders) if validation else Arguments(args)
            validate_template_holder(
                ctx, root.at("entrypoint"), _entry_holder(ctx, spec, ref, entrypoint), base, entry_args
            )
    on_exit = spec.get("onExit") or (ref_spec or {}).get("onExit")
    if on_exit:
        ctx.global_params["workflow.failures"] = ctx.placeholders.next()
        if _parametrized_global_artifacts(spec, ref_spec):
            ctx.global_params[ANY_WORKFLOW_OUTPUT_ARTIFACT] = "true"
        holder = _entry_holder(ctx, spec, ref, str(on_exit))
        validate_template_holder(ctx, root.at("onExit"), holder, base, Arguments(spec.get("arguments")))
    validate_hooks(ctx, root, spec.get("hooks"), "hooks")
    pod_gc = spec.get("podGC") or {}
    if isinstance(pod_gc, Mapping) and pod_gc.get("strategy", "") not in _POD_GC:
        ctx.error(root.at("podGC", "strategy"), f"podGC.strategy unknown strategy '{pod_gc.get('strategy')}'")
    validate_pod_resources(ctx, root.at("podResources"), "spec.podResources", spec.get("podResources"))
    if isinstance(ref, Mapping) and ref_spec is not None:
        for template in ref_spec.get("templates") or []:
            holder = _entry_holder(ctx, spec, ref, str(template.get("name")))
            site = root.at("workflowTemplateRef").wrap(f"templates.{template.get('name')}")
            validate_template_holder(ctx, site, holder, base, FakeArguments(ctx.placeholders))
        return
    for index, template in enumerate(spec.get("templates") or []):
        if isinstance(template, Mapping):
            site = root.at("templates", index).wrap(f"templates.{template.get('name')}")
            validate_template_holder(
                ctx, site, {"template": template.get("name")}, base, FakeArguments(ctx.placeholders)
            )
