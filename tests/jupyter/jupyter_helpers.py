"""Helpers of the Jupyter tests: run cells like a notebook, read displays, spawn subprocesses."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from IPython.core.interactiveshell import InteractiveShell

#: The repository root, for subprocesses that import dflow_jupyter from the source tree.
REPO_ROOT = Path(__file__).resolve().parents[2]
PYTHON = sys.executable


def run(shell: InteractiveShell, code: str) -> Any:
    """Run a cell as a notebook would (kept in ``In``); fail the test if it raised.

    Returns IPython's ``ExecutionResult`` (its ``result`` is the cell's value).
    """
    result = shell.run_cell(code, store_history=True)
    if result.error_before_exec or result.error_in_exec:
        raise AssertionError(f"cell failed: {result.error_before_exec or result.error_in_exec!r}")
    return result


def fails(shell: InteractiveShell, code: str) -> BaseException:
    """Run a cell that must fail; return its exception."""
    result = shell.run_cell(code, store_history=True)
    error = result.error_before_exec or result.error_in_exec
    assert error is not None, f"the cell did not fail:\n{code}"
    return error


def displays(shell: InteractiveShell) -> list[dict[str, Any]]:
    """What the cells displayed (``display``/``update_display``), oldest first."""
    return list(shell.display_pub.outputs)  # type: ignore[attr-defined]


def subprocess_env() -> dict[str, str]:
    """An environment whose Python imports dflow_jupyter from this source tree, nothing else."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFLOW_")}
    env["PYTHONPATH"] = str(REPO_ROOT)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env
