"""``ContainerExecutor``: the commands it renders (no container runtime runs here)."""

from __future__ import annotations

import subprocess

import pytest

from dflow_jupyter import PythonScriptOPTemplate, ShellOPTemplate
from dflow_jupyter.plugins.container import (
    ContainerExecutor,
    ContainerExecutorError,
    container_command,
    default_pull_policy,
)
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def double(x: int) -> {"y": int}:
    return {"y": 2 * x}


def test_docker_pulls_by_the_tag_and_mounts_tmp_and_the_script() -> None:
    command = container_command("docker", "docker", "python:3.11", ["python3"])
    assert command == (
        "{ docker image inspect python:3.11 >/dev/null 2>&1 || docker pull python:3.11; } && "
        'docker run --rm -v "$(pwd)/tmp:/tmp" -v "$(pwd)/script:/script" python:3.11 python3 /script'
    )


@pytest.mark.parametrize(
    ("image", "policy"),
    [
        ("alpine", "Always"),
        ("alpine:latest", "Always"),
        ("registry:5000/lab/alpine", "Always"),
        ("registry:5000/lab/alpine:3.20", "IfNotPresent"),
        ("alpine@sha256:0123", "IfNotPresent"),
    ],
)
def test_the_default_pull_policy_is_kubernetes(image: str, policy: str) -> None:
    assert default_pull_policy(image) == policy


def test_pull_policies_and_extra_arguments() -> None:
    always = container_command("podman", "podman", "alpine:3.20", ["sh"], pull_policy="Always")
    assert always.startswith("podman pull alpine:3.20 && podman run --rm -v ")
    never = container_command(
        "docker", "/usr/bin/docker", "alpine", ["sh"], pull_policy="Never", extra_args="--gpus all"
    )
    assert never == (
        '/usr/bin/docker run --rm --gpus all -v "$(pwd)/tmp:/tmp" -v "$(pwd)/script:/script" alpine sh /script'
    )
    with pytest.raises(ContainerExecutorError, match="Always, IfNotPresent or Never, got 'Sometimes'"):
        container_command("docker", "docker", "alpine", ["sh"], pull_policy="Sometimes")


def test_singularity_runs_registry_images_and_local_files() -> None:
    assert container_command("singularity", "apptainer", "python:3.11", ["python3"]) == (
        'apptainer exec -B "$(pwd)/tmp:/tmp" -B "$(pwd)/script:/script" docker://python:3.11 python3 /script'
    )
    local = container_command("singularity", "singularity", "/images/lammps.sif", ["sh"])
    assert " /images/lammps.sif sh /script" in local
    assert " library://lab/tool:1 " in container_command(
        "singularity", "singularity", "library://lab/tool:1", ["sh"]
    )


def test_names_are_shell_quoted() -> None:
    command = container_command("docker", "docker", "img; rm -rf /", ["sh"], pull_policy="Never")
    assert "'img; rm -rf /'" in command


def test_render_writes_the_script_and_runs_it_in_the_image() -> None:
    template = ShellOPTemplate(name="count", image="alpine:3.20", script="wc -l /tmp/inputs/x > /tmp/n")
    rendered = ContainerExecutor(docker="docker", image_pull_policy="Never").render(template)
    assert rendered is not template and rendered.name == "count-docker"
    assert rendered.command == ["sh"] and rendered.script_rendered
    assert template.script == "wc -l /tmp/inputs/x > /tmp/n"  # the original is untouched
    lines = rendered.script.splitlines()
    assert lines[0] == 'if [ -n "$ARGO_TEMPLATE" ]; then cd /; fi'  # on Argo: /tmp holds the inputs
    assert lines[1] == "cat > script <<'DFLOW_CONTAINER_SCRIPT_EOF'"
    assert lines[2] == "wc -l /tmp/inputs/x > /tmp/n"
    assert lines[-1] == (
        'docker run --rm -v "$(pwd)/tmp:/tmp" -v "$(pwd)/script:/script" alpine:3.20 sh /script'
    )


def test_the_rendered_script_is_valid_shell() -> None:
    template = PythonScriptOPTemplate(name="py", image="python:3.11", script="print('$HOME \"quoted\"')")
    rendered = ContainerExecutor(singularity="singularity").render(template)
    subprocess.run(["sh", "-n", "-c", rendered.script], check=True)
    assert "docker://python:3.11 python3 /script" in rendered.script


def test_what_it_cannot_run_is_refused_clearly() -> None:
    with pytest.raises(ContainerExecutorError, match="pass docker=, singularity= or podman="):
        ContainerExecutor().render(ShellOPTemplate(name="t", image="alpine", script="true"))
    with pytest.raises(ContainerExecutorError, match="needs the template's image"):
        ContainerExecutor(docker="docker").render(ShellOPTemplate(name="t", script="true"))
    with pytest.raises(ContainerExecutorError, match="PythonOPTemplate's OP runs in this interpreter"):
        ContainerExecutor(docker="docker").render(PythonOPTemplate(double, image="python:3.11"))
    assert repr(ContainerExecutor(podman="podman")) == "ContainerExecutor(podman='podman')"
