"""The operand half of expr-lang's parser: literals, names, calls, predicates and member access.

:class:`OperandParser` walks the token list and parses what sits between operators; the
precedence climbing that joins operands lives in :mod:`dflow_jupyter.expr.exprlang.parser`,
which subclasses it and supplies :meth:`~OperandParser.expression` and
:meth:`~OperandParser.sequence`.
"""

from __future__ import annotations

from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.exprlang import ast
from dflow_jupyter.expr.exprlang.builtins import BUILTINS, UNSUPPORTED
from dflow_jupyter.expr.exprlang.lexer import BRACKET, EOF, IDENT, NUMBER, OPERATOR, STRING, Token, tokenize

# Built-ins taking a predicate (closure) as second argument; True marks an optional argument.
_SIMPLE_PREDICATES = "all none any one filter map find findIndex findLast findLastIndex groupBy"
PREDICATES: dict[str, tuple[tuple[str, bool], ...]] = {
    name: (("expr", False), ("predicate", False)) for name in _SIMPLE_PREDICATES.split()
}
PREDICATES.update(
    {
        "count": (("expr", False), ("predicate", True)),
        "sum": (("expr", False), ("predicate", True)),
        "sortBy": (("expr", False), ("predicate", False), ("expr", True)),
        "reduce": (("expr", False), ("predicate", False), ("expr", True)),
    }
)
BUILTIN_NAMES = frozenset(BUILTINS) | UNSUPPORTED
_INT64_MAX = 2**63 - 1


def _is_identifier(text: str) -> bool:
    return (
        bool(text) and (text[0].isalpha() or text[0] in "_$") and all(c.isalnum() or c in "_$" for c in text)
    )


