"""Checking OP inputs/outputs against their ``OPIOSign``, fast and with readable errors.

The rules mirror dflow's ``OP._check_signature`` (which calls a vendored typeguard):

* ``None`` is accepted for every name, required or not: dflow skips the type check of ``None``.
* A missing name is an error unless it is a ``Parameter``/``BigParameter`` with a default or an
  optional ``Artifact``; an undeclared name is an error too (in both directions).
* Parameters are checked deeply (``List[int]`` checks every item), ``int`` is accepted for
  ``float`` and ``int``/``float`` for ``complex`` (PEP 484), and ``bytearray``/``memoryview``
  for ``bytes``.
* ``List``/``Set``/``Dict`` artifacts are checked like dflow, with ``None`` allowed as an item:
  ``List[Path]`` wants ``Path`` items (a ``str`` item is an error there, as in dflow).
* ``str``/``Path`` and ``NestedDict`` artifacts, which dflow does not check at all, are checked
  loosely here: any ``str`` or ``os.PathLike`` is accepted where a path is expected (dflow
  converts between the two), anything else is an error rather than a crash later on.

The per-type checkers live in :mod:`dflow_jupyter.python.checkers`; this module adds the
name checks, the defaults and the error messages.
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Collection, Mapping
from typing import Any, Literal

from dflow_jupyter.python.checkers import check_value, entry_checker, format_mismatch
from dflow_jupyter.python.errors import OPIOKeyError, OPIOTypeError, short_repr
from dflow_jupyter.python.opio import Artifact, BigParameter, Parameter, _DictLike
from dflow_jupyter.typenames import type_name

__all__ = ["check_keys", "check_opio", "check_value", "describe_entry", "fill_defaults"]

Direction = Literal["input", "output"]
_UNDECLARED = object()


def describe_entry(entry: Any) -> tuple[str, str]:
    """``(kind, type name)`` of a sign entry, e.g. ``("artifact", "Path")``."""
    if isinstance(entry, Artifact):
        return "artifact", type_name(entry.type)
    if isinstance(entry, (Parameter, BigParameter)):
        return "parameter", type_name(entry.type)
    return "parameter", type_name(entry)


def _has_default(entry: Any) -> bool:
    return isinstance(entry, (Parameter, BigParameter)) and "default" in entry.__dict__


def _is_required(entry: Any) -> bool:
    if isinstance(entry, Artifact):
        return not entry.optional
    return not _has_default(entry)


def _field_label(name: str) -> str:
    # Function OPs name their return value(s) dflow_output / dflow_output_<i>.
    if name == "dflow_output":
        return f"{name!r} (the return value)"
    if name.startswith("dflow_output_") and name[13:].isdigit():
        return f"{name!r} (return value [{name[13:]}])"
    return repr(name)


def _require_mapping(values: Any, op_name: str, direction: Direction) -> None:
    if not isinstance(values, Mapping):
        where = "execute() must return" if direction == "output" else "the inputs must be"
        raise OPIOTypeError(
            f"OP {op_name!r}: {where} an OPIO (a mapping of {direction} name to value), "
            f"got {type(values).__name__} ({short_repr(values)})",
            op_name,
            None,
            direction,
            expected="OPIO",
            got=values,
        )


def _declared(sign: Mapping[str, Any]) -> str:
    parts = [f"{n} ({': '.join(describe_entry(e))})" for n, e in sign.items()]
    return ", ".join(parts) if parts else "(none)"


def check_keys(
    sign: Mapping[str, Any],
    values: Mapping[str, Any],
    *,
    op_name: str,
    direction: Direction,
    require_all: bool = True,
) -> None:
    """Raise :class:`OPIOKeyError` for an undeclared name, then for missing required names.

    With ``require_all=False`` only undeclared names are errors (for partial OPIOs).
    """
    for name in values:
        if name not in sign:
            close = difflib.get_close_matches(str(name), [str(k) for k in sign], n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else ""
            if direction == "input":
                head = f"unknown input {name!r}{suggestion}"
            else:
                head = (
                    f"execute() returned output {name!r}{suggestion}, which the output sign "
                    "does not declare; declare it, or do not return it"
                )
            raise OPIOKeyError(
                f"OP {op_name!r}: {head}. Declared {direction}s: {_declared(sign)}",
                op_name,
                str(name),
                direction,
                expected=tuple(sign),
                got=name,
            )
    missing = [n for n, e in sign.items() if n not in values and _is_required(e)]
    if not missing or not require_all:
        return
    entry = sign[missing[0]]
    kind, tname = describe_entry(entry)
    listed = ", ".join(f"{_field_label(n)} ({describe_entry(sign[n])[1]})" for n in missing)
    plural = "s" if len(missing) > 1 else ""
    if kind == "artifact":
        fix = f"declare Artifact({tname}, optional=True) to make it optional"
    else:
        fix = f"declare a default, e.g. Parameter({tname}, default=...)"
    if direction == "input":
        msg = f"missing input {kind}{plural} {listed}; pass a value, or {fix}"
    else:
        msg = f"output {kind}{plural} {listed} missing from what execute() returned; return it, or {fix}"
    raise OPIOKeyError(
        f"OP {op_name!r}: {msg}",
        op_name,
        missing[0],
        direction,
        kind=kind,
        expected=tname,
        got=None,
        fields=missing,
    )


def _contains_str(value: Any) -> bool:
    if isinstance(value, str):
        return True
    items = value.values() if isinstance(value, dict) else value
    return isinstance(value, (list, set, tuple, dict)) and any(isinstance(v, str) for v in items)


def check_opio(
    sign: Mapping[str, Any],
    values: Any,
    *,
    op_name: str,
    direction: Direction,
    defaulted: Collection[str] = (),
) -> None:
    """Check the inputs or outputs of an OP against its sign.

    Parameters
    ----------
    sign : Mapping
        The ``OPIOSign`` (name -> type | Artifact | Parameter | BigParameter).
    values : Mapping
        The ``OPIO`` to check.
    op_name : str
        Name of the OP, for messages.
    direction : {"input", "output"}
        Which side is checked, for messages.
    defaulted : collection of str
        Names whose value was filled in from the sign's default (the message then says so).

    Raises
    ------
    OPIOTypeError
        ``values`` is not a mapping, or a value has the wrong type.
    OPIOKeyError
        An undeclared name is present, or a required one is missing.
    """
    if not isinstance(values, Mapping):
        _require_mapping(values, op_name, direction)
    entries = sign._data if isinstance(sign, _DictLike) else sign
    for name, value in values.items():
        entry = entries.get(name, _UNDECLARED)
        if entry is _UNDECLARED:
            check_keys(sign, values, op_name=op_name, direction=direction)  # raises
        if value is None:
            continue
        mismatch = entry_checker(entry)(value)
        if mismatch is None:
            continue
        detail = format_mismatch(mismatch)
        kind, tname = describe_entry(entry)
        msg = (
            f"OP {op_name!r}: {direction} {kind} {_field_label(name)} expected {tname}, "
            f"got {type(value).__name__} ({short_repr(value)})"
        )
        if detail:
            msg += f": {detail}"
        if name in defaulted:
            msg += " (this is the default declared in the sign)"
        elif "Path" in tname and _contains_str(value) and kind == "artifact":
            msg += "; wrap the paths with pathlib.Path(...)"
        raise OPIOTypeError(msg, op_name, name, direction, kind=kind, expected=tname, got=value)
    # Every given name is declared, so nothing can be missing when the counts agree.
    if len(values) != len(entries):
        check_keys(sign, values, op_name=op_name, direction=direction)


def fill_defaults(sign: Mapping[str, Any], values: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``values`` with declared defaults added for missing names.

    As in dflow, a missing ``Parameter``/``BigParameter`` with a default gets (a deep copy of)
    its default, and a missing optional ``Artifact`` gets ``None``. Other missing names stay
    missing for :func:`check_opio` to report.
    """
    out = dict(values)
    for name, entry in sign.items():
        if name in out:
            continue
        if _has_default(entry):
            # A fresh copy per call, so an OP that mutates a list default cannot leak state
            # into the next call (dflow deep-copies the whole sign for the same effect).
            out[name] = copy.deepcopy(entry.default)
        elif isinstance(entry, Artifact) and entry.optional:
            out[name] = None
    return out
