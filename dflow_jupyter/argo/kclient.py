"""Workflows through the Kubernetes API (the ``kubernetes`` client), when only a kubeconfig is at hand.

The same interface as :class:`~dflow_jupyter.argo.client.ArgoClient`, so the backend, ``wait``
and the poller do not know which one they hold. Workflows are Argo's custom resources
(``argoproj.io/v1alpha1`` ``workflows``): create, get, list by label selector, watch, delete;
``terminate``, ``stop``, ``suspend`` and ``resume`` patch the spec as Argo's own code does
(``spec.shutdown`` = ``Terminate``/``Stop``, ``spec.suspend``); logs come from the pod log API.
What only the Argo Server computes (``retry``, ``resubmit``, its lint, node selectors) raises an
error saying so. Unlike the Argo Server, the Kubernetes API has no ``fields=`` trimming, and
cannot read nodes offloaded to Argo's database.
"""

from __future__ import annotations

import builtins
import json
import re
import socket
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from dflow_jupyter.argo._http import WATCH_IDLE_TIMEOUT, retrying
from dflow_jupyter.argo.api import LIST_FIELDS, NODE_FIELDS
from dflow_jupyter.argo.client import LogLine, WatchEvent
from dflow_jupyter.argo.errors import ArgoConflict, ArgoError
from dflow_jupyter.argo.kube import GROUP, PLURAL, VERSION, api_client, kube_error, kubernetes_module
from dflow_jupyter.argo.settings import ArgoSettings

__all__ = ["KubeArgoClient", "KubeWatch"]

#: The label Argo's controller puts on a workflow's pods.
WORKFLOW_LABEL = "workflows.argoproj.io/workflow"


class KubeWatch:
    """One watch stream of a workflow: iterate its events; ``abort()`` from any thread ends it."""

    def __init__(self, client: KubeArgoClient, name: str, resource_version: str | None) -> None:
        self._client = client
        self._name = name
        custom = client.custom
        settings = client.settings
        try:
            self._response = custom.list_namespaced_custom_object(
                GROUP,
                VERSION,
                settings.namespace,
                PLURAL,
                watch=True,
                field_selector=f"metadata.name={name}",
                resource_version=resource_version or None,
                # The API server ends a quiet watch itself; the poller resumes it.
                timeout_seconds=int(WATCH_IDLE_TIMEOUT),
                _preload_content=False,
                _request_timeout=(settings.timeout, WATCH_IDLE_TIMEOUT + settings.timeout),
            )
        except Exception as exc:
            raise client.error(exc, "watch", name) from None

    def __iter__(self) -> Iterator[WatchEvent]:
        from kubernetes.watch.watch import iter_resp_lines

        try:
            for line in iter_resp_lines(self._response):
                if not line:
                    continue
                frame = json.loads(line)
                kind, obj = str(frame.get("type") or ""), frame.get("object")
                if kind == "ERROR":  # a Status object: 410 when our resource version is too old
                    status = obj if isinstance(obj, dict) else {}
                    raise ArgoError(
                        f"watch workflow {self._name!r}: {self._client.settings.describe()} ended the "
                        f"stream: {status.get('message') or status}",
                        status_code=int(status.get("code") or 500),
                        workflow=self._name,
                        namespace=self._client.settings.namespace,
                    )
                if kind != "BOOKMARK" and isinstance(obj, dict):
                    yield WatchEvent(kind, obj)
        except ArgoError:
            raise
        except Exception as exc:
            raise self._client.error(exc, "watch", self._name) from None
        finally:
            self.close()

    def abort(self) -> None:
        """End the stream now, from any thread: its socket is shut, so a blocked read returns.

        (Closing the response itself would wait for the reading thread's lock.)
        """
        sock = getattr(getattr(self._response, "connection", None), "sock", None)
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:  # already closed
                pass

    def close(self) -> None:
        self.abort()
        try:
            self._response.close()
            self._response.release_conn()
        except Exception:  # closing twice, or a connection already gone: nothing to release
            pass


