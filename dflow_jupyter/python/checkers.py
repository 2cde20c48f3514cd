"""Per-type value checkers: built once per annotation, cached, and fast for common shapes.

Plain classes are checked with one ``isinstance`` (``int`` is accepted for ``float`` and
``int``/``float`` for ``complex`` as in PEP 484, ``bytearray``/``memoryview`` for ``bytes``);
``list``/``set``/``dict``/``Union`` shapes are composed from such checks, every item checked;
typeguard (v4) handles everything else (``Literal``, ``TypedDict``, ``Tuple``, protocols, ...).
Artifact checkers follow dflow (see :mod:`dflow_jupyter.python.typecheck`).
"""

from __future__ import annotations

import os
import types
from collections.abc import Callable, Set as AbstractSet
from pathlib import Path
from typing import Any, Union, get_args, get_origin, is_typeddict

from dflow_jupyter.python.errors import short_repr
from dflow_jupyter.python.opio import Artifact, BigParameter, NestedDictBase, Parameter
from dflow_jupyter.typenames import type_name

__all__ = ["Checker", "Mismatch", "check_value", "entry_checker", "format_mismatch"]

#: Where a value failed (innermost first, e.g. ``("item 1", "value of key 'a'")``) and why.
Mismatch = tuple[tuple[str, ...], str]
#: A checker returns None when the value conforms, else a Mismatch.
Checker = Callable[[Any], "Mismatch | None"]

_PATH_LIKE = (str, os.PathLike)
_NONE = type(None)
_NUMERIC_WIDENING: dict[type, tuple[type, ...]] = {
    float: (int, float),
    complex: (int, float, complex),
    bytes: (bytes, bytearray, memoryview),
}
_param_checkers: dict[Any, Checker] = {}
_artifact_checkers: dict[Any, Checker] = {}


def _ok(value: Any) -> Mismatch | None:
    return None


def _isinstance_checker(classes: type | tuple[type, ...], name: str) -> Checker:
    reason = f"is not an instance of {name}"

    def check(value: Any) -> Mismatch | None:
        return None if isinstance(value, classes) else ((), reason)

    return check


def _items_checker(container: Any, name: str, item: Checker, by_index: bool) -> Checker:
    reason = f"is not a {name}"

    def check(value: Any) -> Mismatch | None:
        if not isinstance(value, container):
            return (), reason
        for i, element in enumerate(value):
            bad = item(element)
            if bad is not None:
                where = f"item {i}" if by_index else f"element {short_repr(element)}"
                return (*bad[0], where), bad[1]
        return None

    return check


def _dict_checker(key: Checker, item: Checker) -> Checker:
    def check(value: Any) -> Mismatch | None:
        if not isinstance(value, dict):
            return (), "is not a dict"
        for k, v in value.items():
            bad = key(k)
            if bad is not None:
                return (*bad[0], f"key {short_repr(k)}"), bad[1]
            bad = item(v)
            if bad is not None:
                return (*bad[0], f"value of key {short_repr(k)}"), bad[1]
        return None

    return check


def _union_checker(options: list[Checker], name: str) -> Checker:
    reason = f"does not match {name}"

    def check(value: Any) -> Mismatch | None:
        return None if any(option(value) is None for option in options) else ((), reason)

    return check


def _typeguard_checker(tp: Any) -> Checker:
    # Imported here: typeguard costs ~60 ms to import, and most signs never need it.
    from typeguard import CollectionCheckStrategy, ForwardRefPolicy, TypeCheckError, check_type

    def check(value: Any) -> Mismatch | None:
        try:
            check_type(
                value,
                tp,
                forward_ref_policy=ForwardRefPolicy.IGNORE,
                collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS,
            )
        except TypeCheckError as exc:
            # typeguard's path ends with the root ("dict"), which our message names already;
            # it is kept only when the reason is more than a mismatch ("is missing key(s)").
            path = tuple(getattr(exc, "_path", ()))
            reason = str(exc.args[0])
            return (path[:-1] if len(path) > 1 or reason.startswith("is not") else path), reason
        return None

    return check


