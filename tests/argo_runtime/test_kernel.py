"""In a real IPython kernel, a detached Argo run is followed by a poller task on the kernel's loop."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jupyter_client.manager
import pytest

import dflow_jupyter

from .fake_argo import FakeArgoServer

SETUP = """
import asyncio, threading
from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.argo.poller import pollers
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.status.events import events

MANIFEST = {{"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", "metadata": {{}},
            "spec": {{"entrypoint": "main", "templates": [
                {{"name": "main", "container": {{"image": "busybox", "command": ["true"]}}}}]}}}}
Workflow.to_dict = lambda self, reuse_step=None: MANIFEST  # stands in for the compiler
config.update(mode="default", host={url!r}, token={token!r}, poll_interval=0.01, detach=True)

@OP.function
def double(x: int) -> {{"y": int}}:
    return {{"y": 2 * x}}

seen = []
events.subscribe(lambda e: seen.append((e.kind, e.phase, threading.current_thread().name)))
wf = Workflow("hello")
wf.add(Step("twice", PythonOPTemplate(double), parameters={{"x": 21}}))
wf.submit()
task = pollers.task(wf.id)
print("TASK", task is not None and task.get_loop() is asyncio.get_running_loop())
"""

CHECK = """
print("STATUS", wf.query_status(), pollers.active(wf.id), len(seen) > 3, sorted({t for _, _, t in seen}))
"""


@pytest.fixture
def kernel() -> Iterator[Any]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFLOW_")}
    env["PYTHONPATH"] = str(Path(dflow_jupyter.__file__).parents[1])
    manager, client = jupyter_client.manager.start_new_kernel(
        kernel_name="python3", env=env, startup_timeout=120
    )
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _run(client: Any, code: str) -> str:
    out: list[str] = []

    def hook(msg: dict[str, Any]) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            out.append("\n".join(msg["content"]["traceback"]))

    reply = client.execute_interactive(code, timeout=120, output_hook=hook)
    assert reply["content"]["status"] == "ok", "".join(out)
    return "".join(out)


def test_the_poller_runs_on_the_kernels_loop_between_cells(fake: FakeArgoServer, kernel: Any) -> None:
    fake.frame_interval = 0.3  # long enough that the poller has to watch
    assert "TASK True" in _run(kernel, SETUP.format(url=fake.url, token=fake.token))
    deadline = time.monotonic() + 60
    while True:  # the kernel is idle: its loop runs the poller
        out = _run(kernel, CHECK)
        if "Succeeded" in out or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    # Events came from the kernel's main thread (its event loop), not from a helper thread.
    assert "STATUS Succeeded False True ['MainThread']" in out
    assert fake.calls("GET", "/workflow-events/argo")
