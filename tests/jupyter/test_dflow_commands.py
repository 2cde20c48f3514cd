"""``%dflow`` subcommands in a notebook: config, mode, list, steps, logs, terminate; the tables."""

from __future__ import annotations

import re
import time

import pandas as pd
import pytest
from IPython.core.interactiveshell import InteractiveShell
from jupyter_helpers import displays, run

from dflow_jupyter.config import config
from dflow_jupyter.status.model import Node, WorkflowStatus
from dflow_jupyter.widget.table import format_duration, text_table

GREET = "%%dflow_op\ndef greet(name: str) -> str:\n    print(f'hello {name}')\n    return 'hi ' + name\n"


def _greeted(ip: InteractiveShell, workflow: str = "greeting") -> None:
    run(ip, GREET)
    run(ip, f"%%dflow_workflow {workflow}\na = greet(name='ada')\nb = greet(name=a)\n")


def test_config_sets_typed_values(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(ip, "%dflow config debug_pool_workers=4 debug_failfast=true debug_artifact_dir=arts")
    assert config["debug_pool_workers"] == 4
    assert config["debug_failfast"] is True
    assert config["debug_artifact_dir"] == "arts"
    out = capsys.readouterr().out
    assert "debug_pool_workers = 4\ndebug_failfast = True\ndebug_artifact_dir = 'arts'" in out
    run(ip, "%dflow config")
    assert "debug_pool_workers = 4" in capsys.readouterr().out


def test_config_never_prints_a_token(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(ip, "%dflow config token=s3cret-token-value")
    assert config["token"] == "s3cret-token-value"
    run(ip, "%dflow config")
    out = capsys.readouterr().out
    assert "s3cret-token-value" not in out
    assert "token = '***' (set; not shown)" in out


def test_config_never_prints_a_credential_header(
    ip: InteractiveShell, capsys: pytest.CaptureFixture[str]
) -> None:
    config["http_headers"] = {
        "Authorization": "Bearer hdr-s3cret",
        "X-Api-Key": "k3y-s3cret",
        "X-Team": "blue",
    }
    run(ip, "%dflow config")
    out = capsys.readouterr().out
    assert "hdr-s3cret" not in out and "k3y-s3cret" not in out
    assert "http_headers = {'Authorization': '***', 'X-Api-Key': '***', 'X-Team': 'blue'}" in out


def test_mode(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    run(ip, "%dflow mode")
    assert capsys.readouterr().out.strip() == "mode = 'debug'"
    run(ip, "%dflow mode DEBUG")
    assert config["mode"] == "debug"


def test_list_is_a_dataframe_newest_first(ip: InteractiveShell) -> None:
    assert run(ip, "%dflow list").result.empty
    _greeted(ip, "first")
    _greeted(ip, "second")
    frame = run(ip, "%dflow list").result
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == ["workflow", "phase", "progress", "start", "duration", "message"]
    assert [w.rsplit("-", 1)[0] for w in frame["workflow"]] == ["second", "first"]
    assert list(frame["phase"]) == ["Succeeded", "Succeeded"]
    assert list(frame["progress"]) == ["2/2", "2/2"]
    assert pd.api.types.is_datetime64_any_dtype(frame["start"])


def test_steps_has_one_row_per_node(ip: InteractiveShell) -> None:
    _greeted(ip)
    workflow = ip.user_ns["greeting"]
    by_var = run(ip, "%dflow steps greeting").result
    by_id = run(ip, f"%dflow steps {workflow.id}").result
    assert by_var.equals(by_id)
    assert list(by_var.columns) == [
        "name",
        "key",
        "phase",
        "type",
        "start",
        "end",
        "duration",
        "progress",
        "message",
    ]
    assert len(by_var) == len(workflow.query().status.nodes) == 3
    assert list(by_var["type"]) == ["DAG", "Pod", "Pod"]
    assert by_var["name"][0] == workflow.id
    assert by_var["name"][1].startswith("greet-")
    assert list(by_var["phase"]) == ["Succeeded"] * 3
    assert list(by_var["progress"][1:]) == ["1/1", "1/1"]
    # Read by people: wall-clock times and durations as text (wf.steps_frame() keeps the types).
    assert all(re.fullmatch(r"\d\d:\d\d:\d\d", t) for t in by_var["start"])
    assert all(re.fullmatch(r"\d+ ms|\d+\.\d\d s", d) for d in by_var["duration"])
    frame = workflow.steps_frame()
    assert (frame["duration"] >= pd.Timedelta(0)).all() and (frame["end"] >= frame["start"]).all()


def test_steps_by_name_picks_the_newest_run(ip: InteractiveShell) -> None:
    _greeted(ip)
    first = ip.user_ns["greeting"].id
    run(ip, "%%dflow_workflow greeting --var again\nc = greet(name='bob')\n")
    newest = ip.user_ns["again"].id
    assert newest != first
    names = run(ip, "%dflow steps greeting").result["name"]
    assert names[0] == first  # 'greeting' is a variable, bound to the first run...
    del ip.user_ns["greeting"]
    assert run(ip, "%dflow steps greeting").result["name"][0] == newest  # ...then a name: the newest run


def test_logs_of_one_step_and_of_several(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    _greeted(ip)
    capsys.readouterr()
    workflow = ip.user_ns["greeting"]
    a, b = (s.displayName for s in workflow.query_step(type="Pod"))
    run(ip, f"%dflow logs greeting {a}")
    assert capsys.readouterr().out == "hello ada\n"
    run(ip, "%dflow logs greeting greet")  # names both steps: a header for each
    assert capsys.readouterr().out == (
        f"==> {a} (Succeeded) <==\nhello ada\n==> {b} (Succeeded) <==\nhello hi ada\n"
    )


def test_terminate_a_running_workflow(ip: InteractiveShell, capsys: pytest.CaptureFixture[str]) -> None:
    config["detach"] = True  # the workflow runs in the background; the cell returns at once
    run(ip, "import time")
    run(
        ip,
        "%%dflow_op\ndef slow(x: int) -> int:\n"
        "    for _ in range(200):\n        time.sleep(0.02)\n    return x\n",
    )
    run(ip, "%%dflow_workflow background\na = slow(x=1)\nb = slow(x=a)\n")
    workflow = ip.user_ns["background"]
    deadline = time.monotonic() + 10
    while not workflow.query_step(type="Pod") and time.monotonic() < deadline:
        time.sleep(0.02)
    capsys.readouterr()
    run(ip, "%dflow terminate background")
    assert capsys.readouterr().out.strip() == f"workflow {workflow.id} terminated (Failed)"
    assert workflow.query_status() == "Failed"
    run(ip, "%dflow terminate background")
    assert "has already ended (Failed); nothing to terminate" in capsys.readouterr().out
    final = displays(ip)[-1]["data"]["text/plain"]  # the live table stopped itself at the end
    assert final.startswith(f"workflow {workflow.id}: Failed")
    assert "debug it with" not in final  # a terminated step has nothing to debug


def test_text_tables_and_durations() -> None:
    assert format_duration(None) == ""
    assert format_duration(0.0123) == "12 ms"
    assert format_duration(1.5) == "1.50 s"
    assert format_duration(125) == "2m 05s"
    assert format_duration(3725) == "1h 02m"
    table = text_table(("name", "key", "phase"), [["a", "", "Succeeded"], ["long-name", "", "Failed"]])
    assert table == "name       phase\na          Succeeded\nlong-name  Failed"


def test_status_table_caps_rows_for_big_workflows() -> None:
    from dflow_jupyter.widget.table import StatusTable

    status = WorkflowStatus(name="big-abcde", phase="Running", started_at=1.0)
    for i in range(100):
        node = Node(
            id=f"n{i}",
            name=f"big-abcde.s{i}",
            display_name=f"s{i}",
            type="Pod",
            phase="Succeeded",
            started_at=1.0 + i,
            finished_at=2.0 + i,
        )
        status.nodes[node.id] = node
    table = StatusTable(status, max_rows=10)
    text = table.text()
    assert len(text.splitlines()) == 1 + 1 + 10 + 1
    assert "90 earlier rows hidden; %dflow steps big-abcde lists them all" in text
    assert "s99" in text and "s0 " not in text
