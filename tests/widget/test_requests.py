"""The browser's requests: details (with a failed step's traceback), previews, actions."""

from __future__ import annotations

import base64
import struct
import time
import zlib
from pathlib import Path
from typing import Any

import pytest
from widget_helpers import request, settle

from dflow_jupyter import ShellOPTemplate, Step, Workflow, config
from dflow_jupyter.python import OP, Artifact, PythonOPTemplate
from dflow_jupyter.widget.preview import IMAGE_LIMIT, TEXT_LIMIT


def _png(width: int = 2, height: int = 2) -> bytes:
    """A valid PNG image (red pixels)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def _check_ratio(value: float) -> float:
    if value > 1:
        raise ValueError(f"ratio {value} is above 1")
    return value


@OP.function
def produce(
    rows: int,
) -> {
    "table": Artifact(Path),
    "picture": Artifact(Path),
    "notes": Artifact(Path),
    "folder": Artifact(Path),
    "huge": Artifact(Path),
    "count": int,
}:
    Path("table.csv").write_text("x,y\n" + "".join(f"{i},{i * i}\n" for i in range(rows)))
    Path("picture.png").write_bytes(_png())
    Path("notes.txt").write_text("line\n" * 5000)
    Path("folder/sub").mkdir(parents=True)
    Path("folder/a.txt").write_text("a")
    Path("folder/sub/b.txt").write_text("bb")
    Path("huge.png").write_bytes(b"\x89PNG" + b"\0" * (IMAGE_LIMIT + 1))
    return {
        "table": Path("table.csv"),
        "picture": Path("picture.png"),
        "notes": Path("notes.txt"),
        "folder": Path("folder"),
        "huge": Path("huge.png"),
        "count": rows,
    }


@OP.function
def ratio(table: Artifact(Path), count: int) -> float:
    print(f"reading {table.name}")
    return _check_ratio(count / 10)


def _run(rows: int) -> Workflow:
    wf = Workflow("details")
    made = Step("produce", PythonOPTemplate(produce), parameters={"rows": rows})
    use = Step(
        "ratio",
        PythonOPTemplate(ratio),
        parameters={"count": made.outputs.parameters["count"]},
        artifacts={"table": made.outputs.artifacts["table"]},
    )
    wf.add(made)
    wf.add(use)
    wf.submit()
    return wf


def _node(widget: Any, label: str) -> str:
    [found] = [n["id"] for n in widget.graph["nodes"] if n["label"] == label]
    return found


def test_details_of_a_failed_step() -> None:
    wf = _run(60)
    widget = wf.widget()
    step = _node(widget, "ratio")
    [answer] = request(widget, {"kind": "details", "id": step, "req": 7})
    assert answer["kind"] == "details" and answer["req"] == 7
    assert answer["display"] == "ratio" and answer["phase"] == "Failed" and answer["type"] == "Pod"
    assert answer["error"] == "ValueError: ratio 6.0 is above 1 (exit code 1)"
    assert answer["inputs"]["parameters"] == [{"name": "count", "value": 60}]
    [table] = answer["inputs"]["artifacts"]
    assert table["name"] == "table" and table["files"] == 1 and table["size"] > 100
    assert "reading table.csv" in answer["log"] and not answer["log_truncated"]
    traceback = answer["traceback"]
    lines = traceback.splitlines()
    assert lines[0] == "Traceback (most recent call last):"
    assert lines[-2] == "ValueError: ratio 6.0 is above 1"
    assert "library frames hidden" in lines[-1]
    assert "in ratio" in traceback and "in _check_ratio" in traceback  # the user's frames
    frames = "\n".join(lines[:-1])
    assert "python_exec.py" not in frames and "dflow_jupyter" not in frames
    assert answer["replay"] == f"%dflow replay {wf.id} ratio --pdb"
    [made] = request(widget, {"kind": "details", "id": _node(widget, "produce"), "req": 8})
    assert made["phase"] == "Succeeded" and made["traceback"] is None and made["replay"] is None
    outputs = {a["name"]: a for a in made["outputs"]["artifacts"]}
    assert outputs["folder"]["files"] == 2 and outputs["folder"]["size"] == 3
    [missing] = request(widget, {"kind": "details", "id": "nope", "req": 9})
    assert "no node 'nope'" in missing["error"]


def _preview(widget: Any, artifact: str, path: str | None = None, side: str = "outputs") -> dict[str, Any]:
    content = {"kind": "preview", "id": _node(widget, "produce"), "side": side, "artifact": artifact}
    [answer] = request(widget, {**content, "path": path, "req": 1})
    assert answer["kind"] == "preview" and answer["req"] == 1
    return answer


def test_previews_of_tables_images_text_and_folders() -> None:
    wf = _run(120)
    widget = wf.widget()
    table = _preview(widget, "table")
    assert table["ok"] and table["type"] == "table" and table["columns"] == ["x", "y"]
    assert len(table["rows"]) == 50 and table["rows"][3] == [3, 9]
    assert table["total_rows"] == 120 and table["truncated"]
    image = _preview(widget, "picture")
    assert image["ok"] and image["type"] == "image" and image["mime"] == "image/png"
    assert base64.b64decode(image["data_b64"]) == _png()
    text = _preview(widget, "notes")
    assert text["ok"] and text["type"] == "text" and text["truncated"]
    assert len(text["text"]) == TEXT_LIMIT and text["text"].startswith("line\n")
    folder = _preview(widget, "folder")
    assert folder["ok"] and folder["type"] == "listing"
    # An artifact keeps the paths the OP returned (relative to its working directory).
    assert [(e["path"], e["size"], e["dir"]) for e in folder["entries"]] == [
        ("folder", 0, True),
        ("folder/a.txt", 1, False),
        ("folder/sub", 0, True),
        ("folder/sub/b.txt", 2, False),
    ]
    inner = _preview(widget, "folder", "folder/sub/b.txt")
    assert inner["ok"] and inner["text"] == "bb"


def test_previews_that_cannot_be_made_say_why() -> None:
    wf = _run(3)
    widget = wf.widget()
    huge = _preview(widget, "huge")
    assert not huge["ok"] and "images are previewed up to 5.0 MB" in huge["reason"]
    assert huge["data_b64"] is None
    missing = _preview(widget, "nothing")
    assert not missing["ok"] and "has no output artifact 'nothing'" in missing["reason"]
    assert "its outputs: folder, huge, notes, picture, table" in missing["reason"]
    no_file = _preview(widget, "folder", "folder/c.txt")
    assert not no_file["ok"] and "no file 'folder/c.txt'" in no_file["reason"]
    outside = _preview(widget, "folder", "../../inputs")
    assert not outside["ok"] and "outside the artifact" in outside["reason"]


@OP.function
def fail_once(x: int, marker: str) -> int:
    path = Path(marker)
    if not path.exists():
        path.write_text("failed once")
        raise RuntimeError("first run fails")
    return x + 1


@OP.function
def first(x: int, log: str) -> int:
    with open(log, "a") as handle:
        handle.write("ran\n")
    return x


def test_retry_restarts_a_failed_run_reusing_what_succeeded(tmp_path: Path) -> None:
    log, marker = str(tmp_path / "first.log"), str(tmp_path / "marker")
    wf = Workflow("retry")
    one = Step("one", PythonOPTemplate(first), parameters={"x": 1, "log": log})
    wf.add(one)
    wf.add(
        Step(
            "two",
            PythonOPTemplate(fail_once),
            parameters={"x": one.outputs.parameters["dflow_output"], "marker": marker},
        )
    )
    widget = wf.widget()
    wf.submit()
    settle(widget)
    assert widget.summary["phase"] == "Failed"
    [answer] = request(widget, {"kind": "action", "action": "retry", "id": None, "req": 3})
    assert answer == {
        "kind": "action_result",
        "req": 3,
        "ok": True,
        "message": f"workflow {wf.id} restarted: steps that succeeded are reused",
        "text": None,
    }
    wf.wait()
    settle(widget)
    assert wf.query_status() == "Succeeded" and widget.summary["phase"] == "Succeeded"
    assert Path(log).read_text() == "ran\n"  # the succeeded step was reused, not run again
    [again] = request(widget, {"kind": "action", "action": "retry", "id": None, "req": 4})
    assert again["ok"]  # a succeeded run may be restarted too (nothing to redo)
    wf.wait()


def test_terminate_stops_a_running_workflow() -> None:
    config["detach"] = True
    sleeper = ShellOPTemplate(name="sleeper", image="alpine", script="sleep 60")
    wf = Workflow("stop")
    wf.add(Step("long", sleeper))
    widget = wf.widget()
    wf.submit()
    deadline = time.monotonic() + 10
    while not wf.query_step(type="Pod", phase="Running") and time.monotonic() < deadline:
        time.sleep(0.02)
    [answer] = request(widget, {"kind": "action", "action": "terminate", "id": None, "req": 5})
    assert answer["ok"] and answer["message"] == f"workflow {wf.id}: termination requested"
    wf.wait()
    settle(widget)
    assert widget.summary["phase"] == "Failed" and "Terminate" in widget.summary["message"]
    [done] = request(widget, {"kind": "action", "action": "terminate", "id": None, "req": 6})
    assert done["ok"] and "already ended (Failed)" in done["message"]


def test_replay_command_and_unknown_actions() -> None:
    wf = _run(60)
    widget = wf.widget()
    step = _node(widget, "ratio")
    [answer] = request(widget, {"kind": "action", "action": "replay_command", "id": step, "req": 1})
    assert answer["ok"] and answer["text"] == f"%dflow replay {wf.id} ratio --pdb"
    [bad] = request(widget, {"kind": "action", "action": "explode", "id": None, "req": 2})
    assert not bad["ok"] and "unknown action 'explode'" in bad["message"]
    planned = Workflow("planned")
    planned.add(Step("a", PythonOPTemplate(first), parameters={"x": 1, "log": "x"}))
    [early] = request(planned.widget(), {"kind": "action", "action": "terminate", "id": None, "req": 3})
    assert not early["ok"] and "has not been submitted" in early["message"]


@pytest.mark.parametrize("kind", ["details", "preview"])
def test_requests_before_submission_are_answered(kind: str) -> None:
    planned = Workflow("planned")
    planned.add(Step("a", PythonOPTemplate(first), parameters={"x": 1, "log": "x"}))
    widget = planned.widget()
    node = widget.graph["nodes"][-1]["id"]
    [answer] = request(widget, {"kind": kind, "id": node, "side": "outputs", "artifact": "a", "req": 1})
    assert "not been submitted" in (answer.get("error") or answer.get("reason"))


@OP.function
def chatty(lines: int) -> {"n": int}:  # type: ignore[valid-type]
    for i in range(lines):
        print(f"line {i:06d} " + "z" * 60)
    return {"n": lines}


def test_details_of_a_long_log_show_its_tail_and_where_the_rest_is() -> None:
    config["log_echo_limit"] = 1024  # the notebook gets little of it either way
    wf = Workflow("chatty")
    wf.add(Step("talk", PythonOPTemplate(chatty), parameters={"lines": 4000}))  # 284 KB
    wf.submit()
    widget = wf.widget()
    [answer] = request(widget, {"kind": "details", "id": _node(widget, "talk"), "req": 1})
    assert answer["log_truncated"]
    first, _, rest = answer["log"].partition("\n")
    assert first.startswith("[dflow_jupyter: the first ") and "bytes of this log are not shown" in first
    assert first.endswith(f"the whole log: %dflow logs {wf.id} talk]")
    assert rest.startswith("line ") and rest.rstrip().endswith("line 003999 " + "z" * 60)
    assert len(answer["log"]) <= 64 * 1024 + 200
