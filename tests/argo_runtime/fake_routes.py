"""The FAKE Argo Server's answers, operation by operation (see ``fake_argo`` for what it fakes)."""

from __future__ import annotations

import copy
import time
from typing import Any

from . import openapi
from .fake_state import now_text
from .timeline import succeeded, terminated, trim

#: How long a watch stream with nothing new stays open before the fake ends it cleanly.
WATCH_MAX_SECONDS = 20.0


def _error(handler: Any, status: int, code: int, message: str) -> None:
    handler.send_json(status, {"code": code, "message": message, "details": []})


def _not_found(handler: Any, name: str) -> None:
    _error(handler, 404, 5, f'workflows.argoproj.io "{name}" not found')


def route_request(
    server: Any, handler: Any, method: str, path: str, query: list[tuple[str, str]], body: Any
) -> None:
    if handler.headers.get("Authorization") != f"Bearer {server.token}":
        _error(handler, 401, 16, "token not valid. see https://argo-workflows.readthedocs.io/en/latest/faq/")
        return
    with server.lock:
        injected = server.faults.status_codes.pop(0) if server.faults.status_codes else None
    if injected is not None:
        _error(handler, injected, 14 if injected == 503 else 13, f"fake fault: HTTP {injected}")
        return
    if path.startswith("/api/v1/namespaces/"):
        _config_map(server, handler, method, path, body)
        return
    route, params, has_method = openapi.match(method, path)
    if route is None:
        _error(handler, 404, 5, f"fake: {path} is not a path of Argo's OpenAPI spec")
        return
    if not has_method:
        _error(handler, 405, 12, f"fake: {method} is not an operation of {route.template}")
        return
    unknown = openapi.unknown_query(route, method, [k for k, _ in query])
    if unknown:
        _error(handler, 400, 3, f"fake: {route.template} declares no query parameter {unknown}")
        return
    errors = openapi.body_errors(route, method, body) if body is not None else []
    if errors:
        _error(
            handler, 400, 3, "fake: the request body does not fit Argo's OpenAPI spec: " + "; ".join(errors)
        )
        return
    namespace = params.get("namespace")
    if namespace is not None and namespace != server.namespace:
        name = params.get("name")
        _error(
            handler,
            404,
            5,
            f'namespaces "{namespace}" not found'
            if not name
            else f'workflows.argoproj.io "{name}" not found',
        )
        return
    q = dict(query)
    template = route.template
    if template == "/api/v1/version":
        handler.send_json(200, {"version": "v4.1.2+fake", "platform": "fake"})
    elif template == "/api/v1/workflows/{namespace}" and method == "POST":
        _create(server, handler, body)
    elif template == "/api/v1/workflows/{namespace}/lint":
        handler.send_json(200, body["workflow"])
    elif template == "/api/v1/workflows/{namespace}" and method == "GET":
        _list(server, handler, q)
    elif template == "/api/v1/workflow-events/{namespace}":
        _watch(server, handler, q)
    elif template == "/api/v1/workflows/{namespace}/{name}/log":
        _log(server, handler, params["name"], q)
    elif template.startswith("/api/v1/workflows/{namespace}/{name}"):
        _workflow(server, handler, method, template, params["name"], q)
    else:
        _error(handler, 501, 12, f"fake: {method} {template} is not implemented by the fake")


def _create(server: Any, handler: Any, body: dict[str, Any]) -> None:
    manifest = body["workflow"]
    name = (manifest.get("metadata") or {}).get("name")
    if name and name in server.workflows:
        _error(handler, 409, 6, f'workflows.argoproj.io "{name}" already exists')
        return
    wf = server.create(manifest)
    handler.send_json(200, wf.current())


def _list(server: Any, handler: Any, q: dict[str, str]) -> None:
    wanted = dict(p.split("=", 1) for p in q.get("listOptions.labelSelector", "").split(",") if "=" in p)
    with server.lock:
        workflows = list(server.workflows.values())
    items = [wf.current() for wf in workflows if all(wf.labels.get(k) == v for k, v in wanted.items())]
    handler.send_json(
        200, trim({"metadata": {"resourceVersion": str(server.next_rv())}, "items": items}, q.get("fields"))
    )


