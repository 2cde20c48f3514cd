"""``dflow_jupyter.plugins.dispatcher``: dflow's ``DispatcherExecutor`` is accepted and refused clearly."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import DAG, OutputParameter, ShellOPTemplate, Step, Task, Workflow, config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.plugins.dispatcher import DispatcherExecutor, DispatcherNotAvailableError

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


def slurm_executor() -> DispatcherExecutor:
    """As in dflow's Slurm tutorial."""
    return DispatcherExecutor(
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
        pre_script="echo pre",
        post_script="echo post",
        envs={"OMP_NUM_THREADS": "4"},
    )


def job_template() -> ShellOPTemplate:
    t = ShellOPTemplate(name="hpc-job", image="alpine", script="echo 1 > /tmp/out.txt")
    t.outputs.parameters = {"out": OutputParameter(value_from_path="/tmp/out.txt")}
    return t


def test_signature_is_dflows() -> None:
    assert list(inspect.signature(DispatcherExecutor).parameters) == DFLOW_PARAMETERS


def test_constructing_keeps_every_argument() -> None:
    ex = slurm_executor()
    assert isinstance(ex, dflow_jupyter.Executor)
    assert (ex.host, ex.username, ex.password, ex.queue_name, ex.port) == (
        "login.cluster",
        "alice",
        "s3cret",
        "cpu",
        22,
    )
    assert ex.remote_root == "/scratch/alice/dflow"
    assert ex.machine_dict == {"batch_type": "Slurm"}
    assert ex.resources_dict is not None and ex.resources_dict["cpu_per_node"] == 4
    assert ex.task_dict == {"outlog": "out.log"}
    assert (ex.retry_on_submission_error, ex.merge_sliced_step, ex.clean) == (3, True, False)
    assert (ex.pre_script, ex.post_script, ex.envs) == ("echo pre", "echo post", {"OMP_NUM_THREADS": "4"})
    assert ex.command == ["python3"] and ex.remote_command is None and ex.map_tmp_dir


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
    assert ex.image == "registry/dispatcher:1"
    assert ex.remote_command == ["python"]
    assert ex.remove_scheduling_strategies and not ex.merge_bohrium_job_group
    # A containerised remote run mounts its own /tmp (dflow's rule).
    assert not DispatcherExecutor(docker_executable="docker").map_tmp_dir


def test_repr_hides_the_password() -> None:
    text = repr(slurm_executor())
    assert "alice@login.cluster" in text and "s3cret" not in text


def test_render_refuses_and_names_the_template() -> None:
    with pytest.raises(DispatcherNotAvailableError) as info:
        slurm_executor().render(job_template())
    message = str(info.value)
    assert "'hpc-job'" in message and "dpdispatcher are not available in this release" in message
    assert "s3cret" not in message
    assert isinstance(info.value, NotImplementedError) and isinstance(info.value, DflowJupyterError)


def test_a_dag_task_using_it_fails_without_running() -> None:
    dag = DAG("hpc")
    dag.add(Task("relax", job_template(), executor=slurm_executor()))
    wf = Workflow("hpc", dag=dag)
    with pytest.raises(DispatcherNotAvailableError, match="template 'hpc-job' uses DispatcherExecutor"):
        wf.submit()
    assert wf.id is None  # refused before the run was even recorded


def test_a_step_using_it_fails_without_running() -> None:
    wf = Workflow("hpc")
    wf.add(Step("relax", job_template(), executor=slurm_executor()))
    with pytest.raises(DispatcherNotAvailableError, match="template 'hpc-job'"):
        wf.submit()


def test_nothing_runs_when_a_later_task_uses_it() -> None:
    dag = DAG("hpc")
    first = Task("prepare", job_template())
    dag.add(first)
    dag.add(Task("relax", job_template(), executor=slurm_executor(), dependencies=[first]))
    wf = Workflow("hpc", dag=dag)
    with pytest.raises(DispatcherNotAvailableError):
        wf.submit()
    assert wf.id is None
    assert not Path(config["debug_workdir"]).exists()  # not even the first task ran


def test_importing_it_does_not_import_dpdispatcher(tmp_path: Path) -> None:
    # A dpdispatcher that fails on import: any import of it, even an indirect one, shows.
    fake = tmp_path / "poisoned" / "dpdispatcher"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError('dpdispatcher was imported')\n")
    code = (
        "import sys\n"
        "from dflow_jupyter.plugins.dispatcher import DispatcherExecutor\n"
        "DispatcherExecutor(host='h', queue_name='q')\n"
        "print(sorted(m for m in sys.modules if m.startswith('dpdispatcher')))\n"
    )
    root = str(Path(dflow_jupyter.__file__).parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, str(fake.parent)])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
