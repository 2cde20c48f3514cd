"""Run one child process and measure it from outside: wall, tree CPU, tree peak RSS, its record."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil


@dataclass
class Measurement:
    """What one child run produced, seen from the runner.

    Attributes
    ----------
    exit_code
        The child's exit code (negative: killed by that signal); None if it timed out.
    timed_out
        True when the runner killed the child's process group at the timeout.
    wall
        Seconds from spawning the child to reaping it (interpreter start-up included).
    cpu
        User + system seconds of the child and every descendant it reaped (``wait4``).
    peak_rss
        Peak bytes of the summed RSS of the child's process tree, sampled periodically, and at
        least the child's own high-water mark (``VmHWM``, exact between samples).
    record
        The JSON object printed on the child's last stdout line, if any.
    stderr_tail
        The last non-empty line the child wrote to stderr.
    leftover
        Processes of the child's session still alive after it exited (killed by the runner).
    over_memory
        True when the runner killed the child's process group because the tree's RSS passed
        the memory limit (a runaway run must not take the machine down with it).
    """

    exit_code: int | None
    timed_out: bool
    wall: float
    cpu: float
    peak_rss: int
    record: dict[str, Any] | None
    stderr_tail: str
    leftover: int
    over_memory: bool = False

    @property
    def killed(self) -> bool:
        """Whether the runner killed the run (timeout or memory limit) before it finished."""
        return self.timed_out or self.over_memory


class _TreeSampler(threading.Thread):
    """Samples the summed RSS of a process and its descendants until stopped."""

    def __init__(self, pid: int, interval: float, limit: int | None, on_limit: Callable[[], None]) -> None:
        super().__init__(daemon=True)
        self.interval = interval
        self.limit = limit
        self.on_limit = on_limit
        self.peak = 0
        self.root_high_water = 0
        self._stop_event = threading.Event()
        try:
            self._root: psutil.Process | None = psutil.Process(pid)
        except psutil.NoSuchProcess:
            self._root = None

    def _sample(self, root: psutil.Process) -> int:
        total = 0
        for proc in [root, *root.children(recursive=True)]:
            # A process that exited between listing and reading took its memory with it.
            with contextlib.suppress(psutil.NoSuchProcess, psutil.ZombieProcess, psutil.AccessDenied):
                total += proc.memory_info().rss
        return total

    def _read_root_high_water(self, pid: int) -> None:
        # The kernel's high-water mark of the child's own address space catches a spike between
        # two samples. Not wait4's ru_maxrss: a child spawned with vfork inherits, at exec, the
        # high-water mark of the runner's address space, so it would report the runner's peak.
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    self.root_high_water = max(self.root_high_water, int(line.split()[1]) * 1024)
                    return

    def run(self) -> None:
        if self._root is None:
            return
        while not self._stop_event.is_set():
            self._read_root_high_water(self._root.pid)
            try:
                self.peak = max(self.peak, self._sample(self._root))
            except (psutil.NoSuchProcess, psutil.ZombieProcess):
                return
            if self.limit is not None and self.peak > self.limit:
                self.on_limit()
                return
            self._stop_event.wait(self.interval)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()


def _session_members(sid: int) -> list[int]:
    """Pids still in the process group the child led (it was started in a new session)."""
    members = []
    for proc in psutil.process_iter():
        try:
            if proc.pid != os.getpid() and os.getpgid(proc.pid) == sid:
                members.append(proc.pid)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def last_json_line(text: str) -> dict[str, Any] | None:
    """The last line of ``text`` that is a JSON object, or None."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                return value
    return None


def last_line(text: str) -> str:
    """The last non-empty line of ``text``, stripped ('' if none)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1] if lines else ""


def measure(
    cmd: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    timeout: float,
    stdout_path: Path,
    stderr_path: Path,
    sample_interval: float = 0.01,
    memory_limit: int | None = None,
) -> Measurement:
    """Run ``cmd`` in ``cwd`` with ``env`` in its own session and measure it.

    stdout and stderr go to files (a pipe could fill and block a chatty child). After
    ``timeout`` seconds the child's whole process group is killed and the run is marked
    ``timed_out``; likewise when the tree's sampled RSS passes ``memory_limit`` bytes
    (``over_memory``). Processes the child leaves behind are killed and counted.
    """
    with stdout_path.open("wb") as out, stderr_path.open("wb") as err:
        start = time.perf_counter()
        child = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=err,
            start_new_session=True,
        )
        over_memory = threading.Event()

        def on_limit() -> None:
            over_memory.set()
            _kill_group(child.pid)

        sampler = _TreeSampler(child.pid, sample_interval, memory_limit, on_limit)
        sampler.start()
        timed_out = threading.Event()

        def on_timeout() -> None:
            timed_out.set()
            _kill_group(child.pid)

        timer = threading.Timer(timeout, on_timeout)
        timer.start()
        # wait4 rather than Popen.wait: it also returns the CPU times of the whole reaped tree.
        _, wait_status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - start
        timer.cancel()
        sampler.stop()
        child.returncode = os.waitstatus_to_exitcode(wait_status)
    # After a kill the group's members may still be dying: only a clean exit can leave orphans.
    killed = timed_out.is_set() or over_memory.is_set()
    leftover = [] if killed else _session_members(child.pid)
    if leftover:
        _kill_group(child.pid)
    stdout = stdout_path.read_text(encoding="utf-8", errors="replace")
    stderr = stderr_path.read_text(encoding="utf-8", errors="replace")
    return Measurement(
        exit_code=None if timed_out.is_set() or over_memory.is_set() else child.returncode,
        timed_out=timed_out.is_set(),
        wall=wall,
        cpu=usage.ru_utime + usage.ru_stime,
        peak_rss=max(sampler.peak, sampler.root_high_water),
        record=last_json_line(stdout),
        stderr_tail=last_line(stderr),
        leftover=len(leftover),
        over_memory=over_memory.is_set(),
    )
