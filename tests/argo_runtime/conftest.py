"""Fixtures: a FAKE Argo Server per test, and settings that reach it quickly."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dflow_jupyter.argo.settings import ArgoSettings, Secret

from .fake_argo import FakeArgoServer


@pytest.fixture
def fake() -> Iterator[FakeArgoServer]:
    with FakeArgoServer(frame_interval=0.03) as server:
        yield server


@pytest.fixture
def settings(fake: FakeArgoServer) -> ArgoSettings:
    # Short backoffs and polls: faults are retried in milliseconds, not seconds.
    return ArgoSettings(
        host=fake.url,
        namespace=fake.namespace,
        token=Secret(fake.token),
        timeout=5.0,
        retries=3,
        backoff=0.01,
        backoff_max=0.05,
        poll_interval=0.01,
    )
