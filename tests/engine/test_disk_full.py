"""A full disk ends the run cleanly: both records say how it ended and name the full directory.

On a 2 MB tmpfs when this process may mount one (root), else with ENOSPC injected at the
record-writing layer; under ``CI=true`` the mount must work.
"""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate
from dflow_jupyter.run_records import DiskFullError, workflow_dir

SIZE_FILE = "size.txt"


@OP.function
def fill(size_file: str) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    size = int(Path(size_file).read_text())
    Path("big.bin").write_bytes(b"x" * size)
    return {"out": Path("big.bin")}


@OP.function
def huge_parameter(n: int) -> {"text": str}:  # type: ignore[valid-type]
    return {"text": "y" * n}


@OP.function
def small(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x}


@pytest.fixture
def small_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Path, str]]:
    """A directory on a 2 MB filesystem, and how it is full: ``"tmpfs"`` or ``"injected"``."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True, text=True
    )
    if done.returncode != 0:
        if os.environ.get("CI") == "true":
            pytest.fail(f"cannot mount a tmpfs under CI=true: {done.stderr.strip()}")
        _inject_enospc(monkeypatch, limit=2 << 20)
    config["debug_workdir"] = str(mount / "wf")
    config["debug_artifact_dir"] = str(mount / "art")
    try:
        yield mount, "tmpfs" if done.returncode == 0 else "injected"
    finally:
        unmounted = done.returncode != 0 or subprocess.run(["umount", str(mount)], capture_output=True)
        if unmounted is not True and unmounted.returncode != 0:
            subprocess.run(["umount", "-l", str(mount)], check=True)  # busy: detach it lazily


def _inject_enospc(monkeypatch: pytest.MonkeyPatch, limit: int) -> None:
    """Without a small filesystem: records bigger than ``limit`` bytes fail as on a full disk."""
    from dflow_jupyter.engine import recorder

    real = recorder.write_atomic

    def write_atomic(path: Path, text: str) -> None:
        if len(text) > limit:
            raise DiskFullError(path, OSError(28, "No space left on device"))
        real(path, text)

    monkeypatch.setattr(recorder, "write_atomic", write_atomic)


def _records(wf: Workflow) -> tuple[str, str, str]:
    directory = workflow_dir(str(wf.id))
    snapshot = json.loads((directory / "status.json").read_text())["status"]
    return (directory / "status").read_text(), snapshot["phase"], snapshot.get("message", "")


def _temporary_files(root: Path) -> list[str]:
    return [str(p) for p in root.rglob("*") if ".tmp" in p.name or p.name == ".reserve"]


def test_an_output_too_big_for_the_disk_fails_the_run_cleanly(small_disk: tuple[Path, str]) -> None:
    mount, _ = small_disk
    wf = Workflow("full-record")
    wf.add(Step("before", PythonOPTemplate(small), parameters={"x": 1}))
    wf.add(Step("big", PythonOPTemplate(huge_parameter), parameters={"n": 3 << 20}))
    wf.submit()  # no bare OSError
    status, snapshot_phase, message = _records(wf)
    assert status == snapshot_phase == wf.query_status() == "Error"
    assert "no space left on the device holding" in message and str(mount) in message
    [big] = wf.query_step(name="big")
    assert big.phase == "Error" and str(mount) in big.message
    [before] = wf.query_step(name="before")
    assert before.phase == "Succeeded"
    assert _temporary_files(mount) == []


def test_an_op_filling_the_disk_fails_the_run_cleanly_and_a_restart_completes(
    small_disk: tuple[Path, str], tmp_path: Path
) -> None:
    mount, how = small_disk
    if how != "tmpfs":
        pytest.skip("an OP can only fill a real disk")
    size_file = tmp_path / SIZE_FILE
    size_file.write_text(str(3 << 20))
    wf = Workflow("full-op")
    first = Step("fill", PythonOPTemplate(fill), parameters={"size_file": str(size_file)})
    wf.add(first)
    wf.add(Step("after", PythonOPTemplate(small), parameters={"x": 2}))
    wf.submit()
    status, snapshot_phase, message = _records(wf)
    assert status == snapshot_phase == wf.query_status()
    assert status in ("Failed", "Error") and str(mount) in message
    [step] = wf.query_step(name="fill")
    assert step.phase in ("Failed", "Error") and "is full" in step.message and str(mount) in step.message
    assert _temporary_files(mount) == []
    # Free the space, make the OP fit, restart: the run completes.
    for leftover in mount.rglob("big.bin"):
        leftover.unlink()
    size_file.write_text("1000")
    again = Workflow("full-op", id=wf.id)
    again.add(Step("fill", PythonOPTemplate(fill), parameters={"size_file": str(size_file)}))
    again.add(Step("after", PythonOPTemplate(small), parameters={"x": 2}))
    again.submit()
    assert _records(again)[:2] == ("Succeeded", "Succeeded")


def test_a_disk_full_before_the_run_raises_a_clear_error(small_disk: tuple[Path, str]) -> None:
    mount, how = small_disk
    if how != "tmpfs":
        pytest.skip("needs a real disk to fill")
    filler = mount / "filler.bin"
    with open(filler, "wb", buffering=0) as f:
        try:
            while True:
                f.write(b"x" * 4096)
        except OSError:
            pass
    wf = Workflow("full-start")
    wf.add(Step("s", PythonOPTemplate(small), parameters={"x": 1}))
    try:
        wf.submit()
    except DiskFullError as exc:  # nothing could be recorded: the caller is told why
        assert str(mount) in str(exc) and "no space left" in str(exc)
    else:  # or the reserve sufficed to record the end
        assert _records(wf)[:2] == (wf.query_status(), wf.query_status())
    assert _temporary_files(mount) == []
