"""Test helpers for the FAKE Argo Server: real status objects replayed as a running sequence.

A real ``Workflow`` object is its final state. ``timeline`` derives the states before it
(Pending with no nodes, then Running with the nodes started by each moment, unfinished ones
Running) from the nodes' own start and finish times; ``rename`` moves an object to another
workflow name with Argo's node ids; ``trim`` is Argo's ``fields=`` cleaner.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from dflow_jupyter.status.model import node_id

#: Argo's real materials (v4.1.2, Apache-2.0; see ``materials/SOURCES.md``).
MATERIALS = Path(__file__).parent / "materials"


def fixture_dir() -> Path:
    """Where Argo's real status objects are."""
    return MATERIALS / "status"


def fixture_names() -> list[str]:
    return sorted(p.name for p in fixture_dir().glob("*.json") if p.name != "index.json")


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((fixture_dir() / name).read_text())
    return data


def rename(obj: dict[str, Any], new: str) -> dict[str, Any]:
    """``obj`` as workflow ``new``: node names, ids (fnv-1a of the new names) and links."""
    obj = copy.deepcopy(obj)
    old = obj["metadata"]["name"]
    obj["metadata"]["name"] = new
    nodes = (obj.get("status") or {}).get("nodes") or {}
    ids: dict[str, str] = {}
    for nid, raw in nodes.items():
        name = raw.get("name", nid)
        new_name = new + name[len(old) :] if name.startswith(old) else name
        if nid == old:
            ids[nid] = new
        elif nid == node_id(old, name):
            ids[nid] = node_id(new, new_name)
        else:  # the old id format (<wf>-<n>) keeps its number
            ids[nid] = new + nid[len(old) :] if nid.startswith(old) else nid
        raw["name"] = new_name
        if raw.get("displayName") == old:
            raw["displayName"] = new
    renamed = {}
    for nid, raw in nodes.items():
        raw["id"] = ids[nid]
        for key in ("children", "outboundNodes"):
            if raw.get(key):
                raw[key] = [ids.get(c, c) for c in raw[key]]
        if raw.get("boundaryID"):
            raw["boundaryID"] = ids.get(raw["boundaryID"], raw["boundaryID"])
        renamed[ids[nid]] = raw
    if nodes:
        obj["status"]["nodes"] = renamed
    return obj


def _running_copy(raw: dict[str, Any], cut: str, keep: set[str]) -> dict[str, Any]:
    node = dict(raw)
    finished = node.get("finishedAt")
    if not finished or finished > cut:
        node["phase"] = "Pending" if raw.get("phase") == "Pending" else "Running"
        for key in ("finishedAt", "outputs", "message", "progress"):
            node.pop(key, None)
    for key in ("children", "outboundNodes"):
        if node.get(key):
            node[key] = [c for c in node[key] if c in keep]
    return node


def timeline(obj: dict[str, Any], states: int = 5) -> list[dict[str, Any]]:
    """The states leading to ``obj``: Pending, Running with growing nodes, then ``obj`` itself."""
    final = copy.deepcopy(obj)
    status = final.get("status") or {}
    nodes: dict[str, dict[str, Any]] = status.get("nodes") or {}
    moments = sorted(
        {t for raw in nodes.values() for t in (raw.get("startedAt"), raw.get("finishedAt")) if t}
    )
    pending = copy.deepcopy(final)
    pending["status"] = {}
    frames = [pending]
    if moments:
        step = max(1, len(moments) // max(1, states - 2))
        for cut in moments[:-1:step]:
            keep = {nid for nid, raw in nodes.items() if raw.get("startedAt") and raw["startedAt"] <= cut}
            frame = copy.deepcopy(final)
            frame["status"] = {
                "phase": "Running",
                "startedAt": status.get("startedAt"),
                "nodes": {nid: _running_copy(nodes[nid], cut, keep) for nid in nodes if nid in keep},
            }
            frames.append(frame)
    frames.append(final)
    return frames


def terminated(obj: dict[str, Any], message: str, at: str) -> dict[str, Any]:
    """``obj`` after ``terminate``/``stop``: unfinished nodes and the workflow Failed."""
    obj = copy.deepcopy(obj)
    status = obj.setdefault("status", {})
    for raw in (status.get("nodes") or {}).values():
        if raw.get("phase") in ("Pending", "Running"):
            raw.update(phase="Failed", message=message, finishedAt=at)
    status.update(phase="Failed", message=message, finishedAt=at)
    return obj


def succeeded(obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` after a successful ``retry``: failed nodes and the workflow Succeeded."""
    obj = copy.deepcopy(obj)
    status = obj.setdefault("status", {})
    for raw in (status.get("nodes") or {}).values():
        if raw.get("phase") in ("Failed", "Error"):
            raw["phase"] = "Succeeded"
            raw.pop("message", None)
    status["phase"] = "Succeeded"
    status.pop("message", None)
    return obj


def trim(obj: Any, fields: str | None) -> Any:
    """Argo's ``fields=`` (``util/fields/fields.go``): keep (or, with a leading ``-``, drop) paths.

    A path keeps its whole subtree; list indices are not part of paths; map keys are.
    """
    if not fields:
        return obj
    exclude = fields.startswith("-")
    paths = {p for p in fields.lstrip("-").split(",") if p}
    prefixes = {p.rsplit(".", i)[0] for p in paths for i in range(1, p.count(".") + 1)}

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, list):
            return [walk(v, path) for v in value]
        if not isinstance(value, dict):
            return value
        out = {}
        for key, sub in value.items():
            here = f"{path}.{key}" if path else key
            if here in paths:
                if not exclude:
                    out[key] = sub
            elif here in prefixes:
                out[key] = walk(sub, here)
            elif exclude:
                out[key] = sub
        return out

    return walk(obj, "")
