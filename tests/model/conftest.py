"""Every model test starts, and must end, outside any ``with`` block."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dflow_jupyter import _context


@pytest.fixture(autouse=True)
def no_open_blocks() -> Iterator[None]:
    assert _context.active() is None
    yield
    assert _context.active() is None
