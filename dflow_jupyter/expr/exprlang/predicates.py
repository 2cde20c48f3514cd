"""The closure built-ins: ``map``, ``filter``, ``all``, ``any``, ``count``, ``sum``, ``reduce``...

Each runner evaluates its predicate once per element with ``#`` (and ``#index``) bound, saving
and restoring the outer binding so predicates can nest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from dflow_jupyter.expr.exprlang.context import Ctx, Fn
from dflow_jupyter.expr.exprlang.ops import add, less, truth
from dflow_jupyter.expr.golang import GoPanic, go_type, is_number

Runner = Callable[[list[Fn]], Fn]


def _items(value: Any, name: str) -> list[Any]:
    if isinstance(value, (list, tuple)):
        return list(value)
    raise GoPanic(f"cannot iterate over {go_type(value)} in {name}()")


@contextmanager
def _bound(ctx: Ctx) -> Iterator[None]:
    saved = (ctx.elem, ctx.index, ctx.acc)
    try:
        yield
    finally:
        ctx.elem, ctx.index, ctx.acc = saved


def _each(name: str, ctx: Ctx, array: Fn, body: Fn) -> Iterator[tuple[int, Any, Any]]:
    items = _items(array(ctx), name)
    with _bound(ctx):
        for i, item in enumerate(items):
            ctx.elem, ctx.index = item, i
            yield i, item, body(ctx)


def _map(fns: list[Fn]) -> Fn:
    array, body = fns
    return lambda ctx: [result for _, _, result in _each("map", ctx, array, body)]


def _filter(fns: list[Fn]) -> Fn:
    array, body = fns
    return lambda ctx: [
        item for _, item, ok in _each("filter", ctx, array, body) if truth(ok, "filter predicate")
    ]


def _quantifier(name: str) -> Runner:
    def runner(fns: list[Fn]) -> Fn:
        array, body = fns

        def run(ctx: Ctx) -> bool:
            hits = 0
            for _, _, ok in _each(name, ctx, array, body):
                flag = truth(ok, f"{name} predicate")
                if name == "all" and not flag:
                    return False
                if name in ("any", "none") and flag:
                    return name == "any"
                hits += flag
            return {"all": True, "any": False, "none": True}.get(name, hits == 1)

        return run

    return runner


def _finder(name: str) -> Runner:
    def runner(fns: list[Fn]) -> Fn:
        array, body = fns
        want_index, last = name.endswith("Index"), name.startswith("findLast")

        def run(ctx: Ctx) -> Any:
            found: tuple[int, Any] | None = None
            for i, item, ok in _each(name, ctx, array, body):
                if truth(ok, f"{name} predicate"):
                    found = (i, item)
                    if not last:
                        break
            if found is None:
                return -1 if want_index else None
            return found[0] if want_index else found[1]

        return run

    return runner


def _count(fns: list[Fn]) -> Fn:
    if len(fns) == 1:
        return lambda ctx: sum(1 for x in _items(fns[0](ctx), "count") if truth(x, "count"))
    array, body = fns
    return lambda ctx: sum(1 for _, _, ok in _each("count", ctx, array, body) if truth(ok, "count predicate"))


def _sum(fns: list[Fn]) -> Fn:
    def total(values: list[Any]) -> Any:
        result: Any = 0
        for value in values:
            if not is_number(value):
                raise GoPanic(f"invalid argument for sum (type {go_type(value)})")
            result = add(result, value)
        return result

    if len(fns) == 1:
        return lambda ctx: total(_items(fns[0](ctx), "sum"))
    array, body = fns
    return lambda ctx: total([r for _, _, r in _each("sum", ctx, array, body)])


def _group_by(fns: list[Fn]) -> Fn:
    array, body = fns

    def run(ctx: Ctx) -> dict[Any, list[Any]]:
        groups: dict[Any, list[Any]] = {}
        for _, item, key in _each("groupBy", ctx, array, body):
            groups.setdefault(key, []).append(item)
        return groups

    return run


def _sort_by(fns: list[Fn]) -> Fn:
    array, body = fns[0], fns[1]
    order = fns[2] if len(fns) > 2 else (lambda ctx: "asc")

    def run(ctx: Ctx) -> list[Any]:
        direction = order(ctx)
        if direction not in ("asc", "desc"):
            raise GoPanic(f'unknown order {direction}, use "asc" or "desc"')
        keyed = [(key, item) for _, item, key in _each("sortBy", ctx, array, body)]
        for key, _ in keyed[1:]:
            less(keyed[0][0], key)  # validates that keys are mutually comparable
        keyed.sort(key=lambda pair: pair[0], reverse=direction == "desc")
        return [item for _, item in keyed]

    return run


def _reduce(fns: list[Fn]) -> Fn:
    array, body = fns[0], fns[1]
    initial = fns[2] if len(fns) > 2 else None

    def run(ctx: Ctx) -> Any:
        items = _items(array(ctx), "reduce")
        if initial is not None:
            acc, start = initial(ctx), 0
        elif items:
            acc, start = items[0], 1
        else:
            raise GoPanic("reduce of empty array with no initial value")
        with _bound(ctx):
            for i in range(start, len(items)):
                ctx.elem, ctx.index, ctx.acc = items[i], i, acc
                acc = body(ctx)
        return acc

    return run


PREDICATE_RUNNERS: dict[str, Runner] = {
    "map": _map,
    "filter": _filter,
    "all": _quantifier("all"),
    "any": _quantifier("any"),
    "none": _quantifier("none"),
    "one": _quantifier("one"),
    "find": _finder("find"),
    "findIndex": _finder("findIndex"),
    "findLast": _finder("findLast"),
    "findLastIndex": _finder("findLastIndex"),
    "count": _count,
    "sum": _sum,
    "groupBy": _group_by,
    "sortBy": _sort_by,
    "reduce": _reduce,
}
