"""A background writer for the informational files of step directories.

Each step's ``node.json`` (its full record, outputs included) is written synchronously: it is
the commit record a restart trusts. The files that only mirror it for people and for dflow's
layout (``phase``, ``type``, ``inputs/parameters/*``, ``outputs/parameters/*``) are written by
this thread, in order, off the engine's critical path: on slow filesystems creating a file
costs a fifth of a millisecond, which would otherwise be most of a step's overhead.
``flush()`` waits until everything queued is on disk; a run flushes before it reports its end.
"""

from __future__ import annotations

import os
import queue
import threading
from pathlib import Path


class AsyncWriter:
    """Write small text files in a daemon thread, in submission order."""

    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[Path, str] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self.errors: list[str] = []

    def write(self, path: Path, text: str) -> None:
        self._ensure_thread()
        self._queue.put((path, text))

    def write_many(self, directory: Path, files: dict[str, str]) -> None:
        for name, text in files.items():
            self.write(directory / name, text)

    def flush(self) -> None:
        if self._thread is not None:
            self._queue.join()

    def _ensure_thread(self) -> None:
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="dflow-writer", daemon=True)
                    self._thread.start()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                path, text = item
                try:
                    _write_replace(path, text)
                except FileNotFoundError:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    _write_replace(path, text)
            except OSError as exc:  # a full disk must not kill the run; report at flush
                self.errors.append(f"{item[0] if item else '?'}: {exc}")
            finally:
                self._queue.task_done()


def _write_replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.w.tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)  # a full disk must not leave an empty temporary file behind
        raise


#: The process-wide writer (one thread serves every run).
writer = AsyncWriter()
