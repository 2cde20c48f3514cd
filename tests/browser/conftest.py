"""Fixtures of the browser tests: one JupyterLab server and one Chromium for the whole session."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

from browser.kernels import Kernel, display_name, missing_stack, require
from browser.lab import Lab, start_lab
from browser.notebooks import write_notebook
from browser.page import NotebookPage, OpenNotebook, launch_chromium

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


@pytest.fixture(scope="session")
def browser_stack() -> None:
    """Chromium and the Python packages are installed (else the tests fail, naming what is missing)."""
    missing = missing_stack()
    if missing:
        require(missing)


@pytest.fixture(scope="session")
def lab(browser_stack: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def chromium(browser_stack: None) -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="session")
def open_notebook(lab: Lab, chromium: Any) -> OpenNotebook:
    """``open_notebook(name, cells, kernel)``: write the notebook, open it in a new page, kernel Idle."""

    def open_(name: str, cells: Sequence[str], kernel: Kernel) -> NotebookPage:
        path = write_notebook(lab.root / name, cells, kernel=kernel.name, display_name=display_name(kernel))
        page = chromium.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(30_000)
        notebook = NotebookPage(page, path, ARTIFACTS, prefix=f"{path.stem}-")
        notebook.open(lab.notebook_url(name))
        return notebook

    return open_
