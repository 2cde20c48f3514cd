"""dflow's ``DispatcherExecutor``: a step runs as a dpdispatcher job (Slurm, PBS, LSF, Shell...)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from dflow_jupyter.config import config
from dflow_jupyter.model.executor import Executor
from dflow_jupyter.plugins.dispatch_settings import (
    DispatcherConfigError,
    machine_settings,
    read_json_file,
    resources_settings,
    task_settings,
)

# Nothing here imports dpdispatcher: defining a workflow must not need it (nor pay its import).
# The debug engine imports it, through ``plugins._dpdispatcher``, when such a step starts.

__all__ = ["DispatchedTemplate", "DispatcherConfigError", "DispatcherExecutor"]


class DispatchedTemplate:
    """A leaf template rendered by a :class:`DispatcherExecutor`: the debug engine runs it as a job.

    Everything the engine reads from a template (name, inputs, outputs, retry strategy, timeout,
    the OP of a ``PythonOPTemplate``) is the original template's.

    Parameters
    ----------
    template
        The step's own template (a script template or a ``PythonOPTemplate``).
    executor
        The executor whose settings the job uses.
    """

    #: How the engine recognises a template to run through dpdispatcher.
    runs_as_dispatcher_job: ClassVar[bool] = True

    def __init__(self, template: Any, executor: DispatcherExecutor) -> None:
        self.template = template
        self.executor = executor

    def __getattr__(self, name: str) -> Any:
        # Dunder lookups (copy, pickle) must not recurse before ``template`` is set.
        if name.startswith("__") or name in ("template", "executor"):
            raise AttributeError(name)
        return getattr(self.template, name)

    def __repr__(self) -> str:
        return f"DispatchedTemplate({self.template!r}, {self.executor!r})"

    @property
    def merges_slices(self) -> bool:
        """Whether a sliced fan-out of this template runs as one pod (``merge_sliced_step``)."""
        return bool(self.executor.merge_sliced_step)

    def argo_template(self, leaf: dict[str, Any], slices: Any = None) -> dict[str, Any]:
        """The Argo template that submits the job, made from the compiled ``leaf`` template."""
        return self.executor.argo_template(leaf, slices)


class DispatcherExecutor(Executor):
    """Run a step as a dpdispatcher job (Slurm, PBS, LSF, Shell, ...), as dflow does.

    The parameters are dflow's, in dflow's order, and the attributes have the same names;
    ``machine_dict``, ``resources_dict`` and ``task_dict`` hold the merged settings (dflow's
    defaults, then ``json_file``, then the dicts given). In the debug backend a step with this
    executor stages its inputs (and, for a Python OP, the OP pickled with cloudpickle) in its
    step directory, submits one job through dpdispatcher, follows it without blocking other
    steps, and brings its outputs back like any step's.

    Parameters
    ----------
    host : str, optional
        Remote host: jobs are submitted over SSH (``SSHContext``). Without one they are submitted
        from this machine (``LocalContext``), unlike dflow, which always uses SSH.
    queue_name : str, optional
        Queue (Slurm partition) of the jobs.
    port : int
        SSH port.
    username : str
        SSH user name.
    password : str, optional
        SSH password (never shown in reprs or messages).
    private_key_file : str or os.PathLike, optional
        SSH private key file.
    image, image_pull_policy, command : optional
        The image and command of the pod that submits the job on Argo (unused in debug mode).
    remote_command : str or list of str, optional
        Command that runs the step's script in the job (default: the template's; ``python3``
        means this interpreter when jobs are submitted from this machine).
    map_tmp_dir : bool
        Map the script's ``/tmp`` to ``./tmp`` of the job; off when a container runs it.
    machine_dict, resources_dict, task_dict : dict, optional
        dpdispatcher's ``Machine``, ``Resources`` and ``Task`` settings, merged over dflow's
        defaults. ``machine_dict["retry_count"]`` resubmits jobs the scheduler ended (default
        0 here; a failing program is never resubmitted, use the template's ``retry_on_*``).
    json_file : str or os.PathLike, optional
        JSON file with ``machine`` and ``resources`` settings (read now).
    docker_executable, singularity_executable, podman_executable : str, optional
        Container runtime that runs a script template's image in the job.
    container_args : str
        Extra arguments of that container runtime.
    remote_root : str, optional
        Working root of the jobs (default: over SSH dflow's ``~/dflow/workflows``; from this
        machine the step directory's ``remote`` folder).
    retry_on_submission_error : int, optional
        Further attempts when staging or submitting the job fails (1, 2, 4... s apart).
    merge_sliced_step : bool
        Run all slices of a sliced step (``Slices`` with ``with_param``) in one job; on Argo
        in one pod that submits a task per slice in one submission, as dflow does.
    pre_script, post_script : str
        Python code run before the job is submitted and after its outputs came back (with
        ``machine``, ``resources``, ``tasks`` and ``submission`` defined), as in dflow.
    clean : bool
        Remove the job's remote working directory once its outputs are back.
    remove_scheduling_strategies : bool
        On Argo, drop the template's node selector, tolerations, affinity and CPU/memory
        requests from the pod that submits the job (the job gets them from ``resources_dict``).
    envs : dict, optional
        Exported in the job; on Argo set in the submitting pod too.
    merge_bohrium_job_group
        Kept for Bohrium (not supported).
    terminate_grace_period : int, optional
        On Argo, seconds the submitting pod waits after cancelling its jobs on SIGTERM.
    password_secret : str, optional
        On Argo, the Kubernetes Secret whose ``password`` key holds the SSH password (the
        password itself never enters a manifest). Not a dflow argument.
    private_key_secret : str, optional
        On Argo, the Kubernetes Secret holding the private key under the key file's base name,
        mounted in ``/root/.ssh``. Not a dflow argument.
    """

    #: Seconds between two looks at the scheduler once a job is waiting or running (polls
    #: start faster and slow down to this). Set it on an instance to poll a busy cluster less.
    poll_interval: float = 2.0

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
        *,
        password_secret: str | None = None,
        private_key_secret: str | None = None,
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
        # A containerised run mounts its own /tmp, so dflow stops mapping it.
        self.map_tmp_dir = map_tmp_dir and self.container_runtime is None
        self.json_file = json_file
        from_json = read_json_file(json_file)
        self.machine_dict = machine_settings(
            host, port, username, password, private_key_file, remote_root, from_json, machine_dict
        )
        self.resources_dict = resources_settings(queue_name, from_json, resources_dict)
        self.task_dict = task_settings(task_dict)
        self.container_args = container_args
        self.remote_root = remote_root
        if retry_on_submission_error is not None and (
            not isinstance(retry_on_submission_error, int) or retry_on_submission_error < 0
        ):
            raise DispatcherConfigError(
                "DispatcherExecutor: retry_on_submission_error must be a non-negative int, got "
                f"{retry_on_submission_error!r}"
            )
        self.retry_on_submission_error = retry_on_submission_error
        self.merge_sliced_step = merge_sliced_step
        self.pre_script = pre_script
        self.post_script = post_script
        self.clean = clean
        self.remove_scheduling_strategies = remove_scheduling_strategies
        self.envs = envs
        self.merge_bohrium_job_group = merge_bohrium_job_group
        self.terminate_grace_period = terminate_grace_period
        self.password_secret = password_secret
        self.private_key_secret = private_key_secret

    @property
    def container_runtime(self) -> tuple[str, str] | None:
        """``(kind, executable)`` of the container runtime the job uses, if any."""
        for kind, executable in (
            ("docker", self.docker_executable),
            ("singularity", self.singularity_executable),
            ("podman", self.podman_executable),
        ):
            if executable is not None:
                return kind, executable
        return None

    def __repr__(self) -> str:
        # Never the password: reprs end up in logs and notebook outputs.
        batch = self.machine_dict.get("batch_type")
        where = f"{self.username}@{self.host}:{self.port}" if self.host else "this machine"
        queue = "" if self.queue_name is None else f", queue_name={self.queue_name!r}"
        return f"DispatcherExecutor({batch} from {where}{queue})"

    def render(self, template: Any) -> Any:
        """The template the debug engine runs as a dpdispatcher job.

        Script templates and ``PythonOPTemplate`` are wrapped; anything else (which dflow's
        executor would not touch either) is returned as it is.

        Raises
        ------
        DispatcherConfigError
            When a container runtime is set for a ``PythonOPTemplate`` (its OP runs with this
            package's runner, which the image may not have).
        """
        is_python = hasattr(template, "op_class")
        if not is_python and not hasattr(template, "script"):
            return template
        runtime = self.container_runtime
        if is_python and runtime is not None:
            raise DispatcherConfigError(
                f"template {template.name!r}: {self!r} with {runtime[0]}_executable runs script "
                "templates in their image; a PythonOPTemplate's OP runs with this package's runner, "
                "which the image may not have: drop the container executable for this step or "
                "use a PythonScriptOPTemplate"
            )
        return DispatchedTemplate(template, self)

    def argo_template(self, leaf: dict[str, Any], slices: Any = None) -> dict[str, Any]:
        """The Argo template of a step with this executor: a pod that submits the job.

        Parameters
        ----------
        leaf
            The step's template as the compiler builds it without an executor.
        slices
            The step's ``Slices`` when it fans out over them: one pod (one job) per item, or,
            with ``merge_sliced_step``, one pod submitting a task per item, as dflow does.

        Raises
        ------
        DispatcherConfigError
            A password or key without its Kubernetes Secret, or slices that cannot be merged.
        """
        from dflow_jupyter.plugins.dispatch_argo import dispatcher_template

        return dispatcher_template(self, leaf, config, slices)
