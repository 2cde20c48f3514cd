"""An OP whose module ships as source in an Argo pod (so it imports nothing relative)."""

from __future__ import annotations

from dflow_jupyter.python import OP


@OP.function
def cube(x: int) -> {"y": int}:  # type: ignore[valid-type]
    return {"y": x**3}
