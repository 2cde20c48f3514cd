"""Widgets without a browser: a recording comm stands in for the kernel's (recipes: Jupyter stack)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import comm
import pytest
from comm.base_comm import BaseComm

from dflow_jupyter.config import config


class RecordingComm(BaseComm):
    """A comm whose messages to the front end are recorded (with the wall-clock time they were sent)."""

    def __init__(self, **kwargs: Any) -> None:
        self.messages: list[dict[str, Any]] = []
        super().__init__(**kwargs)

    def publish_msg(
        self, msg_type: str, data: Any = None, metadata: Any = None, buffers: Any = None, **keys: Any
    ) -> None:
        self.messages.append(
            {"msg_type": msg_type, "data": data, "buffers": buffers or [], "time": time.time()}
        )


@pytest.fixture(autouse=True)
def comms(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[RecordingComm]]:
    made: list[RecordingComm] = []

    def create_comm(**kwargs: Any) -> RecordingComm:
        made.append(RecordingComm(**kwargs))
        return made[-1]

    monkeypatch.setattr(comm, "create_comm", create_comm)
    yield made
    config["detach"] = False
