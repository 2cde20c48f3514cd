"""dflow's ``upload_artifact`` / ``download_artifact`` and catalog helpers for the local store."""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

from dflow_jupyter.config import config
from dflow_jupyter.storage.archives import extract_tarball, make_parents
from dflow_jupyter.storage.artifact import S3Artifact, register_download
from dflow_jupyter.storage.atomic import atomic_dir
from dflow_jupyter.storage.catalog import (
    Item,
    assemble,
    catalog_dir_name,
    check_relative,
    get_slices,
    iter_leaves,
    map_leaves,
    relative_in_artifact,
    take_catalog,
    upload_pairs,
    write_catalog,
)
from dflow_jupyter.storage.errors import ArtifactNotFoundError
from dflow_jupyter.storage.linking import Linker
from dflow_jupyter.storage.manifest import StoreFiles, write_manifest
from dflow_jupyter.storage.s3_transfer import (
    catalog_of_s3_artifact,
    download_artifact_s3,
    in_object_store,
    upload_artifact_s3,
)
from dflow_jupyter.storage.staging import allow_links, inspect_artifact

__all__ = [
    "catalog_of_artifact",
    "download_artifact",
    "path_list_of_artifact",
    "path_object_of_artifact",
    "upload_artifact",
]

logger = logging.getLogger(__name__)


def _never(real: str, st: os.stat_result) -> bool:
    return False


