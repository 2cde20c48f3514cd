"""A glance at an artifact in the object store, for previews: its first bytes or a bounded listing.

Nothing is downloaded whole and nothing is written: the first bytes come with one range
request, a listing stops after ``limit`` objects. The client is the configured storage client
(``s3_config["storage_client"]``, else MinIO); a client of the user's that cannot read part of
an object (dflow's ``StorageClient`` has no such method) is named in the error.
"""

from __future__ import annotations

from typing import Any

from dflow_jupyter.storage.artifact import StorageClient
from dflow_jupyter.storage.s3 import ObjectStoreError, client_for

__all__ = ["head_object", "list_objects"]


def head_object(
    key: str, max_bytes: int, storage_client: StorageClient | None = None
) -> tuple[bytes, int | None]:
    """The first ``max_bytes`` bytes of object ``key`` and its whole size (``None``: unknown).

    Raises
    ------
    ObjectStoreError
        The object is missing, the store refused or cannot be reached, or the storage client
        has no ranged read (a ``head(key, max_bytes)`` method).
    """
    client: Any = client_for(storage_client)
    head = getattr(client, "head", None)
    if not callable(head):
        raise ObjectStoreError(
            f"cannot read the start of {key!r}: the storage client {type(client).__name__} has no "
            "head(key, max_bytes) method (a ranged read); download the artifact instead"
        )
    data, size = head(key, max_bytes)
    return bytes(data), size


def list_objects(
    prefix: str, limit: int, storage_client: StorageClient | None = None
) -> tuple[list[tuple[str, int | None]], bool]:
    """Up to ``limit`` objects under ``prefix`` (names, sizes when known) and whether there are more."""
    client: Any = client_for(storage_client)
    sized = getattr(client, "list_sizes", None)
    if callable(sized):
        found, more = sized(prefix, limit)
        return [(str(name), int(size)) for name, size in found], bool(more)
    names = client.list(prefix, recursive=True)
    return [(str(name), None) for name in names[:limit]], len(names) > limit
