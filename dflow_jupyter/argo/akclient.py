"""The poller's asyncio client for the Kubernetes API path: the blocking ``kubernetes`` calls in threads.

The ``kubernetes`` client blocks, so a get runs in a worker thread, and a watch stream is read
by a thread of its own that hands each event to the event loop. The events are applied where
the poller awaits them, on the loop's thread (the kernel's), as with the Argo Server: the
widget's messages leave from there. Closing the stream shuts its socket, which ends the thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncGenerator, Iterable
from typing import Any

from dflow_jupyter.argo.api import NODE_FIELDS
from dflow_jupyter.argo.client import WatchEvent
from dflow_jupyter.argo.kclient import KubeArgoClient
from dflow_jupyter.argo.settings import ArgoSettings

__all__ = ["AsyncKubeArgoClient"]


class AsyncKubeArgoClient:
    """An asyncio client of Argo workflows through the Kubernetes API; use it as ``async with``."""

    def __init__(self, settings: ArgoSettings, *, transport: Any = None) -> None:
        self.settings = settings
        self._sync = KubeArgoClient(settings)

    def __repr__(self) -> str:
        return f"AsyncKubeArgoClient({self.settings.describe()!r})"

    async def aclose(self) -> None:
        self._sync.close()

    async def __aenter__(self) -> AsyncKubeArgoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def get(
        self, name: str, fields: Iterable[str] | None = None, *, retry: bool = True
    ) -> dict[str, Any]:
        """The workflow object (the Kubernetes API does not trim to ``fields``)."""
        return await asyncio.to_thread(self._sync.get, name, fields, retry=retry)

    async def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> AsyncGenerator[WatchEvent, None]:
        """Changes of one workflow, after ``resource_version`` when given (not retried: the
        poller owns reconnection). A stream cut in the middle raises ``ArgoUnavailable``."""
        loop = asyncio.get_running_loop()
        stream = await asyncio.to_thread(self._sync.open_watch, name, resource_version)
        queue: asyncio.Queue[tuple[str, Any]] = asyncio.Queue()
        closed = threading.Event()

        def post(kind: str, value: Any) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, (kind, value))
            except RuntimeError:  # the loop has closed: nobody is listening any more
                closed.set()

        def read() -> None:
            try:
                for event in stream:
                    if closed.is_set():
                        return
                    post("event", event)
            except BaseException as exc:
                if not closed.is_set():
                    post("error", exc)
                return
            post("end", None)

        reader = threading.Thread(target=read, name=f"dflow-k8s-watch-{name}", daemon=True)
        reader.start()
        try:
            while True:
                kind, value = await queue.get()
                if kind == "event":
                    yield value
                elif kind == "error":
                    raise value
                else:
                    return
        finally:
            closed.set()
            stream.abort()  # ends the reader's blocking read; the reader closes the response
