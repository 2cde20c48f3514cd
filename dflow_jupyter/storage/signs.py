"""Turn an assembled path object into what an OP's artifact signature asks for, as dflow does."""

from __future__ import annotations

import typing
from pathlib import Path
from typing import Any, NamedTuple

from dflow_jupyter.storage.catalog import flatten, map_leaves
from dflow_jupyter.storage.errors import ArtifactTypeError
from dflow_jupyter.typenames import type_name

__all__ = ["SignKind", "convert_for_sign", "sign_kind"]


class SignKind(NamedTuple):
    """The shape an artifact signature asks for."""

    kind: str
    """``single``, ``list``, ``set``, ``dict`` (also NestedDict) or ``any`` (no signature)."""
    leaf: type
    """``str`` or ``Path``."""
    sub_path: bool
    """For ``single``: give the only file inside the artifact rather than its root."""


def _leaf(t: Any, sign: Any) -> type:
    if t is str:
        return str
    if isinstance(t, type) and issubclass(t, Path):
        return Path
    raise ArtifactTypeError(
        f"artifact signature {type_name(sign)}: paths must be str or Path, got {type_name(t)}"
    )


def sign_kind(sign: Any) -> SignKind:
    """Classify an ``Artifact`` signature (or its ``type``; None means unknown); cached."""
    sub_path = bool(getattr(sign, "sub_path", True))
    t = getattr(sign, "type", sign)
    try:
        return _cache[(t, sub_path)]
    except KeyError:
        pass
    except TypeError:  # an unhashable annotation
        return _classify(t, sub_path)
    kind = _cache[(t, sub_path)] = _classify(t, sub_path)
    return kind


_cache: dict[tuple[Any, bool], SignKind] = {}


def _classify(t: Any, sub_path: bool) -> SignKind:
    """Classify an artifact type.

    Accepts ``str``, ``Path``, ``List[..]``/``list[..]``, ``Set[..]``, ``Dict[str, ..]`` and
    ``NestedDict[str]``/``NestedDict[Path]`` (any class deriving from a ``NestedDictBase``
    with a ``leaf`` attribute), optionally in a ``Union`` with ``HDF5Datasets``.
    """
    if t is None or t is typing.Any:
        return SignKind("any", Path, sub_path)
    if typing.get_origin(t) is typing.Union:
        members = [a for a in typing.get_args(t) if getattr(a, "__name__", "") != "HDF5Datasets"]
        if len(members) == 1:
            return _classify(members[0], sub_path)
    if getattr(t, "__name__", "") == "HDF5Datasets":
        raise NotImplementedError(
            "artifact type HDF5Datasets is not supported by the local store; declare the "
            "artifact as Path or List[Path] and open the .h5 files in the OP"
        )
    if isinstance(t, type) and any(c.__name__ == "NestedDictBase" for c in t.__mro__):
        return SignKind("dict", _leaf(getattr(t, "leaf", Path), t), sub_path)
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin in (list, set) and len(args) == 1:
        return SignKind("list" if origin is list else "set", _leaf(args[0], t), sub_path)
    if origin is dict and len(args) == 2:
        return SignKind("dict", _leaf(args[1], t), sub_path)
    return SignKind("single", _leaf(t, t), sub_path)


def _as(leaf: type, value: Any) -> Any:
    return map_leaves(value, Path) if leaf is Path else value


def convert_for_sign(path_object: Any, root: str, sign: SignKind, *, what: str) -> Any:
    """What the OP receives for an artifact staged at ``root`` whose path object is given.

    ``path_object`` is the assembled catalog (paths already joined to ``root``), ``[]`` for an
    artifact without a catalog, or a string for a single selected path. Follows dflow's
    ``handle_input_artifact``; one deliberate difference: a list signature fed an artifact
    without a catalog gets ``[root]`` instead of ``[]``, since dropping the data silently is
    never what the OP wants.
    """
    kind = sign.kind
    if kind == "any":
        return _as(Path, path_object if path_object or path_object is None else root)
    if kind == "single":
        if path_object is None or isinstance(path_object, str):
            res = path_object
        elif (
            isinstance(path_object, list)
            and len(path_object) == 1
            and (path_object[0] is None or isinstance(path_object[0], str))
            and sign.sub_path
        ):
            res = path_object[0]
        else:
            res = root
        return _as(sign.leaf, res)
    if kind in ("list", "set"):
        if path_object is None:
            return None
        if isinstance(path_object, str):
            items: list[Any] = [path_object]
        elif isinstance(path_object, list) and not path_object:
            items = [root]
        elif isinstance(path_object, list) and all(p is None or isinstance(p, str) for p in path_object):
            items = path_object
        else:
            items = list(flatten(path_object).values())
        items = _as(sign.leaf, items)
        return set(items) if kind == "set" else items
    # dict / NestedDict
    if path_object is None or isinstance(path_object, dict):
        return _as(sign.leaf, path_object)
    raise ArtifactTypeError(
        f"{what}: the OP declares a dict of paths, but the artifact holds "
        f"{'no catalog' if path_object == [] else 'a list of paths'} (it was stored as "
        f"{'a plain directory' if path_object == [] else 'a list'}); declare the input as "
        "List[Path] or Path, or store it from a dict"
    )
