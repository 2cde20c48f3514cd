"""OPs whose module ships as source in an Argo pod (so it imports nothing relative)."""

from __future__ import annotations

from pathlib import Path

from dflow_jupyter.python import OP, Artifact


@OP.function
def cube(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x**3}


@OP.function
def shout(x: int, f: Artifact(Path)) -> {"y": int, "out": Artifact(Path)}:  # type: ignore[valid-type]
    """One slice of a merged fan-out: its number cubed, its file shouted into ``<x>.txt``."""
    out = Path(f"{x}.txt")
    out.write_text(Path(f).read_text().upper())
    return {"y": x**3, "out": out}


@OP.function
def picky(x: int) -> {"y": int}:  # type: ignore[valid-type]
    """Fails on a negative number, naming it."""
    if x < 0:
        raise ValueError(f"no negative numbers: {x}")
    return {"y": x}
