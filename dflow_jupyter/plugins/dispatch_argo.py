"""A ``DispatcherExecutor`` step on Argo: a pod that submits the step as a dpdispatcher job, as dflow does.

The compiler builds the step's ordinary leaf template first; :func:`dispatcher_template` turns it
into a Python script run in the dispatcher image. That script writes the leaf's script to
``script`` (its ``/tmp`` mapped to the job's ``./tmp``), hands dpdispatcher the input artifacts
as forward files and the outputs as backward files, waits for the job, and leaves the outputs
where the leaf template declares them, so Argo collects them as usual. A SIGTERM (Argo's
terminate or deadline) cancels the unfinished jobs.

Secrets never enter the manifest: the SSH password comes from a Kubernetes Secret through an
environment variable (``secretKeyRef``) and the private key from a Secret mounted as a volume.
"""

from __future__ import annotations

import copy
import json
import os
import shlex
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dflow_jupyter.plugins.container import container_command
from dflow_jupyter.plugins.dispatch_merge import (
    MERGE_INPUTS,
    check_mergeable,
    fetch_command,
    merge_signature,
    stack_lines,
    submission_lines,
)
from dflow_jupyter.plugins.dispatch_settings import DEFAULT_RETRY_COUNT, DispatcherConfigError

if TYPE_CHECKING:
    from dflow_jupyter.plugins.dispatcher import DispatcherExecutor

__all__ = ["PASSWORD_ENV", "dispatcher_template"]

#: The pod's variable that carries the SSH password from its Secret.
PASSWORD_ENV = "DFLOW_DISPATCHER_PASSWORD"
#: Where the private key Secret (or dflow's ``private_key_host_path``) is mounted in the pod.
KEY_DIR = "/root/.ssh"
_SECRET_FIELDS = ("password", "passphrase", "totp_secret")
#: Pod settings that place a pod on a compute node: the dispatcher pod only submits (dflow's
#: ``remove_scheduling_strategies``).
_SCHEDULING = ("nodeSelector", "tolerations", "affinity")


def _relative(path: str) -> str:
    # The pod's script runs from "/", so "./tmp/..." is the leaf's "/tmp/..." (dflow's layout).
    return "./" + path.lstrip("/")


def _io_paths(leaf: dict[str, Any]) -> tuple[list[str], list[str]]:
    inputs, outputs = leaf.get("inputs", {}), leaf.get("outputs", {})
    forward = [_relative(a["path"]) for a in inputs.get("artifacts", []) if "path" in a]
    backward = [_relative(a["path"]) for a in outputs.get("artifacts", []) if "path" in a]
    backward += [
        _relative(p["valueFrom"]["path"])
        for p in outputs.get("parameters", [])
        if "path" in p.get("valueFrom", {})
    ]
    return forward, backward


def _required_outputs(leaf: dict[str, Any]) -> list[str]:
    """Outputs the job must bring back (dpdispatcher does not report the program's exit code)."""
    outputs = leaf.get("outputs", {})
    paths = [_relative(a["path"]) for a in outputs.get("artifacts", []) if not a.get("optional")]
    paths += [
        _relative(p["valueFrom"]["path"])
        for p in outputs.get("parameters", [])
        if "path" in p.get("valueFrom", {}) and "default" not in p["valueFrom"]
    ]
    return paths


def _job_command(executor: DispatcherExecutor, leaf: dict[str, Any], merged: bool) -> str:
    script = leaf["script"]
    remote = list(executor.remote_command or script["command"])
    runtime = executor.container_runtime
    if runtime is not None:
        run = container_command(
            runtime[0],  # type: ignore[arg-type]
            runtime[1],
            str(script["image"]),
            remote,
            pull_policy=script.get("imagePullPolicy"),
            extra_args=executor.container_args,
        )
    else:
        run = " ".join(shlex.quote(part) for part in remote) + " script"
    if merged:
        return fetch_command(executor.map_tmp_dir) + " && " + run
    if executor.map_tmp_dir:
        # The script says "$(pwd)/tmp"; the job's own directory is only known where it runs.
        run = 'sed -i "s#\\$(pwd)#$(pwd)#g" script && ' + run
    return run


