"""Poller cost on a 10,000-node workflow: parse a status object, then apply a poll's delta.

The object is one of Argo's real status objects (``tests/argo_runtime/materials/status``, a
withParam fan-out with retries) scaled up: its TaskGroup gets more Retry children, each with
its attempt pods, named and numbered as Argo names them. Each round parses the JSON text of a
poll (fresh dicts, as a real answer), computes the changed nodes against the previous poll and
applies them to a status tracker whose event bus has a listener (as when a widget shows it).

Run: ``python bench/poll.py [--nodes 10000] [--changed 100] [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import copy
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from dflow_jupyter.argo.status import ArgoStatusSync, diff_nodes  # noqa: E402
from dflow_jupyter.status.events import EventBus  # noqa: E402
from dflow_jupyter.status.model import node_id  # noqa: E402

MATERIALS = ROOT / "tests" / "argo_runtime" / "materials"
FIXTURE = MATERIALS / "status" / "running-dag-withparam-fanout-retries.json"


def scaled(obj: dict[str, Any], target: int) -> dict[str, Any]:
    """``obj`` with its largest TaskGroup fanned out until the workflow has ``target`` nodes."""
    obj = copy.deepcopy(obj)
    wf = obj["metadata"]["name"]
    nodes: dict[str, dict[str, Any]] = obj["status"]["nodes"]
    groups = [n for n in nodes.values() if n["type"] == "TaskGroup"]
    group = max(groups, key=lambda n: len(n.get("children", [])))
    unit = nodes[group["children"][0]]  # a Retry node and its attempt pods
    attempts = [nodes[c] for c in unit.get("children", [])]
    i = len(group["children"])
    while len(nodes) < target:
        retry = copy.deepcopy(unit)
        retry["name"] = f"{group['name']}({i}:{i})"
        retry["displayName"] = f"{group['displayName']}({i}:{i})"
        retry["id"] = node_id(wf, retry["name"])
        retry["children"] = []
        for n, attempt in enumerate(attempts):
            pod = copy.deepcopy(attempt)
            pod["name"] = f"{retry['name']}({n})"
            pod["displayName"] = f"{retry['displayName']}({n})"
            pod["id"] = node_id(wf, pod["name"])
            retry["children"].append(pod["id"])
            nodes[pod["id"]] = pod
        nodes[retry["id"]] = retry
        group["children"].append(retry["id"])
        i += 1
    return obj


def next_poll(obj: dict[str, Any], changed: int, tick: int) -> dict[str, Any]:
    """``obj`` with ``changed`` pods moved on (phase, finish time, message), as a later poll."""
    obj = copy.deepcopy(obj)
    obj["metadata"]["resourceVersion"] = str(1000 + tick)
    pods = [n for n in obj["status"]["nodes"].values() if n["type"] == "Pod"]
    for pod in pods[(tick * changed) % len(pods) :][:changed]:
        pod["phase"] = "Succeeded" if pod.get("phase") != "Succeeded" else "Failed"
        pod["finishedAt"] = f"2024-01-01T00:{tick % 60:02d}:00Z"
        pod["message"] = f"poll {tick}"
    return obj


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time in milliseconds over ``repeat`` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=10_000)
    parser.add_argument("--changed", type=int, default=100, help="pods that change between two polls")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)

    base = scaled(json.loads(FIXTURE.read_text()), args.nodes)
    text = json.dumps(base)
    name = base["metadata"]["name"]
    print(f"status object: {len(base['status']['nodes'])} nodes, {len(text) / 1e6:.1f} MB of JSON")

    parse_ms, first = timed(lambda: json.loads(text), args.repeat)

    def first_apply() -> int:
        bus = EventBus()
        bus.subscribe(lambda event: None)
        sync = ArgoStatusSync.for_workflow(name, bus)
        return len(sync.apply(json.loads(text)).changed)

    apply_all_ms, created = timed(first_apply, args.repeat)

    bus = EventBus()
    published: list[Any] = []
    bus.subscribe(published.append)
    sync = ArgoStatusSync.for_workflow(name, bus)
    sync.apply(first)
    # Each poll moves other pods on from the one before, as a running workflow does.
    states = [base]
    for tick in range(1, args.repeat + 1):
        states.append(next_poll(states[-1], args.changed, tick))
    polls = [json.dumps(state) for state in states[1:]]
    parsed = [json.loads(p) for p in polls]
    previous, current = first["status"]["nodes"], parsed[0]["status"]["nodes"]
    diff_ms, diff = timed(lambda: diff_nodes(previous, current), args.repeat)
    ticks = iter(parsed)
    published.clear()
    poll_ms, delta = timed(lambda: sync.apply(next(ticks)), args.repeat)
    node_events = sum(1 for e in published if e.kind == "node")
    # Fresh dicts each time: an object compared with itself would short-circuit on identity.
    copies = iter([json.loads(polls[-1]) for _ in range(args.repeat)])
    same_ms, same = timed(lambda: sync.apply(next(copies)), args.repeat)
    whole_ms, _ = timed(lambda: sync.apply(json.loads(polls[-1])), args.repeat)

    rows = [
        ("parse the JSON text of a poll (json.loads)", parse_ms, ""),
        ("first apply: every node new, all published", apply_all_ms, f"{created} nodes"),
        ("delta of two parsed polls (diff_nodes)", diff_ms, f"{len(diff[0])} changed"),
        ("apply a poll: delta + update + publish", poll_ms, f"{len(delta.changed)} changed"),
        ("apply a poll with nothing new", same_ms, f"{len(same.changed)} changed"),
        ("a poll end to end: parse + apply", whole_ms, "nothing new"),
    ]
    print(f"median of {args.repeat} runs; {args.changed} pods change between polls")
    for label, ms, note in rows:
        print(f"  {label:<42} {ms:8.1f} ms  {note}")
    expected = args.changed * args.repeat
    print(f"  node events published over {args.repeat} polls: {node_events} (expected {expected})")


if __name__ == "__main__":
    main()
