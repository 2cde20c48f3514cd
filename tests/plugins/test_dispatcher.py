"""``DispatcherExecutor`` without a cluster: dflow's arguments and settings, rendering, and bad settings."""

from __future__ import annotations

import inspect
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import OutputParameter, ShellOPTemplate, Step, Workflow, config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.plugins.dispatcher import DispatchedTemplate, DispatcherConfigError, DispatcherExecutor
from dflow_jupyter.python import OP, PythonOPTemplate

# dflow 1.8's DispatcherExecutor.__init__, in its order (notebooks pass the first ones positionally).
DFLOW_PARAMETERS = [
    "host",
    "queue_name",
    "port",
    "username",
    "password",
    "private_key_file",
    "image",
    "image_pull_policy",
    "command",
    "remote_command",
    "map_tmp_dir",
    "machine_dict",
    "resources_dict",
    "task_dict",
    "json_file",
    "docker_executable",
    "singularity_executable",
    "container_args",
    "podman_executable",
    "remote_root",
    "retry_on_submission_error",
    "merge_sliced_step",
    "pre_script",
    "post_script",
    "clean",
    "remove_scheduling_strategies",
    "envs",
    "merge_bohrium_job_group",
    "terminate_grace_period",
]


def ssh_executor(**extra: object) -> DispatcherExecutor:
    """As in dflow's Slurm tutorial, with everything set."""
    settings: dict[str, object] = dict(
        host="login.cluster",
        username="alice",
        password="s3cret",
        queue_name="cpu",
        remote_root="/scratch/alice/dflow",
        machine_dict={"batch_type": "Slurm"},
        resources_dict={"number_node": 1, "cpu_per_node": 4, "custom_flags": ["#SBATCH -t 1:00:00"]},
        task_dict={"outlog": "out.log"},
        retry_on_submission_error=3,
        merge_sliced_step=True,
        clean=False,
        pre_script="x = 1",
        post_script="y = 2",
        envs={"OMP_NUM_THREADS": "4"},
    )
    settings.update(extra)
    return DispatcherExecutor(**settings)  # type: ignore[arg-type]


def job_template() -> ShellOPTemplate:
    t = ShellOPTemplate(name="hpc-job", image="alpine", script="echo 1 > /tmp/out.txt")
    t.outputs.parameters = {"out": OutputParameter(value_from_path="/tmp/out.txt")}
    return t


@OP.function
def double(x: int) -> {"y": int}:
    return {"y": 2 * x}


def test_signature_is_dflows() -> None:
    # dflow's parameters in dflow's order; ours (the Secrets that hold them on Argo) keyword-only.
    parameters = inspect.signature(DispatcherExecutor).parameters
    assert list(parameters)[: len(DFLOW_PARAMETERS)] == DFLOW_PARAMETERS
    extra = {name: p.kind for name, p in parameters.items() if name not in DFLOW_PARAMETERS}
    assert extra == {
        "password_secret": inspect.Parameter.KEYWORD_ONLY,
        "private_key_secret": inspect.Parameter.KEYWORD_ONLY,
    }


def test_settings_merge_dflows_defaults_with_the_dicts_given() -> None:
    ex = ssh_executor()
    assert isinstance(ex, dflow_jupyter.Executor)
    assert ex.machine_dict == {
        "batch_type": "Slurm",
        "context_type": "SSHContext",
        "remote_profile": {
            "hostname": "login.cluster",
            "username": "alice",
            "port": 22,
            "timeout": 10,
            "password": "s3cret",
        },
        "remote_root": "/scratch/alice/dflow",
    }
    assert ex.resources_dict == {
        "number_node": 1,
        "cpu_per_node": 4,
        "group_size": 5,
        "envs": {"PYTHONUNBUFFERED": "true"},
        "queue_name": "cpu",
        "custom_flags": ["#SBATCH -t 1:00:00"],
    }
    assert ex.task_dict == {"task_work_path": "./", "outlog": "out.log", "errlog": "log.txt"}
    assert (ex.retry_on_submission_error, ex.merge_sliced_step, ex.clean) == (3, True, False)
    assert (ex.pre_script, ex.post_script, ex.envs) == ("x = 1", "y = 2", {"OMP_NUM_THREADS": "4"})
    assert ex.command == ["python3"] and ex.remote_command is None and ex.map_tmp_dir


