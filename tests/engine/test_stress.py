"""50 parallel-capable steps, 100 times: no failure, and a consistent recorded state."""

from __future__ import annotations

import json
from pathlib import Path

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate


@OP.function
def write_and_square(x: int) -> {"y": int}:  # type: ignore[valid-type]
    # Relative writes: each parallel step must get its own working directory.
    Path("out.txt").write_text(str(x))
    assert Path("out.txt").read_text() == str(x)
    return {"y": x * x}


def test_fifty_parallel_steps_a_hundred_times(tmp_path: Path) -> None:
    template = PythonOPTemplate(write_and_square)
    for run in range(100):
        wf = Workflow("stress")
        wf.add([Step(f"s{i}", template, parameters={"x": i}) for i in range(50)])
        wf.submit()
        assert wf.query_status() == "Succeeded", run
        pods = wf.query_step(type="Pod")
        assert len(pods) == 50
        assert sorted(p.outputs.parameters["y"].value for p in pods) == [i * i for i in range(50)]
        # The on-disk record agrees with memory: one Succeeded step directory per pod.
        directory = tmp_path / "workflows" / str(wf.id)
        status = json.loads((directory / "status.json").read_text())
        assert status["status"]["phase"] == "Succeeded"
        assert status["status"]["progress"] == "50/50"
        phases = [(d / "phase").read_text() for d in directory.iterdir() if (d / "node.json").exists()]
        assert phases == ["Succeeded"] * 50
