"""Fan-outs: ``withParam``/``withSequence``, and how ``Slices`` map items to slice indices.

Follows the debug engine (``engine/fanout.py``): a step fans out over ``with_param``,
``with_sequence``, or, for ``Slices(sub_path=True)`` alone, over the length of its sliced inputs;
each item gets the slice index its ``Slices.slices`` pattern gives (``{{item}}`` by default), as
the template's ``dflow_slice`` input. With ``group_size`` an item is a group of slices: the items
are the group indices 0, 1, 2... (as in the debug engine and dflow, so a key ``"g-{{item}}"``
names the same group on both backends and a step reused from either matches), and the pod
takes the slices ``index * size`` up to ``(index + 1) * size``.
"""

from __future__ import annotations

import json
from typing import Any

from dflow_jupyter.argo.compile.errors import CompileError
from dflow_jupyter.argo.compile.values import parameter_value
from dflow_jupyter.model.argo_funcs import ArgoRange
from dflow_jupyter.model.declarations import _IOBase
from dflow_jupyter.model.expressions import ArgoVar

__all__ = ["fan_out", "fans_out", "literal_items", "merged_arguments"]


def literal_items(items: list[Any]) -> str:
    """A literal item list as ``withParam`` JSON (compact: a 10,000-item list stays small)."""
    return json.dumps(items, separators=(",", ":"))


def fans_out(step: Any) -> bool:
    """Whether ``step`` is a fan-out (so its ``Slices``, if any, apply)."""
    sub_path = step.slices is not None and step.slices.sub_path
    return step.with_param is not None or step.with_sequence is not None or bool(sub_path)


def _length_expr(value: Any) -> str | int | None:
    """The length of a sliced input: an int for a literal list, an expression for a reference."""
    if isinstance(value, (list, tuple)):
        return len(value)
    if isinstance(value, ArgoVar):
        return f"len(sprig.fromJson({value.expr}))"
    path_list = getattr(value, "path_list", None)
    if isinstance(path_list, list) and path_list:
        return len(path_list)
    return None


def _sliced_length(step: Any) -> str | int:
    slices = step.slices
    for name in slices.input_parameter:
        found = _length_expr(step.parameters.get(name))
        if found is not None:
            return found
    for name in slices.input_artifact:
        found = _length_expr(step.artifacts.get(name))
        if found is not None:
            return found
    raise CompileError(
        f"{step.kind} {step.name!r}: Slices(sub_path=True) without with_param needs the length of "
        "its sliced inputs when compiling (a literal list, a list parameter reference or an "
        "uploaded artifact with its path list); pass with_param=argo_range(n)"
    )


def _items(step: Any) -> dict[str, Any]:
    if step.with_param is not None:
        value = step.with_param
        return {"withParam": literal_items(value) if isinstance(value, list) else parameter_value(value)}
    if step.with_sequence is not None:
        return {"withSequence": step.with_sequence.to_argo()}
    # Slices(sub_path=True) alone: one item {"order": i} per element of the sliced inputs.
    length = _sliced_length(step)
    if isinstance(length, int):
        return {"withParam": literal_items([{"order": i} for i in range(length)])}
    return {"withParam": "{{=toJson(map(sprig.untilStep(0, %s, 1), { {'order': #} }))}}" % length}


def _groups(length: str, size: int) -> str:
    """The group indices of ``length`` slices in groups of ``size`` (the last may be short)."""
    return "{{=toJson(sprig.untilStep(0, int((%s + %d) / %d), 1))}}" % (length, size - 1, size)


def _group_indices(step: Any, size: int) -> dict[str, Any]:
    """The items of a grouped fan-out: one index per group of ``size`` slices."""
    value = step.with_param
    if isinstance(value, list):
        return {"withParam": literal_items(list(range(-(-len(value) // size))))}
    if isinstance(value, ArgoRange) and value.start == 0 and value.step == 1:
        end = value.end.expr if isinstance(value.end, ArgoVar) else str(value.end)
        if isinstance(value.end, _IOBase):
            end = f"sprig.atoi({end})"
        if isinstance(value.end, int):
            return {"withParam": literal_items(list(range(-(-value.end // size))))}
        return {"withParam": _groups(end, size)}
    if value is None and step.with_sequence is None:
        length = _sliced_length(step)
        if isinstance(length, int):
            return {"withParam": literal_items(list(range(-(-length // size))))}
        return {"withParam": _groups(length, size)}
    raise CompileError(
        f"{step.kind} {step.name!r}: Slices(group_size=...) compiles for with_param given as a "
        "literal list or argo_range(n), or for Slices(sub_path=True) alone"
    )


def fan_out(step: Any, slices: Any) -> tuple[dict[str, Any], str | None]:
    """The step's loop fields, and the ``dflow_slice`` value each item passes (None unsliced)."""
    if not fans_out(step):
        return {}, None
    if slices is None:
        return _items(step), None
    if slices.group_size:
        if not slices.input_parameter:
            raise CompileError(
                f"{step.kind} {step.name!r}: Slices(group_size=...) on Argo needs a sliced input "
                "parameter (the pod counts the slices from it)"
            )
        return _group_indices(step, slices.group_size), "{{item}}"
    if slices.shuffle and not slices.input_parameter:
        raise CompileError(
            f"{step.kind} {step.name!r}: Slices(shuffle=True) on Argo needs a sliced input parameter"
        )
    # With shuffle the pod maps the item's position through the seeded permutation itself.
    return _items(step), "{{item}}" if slices.shuffle else slices.slices


def merged_arguments(loop: dict[str, Any]) -> list[dict[str, Any]]:
    """The loop of a merged fan-out (``merge_sliced_step``) as arguments of its one pod, as dflow
    passes them: ``dflow_with_param``, or the fields of ``withSequence`` as ``dflow_sequence_*``."""
    if "withParam" in loop:
        return [{"name": "dflow_with_param", "value": loop["withParam"]}]
    return [
        {"name": f"dflow_sequence_{field}", "value": parameter_value(value)}
        for field, value in loop["withSequence"].items()
    ]
