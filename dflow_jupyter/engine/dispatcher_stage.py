"""A dpdispatcher job's files, staged in its step directory, and the settings of its submission.

The step directory is the job's local root: dpdispatcher copies (or, from this machine,
links) the staged inputs to the job's remote directory, runs the command there and brings back
``dflow_out/`` (outputs) and the log. The job sees the step directory's layout: inputs under
``inputs/`` (Python OPs) or ``workdir/tmp/`` (scripts, whose ``/tmp`` is mapped there), and it
runs in ``workdir/``.
"""

from __future__ import annotations

import copy
import os
import shlex
import shutil
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dflow_jupyter.engine.dispatcher_runner import (
    JOB_FILE,
    OUT_DIR,
    map_paths,
    relative_to,
)
from dflow_jupyter.engine.pod_spec import PodSpec, write_parameter_files
from dflow_jupyter.engine.python_op import prepare_python_inputs
from dflow_jupyter.errors import StepRuntimeError
from dflow_jupyter.plugins.dispatch_settings import DEFAULT_RETRY_COUNT, is_local
from dflow_jupyter.plugins.dispatch_types import RunSettings, TaskSpec
from dflow_jupyter.status.wire import to_argo_string

RUN_SCRIPT = "dflow_run.sh"
#: Replaced, in the job, by its working directory: a script's ``/tmp`` becomes ``<workdir>/tmp``.
WORKDIR_MARK = "@DFLOW_WORKDIR@"
EXIT_CODE_FILE = "exit_code"


@dataclass
class StagedJob:
    """What ``stage`` prepared: the task to submit and the staged inputs' fingerprints."""

    task: TaskSpec
    fingerprints: list[Any]
    #: Script templates: each declared output's path relative to the step directory.
    output_paths: dict[str, str]


def package_root() -> str:
    """The directory that makes this very ``dflow_jupyter`` importable."""
    return str(Path(__file__).resolve().parents[2])


def _python(command: list[str], local: bool) -> list[str]:
    # From this machine, the job runs this interpreter (so this package and the OP's imports work).
    return [sys.executable if local and part in ("python", "python3") else part for part in command]


def stage(spec: PodSpec, scope: Any) -> StagedJob:
    """Stage the step's inputs and the job's program in ``spec.step_dir``."""
    shutil.rmtree(spec.step_dir / OUT_DIR, ignore_errors=True)  # a restarted step starts afresh
    if hasattr(spec.template, "op_class"):
        return _stage_python(spec)
    return _stage_script(spec, scope)


def _stage_python(spec: PodSpec) -> StagedJob:
    import cloudpickle

    template, executor = spec.template.template, spec.template.executor
    root = spec.step_dir
    prepared = prepare_python_inputs(spec)
    artifacts = {n for n, sign in template.input_sign.items() if type(sign).__name__ == "Artifact"}
    outputs = {n for n, sign in template.output_sign.items() if type(sign).__name__ == "Artifact"}
    to_rel = relative_to(root)
    inputs = [
        {k: map_paths(v, to_rel) if k in artifacts else v for k, v in op_in.items()} for op_in, _ in prepared
    ]
    payload = {
        "op": template.op if template.op is not None else template.op_class,
        "op_is_class": template.op is None,
        "inputs": inputs,
        "input_artifacts": artifacts,
        "output_artifacts": outputs,
        "key": spec.key,
        "workflow": spec.workflow,
    }
    # Two layers: the job extends sys.path before unpickling the OP, whose module may need it.
    job = {"sys_path": list(sys.path), "payload": cloudpickle.dumps(payload)}
    (root / JOB_FILE).write_bytes(cloudpickle.dumps(job))
    forward = [JOB_FILE]
    if (root / "inputs" / "artifacts").exists():
        forward.append("inputs/artifacts")
    python = _python(executor.remote_command or list(template.command), is_local(executor.machine_dict))
    command = " ".join(shlex.quote(part) for part in python) + " -m dflow_jupyter.engine.dispatcher_runner"
    task = TaskSpec(command=command, forward_files=forward, backward_files=[OUT_DIR])
    return StagedJob(task, [p for _, prints in prepared for p in prints], {})


def _relative_path(path: str, owner: str) -> str:
    """Where a script template's path lives, relative to the step directory."""
    if path == "/tmp" or path.startswith("/tmp/"):
        return "workdir/tmp" + path[len("/tmp") :]
    if os.path.isabs(path):
        raise StepRuntimeError(
            f"{owner}: path {path!r} is outside /tmp; a DispatcherExecutor step can only move "
            "files under /tmp (or relative to its working directory) to and from the job"
        )
    return f"workdir/{os.path.normpath(path)}"


