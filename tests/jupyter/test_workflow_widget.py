"""``%%dflow_workflow`` with the live widget; results as values; failures; where runs are recorded."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import displays, fails, run

from dflow_jupyter.config import config
from dflow_jupyter.jupyter.magics import notebook_workdir

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"

OPS = (
    "from pathlib import Path\nimport time\nfrom dflow_jupyter.python import Artifact\n",
    "%%dflow_op\ndef make(n: int) -> {'data': Artifact(Path), 'count': int}:\n"
    "    Path('data.txt').write_text('x' * n)\n    return {'data': Path('data.txt'), 'count': n}\n",
    "%%dflow_op\ndef stats(count: int, data: Artifact(Path)) -> {'total': int, 'size': int}:\n"
    "    return {'total': 3 * count, 'size': len(data.read_text())}\n",
    "%%dflow_op\ndef add(a: int, b: int) -> int:\n    return a + b\n",
    "%%dflow_op\ndef square(x: int) -> int:\n    time.sleep(0.01)\n    return x * x\n",
    "%%dflow_op\ndef items(n: int) -> list:\n    return list(range(n))\n",
)
BODY = (
    "made = make(n=4)\n"
    "summary = stats(count=made['count'], data=made['data'])\n"
    "both = add(a=summary['total'], b=summary['size'])\n"
)


class _Comm(BaseComm):
    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
    ) -> None:
        self.messages.append({"msg_type": msg_type, "data": data})


@pytest.fixture(autouse=True)
def recording_comms(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(comm, "create_comm", lambda **kwargs: _Comm(**kwargs))
    yield
    config["detach"] = False


def _define(ip: InteractiveShell) -> None:
    for cell in OPS:
        run(ip, cell)


def _widget_displays(ip: InteractiveShell) -> list[dict[str, Any]]:
    return [d for d in displays(ip) if WIDGET_MIME in d["data"]]


def test_the_cell_shows_the_live_widget_and_keeps_its_final_picture(ip: InteractiveShell) -> None:
    _define(ip)
    run(ip, "%%dflow_workflow scan --display widget\n" + BODY)
    workflow = ip.user_ns["scan"]
    widget = workflow.widget()
    first, *later = _widget_displays(ip)
    assert first["data"][WIDGET_MIME]["model_id"] == widget.model_id and not first["update"]
    assert "data-phase='Pending'" in first["data"]["text/html"]  # the plan, before the run
    final = later[-1]
    assert final["update"] and final["transient"]["display_id"] == first["transient"]["display_id"]
    html = final["data"]["text/html"]
    assert "data-phase='Succeeded'" in html and "<svg" in html
    assert html.count("class='dflow-node phase-Succeeded'") == 4  # root + 3 steps
    assert widget.summary["phase"] == "Succeeded" and widget.summary["progress"] == "3/3"
    assert widget.workflow_id == workflow.id and not widget.following


def test_what_op_calls_returned_reads_as_values(ip: InteractiveShell) -> None:
    _define(ip)
    run(ip, "%%dflow_workflow values --display table\n" + BODY)
    summary, both, made = (ip.user_ns[name] for name in ("summary", "both", "made"))
    assert summary["total"].value == 12 and summary["size"].value == 4
    assert repr(summary) == "{'total': 12, 'size': 4}"
    assert both.value == 16 and repr(both) == "16"
    assert made["data"].path.joinpath("data.txt").read_text() == "xxxx"
    assert run(ip, "both.value * 2").result == 32
    assert "{{" not in run(ip, "str(summary)").result


def test_a_failed_run_stops_the_notebook_and_says_why_in_the_widget(ip: InteractiveShell) -> None:
    _define(ip)
    run(ip, "%%dflow_op\ndef divide(a: int, b: int) -> float:\n    return a / b\n")
    error = fails(ip, "%%dflow_workflow broken --display widget\nx = add(a=1, b=1)\nq = divide(a=x, b=0)\n")
    assert "step divide-" in str(error) and "ZeroDivisionError" in str(error)
    final = _widget_displays(ip)[-1]
    assert final["update"] and "data-phase='Failed'" in final["data"]["text/html"]
    assert ip.user_ns["x"].value == 2  # what succeeded is there to look at
    assert "ZeroDivisionError" in repr(ip.user_ns["q"])


def test_no_submit_shows_the_planned_structure(ip: InteractiveShell) -> None:
    _define(ip)
    run(ip, "%%dflow_workflow later --no-submit --display widget\n" + BODY)
    [shown] = _widget_displays(ip)
    widget = ip.user_ns["later"].widget()
    assert shown["data"][WIDGET_MIME]["model_id"] == widget.model_id
    assert [n["type"] for n in widget.graph["nodes"]].count("Planned") == 3
    assert "summary" in ip.user_ns and "{{" in repr(ip.user_ns["summary"])  # still references
    run(ip, "later.submit()")
    widget.flush()
    assert widget.workflow_id == ip.user_ns["later"].id


def test_fanouts_in_a_cell(ip: InteractiveShell) -> None:
    _define(ip)
    run(
        ip,
        "%%dflow_workflow squares --display widget\n"
        "xs = items(n=25)\n"
        "ys = square.use(with_param=xs)(x='{{item}}')\n"
        "s = add(a=1, b=2)\n",
    )
    widget = ip.user_ns["squares"].widget()
    [fan] = [n for n in widget.graph["nodes"] if n["type"] == "Fanout"]
    assert fan["fanout"]["total"] == 25
    assert ip.user_ns["ys"].value == [x * x for x in range(25)]


def test_a_detached_run_updates_its_display_when_it_ends(ip: InteractiveShell) -> None:
    _define(ip)
    config["detach"] = True
    run(ip, "%%dflow_workflow background --display widget\n" + BODY)
    workflow = ip.user_ns["background"]
    run(ip, "background.wait()")
    widget = workflow.widget()
    import time

    deadline = time.monotonic() + 10
    while not (_widget_displays(ip)[-1]["update"]) and time.monotonic() < deadline:
        time.sleep(0.02)
    final = _widget_displays(ip)[-1]
    assert final["update"] and "data-phase='Succeeded'" in final["data"]["text/html"]
    assert widget.summary["phase"] == "Succeeded"
    assert ip.user_ns["summary"]["total"].value == 12


def test_runs_of_a_notebook_go_to_one_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DFLOW_DEBUG_WORKDIR", raising=False)
    config["debug_workdir"] = "."
    notebook_workdir()
    assert config["debug_workdir"] == str(tmp_path / "dflow-runs")
    config["debug_workdir"] = "mine"
    notebook_workdir()  # a choice the user made is kept
    assert config["debug_workdir"] == "mine"
    monkeypatch.setenv("DFLOW_DEBUG_WORKDIR", ".")
    config["debug_workdir"] = "."
    notebook_workdir()
    assert config["debug_workdir"] == "."


def test_steps_shows_readable_times(ip: InteractiveShell) -> None:
    _define(ip)
    run(ip, "%%dflow_workflow timed --display table\nr = add(a=1, b=2)\n")
    frame = run(ip, "%dflow steps timed").result
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in frame["end"])
    assert os.path.isdir(config["debug_workdir"])
