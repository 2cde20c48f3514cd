"""Pure drawing numbers from the widget's own browser harness (a fake host: no kernel, no Python).

``js/test/browser/harness.html`` renders the committed bundle against synthetic graphs and
state, and measures the time to a fully drawn and painted graph and the long tasks meanwhile.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HARNESS = Path("js/test/browser/harness.html")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def served(root: Path) -> Iterator[str]:
    """``root`` over HTTP on 127.0.0.1 (ES modules do not load from file: URLs); its base URL."""
    handler = functools.partial(_Quiet, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def available(repo: Path) -> bool:
    return (repo / HARNESS).is_file()


def measure(browser: Any, repo: Path, sizes: list[int]) -> list[dict[str, Any]]:
    """For each size: drawn and painted (laid out as Python sends it), then state deltas and
    structure grows as a running workflow sends them."""
    results = []
    with served(repo) as base:
        for size in sizes:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            try:
                errors: list[str] = []
                page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
                page.goto(f"{base}{HARNESS.as_posix()}?size={size}")
                # Polled slowly: watching every mutation would slow the drawing it measures.
                page.wait_for_function(
                    "document.body.dataset.harnessReady === 'true'", polling=250, timeout=180_000
                )
                bench = page.evaluate("window.dflowHarness.bench")
                bench["deltas"] = page.evaluate(
                    "window.dflowHarness.runDeltas({seconds: 3, rate: 10, perBatch: 100})"
                )
                bench["grows"] = page.evaluate(
                    "window.dflowHarness.runGrows({seconds: 3, rate: 10, perGrow: 20})"
                )
                bench["errors"] = errors
                results.append(bench)
            finally:
                page.close()
    return results