def _param_checker(tp: Any) -> Checker:
    return _cached(_param_checkers, tp, _build_param_checker)


def _build_param_checker(tp: Any) -> Checker:
    # Common shapes are composed from isinstance checks (typeguard costs ~3 us per item).
    if tp is Any or tp is object:
        return _ok
    if tp is None or tp is _NONE:
        return _isinstance_checker(_NONE, "None")
    origin, args = get_origin(tp), get_args(tp)
    if origin is None and isinstance(tp, type):
        if is_typeddict(tp) or getattr(tp, "_is_protocol", False):
            return _typeguard_checker(tp)
        return _isinstance_checker(_NUMERIC_WIDENING.get(tp, tp), type_name(tp))
    if origin is list and len(args) == 1:
        return _items_checker(list, "list", _param_checker(args[0]), by_index=True)
    if origin is set and len(args) == 1:
        return _items_checker(AbstractSet, "set", _param_checker(args[0]), by_index=False)
    if origin is dict and len(args) == 2:
        return _dict_checker(_param_checker(args[0]), _param_checker(args[1]))
    if origin is Union or isinstance(tp, types.UnionType):
        return _union_checker([_param_checker(a) for a in args], type_name(tp))
    return _typeguard_checker(tp)


def _nested_paths_ok(value: Any) -> bool:
    if value is None or isinstance(value, _PATH_LIKE):
        return True
    if isinstance(value, dict):
        return all(isinstance(k, str) and _nested_paths_ok(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_nested_paths_ok(v) for v in value)
    return False


def _nested_dict_checker(value: Any) -> Mismatch | None:
    if not isinstance(value, dict):
        return (), "is not a dict"
    return None if _nested_paths_ok(value) else ((), "has a leaf that is not a path (str or Path)")


def _build_artifact_checker(tp: Any) -> Checker:
    if tp is str or tp is Path:
        return _isinstance_checker(_PATH_LIKE, "str or Path")
    if isinstance(tp, type) and issubclass(tp, NestedDictBase):
        return _nested_dict_checker
    # List[Path] and the like: dflow allows None items (files that were absent).
    origin, args = get_origin(tp), get_args(tp)
    item = _isinstance_checker((args[-1], _NONE), type_name(args[-1]))
    if origin is dict:
        return _dict_checker(_isinstance_checker(str, "str"), item)
    container, name = (list, "list") if origin is list else (AbstractSet, "set")
    return _items_checker(container, name, item, by_index=origin is list)


def _cached(cache: dict[Any, Checker], tp: Any, build: Callable[[Any], Checker]) -> Checker:
    try:
        return cache[tp]
    except KeyError:
        checker = cache[tp] = build(tp)
        return checker
    except TypeError:  # unhashable annotation (e.g. Annotated with a dict): no caching
        return build(tp)


def entry_checker(entry: Any) -> Checker:
    """The cached checker of a sign entry (a type, Parameter, BigParameter or Artifact)."""
    if isinstance(entry, Artifact):
        return _cached(_artifact_checkers, entry.type, _build_artifact_checker)
    if isinstance(entry, (Parameter, BigParameter)):
        entry = entry.type
    return _param_checker(entry)


def format_mismatch(mismatch: Mismatch) -> str:
    """The mismatch as text: ``item 1 of value of key 'a' is not an instance of int``."""
    path, reason = mismatch
    if path:
        return f"{' of '.join(path)} {reason}"
    # A top-level mismatch is already said by "expected X, got Y".
    return "" if reason.startswith(("is not", "does not match")) else reason


def check_value(entry: Any, value: Any) -> str | None:
    """Check one value against one sign entry; None if it conforms, else a detail string.

    ``None`` always conforms (see the module docstring). The detail is ``""`` when the
    mismatch is at the top level and describes the offending item otherwise.
    """
    if value is None:
        return None
    mismatch = entry_checker(entry)(value)
    return None if mismatch is None else format_mismatch(mismatch)
