"""Workload h: wall time of importing the implementation's top-level package, fresh interpreter.

Also lists which heavy optional dependencies that import pulled in (the target is none), and
times importing the ``.python`` subpackage afterwards.
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
        importlib.import_module(impl)
    heavy = sorted(name for name in HEAVY if name in sys.modules)
    # Informational: the OP API lives in the subpackage, which notebooks import too.
    with timed() as python_span:
        importlib.import_module(f"{impl}.python")
    return result(
        span, "Succeeded", heavy_modules=heavy, modules=len(sys.modules), python=python_span.wall
    )
