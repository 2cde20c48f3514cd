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
# after the cell has returned; a click answered by the kernel; a static SVG for nbconvert.
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
]