def test_without_a_host_jobs_are_submitted_from_this_machine() -> None:
    ex = DispatcherExecutor(queue_name="debug")
    assert ex.machine_dict == {"batch_type": "Slurm", "context_type": "LocalContext"}
    assert ex.resources_dict["queue_name"] == "debug"
    # dflow's default remote root, by user, when only a host is given
    assert (
        DispatcherExecutor(host="h", username="bob").machine_dict["remote_root"]
        == "/home/bob/dflow/workflows"
    )
    # The default user is root, whose home dflow takes to be the root directory's "root".
    root_home = os.path.join(os.sep, "root")
    assert DispatcherExecutor(host="h").machine_dict["remote_root"] == f"{root_home}/dflow/workflows"


def test_json_file_sits_between_the_defaults_and_the_dicts(tmp_path: Path) -> None:
    path = tmp_path / "machine.json"
    path.write_text(
        json.dumps(
            {
                "machine": {"batch_type": "PBS", "remote_profile": {"port": 2222}},
                "resources": {"cpu_per_node": 8, "queue_name": "q"},
            }
        )
    )
    ex = DispatcherExecutor(
        host="h", json_file=path, resources_dict={"queue_name": "given"}, machine_dict={"retry_count": 2}
    )
    assert ex.machine_dict["batch_type"] == "PBS"
    assert ex.machine_dict["remote_profile"]["port"] == 2222  # merged key by key
    assert ex.machine_dict["remote_profile"]["hostname"] == "h"
    assert ex.machine_dict["retry_count"] == 2
    assert (ex.resources_dict["cpu_per_node"], ex.resources_dict["queue_name"]) == (8, "given")


def test_a_json_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("[1, 2]")
    with pytest.raises(DispatcherConfigError, match="expected a JSON object with 'machine'"):
        DispatcherExecutor(json_file=tmp_path / "bad.json")
    with pytest.raises(DispatcherConfigError, match="cannot read it"):
        DispatcherExecutor(json_file=tmp_path / "missing.json")


def test_defaults_follow_dflow() -> None:
    config["dispatcher_image"] = "registry/dispatcher:1"
    ex = DispatcherExecutor("host", "queue", 2222, "bob", None, "id_rsa", remote_command="python")
    assert (ex.host, ex.queue_name, ex.port, ex.username, ex.private_key_file) == (
        "host",
        "queue",
        2222,
        "bob",
        "id_rsa",
    )
    assert ex.machine_dict["remote_profile"]["key_filename"] == "id_rsa"
    assert ex.image == "registry/dispatcher:1"
    assert ex.remote_command == ["python"]
    assert ex.remove_scheduling_strategies and not ex.merge_bohrium_job_group
    # A containerised remote run mounts its own /tmp (dflow's rule).
    assert not DispatcherExecutor(docker_executable="docker").map_tmp_dir


def test_repr_hides_the_password() -> None:
    text = repr(ssh_executor())
    assert text == "DispatcherExecutor(Slurm from alice@login.cluster:22, queue_name='cpu')"
    assert "s3cret" not in text


def test_render_wraps_leaf_templates_for_the_engine() -> None:
    ex = ssh_executor()
    shell = job_template()
    rendered = ex.render(shell)
    assert isinstance(rendered, DispatchedTemplate) and rendered.runs_as_dispatcher_job
    assert rendered.template is shell and rendered.executor is ex
    # The engine reads the template's own declarations through the wrapper.
    assert rendered.name == "hpc-job" and rendered.outputs is shell.outputs
    assert rendered.script == shell.script and not hasattr(rendered, "op_class")
    python = PythonOPTemplate(double)
    assert ex.render(python).op_class is python.op_class


def test_argo_rendering_refuses_a_password_without_its_secret_unshown() -> None:
    # The whole Argo rendering is tested with the compiler (tests/argo/test_dispatcher_template.py).
    rendered = ssh_executor().render(job_template())
    leaf = {"name": "hpc-job", "script": {"image": "alpine", "command": ["sh"], "source": "true"}}
    with pytest.raises(DispatcherConfigError, match=r"template 'hpc-job'.*password_secret") as info:
        rendered.argo_template(leaf)
    assert "s3cret" not in str(info.value)


def test_a_container_runtime_is_for_script_templates() -> None:
    ex = DispatcherExecutor(docker_executable="docker")
    assert isinstance(ex.render(job_template()), DispatchedTemplate)
    with pytest.raises(DispatcherConfigError, match="PythonOPTemplate's OP runs with this package's runner"):
        ex.render(PythonOPTemplate(double))


