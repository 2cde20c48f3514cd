"""The Argo wire codec: parameter values as Argo strings, type descriptions, node inputs/outputs.

Argo carries every parameter as a string. dflow writes a non-string value as JSON (jsonpickle
for objects JSON cannot hold) and records the declared type in the parameter's ``description``
as ``{"type": "<name>"}``; its OP runner decodes a string for any non-``str`` input. Every
backend encodes and decodes through this module, so a value reads back the same whichever
backend recorded it.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.typenames import type_name

__all__ = [
    "ParameterTypeError",
    "coerce_parameter",
    "declared_type_name",
    "decode_aggregate",
    "decode_artifact",
    "decode_outputs",
    "decode_parameter",
    "encode_artifacts",
    "encode_parameters",
    "from_argo_string",
    "matches_type",
    "to_argo_string",
    "type_description",
]


class ParameterTypeError(DflowJupyterError, TypeError):
    """A parameter value does not fit the type its OP declares."""


# -- values ------------------------------------------------------------------------------------
def to_argo_string(value: Any) -> str:
    """The string Argo carries for ``value`` (str as is, everything else as JSON)."""
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


# -- types -------------------------------------------------------------------------------------
def type_description(kind: Any) -> str:
    """The ``description`` dflow gives a parameter of declared type ``kind``."""
    try:
        return _cached_type_description(kind)
    except TypeError:  # an unhashable annotation: described every time
        return _type_description(kind)


@lru_cache(maxsize=1024)
def _cached_type_description(kind: Any) -> str:
    # Every recorded parameter carries one: a fan-out of 10,000 items asks for the same few.
    return _type_description(kind)


def _type_description(kind: Any) -> str:
    if kind is None:
        return json.dumps({"type": "str"})
    if isinstance(kind, type) and kind.__module__ != "builtins":
        return json.dumps({"type": f"{kind.__module__}.{kind.__name__}"})
    return json.dumps({"type": type_name(kind)})


def declared_type_name(entry: Mapping[str, Any]) -> str:
    """The type name recorded in a parameter entry's ``description`` (``"str"`` when absent)."""
    try:
        return str(json.loads(entry.get("description") or "{}").get("type", "str"))
    except (ValueError, AttributeError):
        return "str"


@lru_cache(maxsize=512)
def _is_plain_class(kind: Any) -> bool:
    return isinstance(kind, type) and not getattr(kind, "__args__", None)


def matches_type(value: Any, kind: Any) -> bool:
    """True if ``value`` fits ``kind`` (a class or a typing construct).

    ``None`` fits only a type that admits it (``Optional[...]``, ``Any``, ``object``): an ``int``
    parameter given ``None`` would reach the OP as ``None`` (Argo: ``"null"``) and fail there.
    """
    if kind is None or kind is Any or kind is object:
        return True
    if value is None:
        return _admits_none(kind)
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


@lru_cache(maxsize=512)
def _admits_none(kind: Any) -> bool:
    if kind is type(None):
        return True
    from typing import Union, get_args, get_origin

    origin = get_origin(kind)
    if origin is Union or isinstance(kind, types.UnionType):
        return any(_admits_none(arg) for arg in get_args(kind))
    return False


def _describe(value: Any) -> str:
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    return f"{type(value).__name__} ({text})"


def coerce_parameter(value: Any, kind: Any, *, where: str) -> Any:
    """Convert ``value`` as Argo + dflow would for an input of type ``kind``, or raise.

    A non-string given to a ``str`` input arrives as its JSON text, and a string given to any
    other type is decoded as JSON (jsonpickle) by the OP runner. The aggregate of a fan-out's
    scalar outputs is a list of strings (``["4","0","25"]``): dflow's OP runner would hand those
    strings to a ``List[int]`` input and its type check would refuse them; here each element is
    decoded too when that makes the value fit.
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
        decoded_items = _decoded_string_items(value)
        if decoded_items is not None and matches_type(decoded_items, kind):
            return decoded_items
        raise ParameterTypeError(f"{where} expected {type_name(kind)}, got {_describe(value)}")
    return value


def _decoded_string_items(value: Any) -> list[Any] | None:
    """A list of strings with each element decoded as JSON where it is JSON, else None."""
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None
    items: list[Any] = []
    for text in value:
        try:
            items.append(from_argo_string(text))
        except ValueError:
            items.append(text)
    return items


# -- node inputs and outputs -------------------------------------------------------------------
def encode_parameters(values: Mapping[str, Any], declared: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Argo ``parameters`` entries for typed ``values`` (declarations give the descriptions)."""
    out = []
    for name, value in values.items():
        decl = declared.get(name) if declared is not None else None
        kind = getattr(decl, "type", None) if decl is not None else None
        # Undeclared types (e.g. a Steps output) keep the type of the value they carry.
        out.append(
            {
                "name": name,
                "value": to_argo_string(value),
                "description": type_description(kind if kind is not None else type(value)),
            }
        )
    return out


def encode_artifacts(values: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Argo ``artifacts`` entries; a list of artifacts keeps its keys as a JSON list."""
    out = []
    for name, art in values.items():
        if art is None:
            continue
        keys = [a.key for a in art] if isinstance(art, list) else [getattr(art, "key", None)]
        out.append({"name": name, "s3": {"key": keys[0] if len(keys) == 1 else json.dumps(keys)}})
    return out


def decode_parameter(entry: Mapping[str, Any]) -> Any:
    """The typed value of a recorded parameter entry (strings stay strings when declared so)."""
    value = entry.get("value")
    if value is None or not isinstance(value, str) or declared_type_name(entry) == "str":
        return value
    try:
        return from_argo_string(value)
    except ValueError:
        return value


def decode_aggregate(entry: Mapping[str, Any], item_entry: Mapping[str, Any] | None) -> Any:
    """The typed value of a fan-out's aggregated output (Argo's ``aggregatedJSONValueList``).

    Argo aggregates scalar item outputs as a JSON list of their strings (``["4","0","25"]``);
    the items' own declared type (``item_entry``, the same output of one item) says whether
    those strings are numbers, booleans or JSON to decode, or strings to keep.
    """
    value = entry.get("value")
    if not isinstance(value, str):
        return value
    try:
        items = json.loads(value)
    except ValueError:
        return value
    if not isinstance(items, list):
        return items
    if item_entry is None or declared_type_name(item_entry) == "str":
        return items
    decoded = _decoded_string_items(items)
    return decoded if decoded is not None else items


def decode_artifact(entry: Mapping[str, Any]) -> Any:
    """The artifact object (or list of them) a recorded artifact entry names."""
    from dflow_jupyter.storage import S3Artifact

    key = (entry.get("s3") or {}).get("key") or entry.get("key")
    if isinstance(key, str) and key.startswith("["):
        return [S3Artifact(key=k) for k in json.loads(key)]
    return S3Artifact(key=key)


def decode_outputs(outputs: Mapping[str, Any] | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """Typed output parameters and artifact objects of a recorded node's ``outputs``."""
    outputs = outputs or {}
    params = {e["name"]: decode_parameter(e) for e in outputs.get("parameters") or []}
    arts = {
        e["name"]: decode_artifact(e)
        for e in outputs.get("artifacts") or []
        if ((e.get("s3") or {}).get("key") or e.get("key")) is not None
    }
    return params, arts
