"""Child entry: ``python -m workloads <module>`` runs one workload and prints its JSON record.

The runner starts it in a fresh temporary working directory with ``BENCH_IMPL`` (``dflow`` or
``dflow_jupyter``) and ``BENCH_ISOLATION`` (``inprocess`` or ``process``) set. The last line on
stdout is the JSON record; a crash prints a traceback to stderr and a record with status Error.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback
from pathlib import Path
from typing import Any

from workloads._common import OP_IO_LOG_ENV


def configure(impl: str, isolation: str) -> None:
    """Debug mode with this run's own workdir, and our process isolation when asked for."""
    # set_config rather than config[...]: the same public API, and it does not depend on how the
    # package exposes the ``config`` dict next to its ``config`` submodule.
    set_config = importlib.import_module(impl).set_config
    workdir = Path.cwd() / "debug"
    workdir.mkdir(exist_ok=True)
    set_config(mode="debug", debug_workdir=str(workdir))
    if isolation == "process":
        set_config(debug_isolation="process")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m workloads <workload module, e.g. a_chain>", file=sys.stderr)
        return 2
    impl = os.environ["BENCH_IMPL"]
    # OPs log their own I/O time here; absolute, because OPs may run in other directories.
    os.environ.setdefault(OP_IO_LOG_ENV, str(Path.cwd() / "op_io.log"))
    record: dict[str, Any]
    try:
        module = importlib.import_module(f"workloads.{argv[0]}")
        if getattr(module, "NEEDS_CONFIG", True):
            configure(impl, os.environ.get("BENCH_ISOLATION", "inprocess"))
        record = module.run()
        code = 0
    except BaseException as exc:  # the runner must get a record even for a crash
        traceback.print_exc()
        record = {"status": "Error", "error": f"{type(exc).__name__}: {exc}"[:500]}
        code = 3
    sys.stdout.flush()
    print(json.dumps(record), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
