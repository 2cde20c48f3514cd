"""Files a running job writes (its log, its progress), read where it runs, for the step to show."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any


def read_text(context: Any, path: str) -> str | None:
    """The text of ``path`` in the job's remote directory, or None if it is not there (yet)."""
    try:
        if not context.check_file_exists(path):
            return None
        text = context.read_file(path)
    except Exception:
        return None  # being written or gone: the next look will do
    return text if isinstance(text, str) else text.decode("utf-8", errors="replace")


class LogMirror:
    """Copies a running job's log to the step's log file and reads its progress file.

    Parameters
    ----------
    log_path
        The step's log file (None: no mirror).
    outlog
        The job's log file name in its task directory (dpdispatcher's ``outlog``).
    interval
        Seconds between two copies of the log (reading it costs a transfer over SSH).
    """

    def __init__(self, log_path: Path | None, outlog: str | None, interval: float = 1.0) -> None:
        self.log_path = log_path
        self.outlog = outlog
        self.interval = interval
        self._copied = 0.0
        self._progress: tuple[int, int] | None = None

    def update(self, context: Any, work_path: str) -> tuple[int, int] | None:
        """Copy the log if due; the job's progress when it changed, else None."""
        base = work_path.rstrip("/") or "."
        now = time.monotonic()
        if self.outlog and self.log_path is not None and now - self._copied >= self.interval:
            self._copied = now
            if not self._same_file(context, f"{base}/{self.outlog}"):
                text = read_text(context, f"{base}/{self.outlog}")
                if text is not None:
                    self.log_path.write_text(text)
        text = read_text(context, f"{base}/progress") or ""
        done, _, total = text.strip().partition("/")
        if not (done.isdigit() and total.isdigit()) or (int(done), int(total)) == self._progress:
            return None
        self._progress = (int(done), int(total))
        return self._progress

    def _same_file(self, context: Any, path: str) -> bool:
        # A context without a separate remote root (LazyLocalContext) writes the step's log itself.
        try:
            remote = os.path.realpath(os.path.join(context.remote_root, path))
        except (AttributeError, TypeError):
            return False
        return self.log_path is not None and remote == os.path.realpath(self.log_path)
