"""Global settings with dflow's keys, each overridable by its ``DFLOW_*`` environment variable."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from typing import Any

from dflow_jupyter.errors import UnknownKeyError


def _boolize(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() not in ("", "false", "0", "no", "off")
    return bool(value)


def _nullable(value: Any) -> Any:
    if isinstance(value, str) and value.strip().lower() in ("none", "null"):
        return None
    return value


def _optional_int(value: Any) -> int | None:
    value = _nullable(value)
    return None if value is None else int(value)


def _headers(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        pairs = (item.split(":", 1) for item in value.split(";") if ":" in item)
        return {k.strip(): v.strip() for k, v in pairs}
    return dict(value or {})


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


# key -> (default, converter for the environment string)
_CONFIG_SCHEMA: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "host": ("https://127.0.0.1:2746", str),
    "namespace": ("argo", str),
    "token": (None, _nullable),
    "k8s_config_file": (None, _nullable),
    "k8s_api_server": (None, _nullable),
    "private_key_host_path": (None, _nullable),
    "save_path_as_parameter": (False, _boolize),
    "catalog_dir_name": (".dflow", str),
    "archive_mode": ("tar", _nullable),
    "util_image": ("python:3.8", str),
    "util_image_pull_policy": (None, _nullable),
    "extender_image": ("dptechnology/dflow-extender", str),
    "extender_image_pull_policy": (None, _nullable),
    "dispatcher_image": ("dptechnology/dpdispatcher", str),
    "dispatcher_image_pull_policy": (None, _nullable),
    "save_keys_in_global_outputs": (False, _boolize),
    # dflow's default is "default" (Argo); ours is the in-process debug backend so that code
    # runs with no cluster and no configuration. "default" and "argo" both mean Argo.
    "mode": ("debug", str),
    "lineage": (None, _nullable),
    "register_tasks": (False, _boolize),
    "http_headers": ({}, _headers),
    "workflow_annotations": ({}, _json),
    "overwrite_reused_artifact": (True, _boolize),
    "detach": (False, _boolize),
    # How artifacts reach a consumer step: auto | reflink | link | copy | symlink.
    "debug_copy_method": ("auto", str),
    "debug_pool_workers": (None, _optional_int),
    "debug_batch_size": (None, _optional_int),
    "debug_batch_interval": (30, int),
    "detect_empty_dir": (True, _boolize),
    "artifact_register": ({}, _json),
    "debug_s3": (False, _boolize),
    "debug_workdir": (".", str),
    "debug_artifact_dir": (".", str),
    "debug_failfast": (False, _boolize),
    "debug_save_copy_method": ("auto", str),
    "raise_for_group": (False, _boolize),
    "dispatcher_debug": (False, _boolize),
    "dereference_symlink": (False, _boolize),
    # Ours: "inprocess" runs Python OPs in the calling process (prints, breakpoints and
    # post-mortem debugging work); "process" runs them in a warm pool of worker processes.
    "debug_isolation": ("inprocess", str),
    # Ours, for the Argo backend. dflow never verifies the Argo server's certificate (Argo's
    # default install serves a self-signed one), so neither do we unless asked: verify_ssl=True
    # checks against the system CAs, ca_cert against that bundle (and implies verification).
    "verify_ssl": (False, _boolize),
    "ca_cert": (None, _nullable),
    "client_cert": (None, _nullable),
    "client_key": (None, _nullable),
    # Seconds per request to the Argo server, retries of a 5xx or a lost connection, and the
    # seconds between two status polls (dflow's wait() interval).
    "argo_timeout": (30.0, float),
    # Which API runs workflows: "server" (the Argo Server at host), "kubernetes" (the Kubernetes
    # API server of k8s_api_server + token, else of the kubeconfig: k8s_config_file, KUBECONFIG,
    # ~/.kube/config) or "auto": the Argo Server when host was set, else a kubeconfig if any.
    "argo_api": ("auto", str),
    "argo_retries": (5, int),
    "poll_interval": (1.0, float),
    # Ours, for the Argo compiler: ship notebook OPs pickled when they have no source (opt-in);
    # dflow_jupyter reaches the pods baked in the image ("image") or as an input artifact
    # ("artifact", at argo_package_key in the cluster's artifact repository); the image of
    # templates that name none; the Argo version manifests target (memoize differs).
    "argo_pickle_ops": (False, _boolize),
    "argo_package": ("image", str),
    "argo_package_key": ("dflow-jupyter/dflow_jupyter.tgz", str),
    "argo_default_image": (None, _nullable),
    "argo_version": ("4.1.2", str),
    # Ours: templates nested this deep are an Error, as Argo's controller stops them
    # (maxAllowedStackDepth = 100 in workflow/controller/controller.go, argo-workflows PR 11646;
    # its DISABLE_MAX_RECURSION=true is None here).
    "max_recursion_depth": (100, _optional_int),
    # Ours: bytes of a step's output echoed into the notebook or terminal (the first and the last
    # half, with a line saying what was left out); its log.txt keeps everything. None: no cap.
    "log_echo_limit": (64 * 1024, _optional_int),
}

_S3_SCHEMA: dict[str, tuple[Any, Callable[[Any], Any]]] = {
    "endpoint": ("127.0.0.1:9000", str),
    "console": ("http://127.0.0.1:9001", str),
    "access_key": ("admin", str),
    "secret_key": ("password", str),
    "secure": (False, _boolize),
    "bucket_name": ("my-bucket", str),
    "repo_key": (None, _nullable),
    "repo": (None, _nullable),
    "repo_type": ("s3", str),
    "repo_prefix": ("", str),
    "prefix": ("", str),
    "storage_client": (None, _nullable),
    "extra_prefixes": ([], _json),
}


def _load(schema: dict[str, tuple[Any, Callable[[Any], Any]]], env_prefix: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for key, (default, convert) in schema.items():
        raw = os.environ.get(env_prefix + key.upper())
        values[key] = (
            convert(raw)
            if raw is not None
            else (default.copy() if isinstance(default, (dict, list)) else default)
        )
    return values


config: dict[str, Any] = _load(_CONFIG_SCHEMA, "DFLOW_")
s3_config: dict[str, Any] = _load(_S3_SCHEMA, "DFLOW_S3_")


def _update(target: dict[str, Any], schema: dict[str, Any], name: str, kwargs: Any) -> None:
    unknown = sorted(set(kwargs) - set(schema))
    if unknown:
        raise UnknownKeyError(
            f"{name}: unknown key(s) {', '.join(map(repr, unknown))}; "
            f"known keys are {', '.join(sorted(schema))}"
        )
    target.update(kwargs)


def set_config(**kwargs: Any) -> None:
    """Update ``config`` with dflow's keys, e.g. ``set_config(mode="debug")``."""
    _update(config, _CONFIG_SCHEMA, "set_config", kwargs)


def set_s3_config(**kwargs: Any) -> None:
    """Update ``s3_config`` with dflow's keys, e.g. ``set_s3_config(endpoint="127.0.0.1:9000")``."""
    _update(s3_config, _S3_SCHEMA, "set_s3_config", kwargs)


def config_keys() -> list[str]:
    """The keys ``config`` knows (dflow's plus ours)."""
    return sorted(_CONFIG_SCHEMA)


def convert_config_value(key: str, text: str) -> Any:
    """``text`` converted as ``key``'s ``DFLOW_*`` environment variable would be."""
    if key not in _CONFIG_SCHEMA:
        raise UnknownKeyError(
            f"unknown config key {key!r}; known keys are {', '.join(sorted(_CONFIG_SCHEMA))}"
        )
    return _CONFIG_SCHEMA[key][1](text)
