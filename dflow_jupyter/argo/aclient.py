"""The Argo Server client for the poller (asyncio): trimmed gets and the watch stream.

Only what the poller needs is asynchronous; everything else goes through the synchronous
:class:`~dflow_jupyter.argo.client.ArgoClient`. Requests, retries and errors are the same.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable
from typing import Any

import httpx
from httpx_sse import EventSource

from dflow_jupyter.argo._http import (
    SSE_HEADERS,
    async_retrying,
    client_options,
    error_for_response,
    stream_timeout,
    transport_error,
)
from dflow_jupyter.argo.api import NODE_FIELDS, Api, Call, stream_result
from dflow_jupyter.argo.client import WatchEvent, watch_event
from dflow_jupyter.argo.settings import ArgoSettings

__all__ = ["AsyncArgoClient"]


class AsyncArgoClient:
    """An asyncio client of one Argo Server namespace; use it as ``async with``."""

    def __init__(self, settings: ArgoSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        self.api = Api(settings.namespace)
        self._http = httpx.AsyncClient(transport=transport, **client_options(settings))

    def __repr__(self) -> str:
        return f"AsyncArgoClient({self.settings.host!r}, namespace={self.settings.namespace!r})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> AsyncArgoClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def _send_once(self, call: Call) -> Any:
        try:
            response = await self._http.request(call.method, call.path, params=call.params, json=call.body)
        except httpx.TransportError as exc:
            raise transport_error(exc, call, self.settings) from None
        if response.status_code >= 400:
            raise error_for_response(response, call, self.settings)
        return response.json() if response.content else {}

    async def send(self, call: Call, *, retry: bool = True) -> Any:
        """Send ``call``; with ``retry``, 5xx answers and lost connections are retried first."""
        if not retry:
            return await self._send_once(call)
        async for attempt in async_retrying(self.settings):
            with attempt:
                return await self._send_once(call)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    async def get(
        self, name: str, fields: Iterable[str] | None = None, *, retry: bool = True
    ) -> dict[str, Any]:
        """The workflow object, trimmed to ``fields`` when given."""
        result: dict[str, Any] = await self.send(self.api.get(name, fields), retry=retry)
        return result

    async def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> AsyncGenerator[WatchEvent, None]:
        """Changes of one workflow, after ``resource_version`` when given.

        Opening is not retried here: the poller owns reconnection (with its own backoff, and a
        resync by get in between). A stream cut in the middle raises ``ArgoUnavailable``.
        """
        call = self.api.watch(name, fields, resource_version)
        request = self._http.build_request(
            call.method,
            call.path,
            params=call.params,
            headers=SSE_HEADERS,
            timeout=stream_timeout(self.settings, follow=False),
        )
        try:
            response = await self._http.send(request, stream=True)
        except httpx.TransportError as exc:
            raise transport_error(exc, call, self.settings) from None
        try:
            if response.status_code >= 400:
                await response.aread()
                raise error_for_response(response, call, self.settings)
            async for sse in EventSource(response).aiter_sse():
                if not sse.data:
                    continue
                event = watch_event(stream_result(sse.data, call, self.settings.describe()))
                if event is not None:
                    yield event
        except httpx.TransportError as exc:
            raise transport_error(exc, call, self.settings) from None
        finally:
            await response.aclose()
