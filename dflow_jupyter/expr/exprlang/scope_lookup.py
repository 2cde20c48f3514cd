"""Reading a dotted reference (``steps.a.outputs.parameters.x``) out of a nested scope."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dflow_jupyter.expr.errors import ExpressionError, UnknownReferenceError
from dflow_jupyter.expr.exprlang import ops
from dflow_jupyter.expr.exprlang.context import Ctx, Fn
from dflow_jupyter.expr.golang import GoPanic


def unknown_reference(
    parts: tuple[str, ...], depth: int, holder: Mapping[str, Any], src: str, pos: int
) -> UnknownReferenceError:
    """The error for a reference whose key ``parts[depth]`` is missing from ``holder``."""
    known = sorted(str(k) for k in holder)
    shown = ", ".join(known[:12]) + (", ..." if len(known) > 12 else "")
    where = "the scope" if depth == 0 else f"'{'.'.join(parts[:depth])}'"
    return UnknownReferenceError(
        f"unknown reference '{'.'.join(parts)}': {where} has no {parts[depth]!r} "
        f"(it has: {shown or 'nothing'})",
        source=src,
        position=pos,
    )


def scope_lookup(parts: tuple[str, ...], lenient: bool, src: str, pos: int) -> Fn:
    """A closure walking the scope along ``parts``.

    Parameters
    ----------
    parts
        The reference's keys, e.g. ``("steps", "a", "outputs", "parameters", "x")``.
    lenient
        Yield nil for a missing key instead of raising, as on the left of ``??`` or along an
        optional chain (``?.``), where Argo tolerates absent values.
    src, pos
        The expression and the reference's offset in it, for error messages.
    """

    def run(ctx: Ctx) -> Any:
        current: Any = ctx.scope
        for depth, key in enumerate(parts):
            if type(current) is dict or isinstance(current, Mapping):
                # One lookup, not "in" then "[]": scopes may be lazy mappings that build values.
                try:
                    current = current[key]
                    continue
                except KeyError:
                    if lenient:
                        return None
                    raise unknown_reference(parts, depth, current, src, pos) from None
            if current is None:
                if lenient:
                    return None
                raise ExpressionError(
                    f"reference '{'.'.join(parts[:depth])}' is nil (an absent optional output), "
                    f"so '.{key}' cannot be read",
                    source=src,
                    position=pos,
                    hint="give the output a default, or use '??' to supply a fallback",
                )
            try:
                current = ops.fetch(current, key)
            except GoPanic as panic:
                raise ExpressionError(
                    f"cannot read '.{key}' of '{'.'.join(parts[:depth])}' "
                    f"({type(current).__name__} value): {panic}",
                    source=src,
                    position=pos,
                    hint="parameters are strings; parse JSON first with "
                    "jsonpath(x, '$')['key'] or sprig.fromJson(x)['key']"
                    if isinstance(current, str)
                    else None,
                ) from None
        return current

    return run
