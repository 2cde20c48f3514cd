"""The live DAG widget in a real JupyterLab under ipykernel 7 and 6, read from the DOM as it runs.

One notebook per kernel (``notebooks.WORKFLOW_CELLS``): a DAG of a task that reports its
progress, a 200-item fan-out with 4 failing items (drawn as one summary node), a failing task and
a task writing a CSV and a PNG; submitted detached, so the kernel is Idle while the widget follows
the run. The tests run in order on that one run: live progress, final phases, the fan-out opened,
the failed step's details, two previews, the saved notebook rendered without a kernel. Each test
also works alone: it waits for what it needs.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from browser.dagview import DagWidget, View
from browser.kernels import KERNEL_IDS, KERNELS, Kernel
from browser.nbhtml import to_html
from browser.notebooks import FINAL_CELL, SUBMIT_CELL, WIDGET_CELL, WORKFLOW_CELLS
from browser.page import NotebookPage, OpenNotebook

STEPS = ("count", "fan", "explode", "report")
ENDED = ("Succeeded", "Failed", "Error")


@pytest.fixture(scope="module", params=KERNELS, ids=KERNEL_IDS)
def run(request: Any, open_notebook: OpenNotebook) -> Iterator[tuple[Kernel, DagWidget]]:
    kernel: Kernel = request.param
    notebook = open_notebook(f"widget-{kernel.id}.ipynb", WORKFLOW_CELLS, kernel)
    notebook.run_cells(0, SUBMIT_CELL)  # the last cell re-displays the widget once the run has ended
    try:
        widget = DagWidget(notebook, WIDGET_CELL, STEPS)
        # Once here for all the tests of this kernel: a widget that never renders fails them at once.
        widget.wait_for("the widget", lambda v: True, timeout=30)
        yield kernel, widget
    finally:
        notebook.close()


def ended(widget: DagWidget) -> View:
    """The widget once the run has ended and every node's final state has been drawn.

    The workflow's phase (a trait) and the nodes' states (messages) travel apart: the phase
    may be drawn a moment before the last states.
    """
    return widget.wait_for("the workflow's end", lambda v: v.phase in ENDED and v.settled, timeout=120)


def test_the_kernel_is_the_one_asked_for(run: tuple[Kernel, DagWidget]) -> None:
    kernel, widget = run
    notebook = widget.notebook
    text = notebook.until(lambda: notebook.output_text(0), timeout=60)
    assert f"ipykernel {kernel.ipykernel_major}." in text
    assert (notebook.kernel() or {}).get("name") == kernel.name


def test_progress_is_drawn_while_the_workflow_runs(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    view = widget.wait_for(
        "a Running count step with a partial progress",
        lambda v: v.has("count") and v.node("count").phase == "Running" and v.node("count").partial_progress,
    )
    widget.screenshot("running")
    assert view.phase == "Running"
    # Detached: the submitting cell has returned, and the widget still follows the run.
    assert view.kernel_idle, "the kernel should be Idle while the detached run goes on"
    assert {name for name in STEPS if view.has(name)} == set(STEPS), view.labels()


def test_final_phases(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    view = ended(widget)
    widget.screenshot("final")
    assert view.phase == "Failed"
    assert view.node("explode").phase == "Failed"
    assert view.node("count").phase == "Succeeded"
    assert view.node("count").progress == "60/60"
    assert view.node("report").phase == "Succeeded"
    fan = view.node("fan")
    assert fan.fanout == "200", fan
    header = widget.root.locator('.dflow-header [data-count-phase="Failed"]')
    assert header.count() >= 1 and header.first.inner_text().strip() != ""
    # The header's message names the step that failed, not a node id.
    message = widget.root.locator(".dflow-header .dflow-message").inner_text()
    assert message.startswith("step 'explode' failed") and "widget-e2e-" not in message, message


def drawn(widget: DagWidget, what: str, test: Any) -> View:
    """Wait for a graph fully drawn (``data-rev`` set) on which ``test`` holds."""
    return widget.wait_for(what, lambda v: v.rev is not None and test(v))


def test_the_fanout_opens_with_failed_items_first(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    before = ended(widget)
    known = {n.id for n in before.nodes}
    widget.click(before.node("fan"))
    # The new graph comes first, the states of the items it shows right after.
    view = drawn(
        widget,
        "the fan-out's items",
        lambda v: v.rev != before.rev and len(v.nodes) > len(known) and v.settled,
    )
    widget.screenshot("fanout-open")
    assert view.node("fan").fanout == "200"
    phases = [n.phase for n in view.nodes if n.id not in known]
    assert phases.count("Failed") == 4, phases[:12]
    assert phases[:4] == ["Failed"] * 4, f"failed items should come first: {phases[:12]}"
    # Collapsed again: the graph is small and labelled for the tests after this one.
    widget.click(view.node("fan"))
    drawn(widget, "the fan-out collapsed", lambda v: v.rev != view.rev and len(v.nodes) == len(known))


def test_the_failed_step_shows_its_log_and_traceback(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    view = ended(widget)
    widget.click(view.node("explode"))
    details = widget.details()
    traceback = details.locator(".dflow-traceback")
    traceback.wait_for(state="visible", timeout=30_000)
    widget.screenshot("failed-details")
    assert "boom: on purpose" in traceback.inner_text()
    assert "about to fail: on purpose" in details.locator(".dflow-log").inner_text()


def _preview(widget: DagWidget, artifact: str, selector: str) -> Any:
    """Open step ``report``'s details and preview its output ``artifact``; wait for ``selector``."""
    view = ended(widget)
    widget.click(view.node("report"))
    details = widget.details()
    details.locator(f'[data-artifact="{artifact}"] button').first.click()
    found = details.locator(f".dflow-preview {selector}").first
    found.wait_for(state="visible", timeout=30_000)
    return found


def test_a_csv_output_previews_as_a_table(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    table = _preview(widget, "table", "table")
    widget.screenshot("preview-table")
    text = table.inner_text()
    assert "x" in text and "square" in text
    assert "841" in text  # 29 * 29, the last of the 30 rows


def test_a_png_output_previews_as_an_image(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    image = _preview(widget, "plot", "img")
    widget.screenshot("preview-image")
    assert (image.get_attribute("src") or "").startswith("data:image/png;base64,")
    size = image.evaluate("img => [img.naturalWidth, img.naturalHeight]")
    assert size == [64, 40]


def test_the_saved_notebook_renders_the_snapshot_without_a_kernel(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    notebook: NotebookPage = widget.notebook
    ended(widget)
    notebook.run_cells(FINAL_CELL, FINAL_CELL)
    notebook.wait_executed()
    notebook.wait_idle()
    notebook.save()
    html = to_html(notebook.path, outputs_only=True)
    svgs = re.findall(r"<svg\b.*?</svg>", html, flags=re.S)
    pictures = [svg for svg in svgs if all(f">{name}" in svg for name in STEPS)]
    assert len(pictures) == 2, f"{len(svgs)} SVGs, {len(pictures)} with every step: {[s[:200] for s in svgs]}"
    # Displayed before submission, the first snapshot shows the plan; displayed again at the
    # end, the second shows the final state.
    assert "workflow widget-e2e: Failed" in html


def test_no_script_error_in_the_page(run: tuple[Kernel, DagWidget]) -> None:
    _, widget = run
    assert widget.notebook.page_errors == []
    # anywidget catches what a widget's render throws and only logs it.
    assert widget.notebook.console_errors == []
