"""Resolving a step's template and checking a template (``validateTemplateHolder``, ``validateTemplate``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.args import Arguments, process_args
from dflow_jupyter.argo.lint.context import Base, Site, TemplateNotFound, ValidationContext
from dflow_jupyter.argo.lint.dag import validate_dag
from dflow_jupyter.argo.lint.io import validate_inputs, validate_outputs
from dflow_jupyter.argo.lint.kinds import LEAF_TYPES, POD_TYPES, TYPES, template_type, type_name
from dflow_jupyter.argo.lint.leaf import validate_leaf, validate_metrics, validate_pod_resources
from dflow_jupyter.argo.lint.names import PLACEHOLDER_PREFIX
from dflow_jupyter.argo.lint.steps import validate_steps
from dflow_jupyter.argo.lint.variables import Scope, TagError, tags_of

__all__ = ["validate_template_holder"]

_RETRY_POLICIES = ("Always", "OnError", "OnFailure", "OnTransientError", "", None)
_TYPE_LIST = "container, containerSet, steps, script, resource, dag, suspend, template, template ref"


def _has_simple_tags(value: Any) -> bool:
    texts = [value] if isinstance(value, str) else [v for v in value.values() if isinstance(v, str)]
    try:
        return any(not tag.startswith("=") for text in texts for _, _, tag in tags_of(text))
    except TagError:
        return True


def _resolve(
    ctx: ValidationContext, holder: Mapping[str, Any], base: Base
) -> tuple[Base, dict[str, Any], Any] | str | None:
    """(base, template, path) for the template ``holder`` names, Argo's error text, or None to skip."""
    ref, name, inline = holder.get("templateRef"), holder.get("template"), holder.get("inline")
    if isinstance(ref, Mapping):
        if name:
            return "template name cannot be specified with templateRef"
        if not ref.get("name"):
            return "resource name is required"
        if not ref.get("template"):
            return "template name is required"
        if _has_simple_tags(ref):
            return None  # a reference computed at run time: Argo checks it then
        try:
            other = ctx.referenced(bool(ref.get("clusterScope")), str(ref["name"]))
            found = other.template(str(ref["template"]))
            if found is None:
                raise TemplateNotFound(ref["template"])
        except TemplateNotFound:
            if PLACEHOLDER_PREFIX in str(ref["template"]):
                return None
            return f"template reference {ref['name']}.{ref['template']} not found"
        return other, found[1], None
    if isinstance(inline, Mapping):
        return base, dict(inline), None
    if name:
        found = base.template(str(name))
        if found is None:
            return f"template name '{name}' undefined"
        return base, found[1], base.template_path(found[0])
    return "failed to get a template"


def validate_template_holder(
    ctx: ValidationContext, site: Site, holder: Mapping[str, Any], base: Base, args: Arguments
) -> dict[str, Any] | None:
    """Resolve the template ``holder`` (a step, a task, the entrypoint) names and check it.

    Returns the resolved template (None when it cannot be resolved). Problems go to ``ctx``.
    """
    resolved = _resolve(ctx, holder, base)
    if resolved is None:
        return None
    if isinstance(resolved, str):
        ctx.error(site, resolved)
        return None
    new_base, template, path = resolved
    if template_type(template) is None:
        ctx.error(site, f"template '{template.get('name')}' type is unknown")
        return None
    retry = template.get("retryStrategy")
    if isinstance(retry, Mapping) and retry.get("retryPolicy") not in _RETRY_POLICIES:
        ctx.error(site, f"{retry.get('retryPolicy')} is not a valid RetryPolicy")
        return template
    _validate_template(ctx, site, site.enter(path), template, new_base, args)
    return template


