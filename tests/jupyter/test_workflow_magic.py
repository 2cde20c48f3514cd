"""``%%dflow_workflow``: composition by data, binding, --no-submit, --backend, the live table."""

from __future__ import annotations

from typing import Any

import pytest
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import displays, fails, run

from dflow_jupyter import _context
from dflow_jupyter.config import config
from dflow_jupyter.model.workflow import Workflow
from dflow_jupyter.run_records import workflow_root

OPS = (
    "from pathlib import Path\nimport time\nfrom dflow_jupyter.python import Artifact\n",
    "%%dflow_op\n"
    "def make(n: int) -> {'data': Artifact(Path), 'count': int}:\n"
    "    Path('data.txt').write_text('x' * n)\n"
    "    return {'data': Path('data.txt'), 'count': n}\n",
    "%%dflow_op\ndef measure(data: Artifact(Path)) -> int:\n    return len(data.read_text())\n",
    "%%dflow_op\ndef double(count: int) -> int:\n    return 2 * count\n",
    "%%dflow_op\ndef total(a: int, b: int) -> int:\n    return a + b\n",
)

BODY = (
    "made = make(n=4)\n"
    "size = measure(data=made['data'])\n"
    "twice = double(count=made['count'])\n"
    "result = total(a=size, b=twice)\n"
)


def _define_ops(ip: InteractiveShell) -> None:
    for cell in OPS:
        run(ip, cell)


def _step(workflow: Workflow, prefix: str) -> Any:
    [step] = [s for s in workflow.query_step() if s.displayName.startswith(prefix + "-")]
    return step


def test_calls_become_tasks_wired_by_data(ip: InteractiveShell) -> None:
    _define_ops(ip)
    run(ip, "%%dflow_workflow lattice-scan\n" + BODY)
    assert isinstance(ip.user_ns["lattice_scan"], Workflow)  # NAME made an identifier
    workflow: Any = ip.user_ns["lattice_scan"]
    assert workflow.id.startswith("lattice-scan-")
    assert workflow.query_status() == "Succeeded"
    made, size, twice, result = (_step(workflow, p) for p in ("make", "measure", "double", "total"))
    assert result.outputs.parameters["dflow_output"].value == 4 + 8
    # The dependencies follow the data: measure and double wait for make, total for both.
    assert made.finishedAt <= size.startedAt and made.finishedAt <= twice.startedAt
    assert max(size.finishedAt, twice.finishedAt) <= result.startedAt
    tasks = {t.name.rsplit("-", 1)[0]: t for t in workflow.entrypoint.tasks}
    deps = {
        name: sorted(ref.name.rsplit("-", 1)[0] for ref in task.references()) for name, task in tasks.items()
    }
    assert deps == {
        "make": [],
        "measure": ["make"],
        "double": ["make"],
        "total": ["double", "measure"],
    }
    assert _context.active() is None


def test_var_option_and_body_may_use_the_workflow(ip: InteractiveShell) -> None:
    _define_ops(ip)
    run(ip, "from dflow_jupyter import Task\nfrom dflow_jupyter.python import PythonOPTemplate")
    run(
        ip,
        "%%dflow_workflow adder --var wf\n"
        "first = total(a=1, b=2)\n"
        "wf.add(Task('second', PythonOPTemplate(total), parameters={'a': first, 'b': 10}))\n",
    )
    workflow = ip.user_ns["wf"]
    assert "adder" not in ip.user_ns
    assert workflow.query_step(name="second")[0].outputs.parameters["dflow_output"].value == 13


def test_no_submit_composes_only(ip: InteractiveShell) -> None:
    _define_ops(ip)
    run(ip, "%%dflow_workflow later --no-submit\n" + BODY)
    workflow = ip.user_ns["later"]
    assert workflow.id is None
    assert not workflow_root().exists() or not any(workflow_root().iterdir())
    plan = displays(ip)[-1]["data"]["text/plain"]
    lines = plan.splitlines()
    assert lines[0] == "workflow later: not submitted, 4 steps; run it with later.submit()"
    rows = {line.split()[1]: line.split()[2:] for line in lines[2:]}
    assert rows["make"] == [] and rows["total"][-2:] == [rows["total"][-2], rows["total"][-1]]
    assert any(r.startswith("double-") for r in rows["total"][0].split(","))
    assert "<table>" in displays(ip)[-1]["data"]["text/html"]
    run(ip, "later.submit()")
    assert workflow.query_status() == "Succeeded"


