"""The ``.dflow`` catalog of an artifact: which of its paths form the path object, in what order."""

from __future__ import annotations

import contextlib
import json
import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from dflow_jupyter.config import config
from dflow_jupyter.storage.errors import ArtifactPathError

__all__ = [
    "Catalog",
    "assemble",
    "catalog_dir_name",
    "check_items",
    "check_relative",
    "expand",
    "flatten",
    "get_slices",
    "iter_leaves",
    "map_leaves",
    "read_catalog",
    "relative_in_artifact",
    "take_catalog",
    "upload_pairs",
    "write_catalog",
]

Item = dict[str, Any]

# Extra key of a catalog file marking "this artifact is one file, stage it as a file" (a shell
# step's OutputArtifact(path="/tmp/x.txt")). dflow's readers only look at "path_list".
_SINGLE_FILE_KEY = "dflow_jupyter_single_file"


class Catalog(NamedTuple):
    """The merged catalog of one artifact directory.

    The format is dflow's, so artifacts are interchangeable with it: ``<artifact>/.dflow/<uuid>``
    files, each holding ``{"path_list": [{"dflow_list_item": <relative path or null>,
    "order": <o>}]}``. Integer orders make a list (sorted by order); dotted string orders
    (``"a.b.0"``) make a nested dict. Several catalog files in one artifact are merged with
    dflow's rules.
    """

    items: list[Item]
    single_file: bool
    present: bool
    """Whether the artifact has a catalog at all (a shell step's output directory has none)."""


def catalog_dir_name() -> str:
    return str(config["catalog_dir_name"])


def write_catalog(root: str, items: list[Item], *, single_file: bool = False) -> None:
    """Write ``items`` as a new catalog file of the artifact directory ``root``."""
    directory = os.path.join(root, catalog_dir_name())
    with contextlib.suppress(FileExistsError):
        os.mkdir(directory)
    payload: dict[str, Any] = {"path_list": items}
    if single_file:
        payload[_SINGLE_FILE_KEY] = True
    with open(os.path.join(directory, str(uuid.uuid4())), "w", encoding="utf-8") as f:
        f.write(json.dumps(payload))


def read_catalog(root: str) -> Catalog:
    """Read and merge the catalog files of ``root`` (none, or ``root`` a file: empty catalog)."""
    directory = os.path.join(root, catalog_dir_name())
    try:
        names = sorted(os.listdir(directory))
    except OSError:
        return Catalog([], False, False)
    merged = _Merger()
    single = False
    for name in names:
        path = os.path.join(directory, name)
        with open(path, "rb") as f:
            payload = json.loads(f.read())
        single = single or bool(payload.get(_SINGLE_FILE_KEY))
        items = payload.get("path_list", [])
        check_items(items, f"artifact catalog {path}")
        for item in items:
            merged.add(item)
    return Catalog(merged.items, single, True)


def check_relative(rel: Any, where: str, what: str = "catalog item") -> None:
    """Raise ``ArtifactPathError`` unless ``rel`` is a relative path that stays inside its artifact.

    Every path taken from an artifact is joined to a destination: an absolute one, or one with
    ``..``, would place (or make read-only) files outside it.
    """
    if (
        isinstance(rel, str)
        and rel
        and "\0" not in rel
        and not rel.startswith("/")
        and ".." not in rel.split("/")
    ):
        return
    raise ArtifactPathError(
        f"{where}: {what} {rel!r} leads outside the artifact; expected a relative path inside it "
        "such as 'dir/file.txt' (no leading '/', no '..' component)"
    )


def check_items(items: Any, where: str) -> None:
    """Check catalog ``items`` (a list of ``{"dflow_list_item": path or None, "order": ...}``)."""
    if not isinstance(items, list):
        raise ArtifactPathError(f"{where}: 'path_list' should be a list, got {type(items).__name__}")
    for item in items:
        if not isinstance(item, dict) or "dflow_list_item" not in item or "order" not in item:
            raise ArtifactPathError(
                f"{where}: malformed catalog item {item!r}; expected "
                "{'dflow_list_item': <relative path or None>, 'order': <int or str>}"
            )
        if item["dflow_list_item"] is not None:
            check_relative(item["dflow_list_item"], where)


class _Merger:
    """dflow's ``append_item`` rules, indexed by order so that 10,000 items stay linear."""

    def __init__(self) -> None:
        self.items: list[Item] = []
        self._by_order: dict[Any, list[Item]] = {}

    def add(self, item: Item) -> None:
        same_order = self._by_order.setdefault(item["order"], [])
        for current in same_order:
            if current == item or item["dflow_list_item"] is None:
                return
            if current["dflow_list_item"] is None:
                current["dflow_list_item"] = item["dflow_list_item"]
                return
        item = dict(item)
        same_order.append(item)
        self.items.append(item)


