"""Render a saved notebook to HTML as ``jupyter nbconvert --to html`` does: what a reader sees."""

from __future__ import annotations

from pathlib import Path


def to_html(notebook: Path, *, outputs_only: bool = False) -> str:
    """The HTML page of ``notebook`` (not executed: only the outputs it was saved with).

    ``outputs_only`` leaves the cells' code out (``--no-input``), so what is found is an output.

    The exporter behind ``jupyter nbconvert --to html``, called in this process: a subprocess
    would pay nbconvert's import (several seconds on a busy machine) for every notebook.
    """
    from nbconvert import HTMLExporter

    body, _resources = HTMLExporter(exclude_input=outputs_only).from_filename(str(notebook))
    return str(body)
