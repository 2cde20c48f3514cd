"""The compile-time type check expr runs before evaluating (``expr.Compile`` with Argo's env).

Only types known without the scope are checked: literals and the results of operators and
functions with a fixed result type.  Scope values are ``interface {}`` to expr, so an operator
with one unknown side is left to the run-time rules, exactly as in Argo.
"""

from __future__ import annotations

from typing import Any

# Static types: "int", "float", "string", "bool", "nil", "array", "map"; None means unknown.
_GO_NAMES = {
    "int": "int",
    "float": "float64",
    "string": "string",
    "bool": "bool",
    "nil": "nil",
    "array": "[]interface {}",
    "map": "map[string]interface {}",
}
_NUMERIC = frozenset({"int", "float"})

CALL_TYPES: dict[str, str] = {
    "asInt()": "int",
    "asFloat()": "float",
    "toJson()": "string",
    "sprig.toJson()": "string",
    "sprig.atoi()": "int",
    "sprig.int()": "int",
    "sprig.int64()": "int",
    "sprig.float64()": "float",
    "sprig.untilStep()": "array",
    "sprig.until()": "array",
    "sprig.list()": "array",
    "sprig.toString()": "string",
    "sprig.upper()": "string",
    "sprig.lower()": "string",
    "sprig.trim()": "string",
    "sprig.add()": "int",
    "sprig.sub()": "int",
    "sprig.mul()": "int",
    "sprig.div()": "int",
    "sprig.mod()": "int",
    "sprig.max()": "int",
    "sprig.min()": "int",
    "sprig.seq()": "string",
}
BUILTIN_TYPES: dict[str, str] = {
    "len": "int",
    "type": "string",
    "int": "int",
    "float": "float",
    "string": "string",
    "trim": "string",
    "trimPrefix": "string",
    "trimSuffix": "string",
    "upper": "string",
    "lower": "string",
    "split": "array",
    "splitAfter": "array",
    "replace": "string",
    "repeat": "string",
    "join": "string",
    "indexOf": "int",
    "lastIndexOf": "int",
    "hasPrefix": "bool",
    "hasSuffix": "bool",
    "mean": "float",
    "median": "float",
    "toJSON": "string",
    "toBase64": "string",
    "fromBase64": "string",
    "keys": "array",
    "values": "array",
    "toPairs": "array",
    "fromPairs": "map",
    "reverse": "array",
    "uniq": "array",
    "concat": "array",
    "flatten": "array",
    "sort": "array",
    "take": "array",
    "ceil": "float",
    "floor": "float",
    "round": "float",
    "all": "bool",
    "any": "bool",
    "none": "bool",
    "one": "bool",
    "filter": "array",
    "map": "array",
    "count": "int",
    "findIndex": "int",
    "findLastIndex": "int",
    "groupBy": "map",
    "sortBy": "array",
}


class CheckError(Exception):
    """An operator applied to operands whose literal types can never work together."""


def literal_type(value: Any) -> str | None:
    """Static type of a literal value."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "bool"
    return {int: "int", float: "float", str: "string"}.get(type(value))


def _mismatch(op: str, left: str, right: str) -> CheckError:
    return CheckError(f"invalid operation: {op} (mismatched types {_GO_NAMES[left]} and {_GO_NAMES[right]})")


def unary_type(op: str, operand: str | None) -> str | None:
    """Result type of a unary operator, or :class:`CheckError` for an impossible operand."""
    if op in ("not", "!"):
        if operand not in (None, "bool"):
            raise CheckError(f"invalid operation: {op} (mismatched type {_GO_NAMES[operand]})")
        return "bool"
    if operand not in (None, "int", "float"):
        raise CheckError(f"invalid operation: {op} (mismatched type {_GO_NAMES[operand]})")
    return operand


def binary_type(op: str, left: str | None, right: str | None) -> str | None:
    """Result type of ``left op right``, or :class:`CheckError` when expr's checker refuses it."""
    known = left is not None and right is not None
    both_num = left in _NUMERIC and right in _NUMERIC
    if op in ("==", "!="):
        if known and "nil" not in (left, right) and left != right and not both_num:
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        return "bool"
    if op in ("and", "&&", "or", "||"):
        if known and (left, right) != ("bool", "bool"):
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        return "bool" if (left, right) == ("bool", "bool") else None
    if op in ("<", ">", "<=", ">="):
        if known and not (both_num or (left, right) == ("string", "string")):
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        return "bool"
    if op in ("in", "matches", "contains", "startsWith", "endsWith"):
        if op != "in" and known and (left, right) != ("string", "string"):
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        return "bool"
    if op == "+" and known and (left, right) == ("string", "string"):
        return "string"
    if op in ("+", "-", "*", "/", "**", "^", "%", ".."):
        integral = op in ("%", "..")
        if known and not ((left, right) == ("int", "int") if integral else both_num):
            raise _mismatch(op, left, right)  # type: ignore[arg-type]
        if op in ("/", "**", "^"):
            return "float"
        if op == "..":
            return "array"
        if op == "%" or (left, right) == ("int", "int"):
            return "int"
        return "float" if both_num else None
    return None
