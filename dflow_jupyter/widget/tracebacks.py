"""The traceback of a failed step, read from its log, with the user's frames first.

The engine prints the OP's exception with ``traceback.print_exc()`` into the step's log
(``engine/python_exec.py``), so the log's last ``Traceback (most recent call last):`` block is
the step's error. Frames of dflow_jupyter itself, of installed packages and of the standard
library are hidden behind one line saying how many there were; the user's own frames (a
notebook cell, a script, the OP's module) and the exception stay. A traceback made only of
library frames is shown whole: then the library frames are all there is to read.
"""

from __future__ import annotations

import os
import re
import sysconfig
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Frame", "is_library_file", "split_traceback", "user_traceback"]

_HEADER = "Traceback (most recent call last):"
_FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line \d+(?:, in .*)?$')
_PACKAGE = str(Path(__file__).resolve().parents[1]) + os.sep


def _library_roots() -> tuple[str, ...]:
    roots = {_PACKAGE}
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        path = sysconfig.get_paths().get(key)
        if path:
            roots.add(str(Path(path).resolve()) + os.sep)
    return tuple(sorted(roots))


_ROOTS = _library_roots()


def is_library_file(filename: str) -> bool:
    """Whether a frame's file belongs to dflow_jupyter, an installed package or the stdlib."""
    if filename.startswith("<frozen "):
        return True
    if filename.startswith("<") or not os.path.isabs(filename):
        return False  # <string>, <ipython-input-...>: the user's own code
    if any(part in filename for part in ("/site-packages/", "/dist-packages/")):
        return True
    return filename.startswith(_ROOTS)


@dataclass
class Frame:
    """One frame of a printed traceback: its ``File ...`` line and the lines under it."""

    filename: str
    lines: list[str]

    @property
    def library(self) -> bool:
        return is_library_file(self.filename)


def split_traceback(text: str) -> tuple[list[Frame], list[str]] | None:
    """The frames and the exception lines of the last traceback in ``text`` (None if none)."""
    start = text.rfind(_HEADER)
    if start < 0:
        return None
    lines = text[start:].splitlines()[1:]
    frames: list[Frame] = []
    index = 0
    while index < len(lines):
        match = _FRAME.match(lines[index])
        if match is None:
            if lines[index].startswith("    ") and frames:  # code and ^^^ lines of a frame
                frames[-1].lines.append(lines[index])
                index += 1
                continue
            break
        frames.append(Frame(match.group("file"), [lines[index]]))
        index += 1
    exception: list[str] = []
    for line in lines[index:]:
        if not line.strip() or line.startswith("During handling") or line.startswith("The above"):
            break
        exception.append(line)
    return frames, exception


def user_traceback(text: str) -> str | None:
    """The log's last traceback with library frames hidden (see the module docstring)."""
    found = split_traceback(text)
    if found is None:
        return None
    frames, exception = found
    shown = [f for f in frames if not f.library] or frames
    hidden = len(frames) - len(shown)
    out = [_HEADER]
    for frame in shown:
        out.extend(frame.lines)
    out.extend(exception)
    if hidden:
        plural = "s" if hidden != 1 else ""
        out.append(f"({hidden} library frame{plural} hidden: dflow_jupyter, installed packages, Python)")
    return "\n".join(out)
