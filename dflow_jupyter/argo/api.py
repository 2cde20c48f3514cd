"""The Argo Server's REST calls as plain data (method, path, query, body): no I/O in this module.

Both the synchronous client and the poller's asynchronous one send these, so a path or a query
parameter is spelled once. Paths and parameters are those of Argo's OpenAPI spec (v4.1.2).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from dflow_jupyter.argo.errors import ArgoError, ArgoServerError

__all__ = [
    "ACTIONS",
    "CHEAP_FIELDS",
    "LIST_FIELDS",
    "NODE_FIELDS",
    "Api",
    "Call",
    "stream_result",
]

#: A status poll without the node tree: the server then skips hydrating offloaded nodes too.
CHEAP_FIELDS = (
    "metadata.name",
    "metadata.uid",
    "metadata.resourceVersion",
    "metadata.labels",
    "metadata.annotations",
    "metadata.creationTimestamp",
    "status.phase",
    "status.progress",
    "status.message",
    "status.startedAt",
    "status.finishedAt",
    "status.outputs",
)
#: The same with the node tree (take nodes from get or watch, never from list).
NODE_FIELDS = (*CHEAP_FIELDS, "status.nodes", "status.compressedNodes")
#: dflow's ``query_workflows`` fields (the UI's list fields).
LIST_FIELDS = (
    "metadata",
    "items.metadata.uid",
    "items.metadata.name",
    "items.metadata.namespace",
    "items.metadata.creationTimestamp",
    "items.metadata.labels",
    "items.metadata.annotations",
    "items.status.phase",
    "items.status.message",
    "items.status.finishedAt",
    "items.status.startedAt",
    "items.status.estimatedDuration",
    "items.status.progress",
    "items.spec.suspend",
)
#: The control verbs (``PUT .../{name}/<verb>``).
ACTIONS = ("terminate", "stop", "retry", "resubmit", "suspend", "resume", "set")


@dataclass(frozen=True)
class Call:
    """One request: what it does (for messages), to which workflow, and its HTTP parts."""

    method: str
    path: str
    what: str
    workflow: str | None
    params: tuple[tuple[str, str], ...] = ()
    body: Any = None
    stream: bool = False


def _fields(paths: Iterable[str] | None, prefix: str = "") -> tuple[tuple[str, str], ...]:
    if paths is None:
        return ()
    return (("fields", ",".join(prefix + p for p in paths)),)


def _selector(labels: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    if not labels:
        return ()
    return (("listOptions.labelSelector", ",".join(f"{k}={v}" for k, v in labels.items())),)


class Api:
    """The calls of one namespace."""

    def __init__(self, namespace: str) -> None:
        self.namespace = namespace
        self._base = f"/api/v1/workflows/{quote(namespace, safe='')}"

    def _wf(self, name: str) -> str:
        return f"{self._base}/{quote(name, safe='')}"

    def create(self, manifest: Mapping[str, Any], *, server_dry_run: bool = False) -> Call:
        name = (manifest.get("metadata") or {}).get("name")
        body: dict[str, Any] = {"namespace": self.namespace, "workflow": dict(manifest)}
        if server_dry_run:
            body["serverDryRun"] = True
        return Call("POST", self._base, "create", name, body=body)

    def lint(self, manifest: Mapping[str, Any]) -> Call:
        name = (manifest.get("metadata") or {}).get("name")
        body = {"namespace": self.namespace, "workflow": dict(manifest)}
        return Call("POST", f"{self._base}/lint", "lint", name, body=body)

    def get(self, name: str, fields: Iterable[str] | None = None) -> Call:
        return Call("GET", self._wf(name), "get", name, _fields(fields))

    def list(
        self,
        labels: Mapping[str, str] | None = None,
        fields: Iterable[str] | None = LIST_FIELDS,
        *,
        limit: int | None = None,
        continue_token: str | None = None,
    ) -> Call:
        params = _selector(labels) + _fields(fields)
        if limit is not None:
            params += (("listOptions.limit", str(limit)),)
        if continue_token:
            params += (("listOptions.continue", continue_token),)
        return Call("GET", self._base, "list", None, params)

    def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> Call:
        """The watch stream of one workflow, resumed after ``resource_version`` when given."""
        params: tuple[tuple[str, str], ...] = (("listOptions.fieldSelector", f"metadata.name={name}"),)
        if resource_version:
            params += (("listOptions.resourceVersion", resource_version),)
        if fields is not None:
            params += (("fields", ",".join(["result.type", *("result.object." + p for p in fields)])),)
        path = f"/api/v1/workflow-events/{quote(self.namespace, safe='')}"
        return Call("GET", path, "watch", name, params, stream=True)

    def log(
        self,
        name: str,
        pod: str | None = None,
        *,
        container: str = "main",
        follow: bool = False,
        tail_lines: int | None = None,
        grep: str | None = None,
    ) -> Call:
        """The log stream of a workflow's pods (of one pod when ``pod`` is given)."""
        # Without logOptions.container=main Argo can return an empty stream (argo-workflows#13384).
        params: list[tuple[str, str]] = [("logOptions.container", container)]
        if pod:
            params.append(("podName", pod))
        if follow:
            params.append(("logOptions.follow", "true"))
        if tail_lines is not None:
            params.append(("logOptions.tailLines", str(tail_lines)))
        if grep:
            params.append(("grep", grep))
        return Call("GET", f"{self._wf(name)}/log", "read the logs of", name, tuple(params), stream=True)

    def action(self, name: str, verb: str, body: Mapping[str, Any] | None = None) -> Call:
        if verb not in ACTIONS:
            raise ValueError(f"unknown workflow action {verb!r}; one of {', '.join(ACTIONS)}")
        payload = {"name": name, "namespace": self.namespace, **(body or {})}
        return Call("PUT", f"{self._wf(name)}/{verb}", verb, name, body=payload)

    def delete(self, name: str) -> Call:
        return Call("DELETE", self._wf(name), "delete", name)

    def version(self) -> Call:
        return Call("GET", "/api/v1/version", "read the version of", None)


def stream_result(data: str, call: Call, where: str) -> Any:
    """The ``result`` of one server-sent ``data:`` line; its ``error`` raised as an exception."""
    frame = json.loads(data)
    if not isinstance(frame, dict):
        raise ArgoError(f"{call.what} {call.workflow!r}: {where} sent a malformed stream frame")
    if frame.get("error"):
        error = frame["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        # grpc code 14 is "unavailable": the same as a dropped stream, worth resuming.
        code = error.get("grpcCode", error.get("code")) if isinstance(error, dict) else None
        cls = ArgoServerError if code in (13, 14) else ArgoError
        raise cls(
            f"{call.what} {call.workflow!r}: {where} ended the stream: {message}", workflow=call.workflow
        )
    return frame.get("result")
