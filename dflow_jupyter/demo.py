"""The demo workflow: a lattice-constant scan, run on the in-process debug backend.

It makes a list of lattice constants, fans a toy energy model out over them with ``Slices``,
picks the minimum and writes a report artifact, then prints the step table and the results.
"""

# No `from __future__ import annotations`: dflow's OP signatures are dict literals, read as
# objects at definition time.
import math
from pathlib import Path
from typing import Any


def build() -> Any:
    """Build (not run) the demo workflow."""
    from dflow_jupyter import Step, Workflow, argo_len, argo_sequence
    from dflow_jupyter.python import OP, Artifact, PythonOPTemplate, Slices

    @OP.function
    def make_lattices(start: float, stop: float, count: int) -> {"lattices": list}:  # type: ignore[valid-type,misc]
        step = (stop - start) / (count - 1)
        return {"lattices": [round(start + i * step, 4) for i in range(count)]}

    @OP.function
    def energy(lattice: float) -> {"energy": float}:  # type: ignore[valid-type,misc]
        # A Lennard-Jones-like toy model with its minimum near a = 3.9.
        r = lattice / 3.9
        return {"energy": round(4.0 * ((1 / r) ** 12 - (1 / r) ** 6), 6)}

    @OP.function
    def pick_minimum(lattices: list, energies: list) -> {"best": float, "report": Artifact(Path)}:  # type: ignore[valid-type,misc]
        best = min(range(len(lattices)), key=lambda i: energies[i])
        report = Path("report.txt")
        lines = [f"{a:8.4f}  {e:12.6f}" for a, e in zip(lattices, energies, strict=True)]
        report.write_text("lattice     energy\n" + "\n".join(lines) + "\n")
        return {"best": lattices[best], "report": report}

    wf = Workflow("lattice-scan")
    make = Step(
        "make-lattices",
        PythonOPTemplate(make_lattices),
        parameters={"start": 3.5, "stop": 4.5, "count": 11},
    )
    scan = Step(
        "energy",
        PythonOPTemplate(energy, slices=Slices(input_parameter=["lattice"], output_parameter=["energy"])),
        parameters={"lattice": make.outputs.parameters["lattices"]},
        with_sequence=argo_sequence(argo_len(make.outputs.parameters["lattices"])),
        key="energy-{{item}}",
    )
    pick = Step(
        "pick-minimum",
        PythonOPTemplate(pick_minimum),
        parameters={
            "lattices": make.outputs.parameters["lattices"],
            "energies": scan.outputs.parameters["energy"],
        },
    )
    wf.add(make)
    wf.add(scan)
    wf.add(pick)
    return wf


def step_table(wf: Any) -> str:
    """A plain-text table of the workflow's nodes: name, type, phase, key, duration."""
    rows = [("step", "type", "phase", "key", "duration")]
    for step in wf.query_step():
        duration = step.get_duration()
        rows.append(
            (
                step.displayName,
                step.type,
                step.phase,
                step.key or "",
                "" if duration is None else f"{duration * 1000:.1f} ms",
            )
        )
    widths = [max(len(str(r[i])) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows)


def main() -> int:
    import os

    from dflow_jupyter import config, download_artifact

    # Keep the demo's records out of the current directory unless told where to put them.
    if "DFLOW_DEBUG_WORKDIR" not in os.environ:
        config["debug_workdir"] = config["debug_artifact_dir"] = "demo-runs"
    wf = build()
    wf.submit()
    print(f"\nworkflow {wf.id}: {wf.query_status()}\n")
    print(step_table(wf))
    pick = wf.query_step(name="pick-minimum")[0]
    best = pick.outputs.parameters["best"].value
    paths = download_artifact(
        pick.outputs.artifacts["report"], path=str(Path(config["debug_workdir"], f"{wf.id}-report"))
    )
    print(
        f"\nlowest energy at lattice constant {best} (exact minimum 3.9 * 2**(1/6) = "
        f"{3.9 * math.pow(2, 1 / 6):.4f}); report: {paths[0]}"
    )
    print(Path(paths[0]).read_text())
    return 0 if wf.query_status() == "Succeeded" else 1
