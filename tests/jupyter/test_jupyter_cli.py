"""``python -m dflow_jupyter SUBCOMMAND``: the ``%dflow`` subcommands from a terminal."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from jupyter_helpers import PYTHON, subprocess_env

OPS_MODULE = """
from pathlib import Path
from dflow_jupyter.python import OP, Artifact


@OP.function
def write(text: str, times: int) -> {"file": Artifact(Path)}:
    print("writing", text, times)
    Path("note.txt").write_text(text * times)
    return {"file": Path("note.txt")}


@OP.function
def ratio(file: Artifact(Path), by: float) -> float:
    return len(file.read_text()) / by
"""

RUN_SCRIPT = """
import json, sys
from dflow_jupyter import Workflow
from dflow_jupyter.config import config
from ops_mod import ratio, write

config["debug_workdir"] = "runs"
ids = {}
for name, by in (("good", 2.0), ("bad", 0.0)):
    with Workflow(name) as wf:
        w = write(text="ab", times=3)
        ratio(file=w["file"], by=by)
    steps = {s.displayName.rsplit("-", 1)[0]: s.displayName for s in wf.query_step(type="Pod")}
    ids[name] = {"id": wf.id, "phase": wf.query_status(), **steps}
print(json.dumps(ids))
"""


def _cli(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [PYTHON, "-m", "dflow_jupyter", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env=env or subprocess_env(),
        timeout=60,
    )


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, dict[str, str]]]:
    """Two workflows recorded by another process: 'good' succeeded, 'bad' failed."""
    root = tmp_path_factory.mktemp("cli")
    (root / "ops_mod.py").write_text(OPS_MODULE)
    done = subprocess.run(
        [PYTHON, "-c", RUN_SCRIPT],
        cwd=root,
        capture_output=True,
        text=True,
        env={
            **subprocess_env(),
            "PYTHONPATH": f"{subprocess_env()['PYTHONPATH']}{os.pathsep}{root}",
        },
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout.strip().splitlines()[-1])
    assert info["good"]["phase"] == "Succeeded" and info["bad"]["phase"] == "Failed"
    return root, info


def test_list_and_steps_print_text_tables(recorded: tuple[Path, dict[str, dict[str, str]]]) -> None:
    root, info = recorded
    listing = _cli(root, "--workdir", "runs", "list")
    assert listing.returncode == 0, listing.stderr
    lines = listing.stdout.splitlines()
    assert lines[0].split() == ["workflow", "phase", "progress", "start", "duration", "message"]
    assert [line.split()[:2] for line in lines[1:]] == [
        [info["bad"]["id"], "Failed"],
        [info["good"]["id"], "Succeeded"],
    ]
    steps = _cli(root, "--workdir", "runs", "steps", "good")
    assert steps.returncode == 0, steps.stderr
    out = steps.stdout.splitlines()
    assert out[0].startswith(f"workflow {info['good']['id']}: Succeeded · 2/2 steps")
    assert [line.split()[:3] for line in out[2:]] == [
        [info["good"]["id"], "Succeeded", "DAG"],
        [info["good"]["write"], "Succeeded", "Pod"],
        [info["good"]["ratio"], "Succeeded", "Pod"],
    ]


def test_workdir_from_the_environment(recorded: tuple[Path, dict[str, dict[str, str]]]) -> None:
    root, info = recorded
    done = _cli(
        root,
        "logs",
        info["good"]["id"],
        "write",
        env={**subprocess_env(), "DFLOW_DEBUG_WORKDIR": "runs"},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "writing ab 3\n"


def test_replay_from_a_terminal_needs_the_op(
    recorded: tuple[Path, dict[str, dict[str, str]]],
) -> None:
    root, info = recorded
    good = _cli(root, "--workdir", "runs", "replay", "good", "ratio", "--op", "ops_mod:ratio")
    assert good.returncode == 0, good.stderr
    assert good.stdout.splitlines()[0] == (
        f"replay of step {info['good']['ratio']} of workflow {info['good']['id']}: succeeded"
    )
    assert "  outputs  dflow_output = 3.0" in good.stdout
    by_path = _cli(
        root,
        "--workdir",
        "runs",
        "replay",
        "good",
        "ratio",
        "--op",
        str(root / "ops_mod.py") + ":ratio",
    )
    assert by_path.returncode == 0, by_path.stderr
    bad = _cli(root, "--workdir", "runs", "replay", "bad", "ratio", "--op", "ops_mod:ratio")
    assert bad.returncode == 1
    assert "raised ZeroDivisionError: float division by zero" in bad.stdout
    assert bad.stderr.startswith("Traceback") and "ZeroDivisionError" in bad.stderr
    missing = _cli(root, "--workdir", "runs", "replay", "good", "ratio")
    assert missing.returncode == 2
    assert "cannot find the OP of template 'ratio'" in missing.stderr
    assert "pass --op module:Name" in missing.stderr


def test_terminate_of_an_ended_workflow(recorded: tuple[Path, dict[str, dict[str, str]]]) -> None:
    root, info = recorded
    done = _cli(root, "--workdir", "runs", "terminate", "good")
    assert done.returncode == 0
    assert done.stdout.strip() == (
        f"workflow {info['good']['id']} has already ended (Succeeded); nothing to terminate"
    )


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ["steps"],
            "error: python -m dflow_jupyter steps: the following arguments are required: WF",
        ),
        (["stepz"], "invalid choice: 'stepz'"),
        (["steps", "nope"], "no workflow 'nope'"),
        (
            ["config", "debug_workdir=runs"],
            "set environment variables instead: DFLOW_DEBUG_WORKDIR=runs",
        ),
        (["mode", "debug"], "set environment variables instead: DFLOW_MODE=debug"),
        (["mode", "argo"], "set environment variables instead: DFLOW_MODE=argo"),
        (["logs", "good", "nothing"], "has no step 'nothing'"),
    ],
)
def test_bad_input_is_one_message_and_exit_code_2(
    recorded: tuple[Path, dict[str, dict[str, str]]], args: list[str], expected: str
) -> None:
    root, _ = recorded
    done = _cli(root, "--workdir", "runs", *args)
    assert done.returncode == 2
    assert expected in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: python -m dflow_jupyter")


def test_help_and_read_only_commands(recorded: tuple[Path, dict[str, dict[str, str]]]) -> None:
    root, _ = recorded
    done = _cli(root, "--help")
    assert done.returncode == 0
    for command in ("config", "mode", "list", "steps", "logs", "terminate", "replay", "demo"):
        assert command in done.stdout
    mode = _cli(root, "mode")
    assert (mode.returncode, mode.stdout) == (0, "mode = 'debug'\n")
    empty = _cli(root, "--workdir", "nowhere", "list")
    assert empty.returncode == 0 and empty.stdout.startswith("no workflow is recorded under ")


def test_the_cli_never_prints_a_token(tmp_path: Path) -> None:
    env = {**subprocess_env(), "DFLOW_TOKEN": "s3cret-token-value"}
    done = _cli(tmp_path, "config", env=env)
    assert done.returncode == 0, done.stderr
    assert "s3cret-token-value" not in done.stdout + done.stderr
    assert "token = '***' (set; not shown)" in done.stdout
