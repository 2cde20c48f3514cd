"""Exceptions of the Python OP layer and the helpers that make their messages readable."""

from __future__ import annotations

import reprlib
import types
from collections.abc import Sequence
from typing import Annotated, Any, ForwardRef, Literal, TypeVar, Union, get_args, get_origin

__all__ = [
    "FatalError",
    "OPIOError",
    "OPIOKeyError",
    "OPIOTypeError",
    "OPSignatureError",
    "TransientError",
    "short_repr",
    "type_name",
]


class TransientError(Exception):
    """A failure worth retrying (network blip, busy license server, ...).

    As in dflow, a step whose OP raises it exits with code 1, which is what
    ``PythonOPTemplate(retry_on_transient_error=n)`` retries on.
    """


class FatalError(Exception):
    """A failure that retrying cannot fix; as in dflow, the step exits with code 2."""


class OPIOError(Exception):
    """A value passed to or returned by an OP does not match its signature.

    Attributes
    ----------
    op_name : str or None
        Name of the OP class (or of the function of a function OP).
    field : str or None
        The offending input/output name (the first one when several are missing).
    direction : str or None
        ``"input"`` or ``"output"``.
    kind : str or None
        ``"parameter"`` or ``"artifact"`` when known.
    expected : Any
        The declared type, or the declared names for an unknown name.
    got : Any
        The offending value (or the unknown name).
    fields : tuple of str
        Every offending name (several names can be missing at once).
    """

    # Every argument but the message has a default so that ``pickle`` (which rebuilds an
    # exception from ``args`` and then restores ``__dict__``) can carry it across processes.
    def __init__(
        self,
        message: str,
        op_name: str | None = None,
        field: str | None = None,
        direction: str | None = None,
        *,
        kind: str | None = None,
        expected: Any = None,
        got: Any = None,
        fields: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.op_name = op_name
        self.field = field
        self.direction = direction
        self.kind = kind
        self.expected = expected
        self.got = got
        self.fields = tuple(fields) if fields else ((field,) if field is not None else ())

    def __str__(self) -> str:
        # KeyError would otherwise print the repr of the message, quotes and escapes included.
        return self.message


class OPIOTypeError(OPIOError, TypeError):
    """A value has the wrong type for its input/output (or the OPIO is not a mapping)."""


class OPIOKeyError(OPIOError, KeyError, RuntimeError):
    """A declared input/output is missing, or an undeclared one was given.

    It is also a ``RuntimeError`` because dflow raises ``RuntimeError`` in these cases, so
    ``except RuntimeError`` in ported code keeps working.
    """


class OPSignatureError(TypeError):
    """An OP signature (``OPIOSign``, ``Artifact``, or a function OP's annotations) is invalid.

    Attributes
    ----------
    op_name : str or None
        The OP (or function) whose signature is wrong, when known.
    field : str or None
        The offending parameter/entry name, when known.
    """

    def __init__(self, message: str, op_name: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.op_name = op_name
        self.field = field

    def __str__(self) -> str:
        return self.message


_repr = reprlib.Repr()
_repr.maxstring = 60
_repr.maxother = 60
_repr.maxlist = _repr.maxtuple = _repr.maxset = _repr.maxdict = 6
_repr.maxlevel = 3


def short_repr(value: Any) -> str:
    """``repr`` shortened for error messages (long strings and collections are elided)."""
    try:
        return _repr.repr(value)
    except Exception:  # a broken __repr__ must not hide the real error
        return f"<{type(value).__name__} object>"


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
