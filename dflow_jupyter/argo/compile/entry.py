"""What a compiled Python OP's script runs inside its pod: load the OP, read inputs, execute, write outputs.

The script the compiler writes is three lines around this module: the OP's code and a call to
:func:`run`. Inputs arrive as Argo leaves them: parameter values in ``DFLOW_INPUT_<name>``
environment variables (exact bytes, no quoting games), artifacts under
``<tmp_root>/inputs/artifacts/<name>``. Outputs go where the template declares them. Exit codes
follow dflow's runner: ``TransientError`` 1, ``FatalError`` 2, any other exception 1.
"""

from __future__ import annotations

import base64
import json
import os
import random
import shutil
import sys
import traceback
import types
import uuid
from pathlib import Path
from typing import Any

__all__ = ["load_op", "run"]

ENV_INPUT = "DFLOW_INPUT_"


def load_op(code: dict[str, Any], source: str | None = None, pickled: str | None = None) -> Any:
    """The OP instance from its shipped source (executed as a module) or its pickle."""
    if pickled is not None:
        import cloudpickle

        op = cloudpickle.loads(base64.b64decode(pickled))
        return op() if isinstance(op, type) else op
    module = types.ModuleType(code.get("module") or "dflow_op_source")
    sys.modules.setdefault(module.__name__, module)
    exec(compile(source or "", f"<OP {code['attribute']}>", "exec"), module.__dict__)
    found: Any = module
    for part in code["attribute"].split("."):
        found = getattr(found, part)
    if code.get("function") and not hasattr(found, "get_input_sign"):
        from dflow_jupyter.python import OP

        found = OP.function(found)
    return found() if isinstance(found, type) else found


def _kind(sign: Any) -> Any:
    return getattr(sign, "type", sign) if not isinstance(sign, type) else sign


def _is_artifact(sign: Any) -> bool:
    return type(sign).__name__ == "Artifact"


def _unstack(value: Any) -> Any:
    """dflow's stacked slices (``[[{"dflow_list_item": v, "order": i}, ...], ...]``) as a list."""
    if isinstance(value, list) and value and all(isinstance(v, list) for v in value):
        items = [item for group in value for item in group]
        if items and all(isinstance(i, dict) and "dflow_list_item" in i for i in items):
            return [i["dflow_list_item"] for i in sorted(items, key=lambda i: i["order"])]
    return value


def _parameter(name: str, sign: Any, sliced: bool, op_name: str) -> Any:
    from dflow_jupyter.status.wire import coerce_parameter, from_argo_string

    text = os.environ[ENV_INPUT + name]
    kind = _kind(sign)
    where = f"OP {op_name}: input parameter {name!r}"
    if kind is str and not sliced:
        return text
    try:
        value = _unstack(from_argo_string(text))
    except ValueError:
        value = text
    if sliced:
        return value
    return value if kind is None else coerce_parameter(value, kind, where=where)


def _indices(slices: dict[str, Any], length: int) -> list[int]:
    """The slice indices this pod handles (a group of them with ``group_size``)."""
    position = int(os.environ["DFLOW_SLICE"])
    order = list(range(length))
    if slices.get("shuffle"):
        random.Random(slices.get("seed", 0)).shuffle(order)
    size = slices.get("group_size")
    if size:  # the item is the group's index, as in the debug engine
        return order[position * size : (position + 1) * size]
    return [order[position]] if slices.get("shuffle") else [position]


def _read_inputs(op: Any, tmp: str, slices: dict[str, Any] | None) -> list[tuple[int | None, dict[str, Any]]]:
    """``(slice index, inputs)`` for each run of the OP in this pod."""
    from dflow_jupyter.status.wire import coerce_parameter
    from dflow_jupyter.storage import LocalArtifact, LocalStore

    sliced = slices or {}
    base: dict[str, Any] = {}
    op_name = type(op).__name__
    for name, sign in op.get_input_sign().items():
        if not _is_artifact(sign) and ENV_INPUT + name in os.environ:
            base[name] = _parameter(name, sign, name in sliced.get("parameters", ()), op_name)
    if slices is None:
        runs: list[tuple[int | None, dict[str, Any]]] = [(None, dict(base))]
    else:
        first = next((base[n] for n in sliced.get("parameters", ()) if n in base), None)
        runs = [(i, dict(base)) for i in _indices(slices, len(first) if isinstance(first, list) else 0)]
    store = LocalStore(Path(tmp))
    for index, values in runs:
        for name in sliced.get("parameters", ()):
            kind = _kind(op.get_input_sign()[name])
            element = values[name][index]
            where = f"OP {op_name}: slice {index} of input parameter {name!r}"
            values[name] = element if kind is None else coerce_parameter(element, kind, where=where)
        for name, sign in op.get_input_sign().items():
            root = os.path.join(tmp, "inputs", "artifacts", name)
            if not _is_artifact(sign) or not os.path.exists(root):
                continue
            art: Any = LocalArtifact(root)
            if index is not None and name in sliced.get("artifacts", ()):
                art = art[index]
            dest = Path(tmp, "dflow", "inputs", f"{name}-{index}" if index is not None else name)
            values[name] = store.stage_input(art, dest=dest, sign_type=sign, name=name)[0]
    return runs


