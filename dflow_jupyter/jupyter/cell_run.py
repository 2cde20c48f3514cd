"""Running the workflow a ``%%dflow_workflow`` cell composed: show it live, wait, report failure.

The workflow shows as its live DAG widget in a kernel with anywidget (``--display widget``
forces it, ``--display table`` asks for the text table), else as the live status table. When an
attached run ends, the widget's display is updated once more, so the notebook saves the final
picture (its static snapshot included). A run that failed ends the cell with an error naming
the failed steps, so "Run All" stops there; ``--allow-failure`` lets the notebook go on.
"""

from __future__ import annotations

from typing import Any

from dflow_jupyter.jupyter.errors import CommandError
from dflow_jupyter.status.phase import ACTIVE_PHASES, FAILED_PHASES

__all__ = ["DISPLAYS", "WorkflowFailed", "failure_message", "follow_run", "use_widget"]

_MAGIC = "%%dflow_workflow"
DISPLAYS = ("auto", "widget", "table")
#: Failed steps named in the error.
_NAMED = 5
_hinted = False


class WorkflowFailed(CommandError):
    """The cell's workflow ended Failed or Error (``--allow-failure`` keeps the cell quiet)."""


def use_widget(display: str) -> bool:
    """Whether ``--display`` (``auto``, ``widget``, ``table``) shows the widget here."""
    from dflow_jupyter.widget.display import WIDGET_MISSING, has_anywidget, in_kernel

    global _hinted
    if display not in DISPLAYS:
        raise CommandError(f"{_MAGIC} --display: expected one of {', '.join(DISPLAYS)}, got {display!r}")
    if display == "table":
        return False
    if display == "widget":
        if not has_anywidget():
            raise CommandError(f"{_MAGIC} --display widget: {WIDGET_MISSING}")
        return True
    if not in_kernel():
        return False
    if has_anywidget():
        return True
    if not _hinted:
        _hinted = True
        print(f"(dflow_jupyter: {WIDGET_MISSING}; showing the status table)")
    return False


def failure_message(status: Any, name: str) -> str:
    """The error of a failed run: its failed steps and how to look at them."""
    from dflow_jupyter.widget.graph import counted_steps

    failed = [
        n
        for n in counted_steps(status)
        if n.phase in FAILED_PHASES and not (n.message or "").startswith("Stopped with strategy")
    ]
    head = f"{_MAGIC} {name}: workflow {status.name} {status.phase}"
    if not failed:
        return f"{head}: {status.message or 'no step failed by itself'}; add --allow-failure to go on"
    named = "; ".join(f"step {n.display_name} failed: {n.message or n.phase}" for n in failed[:_NAMED])
    more = f" (and {len(failed) - _NAMED} more)" if len(failed) > _NAMED else ""
    first = failed[0].key or failed[0].display_name
    return (
        f"{head}: {named}{more}. Read its log with %dflow logs {status.name} {first}; debug it with "
        f"%dflow replay {status.name} {first} --pdb; add --allow-failure to go on after a failed run"
    )


def _show(obj: Any) -> Any:
    from IPython.display import display

    return display(obj, display_id=True)


def follow_run(workflow: Any, backend: str, display: str, allow_failure: bool) -> None:
    """Submit ``workflow`` and follow it in the cell's output (see the module docstring).

    Raises
    ------
    CommandError
        The engine rejected the definition before running it.
    WorkflowFailed
        An attached run ended Failed or Error and ``allow_failure`` is false.
    """
    __tracebackhide__ = True
    from dflow_jupyter.config import config
    from dflow_jupyter.errors import InvalidNameError, WorkflowDefinitionError

    detached = bool(config.get("detach"))
    widget = workflow.widget() if use_widget(display) else None
    live: Any = None
    if widget is not None:
        handle = _show(widget)
    else:
        from dflow_jupyter.jupyter.live import LiveStatus

        live = LiveStatus(workflow)
        live.start()
    started = False
    try:
        try:
            workflow.submit(backend=backend)
        except (InvalidNameError, WorkflowDefinitionError) as exc:
            raise CommandError(f"{_MAGIC} {workflow.name}: {exc}") from None
        started = True
        if not detached:
            workflow.wait()
    except KeyboardInterrupt:
        # The in-process engine marks its run Failed itself; a background run must be told.
        try:
            running = workflow.query_status() in ACTIVE_PHASES
        except LookupError:
            running = False
        if running:
            workflow.terminate()
        raise
    finally:
        if widget is not None and (not detached or not started):
            widget.flush()
            handle.update(widget)  # the saved notebook keeps the final picture
        elif widget is not None:
            widget.on_finish(lambda: handle.update(widget))
        # A detached run keeps its live table: LiveStatus stops itself when the run ends.
        if live is not None and (not detached or not started):
            live.stop()
    if not detached and not allow_failure:
        status = workflow.backend.status(workflow.id)
        if status.phase in FAILED_PHASES:
            raise WorkflowFailed(failure_message(status, workflow.name))
