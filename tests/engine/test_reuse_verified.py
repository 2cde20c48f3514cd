"""A restart reuses a step's outputs only if their content is what the step produced."""

from __future__ import annotations

from pathlib import Path

from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate


@OP.function
def produce(counter: str) -> {"out": Artifact(Path)}:  # type: ignore[valid-type]
    runs = Path(counter)
    runs.write_text(str(int(runs.read_text()) + 1 if runs.exists() else 1))
    Path("data.txt").write_text("good data")
    return {"out": Path("data.txt")}


@OP.function
def consume(inp: Artifact(Path), flag: str, corrupt: bool) -> {"text": str}:  # type: ignore[valid-type]
    import os

    if not Path(flag).exists():
        Path(flag).write_text("first run")
        if corrupt:
            os.chmod(inp, 0o644)  # the owner (or root) may: a write in place goes through
            with open(inp, "w") as f:
                f.write("BAD data!")
        else:
            raise RuntimeError("an unrelated failure")
    return {"text": Path(inp).read_text()}


def _workflow(tmp_path: Path, corrupt: bool, wf_id: str | None = None) -> Workflow:
    wf = Workflow("reuse", id=wf_id)
    producer = Step("produce", PythonOPTemplate(produce), parameters={"counter": str(tmp_path / "runs")})
    consumer = Step(
        "consume",
        PythonOPTemplate(consume),
        parameters={"flag": str(tmp_path / "flag"), "corrupt": corrupt},
        artifacts={"inp": producer.outputs.artifacts["out"]},
    )
    wf.add(producer)
    wf.add(consumer)
    return wf


def test_a_corrupted_output_is_not_reused(tmp_path: Path) -> None:
    wf = _workflow(tmp_path, corrupt=True)
    wf.submit()
    [consumer] = wf.query_step(name="consume")
    assert consumer.phase == "Failed" and "in place" in consumer.message
    restarted = _workflow(tmp_path, corrupt=True, wf_id=wf.id)
    restarted.submit()
    assert restarted.query_status() == "Succeeded"
    assert (tmp_path / "runs").read_text() == "2"  # the producer ran again
    [consumer] = restarted.query_step(name="consume")
    assert consumer.outputs.parameters["text"].value == "good data"


def test_an_intact_output_is_reused(tmp_path: Path) -> None:
    wf = _workflow(tmp_path, corrupt=False)
    wf.submit()
    assert wf.query_status() == "Failed"
    restarted = _workflow(tmp_path, corrupt=False, wf_id=wf.id)
    restarted.submit()
    assert restarted.query_status() == "Succeeded"
    assert (tmp_path / "runs").read_text() == "1"  # reused, not run again
    [consumer] = restarted.query_step(name="consume")
    assert consumer.outputs.parameters["text"].value == "good data"
