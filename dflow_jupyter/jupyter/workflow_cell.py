"""``%%dflow_workflow``: compose a workflow from a cell of OP calls, then run it, shown live.

The cell body runs in the user namespace with the new ``Workflow`` open as the composition
context (as inside ``with Workflow(NAME) as wf:``), so function-OP calls become tasks wired by
the data they pass each other. The workflow is bound to a variable before the body runs (the
body may use it, e.g. ``scan.add(step)``). ``Workflow.__exit__`` would submit, so the context
is opened and closed by hand to honour ``--no-submit``.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.jupyter.options import check_identifier
from dflow_jupyter.widget.table import html_table, text_table

__all__ = [
    "Plan",
    "WorkflowCellOptions",
    "check_backend",
    "run_workflow_cell",
    "variable_for",
]

_MAGIC = "%%dflow_workflow"


def check_backend(backend: str, what: str) -> None:
    """Raise ``CommandError`` unless ``backend`` can run workflows in this release."""
    from dflow_jupyter.backend import BackendUnavailable, backend_for

    try:
        backend_for(backend)
    except BackendUnavailable as exc:
        raise CommandError(f"{what}: {exc}") from None


def _holds_op(value: Any) -> bool:
    from dflow_jupyter.python.op import OP

    return isinstance(value, OP) or (isinstance(value, type) and issubclass(value, OP))


def variable_for(name: str) -> str:
    """``NAME`` made a Python identifier: ``lattice-scan`` -> ``lattice_scan``."""
    text = re.sub(r"\W", "_", name)
    if not text or text[0].isdigit():
        text = "_" + text
    return text + "_" if keyword.iskeyword(text) else text


@dataclass
class WorkflowCellOptions:
    """The arguments of ``%%dflow_workflow NAME [--var VAR] [--no-submit] [--backend B]
    [--display auto|widget|table] [--allow-failure]``."""

    name: str
    var: str | None = None
    submit: bool = True
    backend: str | None = None
    display: str = "auto"
    allow_failure: bool = False


class Plan:
    """What a workflow will run, before it is submitted: each step/task and what it waits for."""

    def __init__(self, workflow: Any, var: str) -> None:
        self.workflow = workflow
        self.var = var
        self.rows: list[list[str]] = []
        entry = workflow.entrypoint
        groups = getattr(entry, "steps", None)
        if groups is not None:  # Steps: groups run in order
            for index, group in enumerate(groups):
                for step in group:
                    self.rows.append([step.name, step.template.name, f"group {index}"])
        else:
            for task in getattr(entry, "tasks", []):
                after = {ref.name for ref in task.references() if ref is not task}
                after.update(d if isinstance(d, str) else d.name for d in task.dependencies)
                self.rows.append([task.name, task.template.name, ", ".join(sorted(after))])

    headers = ("step", "template", "after")

    def caption(self) -> str:
        return (
            f"workflow {self.workflow.name}: not submitted, {len(self.rows)} steps; "
            f"run it with {self.var}.submit()"
        )

    def text(self) -> str:
        return self.caption() + "\n" + text_table(self.headers, self.rows)

    def _repr_html_(self) -> str:
        return html_table(self.headers, self.rows, self.caption())

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def __repr__(self) -> str:
        return self.text()


def run_workflow_cell(
    options: WorkflowCellOptions,
    namespace: MutableMapping[str, Any],
    run_body: Callable[[], None],
    show: Callable[[Any], None],
) -> Any:
    """Compose (``run_body``), bind, submit and follow a workflow; returns the ``Workflow``.

    ``show`` displays a workflow that is not submitted (its widget, or its plan as a table); a
    submitted one is followed live (:func:`~dflow_jupyter.jupyter.cell_run.follow_run`). Then
    what the cell's OP calls returned becomes values (:mod:`dflow_jupyter.jupyter.results`).

    Raises
    ------
    CommandError
        Bad name or variable, an unavailable backend, a cell that adds no step, or a workflow
        definition the engine rejects before running it; ``WorkflowFailed`` when the run failed
        (unless ``allow_failure``).
    """
    __tracebackhide__ = True  # IPython: show the user's cell, not this frame
    from dflow_jupyter import _context
    from dflow_jupyter.config import config
    from dflow_jupyter.errors import InvalidNameError, WorkflowDefinitionError
    from dflow_jupyter.model.workflow import Workflow

    backend = options.backend or str(config["mode"])
    check_backend(
        backend,
        f"{_MAGIC} --backend {backend}" if options.backend else f"{_MAGIC}: config['mode'] is {backend!r}",
    )
    var = options.var or variable_for(options.name)
    check_identifier(var, "--var", "the workflow is bound to it")
    if _holds_op(namespace.get(var)):
        raise CommandError(
            f"{_MAGIC} {options.name}: {var!r} holds an OP, which binding the workflow to it "
            f"would replace; give the workflow another variable with --var (e.g. --var {var}_wf)"
        )
    try:
        workflow = Workflow(options.name)
    except (InvalidNameError, WorkflowDefinitionError) as exc:
        raise CommandError(f"{_MAGIC}: {exc}") from None
    namespace[var] = workflow
    before = {name: id(value) for name, value in namespace.items()}
    _context.push(workflow)
    try:
        run_body()
    finally:
        _context.pop(workflow)
    if workflow.entrypoint is None:
        raise CommandError(
            f"{_MAGIC} {options.name}: the cell added no steps; call OPs in it (e.g. "
            "'out = my_op(x=1)') or add steps with " + f"{var}.add(...)"
        )
    from dflow_jupyter.jupyter.cell_run import follow_run, use_widget

    if not options.submit:
        show(workflow.widget() if use_widget(options.display) else Plan(workflow, var))
        return workflow
    try:
        follow_run(workflow, backend, options.display, options.allow_failure)
    finally:
        if workflow.id is not None:
            from dflow_jupyter.jupyter.results import bind_results

            bind_results(namespace, before, workflow)
    return workflow
