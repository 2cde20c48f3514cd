"""kill -9 at random moments of a fan-out and of a DAG, then restart.

After each kill: every record parses, every step that had finished is still Succeeded with
outputs whose content is what it produced, and a restart completes without running those
steps again.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import reliability_flows as flows

from dflow_jupyter.run_records import load_status, workflow_dir
from dflow_jupyter.status.phase import ACTIVE_PHASES, FINISHED_PHASES
from dflow_jupyter.status.wire import decode_outputs
from dflow_jupyter.storage import LocalStore

#: Trials per shape and isolation mode (4 combinations).
TRIALS = 30 if flows.LONG else 5
PAUSE = 0.05
HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def _tag(display: str) -> str:
    """The run-log tag of a step, from its node's display name."""
    if display.startswith("items("):
        return "item-" + display[len("items(") :].split(":")[0]
    if display.startswith("branch"):
        return "grow-" + display[len("branch") :]
    return {"root": "item-1"}.get(display, display)


def _start(shape: str, wf_id: str, work: Path, isolation: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(HERE)])}
    code = "import reliability_flows as f; f.main()"
    args = [shape, wf_id, str(work), isolation, str(log), str(PAUSE)]
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=work,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its pool workers are in its process group: killed with it
    )


def _committed(directory: Path) -> int:
    """How many steps have committed their record so far."""
    try:
        return sum(
            1 for step in os.scandir(directory) if os.path.exists(os.path.join(step.path, "node.json"))
        )
    except FileNotFoundError:
        return 0


def _kill_during_run(child: subprocess.Popen[bytes], directory: Path, steps: int, jitter: float) -> bool:
    """Kill the child once ``steps`` steps have finished, ``jitter`` s later; False if it had ended."""
    deadline = time.monotonic() + 120
    while child.poll() is None and time.monotonic() < deadline:
        if (directory / "status.json").exists() and _committed(directory) >= steps:
            break
        time.sleep(0.002)
    time.sleep(jitter)
    ended = child.poll() is not None
    try:
        os.killpg(child.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    child.wait()
    return not ended


def _check_records(directory: Path) -> None:
    """Every record parses: status, status.json and each step's node.json."""
    assert (directory / "status").read_text() in {*ACTIVE_PHASES, *FINISHED_PHASES}
    json.loads((directory / "status.json").read_text())
    for step in directory.iterdir():
        if (step / "node.json").exists():
            json.loads((step / "node.json").read_text())


def _finished_steps(directory: Path, store: LocalStore) -> dict[str, str]:
    """Tags of the Pod steps recorded Succeeded, after checking their outputs are intact."""
    status = load_status(directory)
    done: dict[str, str] = {}
    for node in status.nodes.values():
        if node.type != "Pod" or node.phase != "Succeeded":
            continue
        _, arts = decode_outputs(node.outputs)
        for art in arts.values():
            assert store.changed_files(art) == [], f"{node.display_name}: output changed"
            for path in Path(art.key).rglob("*.txt"):
                assert path.read_text().split()[0] in ("item", "total")
        done[node.display_name] = _tag(node.display_name)
    return done


def _trial(shape: str, isolation: str, work: Path, rng: random.Random) -> dict[str, Any]:
    work.mkdir()
    log = work / "runs.log"
    wf_id = f"kill-{shape}-{work.name}"
    flows.configure(str(work), isolation)
    directory = workflow_dir(wf_id)
    child = _start(shape, wf_id, work, isolation, log)
    total = flows.FANOUT_ITEMS + 1 if shape == "fanout" else flows.DAG_BRANCHES + 2
    mid_run = _kill_during_run(child, directory, rng.randint(0, total), rng.uniform(0.0, 2 * PAUSE))
    store = LocalStore(Path(work / "artifacts"))
    if not (directory / "status.json").exists():
        return {"mid_run": False, "before_start": True, "finished": 0, "rerun": 0}
    _check_records(directory)
    done = _finished_steps(directory, store)
    before = flows.runs(str(log))
    wf = flows.SHAPES[shape](str(log), PAUSE, wf_id)
    wf.submit()
    assert wf.query_status() == "Succeeded"
    [last] = wf.query_step(name="total" if shape == "fanout" else "join")
    assert last.outputs.parameters["total"].value == flows.expected_total(shape)
    after = flows.runs(str(log))
    for display, tag in done.items():
        assert after[tag] == before[tag], f"{display} ran again after the restart"
        assert any(s.phase == "Succeeded" for s in wf.query_step(name=display))
    rerun = sum(1 for tag, n in after.items() if n > before.get(tag, 0))
    return {"mid_run": mid_run, "before_start": False, "finished": len(done), "rerun": rerun}


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
@pytest.mark.parametrize("shape", ["fanout", "dag"])
def test_kill9_at_random_moments_then_restart(
    shape: str, isolation: str, tmp_path: Path, figures: Callable[..., None]
) -> None:
    rng = random.Random(f"{shape}-{isolation}-{os.getpid()}")
    results = [_trial(shape, isolation, tmp_path / f"t{n}", rng) for n in range(TRIALS)]
    figures(
        trials=TRIALS,
        killed_mid_run=sum(r["mid_run"] for r in results),
        killed_before_the_run_was_recorded=sum(r["before_start"] for r in results),
        steps_finished_at_kill=sum(r["finished"] for r in results),
        steps_run_on_restart=sum(r["rerun"] for r in results),
        restarts_succeeded=TRIALS - sum(r["before_start"] for r in results),
    )
    assert sum(r["mid_run"] for r in results) > 0
