"""dflow's ``upload_artifact``/``download_artifact`` on an object store, with dflow's catalog semantics.

An uploaded artifact is the files placed under their relative paths (absolute paths lose their
leading ``/``) plus a ``.dflow/<uuid>`` catalog recording the list or dict shape, archived as
one ``.tgz`` (``config["archive_mode"] == "tar"``, dflow's default) or stored file by file.
Downloading places the files under ``path`` and returns the path object the catalog describes.
``storage/transfer.py`` is the public entry: it sends object-store artifacts here and combines
lists and dicts of artifacts the same way for both stores. The catalog rules (what path goes
where, the path object) live in ``storage/catalog.py``, shared by both.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import uuid
from typing import Any

from dflow_jupyter.config import config, s3_config
from dflow_jupyter.storage.archives import make_parents, unpack_merged
from dflow_jupyter.storage.artifact import S3Artifact, StorageClient
from dflow_jupyter.storage.catalog import (
    Item,
    assemble,
    catalog_dir_name,
    check_relative,
    get_slices,
    read_catalog,
    relative_in_artifact,
    take_catalog,
    upload_pairs,
    write_catalog,
)
from dflow_jupyter.storage.errors import ArtifactNotFoundError
from dflow_jupyter.storage.s3 import client_for, file_md5

__all__ = [
    "artifact_key",
    "catalog_of_s3_artifact",
    "download_artifact_s3",
    "download_s3",
    "in_object_store",
    "upload_artifact_s3",
    "upload_s3",
]


def in_object_store(artifact: Any) -> bool:
    """Whether ``artifact`` names an object-store key rather than files on this machine.

    An Argo artifact entry (``{"name": ..., "s3": {"key": ...}}``) does; an ``S3Artifact``
    does when it has no local path (outside debug mode, or with ``debug_s3``).
    """
    if isinstance(artifact, dict):
        return "s3" in artifact or isinstance(artifact.get("key"), str)
    if getattr(artifact, "local_path", None) is not None:
        return False
    return isinstance(artifact, S3Artifact) or bool(getattr(getattr(artifact, "s3", None), "key", None))


def artifact_key(artifact: Any) -> str:
    """The object key of an artifact: an ``S3Artifact``, an Argo artifact entry, or a key."""
    if isinstance(artifact, str):
        return artifact
    if isinstance(artifact, dict):
        key = (artifact.get("s3") or {}).get("key") or artifact.get("key")
    else:
        key = getattr(getattr(artifact, "s3", None), "key", None) or getattr(artifact, "key", None)
    if not key:
        raise ArtifactNotFoundError(f"{artifact!r} names no object in the store (no key)")
    return str(key)


def _prefixed(key: str) -> str:
    prefixes = [s3_config["prefix"], *s3_config["extra_prefixes"]]
    return key if any(key.startswith(p) for p in prefixes if p) else s3_config["prefix"] + key


def upload_s3(
    path: str,
    key: str | None = None,
    prefix: str | None = None,
    storage_client: StorageClient | None = None,
    **kwargs: Any,
) -> str:
    """Store a file or a directory tree (following links) under ``key``; the key used.

    Each file goes through ``client.upload``: the MinIO client sends large files in parts
    and skips a file whose stored object has the same md5.
    """
    client = client_for(storage_client, **kwargs)
    if key is not None:
        key = _prefixed(key)
    elif prefix is not None:
        key = prefix.rstrip("/") + "/" + os.path.basename(path)
    else:
        key = f"{s3_config['prefix']}upload/{uuid.uuid4()}/{os.path.basename(path)}"
    if os.path.isfile(path):
        client.upload(key, path)
    elif os.path.isdir(path):
        for directory, _, files in os.walk(path, followlinks=True):
            rel = os.path.relpath(directory, path)
            for name in sorted(files):
                sub = name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
                client.upload(f"{key}/{sub}", os.path.join(directory, name))
    else:
        raise ArtifactNotFoundError(f"upload: {path!r} does not exist")
    return key


def download_s3(
    key: str,
    path: str = ".",
    recursive: bool = True,
    skip_exists: bool = False,
    keep_dir: bool = False,
    storage_client: StorageClient | None = None,
    **kwargs: Any,
) -> str:
    """Fetch the object ``key``, or every object under ``key/``, into ``path``; ``path``.

    Object names become paths below ``path`` only if they stay inside it. The MinIO client
    writes each file under a temporary name and renames it into place.
    """
    client = client_for(storage_client, **kwargs)
    base = key.rstrip("/")
    objects = client.list(base, recursive=True) if recursive else [base]
    # Only the object itself and what lies under "key/": not "key-other/..." siblings.
    objects = [o for o in objects if o == base or o.startswith(base + "/")]
    if not objects:
        raise ArtifactNotFoundError(f"download: no object {key!r} in the store")
    for obj in objects:
        rel = obj[len(base) :].lstrip("/")
        if not rel:
            rel = os.path.basename(base)
        elif keep_dir:
            rel = f"{os.path.basename(base)}/{rel}"
        check_relative(rel, f"download: object {obj!r}", "object name")
        make_parents(path, rel)
        target = os.path.join(path, rel)
        if skip_exists and os.path.isfile(target) and client.get_md5(obj) == file_md5(target):
            continue
        client.download(obj, target)
    return path


def upload_artifact_s3(
    path: Any, archive: str | None = "default", storage_client: StorageClient | None = None, **kwargs: Any
) -> S3Artifact:
    """Upload local files (a path, or a list/set/dict of them) as one artifact; dflow's semantics."""
    if archive == "default":
        archive = config["archive_mode"]
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        # The artifact is built of symlinks to the user's files: nothing is copied before sending.
        root = os.path.join(tmp, f"tmp{uuid.uuid4().hex[:8]}")
        os.makedirs(root)
        items: list[Item] = []
        for order, p in upload_pairs(path):
            if p is None:
                continue
            src = os.path.abspath(p)
            if not os.path.exists(src):
                raise ArtifactNotFoundError(
                    f"upload_artifact: {os.fspath(p)!r} does not exist (looked for {src})"
                )
            rel = relative_in_artifact(src, cwd)
            target = os.path.join(root, rel)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.isdir(target) and not os.path.islink(target):
                shutil.rmtree(target)  # overlapping paths: keep the parent only, as dflow
            if not os.path.lexists(target):
                os.symlink(src, target)
            items.append({"dflow_list_item": rel, "order": order})
        write_catalog(root, items)
        if archive == "tar":
            tgz = root + ".tgz"
            with tarfile.open(tgz, "w:gz", dereference=True) as tf:
                tf.add(root, arcname=os.path.basename(root))
            key = upload_s3(tgz, storage_client=storage_client, **kwargs)
        else:
            key = upload_s3(root, storage_client=storage_client, **kwargs)
    return S3Artifact(key=key, path_list=items, debug_s3=True)


