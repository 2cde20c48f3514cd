"""``WorkflowWidget``: a workflow's live DAG in the notebook (protocol: ``docs/widget-protocol.md``).

Python keeps the canonical state (graph, node states, summary); the browser draws it. The traits
are small and change rarely; node states travel as batched ``delta`` messages; requests from
the browser (``hello``, ``details``, ``preview``, ``action``...) are answered by
:mod:`dflow_jupyter.widget.requests`. The JavaScript (with its CSS) is a file of this package
(no CDN).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from dflow_jupyter.widget._gc import paused_gc
from dflow_jupyter.widget.follow import DEFAULT_INTERVAL, LiveGraph
from dflow_jupyter.widget.graph import DEFAULT_FANOUT_THRESHOLD
from dflow_jupyter.widget.publish import graph_bytes
from dflow_jupyter.widget.snapshot import snapshot_html

__all__ = ["WorkflowWidget"]

_STATIC = Path(__file__).with_name("static")


class WorkflowWidget(anywidget.AnyWidget):  # type: ignore[misc]
    """The live DAG of a workflow: planned before submission, live while it runs, final after.

    Parameters
    ----------
    workflow : Workflow
        The workflow to show (submitted or not).
    fanout_threshold : int
        Fan-outs with more items than this are drawn as one summary node.
    layout : str
        ``"auto"`` (Graphviz ``dot`` for small graphs when it is installed, else the layered
        layout of :mod:`dflow_jupyter.widget.layered`), ``"dot"`` or ``"layered"``.
    interval : float
        Minimum seconds between two updates sent to the browser (default 0.2: five a second).
    """

    # The module carries its stylesheet and adds it to the page once (see js/src/widget.js):
    # anywidget's ``_css`` would be set again for every widget, restyling every widget drawn.
    _esm = _STATIC / "widget.js"

    workflow_name = traitlets.Unicode("").tag(sync=True)
    workflow_id = traitlets.Unicode("").tag(sync=True)
    # Sent as one binary buffer of JSON: a graph of ten thousand nodes is a big nested value,
    # and ipywidgets walks every dict and list of a trait it sends, looking for buffers.
    graph = traitlets.Dict().tag(sync=True, to_json=lambda value, widget: graph_bytes(value))
    summary = traitlets.Dict().tag(sync=True)
    theme = traitlets.Unicode("auto").tag(sync=True)
    selected = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        workflow: Any,
        *,
        fanout_threshold: int = DEFAULT_FANOUT_THRESHOLD,
        layout: str = "auto",
        interval: float = DEFAULT_INTERVAL,
        **kwargs: Any,
    ) -> None:
        live = LiveGraph(self, workflow, threshold=fanout_threshold, layout=layout, interval=interval)
        self._live = live
        self.workflow = workflow
        with paused_gc():  # the graph, its layout and its first message
            graph, summary = live.start()
            super().__init__(
                workflow_name=str(workflow.name),
                workflow_id=str(workflow.id or ""),
                graph=graph,
                summary=dict(summary),
                **kwargs,
            )
        self.on_msg(self._on_message)
        self.observe(self._on_selected, names="selected")
        live.resume()

    # -- following ----------------------------------------------------------------------------
    def follow(self, workflow_id: str) -> None:
        """Follow the run ``workflow_id`` that is starting (called by ``Workflow.submit``)."""
        self.workflow_id = workflow_id
        self._live.follow(workflow_id)

    def flush(self) -> None:
        """Send the final state now (a cell calls it when its run has ended)."""
        self._live.flush_now()

    def on_finish(self, callback: Any) -> None:
        """Call ``callback()`` once the run's final state has been sent (at once if it has)."""
        self._live.on_finish(callback)

    @property
    def following(self) -> bool:
        """Whether the widget still listens to the engine's events."""
        return self._live.following

    def close(self) -> None:
        self._live.close()
        super().close()

    # -- sending (on the kernel's loop, see widget.pump) -----------------------------------------
    def apply(self, traits: Mapping[str, Any], messages: Sequence[Mapping[str, Any]]) -> None:
        """Set ``traits`` in one sync, then send ``messages``."""
        if traits:
            with self.hold_sync():
                for name, value in traits.items():
                    setattr(self, name, value)
        for message in messages:
            self.send(dict(message))

    def _should_send_property(self, key: str, value: Any) -> bool:
        # A graph the views reached through a ``grow`` message stays here, unsent.
        if key == "graph" and value.get("rev") in self._live.publisher.grown:
            return False
        return bool(super()._should_send_property(key, value))

    # -- the browser's requests -----------------------------------------------------------------
    def _on_message(self, _widget: Any, content: Any, buffers: Any) -> None:
        from dflow_jupyter.widget.requests import answer

        if not isinstance(content, dict):
            return
        for reply in answer(self, self._live, content):
            self.send(reply)

    def _on_selected(self, change: Mapping[str, Any]) -> None:
        message = self._live.logs.select(str(change["new"]))
        if message is not None:
            self.send(message)

    # -- display --------------------------------------------------------------------------------
    def snapshot_html(self) -> str:
        """A static HTML picture of the current state (an SVG of the layout)."""
        live = self._live
        with live.lock, paused_gc():
            # The states the views were sent (kept current by the flushes): no need to make
            # every node's state again.
            states = live.publisher.states
            return snapshot_html(str(self.workflow_name), live.graph, live.layout, states, live.summary)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data = dict(data)
        data["text/html"] = self.snapshot_html()
        return data, metadata

    def __repr__(self) -> str:
        return f"WorkflowWidget({self.workflow_name!r}, id={self.workflow_id or None!r})"
