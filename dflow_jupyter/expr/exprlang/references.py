"""Find the scope references (``steps.a.outputs.parameters.x``) an expression reads."""

from __future__ import annotations

from dflow_jupyter.expr.exprlang import ast
from dflow_jupyter.expr.exprlang.context import ARGO_FUNCTIONS

_NOT_REFERENCES = frozenset(ARGO_FUNCTIONS) | {"$env"}


def reference_path(node: ast.Member, lets: frozenset[str]) -> list[str] | None:
    """The dotted parts of ``root.a['b'].c`` if it is a plain scope reference, else ``None``.

    A plain reference starts at a scope name (not a function, ``let`` variable or ``#``) and
    uses only constant string keys, with no ``?.`` along the way.
    """
    parts: list[str] = []
    current: ast.Node = node
    while isinstance(current, ast.Member):
        prop = current.prop
        if current.optional or not isinstance(prop, ast.Literal) or type(prop.value) is not str:
            return None
        parts.append(prop.value)
        current = current.obj
    if not isinstance(current, ast.Identifier):
        return None
    if current.name in lets or current.name in _NOT_REFERENCES:
        return None
    parts.append(current.name)
    parts.reverse()
    return parts


def collect_references(node: ast.Node) -> list[str]:
    """Every scope reference in ``node``, dotted (``a['b']`` becomes ``a.b``), in source order."""
    found: list[str] = []
    _walk(node, frozenset(), found)
    return list(dict.fromkeys(found))


def _walk(node: ast.Node, lets: frozenset[str], found: list[str]) -> None:
    if isinstance(node, ast.Member):
        path = reference_path(node, lets)
        if path is not None:
            found.append(".".join(path))
            return
    elif isinstance(node, ast.Identifier):
        if node.name not in lets and node.name not in _NOT_REFERENCES:
            found.append(node.name)
        return
    elif isinstance(node, ast.Call) and isinstance(node.callee, ast.Identifier):
        for arg in node.args:
            _walk(arg, lets, found)
        return
    elif isinstance(node, ast.Let):
        _walk(node.value, lets, found)
        _walk(node.body, lets | {node.name}, found)
        return
    for child in node.children():
        _walk(child, lets, found)
