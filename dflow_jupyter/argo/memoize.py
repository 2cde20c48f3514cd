"""``reuse_step`` on Argo as dflow does it: memoization cache entries in Kubernetes ConfigMaps.

dflow gives each keyed template ``memoize.key = "<workflow id>-{{inputs.parameters.dflow_key}}"``
with the cache ConfigMap ``dflow-<that key>`` (the compiler's part), and before creating the
workflow stores, for each reused step, the entry Argo's cache reads: the reused node's id and
outputs. Argo then skips the step and hands its recorded outputs on.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

import httpx

from dflow_jupyter.argo._http import client_options
from dflow_jupyter.argo.errors import ArgoError, server_message
from dflow_jupyter.argo.settings import ArgoSettings
from dflow_jupyter.status.wire import to_argo_string

__all__ = ["CACHE_LABEL", "config_map", "create_config_maps", "memoize_entries"]

#: The label Argo's controller looks for on memoization ConfigMaps.
CACHE_LABEL = {"workflows.argoproj.io/configmap-type": "Cache"}


def _field(step: Any, name: str) -> Any:
    getter = getattr(step, "get", None)
    return getter(name) if callable(getter) else getattr(step, name, None)


def _outputs(step: Any) -> dict[str, Any]:
    """The reused step's outputs in Argo's form, with changes made by ``modify_output_*``."""
    # ArgoStep keeps the status model's node: its outputs are the raw Argo entries.
    node = getattr(step, "node", None)
    raw: Mapping[str, Any] = getattr(node, "outputs", None) or {}
    view = _field(step, "outputs") or {}
    raw_params = {p["name"]: p for p in raw.get("parameters") or []}
    raw_arts = {a["name"]: a for a in raw.get("artifacts") or []}
    params = []
    for name, par in (_field(view, "parameters") or {}).items():
        entry = dict(raw_params.get(name) or {"name": name})
        entry["value"] = to_argo_string(par.get("value") if hasattr(par, "get") else par)
        params.append(entry)
    arts = []
    for name, art in (_field(view, "artifacts") or {}).items():
        entry = dict(raw_arts.get(name) or {"name": name})
        keys = [a.key for a in art] if isinstance(art, list) else [getattr(art, "key", None)]
        key = keys[0] if len(keys) == 1 else json.dumps(keys)
        if key is not None and (entry.get("s3") or {}).get("key") != key:
            entry["s3"] = {"key": key}
        arts.append(entry)
    outputs: dict[str, Any] = {"parameters": params, "artifacts": arts}
    if raw.get("exitCode") is not None:
        outputs["exitCode"] = raw["exitCode"]
    return outputs


def _inputs(step: Any) -> dict[str, str]:
    """The reused step's recorded input parameters (name to value)."""
    node = getattr(step, "node", None)
    raw: Mapping[str, Any] = getattr(node, "inputs", None) or _field(step, "inputs") or {}
    params = raw.get("parameters") or []
    if isinstance(params, Mapping):  # a query view: {name: parameter}
        return {str(k): str(_field(v, "value")) for k, v in params.items()}
    return {str(p["name"]): str(p.get("value")) for p in params if isinstance(p, Mapping) and "name" in p}


