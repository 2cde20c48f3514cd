"""The backend interface: selection by mode, the debug backend, listing without the engine."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.backend import Backend, BackendUnavailable, backend_for, known_modes
from dflow_jupyter.backend.debug import DebugBackend
from dflow_jupyter.errors import WorkflowNotFound
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def double(x: int) -> {"y": int}:
    print("doubling", x)
    return {"y": 2 * x}


def _workflow(name: str = "seam") -> Workflow:
    wf = Workflow(name, labels={"project": "seam"})
    wf.add(Step("twice", PythonOPTemplate(double), parameters={"x": 21}))
    return wf


def test_the_debug_backend_implements_the_interface() -> None:
    backend = backend_for("debug")
    assert isinstance(backend, DebugBackend)
    assert isinstance(backend, Backend)
    assert backend_for("DEBUG") is backend  # one instance per process, modes case-insensitive
    assert "debug" in known_modes()


@pytest.mark.parametrize("mode", ["default", "argo"])
def test_argo_modes_select_the_argo_backend(mode: str) -> None:
    from dflow_jupyter.argo.backend import ArgoBackend

    backend = backend_for(mode)
    assert isinstance(backend, ArgoBackend) and isinstance(backend, Backend)
    assert backend_for("default") is backend_for("argo")  # one backend, two names
    assert mode in known_modes()


def test_an_unknown_mode_names_the_known_ones() -> None:
    with pytest.raises(
        BackendUnavailable, match=r"unknown backend 'cluster' \(config\['mode'\]\); choose one of: 'debug'"
    ):
        backend_for("cluster")


def test_submit_to_an_unreachable_argo_server_fails_before_anything_runs() -> None:
    import socket

    from dflow_jupyter.argo.errors import ArgoError

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    config.update(
        mode="default", host=f"http://127.0.0.1:{port}", argo_retries=0, argo_default_image="python:3.11"
    )
    wf = _workflow()
    with pytest.raises(ArgoError):  # the manifest compiles; no server takes it, so nothing ran
        wf.submit()
    assert not Path(config["debug_workdir"]).exists()


def test_submit_backend_argument_leaves_config_alone() -> None:
    config["mode"] = "argo"
    wf = _workflow()
    wf.submit(backend="debug")
    assert config["mode"] == "argo"
    # The workflow keeps the backend it ran on, whatever the mode says now.
    assert wf.query_status() == "Succeeded"
    assert wf.backend is backend_for("debug")


def test_status_list_logs_through_the_interface() -> None:
    wf = _workflow()
    wf.submit()
    backend = backend_for()
    status = backend.status(str(wf.id))
    assert status.phase == "Succeeded"
    [pod] = status.pods()
    assert backend.logs(str(wf.id), pod) == "doubling 21\n"
    assert [s.name for s in backend.list({"project": "seam"})] == [wf.id]
    assert backend.list({"project": "other"}) == []
    with pytest.raises(WorkflowNotFound, match="no workflow 'nope-12345' is recorded"):
        backend.status("nope-12345")


def test_wait_on_a_detached_run() -> None:
    config["detach"] = True
    wf = _workflow()
    wf.submit()
    final = backend_for().wait(str(wf.id))
    assert final.phase == "Succeeded"


LISTER = """
import sys
from dflow_jupyter import config
from dflow_jupyter.backend import backend_for
config["debug_workdir"] = sys.argv[1]
statuses = backend_for("debug").list()
status = backend_for("debug").status(statuses[0].name)
print(statuses[0].name, status.phase, len(status.pods()))
loaded = sorted(m for m in sys.modules if m.startswith("dflow_jupyter.engine"))
print("ENGINE", loaded)
"""


def test_listing_and_reading_never_import_the_engine(tmp_path: Path) -> None:
    wf = _workflow()
    wf.submit()
    script = tmp_path / "lister.py"
    script.write_text(LISTER)
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    done = subprocess.run(
        [sys.executable, str(script), config["debug_workdir"]],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    first, engine = done.stdout.splitlines()
    assert first == f"{wf.id} Succeeded 1"
    assert engine == "ENGINE []"


def test_only_the_newest_finished_runs_stay_in_memory(monkeypatch: pytest.MonkeyPatch) -> None:
    import gc

    from dflow_jupyter.backend import debug
    from dflow_jupyter.status.model import WorkflowStatus

    monkeypatch.setattr(debug, "FINISHED_KEPT", 3)
    backend = backend_for("debug")
    assert isinstance(backend, DebugBackend)
    runs = [_workflow(f"kept-{i}") for i in range(6)]
    for wf in runs:
        wf.submit()
    ids = [wf.id for wf in runs]
    assert [i for i in ids if i in backend._runs] == ids[-3:]
    # The older runs are read back from their records, whole.
    for wf in runs:
        assert backend.status(wf.id).phase == "Succeeded"
        [step] = wf.query_step(name="twice")
        assert step.outputs.parameters["y"].value == 42
    del runs, wf, step
    gc.collect()
    forgotten = set(ids[:3])
    alive = [o.name for o in gc.get_objects() if isinstance(o, WorkflowStatus) and o.name in forgotten]
    assert not alive, f"statuses of forgotten runs still in memory: {alive}"
