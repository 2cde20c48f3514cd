"""The JSONPath subset behind Argo's ``jsonpath(json, path)`` (evilmonkeyinc/jsonpath rules).

Supported: ``$``, ``.key``, ``['key']``, ``[0]`` / ``[-1]``, ``[*]`` / ``.*``, ``..key``,
unions ``[0,2]`` / ``['a','b']``, ranges ``[1:3]`` / ``[::2]`` and ``.length``.  Filters
``[?(...)]`` and scripts ``[(...)]`` raise a clear error.  A definite path yields one value; a
wildcard, union, range or recursive descent yields a list.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from dflow_jupyter.expr.golang import GoPanic, go_json_loads, go_type

# A step is (kind, argument): ("key", "a"), ("index", 0), ("wild", None), ("deep", "a"|None),
# ("keys", [...]), ("indexes", [...]), ("range", (start, end, step)), ("length", None).
Step = tuple[str, Any]


def _split_union(body: str) -> list[str]:
    parts, current, quote = [], "", ""
    for char in body:
        if quote:
            current += char
            if char == quote and not current.endswith("\\" + quote):
                quote = ""
        elif char in "'\"":
            quote, current = char, current + char
        elif char == ",":
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _unquote(text: str) -> str | None:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1].replace("\\" + text[0], text[0])
    return None


def _bracket(body: str, path: str) -> Step:
    body = body.strip()
    if body == "*":
        return ("wild", None)
    if body.startswith(("?(", "(")):
        raise GoPanic(
            f"jsonpath {path!r}: filter and script expressions ([?(...)], [(...)]) are not "
            "supported by dflow_jupyter; index the value in the expression instead, e.g. "
            "jsonpath(x, '$')['key']"
        )
    parts = _split_union(body)
    keys = [_unquote(p) for p in parts]
    if all(k is not None for k in keys):
        return ("key", keys[0]) if len(keys) == 1 else ("keys", keys)
    try:
        if len(parts) == 1 and ":" in body:
            bounds = [int(b) if b.strip() else None for b in body.split(":")]
            if len(bounds) > 3:
                raise ValueError
            bounds += [None] * (3 - len(bounds))
            return ("range", tuple(bounds))
        indexes = [int(p) for p in parts]
    except ValueError:
        raise GoPanic(f"jsonpath {path!r}: invalid subscript [{body}]") from None
    return ("index", indexes[0]) if len(indexes) == 1 else ("indexes", indexes)


@lru_cache(maxsize=256)
def compile_path(path: str) -> tuple[Step, ...]:
    """Parse a JSONPath selector into steps (cached)."""
    if not path.startswith("$"):
        raise GoPanic(f"jsonpath {path!r}: a selector must start with '$'")
    steps: list[Step] = []
    i = 1
    while i < len(path):
        if path.startswith("..", i):
            i += 2
            if path.startswith("[", i):
                steps.append(("deep", None))
                continue
            j = i
            while j < len(path) and path[j] not in ".[":
                j += 1
            name = path[i:j]
            steps.append(("deep", None if name in ("", "*") else name))
            i = j
        elif path[i] == ".":
            j = i + 1
            while j < len(path) and path[j] not in ".[":
                j += 1
            name = path[i + 1 : j]
            if not name:
                raise GoPanic(f"jsonpath {path!r}: empty key at index {i}")
            steps.append(
                ("wild", None) if name == "*" else ("length", None) if name == "length" else ("key", name)
            )
            i = j
        elif path[i] == "[":
            j, quote = i + 1, ""
            while j < len(path) and (quote or path[j] != "]"):
                if path[j] in "'\"" and path[j - 1] != "\\":
                    quote = "" if quote == path[j] else (quote or path[j])
                j += 1
            if j >= len(path):
                raise GoPanic(f"jsonpath {path!r}: unclosed '['")
            steps.append(_bracket(path[i + 1 : j], path))
            i = j + 1
        else:
            raise GoPanic(f"jsonpath {path!r}: unexpected {path[i]!r} at index {i}")
    return tuple(steps)


def _index(value: Any, index: int) -> Any:
    if not isinstance(value, list):
        raise GoPanic(f"index: invalid token target. expected [array slice] got [{go_type(value)}]")
    if index < 0:
        index += len(value)
    if not 0 <= index < len(value):
        raise GoPanic("index: invalid token out of range")
    return value[index]


def _key(value: Any, key: str) -> Any:
    if not isinstance(value, Mapping):
        raise GoPanic(f"key: invalid token target. expected [map] got [{go_type(value)}]")
    if key not in value:
        raise GoPanic(f"key: invalid token key '{key}' not found")
    return value[key]


def _children(value: Any) -> list[Any]:
    if isinstance(value, Mapping):
        return [value[k] for k in sorted(value)]
    if isinstance(value, list):
        return list(value)
    raise GoPanic(f"wildcard: invalid token target. expected [array map slice] got [{go_type(value)}]")


def _descend(value: Any, key: str | None) -> list[Any]:
    found: list[Any] = []
    if isinstance(value, Mapping):
        if key is not None and key in value:
            found.append(value[key])
        for k in sorted(value):
            if key is None:
                found.append(value[k])
            found.extend(_descend(value[k], key))
    elif isinstance(value, list):
        for item in value:
            if key is None:
                found.append(item)
            found.extend(_descend(item, key))
    return found


def _apply_each(items: list[Any], rest: tuple[Step, ...]) -> list[Any]:
    if not rest:
        return items
    out = []
    for item in items:
        try:
            result = _apply(item, rest)
        except GoPanic:
            continue  # like the Go library, a branch that does not match is dropped
        if result is not None:
            out.append(result)
    return out


def _apply(value: Any, steps: tuple[Step, ...]) -> Any:
    if not steps:
        return value
    (kind, arg), rest = steps[0], steps[1:]
    if kind == "key":
        return _apply(_key(value, arg), rest)
    if kind == "index":
        return _apply(_index(value, arg), rest)
    if kind == "length":
        if isinstance(value, Mapping) and "length" in value:
            return _apply(value["length"], rest)
        if isinstance(value, (list, str, Mapping)):
            return _apply(len(value), rest)
        raise GoPanic(f"length: invalid token target. got [{go_type(value)}]")
    if kind == "wild":
        return _apply_each(_children(value), rest)
    if kind == "deep":
        return _apply_each(_descend(value, arg), rest)
    if kind == "keys":
        return _apply_each([_key(value, k) for k in arg], rest)
    if kind == "indexes":
        return _apply_each([_index(value, i) for i in arg], rest)
    if not isinstance(value, list):
        raise GoPanic(f"range: invalid token target. expected [array slice] got [{go_type(value)}]")
    start, end, step = arg
    picked = value[slice(start, end)]
    if step is not None and step < 0:
        picked = picked[::-1][::-step]
    elif step:
        picked = picked[::step]
    return _apply_each(picked, rest)


def jsonpath(document: Any, path: Any) -> Any:
    """Argo's ``jsonpath(jsonStr, path)``: parse the JSON string, then select with ``path``."""
    if type(document) is not str or type(path) is not str:
        bad = document if type(document) is not str else path
        raise GoPanic(
            f"jsonpath(json, path) takes two strings, got {go_type(bad)} ({bad!r}); "
            "a value that is already parsed can be indexed directly"
        )
    try:
        data = go_json_loads(document)
    except ValueError as exc:
        raise GoPanic(f"jsonpath: the first argument is not valid JSON ({exc}): {document!r}") from None
    return _apply(data, compile_path(path))