def _init_artifact_entry(step: Any, outputs: Mapping[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """The group key and the cache entry of a reused item's ``init-artifact`` step (dflow's).

    An item of a keyed sliced fan-out with stacked output artifacts wrote them under the key
    its ``init-artifact`` step reserved (``dflow_artifact_key``). Reusing that step's result
    in the new run hands the same key to the items that run again, so they add their files to
    the reused ones, as dflow does with ``overwrite_reused_artifact`` (its default).
    """
    inputs = _inputs(step)
    group, reserved = inputs.get("dflow_group_key"), inputs.get("dflow_artifact_key")
    if not group or not reserved:
        return None
    arts = [
        {"name": a["name"], "s3": {"key": f"{reserved}/{a['name']}"}, "archive": {"none": {}}}
        for a in outputs.get("artifacts") or []
        if str((a.get("s3") or {}).get("key", "")).startswith(reserved + "/")
    ]
    finished = _field(step, "finishedAt")
    return group, {
        "nodeID": f"dflow-{secrets.token_hex(5)}",
        "outputs": {"parameters": [{"name": "dflow_artifact_key", "value": reserved}], "artifacts": arts},
        "creationTimestamp": finished,
        "lastHitTimestamp": finished,
    }


def memoize_entries(
    workflow_id: str, reuse_steps: Iterable[Any]
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]]]:
    """dflow's memoize map of the reused steps, and the global parameters they publish.

    Returns ``{"<workflow id>-<key>": entry}`` (steps without a key cannot be reused and are
    skipped, as in dflow), plus ``"<workflow id>-<group key>-init-artifact"`` for the items
    of a sliced fan-out with stacked output artifacts, and ``{global name: parameter}`` for
    outputs with a ``globalName``.
    """
    entries: dict[str, dict[str, Any]] = {}
    global_params: dict[str, dict[str, Any]] = {}
    for step in reuse_steps:
        key = _field(step, "key")
        if not key:
            continue
        outputs = _outputs(step)
        finished = _field(step, "finishedAt")
        entries[f"{workflow_id}-{key}"] = {
            "nodeID": _field(step, "id"),
            "outputs": outputs,
            "creationTimestamp": finished,
            "lastHitTimestamp": finished,
        }
        init = _init_artifact_entry(step, outputs)
        if init is not None:
            entries.setdefault(f"{workflow_id}-{init[0]}-init-artifact", init[1])
        for par in outputs["parameters"]:
            global_name = par.get("globalName")
            if global_name and par["name"] != "dflow_global":
                published = {k: v for k, v in par.items() if k != "globalName"}
                global_params[global_name] = {**published, "name": global_name}
    return entries, global_params


def config_map(key: str, entry: Mapping[str, Any]) -> dict[str, Any]:
    """The ConfigMap holding one cache entry (named ``dflow-<key>``, as the templates expect)."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": f"dflow-{key}", "labels": dict(CACHE_LABEL)},
        "data": {key: json.dumps(entry)},
    }


def create_config_maps(
    settings: ArgoSettings,
    entries: Mapping[str, Mapping[str, Any]],
    *,
    transport: httpx.BaseTransport | None = None,
) -> list[str]:
    """Create (or replace) the cache ConfigMaps through the Kubernetes API server; their names."""
    if not entries:
        return []
    if not settings.k8s_api_server:
        raise ArgoError(
            "reuse_step on Argo stores memoization entries in ConfigMaps through the Kubernetes API, as "
            "dflow does: set config['k8s_api_server'] (DFLOW_K8S_API_SERVER) and config['token']"
        )
    options = client_options(settings)
    options["base_url"] = settings.k8s_api_server.rstrip("/")
    base = f"/api/v1/namespaces/{quote(settings.namespace, safe='')}/configmaps"
    names = []
    with httpx.Client(transport=transport, **options) as http:
        for key, entry in entries.items():
            body = config_map(key, entry)
            name = body["metadata"]["name"]
            try:
                response = http.post(base, json=body)
                if response.status_code == 409:  # an earlier submit of this id left it: replace
                    response = http.put(f"{base}/{quote(name, safe='')}", json=body)
            except httpx.TransportError as exc:
                raise ArgoError(
                    f"reuse_step: cannot reach the Kubernetes API server {settings.k8s_api_server} "
                    f"({type(exc).__name__}); check config['k8s_api_server']"
                ) from None
            if response.status_code >= 400:
                said = server_message(settings.redact(response.text))
                raise ArgoError(
                    f"reuse_step: the Kubernetes API server refused ConfigMap {name!r} in namespace "
                    f"{settings.namespace!r} (HTTP {response.status_code}): {said}",
                    status_code=response.status_code,
                    namespace=settings.namespace,
                )
            names.append(name)
    return names
