"""The runner's outside measurements: exit codes, tree RSS, timeouts, the JSON record."""

from __future__ import annotations

import os
import sys
import textwrap
import time
from pathlib import Path

import psutil
from measure import Measurement, last_json_line, last_line, measure


def _run(tmp_path: Path, code: str, timeout: float = 30.0, memory_limit: int | None = None) -> Measurement:
    return measure(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=tmp_path,
        env=dict(os.environ),
        timeout=timeout,
        stdout_path=tmp_path / "out",
        stderr_path=tmp_path / "err",
        memory_limit=memory_limit,
    )


def test_record_exit_code_and_stderr_tail(tmp_path: Path) -> None:
    m = _run(
        tmp_path,
        """
        import sys
        print("chatter")
        print('{"wall": 1.5, "status": "Succeeded"}')
        print("first", file=sys.stderr)
        print("last words", file=sys.stderr)
        sys.exit(4)
        """,
    )
    assert m.exit_code == 4 and not m.timed_out
    assert m.record == {"wall": 1.5, "status": "Succeeded"}
    assert m.stderr_tail == "last words"
    assert m.cpu > 0 and m.wall > 0


def test_peak_rss_sums_the_process_tree(tmp_path: Path) -> None:
    # Parent and child each hold 150 MB at the same time: the tree peak must count both.
    m = _run(
        tmp_path,
        """
        import subprocess, sys, time
        block = bytearray(150 * 2**20)
        child = subprocess.Popen([sys.executable, "-c",
            "import time; b = bytearray(150 * 2**20); time.sleep(0.5)"])
        child.wait()
        """,
    )
    assert m.exit_code == 0
    assert m.peak_rss > 300 * 2**20


def test_peak_rss_is_the_childs_not_the_runners(tmp_path: Path) -> None:
    # A runner that once held 400 MB (a long pytest session does) must not lend its high-water
    # mark to a small child: a vfork-spawned child's ru_maxrss would carry it over at exec.
    ballast = b"x" * (400 * 2**20)
    m = _run(tmp_path, "import time; time.sleep(0.3)")
    del ballast
    assert m.exit_code == 0
    assert 0 < m.peak_rss < 200 * 2**20


def test_timeout_kills_the_whole_group(tmp_path: Path) -> None:
    start = time.perf_counter()
    m = _run(
        tmp_path,
        """
        import subprocess, sys, time
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(child.pid, flush=True)
        time.sleep(60)
        """,
        timeout=1.0,
    )
    assert m.timed_out and m.exit_code is None
    assert time.perf_counter() - start < 10
    grandchild = int((tmp_path / "out").read_text().split()[0])
    time.sleep(0.2)
    assert not psutil.pid_exists(grandchild) or psutil.Process(grandchild).status() == "zombie"


def test_memory_limit_kills_a_runaway_tree(tmp_path: Path) -> None:
    m = _run(
        tmp_path,
        """
        import time
        blocks = []
        for _ in range(40):
            blocks.append(bytearray(25 * 2**20))
            time.sleep(0.05)
        """,
        memory_limit=200 * 2**20,
    )
    assert m.over_memory and m.killed and not m.timed_out and m.exit_code is None
    assert 200 * 2**20 < m.peak_rss < 600 * 2**20


def test_leftover_processes_are_counted_and_killed(tmp_path: Path) -> None:
    m = _run(
        tmp_path,
        """
        import subprocess, sys
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(child.pid)
        """,
    )
    assert m.exit_code == 0 and m.leftover == 1
    orphan = int((tmp_path / "out").read_text().split()[0])
    time.sleep(0.2)
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == "zombie"


def test_last_json_line_and_last_line() -> None:
    text = 'x\n{"a": 1}\n{not json\n[1]\n\n'
    assert last_json_line(text) == {"a": 1}
    assert last_json_line("nothing") is None
    assert last_line("a\nb\n  \n") == "b"
    assert last_line("") == ""
