"""Argo helpers for fan-outs: ``argo_range``, ``argo_sequence``, ``argo_len``, ``argo_enumerate``."""

from __future__ import annotations

import json
from typing import Any

from dflow_jupyter.errors import DefinitionTypeError, WorkflowDefinitionError
from dflow_jupyter.model.declarations import InputParameter, OutputParameter
from dflow_jupyter.model.expressions import ArgoVar, to_expr


def _operand(value: Any, *, as_int: bool) -> str:
    if isinstance(value, (InputParameter, OutputParameter)):
        return f"sprig.atoi({value.expr})" if as_int else value.expr
    if isinstance(value, ArgoVar):
        return value.expr
    if isinstance(value, bool) or not isinstance(value, int):
        raise DefinitionTypeError(
            f"argo_range: expected ints or parameters, got {type(value).__name__} ({value!r})"
        )
    return str(value)


class ArgoRange(ArgoVar):
    """``range(start, end, step)`` as an Argo expression yielding a JSON list."""

    def __init__(self, end: Any, start: Any = 0, step: Any = 1) -> None:
        self.end, self.start, self.step = end, start, step
        super().__init__(
            "toJson(sprig.untilStep(%s, %s, %s))"
            % (
                _operand(start, as_int=True),
                _operand(end, as_int=True),
                _operand(step, as_int=True),
            ),
            is_str=False,
        )


def argo_range(*args: Any) -> ArgoVar:
    """Like Python's ``range`` (1-3 arguments, each an int or a parameter), for ``with_param``."""
    if len(args) == 1:
        return ArgoRange(args[0])
    if len(args) == 2:
        return ArgoRange(args[1], args[0])
    if len(args) == 3:
        return ArgoRange(args[1], args[0], args[2])
    raise DefinitionTypeError(f"argo_range expected 1-3 arguments, got {len(args)}")


class ArgoSequence:
    """Argo's ``withSequence``: ``count`` or ``end``, ``start`` and a printf ``format``."""

    def __init__(
        self, count: Any = None, start: Any = None, end: Any = None, format: str | None = None
    ) -> None:
        if count is not None and end is not None:
            raise WorkflowDefinitionError("argo_sequence: give either count or end, not both")
        self.count, self.start, self.end, self.format = count, start, end, format

    def to_argo(self) -> dict[str, Any]:
        def render(value: Any) -> Any:
            return "{{=%s}}" % value.expr if isinstance(value, ArgoVar) else value

        spec = {
            "count": render(self.count),
            "start": render(self.start),
            "end": render(self.end),
            "format": self.format,
        }
        return {k: v for k, v in spec.items() if v is not None}

    def __repr__(self) -> str:
        return f"argo_sequence({self.to_argo()})"


def argo_sequence(
    count: Any = None, start: Any = None, end: Any = None, format: str | None = None
) -> ArgoSequence:
    """A numeric sequence for ``with_sequence``; each argument may be a parameter."""
    return ArgoSequence(count=count, start=start, end=end, format=format)


class ArgoLen(ArgoVar):
    """The length of a list parameter (or of a literal list)."""

    def __init__(self, param: Any) -> None:
        self.param = param
        if isinstance(param, (list, tuple)):
            super().__init__(str(len(param)), is_str=False)
        elif isinstance(param, ArgoVar):
            super().__init__(f"len(sprig.fromJson({param.expr}))", is_str=False)
        elif hasattr(param, "path_list"):
            super().__init__(str(len(param.path_list or [])), is_str=False)
        else:
            raise DefinitionTypeError(f"argo_len expects a list parameter, got {param!r}")


def argo_len(param: Any) -> ArgoVar:
    """The length of a list parameter, for ``argo_sequence(argo_len(...))``."""
    return ArgoLen(param)


class ArgoEnumerate(ArgoVar):
    """``[{"order": i, "<name>": list[i], ...}]`` over parallel lists."""

    def __init__(self, **kwargs: Any) -> None:
        if not kwargs:
            raise DefinitionTypeError("argo_enumerate needs at least one list")
        self.kwargs = kwargs
        first = next(iter(kwargs.values()))
        length = f"len(sprig.fromJson({first.expr}))" if isinstance(first, ArgoVar) else str(len(first))
        values = "".join(
            ", '%s': jsonpath(%s, '$')[#]" % (k, v.expr if isinstance(v, ArgoVar) else to_expr(json.dumps(v)))
            for k, v in kwargs.items()
        )
        super().__init__(
            "toJson(map(sprig.untilStep(0, %s, 1), { {'order': #%s} }))" % (length, values),
            is_str=False,
        )


def argo_enumerate(*args: Any, **kwargs: Any) -> ArgoVar:
    """Enumerate one list (``value``) or several (``value0``, ``value1``...) or named lists."""
    if len(args) == 1:
        kwargs["value"] = args[0]
    else:
        for i, arg in enumerate(args):
            kwargs[f"value{i}"] = arg
    return ArgoEnumerate(**kwargs)


def _list_expr(param: Any, what: str) -> str:
    if not isinstance(param, ArgoVar):
        raise DefinitionTypeError(
            f"{what} expects a list parameter (e.g. step.outputs.parameters['x']), got {param!r}"
        )
    return f"sprig.fromJson({param.expr})"


def argo_sum(param: Any) -> ArgoVar:
    """The sum of a list parameter (a number), e.g. of a fan-out's stacked outputs.

    A fan-out aggregates scalar outputs as a list of strings (Argo's ``aggregatedJSONValueList``),
    so each element goes through ``asFloat`` first, as it must on Argo.
    """
    return ArgoVar(f"sum(map({_list_expr(param, 'argo_sum')}, {{asFloat(#)}}))", is_str=False)


def argo_concat(param: Any) -> ArgoVar:
    """A list parameter of lists, concatenated into one JSON list."""
    return ArgoVar(f"toJson(flatten({_list_expr(param, 'argo_concat')}))", is_str=False)
