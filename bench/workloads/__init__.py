"""Benchmark workloads: one module per workload, run in a fresh child with ``python -m workloads``.

Every workload module imports the implementation named by ``BENCH_IMPL`` (``dflow`` for the
reference, ``dflow_jupyter`` for ours) and then uses only dflow's public API, so the same code
measures both. This package itself must stay import-light: the reference's step subprocesses
import the workload modules to find the OPs.
"""

from __future__ import annotations

# letter -> (module, one-line description); the order is the order of the report.
WORKLOADS: dict[str, tuple[str, str]] = {
    "a": ("a_chain", "chain of 50 function OPs passing an int"),
    "b": ("b_slices", "200-item Slices fan-out, then a collector over the stacked outputs"),
    "c": ("c_artifact", "5 steps passing a 100 MB file artifact along a chain"),
    "d": ("d_recurse", "recursive Steps loop of 20 iterations stopped by `when`"),
    "e": ("e_dag", "DAG of 100 tasks: a source, then 9 diamonds of width 10"),
    "f": ("f_overhead", "chains of 1, 2, 5, 10, 20 steps; least-squares slope per step"),
    "g": ("g_fanout10k", "10,000-item Slices fan-out, then a collector"),
    "h": ("h_import", "time of `import <package>` in a fresh interpreter"),
}
