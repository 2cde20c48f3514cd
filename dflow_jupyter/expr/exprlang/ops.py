"""expr-lang's run-time operators on Python values, with Go's typing rules.

``int`` and ``float`` mix (``1 + 2.5 == 3.5``, ``1 == 1.0``), ``/`` always yields a float,
``%`` takes integers only, strings only compare with strings, ``"3" == 3`` is simply false and
``"3" < 3`` is an error.  Failures raise :class:`GoPanic`; the compiler adds the source position.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from dflow_jupyter.expr.golang import GoPanic, bounded_count, compile_regex, deep_equal, go_type, is_number


def equal(a: Any, b: Any) -> bool:
    """``runtime.Equal``: numbers across int/float, arrays element-wise, else deep equality."""
    if is_number(a) and is_number(b):
        return bool(a == b)
    if isinstance(a, str) or isinstance(b, str) or isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    return deep_equal(a, b)


def _ordered(op: str, a: Any, b: Any) -> tuple[Any, Any]:
    if (is_number(a) and is_number(b)) or (type(a) is str and type(b) is str):
        return a, b
    raise GoPanic(f"invalid operation: {go_type(a)} {op} {go_type(b)}")


def less(a: Any, b: Any) -> bool:
    """``a < b`` for two numbers or two strings."""
    x, y = _ordered("<", a, b)
    return bool(x < y)


def less_equal(a: Any, b: Any) -> bool:
    """``a <= b`` for two numbers or two strings."""
    x, y = _ordered("<=", a, b)
    return bool(x <= y)


def more(a: Any, b: Any) -> bool:
    """``a > b`` for two numbers or two strings."""
    x, y = _ordered(">", a, b)
    return bool(x > y)


def more_equal(a: Any, b: Any) -> bool:
    """``a >= b`` for two numbers or two strings."""
    x, y = _ordered(">=", a, b)
    return bool(x >= y)


def _numbers(op: str, a: Any, b: Any) -> None:
    if not (is_number(a) and is_number(b)):
        raise GoPanic(f"invalid operation: {go_type(a)} {op} {go_type(b)}")


def add(a: Any, b: Any) -> Any:
    """Numbers add (int stays int), strings concatenate."""
    if type(a) is str and type(b) is str:
        return a + b
    _numbers("+", a, b)
    return a + b


def subtract(a: Any, b: Any) -> Any:
    """Numeric ``a - b``."""
    _numbers("-", a, b)
    return a - b


def multiply(a: Any, b: Any) -> Any:
    """Numeric ``a * b``."""
    _numbers("*", a, b)
    return a * b


def divide(a: Any, b: Any) -> float:
    """``a / b`` is always a float; division by zero gives ``±Inf``/``NaN`` as in Go."""
    _numbers("/", a, b)
    x, y = float(a), float(b)
    if y == 0:
        return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x) * (math.copysign(1.0, y))
    return x / y


def modulo(a: Any, b: Any) -> int:
    """Integer remainder with Go's sign rule (the sign of ``a``)."""
    if type(a) is not int or type(b) is not int:
        raise GoPanic(f"invalid operation: {go_type(a)} % {go_type(b)}")
    if b == 0:
        raise GoPanic("runtime error: integer divide by zero")
    remainder = abs(a) % abs(b)
    return -remainder if a < 0 else remainder


def power(a: Any, b: Any) -> float:
    """``a ** b`` (also ``a ^ b``), always a float."""
    _numbers("**", a, b)
    try:
        return math.pow(float(a), float(b))
    except OverflowError:
        return math.inf
    except ValueError:
        return math.nan


def negate(value: Any) -> Any:
    """Unary minus."""
    if not is_number(value):
        raise GoPanic(f"invalid operation: - {go_type(value)}")
    return -value


def truth(value: Any, where: str) -> bool:
    """The bool a condition needs; expr refuses anything that is not a bool."""
    if value is True or value is False:
        return value
    raise GoPanic(f"invalid operation: {where} needs a bool, got {go_type(value)} ({value!r})")


def contains_op(needle: Any, container: Any) -> bool:
    """``needle in container``: array membership, map key presence; nil holds nothing."""
    if container is None:
        return False
    if isinstance(container, (list, tuple)):
        return any(equal(item, needle) for item in container)
    if isinstance(container, Mapping):
        return type(needle) is str and needle in container
    raise GoPanic(f'operator "in" not defined on {go_type(container)}')


def _strings(op: str, a: Any, b: Any) -> bool:
    if a is None or b is None:
        return False
    if type(a) is not str or type(b) is not str:
        raise GoPanic(f"invalid operation: {go_type(a)} {op} {go_type(b)} (strings are required)")
    return True


def str_contains(a: Any, b: Any) -> bool:
    """``a contains b`` (strings)."""
    return _strings("contains", a, b) and b in a


def starts_with(a: Any, b: Any) -> bool:
    """``a startsWith b`` (strings)."""
    return _strings("startsWith", a, b) and a.startswith(b)


def ends_with(a: Any, b: Any) -> bool:
    """``a endsWith b`` (strings)."""
    return _strings("endsWith", a, b) and a.endswith(b)


def matches(a: Any, b: Any) -> bool:
    """``a matches b``: regular expression search, like Go's ``MatchString``."""
    return _strings("matches", a, b) and compile_regex(b).search(a) is not None


def make_range(a: Any, b: Any) -> list[int]:
    """``a..b``: the integers from ``a`` to ``b`` inclusive."""
    if type(a) is not int or type(b) is not int:
        raise GoPanic(f"invalid operation: {go_type(a)} .. {go_type(b)} (integers are required)")
    bounded_count(b - a + 1, f"the range {a}..{b}")
    return list(range(a, b + 1))


def to_index(value: Any) -> int:
    """``runtime.ToInt`` for an index: numbers are truncated, anything else is an error."""
    if type(value) is int:
        return value
    if is_number(value):
        return int(value)
    raise GoPanic(f"invalid operation: int({go_type(value)})")


def fetch(base: Any, key: Any) -> Any:
    """``runtime.Fetch``: ``base[key]`` for maps (missing -> nil), arrays and strings (bytes)."""
    if isinstance(base, Mapping):
        return base.get(key) if type(key) is str else None
    if isinstance(base, (list, tuple, str)):
        seq: Any = base.encode() if isinstance(base, str) else base
        index = to_index(key)
        length = len(seq)
        if index < 0:
            index += length
        if not 0 <= index < length:
            raise GoPanic(f"index out of range: {index} (array length is {length})")
        return seq[index]
    raise GoPanic(f"cannot fetch {key!r} from {go_type(base)}")


def slice_of(base: Any, start: Any, end: Any) -> Any:
    """``base[start:end]`` with Go's clamping of out-of-range bounds."""
    if not isinstance(base, (list, tuple, str)):
        raise GoPanic(f"cannot slice {go_type(base)}")
    length = len(base)
    a = 0 if start is None else to_index(start)
    b = length if end is None else to_index(end)
    a = max(a + length if a < 0 else a, 0)
    b = min(max(b + length if b < 0 else b, 0), length)
    a = min(a, b)
    return base[a:b] if isinstance(base, str) else list(base[a:b])