def _stage_script(spec: PodSpec, scope: Any) -> StagedJob:
    from dflow_jupyter.expr import render_template

    template, executor = spec.template.template, spec.template.executor
    root = spec.step_dir
    (root / "workdir" / "tmp").mkdir(parents=True, exist_ok=True)
    forward = [RUN_SCRIPT, "workdir/script.in"]
    fingerprints: list[Any] = []
    for name, value in spec.parameters.items():
        decl = template.inputs.parameters[name]
        if decl.path:
            rel = _relative_path(decl.path, f"input parameter {name!r}")
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(to_argo_string(value))
            forward.append(rel)
    write_parameter_files(root / "inputs" / "parameters", spec.parameters)
    for name, art in spec.artifacts.items():
        if art is None:
            continue
        decl = template.inputs.artifacts[name]
        rel = _relative_path(decl.path or f"/tmp/inputs/artifacts/{name}", f"input artifact {name!r}")
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        fingerprints.append(spec.store.stage_at(art, root / rel))
        forward.append(rel)
    outputs: dict[str, str] = {}
    for name, out in template.outputs.parameters.items():
        if out.value_from_path:
            outputs[f"parameters/{name}"] = _relative_path(out.value_from_path, f"output parameter {name!r}")
    for name, art_out in template.outputs.artifacts.items():
        if art_out.path:
            outputs[f"artifacts/{name}"] = _relative_path(art_out.path, f"output artifact {name!r}")
    source = render_template(template.script, scope)
    if executor.map_tmp_dir:
        source = source.replace("/tmp", WORKDIR_MARK + "/tmp")
    (root / "workdir" / "script.in").write_text(source)
    (root / RUN_SCRIPT).write_text(_run_script(template, executor, sorted(set(outputs.values()))))
    task = TaskSpec(command=f"bash {RUN_SCRIPT}", forward_files=forward, backward_files=[OUT_DIR])
    return StagedJob(task, fingerprints, outputs)


def _run_script(template: Any, executor: Any, outputs: list[str]) -> str:
    """The job's program for a script template: run it in ``workdir``, then bundle its outputs."""
    from dflow_jupyter.plugins.container import container_command

    command = executor.remote_command or list(template.command)
    runtime = executor.container_runtime
    if runtime is not None:
        run = container_command(
            runtime[0],
            runtime[1],
            template.image or "",
            command,
            pull_policy=template.image_pull_policy,
            extra_args=executor.container_args,
        )
    else:
        run = " ".join(shlex.quote(p) for p in _python(command, is_local(executor.machine_dict))) + " script"
    quoted = " ".join(shlex.quote(p) for p in outputs)
    return f"""#!/bin/bash
# Written by dflow_jupyter: run the step's script in ./workdir, then move its outputs to ./{OUT_DIR}.
cd workdir || exit 1
mkdir -p tmp
export ARGO_PROGRESS_FILE="$(dirname "$PWD")/progress"
text=$(cat script.in; printf x)
text=${{text%x}}
printf '%s' "${{text//{WORKDIR_MARK}/"$PWD"}}" > script
{run}
code=$?
cd ..
mkdir -p {OUT_DIR}
for path in {quoted}; do
  if [ -e "$path" ] || [ -L "$path" ]; then
    mkdir -p "{OUT_DIR}/$(dirname "$path")" && mv "$path" "{OUT_DIR}/$path"
  fi
done
if [ -f progress ]; then cp progress {OUT_DIR}/progress; fi
echo "$code" > {OUT_DIR}/{EXIT_CODE_FILE}
"""


def run_settings(spec: PodSpec) -> RunSettings:
    """The submission's settings: the executor's, with this step's directories and environment."""
    template, executor = spec.template.template, spec.template.executor
    machine = copy.deepcopy(executor.machine_dict)
    local = is_local(machine)
    machine["local_root"] = str(spec.step_dir)
    if local and not machine.get("remote_root"):
        machine["remote_root"] = str(spec.step_dir / "remote")
    resources = copy.deepcopy(executor.resources_dict)
    envs = resources.setdefault("envs", {})
    envs.update({k: to_argo_string(v) for k, v in (getattr(template, "envs", None) or {}).items()})
    envs.update(executor.envs or {})
    # dpdispatcher names a submission's remote directory by its hash: a fresh id keeps a
    # restarted step, or two steps alike in every setting, out of each other's directory.
    envs.update(DFLOW_WORKFLOW=spec.workflow, DFLOW_POD=spec.node.id, DFLOW_SUBMISSION=uuid.uuid4().hex)
    if local:
        path = os.pathsep.join(p for p in (package_root(), os.environ.get("PYTHONPATH")) if p)
        envs["PYTHONPATH"] = path
    return RunSettings(
        machine=machine,
        resources=resources,
        task=dict(executor.task_dict),
        retry_on_submission_error=executor.retry_on_submission_error or 0,
        retry_count=int(executor.machine_dict.get("retry_count", DEFAULT_RETRY_COUNT)),
        clean=executor.clean,
        pre_script=executor.pre_script,
        post_script=executor.post_script,
        poll_interval=executor.poll_interval,
        log_path=spec.step_dir / "log.txt",
    )
