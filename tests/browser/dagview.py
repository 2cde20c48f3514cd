"""Read and click the workflow widget in a notebook cell, by its DOM contract only.

The contract is the last section of ``docs/widget-protocol.md``: the root ``.dflow-widget`` with
``data-phase``; nodes with ``data-node-id``, ``data-phase``, ``data-progress``, ``data-type`` and,
on fan-out summaries, ``data-fanout``; the details panel ``.dflow-details`` with ``.dflow-log``,
``.dflow-traceback`` and ``.dflow-preview``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from browser.page import NotebookPage

# Everything the tests read of a widget, in one evaluation (one consistent instant).
_READ = """(cell) => {
    const out = document.querySelectorAll('.jp-Notebook .jp-Cell')[cell];
    const root = out && out.querySelector('.dflow-widget');
    if (!root) return null;
    const nodes = [...root.querySelectorAll('[data-node-id]')]
        // The graph's nodes: the timeline's rows and the details panel name nodes too.
        .filter(e => !e.closest('.dflow-timeline, .dflow-details'))
        .map(e => ({
            id: e.getAttribute('data-node-id'),
            label: (e.querySelector('.dflow-label') || {}).textContent || '',
            phase: e.getAttribute('data-phase'),
            progress: e.getAttribute('data-progress') || '',
            type: e.getAttribute('data-type'),
            fanout: e.getAttribute('data-fanout'),
        }));
    const idle = [...document.querySelectorAll('.jp-StatusBar-TextItem')]
        .some(e => e.textContent.includes('| Idle'));
    return {phase: root.getAttribute('data-phase'), rev: root.getAttribute('data-rev'), nodes, kernelIdle: idle};
}"""


@dataclass(frozen=True)
class Node:
    """One drawn node, as the DOM shows it."""

    id: str
    label: str
    phase: str
    progress: str
    type: str
    fanout: str | None

    def named(self, name: str) -> bool:
        """Whether this is the node of step ``name`` (a fan-out's label adds its item count)."""
        return self.label == name or self.label.startswith(f"{name} ")

    @property
    def partial_progress(self) -> bool:
        """``data-progress`` is ``d/t`` with ``0 < d < t``."""
        done, _, total = self.progress.partition("/")
        return done.isdigit() and total.isdigit() and 0 < int(done) < int(total)


@dataclass(frozen=True)
class View:
    """The widget at one instant: the workflow's phase, the nodes, whether the kernel was Idle.

    ``rev`` is the ``rev`` of the graph fully drawn (None while a graph is being drawn);
    ``known`` maps step names to node ids seen before, for nodes drawn without their label.
    """

    phase: str
    rev: str | None
    nodes: list[Node]
    kernel_idle: bool
    known: dict[str, str]

    def node(self, name: str) -> Node:
        found = [n for n in self.nodes if n.named(name) or self.known.get(name) == n.id]
        assert len(found) == 1, f"one node named {name!r} expected, got {found} among {self.labels()}"
        return found[0]

    def has(self, name: str) -> bool:
        return any(n.named(name) or self.known.get(name) == n.id for n in self.nodes)

    def labels(self) -> list[str]:
        return [n.label for n in self.nodes]

    @property
    def settled(self) -> bool:
        """No node drawn Pending or Running (the states of an ended run have all arrived)."""
        return all(n.phase not in ("Pending", "Running") for n in self.nodes)


class DagWidget:
    """The widget drawn in the output of cell ``cell`` of ``notebook``."""

    def __init__(self, notebook: NotebookPage, cell: int, names: tuple[str, ...] = ()) -> None:
        self.notebook = notebook
        self.cell = cell
        self.names = names
        # Labels are drawn only at a readable scale (a large graph fitted whole shows boxes):
        # the ids of the named steps, once seen labelled, find them when they are not.
        self.known: dict[str, str] = {}

    @property
    def root(self) -> Any:
        return self.notebook.cell(self.cell).locator(".dflow-widget").first

    def read(self) -> View | None:
        raw = self.notebook.page.evaluate(_READ, self.cell)
        if raw is None:
            return None
        nodes = [Node(**n) for n in raw["nodes"]]
        for name in self.names:
            labelled = [n.id for n in nodes if n.named(name)]
            if len(labelled) == 1:
                self.known[name] = labelled[0]
        return View(raw["phase"], raw["rev"], nodes, raw["kernelIdle"], dict(self.known))

    def wait_for(self, what: str, test: Any, *, timeout: float = 60.0) -> View:
        """Read until ``test(view)`` holds; fail naming ``what`` and the last view."""
        last: list[View | None] = [None]

        def check() -> View | None:
            view = last[0] = self.read()
            if view is None and (error := self.notebook.cell_error(self.cell)):
                raise AssertionError(f"{what}: the widget's cell raised:\n{error[-3000:]}")
            return view if view is not None and test(view) else None

        try:
            return self.notebook.until(check, timeout=timeout)  # type: ignore[no-any-return]
        except TimeoutError:
            self.notebook.screenshot(f"timeout-{what.replace(' ', '-')}")
            logged = "\n".join(self.notebook.console_errors[-5:]) or "none"
            raise AssertionError(
                f"{what}: not seen in {timeout:.0f} s; last view {last[0]}; errors logged by the page:\n{logged}"
            ) from None

    def click(self, node: Node) -> None:
        self.root.locator(f'[data-node-id="{node.id}"]').first.click()

    def details(self) -> Any:
        return self.root.locator(".dflow-details")

    def screenshot(self, name: str) -> None:
        self.notebook.screenshot(name, locator=self.root)