def _workflow(server: Any, handler: Any, method: str, template: str, name: str, q: dict[str, str]) -> None:
    with server.lock:
        wf = server.workflows.get(name)
        if wf is not None and method == "GET" and wf.hidden_gets > 0:
            wf.hidden_gets -= 1
            wf = None
    if wf is None:
        _not_found(handler, name)
        return
    verb = template.rsplit("/", 1)[-1]
    if method == "GET":
        handler.send_json(200, trim(wf.current(), q.get("fields")))
        return
    if method == "DELETE":
        with server.lock:
            del server.workflows[name]
        handler.send_json(200, {})
        return
    current = wf.current()
    if verb in ("terminate", "stop"):
        if not wf.finished:
            message = f"Stopped with strategy '{verb.capitalize()}'"
            wf.play([terminated(current, message, now_text())])
    elif verb == "retry":
        if wf.phase not in ("Failed", "Error"):
            _error(handler, 409, 9, f"workflow must be Failed/Error to retry, it is {wf.phase}")
            return
        running = copy.deepcopy(current)
        running["status"] = {**running.get("status", {}), "phase": "Running"}
        for key in ("finishedAt", "message"):
            running["status"].pop(key, None)
        wf.play([running, succeeded(current)])
    elif verb == "resubmit":
        fresh = server.create({"metadata": {"generateName": name + "-"}, "spec": wf.manifest.get("spec", {})})
        handler.send_json(200, fresh.current())
        return
    elif verb == "suspend":
        wf.suspended_rest = wf.rest()
        frame = copy.deepcopy(current)
        frame.setdefault("spec", {})["suspend"] = True
        wf.manifest.setdefault("spec", {})["suspend"] = True
        wf.play([frame])
    elif verb == "resume":
        wf.manifest.setdefault("spec", {}).pop("suspend", None)
        wf.play(wf.suspended_rest or [current])
        wf.suspended_rest = None
    handler.send_json(200, wf.current())


def _watch(server: Any, handler: Any, q: dict[str, str]) -> None:
    faults = server.faults
    if faults.watch_status is not None:
        _error(handler, faults.watch_status, 12, "fake: the watch stream is not served here")
        return
    selector = q.get("listOptions.fieldSelector", "")
    name = selector.split("=", 1)[1] if selector.startswith("metadata.name=") else None
    after = q.get("listOptions.resourceVersion")
    sent = int(after) if after else None
    fields = q.get("fields")
    handler.start_stream()
    count = 0
    started = last_write = time.monotonic()
    seen = False
    while not server.stopping.is_set() and time.monotonic() - started < WATCH_MAX_SECONDS:
        with server.lock:
            wf = server.workflows.get(name) if name else None
        if wf is None:
            if seen:  # it was deleted while watched
                handler.send_event({"type": "DELETED", "object": {"metadata": {"name": name}}}, fields)
                break
        else:
            seen = True
            obj = wf.current()
            rv = int(obj["metadata"]["resourceVersion"])
            if sent is None or rv > sent:
                kind = "ADDED" if sent is None else "MODIFIED"
                if not handler.send_event({"type": kind, "object": obj}, fields):
                    return
                sent, count, last_write = rv, count + 1, time.monotonic()
                if faults.drop_watch_after is not None and count >= faults.drop_watch_after:
                    with server.lock:
                        cut = faults.drop_watch_times > 0
                        faults.drop_watch_times -= 1 if cut else 0
                    if cut:
                        handler.cut_stream()
                        return
        if time.monotonic() - last_write > 0.5:  # a comment line: finds clients that left
            if not handler.send_chunk(": keep-alive\n\n"):
                return
            last_write = time.monotonic()
        time.sleep(server.frame_interval / 4)
    handler.end_stream()


def _log(server: Any, handler: Any, name: str, q: dict[str, str]) -> None:
    if name not in server.workflows:
        _not_found(handler, name)
        return
    pod = q.get("podName")
    handler.start_stream()
    for pod_name, lines in server.logs.items():
        if pod and pod_name != pod:
            continue
        for line in lines:
            if not handler.send_event({"content": line, "podName": pod_name}):
                return
    handler.end_stream()


def _config_map(server: Any, handler: Any, method: str, path: str, body: Any) -> None:
    """FAKE Kubernetes API: ``POST/PUT /api/v1/namespaces/{ns}/configmaps[/{name}]`` only."""
    parts = path.strip("/").split("/")
    if len(parts) < 5 or parts[4] != "configmaps" or parts[3] != server.namespace:
        _error(handler, 404, 5, f"fake Kubernetes API: {path} not served")
        return
    name = body["metadata"]["name"] if body else parts[-1]
    if method == "POST" and name in server.config_maps:
        handler.send_json(
            409,
            {"kind": "Status", "reason": "AlreadyExists", "message": f'configmaps "{name}" already exists'},
        )
        return
    server.config_maps[name] = body
    handler.send_json(201 if method == "POST" else 200, body)
