"""nbval settings for these notebooks, so that ``pytest --nbval notebooks/`` needs no options.

Run-dependent text (ids, times, durations, temporary paths) is sanitized with
``nbval_sanitize.cfg``, and the kernel is this Python environment's (not whichever ``python3``
kernelspec is installed first).
"""

from __future__ import annotations

from pathlib import Path

import pytest


def pytest_configure(config: pytest.Config) -> None:
    option = config.option
    if hasattr(option, "nbval_sanitize_with") and option.nbval_sanitize_with is None:
        option.nbval_sanitize_with = str(Path(__file__).with_name("nbval_sanitize.cfg"))
    if hasattr(option, "nbval_current_env") and not getattr(option, "nbval_kernel_name", None):
        option.nbval_current_env = True
