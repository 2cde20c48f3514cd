"""The one-node Slurm cluster of ``scripts/slurm.sh`` for the HPC tests, and helpers to watch jobs."""

from __future__ import annotations

import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

SLURM_SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "slurm.sh"


def _slurm_conf() -> str | None:
    """``SLURM_CONF`` as set, else where ``scripts/slurm.sh`` writes it."""
    if os.environ.get("SLURM_CONF"):
        return os.environ["SLURM_CONF"]
    try:
        out = subprocess.run(["bash", str(SLURM_SCRIPT), "env"], capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.stdout.strip().removeprefix("export SLURM_CONF=") or None


def _cluster_problem(conf: str | None) -> str | None:
    if conf is None or not Path(conf).exists():
        return f"no Slurm config at {conf}: start the cluster with `bash scripts/slurm.sh start`"
    try:
        out = subprocess.run(
            ["sinfo", "-h", "-N", "-o", "%T"],
            env={**os.environ, "SLURM_CONF": conf},
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"sinfo did not answer ({exc}): install slurm-wlm and run `bash scripts/slurm.sh start`"
    states = out.stdout.split()
    if out.returncode != 0 or not states:
        return f"sinfo failed ({out.stderr.strip()}): run `bash scripts/slurm.sh start`"
    if not any(s.rstrip("*") in ("idle", "mixed", "allocated") for s in states):
        return f"the Slurm node is {', '.join(states)}, not up: run `bash scripts/slurm.sh start`"
    return None


@pytest.fixture(scope="session")
def slurm_cluster() -> Iterator[str]:
    """The cluster's ``SLURM_CONF``, exported for the client commands dpdispatcher runs.

    Without a cluster the HPC tests fail, never skip: ``scripts/test.sh`` starts it, so a missing
    one is a broken set-up, not an option.
    """
    conf = _slurm_conf()
    problem = _cluster_problem(conf)
    if problem is not None:
        pytest.fail(f"the Slurm cluster is not up: {problem}")
    assert conf is not None
    previous = os.environ.get("SLURM_CONF")
    os.environ["SLURM_CONF"] = conf
    try:
        yield conf
    finally:
        if previous is None:
            os.environ.pop("SLURM_CONF", None)
        else:
            os.environ["SLURM_CONF"] = previous


def job_ids(message: str | None) -> list[str]:
    """The job ids a node's message names (``queued on Slurm (job 12)``, ``(jobs 3, 4)``, ``(pid 9)``)."""
    match = re.search(r"\((?:jobs?|pid) ([\d, ]+)\)", message or "")
    return [part.strip() for part in match.group(1).split(",")] if match else []


def squeue_states(ids: list[str]) -> dict[str, str]:
    """Slurm's state of each job, finished ones included (``squeue -t all``)."""
    out = subprocess.run(
        ["squeue", "-h", "-t", "all", "-o", "%i %T", "-j", ",".join(ids)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(line.split() for line in out.stdout.splitlines() if line.strip())


def wait_until(condition: Callable[[], Any], timeout: float = 30, what: str = "condition") -> Any:
    """Poll ``condition`` until it returns something truthy; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def run_pod_script(
    template: dict[str, Any], root: Path, arguments: dict[str, str], workflow: str, *, ok: bool = True
) -> str:
    """Run an Argo pod's script here as Argo would; its output (stdout and stderr).

    The template's parameter defaults, then the step's ``arguments``, fill its ``{{...}}`` tags;
    its ``env`` is set; the script runs with this interpreter from ``root``. Its exit status must
    be a success when ``ok``, a failure otherwise.
    """
    import sys

    import dflow_jupyter

    values = {p["name"]: p.get("value", "") for p in template.get("inputs", {}).get("parameters", [])}
    values.update(arguments)
    tags = {f"inputs.parameters.{k}": v for k, v in values.items()}
    tags.update({"workflow.name": workflow, "pod.name": f"{workflow}-{template['name']}"})

    def substitute(text: str) -> str:
        return re.sub(r"{{([^{}]+)}}", lambda m: tags.get(m.group(1).strip(), m.group(0)), text)

    script = template["script"]
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1]), "ARGO_TEMPLATE": "{}"}
    env.update({e["name"]: substitute(e["value"]) for e in script.get("env", []) if "value" in e})
    done = subprocess.run(
        [sys.executable, "-c", substitute(script["source"])],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert (done.returncode == 0) == ok, done.stdout + done.stderr
    return done.stdout + done.stderr


def pod_job_ids(root: Path) -> list[str]:
    """The ids of the jobs a pod's script submitted from ``root`` (dpdispatcher's ``*_job_id`` files)."""
    return [p.read_text().strip() for p in root.rglob("*_job_id")]
