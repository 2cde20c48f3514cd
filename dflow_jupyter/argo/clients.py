"""Which client reaches the workflows: the Argo Server's, or the Kubernetes API's (a kubeconfig).

Both have one interface (the protocols below), so the backend, ``wait`` and the poller hold
either without knowing which. ``settings.api`` chooses (``ArgoSettings.from_config`` sets it
from ``config["argo_api"]``, ``host`` and the kubeconfig at hand); the ``kubernetes`` package is
imported only on its path.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable, Iterator, Mapping
from typing import Any, Protocol

from dflow_jupyter.argo.api import LIST_FIELDS, NODE_FIELDS
from dflow_jupyter.argo.client import LogLine, WatchEvent
from dflow_jupyter.argo.settings import ArgoSettings

__all__ = ["AsyncWorkflowClient", "WorkflowClient", "async_client_for", "client_for"]


class WorkflowClient(Protocol):
    """What the backend and ``wait`` call (``ArgoClient``, ``KubeArgoClient``)."""

    settings: ArgoSettings

    def create(self, manifest: Mapping[str, Any], *, server_dry_run: bool = False) -> dict[str, Any]: ...

    def get(self, name: str, fields: Iterable[str] | None = None) -> dict[str, Any]: ...

    def list(
        self, labels: Mapping[str, str] | None = None, fields: Iterable[str] | None = LIST_FIELDS
    ) -> list[dict[str, Any]]: ...

    def logs(
        self,
        name: str,
        pod: str | None = None,
        *,
        container: str = "main",
        follow: bool = False,
        tail_lines: int | None = None,
        grep: str | None = None,
    ) -> Iterator[LogLine]: ...

    def terminate(self, name: str) -> dict[str, Any]: ...

    def retry(self, name: str) -> dict[str, Any]: ...

    def delete(self, name: str) -> None: ...

    def close(self) -> None: ...


class AsyncWorkflowClient(Protocol):
    """What the poller calls (``AsyncArgoClient``, ``AsyncKubeArgoClient``)."""

    settings: ArgoSettings

    async def get(
        self, name: str, fields: Iterable[str] | None = None, *, retry: bool = True
    ) -> dict[str, Any]: ...

    def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> AsyncGenerator[WatchEvent, None]: ...

    async def aclose(self) -> None: ...

    async def __aenter__(self) -> AsyncWorkflowClient: ...

    async def __aexit__(self, *exc: object) -> None: ...


def client_for(settings: ArgoSettings, *, transport: Any = None) -> WorkflowClient:
    """The synchronous client for ``settings`` (``transport``: an httpx transport, for tests)."""
    if settings.api == "kubernetes":
        from dflow_jupyter.argo.kclient import KubeArgoClient

        return KubeArgoClient(settings)
    from dflow_jupyter.argo.client import ArgoClient

    return ArgoClient(settings, transport=transport)


def async_client_for(settings: ArgoSettings, *, transport: Any = None) -> AsyncWorkflowClient:
    """The poller's client for ``settings``."""
    if settings.api == "kubernetes":
        from dflow_jupyter.argo.akclient import AsyncKubeArgoClient

        return AsyncKubeArgoClient(settings)
    from dflow_jupyter.argo.aclient import AsyncArgoClient

    return AsyncArgoClient(settings, transport=transport)
