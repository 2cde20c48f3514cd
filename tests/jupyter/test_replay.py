"""``%dflow replay``: a recorded step's OP runs again in the kernel on its recorded inputs."""

from __future__ import annotations

import gc
import traceback
from pathlib import Path
from typing import Any

import pytest
from IPython.core.error import UsageError
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import fails, run

from dflow_jupyter.jupyter.replay import Replay
from dflow_jupyter.python.errors import OPIOTypeError

SETUP = "from pathlib import Path\nfrom dflow_jupyter.python import Artifact"
WRITE = (
    "%%dflow_op\n"
    "def write(text: str, times: int) -> {'file': Artifact(Path)}:\n"
    "    Path('note.txt').write_text(text * times)\n"
    "    return {'file': Path('note.txt')}\n"
)
RATIO = (
    "%%dflow_op\n"
    "def ratio(file: Artifact(Path), by: float) -> float:\n"
    "    return len(file.read_text()) / by\n"
)


def _run_pipeline(ip: InteractiveShell, by: float, name: str = "pipe") -> Any:
    run(ip, SETUP)
    run(ip, WRITE)
    run(ip, RATIO)
    run(
        ip,
        f"%%dflow_workflow {name} --allow-failure\n"
        f"w = write(text='ab', times=3)\nr = ratio(file=w['file'], by={by})\n",
    )
    return ip.user_ns[name]


def test_replay_a_succeeded_step(ip: InteractiveShell) -> None:
    workflow = _run_pipeline(ip, 2.0)
    replay = run(ip, "%dflow replay pipe ratio").result
    assert isinstance(replay, Replay) and replay.succeeded
    assert replay.outputs == {"dflow_output": 3.0}
    assert replay.origin == "as the step ran it"
    assert replay.inputs["by"] == 2.0
    staged = replay.inputs["file"]
    assert isinstance(staged, Path) and staged.read_text() == "ababab"
    [node] = [s for s in workflow.query_step(type="Pod") if s.displayName.startswith("ratio-")]
    step_dir = Path(workflow.query().status.nodes[node.id].dflowJupyter.stepDir)
    assert replay.directory.parent.name == step_dir.name and replay.directory.name == "replay-1"
    assert staged.is_relative_to(replay.directory / "inputs" / "artifacts")
    again = run(ip, "%dflow replay pipe ratio").result
    assert again.directory.name == "replay-2"
    text = replay.text()
    assert text.splitlines()[0] == f"replay of step {node.displayName} of workflow {workflow.id}: succeeded"
    assert "  outputs  dflow_output = 3.0" in text


def test_replay_runs_in_a_fresh_workdir(ip: InteractiveShell) -> None:
    _run_pipeline(ip, 2.0)
    replay = run(ip, "%dflow replay pipe write").result
    assert replay.outputs == {"file": Path("note.txt")}
    assert (replay.directory / "workdir" / "note.txt").read_text() == "ababab"


