"""Exceptions of the Python OP layer and the helpers that make their messages readable."""

from __future__ import annotations

import reprlib
from collections.abc import Sequence
from typing import Any

from dflow_jupyter.errors import DflowJupyterError

__all__ = [
    "FatalError",
    "OPIOError",
    "OPIOKeyError",
    "OPIOTypeError",
    "OPSignatureError",
    "TransientError",
    "short_repr",
]


class TransientError(Exception):
    """A failure worth retrying (network blip, busy license server, ...).

    As in dflow, a step whose OP raises it exits with code 1, which is what
    ``PythonOPTemplate(retry_on_transient_error=n)`` retries on.
    """


class FatalError(Exception):
    """A failure that retrying cannot fix; as in dflow, the step exits with code 2."""


class OPIOError(DflowJupyterError):
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


class OPSignatureError(DflowJupyterError, TypeError):
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
