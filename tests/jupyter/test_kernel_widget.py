"""The widget's updates through a real kernel, as JupyterLab receives them (ipykernel 7, and 6).

A kernel speaks to JupyterLab over IOPub: the widget's deltas must arrive while an in-process
run blocks the kernel's thread (the cell is still executing), and after the cell has ended
for a background run. ipykernel 6 is tested when ``DFLOW_TEST_IPYKERNEL6_PYTHON`` names a
Python that has it (with this project's dependencies installed).
"""

from __future__ import annotations

import json
import os
import queue
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_helpers import REPO_ROOT, subprocess_env

KERNELS = [pytest.param(sys.executable, id="ipykernel-here")]
if os.environ.get("DFLOW_TEST_IPYKERNEL6_PYTHON"):
    KERNELS.append(pytest.param(os.environ["DFLOW_TEST_IPYKERNEL6_PYTHON"], id="ipykernel6"))

SETUP = """
%load_ext dflow_jupyter
import time
from dflow_jupyter.config import config
config["debug_workdir"] = "runs"
import ipykernel
print(ipykernel.__version__)
"""
NAP = "%%dflow_op\ndef nap(x: int) -> int:\n    time.sleep(0.6)\n    return x + 1\n"
CHAIN = "%%dflow_workflow chain\na = nap(x=1)\nb = nap(x=a)\nc = nap(x=b)\n"


@pytest.fixture(params=KERNELS)
def kernel(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    spec = tmp_path / "kernels" / "dflowtest"
    spec.mkdir(parents=True)
    argv = [request.param, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(json.dumps({"argv": argv, "display_name": "t", "language": "python"}))
    manager = KernelManager(
        kernel_name="dflowtest", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(spec.parent)])
    )
    env = {**subprocess_env(), "PYTHONPATH": str(REPO_ROOT)}
    manager.start_kernel(cwd=str(tmp_path), env=env)
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _execute(client: Any, code: str, timeout: float = 60) -> tuple[list[dict[str, Any]], float]:
    """Run ``code``; every IOPub message while it runs (stamped), and when the reply came."""
    got: list[dict[str, Any]] = []
    msg_id = client.execute(code)
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = client.get_iopub_msg(timeout=max(0.01, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no end of execution of {code[:40]!r}") from None
        msg["_time"] = time.time()
        got.append(msg)
        if (
            msg["msg_type"] == "status"
            and msg["content"]["execution_state"] == "idle"
            and msg["parent_header"].get("msg_id") == msg_id
        ):
            break
    reply = client.get_shell_msg(timeout=timeout)
    assert reply["content"]["status"] == "ok", reply["content"]
    return got, time.time()


def _widget_states(messages: list[dict[str, Any]]) -> list[tuple[float, dict[str, Any]]]:
    """Node states as they reached the front end: in ``delta``/``state`` messages, and with a
    whole graph (the ``graph`` trait: a buffer of JSON whose ``states`` follow its ``nodes``)."""
    found = []
    for msg in messages:
        if msg["msg_type"] != "comm_msg":
            continue
        data = msg["content"]["data"]
        if data.get("method") == "custom" and data["content"].get("kind") in ("delta", "state"):
            found.append((msg["_time"], data["content"]["nodes"]))
        elif data.get("method") == "update" and ["graph"] in (data.get("buffer_paths") or []):
            buffer = msg["buffers"][data["buffer_paths"].index(["graph"])]
            graph = json.loads(bytes(buffer))
            found.append(
                (msg["_time"], {n["id"]: s for n, s in zip(graph["nodes"], graph["states"], strict=True)})
            )
    return found


def test_deltas_reach_the_front_end_while_the_cell_runs(kernel: Any) -> None:
    setup, _ = _execute(kernel, SETUP)
    version = next(m["content"]["text"] for m in setup if m["msg_type"] == "stream")
    _execute(kernel, NAP)
    messages, replied = _execute(kernel, CHAIN)
    opened = [m for m in messages if m["msg_type"] == "comm_open"]
    assert any(m["content"]["data"]["state"].get("_model_name") == "AnyModel" for m in opened), version
    running = [
        (t, nid)
        for t, nodes in _widget_states(messages)
        for nid, s in nodes.items()
        if s["phase"] == "Running"
    ]
    # Three steps of 0.6 s each: each was seen running, well before the cell ended.
    seen = {nid for _, nid in running}
    assert len(seen) >= 3, (version, running)
    assert min(t for t, _ in running) < replied - 1.0
    displays = [m for m in messages if m["msg_type"] == "update_display_data"]
    assert displays and "data-phase='Succeeded'" in displays[-1]["content"]["data"]["text/html"]


def test_a_background_run_updates_after_the_cell_ended(kernel: Any) -> None:
    _execute(kernel, SETUP + "config['detach'] = True\n")
    _execute(kernel, NAP)
    _, replied = _execute(kernel, CHAIN)
    later: list[dict[str, Any]] = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            msg = kernel.get_iopub_msg(timeout=0.5)
        except queue.Empty:
            continue
        msg["_time"] = time.time()
        later.append(msg)
        if msg["msg_type"] == "update_display_data":
            break
    states = _widget_states(later)
    assert states and all(t >= replied for t, _ in states)
    final = [m for m in later if m["msg_type"] == "update_display_data"]
    assert final and "data-phase='Succeeded'" in final[-1]["content"]["data"]["text/html"]
