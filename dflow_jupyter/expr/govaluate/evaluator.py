"""Argo's ``when`` evaluation: govaluate with bare words turned into strings (``shouldExecute``).

After ``{{...}}`` substitution Argo lexes the condition with govaluate, turns every VARIABLE
token into a STRING token (so ``heads == heads`` and ``foo != bar`` need no quotes), and
requires a bool result.  Numbers are float64 and compare numerically; strings compare
lexically; ``==`` between a number and a string is simply false.

Operator precedence, loosest first: ``,`` < ``? : ??`` < ``||`` < ``&&`` < comparators
(``== != < <= > >= =~ !~ in``) < ``& | ^`` < ``<< >>`` < ``+ -`` < ``* / %`` < ``**`` <
prefix ``- ! ~``.  Same-level operators associate to the left.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.golang import GoPanic, compile_regex, deep_equal, go_sprint
from dflow_jupyter.expr.govaluate.lexer import (
    ACCESSOR,
    BOOLEAN,
    CLAUSE,
    CLAUSE_CLOSE,
    COMPARATOR,
    LOGICALOP,
    MODIFIER,
    NUMERIC,
    PATTERN,
    PREFIX,
    SEPARATOR,
    STRING,
    TERNARY,
    TIME,
    VARIABLE,
    GToken,
    check_syntax,
    tokenize,
)

Thunk = Callable[[], Any]
_LEVELS: list[tuple[str, frozenset[str]]] = [
    (SEPARATOR, frozenset({","})),
    (TERNARY, frozenset({"?", ":", "??"})),
    (LOGICALOP, frozenset({"||"})),
    (LOGICALOP, frozenset({"&&"})),
    (COMPARATOR, frozenset({"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"})),
    (MODIFIER, frozenset({"&", "|", "^"})),
    (MODIFIER, frozenset({"<<", ">>"})),
    (MODIFIER, frozenset({"+", "-"})),
    (MODIFIER, frozenset({"*", "/", "%"})),
    (MODIFIER, frozenset({"**"})),
]
_ORDER: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_QUOTE_HINT = 'try wrapping the affected expression in quotes (")'


def _fmt(value: Any) -> str:
    return go_sprint(value.pattern if hasattr(value, "pattern") else value)


def _type_error(value: Any, op: str, role: str) -> GoPanic:
    # govaluate's own wording, including its "not a number" for comparator type errors.
    suffix = {
        "prefix": "",
        "logical operator": ", it is not a bool",
        "ternary operator": ", it is not a bool",
    }.get(role, ", it is not a number")
    return GoPanic(f"Value '{_fmt(value)}' cannot be used with the {role} '{op}'{suffix}")


def _num(value: Any, op: str, role: str = "modifier") -> float:
    if type(value) is float:
        return value
    raise _type_error(value, op, role)


def _bool(value: Any, op: str, role: str = "logical operator") -> bool:
    if isinstance(value, bool):
        return value
    raise _type_error(value, op, role)


def _compare(op: str, a: Any, b: Any) -> bool:
    if not ((type(a) is float and type(b) is float) or (type(a) is str and type(b) is str)):
        raise _type_error(a, op, "comparator")
    return bool(_ORDER[op](a, b))


def _regex(op: str, a: Any, b: Any) -> bool:
    if type(a) is not str:
        raise _type_error(a, op, "comparator")
    pattern = b if hasattr(b, "search") else compile_regex(b) if type(b) is str else None
    if pattern is None:
        raise _type_error(b, op, "comparator")
    found = pattern.search(a) is not None
    return found if op == "=~" else not found


def _arith(op: str, a: Any, b: Any) -> Any:
    if op == "+":
        if type(a) is float and type(b) is float:
            return a + b
        if type(a) is not str and type(b) is not str:
            raise _type_error(a, "+", "modifier")
        return _fmt(a) + _fmt(b)
    x, y = _num(a, op), _num(b, op)
    if op in ("&", "|", "^", "<<", ">>"):
        i, j = int(x), int(y)
        result = {
            "&": i & j,
            "|": i | j,
            "^": i ^ j,
            "<<": (i << j) % 2**64 if j < 64 else 0,
            ">>": (i % 2**64) >> j,
        }[op]
        return float(result)
    if op == "-":
        return x - y
    if op == "*":
        return x * y
    if op == "/":
        if y == 0:
            return math.nan if x == 0 or math.isnan(x) else math.copysign(math.inf, x)
        return x / y
    if op == "%":
        return math.fmod(x, y) if y != 0 and math.isfinite(x) else math.nan
    try:
        return math.pow(x, y)
    except (OverflowError, ValueError):
        return math.inf


def _logical(op: str, left: Thunk, right: Thunk) -> Thunk:
    stop = op == "||"  # the left value that decides without looking right

    def run() -> Any:
        lv = left()
        if lv is stop:
            return stop
        rv = right()
        _bool(lv, op)
        return _bool(rv, op)

    return run


def _ternary(left: Thunk, right: Thunk) -> Thunk:
    def run() -> Any:
        lv = left()
        if lv is False:
            return None
        rv = right()
        return rv if _bool(lv, "?", "ternary operator") else None

    return run


def _coalesce(left: Thunk, right: Thunk) -> Thunk:
    def run() -> Any:
        lv = left()
        return lv if lv is not None else right()

    return run


def _separate(left: Thunk, right: Thunk) -> Thunk:
    def run() -> list[Any]:
        lv = left()
        return [*lv, right()] if isinstance(lv, list) else [lv, right()]

    return run


def _binary(op: str, left: Thunk, right: Thunk) -> Thunk:
    if op in ("&&", "||"):
        return _logical(op, left, right)
    if op == "?":
        return _ternary(left, right)
    if op in (":", "??"):
        return _coalesce(left, right)
    if op == ",":
        return _separate(left, right)
    if op == "==":
        return lambda: deep_equal(left(), right())
    if op == "!=":
        return lambda: not deep_equal(left(), right())
    if op in ("<", "<=", ">", ">="):
        return lambda: _compare(op, left(), right())
    if op in ("=~", "!~"):
        return lambda: _regex(op, left(), right())
    if op == "in":

        def member() -> bool:
            needle, haystack = left(), right()
            if not isinstance(haystack, list):
                raise GoPanic(
                    f"Value '{_fmt(haystack)}' cannot be used with the comparator 'in', it is not a number"
                )
            return any(type(needle) is type(v) and needle == v for v in haystack)

        return member
    return lambda: _arith(op, left(), right())


class _Parser:
    def __init__(self, tokens: list[GToken], source: str) -> None:
        self.tokens, self.src, self.i = tokens, source, 0

    def peek(self) -> GToken | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def level(self, index: int) -> Thunk:
        if index == len(_LEVELS):
            return self.value()
        kind, symbols = _LEVELS[index]
        left = self.level(index + 1)
        while (tok := self.peek()) is not None and tok.kind == kind and tok.value in symbols:
            self.i += 1
            left = _binary(tok.value, left, self.level(index + 1))
        return left

    def expect_close(self) -> None:
        tok = self.peek()
        if tok is None or tok.kind != CLAUSE_CLOSE:
            raise ExpressionError(
                "expected ')'", source=self.src, position=len(self.src) if tok is None else tok.pos
            )
        self.i += 1

    def parse(self) -> Thunk:
        thunk = self.level(0)
        tok = self.peek()
        if tok is not None:
            raise ExpressionError(f"unexpected {tok.kind} [{tok.value}]", source=self.src, position=tok.pos)
        return thunk

    def value(self) -> Thunk:
        tok = self.peek()
        if tok is None or tok.kind == CLAUSE_CLOSE:
            raise ExpressionError(
                "a value is missing",
                source=self.src,
                position=len(self.src) if tok is None else tok.pos,
            )
        self.i += 1
        if tok.kind == CLAUSE:
            inner = self.level(0)
            self.expect_close()
            return inner
        if tok.kind == PREFIX:
            operand = self.value()
            if tok.value == "!":
                return lambda: not _bool(operand(), "!", "prefix")
            if tok.value == "-":
                return lambda: -_num(operand(), "-", "prefix")
            return lambda: float(~int(_num(operand(), "~", "prefix")))
        if tok.kind in (NUMERIC, STRING, BOOLEAN, PATTERN, TIME):
            value = tok.value
            return lambda: value
        if tok.kind in (VARIABLE, ACCESSOR):
            name = ".".join(tok.value) if tok.kind == ACCESSOR else tok.value
            src, pos = self.src, tok.pos

            def missing() -> Any:
                raise ExpressionError(
                    f"No parameter '{name.split('.')[0]}' found.",
                    source=src,
                    position=pos,
                    hint=_QUOTE_HINT,
                )

            return missing
        raise ExpressionError(
            f"Unable to plan token kind: '{tok.kind}', value: '{tok.value}'",
            source=self.src,
            position=tok.pos,
        )


@lru_cache(maxsize=4096)
def compile_when(condition: str) -> Thunk:
    """Lex, convert bare words to strings, check and parse a substituted ``when`` (cached)."""
    try:
        tokens = tokenize(condition)
        check_syntax(tokens, condition)
        tokens = [GToken(STRING, t.value, t.pos) if t.kind == VARIABLE else t for t in tokens]
        check_syntax(tokens, condition)
        for i, tok in enumerate(tokens[:-1]):
            follower = tokens[i + 1]
            if tok.kind == COMPARATOR and tok.value in ("=~", "!~") and follower.kind == STRING:
                tokens[i + 1] = GToken(PATTERN, compile_regex(follower.value), follower.pos)
    except GoPanic as panic:
        raise ExpressionError(f"invalid 'when' expression: {panic}", source=condition) from None
    except ExpressionError as exc:
        raise ExpressionError(
            f"invalid 'when' expression: {exc.message}",
            source=condition,
            position=exc.position,
            hint=_QUOTE_HINT,
        ) from None
    if not tokens:
        return lambda: None
    try:
        return _Parser(tokens, condition).parse()
    except RecursionError:
        raise ExpressionError("'when' expression nests too deeply", source=condition) from None


def evaluate_govaluate(condition: str) -> Any:
    """Evaluate a substituted ``when`` string with Argo's govaluate rules; any result type."""
    thunk = compile_when(condition)
    try:
        return thunk()
    except GoPanic as panic:
        raise ExpressionError(f"failed to evaluate 'when' expression: {panic}", source=condition) from None
