"""Workload c: 5 steps passing a 100 MB file artifact along a chain, each reading and writing it.

Each OP reads its input file's bytes and writes them to a new file, timing that I/O itself (logged
through ``BENCH_OP_IO_LOG``), so the engine's own overhead is ``wall - op_io``.
"""

from __future__ import annotations

import importlib
import os
import time
from pathlib import Path
from typing import Any

from workloads._common import check, log_op_io, read_op_io, result, submit_and_wait, timed

impl = os.environ["BENCH_IMPL"]
dflow = importlib.import_module(impl)
dflow_python = importlib.import_module(f"{impl}.python")
# Bound once at import, as ``from dflow import Workflow, ...`` would: names a package loads
# lazily are then loaded here, outside the timed region, as in a user's module or notebook.
Workflow = dflow.Workflow
Step = dflow.Step
upload_artifact = dflow.upload_artifact
OP: Any = dflow_python.OP
OPIO = dflow_python.OPIO
OPIOSign = dflow_python.OPIOSign
Artifact = dflow_python.Artifact
PythonOPTemplate = dflow_python.PythonOPTemplate

SIZE = 100 * 1024 * 1024
STEPS = 5


class Copy(OP):
    """Read the input file and write its bytes to ``out.bin``."""

    @classmethod
    def get_input_sign(cls) -> Any:
        return OPIOSign({"src": Artifact(Path)})

    @classmethod
    def get_output_sign(cls) -> Any:
        return OPIOSign({"out": Artifact(Path)})

    @OP.exec_sign_check
    def execute(self, op_in: Any) -> Any:
        start = time.perf_counter()
        data = Path(op_in["src"]).read_bytes()
        if len(data) != SIZE:
            raise ValueError(f"Copy: input 'src' has {len(data)} bytes, expected {SIZE}")
        out = Path("out.bin")
        out.write_bytes(data)
        log_op_io(time.perf_counter() - start)
        return OPIO({"out": out})


def run() -> dict[str, Any]:
    source = Path("source.bin")
    source.write_bytes(os.urandom(SIZE))  # setup, not timed
    with timed() as span:
        wf = Workflow(name="artifact")
        template = PythonOPTemplate(Copy)
        artifact: Any = upload_artifact(str(source))
        for i in range(STEPS):
            step = Step(name=f"copy{i}", template=template, artifacts={"src": artifact})
            wf.add(step)
            artifact = step.outputs.artifacts["out"]
        status = submit_and_wait(wf)
    op_io = read_op_io()
    status = check(status, "number of OP I/O records", lambda: len(op_io), STEPS)
    return result(span, status, wf, op_io=sum(op_io))
