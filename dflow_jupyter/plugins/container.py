"""dflow's ``ContainerExecutor``: a script template run in its image by docker, singularity or podman."""

from __future__ import annotations

import shlex
from typing import Any, Literal

from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.model.executor import Executor

__all__ = ["ContainerExecutor", "ContainerExecutorError", "container_command"]

Runtime = Literal["docker", "singularity", "podman"]
PullPolicy = Literal["Always", "IfNotPresent", "Never"]

#: The heredoc delimiter that carries the original script (a line nobody writes by accident).
_EOF = "DFLOW_CONTAINER_SCRIPT_EOF"


class ContainerExecutorError(DflowJupyterError, ValueError):
    """A ``ContainerExecutor`` cannot run this template (named, with what would work)."""


def default_pull_policy(image: str) -> PullPolicy:
    """Kubernetes' rule: ``Always`` for ``:latest`` or an untagged image, else ``IfNotPresent``."""
    last = image.rsplit("/", 1)[-1]
    if "@" in last:
        return "IfNotPresent"  # pinned by digest
    tag = last.split(":", 1)[1] if ":" in last else "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def _singularity_image(image: str) -> str:
    # A local image file runs as it is; a registry name is pulled from Docker Hub (or the scheme given).
    if "://" in image or image.endswith((".sif", ".simg")) or image.startswith(("/", "./", "../")):
        return image
    return f"docker://{image}"


def container_command(
    runtime: Runtime,
    executable: str,
    image: str,
    command: list[str],
    *,
    pull_policy: str | None = None,
    extra_args: str = "",
    script: str = "script",
) -> str:
    """The shell command that runs ``./<script>`` with ``command`` inside ``image``.

    The current directory's ``tmp`` is mounted as the container's ``/tmp`` (where dflow's
    templates read inputs and write outputs) and the script as ``/<script>``.

    Parameters
    ----------
    runtime
        ``docker``, ``singularity`` (also apptainer) or ``podman``.
    executable
        The runtime's executable (a name on ``PATH`` or a path).
    image
        The template's image.
    command
        The template's command (e.g. ``["sh"]`` or ``["python3"]``).
    pull_policy
        ``Always``, ``IfNotPresent`` or ``Never`` (docker and podman); default by the tag.
    extra_args
        Extra arguments of ``run``/``exec`` (``DispatcherExecutor(container_args=...)``).
    script
        The script file's name in the current directory.
    """
    exe = shlex.quote(executable)
    img = shlex.quote(image)
    cmd = " ".join(shlex.quote(part) for part in command)
    extra = f"{extra_args} " if extra_args else ""
    mounts = f'"$(pwd)/tmp:/tmp" {{flag}} "$(pwd)/{script}:/{script}"'
    if runtime == "singularity":
        binds = mounts.replace("{flag}", "-B")
        ref = shlex.quote(_singularity_image(image))
        return f"{exe} exec {extra}-B {binds} {ref} {cmd} /{script}"
    if runtime not in ("docker", "podman"):
        raise ContainerExecutorError(
            f"unknown container runtime {runtime!r}; use docker, singularity or podman"
        )
    policy = pull_policy or default_pull_policy(image)
    if policy == "Always":
        pull = f"{exe} pull {img} && "
    elif policy == "IfNotPresent":
        pull = f"{{ {exe} image inspect {img} >/dev/null 2>&1 || {exe} pull {img}; }} && "
    elif policy == "Never":
        pull = ""
    else:
        raise ContainerExecutorError(
            f"image_pull_policy must be Always, IfNotPresent or Never, got {pull_policy!r}"
        )
    volumes = mounts.replace("{flag}", "-v")
    return f"{pull}{exe} run --rm {extra}-v {volumes} {img} {cmd} /{script}"


class ContainerExecutor(Executor):
    """Run a script template's script in its image with docker, singularity or podman (dflow's).

    The rendered template is a shell script that writes the original script to ``script``,
    replaces symlinked inputs under ``tmp`` by copies (a container sees only what is mounted)
    and runs it in the image with ``tmp`` mounted as ``/tmp``. Exactly one runtime is used:
    docker, else singularity, else podman.

    Parameters
    ----------
    docker, singularity, podman : str, optional
        The runtime's executable (e.g. ``"docker"``).
    image_pull_policy : str, optional
        ``Always``, ``IfNotPresent`` or ``Never``; default: ``Always`` for ``:latest``.
    """

    def __init__(
        self,
        docker: str | None = None,
        singularity: str | None = None,
        podman: str | None = None,
        image_pull_policy: str | None = None,
    ) -> None:
        self.docker = docker
        self.singularity = singularity
        self.podman = podman
        self.image_pull_policy = image_pull_policy

    @property
    def runtime(self) -> tuple[Runtime, str]:
        """``(kind, executable)`` of the runtime this executor uses."""
        if self.docker is not None:
            return "docker", self.docker
        if self.singularity is not None:
            return "singularity", self.singularity
        if self.podman is not None:
            return "podman", self.podman
        raise ContainerExecutorError(
            "ContainerExecutor needs a container runtime: pass docker=, singularity= or podman= "
            "(the executable, e.g. docker='docker')"
        )

    def __repr__(self) -> str:
        kind, exe = self.runtime
        return f"ContainerExecutor({kind}={exe!r})"

    def render(self, template: Any) -> Any:
        """A copy of ``template`` whose shell script runs the original one in its image.

        Raises
        ------
        ContainerExecutorError
            For a ``PythonOPTemplate`` (its OP runs in this interpreter here), a template
            without an image, or no runtime.
        """
        kind, exe = self.runtime
        name = getattr(template, "name", type(template).__name__)
        if hasattr(template, "op_class"):
            raise ContainerExecutorError(
                f"template {name!r}: ContainerExecutor runs script templates (ShellOPTemplate, "
                "PythonScriptOPTemplate); a PythonOPTemplate's OP runs in this interpreter in the "
                "debug backend: drop the executor for this step or write the step as a script template"
            )
        if not hasattr(template, "script"):
            return template
        if not template.image:
            raise ContainerExecutorError(
                f"template {name!r}: ContainerExecutor needs the template's image (image=...)"
            )
        rendered = template.copy()
        # A name that says what happened, the same on every compile (dflow adds a random suffix).
        rendered.name = f"{template.name[:118]}-{kind}"
        rendered.command = ["sh"]
        rendered.script = render_container_script(
            template.script, kind, exe, template.image, list(template.command), self.image_pull_policy
        )
        rendered.script_rendered = True
        return rendered


def render_container_script(
    script: str,
    runtime: Runtime,
    executable: str,
    image: str,
    command: list[str],
    pull_policy: str | None = None,
) -> str:
    """The shell script a ``ContainerExecutor`` runs instead of ``script``."""
    return (
        # In an Argo pod the inputs are in /tmp itself (the debug backend runs this in the step's
        # directory, whose tmp holds them); Argo sets ARGO_TEMPLATE in every pod it runs.
        'if [ -n "$ARGO_TEMPLATE" ]; then cd /; fi\n'
        f"cat > script <<'{_EOF}'\n{script}\n{_EOF}\n"
        "mkdir -p tmp\n"
        "# A container sees only what is mounted: symlinked inputs become copies of their targets.\n"
        'find tmp -type l | while IFS= read -r link; do target=$(readlink -f "$link"); '
        'rm -f "$link"; cp -a "$target" "$link"; done\n'
        + container_command(runtime, executable, image, command, pull_policy=pull_policy)
        + "\n"
    )
