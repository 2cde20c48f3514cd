"""How a ``Workflow`` displays: the live widget in a notebook kernel, else a status table.

``Workflow._repr_mimebundle_`` and ``Workflow.widget()`` land here. In a Jupyter kernel with
anywidget installed a workflow shows as its :class:`WorkflowWidget` (one per workflow object,
so showing it twice shows the same live view). In a terminal, in plain IPython, or without
anywidget it shows as the text/HTML status table; in a kernel without anywidget the table says
how to get the widget.
"""

from __future__ import annotations

import html
from typing import Any

from dflow_jupyter.widget.plan import planned_status
from dflow_jupyter.widget.table import StatusTable

__all__ = ["WIDGET_MISSING", "has_anywidget", "in_kernel", "mimebundle", "status_table", "workflow_widget"]

WIDGET_MISSING = (
    "the live DAG widget needs anywidget: pip install anywidget "
    "(or pip install 'dflow-jupyter[widget]'), then restart the kernel"
)


def has_anywidget() -> bool:
    """Whether anywidget can be imported (without importing it when it was not yet)."""
    import importlib.util

    try:
        return importlib.util.find_spec("anywidget") is not None
    except ValueError:
        return False


def in_kernel() -> bool:
    """Whether this is a Jupyter kernel (a front end can draw widgets), not a terminal."""
    import sys

    if "IPython" not in sys.modules:
        return False
    from IPython import get_ipython

    return getattr(get_ipython(), "kernel", None) is not None


def workflow_widget(workflow: Any, **options: Any) -> Any:
    """The widget of ``workflow`` (the one already made, unless ``options`` ask for another).

    Raises
    ------
    ImportError
        anywidget is not installed (the message says how to install it).
    """
    if not has_anywidget():
        raise ImportError(WIDGET_MISSING)
    made = getattr(workflow, "_widget", None)
    if made is not None and not options and getattr(made, "comm", None) is not None:
        return made
    from dflow_jupyter.widget.widget import WorkflowWidget

    widget = WorkflowWidget(workflow, **options)
    if not options:
        workflow._widget = widget
    return widget


def status_table(workflow: Any) -> StatusTable:
    """The status table of ``workflow``: its planned steps, or the run's nodes."""
    if workflow.id is None:
        return StatusTable(planned_status(workflow))
    try:
        return StatusTable(workflow.backend.status(workflow.id))
    except LookupError:
        return StatusTable(planned_status(workflow))


def mimebundle(workflow: Any) -> Any:
    """What ``Workflow._repr_mimebundle_`` returns (see the module docstring)."""
    kernel = in_kernel()
    if kernel and has_anywidget():
        return workflow_widget(workflow)._repr_mimebundle_()
    table = status_table(workflow)
    page = table._repr_html_()
    if kernel:
        page += f"<div class='dflow-note'>{html.escape(WIDGET_MISSING)}</div>"
    return {"text/plain": table.text(), "text/html": page}
