"""Tokens of govaluate, the language of Argo's plain ``when`` conditions, lexed as govaluate does.

Quirks kept on purpose because Argo inherits them: a symbol is every non-alphanumeric run up
to a blank (``a==-1`` is the invalid token ``==-``), quoted strings end at *either* quote, a
quoted string that parses as a date becomes its Unix time, ``word.Word`` is a struct accessor
and ``word.word`` an error, and ``[any text]`` is a variable.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any, NamedTuple

from dflow_jupyter.expr.errors import ExpressionError

PREFIX, NUMERIC, BOOLEAN, STRING, PATTERN, TIME, VARIABLE = (
    "PREFIX",
    "NUMERIC",
    "BOOLEAN",
    "STRING",
    "PATTERN",
    "TIME",
    "VARIABLE",
)
FUNCTION, SEPARATOR, ACCESSOR, COMPARATOR, LOGICALOP, MODIFIER = (
    "FUNCTION",
    "SEPARATOR",
    "ACCESSOR",
    "COMPARATOR",
    "LOGICALOP",
    "MODIFIER",
)
CLAUSE, CLAUSE_CLOSE, TERNARY, UNKNOWN = "CLAUSE", "CLAUSE_CLOSE", "TERNARY", "UNKNOWN"

PREFIX_SYMBOLS = frozenset({"-", "!", "~"})
MODIFIER_SYMBOLS = frozenset({"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"})
LOGICAL_SYMBOLS = frozenset({"&&", "||"})
COMPARATOR_SYMBOLS = frozenset({"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"})
TERNARY_SYMBOLS = frozenset({"?", ":", "??"})

_VALUE_NEXT = frozenset({MODIFIER, COMPARATOR, LOGICALOP, CLAUSE_CLOSE, TERNARY, SEPARATOR})
_OPERAND = frozenset({PREFIX, NUMERIC, BOOLEAN, VARIABLE, PATTERN, FUNCTION, ACCESSOR, STRING, TIME, CLAUSE})
# For each token kind: (kinds that may follow it, whether the expression may end after it).
NEXT: dict[str, tuple[frozenset[str], bool]] = {
    UNKNOWN: (_OPERAND, False),
    CLAUSE: (_OPERAND | {CLAUSE_CLOSE}, False),
    CLAUSE_CLOSE: (
        frozenset(
            {
                COMPARATOR,
                MODIFIER,
                NUMERIC,
                BOOLEAN,
                VARIABLE,
                STRING,
                PATTERN,
                TIME,
                CLAUSE,
                CLAUSE_CLOSE,
                LOGICALOP,
                TERNARY,
                SEPARATOR,
            }
        ),
        True,
    ),
    NUMERIC: (_VALUE_NEXT, True),
    BOOLEAN: (_VALUE_NEXT, True),
    STRING: (_VALUE_NEXT, True),
    TIME: (_VALUE_NEXT - {TERNARY}, True),
    PATTERN: (_VALUE_NEXT - {TERNARY}, True),
    VARIABLE: (_VALUE_NEXT, True),
    MODIFIER: (
        frozenset({PREFIX, NUMERIC, VARIABLE, FUNCTION, ACCESSOR, STRING, BOOLEAN, CLAUSE, CLAUSE_CLOSE}),
        False,
    ),
    COMPARATOR: (_OPERAND | {CLAUSE_CLOSE}, False),
    LOGICALOP: (_OPERAND - {PATTERN} | {CLAUSE_CLOSE}, False),
    PREFIX: (
        frozenset({NUMERIC, BOOLEAN, VARIABLE, FUNCTION, ACCESSOR, CLAUSE, CLAUSE_CLOSE}),
        False,
    ),
    TERNARY: (_OPERAND - {PATTERN} | {SEPARATOR}, False),
    FUNCTION: (frozenset({CLAUSE}), False),
    ACCESSOR: (
        frozenset({CLAUSE, MODIFIER, COMPARATOR, LOGICALOP, CLAUSE_CLOSE, TERNARY, SEPARATOR}),
        True,
    ),
    SEPARATOR: (_OPERAND - {PATTERN}, False),
}

# The date layouts govaluate tries (ISO forms; the named-weekday layouts are left out).
_ISO_TIME = re.compile(
    r"(?P<y>\d{4})-(?P<mo>\d{2})-(?P<d>\d{2})"
    r"(?:(?P<sep>[ T])(?P<h>\d{1,2})(?::(?P<mi>\d{2}))?(?::(?P<s>\d{2})(?P<f>\.\d{1,9})?)?)?"
    r"(?P<z>Z|[+-]\d{2}:?\d{2})?\Z"
)
_KITCHEN = re.compile(r"(\d{1,2}):(\d{2})(AM|PM)\Z")
_EPOCH = datetime(1970, 1, 1)


class GToken(NamedTuple):
    """A govaluate token: kind, value (str, float, bool or compiled pattern) and offset."""

    kind: str
    value: Any
    pos: int


def _iso_layout_ok(m: re.Match[str]) -> bool:
    sep, minute, second, zone = m.group("sep"), m.group("mi"), m.group("s"), m.group("z")
    if sep is None:
        return zone is None
    if sep == " ":
        return minute is not None and (zone is None or (second is not None and ":" in zone))
    return zone is not None and (second is None or minute is not None)


def parse_time(text: str) -> float | None:
    """Unix seconds of a quoted date/time string govaluate recognises, else ``None``."""
    match = _ISO_TIME.match(text)
    if match and _iso_layout_ok(match):
        y, mo, d, h, mi, sec = (int(match.group(k) or 0) for k in ("y", "mo", "d", "h", "mi", "s"))
        try:
            moment = datetime(y, mo, d, h, mi, sec)
        except ValueError:
            return None
        zone = match.group("z")
        if zone is None:
            return float(int(moment.timestamp()))
        offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[-2:])) * (-1 if zone[0] == "-" else 1)
        return float(int((moment - _EPOCH).total_seconds() - offset * 60))
    kitchen = _KITCHEN.match(text)
    if kitchen:
        hour, minute = int(kitchen.group(1)), int(kitchen.group(2))
        if 1 <= hour <= 12 and minute < 60:
            hour = hour % 12 + (12 if kitchen.group(3) == "PM" else 0)
            # Go's zero date is 0000-01-01, a leap year before Python's first year.
            seconds = (datetime(1, 1, 1, hour, minute) - _EPOCH).total_seconds()
            return float(int(seconds - 366 * 86400))
    return None


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src, self.i = source, 0

    def fail(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, source=self.src, position=pos)

    def read_until(self, keep_blanks: bool, break_blanks: bool, cond: Any) -> tuple[str, bool]:
        """govaluate's ``readUntilFalse``: backslash escapes anything; returns (text, ended)."""
        out: list[str] = []
        while self.i < len(self.src):
            char = self.src[self.i]
            self.i += 1
            if char == "\\":
                if self.i < len(self.src):
                    out.append(self.src[self.i])
                    self.i += 1
                continue
            if char.isspace():
                if break_blanks and out:
                    return "".join(out), True
                if not keep_blanks:
                    continue
            if cond(char):
                out.append(char)
            else:
                self.i -= 1
                return "".join(out), True
        return "".join(out), False

    def run(self) -> list[GToken]:
        tokens: list[GToken] = []
        state = UNKNOWN
        while self.i < len(self.src):
            char = self.src[self.i]
            if char.isspace():
                self.i += 1
                continue
            token = self.token(char, state)
            tokens.append(token)
            state = token.kind
        return tokens

    def token(self, char: str, state: str) -> GToken:
        start = self.i
        if char.isdigit() or char == ".":
            if self.src.startswith(("0x",), start) and start + 2 < len(self.src):
                self.i = start + 2
                text, _ = self.read_until(False, True, lambda c: c in "0123456789abcdefABCDEF")
                if not text:
                    raise self.fail(f"Unable to parse hex value '{text}' to uint64", start)
                return GToken(NUMERIC, float(int(text, 16)), start)
            text, _ = self.read_until(False, True, lambda c: c.isdigit() or c == ".")
            try:
                return GToken(NUMERIC, float(text), start)
            except ValueError:
                raise self.fail(f"Unable to parse numeric value '{text}' to float64", start) from None
        if char == ",":
            self.i += 1
            return GToken(SEPARATOR, ",", start)
        if char == "[":
            self.i += 1
            text, done = self.read_until(True, False, lambda c: c != "]")
            if not done:
                raise self.fail("Unclosed parameter bracket", start)
            self.i += 1
            return GToken(VARIABLE, text, start)
        if char.isalpha():
            return self.word(start)
        if char in "'\"":
            self.i += 1
            text, done = self.read_until(True, False, lambda c: c not in "'\"")
            if not done:
                raise self.fail("Unclosed string literal", start)
            self.i += 1
            moment = parse_time(text)
            return GToken(STRING, text, start) if moment is None else GToken(TIME, moment, start)
        if char in "()":
            self.i += 1
            return GToken(CLAUSE if char == "(" else CLAUSE_CLOSE, char, start)
        text, _ = self.read_until(False, True, lambda c: not (c.isdigit() or c.isalpha() or c in "()[]'\""))
        if PREFIX in NEXT[state][0] and text in PREFIX_SYMBOLS:
            return GToken(PREFIX, text, start)
        for kind, symbols in (
            (MODIFIER, MODIFIER_SYMBOLS),
            (LOGICALOP, LOGICAL_SYMBOLS),
            (COMPARATOR, COMPARATOR_SYMBOLS),
            (TERNARY, TERNARY_SYMBOLS),
        ):
            if text in symbols:
                return GToken(kind, text, start)
        raise self.fail(f"Invalid token: '{text}'", start)

    def word(self, start: int) -> GToken:
        text, _ = self.read_until(False, True, lambda c: c.isalnum() or c in "_.")
        if text in ("true", "false"):
            return GToken(BOOLEAN, text == "true", start)
        if text in ("in", "IN"):
            return GToken(COMPARATOR, "in", start)
        if "." in text[1:]:
            if text.endswith("."):
                raise self.fail(f"Hanging accessor on token '{text}'", start)
            for part in text.split(".")[1:]:
                if part[:1].upper() != part[:1]:
                    raise self.fail(f"Unable to access unexported field '{part}' in token '{text}'", start)
            return GToken(ACCESSOR, text.split("."), start)
        return GToken(VARIABLE, text, start)


def tokenize(source: str) -> list[GToken]:
    """Lex a ``when`` condition exactly as govaluate's ``parseTokens`` would."""
    return _Lexer(source).run()


def check_syntax(tokens: list[GToken], source: str) -> None:
    """govaluate's ``checkBalance`` and ``checkExpressionSyntax`` over a token list."""
    depth = 0
    for tok in tokens:
        depth += (tok.kind == CLAUSE) - (tok.kind == CLAUSE_CLOSE)
    if depth != 0:
        raise ExpressionError("Unbalanced parenthesis", source=source)
    state, last = UNKNOWN, None
    for tok in tokens:
        allowed, _ = NEXT[state]
        if tok.kind not in allowed:
            if last is not None and last.kind == VARIABLE and tok.kind == CLAUSE:
                raise ExpressionError(f"Undefined function {last.value}", source=source, position=last.pos)
            shown = "" if last is None else last.value
            raise ExpressionError(
                f"Cannot transition token types from {state} [{shown}] to {tok.kind} [{tok.value}]",
                source=source,
                position=tok.pos,
            )
        state, last = tok.kind, tok
    if not NEXT[state][1]:
        raise ExpressionError("Unexpected end of expression", source=source, position=len(source))
