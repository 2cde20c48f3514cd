"""Leaf steps ("pods"): three kinds of job behind one contract (``scheduler.Job``).

* ``InProcessPythonJob`` (``engine.python_op``) runs a Python OP in the calling thread.
* ``ScriptJob`` (``engine.script_job``) runs a shell or Python script template as a subprocess.
* ``PoolPythonJob`` (``engine.pool``) runs a Python OP in a warm worker process.

Each is given a ``PodSpec`` and gives back a ``PodOutcome`` (``engine.pod_spec``).
"""

from __future__ import annotations

from dflow_jupyter.engine.pod_spec import PodOutcome, PodSpec
from dflow_jupyter.engine.python_op import InProcessPythonJob
from dflow_jupyter.engine.script_job import ScriptJob

__all__ = ["InProcessPythonJob", "PodOutcome", "PodSpec", "ScriptJob"]
