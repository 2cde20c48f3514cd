"""Tokens of the expr-lang language (Argo's ``{{=...}}``), following expr's own lexer rules."""

from __future__ import annotations

from typing import NamedTuple

from dflow_jupyter.expr.errors import ExpressionError

NUMBER, STRING, IDENT, OPERATOR, BRACKET, EOF = (
    "Number",
    "String",
    "Identifier",
    "Operator",
    "Bracket",
    "EOF",
)

# Words the lexer turns into operators rather than identifiers.
_WORD_OPERATORS = frozenset(
    {"in", "or", "and", "matches", "contains", "startsWith", "endsWith", "let", "if", "else"}
)
_NEGATABLE = frozenset({"in", "matches", "contains", "startsWith", "endsWith"})
# For each operator character, the characters expr's lexer accepts right after it ("?." "??"
# "||" "::" ".." "&&" "!=" "==" "**" "<=" ">="...).
_SECOND_CHAR = {"?": ".?", "|": "|", ":": ":", ".": ".", **dict.fromkeys("&!=*<>", "&=*")}
_SIMPLE_ESCAPES = {
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "n": "\n",
    "r": "\r",
    "t": "\t",
    "v": "\v",
    "\\": "\\",
}


class Token(NamedTuple):
    """One lexeme: its kind, its (unescaped) value and its 0-based offset in the source."""

    kind: str
    value: str
    pos: int

    def is_(self, kind: str, *values: str) -> bool:
        """Whether the token has this kind and, if given, one of these values."""
        return self.kind == kind and (not values or self.value in values)

    def describe(self) -> str:
        """How expr names the token in its messages, e.g. ``Operator(")")``."""
        return "end of expression" if self.kind == EOF else f'{self.kind}("{self.value}")'


def _is_alnum(char: str) -> bool:
    return char == "_" or char == "$" or char.isalpha() or char.isdigit()


