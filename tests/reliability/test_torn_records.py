"""A reader polling the records while a run writes them never sees half a file."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
import reliability_flows as flows

from dflow_jupyter.run_records import load_status, workflow_dir
from dflow_jupyter.status.phase import ACTIVE_PHASES, FINISHED_PHASES

PHASES = {*ACTIVE_PHASES, *FINISHED_PHASES}


def _read_everything(directory: Path, counts: dict[str, int], torn: list[str]) -> None:
    """One pass over the records: every file that exists must parse."""
    try:
        phase = (directory / "status").read_text()
        counts["status"] += 1
        if phase not in PHASES:
            torn.append(f"status: {phase!r}")
    except FileNotFoundError:
        pass
    for name in ("status.json", "owner.json"):
        try:
            json.loads((directory / name).read_text())
            counts[name] += 1
        except FileNotFoundError:
            pass
        except ValueError as exc:
            torn.append(f"{name}: {exc}")
    try:
        steps = list(os.scandir(directory))
    except FileNotFoundError:
        return
    for step in steps:
        try:
            json.loads(Path(step.path, "node.json").read_text())
            counts["node.json"] += 1
        except (FileNotFoundError, NotADirectoryError):
            pass
        except ValueError as exc:
            torn.append(f"{step.name}/node.json: {exc}")
    try:
        load_status(directory)
        counts["load_status"] += 1
    except FileNotFoundError:
        pass
    except ValueError as exc:
        torn.append(f"load_status: {exc}")


@pytest.mark.slow
@pytest.mark.parametrize("isolation", ["inprocess", "process"])
def test_a_reader_never_sees_a_torn_record(
    tmp_path: Path, isolation: str, figures: Callable[..., None]
) -> None:
    flows.configure(str(tmp_path), isolation)
    runs = 6 if flows.LONG else 2
    counts = dict.fromkeys(("status", "status.json", "owner.json", "node.json", "load_status"), 0)
    torn: list[str] = []
    for n in range(runs):
        wf_id = f"torn-{n}"
        directory = workflow_dir(wf_id)
        done = threading.Event()

        def read(directory: Path = directory, done: threading.Event = done) -> None:
            while not done.is_set():
                _read_everything(directory, counts, torn)
            _read_everything(directory, counts, torn)

        reader = threading.Thread(target=read)
        reader.start()
        try:
            wf = flows.fanout(str(tmp_path / "runs.log"), 0.0, wf_id)
            wf.submit()
        finally:
            done.set()
            reader.join()
        assert wf.query_status() == "Succeeded"
    assert torn == []
    assert counts["status.json"] > 0 and counts["node.json"] > 0
    figures(
        isolation=isolation, runs=runs, torn_reads=len(torn), **{f"reads_{k}": v for k, v in counts.items()}
    )
