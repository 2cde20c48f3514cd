"""Run-time state of one expression evaluation, and the Argo-provided functions of its env."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from dflow_jupyter.expr.exprlang.builtins import to_float, to_int
from dflow_jupyter.expr.golang import GoPanic, go_json_dumps, go_type
from dflow_jupyter.expr.jsonpath import jsonpath
from dflow_jupyter.expr.sprig import SPRIG

_UNSET = object()


class Ctx:
    """The scope being read plus the ``let`` variables and the current predicate element."""

    __slots__ = ("acc", "elem", "index", "scope", "vars")

    def __init__(self, scope: Mapping[str, Any]) -> None:
        self.scope = scope
        self.vars: dict[str, Any] = {}
        self.elem: Any = _UNSET
        self.index: int = 0
        self.acc: Any = None


Fn = Callable[[Ctx], Any]


def _one_arg(name: str, fn: Callable[[Any], Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        if len(args) != 1:
            raise GoPanic(f"invalid number of arguments: expected 1, got {len(args)}")
        return fn(args[0])

    call.__name__ = name
    return call


def _jsonpath(*args: Any) -> Any:
    if len(args) != 2:
        raise GoPanic(f"invalid number of arguments: expected 2, got {len(args)}")
    return jsonpath(args[0], args[1])


def _to_json(value: Any) -> str:
    try:
        return go_json_dumps(value)
    except Exception as exc:  # Argo panics on values json.Marshal cannot encode
        raise GoPanic(f"toJson: cannot encode {go_type(value)}: {exc}") from None


#: Names Argo adds to every expression env (``util/expr/env``); they shadow scope keys.
ARGO_FUNCTIONS: dict[str, Any] = {
    "asInt": _one_arg("asInt", to_int),
    "asFloat": _one_arg("asFloat", to_float),
    "jsonpath": _jsonpath,
    "toJson": _one_arg("toJson", _to_json),
    "sprig": SPRIG,
}