def _local_params(ctx: ValidationContext, template: Mapping[str, Any], scope: Scope) -> dict[str, str]:
    local: dict[str, str] = {}
    names = ["pod.name"] if template_type(template) in POD_TYPES else []
    if template.get("retryStrategy") is not None:
        names += [
            "retries",
            "lastRetry.exitCode",
            "lastRetry.status",
            "lastRetry.duration",
            "lastRetry.message",
        ]
    for key in names:
        local[key] = ctx.placeholders.next()
        scope[key] = ctx.placeholders.next()
    if template_type(template) in LEAF_TYPES:
        outputs = template.get("outputs") or {}
        for art in outputs.get("artifacts") or []:
            if isinstance(art, Mapping) and art.get("path"):
                scope[f"outputs.artifacts.{art.get('name')}.path"] = True
        for param in outputs.get("parameters") or []:
            value_from = param.get("valueFrom") if isinstance(param, Mapping) else None
            if isinstance(value_from, Mapping) and value_from.get("path"):
                scope[f"outputs.parameters.{param.get('name')}.path"] = True
    return local


def _check_shape(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> bool:
    name = template.get("name")
    count = sum(1 for t in TYPES if template.get(t) is not None)
    if count != 1:
        which = "template type unspecified" if count == 0 else "multiple template types specified"
        ctx.error(site, f"templates.{name} {which}. choose one of: {_TYPE_LIST}")
        return False
    if template.get("podResources") is not None:
        if template_type(template) in ("http", "plugin"):
            shown = type_name(template)
            ctx.error(
                site, f"templates.{name}.podResources is not supported for {shown} templates", "podResources"
            )
            return False
        validate_pod_resources(
            ctx, site.at("podResources"), f"templates.{name}.podResources", template["podResources"]
        )
    return True


def _check_timeouts(ctx: ValidationContext, site: Site, new: Mapping[str, Any]) -> None:
    leaf = template_type(new) in LEAF_TYPES
    timeout = new.get("timeout")
    if timeout:
        if not leaf:
            ctx.error(site, f"{type_name(new)} template doesn't support timeout field", "timeout")
        elif str(timeout).lstrip("+-").isdigit():
            ctx.error(site, f"{new.get('name')} has invalid duration format in timeout", "timeout")
    if new.get("pendingTimeout") and not leaf:
        ctx.error(site, f"{type_name(new)} template doesn't support pendingTimeout field", "pendingTimeout")


def _validate_template(
    ctx: ValidationContext, caller: Site, site: Site, template: dict[str, Any], base: Base, args: Arguments
) -> None:
    """Argo's ``validateTemplate``: shape, inputs, arguments bound, then the body (once per template).

    ``caller`` is where the template is used: an input its arguments leave unsupplied is that
    caller's problem, reported there.
    """
    name = template.get("name")
    if not _check_shape(ctx, site, template):
        return
    scope = validate_inputs(ctx, site, template)
    for index, container in enumerate(template.get("initContainers") or []):
        if isinstance(container, Mapping) and not container.get("name"):
            ctx.error(site, "initContainers must all have container name", "initContainers", index)
    local = _local_params(ctx, template, scope)
    key = base.scope + str(name)
    # A template is checked once; later uses only bind their arguments (as Argo's cache does).
    checked = key in ctx.results
    new, error = process_args(template, args, ctx.global_params, local, bind_only=checked)
    if new is None:
        ctx.error(caller, f"templates.{name} {error}")
        return
    if template.get("resourceClaims") and template_type(new) not in POD_TYPES:
        ctx.error(
            site,
            f"templates.{name}.resourceClaims is not supported for {type_name(new)} templates, "
            "which do not create a pod",
            "resourceClaims",
        )
    _check_timeouts(ctx, site, new)
    if checked:
        return
    ctx.results.add(key)
    scope.update(ctx.global_params)
    kind = template_type(new)
    if kind == "steps":
        validate_steps(ctx, site, scope, new, base)
    elif kind == "dag":
        validate_dag(ctx, site, scope, new, base)
    else:
        validate_leaf(ctx, site, scope, new, base)
    validate_outputs(ctx, site, scope, new)
    archive = new.get("archiveLocation")
    if isinstance(archive, Mapping):
        git = archive.get("git")
        if isinstance(git, Mapping) and not git.get("repo"):
            ctx.error(site, f"templates.{name}.archiveLocation.git.repo is required", "archiveLocation")
    validate_metrics(ctx, site, new)