def download_artifact_s3(
    artifact: Any,
    extract: bool = True,
    sub_path: str | None = None,
    slice: Any = None,
    path: str | os.PathLike[str] = ".",
    remove_catalog: bool = True,
    skip_exists: bool = False,
    storage_client: StorageClient | None = None,
    **kwargs: Any,
) -> Any:
    """Download one artifact from the object store; returns its path object (dflow's semantics).

    ``artifact`` is an ``S3Artifact``, an Argo artifact entry or a key. A ``.tgz`` object is
    unpacked (unless ``extract`` is false) and, when it holds a single directory, merged into
    ``path`` without it, as dflow does.
    """
    path_s = os.fspath(path)
    key = artifact_key(artifact)
    options = {"storage_client": storage_client, "skip_exists": skip_exists, **kwargs}
    if slice is None:
        slice = getattr(artifact, "slice", None)
    archived = key.endswith(".tgz")
    os.makedirs(path_s, exist_ok=True)
    if slice is not None and archived and extract:
        # One archive holds every path: fetch it once and select from what it unpacks to.
        return get_slices(_fetch_whole(key, path_s, remove_catalog, options), slice)
    if slice is not None:
        selected = get_slices(assemble(_catalog(artifact, storage_client, **kwargs)), slice)
        if not isinstance(selected, str):
            raise ArtifactNotFoundError(
                f"download_artifact: slice {slice!r} of {key!r} is {type(selected).__name__}; "
                "expected the index of one path"
            )
        sub_path = selected
    if sub_path is not None:
        check_relative(sub_path, "download_artifact", "sub_path")
        parent = os.path.join(path_s, os.path.dirname(sub_path))
        make_parents(path_s, sub_path)
        download_s3(f"{key.rstrip('/')}/{sub_path}", parent, keep_dir=True, **options)
        return os.path.join(parent, os.path.basename(sub_path))
    if not (archived and extract):
        download_s3(key, path_s, **options)
        return take_catalog(path_s, remove_catalog)
    return _fetch_whole(key, path_s, remove_catalog, options)


def _fetch_whole(key: str, path: str, remove_catalog: bool, options: dict[str, Any]) -> Any:
    """Download the archive ``key`` into ``path``, unpack it there; its path object."""
    download_s3(key, path, **options)
    unpack_merged(os.path.join(path, os.path.basename(key)), path)
    return take_catalog(path, remove_catalog)


def _catalog(artifact: Any, storage_client: StorageClient | None, **kwargs: Any) -> list[Item]:
    """The catalog an artifact carries (an upload's ``path_list``), else the stored one."""
    known = getattr(artifact, "path_list", None)
    if isinstance(known, list) and known and all(isinstance(i, dict) and "order" in i for i in known):
        return known
    return catalog_of_s3_artifact(artifact, storage_client, **kwargs)


def catalog_of_s3_artifact(
    art: Any, storage_client: StorageClient | None = None, **kwargs: Any
) -> list[Item]:
    """The merged catalog items of a stored (not archived) artifact; ``[]`` without a catalog."""
    client = client_for(storage_client, **kwargs)
    prefix = f"{artifact_key(art).rstrip('/')}/{catalog_dir_name()}/"
    with tempfile.TemporaryDirectory() as tmp:
        for obj in client.list(prefix, recursive=True):
            name = obj[len(prefix) :]
            check_relative(name, f"catalog of {artifact_key(art)!r}", "catalog file")
            client.download(obj, os.path.join(tmp, catalog_dir_name(), name))
        return read_catalog(tmp).items
