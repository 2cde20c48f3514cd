"""The echo of a step's output into the notebook or terminal: capped, while its log stays whole.

An OP that prints 200 MB must not push 200 MB through the kernel's stdout into the notebook
(the browser and the saved ``.ipynb`` choke on it long before), yet its record must keep every
byte. So the step's ``log.txt`` gets everything and the echo gets the first and the last half
of ``config["log_echo_limit"]`` (bytes; characters for in-process output), with a line between
them saying how much was left out and where the whole log is. Memory stays bounded: only the
tail is kept while the OP runs, and a log file is echoed from its two ends, never read whole.
"""

from __future__ import annotations

import codecs
import collections
import threading
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from dflow_jupyter.engine.pod_spec import PodSpec

__all__ = [
    "DEFAULT_ECHO_LIMIT",
    "CappedEcho",
    "echo_limit",
    "echo_log_file",
    "echo_step_log",
    "log_hint",
    "step_echo",
]

#: The default of ``config["log_echo_limit"]``: the first and last 32 KB of a step's output.
DEFAULT_ECHO_LIMIT = 64 * 1024
#: Blocks in which an uncapped log file is echoed (never read whole).
_BLOCK = 1 << 20


def echo_limit() -> int | None:
    """``config["log_echo_limit"]``: bytes of a step's output echoed (None: all of it)."""
    from dflow_jupyter.config import config

    value = config.get("log_echo_limit", DEFAULT_ECHO_LIMIT)
    return None if value is None else max(0, int(value))


def log_hint(log_path: Path, step: str) -> str:
    """Where the whole log of a step is: the ``%dflow logs`` command and its place in the records."""
    step_dir = log_path.parent
    run = step_dir.parent.name
    return f"%dflow logs {run} {step}, or {run}/{step_dir.name}/{log_path.name} in the run records"


def _size(count: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"


def _cut_line(limit: int) -> str:
    return (
        f"\n[dflow_jupyter: this step's output passes config['log_echo_limit'] = {limit}; "
        "the rest goes to its log only, its end shows when the step ends]\n"
    )


def _left_out_line(left_out: int, hint: str) -> str:
    left = _size(left_out)
    return f"\n[dflow_jupyter: {left} of this step's output left out here; the whole log: {hint}]\n"


class CappedEcho:
    """Echoes the output of one step to the streams it was written to, capped at ``limit``.

    The first ``limit // 2`` characters pass at once; after them only the last ``limit -
    limit // 2`` are kept (per chunk, in order, with the stream each went to; up to twice that
    between two trims) and written by ``finish()`` after a line saying how much was left out.
    ``limit=None`` echoes everything. Safe for the threads an OP starts.
    """

    def __init__(self, limit: int | None, hint: str) -> None:
        self._limit = limit
        self._head_left = None if limit is None else limit // 2
        self._tail_size = 0 if limit is None else limit - limit // 2
        self._hint = hint
        self._tail: collections.deque[tuple[TextIO, str]] = collections.deque()
        self._kept = 0
        self._left_out = 0
        self._cut = False
        self._lock = threading.Lock()

    def write(self, stream: TextIO, text: str) -> None:
        if self._head_left is None:
            stream.write(text)
            return
        with self._lock:
            if self._cut:  # the common case of a loud OP: keep, trim now and then
                self._tail.append((stream, text))
                self._kept += len(text)
                if self._kept > 2 * self._tail_size:
                    self._trim()
                return
            if len(text) <= self._head_left:
                self._head_left -= len(text)
                stream.write(text)
                return
            stream.write(text[: self._head_left])
            text = text[self._head_left :]
            self._head_left = 0
            self._cut = True
            stream.write(_cut_line(self._limit or 0))
            self._tail.append((stream, text))
            self._kept += len(text)
            self._trim()

    def _trim(self) -> None:
        while self._kept > self._tail_size:
            first_stream, first = self._tail[0]
            excess = self._kept - self._tail_size
            if len(first) <= excess:
                self._tail.popleft()
                self._kept -= len(first)
                self._left_out += len(first)
            else:
                self._tail[0] = (first_stream, first[excess:])
                self._kept -= excess
                self._left_out += excess

    def finish(self) -> None:
        """Write the line about what was left out, then the kept tail (nothing if not cut)."""
        with self._lock:
            if not self._cut:
                return
            self._trim()
            tail, self._tail, self._kept = list(self._tail), collections.deque(), 0
            left_out, self._left_out = self._left_out, 0
            self._cut = False
        if not tail:
            return
        tail[0][0].write(_left_out_line(left_out, self._hint))
        for stream, text in tail:
            stream.write(text)
        if not tail[-1][1].endswith("\n"):
            tail[-1][0].write("\n")


def echo_log_file(path: Path, stream: TextIO, limit: int | None, hint: str) -> None:
    """Echo a finished step's log file to ``stream``: whole up to ``limit`` bytes, else its two ends."""
    try:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            handle.seek(0)
            if limit is None or size <= limit:
                decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
                for block in iter(lambda: handle.read(_BLOCK), b""):
                    stream.write(decoder.decode(block))
                stream.write(decoder.decode(b"", final=True))
                return
            head = handle.read(limit // 2)
            tail_size = limit - limit // 2
            handle.seek(size - tail_size)
            tail = handle.read(tail_size)
    except OSError:
        return  # the log is a record, not part of the OP: nothing to echo
    stream.write(head.decode("utf-8", errors="replace"))
    stream.write(_left_out_line(size - len(head) - len(tail), hint))
    stream.write(tail.decode("utf-8", errors="replace"))
    if not tail.endswith(b"\n"):
        stream.write("\n")


def _step_hint(spec: PodSpec) -> str:
    return log_hint(spec.step_dir / "log.txt", spec.key or spec.node.display_name)


def step_echo(spec: PodSpec) -> CappedEcho | None:
    """The capped echo of an in-process step's output (None when the step is not echoed)."""
    return CappedEcho(echo_limit(), _step_hint(spec)) if spec.echo else None


def echo_step_log(spec: PodSpec, stream: TextIO) -> None:
    """Echo the log of a step that ran elsewhere (a worker, a job), capped, when it is echoed."""
    if spec.echo:
        echo_log_file(spec.step_dir / "log.txt", stream, echo_limit(), _step_hint(spec))