def assemble(items: list[Item], root: str | None = None) -> list[Any] | dict[str, Any]:
    """The path object of ``items``, each path joined to ``root`` when given."""
    if not items:
        return []

    def join(rel: str | None) -> str | None:
        return rel if root is None or rel is None else os.path.join(root, rel)

    if all(type(item["order"]) is int for item in items):
        ordered = sorted(items, key=lambda item: item["order"])  # stable: keeps slice order
        return [join(item["dflow_list_item"]) for item in ordered]
    return expand({str(item["order"]): join(item["dflow_list_item"]) for item in items})


def flatten(obj: Any) -> dict[str, Any]:
    """``{"a": {"b": [x, y]}}`` -> ``{"a.b.0": x, "a.b.1": y}`` (dflow's flattening)."""
    flat: dict[str, Any] = {}

    def walk(value: Any, prefix: str) -> None:
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, sub in pairs:
            name = f"{prefix}.{key}" if prefix else str(key)
            if isinstance(sub, (dict, list, tuple)):
                walk(sub, name)
            else:
                flat[name] = sub

    walk(obj, "")
    return flat


def upload_pairs(path: Any) -> list[tuple[int | str, Any]]:
    """``(order, path)`` of what ``upload_artifact`` was given: a path, a list/set, or a nest.

    A dict, or a list holding lists or dicts, is flattened to dotted orders (``"a.0"``) as dflow
    does; a flat list or set keeps integer orders; a single path has order 0.
    """
    if isinstance(path, dict) or (
        isinstance(path, (list, tuple)) and any(isinstance(p, (list, tuple, dict)) for p in path)
    ):
        return list(flatten(path).items())
    if isinstance(path, (list, tuple, set, frozenset)):
        return list(enumerate(path))
    return [(0, path)]


def relative_in_artifact(src: str, cwd: str) -> str:
    """Where the absolute path ``src`` goes inside an uploaded artifact (dflow's rule).

    Under the working directory ``cwd`` it keeps its relative path; elsewhere its absolute
    path without the leading ``/``.
    """
    prefix = cwd.rstrip("/") + "/"
    return src[len(prefix) :] if src.startswith(prefix) else src.lstrip("/")


def take_catalog(root: str, remove: bool) -> list[Any] | dict[str, Any]:
    """The path object of the downloaded artifact at ``root``; its catalog removed if ``remove``."""
    import shutil

    catalog = read_catalog(root)
    if remove and catalog.present:
        shutil.rmtree(os.path.join(root, catalog_dir_name()))
    return assemble(catalog.items, root)


def _lists_from_int_keys(d: dict[str, Any]) -> Any:
    for k, v in d.items():
        if isinstance(v, dict):
            d[k] = _lists_from_int_keys(v)
    try:
        indices = [int(k) for k in d]
    except ValueError:
        return d
    out: list[Any] = [None] * (max(indices) + 1 if indices else 0)
    for i, v in zip(indices, d.values(), strict=True):
        out[i] = v
    return out


def expand(flat: dict[str, Any]) -> Any:
    """Inverse of :func:`flatten`: dicts whose keys are all integers become lists."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        *parents, last = str(key).split(".")
        node = tree
        for field in parents:
            node = node.setdefault(field, {})
        node[last] = value
    return _lists_from_int_keys(tree)


def get_slices(obj: Any, slices: Any) -> Any:
    """Select part of a path object: an index, a dotted path ``"a.0"`` or a list of them."""
    if slices is None:
        return obj
    if isinstance(slices, list):
        return [get_slices(obj, s) for s in slices]
    if isinstance(slices, int):
        return obj[slices]
    node = obj
    for field in str(slices).split("."):
        node = node[field] if isinstance(node, dict) else node[int(field)]
    return node


def iter_leaves(obj: Any) -> Iterator[Any]:
    """The leaves (paths or None) of a path object."""
    if isinstance(obj, dict):
        for value in obj.values():
            yield from iter_leaves(value)
    elif isinstance(obj, (list, tuple, set)):
        for value in obj:
            yield from iter_leaves(value)
    else:
        yield obj


def map_leaves(obj: Any, fn: Callable[[Any], Any]) -> Any:
    """Apply ``fn`` to every non-None leaf, keeping lists and dicts."""
    if isinstance(obj, dict):
        return {k: map_leaves(v, fn) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [map_leaves(v, fn) for v in obj]
    return None if obj is None else fn(obj)