def test_backend_option(ip: InteractiveShell) -> None:
    _define_ops(ip)
    config["mode"] = "argo"  # the magic's --backend wins over config['mode'] for this run
    run(ip, "%%dflow_workflow explicit --backend debug\nx = total(a=1, b=1)\n")
    assert ip.user_ns["explicit"].query_status() == "Succeeded"
    assert config["mode"] == "argo"


def test_live_table_updates_while_running(ip: InteractiveShell) -> None:
    run(ip, "import time")
    run(ip, "%%dflow_op\ndef slow(x: int) -> int:\n    time.sleep(0.3)\n    return x + 1\n")
    run(ip, "%%dflow_workflow live\na = slow(x=1)\nb = slow(x=a)\nc = slow(x=b)\n")
    shown = displays(ip)
    first, updates = shown[0], shown[1:]
    display_id = first["transient"]["display_id"]
    assert not first["update"] and first["data"]["text/plain"] == "workflow live: Pending"
    assert updates and all(u["update"] and u["transient"]["display_id"] == display_id for u in updates)
    texts = [u["data"]["text/plain"] for u in updates]
    assert any(": Running" in t and "Running" in t.splitlines()[-1] for t in texts[:-1])
    final = texts[-1].splitlines()
    workflow_id = ip.user_ns["live"].id
    assert final[0].startswith(f"workflow {workflow_id}: Succeeded · 3/3 steps")
    assert final[1].split() == ["name", "phase", "type", "start", "duration", "progress"]
    assert [line.split()[1] for line in final[2:]] == ["Succeeded"] * 4
    assert "Succeeded" in updates[-1]["data"]["text/html"]
    # Redraws are throttled: far fewer than the engine's events.
    assert len(updates) < 12


def test_failed_workflow_ends_the_cell_with_an_error_naming_the_steps(ip: InteractiveShell) -> None:
    run(ip, "%%dflow_op\ndef divide(a: float, b: float) -> float:\n    return a / b\n")
    error = fails(ip, "%%dflow_workflow broken\nq = divide(a=1.0, b=0.0)\n")
    workflow = ip.user_ns["broken"]
    assert workflow.query_status() == "Failed"
    [step] = workflow.query_step(phase="Failed", type="Pod")
    message = str(error)
    assert type(error).__name__ == "UsageError"  # one line, no traceback; Run All stops here
    assert message.startswith(f"%%dflow_workflow broken: workflow {workflow.id} Failed: ")
    assert f"step {step.displayName} failed: ZeroDivisionError: float division by zero" in message
    assert f"%dflow replay {workflow.id} {step.displayName} --pdb" in message
    assert "--allow-failure" in message


def test_allow_failure_keeps_the_cell_going(ip: InteractiveShell) -> None:
    run(ip, "%%dflow_op\ndef divide(a: float, b: float) -> float:\n    return a / b\n")
    run(ip, "%%dflow_workflow broken --allow-failure\nq = divide(a=1.0, b=0.0)\n")
    workflow = ip.user_ns["broken"]
    assert workflow.query_status() == "Failed"
    final = displays(ip)[-1]["data"]["text/plain"]
    [step] = workflow.query_step(phase="Failed", type="Pod")
    assert (
        f"step {step.displayName} failed: ZeroDivisionError: float division by zero (exit code 1)"
    ) in final
    assert f"%dflow replay {workflow.id} {step.displayName} --pdb" in final
    assert "ZeroDivisionError" in repr(ip.user_ns["q"])  # the output says why it has no value


def test_error_in_the_body_submits_nothing(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    _define_ops(ip)
    error = fails(ip, "%%dflow_workflow oops\nx = total(a=1, b=2)\ny = 1 / 0\n")
    assert isinstance(error, ZeroDivisionError)
    assert ip.user_ns["oops"].id is None
    assert _context.active() is None
    shown = capsys.readouterr().out
    assert "y = 1 / 0" in shown
    assert "run_workflow_cell" not in shown  # the magic's own frames are hidden


def test_bad_call_in_the_body_is_reported(ip: InteractiveShell) -> None:
    _define_ops(ip)
    error = fails(ip, "%%dflow_workflow oops\nx = total(a=1, c=2)\n")
    assert "'c'" in str(error)
    assert _context.active() is None
