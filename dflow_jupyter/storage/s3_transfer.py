"""dflow's ``upload_artifact``/``download_artifact`` on an object store, with dflow's catalog semantics.

An uploaded artifact is the files placed under their relative paths (absolute paths lose their
leading ``/``) plus a ``.dflow/<uuid>`` catalog recording the list or dict shape, archived as
one ``.tgz`` (``config["archive_mode"] == "tar"``, dflow's default) or stored file by file.
Downloading places the files under ``path`` and returns the path object the catalog describes,
as the local store does (``storage/transfer.py``), so code reads either the same way.
"""

from __future__ import annotations

import os
import shutil
import tarfile
import tempfile
import uuid
from typing import Any

from dflow_jupyter.config import config, s3_config
from dflow_jupyter.storage.artifact import S3Artifact, StorageClient
from dflow_jupyter.storage.catalog import (
    Item,
    assemble,
    catalog_dir_name,
    flatten,
    get_slices,
    read_catalog,
    write_catalog,
)
from dflow_jupyter.storage.errors import ArtifactNotFoundError
from dflow_jupyter.storage.s3 import client_for

__all__ = [
    "artifact_key",
    "catalog_of_s3_artifact",
    "download_artifact_s3",
    "download_s3",
    "upload_artifact_s3",
    "upload_s3",
]


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
    """Store a file or a directory tree (following links) under ``key``; the key used."""
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
    """Fetch the object ``key``, or every object under ``key/``, into ``path``; ``path``."""
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
            target = os.path.join(path, os.path.basename(base))
        elif keep_dir:
            target = os.path.join(path, os.path.basename(base), rel)
        else:
            target = os.path.join(path, rel)
        if skip_exists and os.path.isfile(target):
            from dflow_jupyter.storage.s3 import file_md5

            if client.get_md5(obj) == file_md5(target):
                continue
        client.download(obj, target)
    return path


def _pairs(path: Any) -> list[tuple[int | str, Any]]:
    if isinstance(path, dict) or (
        isinstance(path, (list, tuple)) and any(isinstance(p, (list, tuple, dict)) for p in path)
    ):
        return list(flatten(path).items())
    if isinstance(path, (list, tuple, set, frozenset)):
        return list(enumerate(path))
    return [(0, path)]


def upload_artifact_s3(
    path: Any, archive: str | None = "default", storage_client: StorageClient | None = None, **kwargs: Any
) -> S3Artifact:
    """Upload local files (a path, or a list/set/dict of them) as one artifact; dflow's semantics."""
    if archive == "default":
        archive = config["archive_mode"]
    cwd = os.getcwd().rstrip("/") + "/"
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, f"tmp{uuid.uuid4().hex[:8]}")
        os.makedirs(root)
        items: list[Item] = []
        for order, p in _pairs(path):
            if p is None:
                continue
            src = os.path.abspath(p)
            if not os.path.exists(src):
                raise ArtifactNotFoundError(
                    f"upload_artifact: {os.fspath(p)!r} does not exist (looked for {src})"
                )
            rel = src[len(cwd) :] if src.startswith(cwd) else src.lstrip("/")
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


def _merge_into(src: str, dst: str) -> None:
    for directory, _, files in os.walk(src):
        rel = os.path.relpath(directory, src)
        target_dir = dst if rel == "." else os.path.join(dst, rel)
        os.makedirs(target_dir, exist_ok=True)
        for name in files:
            os.replace(os.path.join(directory, name), os.path.join(target_dir, name))


def _extract(archive: str, path: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        with tarfile.open(archive, "r:gz") as tf:
            try:
                tf.extractall(tmp, filter="data")
            except TypeError:  # Python < 3.10.12 has no extraction filters
                tf.extractall(tmp)
        os.remove(archive)
        entries = os.listdir(tmp)
        # An artifact archived as one top directory is merged into path (dflow's rule).
        single = len(entries) == 1 and os.path.isdir(os.path.join(tmp, entries[0]))
        _merge_into(os.path.join(tmp, entries[0]) if single else tmp, path)


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
    """Download an artifact from the object store; returns its path object (dflow's semantics)."""
    path_s = os.fspath(path)
    if isinstance(artifact, (list, tuple)):
        return [
            download_artifact_s3(
                a,
                extract,
                sub_path,
                slice,
                os.path.join(path_s, str(i)),
                remove_catalog,
                skip_exists,
                storage_client,
                **kwargs,
            )
            for i, a in enumerate(artifact)
        ]
    if isinstance(artifact, dict) and "s3" not in artifact and "key" not in artifact:
        return {
            k: download_artifact_s3(
                a,
                extract,
                sub_path,
                slice,
                os.path.join(path_s, str(k)),
                remove_catalog,
                skip_exists,
                storage_client,
                **kwargs,
            )
            for k, a in artifact.items()
        }
    key = artifact_key(artifact)
    options = {"storage_client": storage_client, "skip_exists": skip_exists, **kwargs}
    if slice is None:
        slice = getattr(artifact, "slice", None)
    if slice is not None:
        selected = get_slices(assemble(catalog_of_s3_artifact(artifact, storage_client, **kwargs)), slice)
        if not isinstance(selected, str):
            raise ArtifactNotFoundError(f"download_artifact: slice {slice!r} of {key!r} is not one path")
        sub_path = selected
    if sub_path is not None:
        parent = os.path.join(path_s, os.path.dirname(sub_path))
        download_s3(f"{key.rstrip('/')}/{sub_path}", parent, keep_dir=True, **options)
        return os.path.join(parent, os.path.basename(sub_path))
    os.makedirs(path_s, exist_ok=True)
    download_s3(key, path_s, **options)
    if key.endswith(".tgz") and extract:
        _extract(os.path.join(path_s, os.path.basename(key)), path_s)
    catalog = read_catalog(path_s)
    if remove_catalog and catalog.present:
        shutil.rmtree(os.path.join(path_s, catalog_dir_name()))
    return assemble(catalog.items, path_s)


def catalog_of_s3_artifact(
    art: Any, storage_client: StorageClient | None = None, **kwargs: Any
) -> list[Item]:
    """The merged catalog items of a stored (not archived) artifact; ``[]`` without a catalog."""
    client = client_for(storage_client, **kwargs)
    prefix = f"{artifact_key(art).rstrip('/')}/{catalog_dir_name()}/"
    with tempfile.TemporaryDirectory() as tmp:
        for obj in client.list(prefix, recursive=True):
            client.download(obj, os.path.join(tmp, catalog_dir_name(), obj[len(prefix) :]))
        return read_catalog(tmp).items
