"""Argo template strings: ``{{ref}}`` substitution, ``{{=expr}}`` evaluation, static checks.

Tags are found as Argo's ``fasttemplate`` finds them: from ``{{`` to the *first* following
``}}`` (so an expression cannot contain ``}}``; write ``} }``).  A tag starting with ``=`` is an
expr-lang expression, anything else is a dotted reference looked up in the scope.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dflow_jupyter.expr.argo_template.items import ArgoItem
from dflow_jupyter.expr.errors import ExpressionError, UnknownReferenceError
from dflow_jupyter.expr.exprlang import Ctx, collect_references, compile_expression, parse
from dflow_jupyter.expr.golang import go_string, go_type

Scope = Mapping[str, Any]
# A template piece: ("text", literal, offset), ("ref", dotted name, offset) or
# ("expr", expression source, offset of the source).
Piece = tuple[str, str, int]


@lru_cache(maxsize=4096)
def split_template(text: str) -> tuple[Piece, ...]:
    """Cut ``text`` into literal text, ``{{ref}}`` and ``{{=expr}}`` pieces (cached).

    Raises
    ------
    ExpressionError
        If a ``{{`` has no closing ``}}``, or a reference tag is empty.
    """
    pieces: list[Piece] = []
    pos = 0
    while True:
        start = text.find("{{", pos)
        if start < 0:
            break
        end = text.find("}}", start + 2)
        if end < 0:
            raise ExpressionError(
                "unclosed template tag: '{{' has no matching '}}'",
                source=text,
                position=start,
                hint="close the tag with '}}'; inside {{=...}} write '} }' instead of '}}'",
            )
        if start > pos:
            pieces.append(("text", text[pos:start], pos))
        body = text[start + 2 : end]
        if body.startswith("="):
            pieces.append(("expr", body[1:], start + 3))
        else:
            name = body.strip()
            if not name:
                raise ExpressionError("empty template tag '{{}}'", source=text, position=start)
            pieces.append(("ref", name, start))
        pos = end + 2
    if pos < len(text):
        pieces.append(("text", text[pos:], pos))
    return tuple(pieces)


def resolve_reference(name: str, scope: Scope, *, source: str | None = None) -> Any:
    """Look up a dotted ``{{ref}}`` name in the nested scope.

    A key may itself contain dots (``workflow.parameters.my.param``): at each level the
    shortest run of name parts that is a key wins.

    Raises
    ------
    UnknownReferenceError
        If some part of the name is not in the scope.
    """
    parts = name.split(".")
    current: Any = scope
    i = 0
    while i < len(parts):
        if type(current) is not dict and not isinstance(current, Mapping):
            kind = "nil (an absent optional output)" if current is None else go_type(current)
            raise UnknownReferenceError(
                f"unknown reference '{name}': '{'.'.join(parts[:i])}' is {kind}, so it has no '{parts[i]}'",
                source=source,
            )
        for j in range(i + 1, len(parts) + 1):
            try:  # one lookup, not "in" then "[]": scopes may be lazy mappings
                current, i = current[".".join(parts[i:j])], j
                break
            except KeyError:
                continue
        else:
            known = sorted(str(k) for k in current)
            where = "the scope" if i == 0 else f"'{'.'.join(parts[:i])}'"
            shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
            raise UnknownReferenceError(
                f"unknown reference '{name}': {where} has no {parts[i]!r} (it has: {shown or 'nothing'})",
                source=source,
            )
    return current


def _reference_text(name: str, value: Any, text: str, pos: int) -> str:
    if value is None:
        raise ExpressionError(
            f"cannot substitute {{{{{name}}}}}: it is an absent optional (the output of a "
            "skipped step with no default)",
            source=text,
            position=pos,
            hint="give the output parameter a default",
        )
    if isinstance(value, ArgoItem):
        return value.text
    return go_string(value)


def evaluate_expression(expr: str, scope: Scope) -> Any:
    """Evaluate one expr-lang expression (the inside of ``{{=...}}``) against ``scope``.

    Returns
    -------
    Any
        A Python value: ``str``, ``int``, ``float``, ``bool``, ``None``, ``list`` or ``dict``
        (JSON numbers parsed by ``jsonpath``/``fromJson`` are floats, as in Go).

    Raises
    ------
    ExpressionError
        On a syntax error, an unknown function or reference, or a run-time type error.
    """
    run = compile_expression(expr)
    try:
        return run(Ctx(scope))
    except RecursionError:
        raise ExpressionError("expression nests too deeply", source=expr) from None


def _expression_value(src: str, scope: Scope, text: str) -> Any:
    try:
        value = evaluate_expression(src, scope)
    except ExpressionError as exc:
        if text != "{{=" + src + "}}":
            raise exc.with_context(f"in template {text!r}") from None
        raise
    if value is None:
        raise ExpressionError(
            "the expression evaluated to nil, which Argo cannot substitute",
            source=src,
            hint="use '??' to give a fallback value",
        )
    return value


def render_template(text: str, scope: Scope, *, strict: bool = True) -> str:
    """Substitute every ``{{ref}}`` and ``{{=expr}}`` in ``text`` as Argo would.

    Parameters
    ----------
    text
        A template string such as ``"echo {{inputs.parameters.x}}"``.
    scope
        Nested mappings of Argo strings (see :data:`Scope`).
    strict
        With ``False``, tags naming something the scope lacks are left as they are (Argo's
        "allow unresolved" passes); other errors still raise.

    Returns
    -------
    str
        The rendered text: strings as they are, other values as Go JSON (``true``, ``3``,
        ``[0,1]``).
    """
    pieces = split_template(text)
    if len(pieces) == 1 and pieces[0][0] == "text":
        return text
    out: list[str] = []
    for kind, body, pos in pieces:
        try:
            if kind == "text":
                out.append(body)
            elif kind == "ref":
                value = resolve_reference(body, scope, source=text)
                out.append(_reference_text(body, value, text, pos))
            else:
                out.append(go_string(_expression_value(body, scope, text)))
        except UnknownReferenceError:
            if strict:
                raise
            out.append(text[pos : text.find("}}", pos) + 2] if kind == "ref" else "{{=" + body + "}}")
    return "".join(out)


def render_value(text: str, scope: Scope) -> Any:
    """Like :func:`render_template`, but a lone tag yields its typed value.

    ``"{{=asInt(x) + 1}}"`` gives ``int`` 4, ``"{{steps.a.outputs.parameters.p}}"`` gives the
    scope value itself; any other text gives the rendered string.
    """
    pieces = split_template(text)
    if len(pieces) == 1:
        kind, body, _ = pieces[0]
        if kind == "expr":
            return _expression_value(body, scope, text)
        if kind == "ref":
            return resolve_reference(body, scope, source=text)
    return render_template(text, scope)


def check_expression(expr: str) -> None:
    """Parse and type-check an expr-lang expression without running it.

    Raises
    ------
    ExpressionError
        On a syntax error, an unknown function, or operands whose types can never match.
    """
    compile_expression(expr)


def check_template(text: str) -> None:
    """Validate every ``{{...}}`` and ``{{=...}}`` in ``text`` without a scope."""
    for kind, body, pos in split_template(text):
        if kind == "expr":
            try:
                compile_expression(body)
            except ExpressionError as exc:
                raise exc.with_source(text, pos) from None


def template_references(text: str) -> list[str]:
    """The dotted scope references ``text`` reads, inside ``{{=...}}`` too, in order.

    ``{{=asFloat(steps['a'].outputs.parameters['x']) < 3}}`` gives
    ``["steps.a.outputs.parameters.x"]``.
    """
    found: list[str] = []
    for kind, body, _ in split_template(text):
        if kind == "ref":
            found.append(body)
        elif kind == "expr":
            found.extend(collect_references(parse(body)))
    return list(dict.fromkeys(found))
