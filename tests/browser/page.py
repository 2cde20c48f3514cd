"""Drive a notebook in JupyterLab through Playwright: open, wait for the kernel, run, read outputs."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from browser.kernels import Kernel

#: Debian's Chromium; Playwright drives it (never ``playwright install``).
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]

_KERNEL_IDLE = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .some(e => e.textContent.includes('| Idle'))"""
_KERNEL_STATUS = """() => [...document.querySelectorAll('.jp-StatusBar-TextItem')]
    .map(e => e.textContent).filter(t => t.includes('|')).join(' ; ')"""
# The notebook panel's own view of its kernel: the kernelspec name and the execution state.
_SESSION = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const kernel = panel && panel.sessionContext && panel.sessionContext.session
        && panel.sessionContext.session.kernel;
    return kernel ? {name: kernel.name, status: kernel.status} : null;
}"""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")

#: The ``open_notebook`` fixture: ``(name, cells, kernel) -> NotebookPage``, the kernel Idle.
OpenNotebook = Callable[[str, Sequence[str], "Kernel"], "NotebookPage"]


def launch_chromium(playwright: Any) -> Any:
    """Chromium, headless, with nothing phoning home."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


class NotebookPage:
    """One notebook open in JupyterLab in a Playwright page."""

    def __init__(self, page: Any, path: Path, artifacts: Path | None = None, *, prefix: str = "") -> None:
        self.page = page
        self.path = path
        #: Uncaught exceptions of the page's scripts (JupyterLab's and the widgets').
        self.page_errors: list[str] = []
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        #: What the page logged as errors (a widget whose render throws is only logged).
        self.console_errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and self.console_errors.append(m.text))
        self.artifacts = artifacts
        self.prefix = prefix

    def open(self, url: str, *, timeout: float = 90.0) -> None:
        """Open the notebook at ``url`` and wait until its kernel is Idle."""
        self.page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=timeout * 1000)
        # The file browser would take a fifth of every screenshot.
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")
        self.wait_idle(timeout=timeout)

    def kernel(self) -> dict[str, str] | None:
        """``{"name", "status"}`` of the notebook's kernel, as JupyterLab sees it."""
        return self.page.evaluate(_SESSION)  # type: ignore[no-any-return]

    def wait_idle(self, *, timeout: float = 60.0) -> None:
        """Wait for the status bar's ``| Idle`` (the kernel started and runs nothing)."""
        try:
            self.page.wait_for_function(_KERNEL_IDLE, timeout=timeout * 1000, polling=100)
        except Exception as error:
            status = self.page.evaluate(_KERNEL_STATUS)
            self.screenshot("kernel-not-idle")
            raise AssertionError(f"the kernel did not become Idle in {timeout:.0f} s: {status!r}") from error

    def command(self, name: str, args: dict[str, Any] | None = None) -> Any:
        """Run a JupyterLab command (``window.jupyterapp``, exposed by the test server)."""
        return self.page.evaluate("([n, a]) => window.jupyterapp.commands.execute(n, a)", [name, args or {}])

    def run_all(self) -> None:
        """Run every cell, as Run > Run All Cells does; returns at once."""
        self.command("notebook:run-all-cells")

    def run_cells(self, first: int, last: int) -> None:
        """Run cells ``first`` to ``last`` (inclusive), selected as with Shift+click; returns at once."""
        self.page.evaluate(
            """([first, last]) => {
                const notebook = window.jupyterapp.shell.currentWidget.content;
                notebook.activeCellIndex = first;
                notebook.deselectAll();
                notebook.extendContiguousSelectionTo(last);
            }""",
            [first, last],
        )
        self.command("notebook:run-cell")

    def wait_executed(self, *, timeout: float = 60.0) -> None:
        """Wait until every code cell has an execution count (each ran to its end)."""
        script = """() => [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
            .every(p => /\\[\\d+\\]/.test(p.textContent))"""
        self.page.wait_for_function(script, timeout=timeout * 1000, polling=100)

    def cell(self, index: int) -> Any:
        """Locator of the ``index``-th cell (code and markdown alike)."""
        return self.page.locator(".jp-Notebook .jp-Cell").nth(index)

    def output_text(self, index: int) -> str:
        """The text of cell ``index``'s output area."""
        script = """i => {
            const cell = document.querySelectorAll('.jp-Notebook .jp-Cell')[i];
            const out = cell && cell.querySelector('.jp-OutputArea');
            return out ? out.innerText : '';
        }"""
        return str(self.page.evaluate(script, index))

    def cell_error(self, index: int) -> str | None:
        """``ename: evalue`` and the traceback if cell ``index`` raised, else None.

        Read from the notebook's model (its ``error`` output), not from the page: a cell may also
        print tracebacks to stderr (a failing step's) without raising.
        """
        script = """i => {
            const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
            const outputs = cell && cell.model.outputs ? cell.model.outputs.toJSON() : [];
            const error = outputs.find(o => o.output_type === 'error');
            return error ? [error.ename + ': ' + error.evalue, ...error.traceback].join('\\n') : null;
        }"""
        text = self.page.evaluate(script, index)
        return None if text is None else _ANSI.sub("", text)

    def save(self, *, timeout: float = 30.0) -> None:
        """Save the notebook (widget state and outputs included) and wait until it is clean."""
        self.command("docmanager:save")
        script = """() => { const p = window.jupyterapp.shell.currentWidget;
            return p && p.context && !p.context.model.dirty; }"""
        self.page.wait_for_function(script, timeout=timeout * 1000, polling=100)

    def screenshot(self, name: str, *, locator: Any = None) -> Path | None:
        """Save a PNG of the page (or of ``locator``) as ``artifacts/<name>.png``."""
        if self.artifacts is None:
            return None
        self.artifacts.mkdir(parents=True, exist_ok=True)
        path = self.artifacts / f"{self.prefix}{name}.png"
        try:
            (locator or self.page).screenshot(path=str(path))
        except Exception:  # a screenshot is evidence, never the reason a test fails
            return None
        return path

    def close(self) -> None:
        """Shut the kernel down (it stops its runs) and close the page."""
        try:
            self.page.evaluate("() => window.jupyterapp.shell.currentWidget.sessionContext.shutdown()")
        except Exception:  # a page that failed to load has no session to shut down
            pass
        self.page.close()

    def until(self, check: Callable[[], Any], *, timeout: float = 30.0, every: float = 0.05) -> Any:
        """Call ``check`` until it returns something truthy; return that (``TimeoutError`` else)."""
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing after {timeout:.0f} s")
            time.sleep(every)

    def poll(self, script: str, arg: Any = None, *, timeout: float = 30.0) -> Any:
        """Evaluate ``script`` until it returns something truthy; return that."""
        try:
            return self.until(lambda: self.page.evaluate(script, arg), timeout=timeout)
        except TimeoutError:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {script[:200]}") from None
