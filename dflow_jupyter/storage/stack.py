"""Stacking the outputs of sliced steps into one list artifact, without copying their files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dflow_jupyter.storage.artifact import S3Artifact
from dflow_jupyter.storage.atomic import atomic_dir
from dflow_jupyter.storage.catalog import Item, catalog_dir_name, write_catalog
from dflow_jupyter.storage.errors import ArtifactConflictError
from dflow_jupyter.storage.linking import LinkConflictError, Linker
from dflow_jupyter.storage.manifest import StoreFiles, write_manifest
from dflow_jupyter.storage.staging import allow_links, inspect_artifact

__all__ = ["stack_artifacts"]


def _ordered(items: list[Item]) -> tuple[list[Item], bool]:
    """Items in list order, and whether they form a list (integer orders)."""
    if all(type(item["order"]) is int for item in items):
        return sorted(items, key=lambda item: item["order"]), True
    return items, False


def stack_artifacts(items: Sequence[Any | None], dest: Path, create_dir: bool = False) -> S3Artifact:
    """Merge the artifacts of slices ``0..n-1`` into one list artifact at ``dest``.

    As dflow's ``Slices`` does: the files of every slice are merged at their relative paths
    (with ``create_dir=True``, slice ``i`` goes under the directory ``i/``), and the catalog lists
    the paths of slice 0, then slice 1, ... (each slice's own list order kept; a slice's entries
    carry the order ``i``, so dflow's readers find the slice indices). Dict-shaped slices keep
    their keys (they merge into one dict, as in dflow). ``None`` items (skipped or failed slices)
    contribute nothing. Files are hard-linked (the store is immutable, so sharing inodes between
    its entries is safe); two slices writing the same path with different contents is an error.
    """
    dest_s = os.path.abspath(dest)
    # Slices are the store's own outputs: linked. Anything else is copied (see manifest).
    linker = Linker("link", replace=False, may_link=StoreFiles())
    entries: list[Item] = []
    catalog_name = catalog_dir_name()
    with atomic_dir(dest_s) as tmp:
        linker.rel_root = tmp + os.sep
        for i, art in enumerate(items):
            if art is None:
                continue
            what = f"stack_artifacts: slice {i}"
            src = inspect_artifact(art, what=what)
            allow_links(linker, src)
            if src.slice is not None:
                raise ArtifactConflictError(
                    f"{what}: a sliced artifact ({art!r}) cannot be stacked; pass whole artifacts"
                )
            prefix = str(i) if create_dir else ""
            target = os.path.join(tmp, prefix) if prefix else tmp
            try:
                if src.file is not None:
                    if prefix:
                        os.mkdir(target)
                    name = os.path.basename(src.file)
                    linker.place(src.file, os.path.join(target, name))
                    slice_items: list[Item] = [{"dflow_list_item": name, "order": 0}]
                else:
                    linker.place(src.root, target, skip=catalog_name)
                    slice_items = src.items
            except LinkConflictError as exc:
                raise ArtifactConflictError(
                    f"{what} and an earlier slice both produce '{exc.rel}' with different "
                    "contents; use Slices(create_dir=True) to give each slice its own "
                    "directory, or make the file names distinct"
                ) from None
            ordered, is_list = _ordered(slice_items)
            for item in ordered:
                rel = item["dflow_list_item"]
                if rel is not None and prefix:
                    rel = f"{prefix}/{rel}"
                entries.append({"dflow_list_item": rel, "order": i if is_list else item["order"]})
        write_catalog(tmp, entries)
    write_manifest(dest_s)
    return S3Artifact(key=dest_s, path_list=entries, local_path=dest_s)
