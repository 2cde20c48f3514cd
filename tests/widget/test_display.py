"""How a Workflow displays: the widget in a kernel, a table elsewhere or without anywidget."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import dflow_jupyter
from dflow_jupyter import Step, Workflow
from dflow_jupyter.python import OP, PythonOPTemplate
from dflow_jupyter.widget import display

WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@OP.function
def hello(name: str) -> str:
    return "hi " + name


def _workflow(submit: bool = False) -> Workflow:
    wf = Workflow("shown")
    wf.add(Step("greet", PythonOPTemplate(hello), parameters={"name": "ada"}))
    if submit:
        wf.submit()
    return wf


def test_outside_a_kernel_a_workflow_is_a_table() -> None:
    wf = _workflow()
    bundle = wf._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html"} and wf._widget is None
    assert bundle["text/plain"].startswith("workflow shown: Pending")
    assert "greet" in bundle["text/plain"] and "Planned" in bundle["text/plain"]
    wf.submit()
    after = wf._repr_mimebundle_()
    assert after["text/plain"].startswith(f"workflow {wf.id}: Succeeded")
    assert "<table>" in after["text/html"] and "anywidget" not in after["text/html"]


def test_in_a_kernel_a_workflow_is_its_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    wf = _workflow(submit=True)
    data, _ = wf._repr_mimebundle_()
    assert set(data) == {"text/plain", WIDGET_MIME, "text/html"}
    assert data[WIDGET_MIME]["model_id"] == wf.widget().model_id
    assert data["text/plain"] == f"WorkflowWidget('shown', id={wf.id!r})"
    assert data["text/html"].startswith("<div class='dflow-snapshot' data-phase='Succeeded'>")


def test_without_anywidget_the_table_says_how_to_get_the_widget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(display, "in_kernel", lambda: True)
    monkeypatch.setattr(display, "has_anywidget", lambda: False)
    wf = _workflow()
    bundle = wf._repr_mimebundle_()
    assert "pip install anywidget" in bundle["text/html"] and "<table>" in bundle["text/html"]
    with pytest.raises(ImportError, match=r"needs anywidget: pip install anywidget"):
        wf.widget()


def test_options_make_a_new_widget() -> None:
    wf = _workflow()
    assert wf.widget() is wf.widget()
    other = wf.widget(fanout_threshold=5, layout="layered")
    assert other is not wf.widget() and other.graph["layout"]["engine"] == "layered"


def test_importing_the_package_and_the_extension_stays_light() -> None:
    code = (
        "import sys, dflow_jupyter, dflow_jupyter.widget, dflow_jupyter.jupyter.magics\n"
        "from dflow_jupyter import Workflow\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'anywidget', 'ipywidgets', 'pandas', 'graphviz', 'tqdm'}))"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(dflow_jupyter.__file__).parents[1])}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
