"""The Argo Server client (synchronous): create, get, list, watch, logs and the control verbs.

Requests carry the bearer token and dflow's extra headers; 5xx answers and lost connections are
retried with exponential backoff and jitter; every other error becomes an exception naming the
workflow, the HTTP status and the fix. The token is never part of a repr, a log or a message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from httpx_sse import EventSource

from dflow_jupyter.argo._http import (
    SSE_HEADERS,
    client_options,
    error_for_response,
    retrying,
    stream_timeout,
    transport_error,
)
from dflow_jupyter.argo.api import LIST_FIELDS, NODE_FIELDS, Api, Call, stream_result
from dflow_jupyter.argo.errors import ArgoConflict
from dflow_jupyter.argo.settings import ArgoSettings

__all__ = ["ArgoClient", "LogLine", "WatchEvent"]


@dataclass(frozen=True)
class WatchEvent:
    """One event of a watch stream: ``ADDED``, ``MODIFIED`` or ``DELETED`` and the object."""

    type: str
    object: dict[str, Any]


@dataclass(frozen=True)
class LogLine:
    """One line of a pod's log."""

    pod_name: str
    content: str


def watch_event(result: Any) -> WatchEvent | None:
    """The event of a watch frame's ``result`` (``None`` for a frame without an object)."""
    if not isinstance(result, dict) or not isinstance(result.get("object"), dict):
        return None
    return WatchEvent(str(result.get("type") or "MODIFIED"), result["object"])