class KubeArgoClient:
    """A synchronous client of Argo workflows in one namespace, through the Kubernetes API.

    Parameters
    ----------
    settings
        ``api="kubernetes"`` settings: ``k8s_api_server`` and ``token``, or ``k8s_config_file``.
    transport
        Ignored (the ``kubernetes`` client has its own): taken as the Argo Server client does.
    """

    def __init__(self, settings: ArgoSettings, *, transport: Any = None) -> None:
        kubernetes = kubernetes_module()
        self.settings = settings
        self._api = api_client(settings)
        self.custom = kubernetes.client.CustomObjectsApi(self._api)
        self.core = kubernetes.client.CoreV1Api(self._api)

    def __repr__(self) -> str:
        return f"KubeArgoClient({self.settings.describe()!r})"

    def close(self) -> None:
        self._api.close()

    def __enter__(self) -> KubeArgoClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -----------------------------------------------------------------------------
    def error(self, exc: BaseException, what: str, workflow: str | None) -> ArgoError:
        # The kubeconfig's token is not in settings: it is redacted from the message too.
        # (load_kube_config keeps it under "BearerToken", our k8s_api_server path "authorization".)
        keys = self._api.configuration.api_key or {}
        header = str(keys.get("BearerToken") or keys.get("authorization") or "")
        token = header.removeprefix("Bearer ").strip()
        return kube_error(exc, self.settings, what=what, workflow=workflow, also_redact=token)

    def _call(
        self, what: str, workflow: str | None, method: Any, *args: Any, retry: bool = True, **kw: Any
    ) -> Any:
        """``method(*args, **kw)`` with our errors; 5xx and lost connections retried when ``retry``."""

        def once() -> Any:
            try:
                return method(*args, _request_timeout=self.settings.timeout, **kw)
            except Exception as exc:
                raise self.error(exc, what, workflow) from None

        if not retry:
            return once()
        for attempt in retrying(self.settings):
            with attempt:
                return once()
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def _ns(self) -> tuple[str, str, str, str]:
        return GROUP, VERSION, self.settings.namespace, PLURAL

    # -- workflows ----------------------------------------------------------------------------
    def create(self, manifest: Mapping[str, Any], *, server_dry_run: bool = False) -> dict[str, Any]:
        """Create the workflow resource; the created object. A lost answer's retry that finds
        the workflow created (HTTP 409) returns it, as the Argo Server client does."""
        name = (manifest.get("metadata") or {}).get("name")
        body = {"apiVersion": f"{GROUP}/{VERSION}", "kind": "Workflow", **dict(manifest)}
        extra = {"dry_run": "All"} if server_dry_run else {}
        attempts = 0
        for attempt in retrying(self.settings):
            with attempt:
                attempts += 1
                try:
                    created: dict[str, Any] = self._call(
                        "create", name, self.custom.create_namespaced_custom_object, *self._ns(), body,
                        retry=False, **extra,
                    )  # fmt: skip
                    return created
                except ArgoConflict:
                    if attempts == 1 or name is None:
                        raise
                    return self.get(name)
        raise AssertionError("unreachable: tenacity re-raises the last error")

    def get(self, name: str, fields: Iterable[str] | None = None, *, retry: bool = True) -> dict[str, Any]:
        """The workflow object (whole: the Kubernetes API does not trim to ``fields``)."""
        result: dict[str, Any] = self._call(
            "get", name, self.custom.get_namespaced_custom_object, *self._ns(), name, retry=retry
        )
        return result

    def list(
        self, labels: Mapping[str, str] | None = None, fields: Iterable[str] | None = LIST_FIELDS
    ) -> list[dict[str, Any]]:
        """Workflows carrying ``labels`` (all pages), without their node trees (as the Argo
        Server's list: the backend never takes nodes from a list)."""
        selector = ",".join(f"{k}={v}" for k, v in (labels or {}).items())
        items: list[dict[str, Any]] = []
        token: str | None = None
        while True:
            extra: dict[str, Any] = {"label_selector": selector} if selector else {}
            if token:
                extra["_continue"] = token
            page = self._call("list", None, self.custom.list_namespaced_custom_object, *self._ns(), **extra)
            for item in page.get("items") or []:
                status = item.get("status")
                if isinstance(status, dict):
                    item["status"] = {
                        k: v for k, v in status.items() if k not in ("nodes", "compressedNodes")
                    }
                items.append(item)
            token = (page.get("metadata") or {}).get("continue")
            if not token:
                return items

    def open_watch(self, name: str, resource_version: str | None = None) -> KubeWatch:
        """The watch stream of one workflow, after ``resource_version`` when given."""
        return KubeWatch(self, name, resource_version)

    def watch(
        self, name: str, fields: Iterable[str] | None = NODE_FIELDS, resource_version: str | None = None
    ) -> Iterator[WatchEvent]:
        """Changes of one workflow as they happen, after ``resource_version`` when given."""
        yield from self.open_watch(name, resource_version)

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
        """Log lines of the workflow's pods (of ``pod``), from the pod log API."""
        pods = [pod] if pod else self._pods(name)
        pattern = re.compile(grep) if grep else None
        for pod_name in pods:
            extra: dict[str, Any] = {"container": container, "follow": follow}
            if tail_lines is not None:
                extra["tail_lines"] = tail_lines
            read = self.core.read_namespaced_pod_log
            # Raw bytes: the client's own decoding of a text/plain answer gives a bytes repr.
            response = self._call(
                "read the logs of",
                name,
                read,
                pod_name,
                self.settings.namespace,
                _preload_content=False,
                **extra,
            )
            text = response.data.decode("utf-8", "replace")
            for line in text.splitlines(keepends=True):
                if pattern is None or pattern.search(line):
                    yield LogLine(pod_name, line)

    def _pods(self, name: str) -> builtins.list[str]:
        pods = self._call(
            "list the pods of", name, self.core.list_namespaced_pod, self.settings.namespace,
            label_selector=f"{WORKFLOW_LABEL}={name}",
        )  # fmt: skip
        return sorted(p.metadata.name for p in pods.items)

    def _patch(self, name: str, what: str, patch: Mapping[str, Any]) -> dict[str, Any]:
        # A dict body goes as a JSON merge patch, as Argo's own code sends these.
        result: dict[str, Any] = self._call(
            what, name, self.custom.patch_namespaced_custom_object, *self._ns(), name, dict(patch)
        )
        return result

    def terminate(self, name: str) -> dict[str, Any]:
        """Stop now: running steps fail, exit handlers do not run (``spec.shutdown: Terminate``)."""
        return self._patch(name, "terminate", {"spec": {"shutdown": "Terminate"}})

    def stop(
        self, name: str, message: str | None = None, node_field_selector: str | None = None
    ) -> dict[str, Any]:
        """Stop, running exit handlers (``spec.shutdown: Stop``; Argo drops a message without a
        node selector too)."""
        if node_field_selector:
            raise self._server_only(name, "stop", "stopping selected nodes")
        return self._patch(name, "stop", {"spec": {"shutdown": "Stop"}})

    def suspend(self, name: str) -> dict[str, Any]:
        return self._patch(name, "suspend", {"spec": {"suspend": True}})

    def resume(self, name: str, node_field_selector: str | None = None) -> dict[str, Any]:
        """Resume a suspended workflow (``spec.suspend`` cleared; suspend *nodes* need the Argo Server)."""
        if node_field_selector:
            raise self._server_only(name, "resume", "resuming selected nodes")
        return self._patch(name, "resume", {"spec": {"suspend": None}})

    def retry(self, name: str, **options: Any) -> dict[str, Any]:
        raise self._server_only(name, "retry", "retrying a workflow (it rewrites the node tree)")

    def resubmit(self, name: str, **options: Any) -> dict[str, Any]:
        raise self._server_only(name, "resubmit", "resubmitting a workflow")

    def lint(self, manifest: Mapping[str, Any]) -> dict[str, Any]:
        raise self._server_only(None, "lint", "the server's lint (wf.lint() checks offline)")

    def delete(self, name: str) -> None:
        self._call("delete", name, self.custom.delete_namespaced_custom_object, *self._ns(), name)

    def version(self) -> dict[str, Any]:
        """The Kubernetes API server's version (Argo's own is not known on this path)."""
        kubernetes = kubernetes_module()
        info = self._call("read the version of", None, kubernetes.client.VersionApi(self._api).get_code)
        return {"kubernetes": info.git_version, "platform": info.platform}

    def _server_only(self, name: str | None, what: str, doing: str) -> ArgoError:
        subject = f"workflow {name!r}" if name else f"workflows in namespace {self.settings.namespace!r}"
        return ArgoError(
            f"{what} {subject}: {doing} is done by the Argo Server, and workflows go to "
            f"{self.settings.describe()}; set config['host'] to the Argo Server (DFLOW_HOST)",
            workflow=name,
            namespace=self.settings.namespace,
        )
