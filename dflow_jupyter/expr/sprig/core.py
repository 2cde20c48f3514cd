"""Calling conventions and value conversions shared by the sprig functions (``sprig.*``).

Argo hands expr the Go functions of ``sprig.GenericFuncMap()``.  expr calls them by reflection,
so a parameter typed ``int`` rejects a ``float64`` ("reflect: Call using float64 as type int"),
``nil`` becomes the zero value, and conversions inside sprig go through ``spf13/cast``, which
turns anything it cannot read into ``0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from dflow_jupyter.expr.golang import GoPanic, go_parse_float, go_sprint, go_type, is_number

INT, STR, BOOL, ANY = "int", "string", "bool", "interface {}"
_ZERO: dict[str, Any] = {INT: 0, STR: "", BOOL: False, ANY: None}
GoFunc = Callable[..., Any]


def _convert(value: Any, kind: str) -> Any:
    if value is None:
        return _ZERO[kind]
    if kind == ANY:
        return value
    ok = {INT: type(value) is int, STR: type(value) is str, BOOL: isinstance(value, bool)}[kind]
    if not ok:
        raise GoPanic(f"reflect: Call using {go_type(value)} as type {kind}")
    return value


def go_func(*params: str, variadic: str | None = None) -> Callable[[GoFunc], GoFunc]:
    """Give a Python function Go's typed-parameter calling rules.

    Parameters
    ----------
    *params
        The Go kind of each fixed parameter: ``INT``, ``STR``, ``BOOL`` or ``ANY``.
    variadic
        The kind of the trailing ``...`` parameter, if the Go function has one.
    """

    def wrap(fn: GoFunc) -> GoFunc:
        def call(*args: Any) -> Any:
            if variadic is None and len(args) != len(params):
                raise GoPanic(f"invalid number of arguments: expected {len(params)}, got {len(args)}")
            if len(args) < len(params):
                raise GoPanic(
                    f"invalid number of arguments: expected at least {len(params)}, got {len(args)}"
                )
            kinds = list(params) + [variadic or ANY] * (len(args) - len(params))
            return fn(*(_convert(a, k) for a, k in zip(args, kinds, strict=True)))

        call.__name__ = call.__qualname__ = fn.__name__
        call.__doc__ = fn.__doc__
        return call

    return wrap


def _trim_zero_decimal(text: str) -> str:
    """cast's ``trimZeroDecimal``: ``"3.00"`` -> ``"3"``, anything else unchanged."""
    head, dot, tail = text.rpartition(".")
    if dot and tail and set(tail) == {"0"}:
        return head
    return text


def parse_int_base0(text: str) -> int | None:
    """``strconv.ParseInt(text, 0, 64)``: sign, then ``0x``/``0o``/``0b``/leading-``0`` octal."""
    sign, body = 1, text
    if body and body[0] in "+-":
        sign, body = (-1 if body[0] == "-" else 1), body[1:]
    low = body.lower()
    base = 10
    if low.startswith(("0x", "0o", "0b")):
        base, body = {"x": 16, "o": 8, "b": 2}[low[1]], body[2:]
    elif len(body) > 1 and body[0] == "0":
        base, body = 8, body[1:]
    if not body or body.startswith("_") or body.endswith("_") or "__" in body:
        return None
    if base == 10 and "_" in body:
        return None
    try:
        number = sign * int(body, base)
    except ValueError:
        return None
    return number if -(2**63) <= number < 2**63 else None


def cast_int(value: Any) -> int:
    """``cast.ToInt``/``cast.ToInt64``: numbers truncate, strings parse, the rest is ``0``."""
    if isinstance(value, bool):
        return int(value)
    if type(value) is int:
        return value
    if is_number(value):
        return int(value) if math.isfinite(value) else 0
    if type(value) is str:
        return parse_int_base0(_trim_zero_decimal(value)) or 0
    return 0


def cast_float(value: Any) -> float:
    """``cast.ToFloat64``: numbers, bools and parsable strings; the rest is ``0``."""
    if isinstance(value, bool):
        return float(value)
    if is_number(value):
        return float(value)
    if type(value) is str:
        number = go_parse_float(value)
        return 0.0 if number is None else number
    return 0.0


def strval(value: Any) -> str:
    """sprig's ``strval``: strings as they are, anything else through ``fmt.Sprintf("%v")``."""
    return value if type(value) is str else go_sprint(value)


def strslice(value: Any) -> list[str]:
    """sprig's ``strslice``: a list's non-nil items as strings, a scalar as a one-item list."""
    if isinstance(value, (list, tuple)):
        return [strval(v) for v in value if v is not None]
    return [] if value is None else [strval(value)]


def empty(value: Any) -> bool:
    """sprig's ``empty``: nil, zero, false and zero-length values are empty."""
    if value is None:
        return True
    if isinstance(value, (str, list, tuple, Mapping)):
        return len(value) == 0
    if isinstance(value, bool):
        return not value
    if is_number(value):
        return value == 0
    return False


def as_list(name: str, value: Any) -> list[Any]:
    """A list argument, or the panic sprig raises for anything else."""
    if isinstance(value, (list, tuple)):
        return list(value)
    raise GoPanic(f"Cannot find {name} on type {go_type(value)}")


def as_dict(value: Any) -> dict[str, Any]:
    """A ``map[string]interface{}`` argument (reflection rejects anything else)."""
    if isinstance(value, Mapping):
        return dict(value)
    raise GoPanic(f"reflect: Call using {go_type(value)} as type map[string]interface {{}}")
