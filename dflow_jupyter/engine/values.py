"""Parameter values across the Argo boundary: strings on the wire, typed values in OPs."""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

from dflow_jupyter.errors import DflowJupyterError


class ParameterTypeError(DflowJupyterError, TypeError):
    """A parameter value does not fit the type its OP declares."""


def to_argo_string(value: Any) -> str:
    """The string Argo would carry for ``value`` (str as is, everything else as JSON)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)) or value is None:
        return json.dumps(value)
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        import jsonpickle

        return str(jsonpickle.encode(value))


def from_argo_string(text: str) -> Any:
    """Decode a parameter string as dflow's OP runner does (jsonpickle, which is JSON-compatible)."""
    value = json.loads(text)
    if isinstance(value, dict) and any(k.startswith("py/") for k in value):
        import jsonpickle

        return jsonpickle.decode(text)
    return value


def type_name(kind: Any) -> str:
    if kind is None:
        return "any"
    if isinstance(kind, type):
        return kind.__name__
    return str(kind).replace("typing.", "")


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} ({text})"


@lru_cache(maxsize=512)
def _is_plain_class(kind: Any) -> bool:
    return isinstance(kind, type) and not getattr(kind, "__args__", None)


def matches_type(value: Any, kind: Any) -> bool:
    """True if ``value`` fits ``kind`` (a class or a typing construct); ``None`` always fits."""
    if kind is None or value is None or kind is Any:
        return True
    if _is_plain_class(kind):
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            return True
        return isinstance(value, kind)
    from typeguard import CollectionCheckStrategy, TypeCheckError, check_type

    try:
        check_type(value, kind, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
    except TypeCheckError:
        return False
    return True


def coerce_parameter(value: Any, kind: Any, *, where: str) -> Any:
    """Convert ``value`` as Argo + dflow would for an input of type ``kind``, or raise.

    Argo carries parameters as strings: a non-string given to a ``str`` input arrives as its JSON
    text, and a string given to any other type is decoded as JSON (jsonpickle) by the OP runner.
    """
    if kind is None or kind is Any:
        return value
    if kind is str:
        return value if isinstance(value, str) else to_argo_string(value)
    if isinstance(value, str) and not matches_type(value, kind):
        try:
            decoded = from_argo_string(value)
        except ValueError:
            raise ParameterTypeError(
                f"{where} expected {type_name(kind)}, got str ({value!r}), which is not a JSON "
                f"{type_name(kind)}; pass a {type_name(kind)} value"
            ) from None
        value = decoded
    if not matches_type(value, kind):
        raise ParameterTypeError(f"{where} expected {type_name(kind)}, got {_describe(value)}")
    return value
