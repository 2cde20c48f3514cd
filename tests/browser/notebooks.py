"""Notebooks the browser tests generate: cells as source text, a kernelspec in the metadata."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import nbformat


def write_notebook(path: Path, cells: Sequence[str], *, kernel: str, display_name: str) -> Path:
    """Write a notebook of code cells; ``metadata.kernelspec`` names ``kernel``.

    Without a kernelspec JupyterLab opens a kernel picker and the kernel never becomes Idle.
    """
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": kernel, "display_name": display_name, "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source.strip("\n")) for source in cells]
    nbformat.write(notebook, str(path))
    return path


# A widget of a few lines, to prove the harness (server, kernel, cells, comms, DOM, screenshots,
# nbconvert) on its own: a count drawn into `data-count`, raised from the kernel's event loop
# after the cell has returned; a click answered by the kernel; a static SVG for nbconvert; and a
# last cell that raises, so that telling a failed cell from the others is tested too.
PROBE_CELLS = [
    """
import sys

import anywidget
import ipykernel
import traitlets

print("ipykernel", ipykernel.__version__, "python", sys.version.split()[0])
""",
    '''
class Probe(anywidget.AnyWidget):
    _esm = """
    function render({ model, el }) {
      const root = document.createElement("div");
      root.className = "probe";
      const draw = () => {
        root.dataset.count = model.get("count");
        root.textContent = `probe count ${model.get("count")}`;
      };
      model.on("change:count", draw);
      model.on("msg:custom", (msg) => { root.dataset.reply = msg.text; });
      root.addEventListener("click", () => model.send({ kind: "ping" }));
      draw();
      el.appendChild(root);
    }
    export default { render };
    """
    count = traitlets.Int(0).tag(sync=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(lambda _w, content, _b: self.send({"text": "pong " + content["kind"]}))

    def _repr_mimebundle_(self, **kwargs):
        data, metadata = super()._repr_mimebundle_(**kwargs)
        data["text/html"] = f"<svg width='200' height='30'><text x='4' y='20'>probe-snapshot {self.count}</text></svg>"
        return data, metadata


probe = Probe()
probe
''',
    """
import asyncio


async def count_up(to=40, every=0.05):
    for i in range(1, to + 1):
        await asyncio.sleep(every)
        probe.count = i


task = asyncio.ensure_future(count_up())
""",
    """
raise ValueError("raised on purpose")
""",
]


# The workflow the widget tests watch. A DAG of four independent tasks: `count` sleeps in small
# steps and reports its progress; `fan` squares 200 items (4 of them fail, none of them first) and goes on;
# `explode` prints a line and fails, so the workflow fails; `report` writes a CSV and a PNG.
WORKFLOW_CELLS = [
    """
import struct
import sys
import time
import zlib
from pathlib import Path

import ipykernel

from dflow_jupyter import Task, Workflow, argo_range
from dflow_jupyter.config import config
from dflow_jupyter.python import OP, OPIO, Artifact, OPIOSign, PythonOPTemplate, Slices

config["debug_workdir"] = config["debug_artifact_dir"] = "runs"
print("ipykernel", ipykernel.__version__, "python", sys.version.split()[0])
""",
    '''
class Count(OP):
    """Count to `steps`, one pause each, reporting the progress as it goes."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"steps": int, "pause": float})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"counted": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        self.progress_total = op_in["steps"]
        for i in range(op_in["steps"]):
            time.sleep(op_in["pause"])
            self.progress_current = i + 1
        return OPIO({"counted": op_in["steps"]})


@OP.function
def square(x: int) -> {"y": int}:
    if x % 50 == 7:
        raise ValueError(f"item {x} is unlucky")
    return {"y": x * x}


@OP.function
def explode(reason: str) -> {"never": int}:
    print(f"about to fail: {reason}")
    raise RuntimeError(f"boom: {reason}")


def png(width=64, height=40):
    """A small gradient PNG, written by hand (no imaging library needed)."""
    rows = b"".join(
        b"\\x00" + b"".join(bytes((4 * x, 6 * y, 200)) for x in range(width)) for y in range(height)
    )

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\\x89PNG\\r\\n\\x1a\\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


@OP.function
def report(rows: int) -> {"table": Artifact(Path), "plot": Artifact(Path)}:
    Path("table.csv").write_text("x,square\\n" + "".join(f"{i},{i * i}\\n" for i in range(rows)))
    Path("plot.png").write_bytes(png())
    return {"table": Path("table.csv"), "plot": Path("plot.png")}
''',
    """
wf = Workflow(name="widget-e2e")
items = 200
wf.add([
    Task(name="count", template=PythonOPTemplate(Count), parameters={"steps": 60, "pause": 0.1}),
    Task(
        name="fan",
        template=PythonOPTemplate(square, slices=Slices("{{item}}", input_parameter=["x"], output_parameter=["y"])),
        parameters={"x": list(range(items))},
        with_param=argo_range(items),
        continue_on_failed=True,
    ),
    Task(name="explode", template=PythonOPTemplate(explode), parameters={"reason": "on purpose"}),
    Task(name="report", template=PythonOPTemplate(report), parameters={"rows": 30}),
])
wf.widget()
""",
    """
config["detach"] = True  # the cell returns at once; the widget follows the run
wf.submit();
""",
    # Run by the tests once the workflow has ended: the same widget displayed again, whose static
    # snapshot (text/html beside the widget view) is then the final state.
    """
wf.widget()
""",
]
#: Cells of WORKFLOW_CELLS: the widget displayed before submission, the submission, the re-display.
WIDGET_CELL, SUBMIT_CELL, FINAL_CELL = 2, 3, 4
