"""The expression DSL: ``ArgoVar`` operators and ``if_expression`` render Argo expressions."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any


class _Unset:
    """Marker for "no value given" (``None`` is a legitimate parameter value)."""

    _instance: _Unset | None = None

    def __new__(cls) -> _Unset:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNSET"

    def __bool__(self) -> bool:
        return False

    def __deepcopy__(self, memo: dict[int, Any]) -> _Unset:
        return self


#: "No value given": typed ``Any`` so that it can default a parameter of any type.
UNSET: Any = _Unset()


def to_expr(value: Any) -> str:
    """Render a Python value or an ``ArgoVar`` as an Argo (expr-lang) operand.

    Parameters
    ----------
    value : Any
        An ``ArgoVar`` (rendered as its expression), a string (quoted), a bool, ``None`` or any
        JSON-serialisable value.

    Returns
    -------
    str
        The operand, e.g. ``'a'``, ``true``, ``nil``, ``[1, 2]``.
    """
    if isinstance(value, ArgoVar):
        return value.expr
    if isinstance(value, str):
        return "'%s'" % value.replace("\\", "\\\\").replace("'", "\\'")
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nil"
    return json.dumps(value)


def _quoted_json(value: Any) -> str:
    if isinstance(value, str):
        return to_expr(value)
    # Argo parameters are strings: a non-string value compares against its JSON text, as dflow does.
    return to_expr(json.dumps(value))


class ArgoVar:
    """An Argo expression; operators build bigger expressions (``a < b`` -> ``asFloat(a) < b``).

    Parameters
    ----------
    expr : str, optional
        The expression text, in Argo's expr-lang.
    is_str : bool
        Whether the expression yields a string (dflow's flag, kept for compatibility).
    """

    # Operators return expressions, so instances must keep identity hashing for dict/set use.
    __hash__ = object.__hash__

    def __init__(self, expr: str | None = None, is_str: bool = True) -> None:
        self.expr = expr or ""
        self.is_str = is_str

    def __repr__(self) -> str:
        return self.expr

    def __str__(self) -> str:
        return self.__repr__()

    def _as_condition(self) -> str:
        """This expression as the condition of an ``if_expression``."""
        return self.expr

    def __getitem__(self, index: str | int) -> ArgoVar:
        item = f"'{index}'" if isinstance(index, str) else str(index)
        return ArgoVar(f"jsonpath({self.expr}, '$')[{item}]", is_str=False)

    def __iter__(self) -> Iterator[Any]:
        raise TypeError(f"{type(self).__name__} {self!s} is not iterable: it has no value until run time")

    def __eq__(self, other: object) -> ArgoVar:  # type: ignore[override]
        return ArgoVar(f"{self.expr} == {other.expr if isinstance(other, ArgoVar) else _quoted_json(other)}")

    def __ne__(self, other: object) -> ArgoVar:  # type: ignore[override]
        return ArgoVar(f"{self.expr} != {other.expr if isinstance(other, ArgoVar) else _quoted_json(other)}")

    def _numeric(self, op: str, other: Any) -> ArgoVar:
        rhs = f"asFloat({other.expr})" if isinstance(other, ArgoVar) else to_expr(other)
        return ArgoVar(f"asFloat({self.expr}) {op} {rhs}")

    def __lt__(self, other: Any) -> ArgoVar:
        return self._numeric("<", other)

    def __le__(self, other: Any) -> ArgoVar:
        return self._numeric("<=", other)

    def __gt__(self, other: Any) -> ArgoVar:
        return self._numeric(">", other)

    def __ge__(self, other: Any) -> ArgoVar:
        return self._numeric(">=", other)

    def __add__(self, other: Any) -> str | ArgoVar:
        # dflow's idiom: ``"prefix-" + param`` builds a template string, not an expression.
        if isinstance(other, str):
            return str(self) + other
        return self._numeric("+", other)

    def __radd__(self, other: Any) -> str | ArgoVar:
        if isinstance(other, str):
            return other + str(self)
        return ArgoVar(f"{to_expr(other)} + asFloat({self.expr})")

    def __sub__(self, other: Any) -> ArgoVar:
        return self._numeric("-", other)

    def __mul__(self, other: Any) -> ArgoVar:
        return self._numeric("*", other)

    def __truediv__(self, other: Any) -> ArgoVar:
        return self._numeric("/", other)


class IfExpression(ArgoVar):
    """``cond ? then : else`` over parameters or artifacts (see ``if_expression``).

    Parameters
    ----------
    _if : Any
        The condition: an expression, a parameter (true when its value is ``'true'``) or text.
    _then, _else : Any
        The branches: references, expressions or plain values.
    """

    def __init__(self, _if: Any, _then: Any, _else: Any) -> None:
        super().__init__("")
        self._if = _if._as_condition() if isinstance(_if, ArgoVar) else str(_if)
        self._then = _then
        self._else = _else

    @property  # type: ignore[override]
    def expr(self) -> str:
        # Rendered on demand: the branches may be bound to steps after the expression is made.
        return f"({self._if} ? {to_expr(self._then)} : {to_expr(self._else)})"

    @expr.setter
    def expr(self, value: str) -> None:
        pass


def if_expression(_if: Any, _then: Any, _else: Any) -> IfExpression:
    """Return Argo's ternary ``_if ? _then : _else`` for ``value_from_expression``/``from_expression``.

    Parameters
    ----------
    _if : Any
        The condition (see ``IfExpression``).
    _then, _else : Any
        The value when the condition holds, and when it does not.

    Returns
    -------
    IfExpression
        An ``ArgoVar`` whose ``expr`` is ``(cond ? then : else)``.
    """
    return IfExpression(_if, _then, _else)
