"""A step's output is echoed capped (``config["log_echo_limit"]``) while its log keeps every byte."""

from __future__ import annotations

import os
import resource
from pathlib import Path

import pytest

from dflow_jupyter import Step, Workflow
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, PythonOPTemplate

MB = 1 << 20


@OP.function
def loud(lines: int, width: int) -> {"n": int}:  # type: ignore[valid-type]
    import sys

    # Numbered lines, so the test can tell the head and the tail of the log apart.
    for i in range(lines):
        print(f"line {i:09d} " + "x" * width)
    print("to stderr at the end", file=sys.stderr)
    return {"n": lines}


@OP.function
def one_write(size: int) -> {"n": int}:  # type: ignore[valid-type]
    import sys

    sys.stdout.write("BEGIN" + "y" * size + "END\n")  # one huge write, not many lines
    return {"n": size}


def _find_log(wf: Workflow) -> Path:
    [log] = list((Path(config["debug_workdir"]) / wf.id).glob("*/log.txt"))
    return log


def test_small_output_is_echoed_whole(capsys: pytest.CaptureFixture[str]) -> None:
    wf = Workflow("quiet")
    wf.add(Step("talk", PythonOPTemplate(loud), parameters={"lines": 10, "width": 5}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    echoed = capsys.readouterr()
    assert echoed.out.count("line 0000000") == 10
    assert "left out" not in echoed.out + echoed.err
    assert _find_log(wf).read_text().count("\n") == 11


def test_output_past_the_limit_is_cut_in_the_middle(capsys: pytest.CaptureFixture[str]) -> None:
    config["log_echo_limit"] = 4096
    wf = Workflow("loud")
    wf.add(Step("talk", PythonOPTemplate(loud), parameters={"lines": 20_000, "width": 40}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    echoed = capsys.readouterr()
    text = echoed.out + echoed.err
    log = _find_log(wf).read_text()
    # The log is whole: every line, in order.
    assert log.count("\n") == 20_001
    assert "line 000019999" in log
    # The echo: the first lines, a line about what was left out and where the log is, the end.
    assert len(text) < 4096 + 1024
    assert text.startswith("line 000000000")
    assert "line 000019999" in text and "to stderr at the end" in text
    assert "left out here; the whole log: %dflow logs " in text
    assert f"{wf.id}/talk" in text and "log.txt in the run records" in text
    assert "line 000010000" not in text


def test_the_limit_can_be_lifted(capsys: pytest.CaptureFixture[str]) -> None:
    config["log_echo_limit"] = None
    wf = Workflow("all")
    wf.add(Step("talk", PythonOPTemplate(loud), parameters={"lines": 3000, "width": 40}))
    wf.submit()
    echoed = capsys.readouterr()
    assert echoed.out.count("line 0000") == 3000
    assert "left out" not in echoed.out


def test_one_huge_write_is_cut_too(capsys: pytest.CaptureFixture[str]) -> None:
    config["log_echo_limit"] = 1000
    wf = Workflow("one-write")
    wf.add(Step("write", PythonOPTemplate(one_write), parameters={"size": 2 * MB}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    text = capsys.readouterr().out
    assert text.startswith("BEGIN") and "END\n" in text
    assert len(text) < 1000 + 1024
    assert os.path.getsize(_find_log(wf)) == 2 * MB + len("BEGINEND\n")


def test_a_200_mb_print_keeps_its_log_whole_and_its_echo_bounded(capsys: pytest.CaptureFixture[str]) -> None:
    """200 MB printed (in process, and in a worker): the log holds all of it, the echo 64 KB."""
    lines, width = 200 * MB // 100, 100 - len("line 000000000 \n")
    wf = Workflow("huge")
    wf.add(Step("talk", PythonOPTemplate(loud), parameters={"lines": lines, "width": width}))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KB
    wf.submit()
    # Never 200 MB in one string: the high-water mark of this process grows by far less.
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak < 64 * 1024
    assert wf.query_status() == "Succeeded"
    echoed = capsys.readouterr()
    text = echoed.out + echoed.err  # in process, the OP's stderr goes to the kernel's
    log = _find_log(wf)
    assert os.path.getsize(log) == 200 * MB + len("to stderr at the end\n")
    with open(log, "rb") as handle:
        handle.seek(-200, 2)
        assert f"line {lines - 1:09d}".encode() in handle.read()
    assert len(text) <= 64 * 1024 + 1024
    assert text.startswith("line 000000000")
    assert f"line {lines - 1:09d}" in text and "to stderr at the end" in text
    assert "200.0 MB of this step's output left out here" not in text  # 200 MB minus what shows
    assert "MB of this step's output left out here; the whole log: %dflow logs" in text


class _CountingStream:
    """A notebook's stdout as the engine sees it, counting flushes (each is a round trip in a kernel)."""

    def __init__(self) -> None:
        self.flushes = 0
        self.text: list[str] = []

    def write(self, text: str) -> int:
        self.text.append(text)
        return len(text)

    def flush(self) -> None:
        self.flushes += 1


@OP.function
def silent(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x}


@pytest.mark.isolation("inprocess")
def test_quiet_steps_never_flush_the_notebooks_streams(
    isolation: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, err = _CountingStream(), _CountingStream()
    monkeypatch.setattr("sys.stdout", out)
    monkeypatch.setattr("sys.stderr", err)
    wf = Workflow("quiet-fanout")
    wf.add(Step("each", PythonOPTemplate(silent), parameters={"x": "{{item}}"}, with_param=list(range(50))))
    wf.add(Step("talk", PythonOPTemplate(loud), parameters={"lines": 2, "width": 3}))
    wf.submit()
    assert wf.query_status() == "Succeeded"
    # Only the step that printed flushes what it printed; the 50 quiet ones leave the streams alone.
    assert "".join(out.text).count("line 0000000") == 2 and "to stderr" in "".join(err.text)
    assert 1 <= out.flushes <= 2 and 1 <= err.flushes <= 2
