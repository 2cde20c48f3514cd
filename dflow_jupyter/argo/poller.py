"""The status poller: one asyncio task per followed workflow, on the kernel's event loop.

A poller reads the workflow once in full, then follows its watch stream (server-sent events),
resuming a dropped stream from the last resource version. Where the stream is not served
(a proxy, an old server) it falls back to cheap trimmed gets, fetching the node tree only when
the resource version moved. Errors are paced by exponential backoff with jitter; a 404 right
after create is tolerated (the server may not list a workflow at once). It stops when the
workflow finishes. Each object read goes through :class:`ArgoStatusSync`, so only changed
nodes are published.

Tasks run on the running loop of the calling thread (the kernel's, in Jupyter, so widgets
update without threads). Without one, the registry keeps a private loop that no thread runs:
its tasks advance only inside :meth:`PollerRegistry.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from dataclasses import dataclass

import httpx

from dflow_jupyter.argo.api import CHEAP_FIELDS, NODE_FIELDS
from dflow_jupyter.argo.backoff import Backoff
from dflow_jupyter.argo.clients import AsyncWorkflowClient, async_client_for
from dflow_jupyter.argo.errors import (
    ArgoAuthError,
    ArgoError,
    ArgoNotFound,
    ArgoServerError,
    ArgoUnavailable,
)
from dflow_jupyter.argo.settings import ArgoSettings
from dflow_jupyter.argo.status import ArgoStatusSync
from dflow_jupyter.argo.wait import NOT_FOUND_GRACE
from dflow_jupyter.status.model import WorkflowStatus

__all__ = ["Poller", "PollerRegistry", "WorkflowDeleted", "pollers"]

logger = logging.getLogger("dflow_jupyter.argo")


class _WatchUnsupported(Exception):
    """The watch stream is not served here: poll with gets instead."""


class WorkflowDeleted(ArgoNotFound):
    """The workflow was deleted while followed (no grace period applies)."""


class _Resync(Exception):
    """The watch cannot resume from our resource version: read the whole workflow again."""


@dataclass
class PollStats:
    """What a poller did (for tests and diagnostics)."""

    gets: int = 0
    cheap_gets: int = 0
    watches: int = 0
    events: int = 0
    resumes: int = 0
    errors: int = 0
    fell_back: bool = False


class Poller:
    """Follows one workflow until it finishes, applying what it reads to ``sync``.

    Parameters
    ----------
    sync
        The workflow's status sync (tracker and previous nodes).
    settings
        Where the server is; ``poll_interval``, ``backoff`` and ``backoff_max`` pace the loop.
    use_watch
        Follow the watch stream (default) or only poll with gets.
    created_at
        ``time.monotonic()`` of the create call, when this process created the workflow.
    transport
        An httpx transport instead of the network (tests).
    """

    def __init__(
        self,
        sync: ArgoStatusSync,
        settings: ArgoSettings,
        *,
        use_watch: bool = True,
        created_at: float | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.sync = sync
        self.settings = settings
        self.name = sync.status.name
        self.use_watch = use_watch
        self.created_at = created_at
        self.stats = PollStats()
        self._transport = transport
        self._backoff = Backoff(settings.backoff, settings.backoff_max)

    async def run(self) -> WorkflowStatus:
        """Poll until the workflow has finished; its final status."""
        async with async_client_for(self.settings, transport=self._transport) as client:
            resync = True
            while True:
                try:
                    if resync:
                        await self._get(client)
                        resync = False
                    if self.sync.finished:
                        return self.sync.status
                    if self.use_watch:
                        await self._watch(client)
                        if self.sync.finished:
                            return self.sync.status
                        # The server ended the stream: resume it after a short pause.
                        self.stats.resumes += 1
                        await asyncio.sleep(self._backoff.next())
                    else:
                        resync = await self._cheap_poll(client)
                except _Resync:
                    resync = True
                except _WatchUnsupported as exc:
                    logger.info("watch of %s not served (%s); polling with gets", self.name, exc)
                    self.use_watch = False
                    self.stats.fell_back = True
                except WorkflowDeleted:
                    raise
                except ArgoNotFound:
                    if not self._young():
                        raise
                    resync = True
                    await self._pause()
                except (ArgoServerError, ArgoUnavailable) as exc:
                    logger.info("polling %s: %s", self.name, exc)
                    self.stats.resumes += 1
                    await self._pause()

    def _young(self) -> bool:
        return self.created_at is not None and time.monotonic() - self.created_at < NOT_FOUND_GRACE

    async def _pause(self) -> None:
        self.stats.errors += 1
        await asyncio.sleep(self._backoff.next())

    async def _get(self, client: AsyncWorkflowClient) -> None:
        self.stats.gets += 1
        self.sync.apply(await client.get(self.name, NODE_FIELDS, retry=False))
        self._backoff.reset()

    async def _watch(self, client: AsyncWorkflowClient) -> None:
        self.stats.watches += 1
        deleted = False
        stream = client.watch(self.name, NODE_FIELDS, self.sync.resource_version)
        try:
            async with contextlib.aclosing(stream):
                async for event in stream:
                    self.stats.events += 1
                    if event.type == "DELETED":
                        deleted = True
                        break
                    self.sync.apply(event.object)
                    self._backoff.reset()
                    if self.sync.finished:
                        return
        except (ArgoAuthError, ArgoServerError, ArgoUnavailable):
            raise
        except ArgoError as exc:
            if exc.status_code == 410:  # the resource version is too old: read it all again
                raise _Resync(str(exc)) from None
            # 404, 405, 501, a proxy's 400: the stream endpoint is not usable here.
            raise _WatchUnsupported(str(exc)) from None
        if deleted:
            raise WorkflowDeleted(
                f"watch workflow {self.name!r}: it was deleted from namespace {self.settings.namespace!r}",
                status_code=404,
                workflow=self.name,
                namespace=self.settings.namespace,
            )

    async def _cheap_poll(self, client: AsyncWorkflowClient) -> bool:
        """One trimmed get after the poll interval; whether the node tree must be read again."""
        await asyncio.sleep(self.settings.poll_interval)
        self.stats.cheap_gets += 1
        obj = await client.get(self.name, CHEAP_FIELDS, retry=False)
        self._backoff.reset()
        version = (obj.get("metadata") or {}).get("resourceVersion")
        # Something changed when the version moved: read the nodes too.
        return not (version and version == self.sync.resource_version)


class PollerRegistry:
    """One poller task per workflow, however many readers (widgets) follow it."""

    def __init__(self) -> None:
        self._tasks: dict[str, asyncio.Task[WorkflowStatus]] = {}
        self._private: asyncio.AbstractEventLoop | None = None
        self.errors: dict[str, BaseException] = {}

    def loop(self) -> asyncio.AbstractEventLoop:
        """The running loop of this thread (the kernel's), else a private loop no thread runs."""
        try:
            return asyncio.get_running_loop()
        except RuntimeError:
            if self._private is None or self._private.is_closed():
                self._private = asyncio.new_event_loop()
            return self._private

    def start(self, poller: Poller) -> asyncio.Task[WorkflowStatus]:
        """The task following ``poller``'s workflow: the running one, or a new one from ``poller``."""
        name = poller.name
        task = self._tasks.get(name)
        if task is not None and not task.done():
            return task
        loop = self.loop()
        task = loop.create_task(poller.run(), name=f"dflow-argo-poll-{name}")
        self._tasks[name] = task
        self.errors.pop(name, None)
        task.add_done_callback(lambda done: self._finished(name, done))
        return task

    def _finished(self, name: str, task: asyncio.Task[WorkflowStatus]) -> None:
        if self._tasks.get(name) is task:
            del self._tasks[name]
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            assert error is not None
            self.errors[name] = error
            logger.warning("polling workflow %s stopped: %s", name, error)

    def active(self, name: str) -> bool:
        """Whether a poller task follows ``name`` now."""
        task = self._tasks.get(name)
        return task is not None and not task.done()

    def task(self, name: str) -> asyncio.Task[WorkflowStatus] | None:
        return self._tasks.get(name)

    def stop(self, name: str) -> None:
        """Cancel the poller of ``name`` (a no-op when none runs)."""
        task = self._tasks.get(name)
        if task is not None:
            task.cancel()

    def run(self, name: str, timeout: float | None = None) -> WorkflowStatus | None:
        """Drive the private loop until ``name``'s poller ends (``None`` if none runs there).

        On a running loop (a kernel) this cannot block: await the task instead.
        """
        task = self._tasks.get(name)
        if task is None:
            return None
        loop = task.get_loop()
        if loop.is_running():
            raise RuntimeError(
                f"the poller of {name!r} runs on this thread's event loop: await it instead of run()"
            )
        return loop.run_until_complete(asyncio.wait_for(asyncio.shield(task), timeout))

    def close(self) -> None:
        """Cancel the tasks of the private loop and close it (tests; interpreter exit)."""
        loop = self._private
        if loop is None or loop.is_closed():
            return
        pending = [t for t in self._tasks.values() if t.get_loop() is loop and not t.done()]
        for task in pending:
            task.cancel()
        if pending:
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        loop.close()


#: The process-wide registry (the backend and the widget share it).
pollers = PollerRegistry()