def upload_artifact(
    path: Any,
    archive: str | None = "default",
    namespace: str | None = None,
    dataset_name: str | None = None,
    **kwargs: Any,
) -> S3Artifact:
    """Store local files as an artifact usable as a step input.

    ``path`` is a path, or a list/set/dict (possibly nested) of paths. As in dflow, a path
    under the current directory keeps its relative path inside the artifact and any other
    path keeps its absolute path without the leading ``/``; the catalog records the
    list/dict shape.

    In debug mode the artifact is placed under ``<debug_workdir>/<debug_artifact_dir>/
    upload/<uuid>/`` with ``config["debug_copy_method"]`` (no data is copied except with
    ``"copy"``, or across devices); ``archive`` and the MinIO keywords are then ignored.
    Otherwise (``config["mode"]`` ``"default"``/``"argo"``, or ``config["debug_s3"]``) it goes
    to the object store through the storage client (``storage_client=``,
    ``s3_config["storage_client"]`` or MinIO, whose keywords ``endpoint``, ``access_key``...
    are accepted), as one ``.tgz`` unless ``archive`` is ``None``.
    """
    if str(config["mode"]).lower() != "debug" or config["debug_s3"]:
        art = upload_artifact_s3(path, archive, **kwargs)
        art.urn = _register(namespace, dataset_name, art.key, **kwargs)
        return art
    cwd = os.getcwd()
    store = os.path.abspath(os.path.join(config["debug_workdir"], config["debug_artifact_dir"], "upload"))
    os.makedirs(store, exist_ok=True)
    dest = os.path.join(store, str(uuid.uuid4()))
    # The user's files are copied (reflinked where the filesystem can): a link would let a later
    # consumer make them read-only, or write into them.
    linker = Linker(config["debug_copy_method"], may_link=_never)
    st = os.stat(store)
    # Uploading a directory that contains the store must not copy the upload into itself.
    linker.skip_dirs.add((st.st_dev, st.st_ino))
    items: list[Item] = []
    with atomic_dir(dest) as tmp:
        for order, p in upload_pairs(path):
            if p is None:
                continue
            src = os.path.abspath(p)
            if not os.path.exists(src):
                raise ArtifactNotFoundError(
                    f"upload_artifact: {os.fspath(p)!r} does not exist (looked for {src})"
                )
            rel = relative_in_artifact(src, cwd)
            target = os.path.join(tmp, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            linker.place(src, target)
            items.append({"dflow_list_item": rel, "order": order})
        write_catalog(tmp, items)
    write_manifest(dest)
    art = S3Artifact(key=dest, path_list=items, local_path=dest)
    art.urn = _register(namespace, dataset_name, dest, **kwargs)
    return art


def _register(namespace: str | None, dataset_name: str | None, uri: str, **kwargs: Any) -> str:
    """The lineage URN of an upload given a namespace and dataset name (``""`` otherwise)."""
    if namespace is None or dataset_name is None:
        return ""
    if not config["lineage"]:
        logger.warning("upload_artifact: namespace/dataset_name given but no lineage client")
        return ""
    return str(config["lineage"].register_artifact(namespace, dataset_name, uri, **kwargs))


def _download_one(
    artifact: Any,
    path: str,
    *,
    extract: bool,
    sub_path: str | None,
    slice_: Any,
    remove_catalog: bool,
    skip: bool,
) -> Any:
    src = inspect_artifact(artifact, what="download_artifact")
    # Only the store's own files are linked into the target; anything else is copied.
    linker = Linker(config["debug_copy_method"], protect=True, keep_identical=skip, may_link=StoreFiles())
    allow_links(linker, src)
    os.makedirs(path, exist_ok=True)
    if extract and src.file is not None and src.file.endswith((".tgz", ".tar.gz")):
        # An artifact fetched from an object store by dflow is a gzipped tarball.
        extract_tarball(src.file, path)
        return take_catalog(path, remove_catalog)
    if sub_path is not None:
        check_relative(sub_path, "download_artifact", "sub_path")
        target = os.path.join(path, sub_path)
        make_parents(path, sub_path)
        linker.place(os.path.join(src.root, sub_path), target)
        return target
    if slice_ is None:
        slice_ = src.slice
    if src.file is not None:
        target = os.path.join(path, os.path.basename(src.file))
        linker.place(src.file, target)
        return [target]
    if slice_ is not None:
        selected = get_slices(assemble(src.items), slice_)
        for rel in iter_leaves(selected):
            if rel is not None:
                target = os.path.join(path, rel)
                make_parents(path, rel)
                linker.place(os.path.join(src.root, rel), target)
        return map_leaves(selected, lambda rel: os.path.join(path, rel))
    # The target the user named may be a symlink to a directory: theirs to choose, so followed;
    # symlinks inside it are not.
    linker.place(src.root, os.path.realpath(path), skip=catalog_dir_name() if remove_catalog else None)
    return assemble(src.items, path) if src.has_catalog else []


def download_artifact(
    artifact: Any,
    extract: bool = True,
    sub_path: str | None = None,
    slice: Any = None,
    path: str | os.PathLike[str] = ".",
    remove_catalog: bool = True,
    skip_exists: bool = False,
    **kwargs: Any,
) -> Any:
    """Place an artifact's files under ``path`` and return its path object, as dflow does.

    Returns the list (or dict, for a dict artifact) of the downloaded paths, each
    ``os.path.join(path, <relative path>)``; ``[]`` for a directory artifact without a
    catalog; ``[<path>/<name>]`` for a single-file artifact. With ``sub_path`` (a path inside
    the artifact) or ``slice`` (an index into its path object; also ``artifact[i]``), only that
    part is placed and its path (or path object) returned. A list or dict of artifacts is
    downloaded as ``path/<i>`` or ``path/<key>`` and the results combined. Files are linked
    or copied per ``config["debug_copy_method"]``; linked files are read-only. ``extract``
    unpacks a ``.tgz`` artifact (as fetched from an object store).

    An artifact in the object store (an ``S3Artifact`` outside debug mode or with
    ``debug_s3``, e.g. ``step.outputs.artifacts["x"]`` of an Argo run, or an Argo artifact
    entry) is fetched through the storage client; ``skip_exists`` then keeps a file whose md5
    matches its object, and ``storage_client=`` and the MinIO keywords are used.
    """
    path_s = os.fspath(path)
    if isinstance(artifact, (list, tuple)):
        results: list[Any] = []
        for i, part in enumerate(artifact):
            res = download_artifact(
                part,
                extract,
                sub_path,
                slice,
                os.path.join(path_s, str(i)),
                remove_catalog,
                skip_exists,
                **kwargs,
            )
            # dflow's rule for lists of artifacts: concatenate, a catalog-less part is its root.
            if isinstance(res, list) and res:
                results.extend(res)
            else:
                results.append(res or os.path.join(path_s, str(i)))
        return results
    if isinstance(artifact, dict) and not in_object_store(artifact):
        return {
            k: download_artifact(
                v,
                extract,
                sub_path,
                slice,
                os.path.join(path_s, str(k)),
                remove_catalog,
                skip_exists,
                **kwargs,
            )
            for k, v in artifact.items()
        }
    if in_object_store(artifact):
        return download_artifact_s3(
            artifact, extract, sub_path, slice, path_s, remove_catalog, skip_exists, **kwargs
        )
    return _download_one(
        artifact,
        path_s,
        extract=extract,
        sub_path=sub_path,
        slice_=slice,
        remove_catalog=remove_catalog,
        skip=skip_exists,
    )


register_download(download_artifact)


def catalog_of_artifact(art: Any, **kwargs: Any) -> list[Item]:
    """The merged catalog items of an artifact (``[]`` without a catalog)."""
    if in_object_store(art):
        return catalog_of_s3_artifact(art, **kwargs)
    src = inspect_artifact(art, what="catalog_of_artifact")
    return [] if src.file is not None and not src.has_catalog else src.items


def path_list_of_artifact(art: Any, **kwargs: Any) -> list[Any]:
    """The relative paths of an artifact's catalog, sorted by order."""
    items = catalog_of_artifact(art, **kwargs)
    if all(type(i["order"]) is int for i in items):
        items = sorted(items, key=lambda i: i["order"])
    return [i["dflow_list_item"] for i in items]


def path_object_of_artifact(art: Any, **kwargs: Any) -> Any:
    """The artifact's path object with relative paths (a list, or a dict for dict artifacts)."""
    return assemble(catalog_of_artifact(art, **kwargs))