def test_replay_of_a_failed_step_raises_its_error(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    workflow = _run_pipeline(ip, 0.0)
    assert workflow.query_status() == "Failed"
    capsys.readouterr()
    error = fails(ip, "%dflow replay pipe ratio")
    assert isinstance(error, ZeroDivisionError)
    shown = capsys.readouterr().out
    assert "return len(file.read_text()) / by" in shown  # the OP's own line, in the cell
    assert "replay_step" not in shown  # the replay machinery is hidden


def test_replay_with_pdb_opens_post_mortem(ip: InteractiveShell, monkeypatch: pytest.MonkeyPatch) -> None:
    import pdb

    _run_pipeline(ip, 0.0)
    seen: list[Any] = []
    monkeypatch.setattr(pdb, "post_mortem", lambda tb=None: seen.append(tb))
    replay = run(ip, "%dflow replay pipe ratio --pdb").result
    [tb] = seen
    assert traceback.extract_tb(tb)[-1].name == "ratio"  # where the OP raised
    assert isinstance(replay.exception, ZeroDivisionError)
    assert "raised ZeroDivisionError: float division by zero" in replay.text()


def test_replay_uses_the_fixed_definition(ip: InteractiveShell) -> None:
    _run_pipeline(ip, 0.0)
    run(ip, RATIO.replace("/ by", "/ (by or 1.0)"))
    replay = run(ip, "%dflow replay pipe ratio").result
    assert replay.succeeded and replay.outputs == {"dflow_output": 6.0}
    assert replay.origin == "the notebook's current ratio, redefined since the run"


def test_replay_with_an_explicit_op(ip: InteractiveShell) -> None:
    _run_pipeline(ip, 4.0)
    run(
        ip,
        "%%dflow_op --name ratio_v2\ndef ratio(file: Artifact(Path), by: float) -> float:\n"
        "    return 10 * len(file.read_text()) / by\n",
    )
    replay = run(ip, "%dflow replay pipe ratio --op ratio_v2").result
    assert replay.outputs == {"dflow_output": 15.0}
    assert replay.origin == "the notebook's ratio_v2"
    error = fails(ip, "%dflow replay pipe ratio --op SETUP_MISSING")
    assert isinstance(error, UsageError) and "no such notebook variable" in str(error)


def test_replay_checks_outputs_against_the_sign(ip: InteractiveShell) -> None:
    run(
        ip,
        "from dflow_jupyter import Step\nfrom dflow_jupyter.python import OP, OPIO, OPIOSign, "
        "PythonOPTemplate",
    )
    run(
        ip,
        "%%dflow_op\nclass Loose(OP):\n"
        "    @classmethod\n    def get_input_sign(cls):\n        return OPIOSign({'x': int})\n"
        "    @classmethod\n    def get_output_sign(cls):\n        return OPIOSign({'y': int})\n"
        "    def execute(self, op_in):\n        return OPIO({'y': op_in['x'] * 2})\n",
    )
    run(
        ip,
        "%%dflow_workflow loose --var wf\nwf.add(Step('double', PythonOPTemplate(Loose), "
        "parameters={'x': 2}))\n",
    )
    assert run(ip, "%dflow replay wf double").result.outputs == {"y": 4}
    # The class does not check its signs itself; the replay does.
    run(ip, "Loose.execute = lambda self, op_in: OPIO({'y': 'four'})")
    error = fails(ip, "%dflow replay wf double")
    assert isinstance(error, OPIOTypeError) and "'y' expected int" in str(error)


def test_replay_refuses_inputs_the_op_does_not_declare(ip: InteractiveShell) -> None:
    _run_pipeline(ip, 2.0)
    run(ip, RATIO.replace("by: float", "divisor: float").replace("/ by", "/ divisor"))
    error = fails(ip, "%dflow replay pipe ratio")
    assert isinstance(error, UsageError)
    assert "the record has input 'by', which the OP does not declare" in str(error)


def test_replay_needs_to_find_the_op(ip: InteractiveShell) -> None:
    _run_pipeline(ip, 2.0)
    workflow_id = ip.user_ns["pipe"].id
    run(ip, "del pipe, ratio, write, w, r")
    gc.collect()  # the engine remembers templates weakly: gone with the workflow
    error = fails(ip, f"%dflow replay {workflow_id} ratio")
    assert isinstance(error, UsageError)
    assert "cannot find the OP of template 'ratio'" in str(error)
    assert "run its %%dflow_op cell) or pass --op NAME" in str(error)


def test_replay_needs_one_step(ip: InteractiveShell) -> None:
    run(ip, "%%dflow_op\ndef one(x: int) -> int:\n    return x\n")
    run(ip, "%%dflow_workflow twice\na = one(x=1)\nb = one(x=2)\n")
    error = fails(ip, "%dflow replay twice one")
    assert isinstance(error, UsageError)
    assert "'one' names 2 steps of workflow" in str(error) and "name one of them" in str(error)
    error = fails(ip, "%dflow replay twice three")
    assert "has no step 'three'; its steps are: one-" in str(error)
