"""OPs of the compiler tests (their source ships in the manifests; edits change tests/argo/expected)."""

from __future__ import annotations

from pathlib import Path
from typing import List

from dflow_jupyter.python import OP, OPIO, Artifact, FatalError, OPIOSign, TransientError


class Plus(OP):
    """``y = x + 1``; ``x < 0`` fails as a transient error, ``x > 100`` as a fatal one."""

    @classmethod
    def get_input_sign(cls):
        return OPIOSign({"x": int})

    @classmethod
    def get_output_sign(cls):
        return OPIOSign({"y": int})

    @OP.exec_sign_check
    def execute(self, op_in):
        if op_in["x"] < 0:
            raise TransientError("negative")
        if op_in["x"] > 100:
            raise FatalError("too big")
        return OPIO({"y": op_in["x"] + 1})


@OP.function
def square(x: int) -> {"y": int}:
    return {"y": x * x}


@OP.function
def total(values: List[int]) -> {"sum": int}:
    return {"sum": sum(values)}


@OP.function
def write_file(name: str) -> {"out": Artifact(Path)}:
    path = Path(f"{name}.txt")
    path.write_text(name)
    return {"out": path}


@OP.function
def read_all(files: Artifact(List[Path])) -> {"joined": str}:
    return {"joined": ",".join(Path(f).read_text() for f in files)}


@OP.function
def count_lines(f: Artifact(Path), prefix: str = "n") -> {"n": int, "label": str}:
    return {"n": len(Path(f).read_text().splitlines()), "label": prefix}
