"""Reading a stored artifact and rebuilding it elsewhere (staging, downloading, stacking)."""

from __future__ import annotations

import os
import stat
from typing import Any, NamedTuple, TypeGuard

from dflow_jupyter.storage.atomic import atomic_path, ensure_parent
from dflow_jupyter.storage.catalog import (
    Item,
    assemble,
    catalog_dir_name,
    check_items,
    expand,
    get_slices,
    iter_leaves,
    map_leaves,
    read_catalog,
    write_catalog,
)
from dflow_jupyter.storage.linking import Linker
from dflow_jupyter.storage.location import locate
from dflow_jupyter.storage.manifest import StoreFiles

__all__ = ["Source", "allow_links", "build", "inspect_artifact", "stage"]


class Source(NamedTuple):
    """A stored artifact as found on disk."""

    root: str
    file: str | None
    """The one file to stage as a file (a bare file, or a single-file artifact), else None."""
    items: list[Item]
    has_catalog: bool
    slice: Any


def _is_catalog(items: Any) -> TypeGuard[list[Item]]:
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and "dflow_list_item" in i and "order" in i for i in items)
    )


def inspect_artifact(artifact: Any, *, what: str, store_root: str | None = None) -> Source:
    """Locate ``artifact`` and read its catalog."""
    root, st = locate(artifact, store_root=store_root, what=what)
    slice_ = getattr(artifact, "slice", None)
    if not stat.S_ISDIR(st.st_mode):
        return Source(root, root, [], False, slice_)
    known = getattr(artifact, "path_list", None)
    if _is_catalog(known) and getattr(artifact, "local_path", None) == root:
        # The store's own S3Artifacts carry their catalog: no need to read it back.
        check_items(known, f"{what}: the path_list of {artifact!r}")
        return Source(root, None, known, True, slice_)
    catalog = read_catalog(root)
    single = None
    if catalog.single_file and len(catalog.items) == 1 and catalog.items[0]["dflow_list_item"]:
        single = os.path.join(root, catalog.items[0]["dflow_list_item"])
    return Source(root, single, catalog.items, catalog.present, slice_)


def build(src: Source, at: str, final: str, linker: Linker, *, what: str, with_catalog: bool = True) -> Any:
    """Place ``src`` at the new path ``at``; return its path object with paths under ``final``.

    A single-file artifact becomes a file and its path object is ``[final]``; a directory
    artifact is rebuilt with its catalog. With a slice, only the selected paths are placed.
    """
    if src.file is not None:
        linker.place(src.file, at)
        return [final]
    if src.slice is None:
        linker.place(src.root, at, skip=None if with_catalog else catalog_dir_name())
        return assemble(src.items, final) if src.has_catalog else []
    try:
        selected = get_slices(assemble(src.items), src.slice)
    except (IndexError, KeyError, ValueError, TypeError) as exc:
        raise IndexError(
            f"{what}: slice {src.slice!r} does not exist in the artifact at "
            f"{src.root} (its path object is {assemble(src.items)!r})"
        ) from exc
    wanted = {rel for rel in iter_leaves(selected) if rel is not None}
    os.mkdir(at)
    for rel in sorted(wanted):
        target = os.path.join(at, rel)
        if "/" in rel:
            os.makedirs(os.path.dirname(target), exist_ok=True)
        linker.place(os.path.join(src.root, rel), target)
    if with_catalog:
        write_catalog(at, [item for item in src.items if item["dflow_list_item"] in wanted])
    return map_leaves(selected, lambda rel: os.path.join(final, rel))


def _combine_parts(pos: dict[str, Any], roots: dict[str, str], as_dict: bool) -> Any:
    # dflow's rule for artifacts={"x": [a, b]}: list parts are concatenated, an artifact
    # without a catalog contributes its root directory.
    if as_dict:
        return expand({k: po if po else roots[k] for k, po in pos.items()})
    combined: list[Any] = []
    for k, po in pos.items():
        if not po:
            combined.append(roots[k])
        elif isinstance(po, list):
            combined.extend(po)
        else:
            combined.append(po)
    return combined


def allow_links(linker: Linker, src: Source) -> None:
    """Let ``linker`` link the files of ``src`` if the store wrote it (else they are copied)."""
    if isinstance(linker.may_link, StoreFiles):
        linker.may_link.allow(src.root)


def stage(
    artifact: Any,
    dest: str,
    linker: Linker,
    *,
    what: str,
    store_root: str | None,
    with_catalog: bool = True,
) -> Any:
    """Atomically place ``artifact`` (or a list/dict of them, or a str content) at ``dest``.

    Returns the path object rooted at ``dest`` (``[]`` when the artifact has no catalog).
    ``with_catalog=False`` leaves the catalog directory out (an OP gets its path object
    directly, and it saves a directory per staged artifact).
    """
    linker.rel_name = os.path.basename(dest)
    linker.dst_dev = ensure_parent(dest)
    if isinstance(artifact, (list, tuple, dict)):
        pairs = artifact.items() if isinstance(artifact, dict) else enumerate(artifact)
        pos: dict[str, Any] = {}
        roots: dict[str, str] = {}
        with atomic_path(dest, mkdir=True, parent_ready=True) as tmp:
            linker.rel_root = tmp
            for key, part in pairs:
                if part is None:
                    continue
                k = str(key)
                src = inspect_artifact(part, what=f"{what}[{key!r}]", store_root=store_root)
                allow_links(linker, src)
                roots[k] = os.path.join(dest, k)
                at = os.path.join(tmp, k)
                pos[k] = build(src, at, roots[k], linker, what=what, with_catalog=with_catalog)
        return _combine_parts(pos, roots, isinstance(artifact, dict))
    if isinstance(artifact, str):
        # dflow: a plain string passed as an artifact becomes a file with that content.
        with atomic_path(dest, parent_ready=True) as tmp, open(tmp, "w", encoding="utf-8") as f:
            f.write(artifact)
        return []
    src = inspect_artifact(artifact, what=what, store_root=store_root)
    allow_links(linker, src)
    with atomic_path(dest, parent_ready=True) as tmp:
        linker.rel_root = tmp
        return build(src, tmp, dest, linker, what=what, with_catalog=with_catalog)
