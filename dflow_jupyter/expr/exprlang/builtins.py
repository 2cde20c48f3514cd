"""expr-lang's built-in functions (``len``, ``int``, ``string``, ``split``...), minus predicates.

The closure-taking built-ins (``map``, ``filter``, ``all``...) are in
:mod:`~dflow_jupyter.expr.exprlang.predicates`, as they bind the ``#`` pointer.  Dates
(``now``, ``date``, ``duration``, ``timezone``) are not supported.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable, Mapping
from typing import Any

from dflow_jupyter.expr.exprlang.ops import equal, fetch, less, to_index
from dflow_jupyter.expr.golang import (
    GoPanic,
    bounded_repeat,
    go_atoi,
    go_json_loads,
    go_parse_float,
    go_sprint,
    go_type,
    is_number,
    json_indent,
)

Builtin = Callable[[list[Any]], Any]
UNSUPPORTED = frozenset({"now", "duration", "date", "timezone"})


def _arity(name: str, args: list[Any], low: int, high: int | None = None) -> None:
    high = low if high is None else high
    if not low <= len(args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise GoPanic(f"invalid number of arguments for {name} (expected {expected}, got {len(args)})")


def _str(name: str, value: Any) -> str:
    if type(value) is not str:
        raise GoPanic(f"invalid argument for {name} (type {go_type(value)}, a string is required)")
    return value


def _array(name: str, value: Any) -> list[Any]:
    if not isinstance(value, (list, tuple)):
        raise GoPanic(f"invalid argument for {name} (type {go_type(value)}, an array is required)")
    return list(value)


def to_int(value: Any) -> int:
    """expr's ``int()`` (Argo's ``asInt``): truncates numbers, parses decimal strings."""
    if type(value) is int:
        return value
    if is_number(value):
        if math.isnan(value) or math.isinf(value):
            raise GoPanic(f"invalid operation: int({go_sprint(value)})")
        return int(value)
    if type(value) is str:
        number = go_atoi(value)
        if number is None:
            raise GoPanic(f"invalid operation: int({value})")
        return number
    raise GoPanic(f"invalid operation: int({go_type(value)})")


def to_float(value: Any) -> float:
    """expr's ``float()`` (Argo's ``asFloat``): numbers and Go-parsable strings."""
    if is_number(value):
        return float(value)
    if type(value) is str:
        number = go_parse_float(value)
        if number is None:
            raise GoPanic(f"invalid operation: float({value})")
        return number
    raise GoPanic(f"invalid operation: float({go_type(value)})")


def _len(args: list[Any]) -> int:
    _arity("len", args, 1)
    value = args[0]
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value)
    raise GoPanic(f"invalid argument for len (type {go_type(value)})")


def _type(args: list[Any]) -> str:
    _arity("type", args, 1)
    value = args[0]
    for check, name in (
        (lambda v: v is None, "nil"),
        (lambda v: isinstance(v, bool), "bool"),
        (lambda v: type(v) is int, "int"),
        (lambda v: type(v) is float, "float"),
        (lambda v: type(v) is str, "string"),
        (lambda v: isinstance(v, (list, tuple)), "array"),
        (lambda v: isinstance(v, Mapping), "map"),
        (callable, "func"),
    ):
        if check(value):
            return name
    return "unknown"


def _number_fn(name: str, fn: Callable[[float], float]) -> Builtin:
    def run(args: list[Any]) -> Any:
        _arity(name, args, 1)
        if not is_number(args[0]):
            raise GoPanic(f"invalid argument for {name} (type {go_type(args[0])})")
        return fn(args[0])

    return run


def _round(x: float) -> float:
    return math.copysign(math.floor(abs(x) + 0.5), x) if math.isfinite(x) else x


def _split(after: bool) -> Builtin:
    def run(args: list[Any]) -> list[str]:
        name = "splitAfter" if after else "split"
        _arity(name, args, 2, 3)
        text, sep = _str(name, args[0]), _str(name, args[1])
        limit = -1 if len(args) == 2 else to_index(args[2])
        if limit == 0:
            return []
        if sep == "":
            parts = list(text) if limit < 0 else [*text[: limit - 1], text[limit - 1 :]]
            return [p for p in parts if p] if text else []
        parts = text.split(sep) if limit < 0 else text.split(sep, limit - 1)
        if after:
            parts = [p + sep for p in parts[:-1]] + parts[-1:]
        return parts

    return run


def _join(args: list[Any]) -> str:
    _arity("join", args, 1, 2)
    glue = _str("join", args[1]) if len(args) == 2 else ""
    return glue.join(_str("join", item) for item in _array("join", args[0]))


def _flat_numbers(name: str, args: list[Any]) -> list[Any]:
    out: list[Any] = []
    for arg in args:
        if is_number(arg):
            out.append(arg)
        elif isinstance(arg, (list, tuple)):
            out.extend(_flat_numbers(name, list(arg)))
        else:
            raise GoPanic(f"invalid argument for {name} (type {go_type(arg)})")
    return out


def _min_max(name: str) -> Builtin:
    def run(args: list[Any]) -> Any:
        if len(args) == 1 and not isinstance(args[0], (list, tuple)) and not is_number(args[0]):
            return args[0]
        numbers = _flat_numbers(name, args)
        if not numbers:
            return None
        best = numbers[0]
        for n in numbers[1:]:
            if less(n, best) if name == "min" else less(best, n):
                best = n
        return best

    return run


def _mean(args: list[Any]) -> float:
    numbers = _flat_numbers("mean", args)
    return float(sum(numbers)) / len(numbers) if numbers else 0.0


def _median(args: list[Any]) -> float:
    numbers = sorted(float(n) for n in _flat_numbers("median", args))
    if not numbers:
        return 0.0
    mid = len(numbers) // 2
    return numbers[mid] if len(numbers) % 2 else (numbers[mid - 1] + numbers[mid]) / 2


def _from_json(args: list[Any]) -> Any:
    _arity("fromJSON", args, 1)
    try:
        return go_json_loads(_str("fromJSON", args[0]))
    except ValueError as exc:
        raise GoPanic(f"fromJSON: invalid JSON: {exc}") from None


def _from_base64(args: list[Any]) -> str:
    _arity("fromBase64", args, 1)
    try:
        return base64.b64decode(_str("fromBase64", args[0]), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError) as exc:
        raise GoPanic(f"fromBase64: {exc}") from None


def _get(args: list[Any]) -> Any:
    _arity("get", args, 2)
    try:
        return fetch(args[0], args[1]) if args[0] is not None else None
    except GoPanic:
        return None


def _uniq(args: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in _array("uniq", args[0]):
        if not any(equal(item, seen) for seen in out):
            out.append(item)
    return out


def _flatten(value: list[Any]) -> list[Any]:
    out: list[Any] = []
    for item in value:
        out.extend(_flatten(list(item)) if isinstance(item, (list, tuple)) else [item])
    return out


def _sort(args: list[Any]) -> list[Any]:
    _arity("sort", args, 1, 2)
    order = _str("sort", args[1]) if len(args) == 2 else "asc"
    if order not in ("asc", "desc"):
        raise GoPanic(f'unknown order {order}, use "asc" or "desc"')
    items = _array("sort", args[0])
    if items and not (all(is_number(i) for i in items) or all(type(i) is str for i in items)):
        raise GoPanic("sort: the array must hold only numbers or only strings")
    return sorted(items, reverse=order == "desc")


def _ints(name: str, args: list[Any], count: int) -> list[int]:
    _arity(name, args, count)
    if any(type(a) is not int for a in args):
        raise GoPanic(f"invalid argument for {name} (integers are required)")
    return list(args)


_BIT_OPS: dict[str, Callable[[int, int], int]] = {
    "bitand": lambda x, y: x & y,
    "bitor": lambda x, y: x | y,
    "bitxor": lambda x, y: x ^ y,
    "bitnand": lambda x, y: x & ~y,
    "bitshl": lambda x, y: x << y,
    "bitshr": lambda x, y: x >> y,
    "bitushr": lambda x, y: (x % 2**64) >> y,
    "bitnot": lambda x, _: ~x,
}


def _bit(name: str) -> Builtin:
    def run(args: list[Any]) -> int:
        values = _ints(name, args, 1 if name == "bitnot" else 2)
        return _BIT_OPS[name](values[0], values[-1])

    return run


def _one(name: str, fn: Callable[[Any], Any]) -> Builtin:
    def run(args: list[Any]) -> Any:
        _arity(name, args, 1)
        return fn(args[0])

    return run


BUILTINS: dict[str, Builtin] = {
    "len": _len,
    "type": _type,
    "abs": _number_fn("abs", abs),
    "ceil": _number_fn("ceil", lambda x: float(math.ceil(x))),
    "floor": _number_fn("floor", lambda x: float(math.floor(x))),
    "round": _number_fn("round", lambda x: _round(float(x))),
    "int": _one("int", to_int),
    "float": _one("float", to_float),
    "string": _one("string", go_sprint),
    "trim": lambda a: _str("trim", a[0]).strip(*(_str("trim", c) for c in a[1:2])),
    "trimPrefix": lambda a: _str("trimPrefix", a[0]).removeprefix(a[1] if len(a) > 1 else " "),
    "trimSuffix": lambda a: _str("trimSuffix", a[0]).removesuffix(a[1] if len(a) > 1 else " "),
    "upper": _one("upper", lambda v: _str("upper", v).upper()),
    "lower": _one("lower", lambda v: _str("lower", v).lower()),
    "split": _split(after=False),
    "splitAfter": _split(after=True),
    "replace": lambda a: _str("replace", a[0]).replace(
        _str("replace", a[1]), _str("replace", a[2]), to_index(a[3]) if len(a) > 3 else -1
    ),
    "repeat": lambda a: bounded_repeat(_str("repeat", a[0]), to_index(a[1])),
    "join": _join,
    "indexOf": lambda a: _str("indexOf", a[0]).encode().find(_str("indexOf", a[1]).encode()),
    "lastIndexOf": lambda a: _str("lastIndexOf", a[0]).encode().rfind(a[1].encode()),
    "hasPrefix": lambda a: _str("hasPrefix", a[0]).startswith(_str("hasPrefix", a[1])),
    "hasSuffix": lambda a: _str("hasSuffix", a[0]).endswith(_str("hasSuffix", a[1])),
    "max": _min_max("max"),
    "min": _min_max("min"),
    "mean": _mean,
    "median": _median,
    "toJSON": _one("toJSON", json_indent),
    "fromJSON": _from_json,
    "toBase64": _one("toBase64", lambda v: base64.b64encode(_str("toBase64", v).encode()).decode()),
    "fromBase64": _from_base64,
    "first": _one("first", lambda v: _array("first", v)[0] if v else None),
    "last": _one("last", lambda v: _array("last", v)[-1] if v else None),
    "get": _get,
    "take": lambda a: _array("take", a[0])[: max(to_index(a[1]), 0)],
    "keys": _one("keys", lambda v: list(v) if isinstance(v, Mapping) else _array("keys", v)),
    "values": _one("values", lambda v: list(v.values()) if isinstance(v, Mapping) else []),
    "toPairs": _one("toPairs", lambda v: [[k, x] for k, x in dict(v).items()]),
    "fromPairs": _one("fromPairs", lambda v: {p[0]: p[1] for p in _array("fromPairs", v)}),
    "reverse": _one("reverse", lambda v: _array("reverse", v)[::-1]),
    "uniq": _uniq,
    "concat": lambda a: [x for arr in a for x in _array("concat", arr)],
    "flatten": _one("flatten", lambda v: _flatten(_array("flatten", v))),
    "sort": _sort,
    **{name: _bit(name) for name in _BIT_OPS},
}

_ONE = "len type abs ceil floor round int float string upper lower toJSON fromJSON toBase64 "
_ONE += "fromBase64 first last keys values toPairs fromPairs reverse uniq flatten bitnot"
_TWO = "repeat indexOf lastIndexOf hasPrefix hasSuffix get take bitand bitor bitxor bitnand "
_TWO += "bitshl bitshr bitushr"
#: Argument counts expr's checker enforces: (least, most); ``None`` means no upper bound.
ARITY: dict[str, tuple[int, int | None]] = {
    **{name: (1, 1) for name in _ONE.split()},
    **{name: (2, 2) for name in _TWO.split()},
    **{name: (1, 2) for name in ("trim", "trimPrefix", "trimSuffix", "join", "sort")},
    **{name: (2, 3) for name in ("split", "splitAfter")},
    "replace": (3, 4),
    **{name: (1, None) for name in ("max", "min", "mean", "median", "concat")},
}