class OperandParser:
    """Token cursor plus the operand grammar; subclasses add the operators between operands."""

    def __init__(self, source: str) -> None:
        self.src = source
        self.tokens = tokenize(source)
        self.i = 0
        self.depth = 0  # > 0 inside a predicate, where "#" and ".x" are allowed

    @property
    def cur(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != EOF:
            self.i += 1
        return tok

    def fail(self, message: str, tok: Token | None = None) -> ExpressionError:
        tok = tok or self.cur
        return ExpressionError(message, source=self.src, position=tok.pos)

    def unexpected(self, expected: str | None = None) -> ExpressionError:
        found = self.cur.describe()
        if expected:
            return self.fail(f"expected {expected} but found {found}")
        return self.fail(f"unexpected token {found}")

    def expect(self, kind: str, value: str | None = None) -> Token:
        if self.cur.kind == kind and (value is None or self.cur.value == value):
            return self.advance()
        raise self.unexpected(f'"{value}"' if value else kind.lower())

    # Operands contain whole expressions (call arguments, array items, indexes, predicate
    # bodies), so the operand grammar calls back into the operator grammar through these two.
    def expression(self, precedence: int) -> ast.Node:
        """Parse an expression whose operators bind at least as tightly as ``precedence``."""
        raise NotImplementedError

    def sequence(self) -> ast.Node:
        """Parse ``a; b; c`` (a ``let`` body, a braced predicate, a parenthesised group)."""
        raise NotImplementedError

    def secondary(self) -> ast.Node:
        tok = self.cur
        node: ast.Node
        if tok.kind == IDENT:
            self.advance()
            if tok.value in ("true", "false", "nil"):
                return ast.Literal(tok.pos, {"true": True, "false": False, "nil": None}[tok.value])
            if self.cur.is_(BRACKET, "("):
                node = self.call(tok, [])
            else:
                node = ast.Identifier(tok.pos, tok.value)
        elif tok.kind == NUMBER:
            self.advance()
            return ast.Literal(tok.pos, self.number(tok))
        elif tok.kind == STRING:
            self.advance()
            node = ast.Literal(tok.pos, tok.value)
        elif tok.is_(BRACKET, "["):
            node = self.array()
        elif tok.is_(BRACKET, "{"):
            node = self.mapping()
        elif tok.kind == EOF:
            raise self.fail("unexpected end of expression: a value is missing")
        else:
            raise self.unexpected("a value")
        return self.postfix(node)

    def number(self, tok: Token) -> int | float:
        text = tok.value.replace("_", "")
        low = text.lower()
        try:
            if low.startswith(("0x", "0b", "0o")):
                value: int | float = int(text, 0)
            elif "." in low or "e" in low:
                return float(text)
            else:
                value = int(text, 10)
        except ValueError:
            raise self.fail(f"invalid number literal {tok.value!r}", tok) from None
        if value > _INT64_MAX:
            raise self.fail("integer literal is too large", tok)
        return value

    def call(self, name: Token, args: list[ast.Node]) -> ast.Node:
        if name.value in PREDICATES:
            self.expect(BRACKET, "(")
            specs = PREDICATES[name.value][len(args) :]
            for i, (kind, optional) in enumerate(specs):
                if self.cur.is_(BRACKET, ")"):
                    if optional:
                        break
                    raise self.fail(f"{name.value}() expects at least {len(specs)} arguments")
                if i > 0:
                    self.expect(OPERATOR, ",")
                args.append(self.predicate() if kind == "predicate" else self.expression(0))
            if self.cur.is_(OPERATOR, ","):
                self.advance()
            self.expect(BRACKET, ")")
            return ast.Builtin(name.pos, name.value, tuple(args))
        if name.value in BUILTIN_NAMES:
            return ast.Builtin(name.pos, name.value, tuple(self.arguments(args)))
        callee = ast.Identifier(name.pos, name.value)
        return ast.Call(name.pos, callee, tuple(self.arguments(args)))

    def arguments(self, args: list[ast.Node]) -> list[ast.Node]:
        offset = len(args)
        self.expect(BRACKET, "(")
        while not self.cur.is_(BRACKET, ")"):
            if len(args) > offset:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, ")"):
                    break
            args.append(self.expression(0))
        self.expect(BRACKET, ")")
        return args

    def predicate(self) -> ast.Node:
        pos = self.cur.pos
        braces = self.cur.is_(BRACKET, "{")
        if braces:
            self.advance()
        self.depth += 1
        body = self.sequence() if braces else self.expression(0)
        self.depth -= 1
        if braces:
            self.expect(BRACKET, "}")
        elif self.cur.is_(OPERATOR, ";"):
            raise self.fail("wrap predicate with brackets { and }")
        return ast.Predicate(pos, body)

    def array(self) -> ast.Node:
        pos = self.expect(BRACKET, "[").pos
        items: list[ast.Node] = []
        while not self.cur.is_(BRACKET, "]"):
            if items:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "]"):
                    break
            items.append(self.expression(0))
        self.expect(BRACKET, "]")
        return ast.ArrayLit(pos, tuple(items))

    def mapping(self) -> ast.Node:
        pos = self.expect(BRACKET, "{").pos
        pairs: list[tuple[ast.Node, ast.Node]] = []
        while not self.cur.is_(BRACKET, "}"):
            if pairs:
                self.expect(OPERATOR, ",")
                if self.cur.is_(BRACKET, "}"):
                    break
            tok = self.cur
            key: ast.Node
            if tok.kind in (NUMBER, STRING, IDENT):
                key = ast.Literal(tok.pos, tok.value)
                self.advance()
            elif tok.is_(BRACKET, "("):
                key = self.expression(0)
            else:
                raise self.unexpected(
                    "a map key (a quoted string, a number, an identifier, or an expression "
                    "enclosed in parentheses)"
                )
            self.expect(OPERATOR, ":")
            pairs.append((key, self.expression(0)))
        self.expect(BRACKET, "}")
        return ast.MapLit(pos, tuple(pairs))

    def postfix(self, node: ast.Node) -> ast.Node:
        while True:
            tok = self.cur
            optional = tok.is_(OPERATOR, "?.")
            if tok.is_(OPERATOR, ".", "?.") and not (optional and self.tokens[self.i + 1].is_(BRACKET, "[")):
                self.advance()
                prop = self.advance()
                if prop.kind != IDENT and not (prop.kind == OPERATOR and _is_identifier(prop.value)):
                    raise self.fail(f"expected a name after '{tok.value}'", prop)
                chained = isinstance(node, ast.Chain)
                base = node.node if isinstance(node, ast.Chain) else node
                member: ast.Node = ast.Member(prop.pos, base, ast.Literal(prop.pos, prop.value), optional)
                if self.cur.is_(BRACKET, "("):
                    member = ast.Call(prop.pos, member, tuple(self.arguments([])))
                node = ast.Chain(prop.pos, member) if chained or optional else member
            elif tok.is_(BRACKET, "[") or optional:
                if optional:
                    self.advance()
                node = self.index(node, optional)
            else:
                return node

    def index(self, node: ast.Node, optional: bool) -> ast.Node:
        pos = self.expect(BRACKET, "[").pos
        start: ast.Node | None = None
        if not self.cur.is_(OPERATOR, ":"):
            start = self.expression(0)
            if not self.cur.is_(OPERATOR, ":"):
                self.expect(BRACKET, "]")
                chained = isinstance(node, ast.Chain)
                base = node.node if isinstance(node, ast.Chain) else node
                member = ast.Member(pos, base, start, optional)
                return ast.Chain(pos, member) if chained or optional else member
        self.advance()
        end = None if self.cur.is_(BRACKET, "]") else self.expression(0)
        self.expect(BRACKET, "]")
        return ast.Slice(pos, node, start, end)