class ArgoClient:
    """A synchronous client of one Argo Server namespace.

    Parameters
    ----------
    settings
        Host, namespace, token, TLS and retry settings (``ArgoSettings.from_config()``).
    transport
        An httpx transport to use instead of the network (tests).
    """

    def __init__(self, settings: ArgoSettings, *, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self.api = Api(settings.namespace)
        self._http = httpx.Client(transport=transport, **client_options(settings))

    def __repr__(self) -> str:
        return f"ArgoClient({self.settings.host!r}, namespace={self.settings.namespace!r})"

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> ArgoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------
    def _send_once(self, call: Call) -> Any:
        try:
            response = self._http.request(call.method, call.path, params=call.params, json=call.body)
        except httpx.TransportError as exc:
            raise transport_error(exc, call, self.settings) from None
        if response.status_code >= 400:
            raise error_for_response(response, call, self.settings)
        return response.json() if response.content else {}

    def send(self, call: Call) -> Any:
        """Send ``call``, retrying 5xx answers and lost connections; the decoded JSON answer."""
        for attempt in retrying(self.settings):
            with attempt:
                return self._send_once(call)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _open(self, call: Call, *, follow: bool) -> httpx.Response:
        for attempt in retrying(self.settings):
            with attempt:
                request = self._http.build_request(
                    call.method,
                    call.path,
                    params=call.params,
                    headers=SSE_HEADERS,
                    timeout=stream_timeout(self.settings, follow=follow),
                )
                try:
                    response = self._http.send(request, stream=True)
                except httpx.TransportError as exc:
                    raise transport_error(exc, call, self.settings) from None
                if response.status_code >= 400:
                    response.read()
                    response.close()
                    raise error_for_response(response, call, self.settings)
                return response
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def stream(self, call: Call, *, follow: bool = False) -> Iterator[Any]:
        """The ``result`` of each server-sent frame of ``call``; ends when the server ends it.

        Opening the stream is retried; a stream cut in the middle raises ``ArgoUnavailable``
        (the poller resumes it from the last resource version).
        """
        response = self._open(call, follow=follow)
        try:
            for sse in EventSource(response).iter_sse():
                if sse.data:
                    yield stream_result(sse.data, call, self.settings.describe())
        except httpx.TransportError as exc:
            raise transport_error(exc, call, self.settings) from None
        finally:
            response.close()

    # -- workflows ----------------------------------------------------------------------------
    def create(self, manifest: Mapping[str, Any], *, server_dry_run: bool = False) -> dict[str, Any]:
        """Create a workflow from its manifest; the created object (with its name and uid).

        A create whose answer was lost is retried; if the retry finds the workflow created by
        the lost attempt (HTTP 409), that workflow is returned.
        """
        call = self.api.create(manifest, server_dry_run=server_dry_run)
        attempts = 0
        for attempt in retrying(self.settings):
            with attempt:
                attempts += 1
                try:
                    created: dict[str, Any] = self._send_once(call)
                    return created
                except ArgoConflict:
                    if attempts == 1 or call.workflow is None:
                        raise
                    return self.get(call.workflow)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def lint(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        """The server's own lint of a manifest (raises ``ArgoInvalid`` with its message)."""
        result: dict[str, Any] = self.send(self.api.lint(manifest))
        return result

    def get(self, name: str, fields: Iterable[str] | None = None) -> dict[str, Any]:
        """The workflow object, trimmed to ``fields`` (dotted paths) when given."""
        result: dict[str, Any] = self.send(self.api.get(name, fields))
        return result

    def list(
        self, labels: Mapping[str, str] | None = None, fields: Iterable[str] | None = LIST_FIELDS
    ) -> list[dict[str, Any]]:
        """Workflows carrying ``labels`` (all pages). Their node trees are not included."""
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            page = self.send(self.api.list(labels, fields, continue_token=token))
            items.extend(page.get("items") or [])
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> Iterator[WatchEvent]:
        """Changes of one workflow as they happen, after ``resource_version`` when given."""
        for result in self.stream(self.api.watch(name, fields, resource_version)):
            event = watch_event(result)
            if event is not None:
                yield event

    def logs(
        self,
        name: str,
        pod: str | None = None,
        *,
        container: str = "main",
        follow: bool = False,
        tail_lines: int | None = None,
        grep: str | None = None,
    ) -> Iterator[LogLine]:
        """Log lines of the workflow's pods (of ``pod``); ``follow`` keeps reading new lines."""
        call = self.api.log(name, pod, container=container, follow=follow, tail_lines=tail_lines, grep=grep)
        for result in self.stream(call, follow=follow):
            if isinstance(result, dict) and "content" in result:
                yield LogLine(str(result.get("podName") or ""), str(result["content"]))

    def terminate(self, name: str) -> dict[str, Any]:
        """Stop now: running steps fail, exit handlers do not run."""
        return self._act(name, "terminate")

    def stop(
        self, name: str, message: str | None = None, node_field_selector: str | None = None
    ) -> dict[str, Any]:
        """Stop, running exit handlers."""
        body = {k: v for k, v in (("message", message), ("nodeFieldSelector", node_field_selector)) if v}
        return self._act(name, "stop", body)

    def retry(
        self,
        name: str,
        *,
        restart_successful: bool = False,
        node_field_selector: str | None = None,
        parameters: Iterable[str] = (),
    ) -> dict[str, Any]:
        """Re-run the failed steps of a finished workflow (and ``restart_successful`` ones)."""
        body: dict[str, Any] = {"restartSuccessful": restart_successful}
        if node_field_selector:
            body["nodeFieldSelector"] = node_field_selector
        if parameters:
            body["parameters"] = list(parameters)
        return self._act(name, "retry", body)

    def resubmit(
        self, name: str, *, memoized: bool = False, parameters: Iterable[str] = ()
    ) -> dict[str, Any]:
        """Submit a copy of the workflow; the new workflow object is returned."""
        body: dict[str, Any] = {"memoized": memoized}
        if parameters:
            body["parameters"] = list(parameters)
        return self._act(name, "resubmit", body)

    def suspend(self, name: str) -> dict[str, Any]:
        return self._act(name, "suspend")

    def resume(self, name: str, node_field_selector: str | None = None) -> dict[str, Any]:
        body = {"nodeFieldSelector": node_field_selector} if node_field_selector else {}
        return self._act(name, "resume", body)

    def delete(self, name: str) -> None:
        self.send(self.api.delete(name))

    def version(self) -> dict[str, Any]:
        """The server's version (``GET /api/v1/version``), e.g. to pick a schema."""
        result: dict[str, Any] = self.send(self.api.version())
        return result

    def _act(self, name: str, verb: str, body: Mapping[str, Any] | None = None) -> dict[str, Any]:
        result: dict[str, Any] = self.send(self.api.action(name, verb, body))
        return result