def _machine(executor: DispatcherExecutor, name: str) -> tuple[dict[str, Any], bool]:
    """The machine settings without secrets, and whether the password is read from the pod's env."""
    machine = copy.deepcopy(executor.machine_dict)
    machine["local_root"] = "."
    # A pod that submits from its own machine: the jobs' directories beside its files unless
    # remote_root says where (a file system the compute nodes share).
    machine.setdefault("remote_root", "remote")
    # As in the debug backend: a failing program fails the step at once (retry it with the
    # template's retry_on_*), only jobs the scheduler ended are resubmitted when asked.
    machine.setdefault("retry_count", DEFAULT_RETRY_COUNT)
    profile = machine.get("remote_profile")
    from_env = False
    if isinstance(profile, dict):
        for field in _SECRET_FIELDS:
            if field not in profile:
                continue
            del profile[field]
            if field == "password" and executor.password_secret is not None:
                from_env = True
                continue
            raise DispatcherConfigError(
                f"template {name!r}: {executor!r} has an SSH {field}, which must not be written "
                "into an Argo manifest: store it in a Kubernetes Secret (kubectl create secret "
                f"generic NAME --from-literal=password=...) and pass password_secret='NAME'"
                + ("" if field == "password" else f"; a {field} cannot be passed to the pod yet")
            )
        if executor.private_key_file is not None:
            profile["key_filename"] = f"{KEY_DIR}/{os.path.basename(executor.private_key_file)}"
    return machine, from_env


def _key_volume(executor: DispatcherExecutor, name: str, config: Any) -> dict[str, Any] | None:
    if executor.private_key_file is None:
        return None
    base = os.path.basename(executor.private_key_file)
    if executor.private_key_secret is not None:
        return {
            "name": "dflow-private-key",
            # 0o600: ssh refuses a key others can read.
            "secret": {
                "secretName": executor.private_key_secret,
                "items": [{"key": base, "path": base}],
                "defaultMode": 0o600,
            },
        }
    if config.get("private_key_host_path"):
        return {"name": "dflow-private-key", "hostPath": {"path": str(config["private_key_host_path"])}}
    raise DispatcherConfigError(
        f"template {name!r}: {executor!r} reads a private key, which must reach the pod from a "
        f"Kubernetes Secret: kubectl create secret generic NAME --from-file={base}=<key file>, then "
        "pass private_key_secret='NAME' (or set config['private_key_host_path'])"
    )


def _literal(text: str) -> str:
    """``text`` as a readable triple-quoted Python literal (Argo's ``{{...}}`` tags left in it)."""
    body = text.replace("\\", "\\\\").replace("'''", "''\\'")
    if body.endswith("'"):
        body = body[:-1] + "\\'"
    return "'''" + body + "'''"


def _script(
    executor: DispatcherExecutor,
    leaf: dict[str, Any],
    machine: dict[str, Any],
    password_from_env: bool,
    env_names: list[str],
    debug: bool,
    merge_keys: list[str] | None,
) -> str:
    source = str(leaf["script"]["source"])
    if executor.map_tmp_dir:
        source = source.replace("/tmp", "$(pwd)/tmp")
    forward, backward = _io_paths(leaf)
    task = copy.deepcopy(executor.task_dict)
    merged = merge_keys is not None
    task.update(command=_job_command(executor, leaf, merged), forward_files=["script", *forward])
    task["backward_files"] = backward
    resources = copy.deepcopy(executor.resources_dict)
    # Two steps must never look like one job to dpdispatcher (it hashes the settings).
    resources.setdefault("envs", {}).update(
        {"DFLOW_WORKFLOW": "{{workflow.name}}", "DFLOW_POD": "{{pod.name}}"}
    )
    out = [executor.pre_script.rstrip("\n")] if executor.pre_script else []
    out += [
        "import json, os, shlex, signal",
        # dflow's rule: a pod starts anywhere and goes to "/", where Argo put the inputs; a
        # directory named "workdir" (dflow's debug layout, and the tests') is kept.
        "if not os.getcwd().endswith('workdir'):",
        "    os.chdir('/')",
        f"with open('script', 'w') as f:\n    f.write({_literal(source)})",
    ]
    if debug:
        out += ["import logging", "from dpdispatcher.dlog import dlog", "dlog.setLevel(logging.DEBUG)"]
    out += [
        "from dpdispatcher import Machine, Resources, Task, Submission",
        f"machine_dict = json.loads({json.dumps(machine)!r})",
    ]
    if password_from_env:
        out.append(f"machine_dict['remote_profile']['password'] = os.environ[{PASSWORD_ENV!r}]")
    out += [
        "machine = Machine.load_from_dict(machine_dict)",
        f"resources = Resources.load_from_dict(json.loads({json.dumps(resources)!r}))",
        f"task = Task.load_from_dict(json.loads({json.dumps(task)!r}))",
        # The step's inputs (DFLOW_INPUT_...) and envs travel to the job in its command, quoted
        # here: dpdispatcher's own ``resources.envs`` quotes them in some versions, not in others.
        f"names = {[*env_names, 'ARGO_TEMPLATE']!r}",
        "exports = ''.join('export %s=%s; ' % (n, shlex.quote(os.environ.get(n, ''))) for n in names)",
    ]
    if merge_keys is not None:
        out += submission_lines(merge_keys)
    else:
        out += [
            "task.command = exports + task.command",
            "task.forward_files = [f for f in task.forward_files if os.path.exists(f)]",
            "for f in task.backward_files:",
            "    os.makedirs(os.path.dirname(f), exist_ok=True)",
            "tasks = [task]",
            "submission = Submission(work_base='.', machine=machine, resources=resources, task_list=tasks)",
        ]
    out += [
        "def sigterm_handler(signum, frame):",
        "    print('Got SIGTERM, cancelling the unfinished jobs', flush=True)",
        "    submission.remove_unfinished_tasks()",
    ]
    if executor.terminate_grace_period:
        out += ["    import time", f"    time.sleep({int(executor.terminate_grace_period)})"]
    out += ["    raise SystemExit(143)", "signal.signal(signal.SIGTERM, sigterm_handler)"]
    run = f"submission.run_submission(clean={bool(executor.clean)})"
    submit: list[str] = []
    if executor.retry_on_submission_error:
        submit += [
            "import time, traceback",
            f"for retry in range({int(executor.retry_on_submission_error) + 1}):",
            "    try:",
            f"        {run}",
            "        break",
            "    except Exception:",
            f"        if retry == {int(executor.retry_on_submission_error)}:",
            "            raise",
            "        traceback.print_exc()",
            "        time.sleep(2 ** retry)",
        ]
    else:
        submit.append(run)
    if merge_keys is not None:
        # An empty fan-out submits nothing (dpdispatcher refuses a submission without tasks).
        out += ["if tasks:", *("    " + line for line in submit), *stack_lines(leaf, _relative)]
    else:
        out += submit
    out += [
        f"assert os.path.exists({p!r}), {p + ' did not come back from the job'!r}"
        for p in _required_outputs(leaf)
    ]
    if executor.post_script:
        out.append(executor.post_script.rstrip("\n"))
    return "\n".join(out) + "\n"


