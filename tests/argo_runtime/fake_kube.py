"""A FAKE Kubernetes API server for tests: Argo's workflow custom resources, replaying real states.

THIS IS NOT KUBERNETES. No API server can run on the test machines, so this stand-in serves, on
127.0.0.1 in a thread, the paths the ``kubernetes`` client calls for Argo's ``workflows``
custom resource (``/apis/argoproj.io/v1alpha1/namespaces/{ns}/workflows[/{name}]``: create,
get, list with ``labelSelector``, watch with ``watch=true&fieldSelector=metadata.name=...`` as
newline-delimited JSON events, merge-patch, delete) and the pod list and pod log paths. It
checks the bearer token (401 with a ``Status`` body, as the real one) and the merge-patch
content type. A created workflow plays a real Argo status object as a running sequence, with
the same machinery as the FAKE Argo Server (``fake_state``, ``timeline``); ``spec.shutdown``
ends it as Argo's controller would. Every request is recorded for the tests to assert on.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from .fake_state import FakeWorkflow, Recorded, now_text
from .timeline import load, rename, terminated

WORKFLOWS = "/apis/argoproj.io/v1alpha1/namespaces/"
WATCH_MAX_SECONDS = 20.0
#: What Go's strconv.ParseBool takes for true (the Python client sends ``watch=True``).
PARSE_BOOL_TRUE = ("1", "t", "T", "TRUE", "true", "True")


@dataclass
class FakeKubeApi:
    """FAKE Kubernetes API server (see the module docstring). Use as a context manager."""

    token: str = "fake-k8s-token-9876543210"
    namespace: str = "argo"
    frame_interval: float = 0.05
    fixture: dict[str, Any] = field(default_factory=lambda: load("succeeded-steps.json"))
    logs: dict[str, list[str]] = field(default_factory=dict)
    workflows: dict[str, FakeWorkflow] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    watch_errors: list[dict[str, Any]] = field(default_factory=list)
    _rv: int = 5000

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._http: ThreadingHTTPServer | None = None

    def start(self) -> FakeKubeApi:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._http = server
        threading.Thread(target=server.serve_forever, name="fake-kube-api", daemon=True).start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    def __enter__(self) -> FakeKubeApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._http is not None, "start() the fake server first"
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def kubeconfig(self, directory: Path, *, token: str | None = None) -> Path:
        """Write a kubeconfig pointing at this fake (token auth) into ``directory``."""
        path = directory / "kubeconfig"
        config = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": token or self.token}}],
            "contexts": [{"name": "fake", "context": {"cluster": "fake", "user": "tester"}}],
            "current-context": "fake",
        }
        path.write_text(json.dumps(config))  # JSON is YAML
        return path

    def next_rv(self, count: int = 1) -> int:
        with self.lock:
            base = self._rv
            self._rv += count
            return base

    def calls(self, method: str, suffix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]


def _status(handler: Any, code: int, reason: str, message: str) -> None:
    handler.send_json(
        code,
        {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
    )


def _handler(server: FakeKubeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            body = json.loads(raw) if raw else None
            with server.lock:
                server.requests.append(Recorded(self.command, parts.path, query, body))
                server.content_types.append(self.headers.get("Content-Type") or "")
            presented = self.headers.get("Authorization") or ""
            if presented != f"Bearer {server.token}":
                # Echoes what it was sent, as some proxies do: the client must redact it.
                _status(self, 401, "Unauthorized", f"Unauthorized (got {presented!r})")
                return
            _route(server, self, self.command, parts.path, query, body)

        do_GET = do_POST = do_PATCH = do_DELETE = _dispatch

        def send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def send_text(self, text: str) -> None:
            data = text.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def send_chunk(self, text: str) -> bool:
            data = text.encode()
            try:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            except OSError:
                return False
            return True

    return Handler


def _route(server: FakeKubeApi, handler: Any, method: str, path: str, q: dict[str, str], body: Any) -> None:
    parts = path.strip("/").split("/")
    # /apis/argoproj.io/v1alpha1/namespaces/{ns}/workflows[/{name}]
    if path.startswith(WORKFLOWS) and len(parts) in (6, 7) and parts[5] == "workflows":
        if parts[4] != server.namespace:
            _status(handler, 404, "NotFound", f'namespaces "{parts[4]}" not found')
        elif len(parts) == 6:
            _collection(server, handler, method, q, body)
        else:
            _workflow(server, handler, method, parts[6], body)
        return
    # /api/v1/namespaces/{ns}/pods[/{name}/log]
    if path.startswith("/api/v1/namespaces/") and len(parts) >= 5 and parts[4] == "pods" and method == "GET":
        if len(parts) == 5:
            name = q.get("labelSelector", "").partition("=")[2]
            pods = [p for p in server.logs if p.startswith(name)]
            handler.send_json(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
                {"metadata": {"name": p, "namespace": parts[3]}} for p in pods]})  # fmt: skip
        elif len(parts) == 7 and parts[6] == "log" and parts[5] in server.logs:
            handler.send_text("".join(line + "\n" for line in server.logs[parts[5]]))
        else:
            _status(handler, 404, "NotFound", f'pods "{parts[5]}" not found')
        return
    _status(handler, 404, "NotFound", f"fake Kubernetes API: {method} {path} not served")


def _collection(server: FakeKubeApi, handler: Any, method: str, q: dict[str, str], body: Any) -> None:
    if method == "POST":
        if body.get("apiVersion") != "argoproj.io/v1alpha1" or body.get("kind") != "Workflow":
            _status(handler, 400, "BadRequest", "fake: the body is not an argoproj.io/v1alpha1 Workflow")
            return
        name = body["metadata"]["name"]
        if name in server.workflows:
            _status(handler, 409, "AlreadyExists", f'workflows.argoproj.io "{name}" already exists')
            return
        wf = FakeWorkflow.playing(server, name, server.namespace, rename(server.fixture, name), body)
        with server.lock:
            server.workflows[name] = wf
        handler.send_json(201, wf.current())
    elif method == "GET" and q.get("watch") in PARSE_BOOL_TRUE:
        _watch(server, handler, q)
    elif method == "GET":
        wanted = dict(p.split("=", 1) for p in q.get("labelSelector", "").split(",") if "=" in p)
        with server.lock:
            items = [wf.current() for wf in server.workflows.values()]
        items = [i for i in items if all(i["metadata"]["labels"].get(k) == v for k, v in wanted.items())]
        handler.send_json(200, {"apiVersion": "argoproj.io/v1alpha1", "kind": "WorkflowList",
                                "metadata": {"resourceVersion": str(server.next_rv())}, "items": items})  # fmt: skip
    else:
        _status(handler, 405, "MethodNotAllowed", f"fake: {method} on the collection")


def _workflow(server: FakeKubeApi, handler: Any, method: str, name: str, body: Any) -> None:
    wf = server.workflows.get(name)
    if wf is None:
        _status(handler, 404, "NotFound", f'workflows.argoproj.io "{name}" not found')
        return
    if method == "GET":
        handler.send_json(200, wf.current())
    elif method == "DELETE":
        with server.lock:
            del server.workflows[name]
        handler.send_json(200, {"kind": "Status", "apiVersion": "v1", "status": "Success"})
    elif method == "PATCH":
        if server.content_types[-1] != "application/merge-patch+json":
            _status(handler, 415, "UnsupportedMediaType", f"fake: patch as {server.content_types[-1]!r}")
            return
        spec = (body or {}).get("spec") or {}
        shutdown = spec.get("shutdown")
        wf.manifest.setdefault("spec", {}).update({k: v for k, v in spec.items() if v is not None})
        for key in [k for k, v in spec.items() if v is None]:  # merge patch: null removes the key
            wf.manifest["spec"].pop(key, None)
        if shutdown in ("Terminate", "Stop") and not wf.finished:
            wf.play([terminated(wf.current(), f"Stopped with strategy '{shutdown}'", now_text())])
        else:
            wf.play([wf.current()])  # a new resource version, as any update makes
        handler.send_json(200, wf.current())
    else:
        _status(handler, 405, "MethodNotAllowed", f"fake: {method} on a workflow")


def _watch(server: FakeKubeApi, handler: Any, q: dict[str, str]) -> None:
    selector = q.get("fieldSelector", "")
    name = selector.split("=", 1)[1] if selector.startswith("metadata.name=") else None
    after = q.get("resourceVersion")
    sent = int(after) if after else None
    limit = min(float(q.get("timeoutSeconds") or WATCH_MAX_SECONDS), WATCH_MAX_SECONDS)
    handler.start_stream()
    with server.lock:
        error = server.watch_errors.pop(0) if server.watch_errors else None
    if error is not None:  # e.g. 410 Gone: the resource version is too old
        handler.send_chunk(json.dumps({"type": "ERROR", "object": error}) + "\n")
        handler.send_chunk("")
        return
    started, seen = time.monotonic(), False
    while not server.stopping.is_set() and time.monotonic() - started < limit:
        wf = server.workflows.get(name) if name else None
        if wf is None:
            if seen:
                handler.send_chunk(
                    json.dumps({"type": "DELETED", "object": {"metadata": {"name": name}}}) + "\n"
                )
                break
        else:
            seen = True
            obj = wf.current()
            rv = int(obj["metadata"]["resourceVersion"])
            if sent is None or rv > sent:
                kind = "ADDED" if sent is None else "MODIFIED"
                if not handler.send_chunk(json.dumps({"type": kind, "object": obj}) + "\n"):
                    return
                sent = rv
        time.sleep(server.frame_interval / 4)
    handler.send_chunk("")
