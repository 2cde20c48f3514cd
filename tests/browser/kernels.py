"""The kernels the browser tests run under, and what a missing piece of the set-up does to them.

Chromium, Graphviz, JupyterLab, Playwright and the ipykernel 6 kernelspec come from
``scripts/browser-setup.sh``. A missing one fails the tests (in CI or not): a run that
silently skipped the browser would prove nothing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from dataclasses import dataclass
from typing import NoReturn

import pytest

from browser.page import CHROMIUM

SETUP = "scripts/browser-setup.sh"
PACKAGES = ("playwright", "jupyterlab", "anywidget", "ipywidgets", "nbformat", "nbconvert")


@dataclass(frozen=True)
class Kernel:
    """A kernelspec to run notebooks under, and the ipykernel major version it must report."""

    id: str
    name: str
    ipykernel_major: int


# ipykernel 7 changed how output from other threads and tasks reaches the front end (see the
# recipes): the widget must work under both.
KERNELS = [Kernel("ipykernel7", "python3", 7), Kernel("ipykernel6", "python3-ipykernel6", 6)]
KERNEL_IDS = [kernel.id for kernel in KERNELS]


def require(missing: str) -> NoReturn:
    """Fail because ``missing`` is not installed: a real component of the tests never skips."""
    pytest.fail(
        f"the browser tests need {missing}: run {SETUP} (it installs everything they need)", pytrace=False
    )


def missing_stack() -> str | None:
    """What of Chromium, Graphviz and the Python packages is missing, or None."""
    missing = [] if os.access(CHROMIUM, os.X_OK) else [CHROMIUM]
    if shutil.which("dot") is None:  # Graphviz: the widget's static SVG snapshot
        missing.append("Graphviz (dot)")
    missing += [f"the Python package {m}" for m in PACKAGES if importlib.util.find_spec(m) is None]
    return ", ".join(missing) or None


def display_name(kernel: Kernel) -> str:
    """The kernelspec's display name as the server sees it (fails when missing)."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        return str(KernelSpecManager().get_kernel_spec(kernel.name).display_name)
    except NoSuchKernel:
        require(f"the kernelspec {kernel.name}")
