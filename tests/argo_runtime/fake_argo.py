"""A FAKE Argo Server for tests: real HTTP on 127.0.0.1, replaying Argo's real status objects.

THIS IS NOT ARGO. No Kubernetes or Argo can run on the test machines, so this stand-in serves
the paths of Argo's OpenAPI spec (v4.1.2) in a thread and answers as the real server does in
the ways the client depends on: bearer-token auth (401), grpc-gateway error bodies, ``fields=``
trimming, server-sent-event watch and log streams (``data: {"result": ...}``), resource
versions. A created workflow plays a real status object as a running sequence (Pending, then
Running with growing nodes, then the real final state). Requests are checked against the spec
(paths, methods, query parameters, bodies). Faults can be injected: 5xx answers, 404 after
create, watch streams cut mid-way or not served, a slow server. A few lines also fake the
Kubernetes API's ConfigMap endpoint (for ``reuse_step``).
"""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from . import openapi
from .fake_state import FakeWorkflow, Faults, Recorded
from .timeline import load, rename, trim

CONFIGMAPS = "/api/v1/namespaces/"


@dataclass
class FakeArgoServer:
    """FAKE Argo Server (see the module docstring). Use as a context manager.

    ``fixture`` is the real status object a created workflow plays (renamed to the created
    name); ``plans`` maps a workflow name to another one; ``frame_interval`` is the time each
    state of a run lasts.
    """

    token: str = "fake-token-0123456789"
    namespace: str = "argo"
    frame_interval: float = 0.05
    fixture: dict[str, Any] = field(default_factory=lambda: load("succeeded-steps.json"))
    plans: dict[str, dict[str, Any]] = field(default_factory=dict)
    faults: Faults = field(default_factory=Faults)
    logs: dict[str, list[str]] = field(default_factory=dict)
    workflows: dict[str, FakeWorkflow] = field(default_factory=dict)
    config_maps: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    _rv: int = 1000

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self._http: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.stopping = threading.Event()

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> FakeArgoServer:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        server.daemon_threads = True
        self._http = server
        self._thread = threading.Thread(target=server.serve_forever, name="fake-argo", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()

    def __enter__(self) -> FakeArgoServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def url(self) -> str:
        assert self._http is not None, "start() the fake server first"
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    # -- state --------------------------------------------------------------------------------
    def next_rv(self, count: int = 1) -> int:
        with self.lock:
            base = self._rv
            self._rv += count
            return base

    def add(self, obj: dict[str, Any], *, played: bool = False) -> FakeWorkflow:
        """Put an existing workflow on the server (its final state, or its whole run)."""
        name = obj["metadata"]["name"]
        wf = FakeWorkflow.playing(self, name, self.namespace, obj, {}, played=played)
        with self.lock:
            self.workflows[name] = wf
        return wf

    def create(self, manifest: dict[str, Any]) -> FakeWorkflow:
        meta = manifest.get("metadata") or {}
        name = meta.get("name") or meta.get("generateName", "wf-") + uuid.uuid4().hex[:5]
        fixture = self.plans.get(name, self.fixture)
        wf = FakeWorkflow.playing(self, name, self.namespace, rename(fixture, name), manifest)
        wf.hidden_gets = self.faults.not_found_after_create
        with self.lock:
            self.workflows[name] = wf
        return wf

    def record(self, method: str, path: str, query: list[tuple[str, str]], body: Any) -> None:
        with self.lock:
            self.requests.append(Recorded(method, path, dict(query), body))

    def calls(self, method: str, suffix: str = "") -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(suffix)]


def _handler(server: FakeArgoServer) -> type[BaseHTTPRequestHandler]:
    from .fake_routes import route_request

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # the tests' output stays clean
            pass

        def _dispatch(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qsl(parts.query, keep_blank_values=True)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                self.send_json(400, {"code": 3, "message": "fake: body is not JSON"})
                return
            server.record(self.command, parts.path, query, body)
            if server.faults.delay:
                time.sleep(server.faults.delay)
            route_request(server, self, self.command, parts.path, query, body)

        do_GET = do_POST = do_PUT = do_DELETE = _dispatch

        # -- answers ---------------------------------------------------------------------------
        def send_json(self, status: int, payload: Any) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def start_stream(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        def send_chunk(self, text: str) -> bool:
            """Write one chunk; False when the client has gone."""
            data = text.encode()
            try:
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError, OSError):
                return False
            return True

        def send_event(self, result: Any, fields: str | None = None) -> bool:
            frame = trim({"result": result}, fields)
            return self.send_chunk(f"data: {json.dumps(frame)}\n\n")

        def end_stream(self) -> None:
            self.send_chunk("")  # the zero-length chunk ends a chunked body cleanly

        def cut_stream(self) -> None:
            """Drop the connection mid-stream, as a restarted server or a proxy timeout does."""
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    return Handler


__all__ = ["FakeArgoServer", "Faults", "openapi"]
