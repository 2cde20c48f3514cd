"""The harness on its own, with a widget of a few lines: server, both kernels, comms, DOM, nbconvert.

When these pass and the widget tests fail, the widget is at fault, not the browser set-up.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from browser.kernels import KERNEL_IDS, KERNELS, Kernel
from browser.nbhtml import to_html
from browser.notebooks import PROBE_CELLS
from browser.page import NotebookPage, OpenNotebook

# The count of the probe and whether the kernel is idle, read in the same instant.
_COUNT_AND_IDLE = """() => {
    const probe = document.querySelector('.probe');
    const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
        .some(e => e.textContent.includes('| Idle'));
    return probe ? {count: Number(probe.dataset.count), idle} : null;
}"""


@pytest.fixture(scope="module", params=KERNELS, ids=KERNEL_IDS)
def probe(request: Any, open_notebook: OpenNotebook) -> Iterator[tuple[Kernel, NotebookPage]]:
    kernel: Kernel = request.param
    notebook = open_notebook(f"probe-{kernel.id}.ipynb", PROBE_CELLS, kernel)
    notebook.run_all()
    try:
        yield kernel, notebook
    finally:
        notebook.close()


def test_the_kernel_is_the_one_asked_for(probe: tuple[Kernel, NotebookPage]) -> None:
    kernel, notebook = probe
    text = notebook.poll("() => document.querySelector('.jp-Cell .jp-OutputArea')?.innerText", timeout=60)
    assert f"ipykernel {kernel.ipykernel_major}." in text
    assert (notebook.kernel() or {}).get("name") == kernel.name


def test_updates_from_the_event_loop_reach_the_dom_after_the_cell_returned(
    probe: tuple[Kernel, NotebookPage],
) -> None:
    _, notebook = probe
    partial = notebook.poll(
        f"() => {{ const s = ({_COUNT_AND_IDLE})(); return s && s.idle && s.count > 0 && s.count < 40 && s; }}",
        timeout=60,
    )
    notebook.screenshot("counting")
    final = notebook.poll(f"() => {{ const s = ({_COUNT_AND_IDLE})(); return s && s.count === 40 && s; }}")
    assert partial["count"] < final["count"] == 40


def test_a_click_is_answered_by_the_kernel(probe: tuple[Kernel, NotebookPage]) -> None:
    _, notebook = probe
    notebook.page.locator(".probe").click()
    reply = notebook.poll("() => document.querySelector('.probe').dataset.reply")
    assert reply == "pong ping"
    notebook.screenshot("clicked", locator=notebook.cell(1))


def test_the_saved_notebook_renders_its_snapshot_without_a_kernel(
    probe: tuple[Kernel, NotebookPage],
) -> None:
    _, notebook = probe
    notebook.wait_executed()
    notebook.save()
    html = to_html(notebook.path)
    assert "<svg" in html
    assert "probe-snapshot" in html


def test_a_raising_cell_is_told_from_the_others(probe: tuple[Kernel, NotebookPage]) -> None:
    _, notebook = probe
    notebook.wait_executed()
    error = notebook.cell_error(3)
    assert error is not None and error.startswith("ValueError: raised on purpose")
    assert notebook.cell_error(1) is None
