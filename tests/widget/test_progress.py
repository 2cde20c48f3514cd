"""``wf.wait()`` outside a notebook: a progress bar on a terminal (or when asked), then what failed."""

from __future__ import annotations

import io

import pytest

from dflow_jupyter import Step, Workflow, config
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.widget.progress import wait_with_progress, wants_progress


@OP.function
def check(x: int) -> int:
    if x < 0:
        raise ValueError(f"negative: {x}")
    return x


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_only_on_a_terminal_or_when_asked() -> None:
    assert wants_progress(None, Terminal())
    assert not wants_progress(None, io.StringIO())
    assert wants_progress(True, io.StringIO()) and not wants_progress(False, Terminal())


def test_bar_counts_steps_and_names_the_failed_ones() -> None:
    config["detach"] = True
    try:
        wf = Workflow("bar")
        wf.add([Step(f"ok{i}", PythonOPTemplate(check), parameters={"x": i}) for i in range(3)])
        wf.add(Step("bad", PythonOPTemplate(check), parameters={"x": -1}))
        wf.submit()
        out = Terminal()
        status = wait_with_progress(wf.backend, str(wf.id), out)
    finally:
        config["detach"] = False
    assert status.phase == "Failed"
    text = out.getvalue()
    assert "4/4" in text and "3 Succeeded, 1 Failed" in text
    summary = text[text.index(f"workflow {wf.id} Failed") :]
    assert summary.splitlines()[:2] == [
        f"workflow {wf.id} Failed: 1 step failed",
        "  bad: ValueError: negative: -1 (exit code 1)",
    ]
    assert f"python -m dflow_jupyter logs {wf.id} bad" in summary


def test_wait_is_quiet_unless_stderr_is_a_terminal(capsys: pytest.CaptureFixture[str]) -> None:
    wf = Workflow("quiet")
    wf.add(Step("one", PythonOPTemplate(check), parameters={"x": 1}))
    wf.submit()
    wf.wait()
    assert capsys.readouterr().err == ""
    wf.wait(progress=True)
    assert "1/1" in capsys.readouterr().err
