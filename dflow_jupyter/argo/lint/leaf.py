"""Leaf templates (containers, scripts, resources...), pod resources and metrics (Argo's rules)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.lint.context import Base, Site, ValidationContext
from dflow_jupyter.argo.lint.names import Placeholders, field_name_errors, is_valid_metric_name
from dflow_jupyter.argo.lint.variables import Scope, unresolved

__all__ = ["validate_leaf", "validate_metrics", "validate_pod_resources"]

_RESOURCE_ACTIONS = ("get", "create", "apply", "delete", "replace", "patch")
_RESERVED_CONTAINERS = ("wait", "supervisor")
_PLUGIN_SIDECAR_PREFIX = "artifact-plugin-"
_EXPRESSION_TAG = re.compile(r"{{\s*=\s*(.+?)\s*}}")


def _is_argo_sidecar(name: Any) -> bool:
    return isinstance(name, str) and (name in _RESERVED_CONTAINERS or name.startswith(_PLUGIN_SIDECAR_PREFIX))


def validate_pod_resources(ctx: ValidationContext, site: Site, prefix: str, resources: Any) -> None:
    """Pod-level resources: cpu, memory and hugepages-* only, no claims (Kubernetes' rule)."""
    if not isinstance(resources, Mapping):
        return
    if resources.get("claims"):
        ctx.error(site, f"{prefix}.claims is not supported for pod-level resources", "claims")
    for kind in ("limits", "requests"):
        for name in resources.get(kind) or {}:
            if name not in ("cpu", "memory") and not str(name).startswith("hugepages-"):
                ctx.error(
                    site,
                    f'{prefix}: "{name}" is not a valid pod-level resource, only cpu, memory and '
                    "hugepages-* are supported",
                    kind,
                    name,
                )


def _image_default(base: Base, kind: str) -> bool:
    defaults = base.spec.get("templateDefaults")
    holder = defaults.get(kind) if isinstance(defaults, Mapping) else None
    return isinstance(holder, Mapping) and bool(holder.get("image"))


def _container_set(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> None:
    name, spec = template.get("name"), template["containerSet"]
    if not isinstance(spec, Mapping):
        return
    prefix, here = f"templates.{name}.containerSet", site.at("containerSet")
    containers = [c for c in spec.get("containers") or [] if isinstance(c, Mapping)]
    if not containers:
        ctx.error(here, f"{prefix}.containers must have at least one container")
        return
    names = [str(c.get("name") or "") for c in containers]
    for index, cname in enumerate(names):
        errors = ["name is required"] if not cname else field_name_errors(cname)
        if errors:
            ctx.error(here, f"{prefix}.containers[{index}].name: '{cname}' is invalid: {';'.join(errors)}")
    mounts: dict[str, str] = {}
    for index, mount in enumerate(spec.get("volumeMounts") or []):
        path = mount.get("mountPath")
        if path in mounts:
            ctx.error(
                here, f"{prefix}.volumeMounts[{index}].mountPath '{path}' already mounted in {mounts[path]}"
            )
        mounts[path] = f"volumeMounts.{mount.get('name')}"
    for container in containers:
        for dep in container.get("dependencies") or []:
            if dep not in names:
                ctx.error(here, f"{prefix}.containers.{container.get('name')} dependency '{dep}' not defined")
    outputs = template.get("outputs") or {}
    has_io = (
        (template.get("inputs") or {}).get("artifacts")
        or outputs.get("parameters")
        or outputs.get("artifacts")
    )
    if has_io and "main" not in names:
        ctx.error(here, f'{prefix}.containers must have a container named "main" for input or output')
    for cname in names:
        if _is_argo_sidecar(cname):
            ctx.error(here, f'{prefix}.containers: "{cname}" is a reserved Argo container name')


def _container(ctx: ValidationContext, site: Site, template: Mapping[str, Any], base: Base) -> None:
    name, container = template.get("name"), template["container"]
    if not isinstance(container, Mapping):
        return
    mounts: dict[str, str] = {}
    for index, mount in enumerate(container.get("volumeMounts") or []):
        path = mount.get("mountPath")
        if path in mounts:
            ctx.error(
                site,
                f"templates.{name}.container.volumeMounts[{index}].mountPath '{path}' "
                f"already mounted in {mounts[path]}",
                "container",
                "volumeMounts",
                index,
            )
        mounts[path] = f"container.volumeMounts.{mount.get('name')}"
    for index, art in enumerate((template.get("inputs") or {}).get("artifacts") or []):
        path = art.get("path")
        if path in mounts:
            ctx.error(
                site,
                f"templates.{name}.inputs.artifacts[{index}].path '{path}' already mounted in {mounts[path]}",
                "inputs",
                "artifacts",
                index,
            )
        mounts[path] = f"inputs.artifacts.{art.get('name')}"
    if not container.get("image") and not _image_default(base, "container"):
        ctx.error(site, f"templates.{name}.container.image may not be empty", "container")


def _resource(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> None:
    name, resource = template.get("name"), template["resource"]
    if not isinstance(resource, Mapping):
        return
    here = site.at("resource")
    action, manifest, manifest_from = (
        resource.get("action"),
        resource.get("manifest"),
        resource.get("manifestFrom"),
    )
    if not Placeholders.is_placeholder(action) and action not in _RESOURCE_ACTIONS:
        ctx.error(here, f"templates.{name}.resource.action must be one of: {', '.join(_RESOURCE_ACTIONS)}")
    if action in ("delete", "get"):
        return
    if not manifest and manifest_from is None:
        ctx.error(
            here,
            f"either templates.{name}.resource.manifest or templates.{name}.resource.manifestFrom "
            "must be specified",
        )
    if manifest and manifest_from is not None:
        ctx.error(
            here,
            "shouldn't have both `manifest` and `manifestFrom` specified in `Manifest` for resource template",
        )
    artifact = manifest_from.get("artifact") if isinstance(manifest_from, Mapping) else None
    if isinstance(artifact, Mapping):
        inputs = [a.get("name") for a in (template.get("inputs") or {}).get("artifacts") or []]
        if artifact.get("name") not in inputs:
            ctx.error(
                here, f"artifact {artifact.get('name')} in `manifestFrom` refer to a non-exist artifact"
            )
    if isinstance(manifest, str) and manifest and not Placeholders.is_placeholder(manifest):
        import yaml

        try:
            yaml.safe_load(_EXPRESSION_TAG.sub("placeholder", manifest))
        except yaml.YAMLError:
            ctx.error(here, f"templates.{name}.resource.manifest must be a valid yaml", "manifest")


def _atoi(text: str) -> int | None:
    """Go's ``strconv.Atoi``: an optional sign and decimal digits, nothing else."""
    digits = text[1:] if text[:1] in "+-" else text
    return int(text) if digits.isdigit() and digits.isascii() else None


def _deadline(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> None:
    value = template.get("activeDeadlineSeconds")
    if value is None:
        return
    message = (
        f"templates.{template.get('name')}.activeDeadlineSeconds must be a positive integer > 0 "
        "or an argo variable"
    )
    if isinstance(value, int) and not isinstance(value, bool):
        number: int | None = value
    elif isinstance(value, str):
        number = _atoi(value)
        if number is None:
            if not (value.startswith("{{") and value.endswith("}}")) and not Placeholders.is_placeholder(
                value
            ):
                ctx.error(site, message, "activeDeadlineSeconds")
            return
    else:
        number = None
    # Argo's check is ``< 0`` although its message says ``> 0``.
    if number is None or number < 0:
        ctx.error(site, message, "activeDeadlineSeconds")


def validate_leaf(
    ctx: ValidationContext, site: Site, scope: Scope, template: Mapping[str, Any], base: Base
) -> None:
    """Argo's ``validateLeaf``: variables, mounts, images, reserved names, resource manifests."""
    name = template.get("name")
    validation = ctx.options.template_validation
    for where, message in unresolved(template, scope, ctx.global_params, template_validation=validation):
        ctx.error(site, f"templates.{name}: {message}", *where)
    if template.get("container") is not None:
        _container(ctx, site, template, base)
    if template.get("containerSet") is not None:
        _container_set(ctx, site, template)
    for index, sidecar in enumerate(template.get("sidecars") or []):
        if isinstance(sidecar, Mapping) and _is_argo_sidecar(sidecar.get("name")):
            ctx.error(
                site,
                f'templates.{name}.sidecars: "{sidecar.get("name")}" is a reserved Argo container name',
                "sidecars",
                index,
            )
    if template.get("resource") is not None:
        _resource(ctx, site, template)
    script = template.get("script")
    if isinstance(script, Mapping) and not script.get("image") and not _image_default(base, "script"):
        ctx.error(site, f"templates.{name}.script.image may not be empty", "script")
    _deadline(ctx, site, template)
    if template.get("parallelism") is not None:
        ctx.error(
            site, f"templates.{name}.parallelism is only valid for steps and dag templates", "parallelism"
        )


def validate_metrics(ctx: ValidationContext, site: Site, template: Mapping[str, Any]) -> None:
    """Prometheus metrics of a template: names, labels, help, values."""
    metrics = template.get("metrics")
    if not isinstance(metrics, Mapping):
        return
    name = template.get("name")
    for index, metric in enumerate(metrics.get("prometheus") or []):
        here = site.at("metrics", "prometheus", index)
        metric_name = metric.get("name", "")
        if not is_valid_metric_name(str(metric_name)):
            ctx.error(
                here,
                f"templates.{name} metric name '{metric_name}' is invalid. Metric names must contain "
                "alphanumeric characters or '_'",
            )
            continue
        for label in metric.get("labels") or []:
            key = label.get("key", "") if isinstance(label, Mapping) else ""
            if not is_valid_metric_name(str(key)):
                ctx.error(
                    here,
                    f"metric label '{key}' is invalid: keys may only contain alphanumeric characters or '_'",
                )
        if not metric.get("help"):
            ctx.error(
                here,
                f"templates.{name} metric '{metric_name}' must contain a help string under 'help: ' field",
            )
        error = _metric_value_error(metric)
        if error:
            ctx.error(here, f"templates.{name} metric '{metric_name}' error: {error}")


def _metric_value_error(metric: Mapping[str, Any]) -> str | None:
    gauge = metric.get("gauge")
    if isinstance(gauge, Mapping):
        if not gauge.get("value"):
            return "missing gauge.value"
        if gauge.get("realtime") and "resourcesDuration." in str(gauge["value"]):
            return "'resourcesDuration.*' metrics cannot be used in real-time"
    for kind in ("counter", "histogram"):
        holder = metric.get(kind)
        if isinstance(holder, Mapping) and not holder.get("value"):
            return f"missing {kind}.value"
    return None
