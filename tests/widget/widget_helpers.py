"""Helpers of the widget tests: read what a widget sent, talk to it as the browser does."""

from __future__ import annotations

import time
from typing import Any


def customs(widget: Any, kind: str | None = None) -> list[dict[str, Any]]:
    """The custom messages the widget sent (of one ``kind``), oldest first."""
    found = []
    for message in widget.comm.messages:
        data = message["data"] or {}
        if data.get("method") == "custom":
            content = dict(data["content"], _time=message["time"])
            if kind is None or content.get("kind") == kind:
                found.append(content)
    return found


def updates(widget: Any) -> list[dict[str, Any]]:
    """The trait updates the widget sent (``{"trait": value}`` each), oldest first."""
    return [
        dict(m["data"]["state"], _time=m["time"])
        for m in widget.comm.messages
        if (m["data"] or {}).get("method") == "update"
    ]


def request(widget: Any, content: dict[str, Any]) -> list[dict[str, Any]]:
    """Send ``content`` as the browser would; the custom messages answering it.

    Answers carry the request's ``req``; a running workflow's own messages, sent meanwhile by the
    pump thread, are not answers.
    """
    before = len(widget.comm.messages)
    widget.comm.handle_msg({"content": {"data": {"method": "custom", "content": content}}, "buffers": []})
    answers = []
    for message in widget.comm.messages[before:]:
        data = message["data"] or {}
        if data.get("method") == "custom" and data["content"].get("req") == content.get("req"):
            answers.append(data["content"])
    return answers


def settle(widget: Any, timeout: float = 10.0) -> None:
    """Wait until the widget has sent the run's final state."""
    deadline = time.monotonic() + timeout
    while widget.following and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not widget.following, "the widget still follows the run"
    widget.flush()
