"""Waiting for a workflow without an event loop: trimmed gets, the node tree only when it moved."""

from __future__ import annotations

import time

from dflow_jupyter.argo.api import CHEAP_FIELDS, NODE_FIELDS
from dflow_jupyter.argo.backoff import Backoff
from dflow_jupyter.argo.clients import WorkflowClient
from dflow_jupyter.argo.errors import ArgoNotFound
from dflow_jupyter.argo.status import ArgoStatusSync, Delta
from dflow_jupyter.status.model import WorkflowStatus

__all__ = ["NOT_FOUND_GRACE", "refresh", "wait_for"]

#: Seconds after create during which a 404 means "not visible yet", not "gone".
NOT_FOUND_GRACE = 30.0


def refresh(client: WorkflowClient, sync: ArgoStatusSync) -> Delta:
    """Read the whole workflow once and apply it (only changed nodes are published)."""
    return sync.apply(client.get(sync.status.name, NODE_FIELDS))


def wait_for(
    client: WorkflowClient,
    sync: ArgoStatusSync,
    *,
    timeout: float | None = None,
    created_at: float | None = None,
    interval: float | None = None,
) -> WorkflowStatus:
    """Block until the workflow has finished (or ``timeout`` seconds passed); its status.

    Each round is a trimmed get without nodes; the node tree is read only when the resource
    version moved, so a long wait on a large workflow stays cheap for the server. The status
    is applied to ``sync`` as it goes, so readers of its tracker (the widget) see progress.
    ``created_at`` (``time.monotonic()`` of the create call) lets a 404 right after create
    pass as "not visible yet".
    """
    name = sync.status.name
    settings = client.settings
    pause = settings.poll_interval if interval is None else interval
    deadline = None if timeout is None else time.monotonic() + timeout
    backoff = Backoff(settings.backoff, settings.backoff_max)
    read_nodes = True
    while True:
        try:
            if read_nodes:
                refresh(client, sync)
                read_nodes = False
                if sync.finished:
                    return sync.status
            else:
                trimmed = client.get(name, CHEAP_FIELDS)
                version = (trimmed.get("metadata") or {}).get("resourceVersion")
                if not version or version != sync.resource_version:
                    read_nodes = True
                    continue
            backoff.reset()
            delay = pause
        except ArgoNotFound:
            young = created_at is not None and time.monotonic() - created_at < NOT_FOUND_GRACE
            if not young:
                raise
            read_nodes = True
            delay = backoff.next()
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0:
                return sync.status
            delay = min(delay, left)
        time.sleep(delay)