def dispatcher_template(
    executor: DispatcherExecutor, leaf: dict[str, Any], config: Any, slices: Any = None
) -> dict[str, Any]:
    """The Argo template of ``leaf`` (a compiled leaf template) run through ``executor``.

    ``slices`` are the step's ``Slices`` when it fans out over them: with ``merge_sliced_step``
    the template takes the step's items and submits one task per item (``dispatch_merge``).

    Raises
    ------
    DispatcherConfigError
        A secret that would have to be written into the manifest, or slices that cannot be
        merged (``group_size``, a slice pattern other than ``{{item}}``/``{{item.<key>}}``).
    """
    name = str(leaf["name"])
    machine, password_from_env = _machine(executor, name)
    result = copy.deepcopy(leaf)
    inner = result["script"]
    env: list[dict[str, Any]] = list(inner.get("env", []))
    merge_keys = None
    if slices is not None and executor.merge_sliced_step:
        merge_keys = check_mergeable(slices, name)
        merge_signature(result, env)
    # The items stay in the pod: a long item list must not be exported into every task.
    env_names = [e["name"] for e in env if "value" in e and e["name"].lower() not in MERGE_INPUTS]
    script: dict[str, Any] = {"image": executor.image, "command": list(executor.command)}
    if executor.image_pull_policy:
        script["imagePullPolicy"] = executor.image_pull_policy
    for key, value in (executor.envs or {}).items():
        # A mapping is a Kubernetes env source (e.g. a secretKeyRef): referenced, never copied.
        env.append(
            {"name": key, **value} if isinstance(value, Mapping) else {"name": key, "value": str(value)}
        )
        env_names.append(key)  # exported in the job, as in the debug backend
    if password_from_env:
        secret = {"name": executor.password_secret, "key": "password"}
        env.append({"name": PASSWORD_ENV, "valueFrom": {"secretKeyRef": secret}})
    if env:
        script["env"] = env
    resources = inner.get("resources")
    if resources and executor.remove_scheduling_strategies:
        # The dispatcher pod only needs scratch space; the job gets the CPUs.
        resources = {
            kind: {k: v for k, v in amounts.items() if k == "ephemeral-storage"}
            for kind, amounts in resources.items()
        }
        resources = {kind: amounts for kind, amounts in resources.items() if amounts}
    if resources:
        script["resources"] = resources
    mounts = list(inner.get("volumeMounts", []))
    volume = _key_volume(executor, name, config)
    if volume is not None:
        mounts.append({"name": volume["name"], "mountPath": KEY_DIR})
        result["volumes"] = [*result.get("volumes", []), volume]
    if mounts:
        script["volumeMounts"] = mounts
    script["source"] = _script(
        executor,
        leaf,
        machine,
        password_from_env,
        env_names,
        bool(config.get("dispatcher_debug")),
        merge_keys,
    )
    result["script"] = script
    if executor.remove_scheduling_strategies:
        for key in _SCHEDULING:
            result.pop(key, None)
    return result
