"""Recursive-descent parser for expr-lang, mirroring expr's precedence and associativity rules.

Precedence, lowest first: ``?:`` (ternary), ``|`` (pipe), ``or ||``, ``and &&``,
comparisons (``== != < > <= >= in matches contains startsWith endsWith``), ``..``, ``+ -``,
``* / %``, unary ``not !`` (50), unary ``- +`` (90), ``** ^`` (right-assoc), ``??``.
``a < b < c`` means ``a < b && b < c`` as in expr.

This module climbs the operator precedences (plus ``let``, ``if``/``else`` and ``;``); what sits
between operators is parsed by :class:`~dflow_jupyter.expr.exprlang.operands.OperandParser`.
"""

from __future__ import annotations

from functools import lru_cache

from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.exprlang import ast
from dflow_jupyter.expr.exprlang.lexer import BRACKET, EOF, IDENT, OPERATOR, Token
from dflow_jupyter.expr.exprlang.operands import OperandParser

# Precedence levels of binary operators (expr's parser/operator package); every level is
# left-associative except the power operators.
_LEVELS = {
    0: "|",
    10: "or ||",
    15: "and &&",
    20: "== != < > >= <= in matches contains startsWith endsWith",
    25: "..",
    30: "+ -",
    60: "* / %",
    100: "** ^",
    500: "??",
}
UNARY = {"not": 50, "!": 50, "-": 90, "+": 90}
BINARY = {op: (prec, op in ("**", "^")) for prec, ops in _LEVELS.items() for op in ops.split()}
_CHAINED_COMPARISONS = frozenset({"<", ">", "<=", ">="})
_NEGATABLE = frozenset({"contains", "matches", "startsWith", "endsWith", "in"})


class _Parser(OperandParser):
    """The operator grammar, by precedence climbing over the operands of :class:`OperandParser`."""

    def parse(self) -> ast.Node:
        node = self.sequence()
        if self.cur.kind != EOF:
            raise self.unexpected("an operator or the end of the expression")
        return node

    def sequence(self) -> ast.Node:
        nodes = [self.expression(0)]
        while self.cur.is_(OPERATOR, ";"):
            self.advance()
            if self.cur.kind == EOF:
                break
            nodes.append(self.expression(0))
        return nodes[0] if len(nodes) == 1 else ast.Sequence(nodes[0].pos, tuple(nodes))

    def expression(self, precedence: int) -> ast.Node:
        if precedence == 0 and self.cur.is_(OPERATOR, "let"):
            return self.let()
        if precedence == 0 and self.cur.is_(OPERATOR, "if"):
            return self.if_else()
        left = self.primary()
        prev_op = ""
        while self.cur.kind == OPERATOR:
            op_tok, start = self.cur, self.i
            not_pos, negate = op_tok.pos, op_tok.value == "not"
            if negate:
                self.advance()
                if self.cur.value not in _NEGATABLE or self.cur.kind != OPERATOR:
                    raise self.unexpected("in/contains/matches/startsWith/endsWith after 'not'")
                if BINARY[self.cur.value][0] < precedence:
                    self.i = start
                    break
                op_tok = self.cur
            spec = BINARY.get(op_tok.value)
            if spec is None or spec[0] < precedence:
                self.i = start
                break
            self.advance()
            op, (prec, right_assoc) = op_tok.value, spec
            if op == "|":
                name = self.expect(IDENT)
                left = self.call(name, [left])
            elif prev_op == "??" and op != "??":
                raise self.fail(
                    f"Operator ({op}) and coalesce expressions (??) cannot be mixed. "
                    "Wrap either by parentheses.",
                    op_tok,
                )
            elif op in _CHAINED_COMPARISONS:
                left = self.comparison(left, op_tok, prec)
            else:
                right = self.expression(prec if right_assoc else prec + 1)
                left = ast.Binary(op_tok.pos, op, left, right)
                if negate:
                    left = ast.Unary(not_pos, "not", left)
            prev_op = op
        if precedence == 0:
            left = self.conditional(left)
        return left

    def comparison(self, left: ast.Node, tok: Token, precedence: int) -> ast.Node:
        root: ast.Node | None = None
        while True:
            right = self.expression(precedence + 1)
            node = ast.Binary(tok.pos, tok.value, left, right)
            root = node if root is None else ast.Binary(tok.pos, "&&", root, node)
            left, tok = right, self.cur
            if not (tok.kind == OPERATOR and tok.value in _CHAINED_COMPARISONS):
                return root
            self.advance()

    def conditional(self, node: ast.Node) -> ast.Node:
        while self.cur.is_(OPERATOR, "?"):
            pos = self.advance().pos
            if self.cur.is_(OPERATOR, ":"):
                self.advance()
                then, other = node, self.expression(0)
            else:
                then = self.expression(0)
                self.expect(OPERATOR, ":")
                other = self.expression(0)
            node = ast.Conditional(pos, node, then, other)
        return node

    def let(self) -> ast.Node:
        self.expect(OPERATOR, "let")
        name = self.expect(IDENT)
        self.expect(OPERATOR, "=")
        value = self.expression(0)
        self.expect(OPERATOR, ";")
        return ast.Let(name.pos, name.value, value, self.sequence())

    def if_else(self) -> ast.Node:
        pos = self.advance().pos
        cond = self.expression(0)
        self.expect(BRACKET, "{")
        then = self.sequence()
        self.expect(BRACKET, "}")
        self.expect(OPERATOR, "else")
        if self.cur.is_(OPERATOR, "if"):
            return ast.Conditional(pos, cond, then, self.if_else())
        self.expect(BRACKET, "{")
        other = self.sequence()
        self.expect(BRACKET, "}")
        return ast.Conditional(pos, cond, then, other)

    def primary(self) -> ast.Node:
        tok = self.cur
        if tok.kind == OPERATOR and tok.value in UNARY:
            self.advance()
            operand = self.expression(UNARY[tok.value])
            return self.postfix(ast.Unary(tok.pos, tok.value, operand))
        if tok.is_(BRACKET, "("):
            self.advance()
            inner = self.sequence()
            self.expect(BRACKET, ")")
            return self.postfix(inner)
        if self.depth > 0 and tok.is_(OPERATOR, "#", "."):
            name = ""
            if tok.value == "#":
                self.advance()
                if self.cur.kind == IDENT:
                    name = self.advance().value
            return self.postfix(ast.Pointer(tok.pos, name))
        return self.secondary()


@lru_cache(maxsize=4096)
def parse(source: str) -> ast.Node:
    """Parse an expr-lang expression (cached by source text).

    Raises
    ------
    ExpressionError
        On a syntax error, with the offending position and what was expected.
    """
    if not source.strip():
        raise ExpressionError("empty expression: expected a value", source=source, position=0)
    try:
        return _Parser(source).parse()
    except RecursionError:
        raise ExpressionError("expression nests too deeply to parse", source=source) from None