def _stack_into(saved: str, final: str, index: int, create_dir: bool) -> None:
    """Move one slice's saved artifact into the pod's output, catalog orders set to the slice."""
    from dflow_jupyter.storage.catalog import catalog_dir_name, read_catalog, write_catalog

    items = read_catalog(saved).items
    prefix = f"{index}/" if create_dir else ""
    target = os.path.join(final, prefix)
    os.makedirs(target, exist_ok=True)
    for entry in os.listdir(saved):
        if entry != catalog_dir_name():
            shutil.move(os.path.join(saved, entry), os.path.join(target, entry))
    stacked = [
        {
            "dflow_list_item": None if i["dflow_list_item"] is None else prefix + i["dflow_list_item"],
            "order": index,
        }
        for i in items
    ]
    write_catalog(final, stacked)


def _write_outputs(
    op: Any, tmp: str, results: list[tuple[int | None, dict[str, Any]]], slices: dict[str, Any] | None
) -> None:
    from dflow_jupyter.status.wire import to_argo_string
    from dflow_jupyter.storage import LocalStore

    store = LocalStore(Path(tmp))
    grouped = bool(slices and slices.get("group_size"))
    params: dict[str, list[Any]] = {}
    for index, outputs in results:
        for name, sign in op.get_output_sign().items():
            if name not in outputs:
                continue
            value = outputs[name]
            final = os.path.join(tmp, "outputs", "artifacts", name)
            if not _is_artifact(sign):
                params.setdefault(name, []).append({"dflow_list_item": value, "order": index})
            elif value is not None and index is None:
                store.save_output(value, workdir=Path.cwd(), dest=Path(final), sign_type=sign.type)
            elif value is not None and index is not None:
                saved = os.path.join(tmp, "dflow", "outputs", f"{name}-{index}-{uuid.uuid4().hex[:8]}")
                store.save_output(value, workdir=Path.cwd(), dest=Path(saved), sign_type=sign.type)
                _stack_into(saved, final, index, bool(slices and slices.get("create_dir")))
    os.makedirs(os.path.join(tmp, "outputs", "parameters"), exist_ok=True)
    for name, entries in params.items():
        text = json.dumps(entries) if grouped else to_argo_string(entries[-1]["dflow_list_item"])
        with open(os.path.join(tmp, "outputs", "parameters", name), "w", encoding="utf-8") as f:
            f.write(text)


def _progress(current: int, total: int) -> None:
    path = os.environ.get("ARGO_PROGRESS_FILE")
    if path:
        with open(path, "w", encoding="utf-8") as f:
            f.write(f"{current}/{total}")


def run(spec: dict[str, Any], source: str | None = None, pickled: str | None = None) -> None:
    """Run the OP ``spec`` describes on this pod's inputs; exits the process on failure."""
    from dflow_jupyter.python import OPIO, FatalError, TransientError

    op = load_op(spec, source, pickled)
    tmp, slices = spec.get("tmp_root", "/tmp"), spec.get("slices")
    op.key = os.environ.get("DFLOW_KEY") or None
    op.workflow_name = os.environ.get("DFLOW_WORKFLOW_NAME")
    object.__setattr__(op, "_progress_hook", _progress)
    results: list[tuple[int | None, dict[str, Any]]] = []
    code = 0
    for index, inputs in _read_inputs(op, tmp, slices):
        try:
            results.append((index, dict(op.execute(OPIO(inputs)))))
        except Exception as exc:
            traceback.print_exc()
            results.append((index, dict(getattr(op, "_early_outputs", {}))))
            code = 2 if isinstance(exc, FatalError) else 1
            code = 1 if isinstance(exc, TransientError) else code
            break
    _write_outputs(op, tmp, results, slices)
    if code == 0 and spec.get("success_tag"):
        Path(tmp, "outputs", "success_tag").write_text("1", encoding="utf-8")
    if code:
        sys.exit(code)
