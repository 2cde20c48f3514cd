"""dflow's ``DispatcherExecutor`` (HPC steps through dpdispatcher): accepted, refused when a step uses it."""

from __future__ import annotations

import os
from typing import Any

from dflow_jupyter.config import config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.model.executor import Executor

# dpdispatcher is imported by nothing here: this module only has to exist, so that dflow code
# importing it (dflow's Slurm tutorial does) gets as far as building its workflow.

__all__ = ["DispatcherExecutor", "DispatcherNotAvailableError"]


class DispatcherNotAvailableError(DflowJupyterError, NotImplementedError):
    """A step uses ``DispatcherExecutor``, which this release cannot run yet."""


class DispatcherExecutor(Executor):
    """Run a step as a dpdispatcher job (Slurm, PBS, LSF, Bohrium, SSH), as dflow does.

    Not available in this release: constructing one works and keeps every argument, but when a
    step that uses it is about to start, :class:`DispatcherNotAvailableError` (naming the
    step's template) stops the run; the step never runs. Nothing imports dpdispatcher.

    The parameters are dflow's, in dflow's order; the attributes have the same names.

    Parameters
    ----------
    host : str, optional
        Remote host (SSH).
    queue_name : str, optional
        Queue (partition) of the scheduler.
    port : int
        SSH port.
    username : str
        SSH user name.
    password : str, optional
        SSH password.
    private_key_file : str or os.PathLike, optional
        SSH private key file.
    image : str, optional
        Image of the submitting step; default ``config["dispatcher_image"]``.
    image_pull_policy : str, optional
        Its pull policy; default ``config["dispatcher_image_pull_policy"]``.
    command : str or list of str
        Command of the submitting step.
    remote_command : str or list of str, optional
        Command that runs the step's script on the remote machine (default: the template's).
    map_tmp_dir : bool
        Map the script's ``/tmp`` to ``./tmp`` of the remote job; turned off when a container
        executable is given, as in dflow.
    machine_dict, resources_dict, task_dict : dict, optional
        dpdispatcher's ``Machine``, ``Resources`` and ``Task`` settings, kept as given.
    json_file : str or os.PathLike, optional
        JSON file with ``machine`` and ``resources`` settings (not read yet).
    docker_executable, singularity_executable, podman_executable : str, optional
        Container runtime that runs the step's image on the remote machine.
    container_args : str
        Extra arguments of that container runtime.
    remote_root : str, optional
        Working root on the remote machine.
    retry_on_submission_error : int, optional
        Retries when submitting the job fails.
    merge_sliced_step : bool
        Run all slices of a sliced step in one job.
    pre_script, post_script : str
        Python code run before and after the job is submitted.
    clean : bool
        Remove the remote working directory afterwards.
    remove_scheduling_strategies : bool
        Drop the template's node selector, tolerations and affinity.
    envs : dict of str to str, optional
        Environment variables of the job.
    merge_bohrium_job_group : bool
        Put the jobs of a workflow in one Bohrium job group.
    terminate_grace_period : int, optional
        Seconds left to collect outputs after the workflow is terminated.
    """

    def __init__(
        self,
        host: str | None = None,
        queue_name: str | None = None,
        port: int = 22,
        username: str = "root",
        password: str | None = None,
        private_key_file: str | os.PathLike[str] | None = None,
        image: str | None = None,
        image_pull_policy: str | None = None,
        command: str | list[str] = "python3",
        remote_command: str | list[str] | None = None,
        map_tmp_dir: bool = True,
        machine_dict: dict[str, Any] | None = None,
        resources_dict: dict[str, Any] | None = None,
        task_dict: dict[str, Any] | None = None,
        json_file: str | os.PathLike[str] | None = None,
        docker_executable: str | None = None,
        singularity_executable: str | None = None,
        container_args: str = "",
        podman_executable: str | None = None,
        remote_root: str | None = None,
        retry_on_submission_error: int | None = None,
        merge_sliced_step: bool = False,
        pre_script: str = "",
        post_script: str = "",
        clean: bool = True,
        remove_scheduling_strategies: bool = True,
        envs: dict[str, str] | None = None,
        merge_bohrium_job_group: bool = False,
        terminate_grace_period: int | None = None,
    ) -> None:
        self.host = host
        self.queue_name = queue_name
        self.port = port
        self.username = username
        self.password = password
        self.private_key_file = private_key_file
        self.image = config["dispatcher_image"] if image is None else image
        self.image_pull_policy = (
            config["dispatcher_image_pull_policy"] if image_pull_policy is None else image_pull_policy
        )
        self.command = [command] if isinstance(command, str) else list(command)
        self.remote_command = [remote_command] if isinstance(remote_command, str) else remote_command
        self.docker_executable = docker_executable
        self.singularity_executable = singularity_executable
        self.podman_executable = podman_executable
        # A containerised remote run mounts its own /tmp, so dflow stops mapping it.
        containerised = any(
            e is not None for e in (docker_executable, singularity_executable, podman_executable)
        )
        self.map_tmp_dir = map_tmp_dir and not containerised
        self.machine_dict = machine_dict
        self.resources_dict = resources_dict
        self.task_dict = task_dict
        self.json_file = json_file
        self.container_args = container_args
        self.remote_root = remote_root
        self.retry_on_submission_error = retry_on_submission_error
        self.merge_sliced_step = merge_sliced_step
        self.pre_script = pre_script
        self.post_script = post_script
        self.clean = clean
        self.remove_scheduling_strategies = remove_scheduling_strategies
        self.envs = envs
        self.merge_bohrium_job_group = merge_bohrium_job_group
        self.terminate_grace_period = terminate_grace_period

    def __repr__(self) -> str:
        # Never the password: reprs end up in logs and notebook outputs.
        where = f"{self.username}@{self.host}:{self.port}" if self.host else "no host"
        queue = "" if self.queue_name is None else f", queue_name={self.queue_name!r}"
        return f"DispatcherExecutor({where}{queue})"

    def render(self, template: Any) -> Any:
        """Refuse: a step sent to dpdispatcher cannot run in this release.

        Raises
        ------
        DispatcherNotAvailableError
            Always, naming ``template``.
        """
        name = getattr(template, "name", None) or type(template).__name__
        raise DispatcherNotAvailableError(
            f"template {name!r} uses {self!r}: HPC steps through dpdispatcher are not available "
            "in this release yet; remove executor=DispatcherExecutor(...) from the step to run it "
            "on this machine with the debug backend"
        )
