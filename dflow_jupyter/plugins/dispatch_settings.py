"""A ``DispatcherExecutor``'s dpdispatcher settings (machine, resources, task), merged as dflow does."""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.errors import DflowJupyterError

#: dflow (through dpdispatcher) resubmits every job that ends without its finish tag up to the
#: machine's ``retry_count`` times (3 by default), a failing program included. Here a program
#: that fails is the step's failure at once (retry it with the template's ``retry_on_*``, which
#: shows each attempt as a node); a job the scheduler ended (time limit, cancelled, node failure)
#: is resubmitted only as often as ``machine_dict["retry_count"]`` says.
DEFAULT_RETRY_COUNT = 0

LOCAL_CONTEXTS = frozenset({"LocalContext", "Local", "LazyLocalContext", "LazyLocal"})
SSH_CONTEXTS = frozenset({"SSHContext", "SSH"})


class DispatcherConfigError(DflowJupyterError, ValueError):
    """A ``DispatcherExecutor`` setting dpdispatcher cannot use (named, with what would work)."""


def update_dict(base: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Merge ``extra`` into ``base``, nested dicts key by key (dflow's ``update_dict``)."""
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            update_dict(base[key], value)
        else:
            base[key] = copy.deepcopy(value)


def read_json_file(path: str | os.PathLike[str] | None) -> dict[str, Any]:
    """The ``{"machine": ..., "resources": ...}`` settings of ``json_file`` (empty without one)."""
    if path is None:
        return {}
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise DispatcherConfigError(
            f"DispatcherExecutor(json_file={os.fspath(path)!r}): cannot read it ({exc}); it must be "
            'a JSON object like {"machine": {...}, "resources": {...}}'
        ) from None
    if not isinstance(data, dict):
        raise DispatcherConfigError(
            f"DispatcherExecutor(json_file={os.fspath(path)!r}): expected a JSON object with "
            f"'machine' and 'resources', got {type(data).__name__}"
        )
    return data


def machine_settings(
    host: str | None,
    port: int,
    username: str,
    password: str | None,
    private_key_file: str | os.PathLike[str] | None,
    remote_root: str | None,
    from_json: Mapping[str, Any],
    given: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """dpdispatcher's ``machine`` dict: dflow's defaults, then ``json_file``, then ``machine_dict``.

    dflow always defaults to ``SSHContext``; without a ``host`` that cannot work, so here a
    machine without one defaults to ``LocalContext`` (jobs submitted from this machine).
    ``local_root`` and, for local contexts without ``remote_root``, ``remote_root`` are set per
    step when it runs.
    """
    machine: dict[str, Any] = {"batch_type": "Slurm"}
    if host is not None:
        machine["context_type"] = "SSHContext"
        profile: dict[str, Any] = {"hostname": host, "username": username, "port": port, "timeout": 10}
        if password is not None:
            profile["password"] = password
        if private_key_file is not None:
            profile["key_filename"] = os.fspath(private_key_file)
        machine["remote_profile"] = profile
        home = "/root" if username == "root" else f"/home/{username}"
        machine["remote_root"] = remote_root or f"{home}/dflow/workflows"
    else:
        machine["context_type"] = "LocalContext"
        if remote_root is not None:
            machine["remote_root"] = remote_root
    update_dict(machine, from_json.get("machine") or {})
    update_dict(machine, given or {})
    return machine


def resources_settings(
    queue_name: str | None, from_json: Mapping[str, Any], given: Mapping[str, Any] | None
) -> dict[str, Any]:
    """dpdispatcher's ``resources`` dict: dflow's defaults, the queue, ``json_file``, ``resources_dict``."""
    resources: dict[str, Any] = {
        "number_node": 1,
        "cpu_per_node": 1,
        "group_size": 5,
        "envs": {"PYTHONUNBUFFERED": "true"},
    }
    if queue_name is not None:
        resources["queue_name"] = queue_name
    update_dict(resources, from_json.get("resources") or {})
    update_dict(resources, given or {})
    return resources


def task_settings(given: Mapping[str, Any] | None) -> dict[str, Any]:
    """dpdispatcher's ``task`` dict. The log is the step's ``log.txt`` unless ``task_dict`` names another."""
    task: dict[str, Any] = {"task_work_path": "./", "outlog": "log.txt", "errlog": "log.txt"}
    update_dict(task, given or {})
    return task


def check_names(machine: Mapping[str, Any], batch_types: list[str], contexts: list[str]) -> None:
    """Refuse a batch or context type dpdispatcher does not know, listing those it does."""
    batch = machine.get("batch_type")
    if batch not in batch_types and str(batch).lower() not in batch_types:
        raise DispatcherConfigError(
            f"DispatcherExecutor: unknown batch_type {batch!r} in machine_dict; dpdispatcher knows "
            f"{', '.join(n for n in batch_types if n[0].isupper())}"
        )
    context = machine.get("context_type")
    if context not in contexts and str(context).lower() not in contexts:
        raise DispatcherConfigError(
            f"DispatcherExecutor: unknown context_type {context!r} in machine_dict; use "
            "LocalContext (submit from this machine), LazyLocalContext or SSHContext (with host=...)"
        )


def is_local(machine: Mapping[str, Any]) -> bool:
    """Whether jobs are submitted on this machine (so this Python and this package are there)."""
    context = str(machine.get("context_type", ""))
    return context in LOCAL_CONTEXTS or context.lower() in {c.lower() for c in LOCAL_CONTEXTS}


def batch_label(machine: Mapping[str, Any]) -> str:
    """How the node's message names the scheduler (``Slurm``, ``PBS``, ``Shell``...)."""
    return str(machine.get("batch_type") or "Slurm")


def without_secrets(machine: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``machine`` without passwords, for messages and records."""
    clean = copy.deepcopy(dict(machine))
    profile = clean.get("remote_profile")
    if isinstance(profile, dict):
        for key in ("password", "passphrase", "totp_secret"):
            if key in profile:
                profile[key] = "***"
    return clean
