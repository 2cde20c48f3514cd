"""State of the FAKE Argo Server: its workflows (each a timeline of real states) and its faults."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .timeline import timeline

ACTIVE = ("", "Pending", "Running")


def now_text() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Faults:
    """What the FAKE server does wrong on purpose.

    Attributes
    ----------
    status_codes
        The next requests are answered with these HTTP codes (e.g. ``[500, 503]``), in order.
    not_found_after_create
        Gets of a freshly created workflow answered 404 before it "appears".
    drop_watch_after
        A watch stream is cut (connection dropped mid-body) after this many events...
    drop_watch_times
        ... this many times.
    watch_status
        The watch endpoint answers this code instead of a stream (e.g. 501): no watch here.
    delay
        Seconds before every answer (a slow server).
    """

    status_codes: list[int] = field(default_factory=list)
    not_found_after_create: int = 0
    drop_watch_after: int | None = None
    drop_watch_times: int = 0
    watch_status: int | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class Epoch:
    """A stretch of a workflow's life: states shown one after another from ``start``."""

    start: float
    frames: list[dict[str, Any]]
    rv_base: int


@dataclass
class FakeWorkflow:
    """One workflow on the FAKE server."""

    server: Any
    name: str
    namespace: str
    manifest: dict[str, Any]
    labels: dict[str, str]
    uid: str = field(default_factory=lambda: str(uuid.uuid4()))
    created: str = field(default_factory=now_text)
    epochs: list[Epoch] = field(default_factory=list)
    hidden_gets: int = 0
    suspended_rest: list[dict[str, Any]] | None = None

    @classmethod
    def playing(
        cls,
        server: Any,
        name: str,
        namespace: str,
        final: dict[str, Any],
        manifest: dict[str, Any],
        *,
        played: bool = True,
    ) -> FakeWorkflow:
        labels = dict(
            (manifest.get("metadata") or {}).get("labels")
            or (final.get("metadata") or {}).get("labels")
            or {}
        )
        wf = cls(server, name, namespace, manifest, labels)
        wf.play(timeline(final) if played else [final])
        return wf

    def play(self, frames: list[dict[str, Any]]) -> None:
        """Show ``frames`` from now on (each for the server's ``frame_interval``)."""
        rv = self.server.next_rv(len(frames) + 1)
        self.epochs.append(Epoch(time.monotonic(), frames, rv))

    def index(self) -> int:
        epoch = self.epochs[-1]
        elapsed = time.monotonic() - epoch.start
        return min(int(elapsed / self.server.frame_interval), len(epoch.frames) - 1)

    def rest(self) -> list[dict[str, Any]]:
        """The states not shown yet (from the current one)."""
        return self.epochs[-1].frames[self.index() :]

    def current(self) -> dict[str, Any]:
        """The workflow object now, as the server returns it."""
        epoch = self.epochs[-1]
        i = self.index()
        frame = epoch.frames[i]
        metadata = {
            **(frame.get("metadata") or {}),
            "name": self.name,
            "namespace": self.namespace,
            "uid": self.uid,
            "resourceVersion": str(epoch.rv_base + i),
            "creationTimestamp": self.created,
            "labels": self.labels,
        }
        spec = self.manifest.get("spec") or frame.get("spec") or {}
        obj = {"apiVersion": "argoproj.io/v1alpha1", "kind": "Workflow", **frame, "metadata": metadata}
        obj["spec"] = spec
        return obj

    @property
    def phase(self) -> str:
        return str((self.current().get("status") or {}).get("phase") or "")

    @property
    def finished(self) -> bool:
        return self.phase not in ACTIVE
