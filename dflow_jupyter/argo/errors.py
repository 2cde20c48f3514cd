"""Errors from the Argo Server, each naming the workflow, the HTTP status and what to do."""

from __future__ import annotations

import json
from typing import Any

from dflow_jupyter.errors import DflowJupyterError, WorkflowNotFound

__all__ = [
    "ArgoAuthError",
    "ArgoConflict",
    "ArgoError",
    "ArgoInvalid",
    "ArgoNotFound",
    "ArgoServerError",
    "ArgoUnavailable",
    "error_for_status",
    "server_message",
    "unreachable",
]

#: The longest server message quoted in an exception (Argo can return whole manifests).
_MAX_QUOTED = 600


class ArgoError(DflowJupyterError, RuntimeError):
    """The Argo Server refused or failed a request."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        workflow: str | None = None,
        namespace: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.workflow = workflow
        self.namespace = namespace


class ArgoAuthError(ArgoError, PermissionError):
    """HTTP 401 or 403: the token is wrong, missing or not allowed in the namespace."""


class ArgoNotFound(ArgoError, WorkflowNotFound):
    """HTTP 404: no such workflow in the namespace (or no such namespace)."""


class ArgoConflict(ArgoError):
    """HTTP 409: a workflow with that name exists already."""


class ArgoInvalid(ArgoError, ValueError):
    """HTTP 400 or 422: the server rejected the request body (e.g. an invalid manifest)."""


class ArgoServerError(ArgoError):
    """HTTP 5xx: the server failed; retried with backoff before it is raised."""


class ArgoUnavailable(ArgoError, ConnectionError):
    """The server could not be reached (refused, reset, timed out); retried with backoff."""


def server_message(body: bytes | str) -> str:
    """The ``message`` of Argo's (grpc-gateway) error body, or the body itself, shortened."""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        data: Any = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        inner = data.get("error") if isinstance(data.get("error"), dict) else data
        if isinstance(inner, dict) and inner.get("message"):
            text = str(inner["message"])
    text = text.strip()
    return text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "..."


def error_for_status(
    status_code: int,
    body: bytes | str,
    *,
    what: str,
    workflow: str | None,
    namespace: str,
    where: str,
) -> ArgoError:
    """The exception for an HTTP error answer to ``what`` (e.g. ``"get"``) about ``workflow``.

    ``body`` must already be free of secrets; ``where`` describes the server for the message.
    """
    quoted = server_message(body)
    said = f": {quoted}" if quoted else ""
    subject = f"workflow {workflow!r}" if workflow else f"workflows in namespace {namespace!r}"
    kw: dict[str, Any] = {"status_code": status_code, "workflow": workflow, "namespace": namespace}
    if status_code == 401:
        return ArgoAuthError(
            f"{what} {subject}: {where} answered HTTP 401 (unauthorized): the token is wrong or "
            f"missing; set config['token'] (or DFLOW_TOKEN) to a valid service-account token{said}",
            **kw,
        )
    if status_code == 403:
        return ArgoAuthError(
            f"{what} {subject}: {where} answered HTTP 403 (forbidden): the token is valid but may not "
            f"{what} workflows in namespace {namespace!r}; grant its service account the Argo role "
            f"there{said}",
            **kw,
        )
    if status_code == 404:
        detail = (
            f"no workflow {workflow!r} in namespace {namespace!r}"
            if workflow
            else f"namespace {namespace!r} not found or not served"
        )
        return ArgoNotFound(
            f"{what} {subject}: {where} answered HTTP 404: {detail}; check config['namespace'] "
            f"(DFLOW_NAMESPACE) and the workflow id{said}",
            **kw,
        )
    if status_code == 409:
        return ArgoConflict(
            f"{what} {subject}: {where} answered HTTP 409: it exists already in namespace "
            f"{namespace!r}; submit under a new id{said}",
            **kw,
        )
    if status_code in (400, 422):
        return ArgoInvalid(f"{what} {subject}: {where} rejected the request (HTTP {status_code}){said}", **kw)
    if status_code >= 500 and status_code != 501:  # 501: not served here, retrying cannot help
        return ArgoServerError(
            f"{what} {subject}: {where} failed with HTTP {status_code} (retried with backoff){said}", **kw
        )
    return ArgoError(f"{what} {subject}: {where} answered HTTP {status_code}{said}", **kw)


def unreachable(
    exc: BaseException, *, what: str, workflow: str | None, namespace: str, where: str
) -> ArgoError:
    """The exception for a request that got no answer (``exc`` is httpx's transport error)."""
    subject = f"workflow {workflow!r}" if workflow else f"workflows in namespace {namespace!r}"
    return ArgoUnavailable(
        f"{what} {subject}: cannot reach {where} ({type(exc).__name__}: {exc}); check config['host'] "
        "(DFLOW_HOST) and that the server is running",
        workflow=workflow,
        namespace=namespace,
    )
