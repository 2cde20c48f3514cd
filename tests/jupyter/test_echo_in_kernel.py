"""In a real kernel, a ``%%dflow_workflow`` cell whose OP prints megabytes shows a bounded output.

The notebook runs through ``nbclient`` (a real IPython kernel, as JupyterLab's): the step's log
keeps every line, the cell's output the first and last 32 KB with the line about the rest.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from jupyter_helpers import REPO_ROOT, subprocess_env
from nbclient import NotebookClient

LINES = 200_000  # 18 MB of output per run
CELLS = [
    '%load_ext dflow_jupyter\nfrom dflow_jupyter.config import config\nconfig["debug_workdir"] = "runs"',
    '%%dflow_op\ndef loud(n: int) -> int:\n    for i in range(n):\n        print(f"line {i:09d} " + "x" * 80)\n'
    "    return n",
    f"%%dflow_workflow inproc\nloud(n={LINES})",
    'config["debug_isolation"] = "process"',
    f"%%dflow_workflow isolated\nloud(n={LINES})",
]


def _stream_text(cell: nbformat.NotebookNode) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def test_a_loud_cell_shows_a_bounded_output(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    client = NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute(env={**subprocess_env(), "PYTHONPATH": str(REPO_ROOT)})
    logs = sorted((tmp_path / "runs").glob("*/*/log.txt"))
    assert len(logs) == 2
    for log in logs:
        assert log.read_text().count("\n") == LINES  # the record is whole
    for index in (2, 4):
        cell = nb.cells[index]
        text = _stream_text(cell)
        assert text.startswith("line 000000000")
        assert f"line {LINES - 1:09d}" in text
        assert "of this step's output left out here; the whole log: %dflow logs " in text
        assert len(text) < 64 * 1024 + 2048
        assert len(json.dumps(cell.outputs)) < 1 << 20  # the widget and its snapshot included
