"""The program a dpdispatcher job of a Python OP runs: ``python -m dflow_jupyter.engine.dispatcher_runner``.

It runs in the job's copy of the step directory. ``dflow_job.pkl`` holds the OP (cloudpickled,
so OPs defined in a notebook travel) and its inputs, one set per slice, with input artifact
paths relative to the step directory. The OP runs in ``workdir/`` as in the debug backend; its
output artifact files are moved to ``dflow_out/`` (the one thing the job sends back, with the
log) and ``dflow_out/result.pkl`` holds each slice's outcome. An OP that fails is an outcome,
not a failed job: the runner exits 0 unless it could not run at all.
"""

from __future__ import annotations

import os
import pickle
import shutil
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

JOB_FILE = "dflow_job.pkl"
OUT_DIR = "dflow_out"
RESULT_FILE = "result.pkl"
#: Where files an OP returned from outside the step directory are brought back.
EXTERNAL_DIR = "workdir/.dflow_external"


def map_paths(value: Any, fn: Callable[[str], str]) -> Any:
    """``value`` (a path or a list/dict/tuple/set of them, nested) with each path passed through ``fn``.

    ``str`` leaves stay ``str`` and ``Path`` leaves stay ``Path``; other leaves (``None``) stay.
    """
    if isinstance(value, Path):
        return type(value)(fn(str(value)))
    if isinstance(value, str):
        return fn(value)
    if isinstance(value, dict):
        return type(value)((k, map_paths(v, fn)) for k, v in value.items())
    if isinstance(value, (list, tuple, set, frozenset)):
        return type(value)(map_paths(v, fn) for v in value)
    return value


def relative_to(root: Path) -> Callable[[str], str]:
    """A path under ``root`` made relative to it; any other path unchanged."""
    prefix = str(root).rstrip("/") + "/"
    return lambda path: path[len(prefix) :] if path.startswith(prefix) else path


def absolute_under(root: Path) -> Callable[[str], str]:
    """A relative path made absolute under ``root``; an absolute one unchanged."""
    return lambda path: path if os.path.isabs(path) else str(root / path)


def _bundle(root: Path, workdir: Path, out: Path) -> Callable[[str], str]:
    """Move an output file into ``out`` (keeping its place in the step directory); its new name."""
    inputs = str(root / "inputs") + "/"

    def move(path: str) -> str:
        source = os.path.normpath(path if os.path.isabs(path) else os.path.join(workdir, path))
        if source.startswith(inputs):
            return os.path.relpath(source, root)  # an input passed on: the engine has it already
        if source.startswith(str(root) + "/"):
            rel = os.path.relpath(source, root)
            target = out / rel
            if os.path.lexists(source) and not os.path.lexists(target):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(source, target)
            return rel
        rel = f"{EXTERNAL_DIR}/{source.lstrip('/')}"
        target = out / rel
        if os.path.exists(source) and not os.path.lexists(target):
            target.parent.mkdir(parents=True, exist_ok=True)
            if os.path.isdir(source):
                shutil.copytree(source, target, symlinks=True)
            else:
                shutil.copy2(source, target)
        return rel

    return move


def _new_op(job: dict[str, Any]) -> Any:
    import copy

    return job["op"]() if job["op_is_class"] else copy.copy(job["op"])


def run_job(root: Path) -> list[Any]:
    """Run every slice of the job in ``root``; the outcomes (outputs bundled in ``dflow_out``)."""
    from dflow_jupyter.engine.python_exec import run_op
    from dflow_jupyter.python.typecheck import check_opio

    with open(root / JOB_FILE, "rb") as handle:
        outer = pickle.load(handle)
    # Classes pickled by reference (an OP defined in a module) must import as they did.
    sys.path[:0] = [p for p in outer["sys_path"] if p not in sys.path]
    job = pickle.loads(outer["payload"])
    workdir = root / "workdir"
    workdir.mkdir(parents=True, exist_ok=True)
    progress_file = root / "progress"

    def progress(current: int, total: int) -> None:
        progress_file.write_text(f"{int(current)}/{int(total)}")

    outcomes = []
    for op_in in job["inputs"]:
        op = _new_op(job)
        op_class = type(op)
        op.key, op.workflow_name = job["key"], job["workflow"]
        object.__setattr__(op, "_progress_hook", progress)
        if hasattr(op, "_early_outputs"):
            op._early_outputs = {}

        def check(values: dict[str, Any], direction: str, op_class: Any = op_class) -> None:
            sign = op_class.get_input_sign() if direction == "input" else op_class.get_output_sign()
            check_opio(sign, values, op_name=op_class.__name__, direction=direction)  # type: ignore[arg-type]

        staged = {
            k: map_paths(v, absolute_under(root)) if k in job["input_artifacts"] else v
            for k, v in op_in.items()
        }
        # The OP's prints go to stdout, which the job writes to the step's log.
        outcome = run_op(
            op, staged, workdir=workdir, log_path=Path(os.devnull), timeout=None, echo=True, check=check
        )
        outcome.exception = None  # may not pickle; the message and the log carry it
        outcomes.append(outcome)
        if outcome.phase != "Succeeded":
            break
    out = root / OUT_DIR
    out.mkdir(exist_ok=True)
    if progress_file.exists():  # the last report, which a poll may have missed
        shutil.copy2(progress_file, out / "progress")
    # Moved only now: a later slice may read what an earlier one wrote.
    bundle = _bundle(root, workdir, out)
    for outcome in outcomes:
        for name in job["output_artifacts"]:
            if outcome.outputs.get(name) is not None:
                outcome.outputs[name] = map_paths(outcome.outputs[name], bundle)
    return outcomes


def main() -> None:
    import cloudpickle

    root = Path.cwd()
    outcomes = run_job(root)
    partial = root / OUT_DIR / (RESULT_FILE + ".part")
    partial.write_bytes(cloudpickle.dumps({"outcomes": outcomes}))
    os.replace(partial, root / OUT_DIR / RESULT_FILE)


if __name__ == "__main__":
    main()
