"""Render a saved notebook to HTML as ``jupyter nbconvert --to html`` does: what a reader sees."""

from __future__ import annotations

from pathlib import Path


def to_html(notebook: Path) -> str:
    """The HTML page of ``notebook`` (not executed: only the outputs it was saved with).

    The exporter behind ``jupyter nbconvert --to html``, called in this process: a subprocess
    would pay nbconvert's import (several seconds on a busy machine) for every notebook.
    """
    from nbconvert import HTMLExporter

    body, _resources = HTMLExporter().from_filename(str(notebook))
    return str(body)
