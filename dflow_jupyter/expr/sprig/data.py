"""sprig's numeric, conversion, default, JSON, list and dict functions (``sprig.untilStep``...)."""

from __future__ import annotations

import copy
import math
from typing import Any

from dflow_jupyter.expr.golang import (
    GoPanic,
    bounded_count,
    deep_equal,
    go_atoi,
    go_json_dumps,
    go_json_loads,
    go_kind,
    go_sprint,
    go_type,
    json_indent,
)
from dflow_jupyter.expr.sprig.core import (
    ANY,
    BOOL,
    INT,
    STR,
    GoFunc,
    as_dict,
    as_list,
    cast_float,
    cast_int,
    empty,
    go_func,
    strslice,
    strval,
)


def _until_step(start: int, stop: int, step: int) -> list[int]:
    if (stop < start and step >= 0) or (stop >= start and step <= 0):
        return []
    span = range(start, stop, step)
    bounded_count(len(span), f"untilStep({start}, {stop}, {step})")
    return list(span)


def _seq(*params: int) -> str:
    if len(params) == 1:
        start, end, step = 1, params[0], 1 if params[0] >= 1 else -1
    elif len(params) == 2:
        start, end = params
        step = 1 if end >= start else -1
    elif len(params) == 3:
        start, step, end = params
        if end < start and step > 0:
            return ""
    else:
        return ""
    increment = -1 if end < start else 1
    return " ".join(str(i) for i in _until_step(start, end + increment, step))


def _to_decimal(value: Any) -> int:
    """sprig's ``toDecimal``: read a unix octal mode such as ``"0777"``; ``0`` when unreadable."""
    text = go_sprint(value)
    body = text.lstrip("+-")
    if not body or set(body) - set("01234567"):
        return 0
    return -int(body, 8) if text.startswith("-") else int(body, 8)


def _int_div(a: Any, b: Any, op: str) -> int:
    x, y = cast_int(a), cast_int(b)
    if y == 0:
        raise GoPanic("runtime error: integer divide by zero")
    quotient = abs(x) // abs(y) * (1 if (x >= 0) == (y >= 0) else -1)
    return quotient if op == "div" else x - y * quotient


def _decimal_op(op: str, first: Any, rest: tuple[Any, ...]) -> float:
    from decimal import Decimal, InvalidOperation  # deferred: only the *f functions need it

    result = Decimal(repr(cast_float(first)))
    try:
        for item in rest:
            other = Decimal(repr(cast_float(item)))
            result = {
                "add": result + other,
                "sub": result - other,
                "mul": result * other,
                "div": result / other if other else Decimal(0),
            }[op]
    except InvalidOperation:
        return math.nan
    return float(result)


def _round(value: Any, places: int, *round_on: float) -> float:
    # Go's float64 arithmetic: 10**places under- or overflows to 0 or +Inf, and dividing by
    # them gives NaN or an infinity where Python would raise (sprig.round(0, -324) is NaN).
    on = round_on[0] if round_on else 0.5
    try:
        pow10 = math.pow(10, places)
    except OverflowError:
        pow10 = math.inf
    digit = pow10 * cast_float(value)
    if math.isfinite(digit):
        frac = digit - math.trunc(digit)
        digit = float(math.ceil(digit) if frac >= on else math.floor(digit))
    return _go_divide(digit, pow10)


def _go_divide(a: float, b: float) -> float:
    """``a / b`` as Go divides float64s: by zero it is NaN or a signed infinity, never a panic."""
    if b == 0:
        if a == 0 or math.isnan(a):
            return math.nan
        return math.copysign(math.inf, a) * math.copysign(1.0, b)
    return a / b


def _default(default: Any, *given: Any) -> Any:
    return default if not given or empty(given[0]) else given[0]


def _from_json(text: str) -> Any:
    try:
        return go_json_loads(text)
    except ValueError:
        return None


def _must_from_json(text: str) -> Any:
    try:
        return go_json_loads(text)
    except ValueError as exc:
        raise GoPanic(str(exc)) from None


def _to_json(value: Any, *, pretty: bool = False, raw: bool = False) -> str:
    try:
        return json_indent(value) if pretty else go_json_dumps(value, escape_html=not raw)
    except Exception:  # sprig swallows marshalling errors and returns ""
        return ""


