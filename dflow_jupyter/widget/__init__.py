"""How a workflow shows itself: the live DAG widget, its static snapshot, tables, a terminal bar.

``WorkflowWidget`` needs ``anywidget`` (``pip install "dflow-jupyter[widget]"``); it is loaded on
first use, so importing this package (or its pure modules: the graph, the layout, the tables)
never imports anywidget, pandas or graphviz.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dflow_jupyter.widget.widget import WorkflowWidget

__all__ = ["WorkflowWidget"]


def __getattr__(name: str) -> Any:
    if name == "WorkflowWidget":
        return importlib.import_module("dflow_jupyter.widget.widget").WorkflowWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
