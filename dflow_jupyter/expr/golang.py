"""Go's view of Python values: type names, equality, ``fmt``/``encoding/json`` forms, parsing.

Argo evaluates expressions in Go, so the strings it produces follow Go's rules: ``1e6`` prints
as ``1e+06`` with ``%v`` and as ``1000000`` in JSON, JSON escapes ``<`` as ``\\u003c``, and map
keys come out sorted.  Python ``int`` stands for Go ``int``, ``float`` for ``float64``, ``list``
for ``[]interface {}`` and ``dict`` for ``map[string]interface {}``.

Every language here (expr-lang, govaluate, sprig, jsonpath) runs in Go inside Argo, so they
share these helpers and report run-time failures as :class:`GoPanic`.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dflow_jupyter.expr.errors import ExpressionError

_ATOI = re.compile(r"[+-]?[0-9]+\Z")
_DECIMAL_FLOAT = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\Z")
_SPECIAL_FLOAT = re.compile(r"([+-]?)(inf|infinity|nan)\Z", re.IGNORECASE)
_JSON_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\b": "\\b",
    "\f": "\\f",
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_NEEDS_ESCAPE = re.compile('["\\\\<>&\u2028\u2029\x00-\x1f]')
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


class GoPanic(Exception):
    """A run-time failure inside an operator or function (what Go reports as a panic).

    expr-lang's compiler and the govaluate evaluator turn it into an :class:`ExpressionError`
    that carries the source text.
    """


def go_type(value: Any) -> str:
    """The Go type name Argo reports for ``value`` (``invalid operation: string < int``)."""
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "[]interface {}"
    if isinstance(value, Mapping):
        return "map[string]interface {}"
    if callable(value):
        return "func"
    return type(value).__name__


def go_kind(value: Any) -> str:
    """``reflect.Kind`` name of ``value`` (sprig's ``kindOf``): ``slice``, ``map``, ``int``..."""
    if value is None:
        return "invalid"
    name = go_type(value)
    return {"[]interface {}": "slice", "map[string]interface {}": "map"}.get(name, name)


def is_number(value: Any) -> bool:
    """Go numeric (``int`` or ``float64``); ``bool`` is not a number in Go."""
    kind = type(value)
    return kind is int or kind is float or (isinstance(value, (int, float)) and kind is not bool)


def deep_equal(a: Any, b: Any) -> bool:
    """``reflect.DeepEqual``: same types all the way down (``1`` and ``1.0`` differ)."""
    if type(a) is not type(b):
        if (isinstance(a, Mapping) and isinstance(b, Mapping)) or (
            isinstance(a, (list, tuple)) and isinstance(b, (list, tuple))
        ):
            pass
        else:
            return False
    if isinstance(a, Mapping):
        return a.keys() == b.keys() and all(deep_equal(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(deep_equal(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _digits(value: float) -> tuple[str, int]:
    """Shortest round-trip decimal digits of a finite non-zero float and its decimal-point place."""
    mantissa, _, exp = repr(abs(value)).partition("e")
    whole, _, frac = mantissa.partition(".")
    digits = whole + frac
    point = len(whole) + (int(exp) if exp else 0)
    stripped = digits.lstrip("0")
    point -= len(digits) - len(stripped)
    return stripped.rstrip("0") or "0", point


def _format_e(digits: str, point: int, negative: bool, min_exp_digits: int) -> str:
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    exp = point - 1
    sign = "-" if exp < 0 else "+"
    return f"{'-' if negative else ''}{mantissa}e{sign}{abs(exp):0{min_exp_digits}d}"


def _format_f(digits: str, point: int, negative: bool) -> str:
    if point <= 0:
        text = "0." + "0" * -point + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    return ("-" if negative else "") + text


def go_format_float(value: float) -> str:
    """``fmt.Sprint(float64)``: shortest digits, exponent form below 1e-4 or from 1e+06 up."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    negative = math.copysign(1.0, value) < 0
    if value == 0:
        return "-0" if negative else "0"
    digits, point = _digits(value)
    if point - 1 < -4 or point - 1 >= 6:
        return _format_e(digits, point, negative, 2)
    return _format_f(digits, point, negative)


def go_json_float(value: float) -> str:
    """``encoding/json``'s float64: positional, exponent only below 1e-6 or from 1e21 up."""
    if math.isnan(value) or math.isinf(value):
        raise ExpressionError(f"json: unsupported value: {go_format_float(value)}")
    negative = math.copysign(1.0, value) < 0
    if value == 0:
        return "-0" if negative else "0"
    digits, point = _digits(value)
    if abs(value) < 1e-6 or abs(value) >= 1e21:
        return _format_e(digits, point, negative, 1)
    return _format_f(digits, point, negative)


def go_sprint(value: Any) -> str:
    """``fmt.Sprintf("%v", value)``, which is what expr's ``string()`` returns."""
    if isinstance(value, str):
        return value
    if value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_format_float(value)
    if isinstance(value, (list, tuple)):
        return "[" + " ".join(go_sprint(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return "map[" + " ".join(f"{k}:{go_sprint(v)}" for k, v in items) + "]"
    return str(value)


def _json_string(text: str, escape_html: bool = True) -> str:
    def escape(match: re.Match[str]) -> str:
        char = match.group()
        if not escape_html and char in "<>&":
            return char
        return _JSON_ESCAPES.get(char) or f"\\u{ord(char):04x}"

    return '"' + _JSON_NEEDS_ESCAPE.sub(escape, text) + '"'


def go_json_dumps(value: Any, escape_html: bool = True) -> str:
    """``json.Marshal(value)``: compact, sorted map keys, HTML characters escaped.

    Parameters
    ----------
    value
        A JSON-like Python value.
    escape_html
        Escape ``<``, ``>`` and ``&`` as Go's ``json.Marshal`` does (sprig's ``toRawJson``
        turns this off).
    """
    if isinstance(value, str):
        return _json_string(value, escape_html)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_json_float(value)
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(go_json_dumps(v, escape_html) for v in value) + "]"
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        body = ",".join(f"{_json_string(k, escape_html)}:{go_json_dumps(v, escape_html)}" for k, v in items)
        return "{" + body + "}"
    raise ExpressionError(f"json: unsupported type: {type(value).__name__} ({value!r})")


def json_indent(value: Any, depth: int = 0) -> str:
    """``json.MarshalIndent(value, "", "  ")``, which is expr's ``toJSON``."""
    pad, inner = "  " * depth, "  " * (depth + 1)
    if isinstance(value, (list, tuple)) and value:
        return "[\n" + ",\n".join(inner + json_indent(v, depth + 1) for v in value) + f"\n{pad}]"
    if isinstance(value, Mapping) and value:
        items = sorted((str(k), v) for k, v in value.items())
        body = ",\n".join(f"{inner}{go_json_dumps(k)}: {json_indent(v, depth + 1)}" for k, v in items)
        return "{\n" + body + f"\n{pad}}}"
    return go_json_dumps(value)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def go_json_loads(text: str) -> Any:
    """``json.Unmarshal`` into ``interface{}``: every JSON number becomes a ``float64``.

    Raises
    ------
    ValueError
        If ``text`` is not valid JSON (Go rejects ``NaN`` and ``Infinity`` too).
    """
    return json.loads(text, parse_int=float, parse_constant=_reject_constant)


def go_atoi(text: str) -> int | None:
    """``strconv.Atoi``: optional sign and decimal digits only; ``None`` when Go would fail."""
    if not _ATOI.match(text):
        return None
    number = int(text)
    return number if _INT64_MIN <= number <= _INT64_MAX else None


def go_parse_float(text: str) -> float | None:
    """``strconv.ParseFloat(text, 64)``; ``None`` when Go would fail (no blanks, no ``_``)."""
    if _DECIMAL_FLOAT.match(text):
        number = float(text)
        return None if math.isinf(number) else number
    special = _SPECIAL_FLOAT.match(text)
    if special:
        sign, word = special.groups()
        if word.lower() == "nan":
            return math.nan
        return -math.inf if sign == "-" else math.inf
    if text.lower().lstrip("+-").startswith("0x") and "p" in text.lower():
        try:
            return float.fromhex(text)
        except ValueError:
            return None
    return None


#: The most items a list built by an expression may hold (``1..n``, ``until``, ``seq``).
MAX_ITEMS = 1_000_000
#: The longest string an expression may build (``repeat``), in characters.
MAX_STRING = 16 * 1024 * 1024


def bounded_count(count: int, what: str) -> int:
    """``count`` if an expression may build that many items, else a clear error (a memory bomb)."""
    if count > MAX_ITEMS:
        raise GoPanic(
            f"{what} would hold {count:,} items; expressions build at most {MAX_ITEMS:,} "
            "(fan out with with_sequence, or pass the data as an artifact)"
        )
    return count


def bounded_repeat(text: str, count: int, what: str = "repeat") -> str:
    """``text`` repeated ``count`` times, refused past ``MAX_STRING`` characters."""
    count = max(count, 0)
    if len(text) * count > MAX_STRING:
        raise GoPanic(
            f"{what} would build a string of {len(text) * count:,} characters; expressions build at "
            f"most {MAX_STRING:,}"
        )
    return text * count


@lru_cache(maxsize=512)
def compile_regex(pattern: str) -> Any:
    """Compile a regular expression with RE2, the engine behind Go's ``regexp`` (and so Argo's).

    RE2 runs in time linear in the input: a pattern like ``^(a+)+$`` cannot backtrack for
    minutes as it does with Python's ``re``, and the syntax (no look-around, no backreferences)
    is Go's. The result has ``re``'s methods (``search``, ``finditer``, ``sub``, ``split``).
    """
    import re2

    options = re2.Options()
    options.log_errors = False  # the error travels in the exception, not on stderr
    try:
        return re2.compile(pattern, options)
    except re2.error as exc:
        reason = exc.args[0].decode() if exc.args and isinstance(exc.args[0], bytes) else str(exc)
        raise GoPanic(f"error parsing regexp: {reason}: `{pattern}`") from None


def go_string(value: Any) -> str:
    """The string Argo writes for a value: strings as they are, anything else as Go JSON.

    This is how a ``{{=...}}`` result lands in a template (``true``, ``3``, ``2.5``,
    ``[0,1,2]``, ``{"a":1}``) and how a non-string scope value is substituted. Parameter
    values of OPs travel differently, as dflow writes them: see ``status.wire.to_argo_string``.
    """
    if isinstance(value, str):
        return value
    return go_json_dumps(value)