def _dict(*pairs: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for i in range(0, len(pairs), 2):
        out[strval(pairs[i])] = pairs[i + 1] if i + 1 < len(pairs) else ""
    return out


def _merge(overwrite: bool, dst: Any, *sources: Any) -> dict[str, Any]:
    target = as_dict(dst)
    for src in sources:
        for key, value in as_dict(src).items():
            if isinstance(target.get(key), dict) and isinstance(value, dict):
                target[key] = _merge(overwrite, target[key], value)
            elif overwrite or key not in target or empty(target[key]):
                target[key] = value
    return target


def _dig(*args: Any) -> Any:
    if len(args) < 3:
        raise GoPanic("dig needs at least three arguments")
    *keys, default, data = args
    current: Any = as_dict(data)
    for key in keys:
        if not isinstance(current, dict) or strval(key) not in current:
            return default
        current = current[strval(key)]
    return current


def _uniq(items: Any) -> list[Any]:
    out: list[Any] = []
    for item in as_list("uniq", items):
        if not any(deep_equal(item, seen) for seen in out):
            out.append(item)
    return out


def _slice(items: Any, *indices: Any) -> list[Any]:
    values = as_list("slice", items)
    start = cast_int(indices[0]) if indices else 0
    end = cast_int(indices[1]) if len(indices) > 1 else len(values)
    return values[start:end]


def _chunk(size: int, items: Any) -> list[list[Any]]:
    values = as_list("chunk", items)
    if size <= 0:
        raise GoPanic("chunk size must be positive")
    return [values[i : i + size] for i in range(0, len(values), size)]


NUMERIC: dict[str, GoFunc] = {
    "untilStep": go_func(INT, INT, INT)(_until_step),
    "until": go_func(INT)(lambda n: _until_step(0, n, -1 if n < 0 else 1)),
    "seq": go_func(variadic=INT)(_seq),
    "atoi": go_func(STR)(lambda s: go_atoi(s) or 0),
    "int": go_func(ANY)(cast_int),
    "int64": go_func(ANY)(cast_int),
    "float64": go_func(ANY)(cast_float),
    "toDecimal": go_func(ANY)(_to_decimal),
    "add1": go_func(ANY)(lambda v: cast_int(v) + 1),
    "add": go_func(variadic=ANY)(lambda *v: sum(cast_int(x) for x in v)),
    "sub": go_func(ANY, ANY)(lambda a, b: cast_int(a) - cast_int(b)),
    "mul": go_func(ANY, variadic=ANY)(lambda a, *v: math.prod([cast_int(a), *map(cast_int, v)])),
    "div": go_func(ANY, ANY)(lambda a, b: _int_div(a, b, "div")),
    "mod": go_func(ANY, ANY)(lambda a, b: _int_div(a, b, "mod")),
    "max": go_func(ANY, variadic=ANY)(lambda a, *v: max([cast_int(a), *map(cast_int, v)])),
    "biggest": go_func(ANY, variadic=ANY)(lambda a, *v: max([cast_int(a), *map(cast_int, v)])),
    "min": go_func(ANY, variadic=ANY)(lambda a, *v: min([cast_int(a), *map(cast_int, v)])),
    "maxf": go_func(ANY, variadic=ANY)(lambda a, *v: max([cast_float(a), *map(cast_float, v)])),
    "minf": go_func(ANY, variadic=ANY)(lambda a, *v: min([cast_float(a), *map(cast_float, v)])),
    "add1f": go_func(ANY)(lambda a: _decimal_op("add", a, (1,))),
    "addf": go_func(variadic=ANY)(lambda *v: _decimal_op("add", 0.0, v)),
    "subf": go_func(ANY, variadic=ANY)(lambda a, *v: _decimal_op("sub", a, v)),
    "mulf": go_func(ANY, variadic=ANY)(lambda a, *v: _decimal_op("mul", a, v)),
    "divf": go_func(ANY, variadic=ANY)(lambda a, *v: _decimal_op("div", a, v)),
    "floor": go_func(ANY)(lambda a: float(math.floor(cast_float(a)))),
    "ceil": go_func(ANY)(lambda a: float(math.ceil(cast_float(a)))),
    "round": go_func(ANY, INT, variadic=ANY)(_round),
}

DATA: dict[str, GoFunc] = {
    "default": go_func(ANY, variadic=ANY)(_default),
    "empty": go_func(ANY)(empty),
    "coalesce": go_func(variadic=ANY)(lambda *v: next((x for x in v if not empty(x)), None)),
    "all": go_func(variadic=ANY)(lambda *v: all(not empty(x) for x in v)),
    "any": go_func(variadic=ANY)(lambda *v: any(not empty(x) for x in v)),
    "compact": go_func(ANY)(lambda v: [x for x in as_list("compact", v) if not empty(x)]),
    "ternary": go_func(ANY, ANY, BOOL)(lambda t, f, cond: t if cond else f),
    "fromJson": go_func(STR)(_from_json),
    "mustFromJson": go_func(STR)(_must_from_json),
    "toJson": go_func(ANY)(_to_json),
    "mustToJson": go_func(ANY)(go_json_dumps),
    "toPrettyJson": go_func(ANY)(lambda v: _to_json(v, pretty=True)),
    "toRawJson": go_func(ANY)(lambda v: _to_json(v, raw=True)),
    "deepCopy": go_func(ANY)(copy.deepcopy),
    "typeOf": go_func(ANY)(go_type),
    "typeIs": go_func(STR, ANY)(lambda t, v: go_type(v) == t),
    "kindOf": go_func(ANY)(go_kind),
    "kindIs": go_func(STR, ANY)(lambda k, v: go_kind(v) == k),
    "deepEqual": go_func(ANY, ANY)(deep_equal),
    "toString": go_func(ANY)(strval),
    "toStrings": go_func(ANY)(strslice),
    "list": go_func(variadic=ANY)(lambda *v: list(v)),
    "tuple": go_func(variadic=ANY)(lambda *v: list(v)),
    "dict": go_func(variadic=ANY)(_dict),
    "get": go_func(ANY, STR)(lambda d, k: as_dict(d).get(k, "")),
    "set": go_func(ANY, STR, ANY)(lambda d, k, v: {**as_dict(d), k: v}),
    "unset": go_func(ANY, STR)(lambda d, k: {x: y for x, y in as_dict(d).items() if x != k}),
    "hasKey": go_func(ANY, STR)(lambda d, k: k in as_dict(d)),
    "pluck": go_func(STR, variadic=ANY)(lambda k, *ds: [as_dict(d)[k] for d in ds if k in as_dict(d)]),
    "keys": go_func(variadic=ANY)(lambda *ds: [k for d in ds for k in as_dict(d)]),
    "values": go_func(ANY)(lambda d: list(as_dict(d).values())),
    "pick": go_func(ANY, variadic=STR)(lambda d, *ks: {k: v for k, v in as_dict(d).items() if k in ks}),
    "omit": go_func(ANY, variadic=STR)(lambda d, *ks: {k: v for k, v in as_dict(d).items() if k not in ks}),
    "merge": go_func(ANY, variadic=ANY)(lambda d, *s: _merge(False, d, *s)),
    "mergeOverwrite": go_func(ANY, variadic=ANY)(lambda d, *s: _merge(True, d, *s)),
    "append": go_func(ANY, ANY)(lambda xs, v: [*as_list("append", xs), v]),
    "push": go_func(ANY, ANY)(lambda xs, v: [*as_list("push", xs), v]),
    "prepend": go_func(ANY, ANY)(lambda xs, v: [v, *as_list("prepend", xs)]),
    "first": go_func(ANY)(lambda xs: (as_list("first", xs) or [None])[0]),
    "last": go_func(ANY)(lambda xs: (as_list("last", xs) or [None])[-1]),
    "rest": go_func(ANY)(lambda xs: as_list("rest", xs)[1:]),
    "initial": go_func(ANY)(lambda xs: as_list("initial", xs)[:-1]),
    "reverse": go_func(ANY)(lambda xs: as_list("reverse", xs)[::-1]),
    "uniq": go_func(ANY)(_uniq),
    "without": go_func(ANY, variadic=ANY)(
        lambda xs, *o: [x for x in as_list("without", xs) if not any(deep_equal(x, y) for y in o)]
    ),
    "has": go_func(ANY, ANY)(lambda n, xs: any(deep_equal(n, x) for x in as_list("has", xs))),
    "slice": go_func(ANY, variadic=ANY)(_slice),
    "concat": go_func(variadic=ANY)(lambda *ls: [x for lst in ls for x in as_list("concat", lst)]),
    "chunk": go_func(INT, ANY)(_chunk),
    "dig": go_func(variadic=ANY)(_dig),
}
