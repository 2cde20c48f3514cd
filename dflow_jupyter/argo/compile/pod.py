"""Pod and container settings shared by every leaf template: image, resources, scheduling, retries."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.config import config

__all__ = ["PROGRESS_ANNOTATION", "container_fields", "k8s_object", "pod_fields", "reuse_memoize"]

PROGRESS_ANNOTATION = "workflows.argoproj.io/progress"


def k8s_object(value: Any) -> Any:
    """A Kubernetes object as plain JSON: dicts as given, client models (``V1Volume``...) by their
    ``attribute_map`` (camelCase keys), ``None`` fields dropped."""
    if isinstance(value, Mapping):
        return {str(k): k8s_object(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [k8s_object(v) for v in value]
    attribute_map = getattr(value, "attribute_map", None)
    if isinstance(attribute_map, Mapping):
        fields = {attribute_map[k]: k8s_object(getattr(value, k)) for k in attribute_map}
        return {k: v for k, v in fields.items() if v is not None}
    return value


def _env(envs: Mapping[str, Any]) -> list[dict[str, Any]]:
    env = []
    for name, value in envs.items():
        if isinstance(value, Mapping):
            env.append({"name": name, **k8s_object(value)})
        else:
            from dflow_jupyter.status.wire import to_argo_string

            env.append({"name": name, "value": to_argo_string(value)})
    return env


def image_of(template: Any) -> str:
    """The template's image, or ``config["argo_default_image"]``.

    Raises
    ------
    CompileError
        Neither is set: Argo runs every script in a container image.
    """
    image = getattr(template, "image", None) or config.get("argo_default_image")
    if not image:
        raise CompileError(
            f"template {template.name!r} has no image: Argo runs each step in a container, so "
            f"pass image=... to {type(template).__name__} (an image with Python and, unless "
            "config['argo_package'] = 'artifact', dflow_jupyter installed), or set "
            "config['argo_default_image']"
        )
    return str(image)


def container_fields(
    template: Any, extra_env: list[dict[str, Any]] | None = None, default_image: str | None = None
) -> dict[str, Any]:
    """``image``, ``command``, ``env``, ``resources`` and ``volumeMounts`` of the main container."""
    image = image_of(template) if default_image is None or getattr(template, "image", None) else default_image
    fields: dict[str, Any] = {"image": image, "command": list(template.command)}
    if template.image_pull_policy:
        fields["imagePullPolicy"] = template.image_pull_policy
    env = _env(template.envs) + list(extra_env or [])
    if env:
        fields["env"] = env
    resources = {k: dict(v) for k, v in (("requests", template.requests), ("limits", template.limits)) if v}
    if resources:
        fields["resources"] = {k: {n: str(q) for n, q in v.items()} for k, v in resources.items()}
    if template.mounts:
        fields["volumeMounts"] = k8s_object(template.mounts)
    return fields


def pod_fields(template: Any, progress: str | None) -> dict[str, Any]:
    """Template-level pod settings: metadata, scheduling, volumes, side containers, retries, deadline."""
    fields: dict[str, Any] = {}
    annotations = dict(template.annotations)
    if progress:
        annotations.setdefault(PROGRESS_ANNOTATION, progress)
    metadata = {k: v for k, v in (("annotations", annotations), ("labels", dict(template.labels))) if v}
    if metadata:
        fields["metadata"] = metadata
    for key, value in (
        ("nodeSelector", template.node_selector),
        ("tolerations", template.tolerations),
        ("affinity", template.affinity),
        ("volumes", template.volumes),
        ("initContainers", template.init_containers),
        ("sidecars", template.sidecars),
    ):
        if value:
            fields[key] = k8s_object(value)
    retry = getattr(template, "retry_strategy", None)
    if retry is not None:
        fields["retryStrategy"] = retry.to_argo()
    timeout = getattr(template, "timeout", None)
    if timeout is not None:
        # The debug engine stops an OP at its timeout as Argo stops a pod at its deadline.
        fields["activeDeadlineSeconds"] = math.ceil(timeout)
    memoize = memoize_of(template)
    if memoize is not None:
        fields["memoize"] = memoize
    return fields


def memoize_of(template: Any) -> dict[str, Any] | None:
    """Argo's ``memoize`` for a ``memoize_key``; the cache ConfigMap's shape depends on the version.

    Argo 4 names the ConfigMap only; 3.x also needs a ``key`` (``config["argo_version"]``).
    """
    key = getattr(template, "memoize_key", None)
    if not key:
        return None
    cache: dict[str, Any] = {"name": "dflow-memoize"}
    if str(config.get("argo_version") or "4").lstrip("v").startswith("3"):
        cache["key"] = "memoize"
    return {"key": key, "maxAge": "", "cache": {"configMap": cache}}


def reuse_memoize(prefix: str) -> dict[str, Any]:
    """The ``memoize`` of a keyed leaf in a workflow submitted with ``reuse_step`` (dflow's).

    The cache key is ``<workflow id>-<the step's rendered key>``, so each item of a fan-out
    whose key is templated (``"sq-{{item}}"``) has its own entry; each entry lives in its own
    ConfigMap ``dflow-<cache key>``, the one ``argo.memoize`` creates for a reused step.
    """
    key = "%s-{{inputs.parameters.dflow_key}}" % prefix
    cache: dict[str, Any] = {"name": f"dflow-{key}"}
    if str(config.get("argo_version") or "4").lstrip("v").startswith("3"):
        cache["key"] = key  # 3.x requires it; the controller reads the entry named by memoize.key
    return {"key": key, "maxAge": "", "cache": {"configMap": cache}}