def test_a_bad_retry_count_is_refused() -> None:
    with pytest.raises(DispatcherConfigError, match="non-negative int, got -1"):
        DispatcherExecutor(retry_on_submission_error=-1)


def failed_pod(wf: Workflow) -> object:
    [pod] = wf.query_step(type="Pod")
    return pod


def test_an_unknown_batch_type_fails_the_step_and_lists_the_known_ones() -> None:
    wf = Workflow("hpc")
    ex = DispatcherExecutor(machine_dict={"batch_type": "Slurmm"})
    wf.add(Step("relax", job_template(), executor=ex))
    wf.submit()
    assert wf.query_status() == "Error"  # the step could not start: an Error, as Argo says
    pod = failed_pod(wf)
    assert pod.phase == "Error"  # type: ignore[attr-defined]
    message = pod.message  # type: ignore[attr-defined]
    assert "unknown batch_type 'Slurmm'" in message
    assert all(name in message for name in ("Slurm", "PBS", "LSF", "Shell"))


def test_an_unknown_context_type_fails_the_step() -> None:
    wf = Workflow("hpc")
    wf.add(Step("relax", job_template(), executor=DispatcherExecutor(machine_dict={"context_type": "FTP"})))
    wf.submit()
    assert "unknown context_type 'FTP'" in failed_pod(wf).message  # type: ignore[attr-defined]


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])  # nothing listens once the socket is closed


def test_an_unreachable_ssh_host_fails_the_step_quickly() -> None:
    port = closed_port()
    wf = Workflow("hpc")
    ex = DispatcherExecutor(host="127.0.0.1", port=port, username="nobody", password="pw")
    wf.add(Step("relax", job_template(), executor=ex))
    wf.submit()
    pod = failed_pod(wf)
    assert pod.phase == "Error"  # type: ignore[attr-defined]
    message = pod.message  # type: ignore[attr-defined]
    assert f"cannot reach nobody@127.0.0.1:{port} over SSH" in message
    assert "Connection refused" in message and "pw" not in message.replace("port", "")


def test_unreachable_with_retries_says_so_then_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    from dflow_jupyter.status.events import events

    messages: list[str] = []
    unsubscribe = events.subscribe(
        lambda e: messages.append((e.node or {}).get("message") or "")  # type: ignore[attr-defined]
    )
    try:
        wf = Workflow("hpc")
        ex = DispatcherExecutor(host="127.0.0.1", port=closed_port(), retry_on_submission_error=1)
        wf.add(Step("relax", job_template(), executor=ex))
        wf.submit()
    finally:
        unsubscribe()
    assert any("submitting again in 1 s (1/1)" in m for m in messages)
    assert failed_pod(wf).phase == "Error"  # type: ignore[attr-defined]


def test_importing_it_does_not_import_dpdispatcher(tmp_path: Path) -> None:
    # A dpdispatcher that fails on import: any import of it, even an indirect one, shows.
    fake = tmp_path / "poisoned" / "dpdispatcher"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('dpdispatcher was imported')\n")
    code = (
        "import sys\n"
        "from dflow_jupyter.plugins.dispatcher import DispatcherExecutor\n"
        "from dflow_jupyter.plugins.container import ContainerExecutor\n"
        "ex = DispatcherExecutor(host='h', queue_name='q')\n"
        "from dflow_jupyter import ShellOPTemplate\n"
        "ex.render(ShellOPTemplate(name='t', script='true'))\n"
        "print(sorted(m for m in sys.modules if m.startswith('dpdispatcher')))\n"
    )
    root = str(Path(dflow_jupyter.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, str(fake.parent)])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_missing_dpdispatcher_is_an_instructive_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from dflow_jupyter.plugins import _dpdispatcher

    monkeypatch.setattr(_dpdispatcher, "_module", None)
    monkeypatch.setitem(sys.modules, "dpdispatcher", None)  # import fails
    with pytest.raises(_dpdispatcher.DpdispatcherMissingError, match=r"pip install 'dflow-jupyter\[hpc\]'"):
        _dpdispatcher.load_dpdispatcher()
    assert issubclass(_dpdispatcher.DpdispatcherMissingError, ImportError)
    assert issubclass(DispatcherConfigError, DflowJupyterError)
