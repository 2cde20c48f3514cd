"""Readable names of type annotations, for error messages and Argo type descriptions."""

from __future__ import annotations

import types
from typing import Annotated, Any, ForwardRef, Literal, TypeVar, Union, get_args, get_origin


def type_name(tp: Any) -> str:
    """A short readable name for a type annotation: ``Path``, ``List[int]``, ``Optional[str]``.

    Module prefixes (``typing.``, ``pathlib.``) are dropped because the messages are read by
    people who wrote the annotation, not by a resolver.
    """
    if tp is None or tp is type(None):
        return "None"
    if tp is Ellipsis:
        return "..."
    display = getattr(tp, "__dflow_type_name__", None)
    if isinstance(display, str):
        return display
    if isinstance(tp, (list, tuple)):  # the argument list of Callable[[...], R]
        return "[" + ", ".join(type_name(t) for t in tp) + "]"
    if isinstance(tp, str):
        return tp
    if isinstance(tp, ForwardRef):
        return tp.__forward_arg__
    if isinstance(tp, TypeVar):
        return tp.__name__
    origin = get_origin(tp)
    args = get_args(tp)
    if origin is Literal:
        return "Literal[" + ", ".join(repr(a) for a in args) + "]"
    if origin is Annotated:
        return type_name(args[0])
    if origin is Union:
        others = [a for a in args if a is not type(None)]
        if len(others) == 1 and len(args) == 2:
            return f"Optional[{type_name(others[0])}]"
        return "Union[" + ", ".join(type_name(a) for a in args) + "]"
    if isinstance(tp, types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is not None:
        name = getattr(tp, "_name", None) or getattr(origin, "__qualname__", None) or repr(origin)
        if not args:
            return str(name)
        return f"{name}[" + ", ".join(type_name(a) for a in args) + "]"
    if isinstance(tp, type):
        return tp.__qualname__
    name = getattr(tp, "__name__", None)  # NewType, special forms
    if isinstance(name, str):
        return name
    return repr(tp).replace("typing.", "")
