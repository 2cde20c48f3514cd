"""Fan-outs: the item list of ``with_param``/``with_sequence``/``Slices``, and each item's slices."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from dflow_jupyter.engine.frame import Frame
from dflow_jupyter.errors import StepRuntimeError
from dflow_jupyter.model.argo_funcs import ArgoSequence
from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.expressions import ArgoVar


@dataclass
class Item:
    """One child of a fan-out: its index, the ``{{item}}`` value and the slices it handles."""

    index: int
    value: Any
    slices: list[int] | None = None

    @property
    def label(self) -> str:
        """Argo's node-name suffix ``(index:value)``."""
        value = self.value
        if isinstance(value, dict):
            text = ",".join(f"{k}:{_scalar(v)}" for k, v in value.items())
        else:
            text = _scalar(value)
        return f"({self.index}:{text})"


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def _as_list(value: Any, step: Any, what: str) -> list[Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise StepRuntimeError(
                f"{step.kind} {step.name!r}: {what} must be a list, got the string {value[:80]!r}, "
                "which is not a JSON list"
            ) from None
    if isinstance(value, tuple):
        value = list(value)
    if not isinstance(value, list):
        raise StepRuntimeError(
            f"{step.kind} {step.name!r}: {what} must be a list, got {type(value).__name__} ({value!r})"
        )
    return value


def _sequence(frame: Frame, step: Any, seq: ArgoSequence) -> list[str]:
    def number(value: Any, name: str) -> int | None:
        if value is None:
            return None
        if isinstance(value, (ArgoVar, str)):
            value = frame.resolve_parameter(value, where=f"{step.kind} {step.name!r} with_sequence {name}")
        try:
            return int(value)
        except (TypeError, ValueError):
            raise StepRuntimeError(
                f"{step.kind} {step.name!r}: with_sequence {name} must be an integer, got {value!r}"
            ) from None

    count, start, end = (
        number(seq.count, "count"),
        number(seq.start, "start"),
        number(seq.end, "end"),
    )
    first = start or 0
    if count is not None:
        numbers = list(range(first, first + count))
    elif end is not None:
        numbers = list(range(first, end + 1)) if end >= first else list(range(first, end - 1, -1))
    else:
        numbers = []
    fmt = seq.format or "%d"
    return [fmt % n for n in numbers]


def sliced_length(frame: Frame, step: Any) -> int:
    """For ``Slices(sub_path=True)`` without ``with_param``: the common length of sliced inputs."""
    slices = step.slices
    lengths: dict[str, int] = {}
    for name in slices.input_parameter:
        value = frame.resolve_parameter(step.parameters.get(name), where=f"{step.kind} {step.name!r}")
        lengths[name] = len(_as_list(value, step, f"sliced input parameter {name!r}"))
    for name in slices.input_artifact:
        art = frame.resolve_artifact(step.artifacts.get(name), where=f"{step.kind} {step.name!r}")
        lengths[name] = artifact_length(art)
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise StepRuntimeError(
            f"{step.kind} {step.name!r}: Slices over inputs of unequal length ({detail}); "
            "every sliced input needs one element per slice"
        )
    return next(iter(lengths.values()), 0)


def artifact_length(art: Any) -> int:
    if art is None:
        return 0
    if isinstance(art, list):
        return len(art)
    path_list = getattr(art, "path_list", None)
    if isinstance(path_list, list):
        return len(path_list)
    return len(art.path_object()) if hasattr(art, "path_object") else 1


def expand(frame: Frame, step: Any) -> list[Item] | None:
    """The fan-out of ``step`` in this frame, or None if it is a single step."""
    slices = step.slices
    values: list[Any] | None = None
    if step.with_param is not None:
        raw = step.with_param
        if isinstance(raw, (list, tuple)):
            values = list(raw)
        else:
            where = f"{step.kind} {step.name!r} with_param"
            if isinstance(raw, ArgoVar) and not isinstance(raw, _IOBase):
                from dflow_jupyter.expr import evaluate_expression

                resolved = evaluate_expression(raw.expr, frame.scope())
            else:
                resolved = frame.resolve_parameter(raw, where=where)
            values = _as_list(resolved, step, "the with_param item list")
    elif step.with_sequence is not None:
        values = list(_sequence(frame, step, step.with_sequence))
    elif slices is not None and slices.sub_path:
        values = [{"order": i} for i in range(sliced_length(frame, step))]
    if values is None:
        return None
    if slices is None:
        return [Item(i, v) for i, v in enumerate(values)]
    indices = [_slice_index(frame, step, v) for v in values]
    if slices.shuffle:
        random.Random(slices.random_seed).shuffle(indices)
    if getattr(step.executor, "merge_sliced_step", False):
        # DispatcherExecutor(merge_sliced_step=True): one job runs every slice (one group).
        return [Item(0, 0, indices)] if indices else []
    if slices.group_size:
        size = slices.group_size
        groups = [indices[i : i + size] for i in range(0, len(indices), size)]
        return [Item(g, g, group) for g, group in enumerate(groups)]
    return [Item(i, v, [idx]) for i, (v, idx) in enumerate(zip(values, indices, strict=True))]


def _slice_index(frame: Frame, step: Any, item: Any) -> int:
    from dflow_jupyter.expr import render_value

    index = render_value(step.slices.slices, {"item": item})
    try:
        return int(index)
    except (TypeError, ValueError):
        raise StepRuntimeError(
            f"{step.kind} {step.name!r}: the slice pattern {step.slices.slices!r} gave {index!r} "
            "for an item; it must give an integer index"
        ) from None


def check_sliced_inputs(step: Any, params: dict[str, Any], arts: dict[str, Any]) -> None:
    slices = step.slices
    if slices is None:
        return
    lengths = {}
    for name in slices.input_parameter:
        lengths[name] = len(_as_list(params.get(name), step, f"sliced input parameter {name!r}"))
    for name in slices.input_artifact:
        lengths[name] = artifact_length(arts.get(name))
    if len(set(lengths.values())) > 1:
        detail = ", ".join(f"{k} has {v}" for k, v in lengths.items())
        raise StepRuntimeError(
            f"{step.kind} {step.name!r}: Slices over inputs of unequal length ({detail}); "
            "every sliced input needs one element per slice"
        )


def slice_runs(step: Any, item: Item, params: dict[str, Any], arts: dict[str, Any]) -> list[dict[str, Any]]:
    """Per-slice input overrides for one fan-out child."""
    slices = step.slices
    runs = []
    for index in item.slices or []:
        override: dict[str, Any] = {"parameters": {}, "artifacts": {}}
        for name in slices.input_parameter:
            values = _as_list(params.get(name), step, f"sliced input parameter {name!r}")
            if index >= len(values):
                raise StepRuntimeError(
                    f"{step.kind} {step.name!r}: slice {index} is out of range for input parameter "
                    f"{name!r} of length {len(values)}"
                )
            override["parameters"][name] = values[index]
        for name in slices.input_artifact:
            art = arts.get(name)
            override["artifacts"][name] = art[index] if art is not None else None
        runs.append(override)
    return runs