class _Lexer:
    def __init__(self, source: str) -> None:
        self.src = source
        self.i = 0
        self.tokens: list[Token] = []

    def fail(self, message: str, pos: int) -> ExpressionError:
        return ExpressionError(message, source=self.src, position=pos)

    def peek(self, ahead: int = 0) -> str:
        j = self.i + ahead
        return self.src[j] if j < len(self.src) else ""

    def run(self) -> list[Token]:
        src = self.src
        while self.i < len(src):
            start, char = self.i, src[self.i]
            if char.isspace():
                self.i += 1
            elif char in "'\"":
                self.tokens.append(Token(STRING, self.string(char), start))
            elif char == "`":
                self.tokens.append(Token(STRING, self.raw_string(), start))
            elif char in "bB" and self.peek(1) in ("'", '"'):
                raise self.fail("bytes literals (b'...') are not supported", start)
            elif char.isdigit() or (char == "." and self.peek(1).isdigit()):
                self.tokens.append(Token(NUMBER, self.number(), start))
            elif char == "/" and self.peek(1) in ("/", "*"):
                self.comment()
            elif char == "#":
                self.i += 1
                self.tokens.append(Token(OPERATOR, "#", start))
                name_start = self.i
                while self.i < len(src) and _is_alnum(src[self.i]):
                    self.i += 1
                if self.i > name_start:
                    self.tokens.append(Token(IDENT, src[name_start : self.i], name_start))
            elif _is_alnum(char):
                self.word()
            else:
                self.tokens.append(Token(*self.symbol(char), start))
        self.tokens.append(Token(EOF, "", len(src)))
        return self.tokens

    def symbol(self, char: str) -> tuple[str, str]:
        self.i += 1
        if char in "([{)]}":
            return BRACKET, char
        nxt = self.peek()
        if char in _SECOND_CHAR:
            if nxt and nxt in _SECOND_CHAR[char]:
                self.i += 1
                return OPERATOR, char + nxt
            return OPERATOR, char
        if char in ",;%+-^/":
            return OPERATOR, char
        raise self.fail(f"unrecognized character: U+{ord(char):04X} {char!r}", self.i - 1)

    def word(self) -> None:
        start = self.i
        while self.i < len(self.src) and _is_alnum(self.src[self.i]):
            self.i += 1
        text = self.src[start : self.i]
        if text == "not":
            self.tokens.append(Token(OPERATOR, "not", start))
            # "not in", "not matches"... are single negated operators.
            j = self.i
            while j < len(self.src) and self.src[j].isspace():
                j += 1
            k = j
            while k < len(self.src) and _is_alnum(self.src[k]):
                k += 1
            if self.src[j:k] in _NEGATABLE:
                self.tokens.append(Token(OPERATOR, self.src[j:k], j))
                self.i = k
        elif text in _WORD_OPERATORS:
            self.tokens.append(Token(OPERATOR, text, start))
        else:
            self.tokens.append(Token(IDENT, text, start))

    def number(self) -> str:
        src, start = self.src, self.i
        digits = "0123456789_"
        if src.startswith(("0x", "0X"), start):
            digits, self.i = "0123456789abcdefABCDEF_", start + 2
        elif src.startswith(("0o", "0O"), start):
            digits, self.i = "01234567_", start + 2
        elif src.startswith(("0b", "0B"), start):
            digits, self.i = "01_", start + 2
        self._run(digits)
        if self.peek() == "." and self.peek(1) != ".":  # "1..3" is a range, not "1." then ".3"
            self.i += 1
            self._run(digits)
        if self.peek() in ("e", "E") and self.peek():
            self.i += 1
            if self.peek() in ("+", "-") and self.peek():
                self.i += 1
            self._run(digits)
        if self.peek() and _is_alnum(self.peek()):
            raise self.fail(f"bad number syntax: {src[start : self.i + 1]!r}", start)
        return src[start : self.i]

    def _run(self, allowed: str) -> None:
        while self.i < len(self.src) and self.src[self.i] in allowed:
            self.i += 1

    def string(self, quote: str) -> str:
        src, start = self.src, self.i
        self.i += 1
        out: list[str] = []
        while True:
            if self.i >= len(src) or src[self.i] == "\n":
                raise self.fail("literal not terminated", start)
            char = src[self.i]
            if char == quote:
                self.i += 1
                return "".join(out)
            if char != "\\":
                out.append(char)
                self.i += 1
                continue
            out.append(self.escape(quote))

    def escape(self, quote: str) -> str:
        src, at = self.src, self.i
        char = self.peek(1)
        if char in _SIMPLE_ESCAPES and char:
            self.i += 2
            return _SIMPLE_ESCAPES[char]
        if char == quote:
            self.i += 2
            return quote
        widths = {"x": 2, "u": 4, "U": 8}
        if char and char in "01234567":
            code, self.i = src[at + 1 : at + 4], at + 4
            if len(code) == 3 and all(c in "01234567" for c in code) and int(code, 8) < 256:
                return chr(int(code, 8))
        elif char == "u" and self.peek(2) == "{":
            end = src.find("}", at + 3)
            code = src[at + 3 : end] if end > 0 else ""
            if 0 < len(code) <= 6 and all(c in "0123456789abcdefABCDEF" for c in code):
                self.i = end + 1
                if int(code, 16) <= 0x10FFFF:
                    return chr(int(code, 16))
        elif char in widths and char:
            code = src[at + 2 : at + 2 + widths[char]]
            if len(code) == widths[char] and all(c in "0123456789abcdefABCDEF" for c in code):
                self.i = at + 2 + widths[char]
                if int(code, 16) <= 0x10FFFF:
                    return chr(int(code, 16))
        if not char:
            raise self.fail("literal not terminated", at)
        raise self.fail("invalid char escape", at)

    def raw_string(self) -> str:
        end = self.i + 1
        out: list[str] = []
        while True:
            j = self.src.find("`", end)
            if j < 0:
                raise self.fail("literal not terminated", self.i)
            out.append(self.src[end:j])
            if self.src.startswith("``", j):  # a doubled backtick is an escaped backtick
                out.append("`")
                end = j + 2
                continue
            self.i = j + 1
            return "".join(out)

    def comment(self) -> None:
        if self.src.startswith("//", self.i):
            end = self.src.find("\n", self.i)
            self.i = len(self.src) if end < 0 else end + 1
            return
        end = self.src.find("*/", self.i + 2)
        if end < 0:
            raise self.fail("unclosed comment", self.i)
        self.i = end + 2


def tokenize(source: str) -> list[Token]:
    """Split an expr-lang expression into tokens, ending with an ``EOF`` token.

    Raises
    ------
    ExpressionError
        On an unterminated string, a bad escape or number, or an unknown character.
    """
    return _Lexer(source).run()
