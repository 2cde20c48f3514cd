"""Syntax tree of an expr-lang expression, as built by :mod:`dflow_jupyter.expr.exprlang.parser`.

Plain classes with ``__slots__`` rather than dataclasses: they import many times faster, and
this package must import in a few milliseconds.  Trees are never mutated after parsing.
"""

from __future__ import annotations

from typing import Any


class Node:
    """Base of every node; ``pos`` is the 0-based offset of the node's token in the source."""

    __slots__ = ("pos",)
    fields: tuple[str, ...] = ()

    def __init__(self, pos: int) -> None:
        self.pos = pos

    def children(self) -> list[Node]:
        """Direct sub-nodes, in source order."""
        out: list[Node] = []
        for name in self.fields:
            value = getattr(self, name)
            for item in value if isinstance(value, tuple) else (value,):
                for part in item if isinstance(item, tuple) else (item,):
                    if isinstance(part, Node):
                        out.append(part)
        return out

    def __repr__(self) -> str:
        args = "".join(f", {name}={getattr(self, name)!r}" for name in self.fields)
        return f"{type(self).__name__}(pos={self.pos}{args})"


class Literal(Node):
    """``nil``, ``true``, ``42``, ``0.5``, ``'text'``: a Python ``None``/bool/int/float/str."""

    __slots__ = fields = ("value",)

    def __init__(self, pos: int, value: Any) -> None:
        super().__init__(pos)
        self.value = value


class Identifier(Node):
    """A bare name: a scope root (``inputs``), a function (``asFloat``) or a ``let`` variable."""

    __slots__ = fields = ("name",)

    def __init__(self, pos: int, name: str) -> None:
        super().__init__(pos)
        self.name = name


class Pointer(Node):
    """``#`` (current element), ``#index`` or ``#acc`` inside a predicate; ``.x`` means ``#.x``."""

    __slots__ = fields = ("name",)

    def __init__(self, pos: int, name: str) -> None:
        super().__init__(pos)
        self.name = name


class Unary(Node):
    """``not x``, ``!x``, ``-x``, ``+x``."""

    __slots__ = fields = ("op", "operand")

    def __init__(self, pos: int, op: str, operand: Node) -> None:
        super().__init__(pos)
        self.op = op
        self.operand = operand


class Binary(Node):
    """``left op right`` for every infix operator (``not in`` is ``not (a in b)``)."""

    __slots__ = fields = ("op", "left", "right")

    def __init__(self, pos: int, op: str, left: Node, right: Node) -> None:
        super().__init__(pos)
        self.op = op
        self.left = left
        self.right = right


class Member(Node):
    """``obj.name``, ``obj['name']``, ``obj[0]``; ``optional`` for ``?.``."""

    __slots__ = fields = ("obj", "prop", "optional")

    def __init__(self, pos: int, obj: Node, prop: Node, optional: bool = False) -> None:
        super().__init__(pos)
        self.obj = obj
        self.prop = prop
        self.optional = optional


class Chain(Node):
    """Boundary of an optional chain: a nil before a ``?.`` makes the whole chain nil."""

    __slots__ = fields = ("node",)

    def __init__(self, pos: int, node: Node) -> None:
        super().__init__(pos)
        self.node = node


class Slice(Node):
    """``obj[start:end]``, either bound optional."""

    __slots__ = fields = ("obj", "start", "end")

    def __init__(self, pos: int, obj: Node, start: Node | None, end: Node | None) -> None:
        super().__init__(pos)
        self.obj = obj
        self.start = start
        self.end = end


class Call(Node):
    """A call of a function value: ``asFloat(x)``, ``sprig.untilStep(0, 3, 1)``."""

    __slots__ = fields = ("callee", "args")

    def __init__(self, pos: int, callee: Node, args: tuple[Node, ...]) -> None:
        super().__init__(pos)
        self.callee = callee
        self.args = args


class Builtin(Node):
    """A call of an expr built-in: ``len(x)``, ``map(xs, {#})``, ``string(x)``."""

    __slots__ = fields = ("name", "args")

    def __init__(self, pos: int, name: str, args: tuple[Node, ...]) -> None:
        super().__init__(pos)
        self.name = name
        self.args = args


class Predicate(Node):
    """The closure argument of ``map``/``filter``/``all``...: evaluated once per element."""

    __slots__ = fields = ("body",)

    def __init__(self, pos: int, body: Node) -> None:
        super().__init__(pos)
        self.body = body


class Conditional(Node):
    """``cond ? a : b``, ``cond ?: b`` and ``if cond { a } else { b }``."""

    __slots__ = fields = ("cond", "then", "other")

    def __init__(self, pos: int, cond: Node, then: Node, other: Node) -> None:
        super().__init__(pos)
        self.cond = cond
        self.then = then
        self.other = other


class ArrayLit(Node):
    """``[a, b, c]``."""

    __slots__ = fields = ("items",)

    def __init__(self, pos: int, items: tuple[Node, ...]) -> None:
        super().__init__(pos)
        self.items = items


class MapLit(Node):
    """``{key: value, 'k': v, (expr): v}``."""

    __slots__ = fields = ("pairs",)

    def __init__(self, pos: int, pairs: tuple[tuple[Node, Node], ...]) -> None:
        super().__init__(pos)
        self.pairs = pairs


class Let(Node):
    """``let name = value; body``."""

    __slots__ = fields = ("name", "value", "body")

    def __init__(self, pos: int, name: str, value: Node, body: Node) -> None:
        super().__init__(pos)
        self.name = name
        self.value = value
        self.body = body


class Sequence(Node):
    """``a; b; c``: evaluates all, yields the last."""

    __slots__ = fields = ("nodes",)

    def __init__(self, pos: int, nodes: tuple[Node, ...]) -> None:
        super().__init__(pos)
        self.nodes = nodes
