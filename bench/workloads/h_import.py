"""Workload h: wall time of importing the implementation's top-level package, fresh interpreter.

Also lists which heavy optional dependencies that import pulled in (the target is none), and
times a notebook's typical first imports (``first_cell``: the package, two of its names, the
``.python`` subpackage and two of its names).
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from workloads._common import result, timed

# The child must not import the implementation before the timed import.
NEEDS_CONFIG = False

# The heavy imports issue 4 forbids on `import dflow_jupyter`.
HEAVY = ("kubernetes", "minio", "dpdispatcher", "pandas", "ipywidgets")


def run() -> dict[str, Any]:
    impl = os.environ["BENCH_IMPL"]
    if impl in sys.modules:
        raise RuntimeError(f"h_import: {impl} was imported before the timed import")
    with timed() as span:
        package = importlib.import_module(impl)
    heavy = sorted(name for name in HEAVY if name in sys.modules)
    # Informational: what a notebook's first cell costs on top, i.e.
    # `from dflow import Workflow, Step; from dflow.python import OP, PythonOPTemplate`,
    # which matters for a package that loads its names lazily.
    with timed() as first_cell:
        _ = package.Workflow, package.Step
        python = importlib.import_module(f"{impl}.python")
        _ = python.OP, python.PythonOPTemplate
    return result(
        span,
        "Succeeded",
        heavy_modules=heavy,
        modules=len(sys.modules),
        first_cell=span.wall + first_cell.wall,
    )
