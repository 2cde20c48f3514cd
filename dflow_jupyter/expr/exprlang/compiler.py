"""Turn an expr-lang syntax tree into nested Python closures (fast to run, never ``eval``).

Compilation also does what expr's type checker does with Argo's env: literals of clashing
types (``'3' == 3``, ``'a' < 1``) are rejected up front, unknown functions are reported, and
scope references become direct dictionary walks that name the missing key when they fail.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

from dflow_jupyter.expr.errors import ExpressionError
from dflow_jupyter.expr.exprlang import ast, ops
from dflow_jupyter.expr.exprlang.builtins import ARITY, BUILTINS, UNSUPPORTED
from dflow_jupyter.expr.exprlang.checker import (
    BUILTIN_TYPES,
    CALL_TYPES,
    CheckError,
    binary_type,
    literal_type,
    unary_type,
)
from dflow_jupyter.expr.exprlang.context import ARGO_FUNCTIONS, Ctx, Fn
from dflow_jupyter.expr.exprlang.operands import BUILTIN_NAMES, PREDICATES
from dflow_jupyter.expr.exprlang.parser import parse
from dflow_jupyter.expr.exprlang.predicates import PREDICATE_RUNNERS
from dflow_jupyter.expr.exprlang.references import reference_path
from dflow_jupyter.expr.exprlang.scope_lookup import scope_lookup
from dflow_jupyter.expr.golang import GoPanic
from dflow_jupyter.expr.sprig import SPRIG

Compiled = tuple[Fn, "str | None"]
_BINARY: dict[str, Callable[[Any, Any], Any]] = {
    "==": ops.equal,
    "!=": lambda a, b: not ops.equal(a, b),
    "<": ops.less,
    ">": ops.more,
    "<=": ops.less_equal,
    ">=": ops.more_equal,
    "+": ops.add,
    "-": ops.subtract,
    "*": ops.multiply,
    "/": ops.divide,
    "%": ops.modulo,
    "**": ops.power,
    "^": ops.power,
    "in": ops.contains_op,
    "contains": ops.str_contains,
    "startsWith": ops.starts_with,
    "endsWith": ops.ends_with,
    "matches": ops.matches,
    "..": ops.make_range,
}
_NUMERIC_OPS = frozenset({"<", ">", "<=", ">=", "+", "-", "*", "/", "%", "**", "^", ".."})
_STRING_HINT = (
    "Argo parameters are strings: convert with asFloat(...) or asInt(...) before comparing "
    "or computing, or compare with a quoted string"
)
_FUNCTION_HELP = (
    "Argo expressions provide asInt, asFloat, jsonpath, toJson and sprig.<name>, plus expr "
    "built-ins such as len, int, float, string, upper, lower, split, join, filter, map"
)


class NilChain(Exception):
    """Raised by ``a?.b`` when ``a`` is nil; the enclosing chain turns it into nil."""


class _Compiler:
    def __init__(self, source: str) -> None:
        self.src = source
        self.lets: list[str] = []

    def error(self, message: str, node: ast.Node, hint: str | None = None) -> ExpressionError:
        return ExpressionError(message, source=self.src, position=node.pos, hint=hint)

    def guarded(self, node: ast.Node, what: str, fn: Fn, hint: str | None = None) -> Fn:
        """Re-raise Go panics and Python slips from ``fn`` as located ``ExpressionError``s.

        ``hint`` is added when the failure involves a string, the usual Argo mistake.
        """
        src, pos = self.src, node.pos

        def run(ctx: Ctx) -> Any:
            try:
                return fn(ctx)
            except GoPanic as panic:
                text = str(panic)
                raise ExpressionError(
                    f"{what}: {text}",
                    source=src,
                    position=pos,
                    hint=hint if hint and "string" in text else None,
                ) from None
            except (TypeError, IndexError, KeyError, ValueError, OverflowError) as exc:
                if isinstance(exc, ExpressionError):
                    raise
                raise ExpressionError(f"{what}: {exc}", source=src, position=pos) from None

        return run

    def compile(self, node: ast.Node, lenient: bool = False) -> Compiled:
        method: Callable[[Any, bool], Compiled] = getattr(self, "c_" + type(node).__name__)
        return method(node, lenient)

    def c_Literal(self, node: ast.Literal, lenient: bool) -> Compiled:
        value = node.value
        return (lambda ctx: value), literal_type(value)

    def c_Identifier(self, node: ast.Identifier, lenient: bool) -> Compiled:
        name = node.name
        if name in self.lets:
            return (lambda ctx: ctx.vars[name]), None
        if name == "$env":
            return (lambda ctx: {**ctx.scope, **ARGO_FUNCTIONS}), "map"
        if name in ARGO_FUNCTIONS:
            value = ARGO_FUNCTIONS[name]
            return (lambda ctx: value), None
        return self.lookup(node, (name,), lenient), None

    def lookup(self, node: ast.Node, parts: tuple[str, ...], lenient: bool) -> Fn:
        """A closure reading the scope reference ``parts`` (see :func:`scope_lookup`)."""
        return scope_lookup(parts, lenient, self.src, node.pos)

    def c_Member(self, node: ast.Member, lenient: bool) -> Compiled:
        path = reference_path(node, frozenset(self.lets))
        if path is not None:
            root: ast.Node = node
            while isinstance(root, ast.Member):
                root = root.obj
            return self.lookup(root, tuple(path), lenient), None
        obj, _ = self.compile(node.obj, lenient)
        prop, _ = self.compile(node.prop, lenient)
        optional = node.optional

        def run(ctx: Ctx) -> Any:
            base = obj(ctx)
            if base is None and optional:
                raise NilChain
            return ops.fetch(base, prop(ctx))

        return self.guarded(node, "member access", run), None

    def c_Chain(self, node: ast.Chain, lenient: bool) -> Compiled:
        # Like Argo's guard for `?.`: a missing key along an optional chain is nil, not an error.
        inner, stype = self.compile(node.node, True)

        def run(ctx: Ctx) -> Any:
            try:
                return inner(ctx)
            except NilChain:
                return None

        return run, stype

    def c_Slice(self, node: ast.Slice, lenient: bool) -> Compiled:
        obj, stype = self.compile(node.obj, lenient)
        start = self.compile(node.start, lenient)[0] if node.start else (lambda ctx: None)
        end = self.compile(node.end, lenient)[0] if node.end else (lambda ctx: None)
        return self.guarded(node, "slice", lambda ctx: ops.slice_of(obj(ctx), start(ctx), end(ctx))), stype

    def c_Pointer(self, node: ast.Pointer, lenient: bool) -> Compiled:
        if node.name == "":
            return (lambda ctx: ctx.elem), None
        if node.name == "index":
            return (lambda ctx: ctx.index), "int"
        if node.name == "acc":
            return (lambda ctx: ctx.acc), None
        raise self.error(f"unknown pointer #{node.name} (expected #, #index or #acc)", node)

    def c_Unary(self, node: ast.Unary, lenient: bool) -> Compiled:
        operand, stype = self.compile(node.operand, lenient)
        try:
            result = unary_type(node.op, stype)
        except CheckError as exc:
            raise self.error(str(exc), node) from None
        if node.op in ("not", "!"):
            return self.guarded(node, "not", lambda ctx: not ops.truth(operand(ctx), "!")), "bool"
        if node.op == "-":
            return self.guarded(node, "negation", lambda ctx: ops.negate(operand(ctx))), result

        def plus(ctx: Ctx) -> Any:
            value = operand(ctx)
            ops.negate(value)  # only validates that it is a number
            return value

        return self.guarded(node, "unary +", plus), result

    def c_Binary(self, node: ast.Binary, lenient: bool) -> Compiled:
        op = node.op
        left, ltype = self.compile(node.left, lenient or op == "??")
        right, rtype = self.compile(node.right, lenient)
        try:
            result = binary_type(op, ltype, rtype)
        except CheckError as exc:
            raise self.error(str(exc), node) from None
        if op in ("and", "&&"):

            def run_and(ctx: Ctx) -> Any:
                return right(ctx) if ops.truth(left(ctx), op) else False

            return self.guarded(node, f"operator '{op}'", run_and), result
        if op in ("or", "||"):

            def run_or(ctx: Ctx) -> Any:
                return True if ops.truth(left(ctx), op) else right(ctx)

            return self.guarded(node, f"operator '{op}'", run_or), result
        if op == "??":

            def run_coalesce(ctx: Ctx) -> Any:
                value = left(ctx)
                return right(ctx) if value is None else value

            return run_coalesce, result
        fn = _BINARY[op]
        hint = _STRING_HINT if op in _NUMERIC_OPS else None
        run = self.guarded(node, f"operator '{op}'", lambda ctx: fn(left(ctx), right(ctx)), hint)
        return run, result

    def c_Conditional(self, node: ast.Conditional, lenient: bool) -> Compiled:
        cond, ctype = self.compile(node.cond, lenient)
        if ctype not in (None, "bool"):
            raise self.error(f"non-bool condition (type {ctype}) in a ternary expression", node)
        then, ttype = self.compile(node.then, lenient)
        other, otype = self.compile(node.other, lenient)
        src, pos = self.src, node.pos

        def run(ctx: Ctx) -> Any:
            flag = cond(ctx)
            if flag is True:
                return then(ctx)
            if flag is False:
                return other(ctx)
            raise ExpressionError(
                f"the condition of '? :' must be a bool, got {type(flag).__name__} ({flag!r})",
                source=src,
                position=pos,
                hint="compare explicitly, e.g. x == 'true'",
            )

        return run, ttype if ttype == otype else None

    def c_ArrayLit(self, node: ast.ArrayLit, lenient: bool) -> Compiled:
        items = [self.compile(item, lenient)[0] for item in node.items]
        return (lambda ctx: [item(ctx) for item in items]), "array"

    def c_MapLit(self, node: ast.MapLit, lenient: bool) -> Compiled:
        pairs = [(self.compile(k, lenient)[0], self.compile(v, lenient)[0]) for k, v in node.pairs]
        return self.guarded(node, "map literal", lambda ctx: {k(ctx): v(ctx) for k, v in pairs}), "map"

    def c_Let(self, node: ast.Let, lenient: bool) -> Compiled:
        value, _ = self.compile(node.value, lenient)
        self.lets.append(node.name)
        try:
            body, btype = self.compile(node.body, lenient)
        finally:
            self.lets.pop()
        name = node.name

        def run(ctx: Ctx) -> Any:
            ctx.vars[name] = value(ctx)
            return body(ctx)

        return run, btype

    def c_Sequence(self, node: ast.Sequence, lenient: bool) -> Compiled:
        parts = [self.compile(n, lenient) for n in node.nodes]
        fns = [fn for fn, _ in parts]

        def run(ctx: Ctx) -> Any:
            result = None
            for fn in fns:
                result = fn(ctx)
            return result

        return run, parts[-1][1]

    def c_Predicate(self, node: ast.Predicate, lenient: bool) -> Compiled:
        return self.compile(node.body, lenient)

    def c_Call(self, node: ast.Call, lenient: bool) -> Compiled:
        callee_node = node.callee
        what = "call"
        if isinstance(callee_node, ast.Identifier) and callee_node.name not in self.lets:
            what = f"{callee_node.name}()"
            if callee_node.name not in ARGO_FUNCTIONS:
                raise self.error(f"unknown function '{callee_node.name}'", node, _FUNCTION_HELP)
        if (
            isinstance(callee_node, ast.Member)
            and isinstance(callee_node.obj, ast.Identifier)
            and callee_node.obj.name == "sprig"
            and isinstance(callee_node.prop, ast.Literal)
        ):
            name = callee_node.prop.value
            what = f"sprig.{name}()"
            if name not in SPRIG:
                raise self.error(
                    f"unknown function 'sprig.{name}'",
                    node,
                    "supported sprig functions: " + ", ".join(sorted(SPRIG)),
                )
        callee, _ = self.compile(callee_node, lenient)
        args = [self.compile(arg, lenient)[0] for arg in node.args]

        def run(ctx: Ctx) -> Any:
            fn = callee(ctx)
            if not callable(fn):
                raise GoPanic(f"cannot call a non-function value of type {type(fn).__name__}")
            return fn(*[arg(ctx) for arg in args])

        return self.guarded(node, what, run), CALL_TYPES.get(what)

    def c_Builtin(self, node: ast.Builtin, lenient: bool) -> Compiled:
        name = node.name
        if name in UNSUPPORTED:
            raise self.error(
                f"the expr built-in {name}() is not supported (dates and durations are out of "
                "scope of dflow_jupyter's expression engine)",
                node,
            )
        low, high = ARITY.get(name, (0, None))
        if len(node.args) < low or (high is not None and len(node.args) > high):
            expected = f"{low} or more" if high is None else f"{low} to {high}"
            raise self.error(
                f"invalid number of arguments for {name}() (expected "
                f"{low if low == high else expected}, got {len(node.args)})",
                node,
            )
        args = [self.compile(arg, lenient) for arg in node.args]
        fns = [fn for fn, _ in args]
        stype = BUILTIN_TYPES.get(name)
        if name in PREDICATES:
            return self.guarded(node, f"{name}()", PREDICATE_RUNNERS[name](fns)), stype
        assert name in BUILTIN_NAMES
        impl = BUILTINS[name]

        def run(ctx: Ctx) -> Any:
            values = [fn(ctx) for fn in fns]
            try:
                return impl(values)
            except IndexError:
                raise GoPanic(f"invalid number of arguments for {name} (got {len(values)})") from None

        return self.guarded(node, f"{name}()", run), stype


@lru_cache(maxsize=4096)
def compile_expression(source: str) -> Fn:
    """Parse and compile ``source`` once; later calls with the same text reuse the closure."""
    tree = parse(source)
    try:
        fn, _ = _Compiler(source).compile(tree)
    except RecursionError:
        raise ExpressionError("expression nests too deeply to compile", source=source) from None
    return fn
