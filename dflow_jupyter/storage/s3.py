"""An S3/MinIO object store through ``minio``: dflow's ``MinioClient``, plus md5 skips and previews.

``StorageClient`` (dflow's interface) stays the extension point: ``s3_config["storage_client"]``
or a ``storage_client=`` argument replaces this client everywhere. ``minio`` is imported when a
client is made, so ``import dflow_jupyter`` never loads it.
"""

from __future__ import annotations

import builtins
import hashlib
import os
from typing import TYPE_CHECKING, Any

from dflow_jupyter.config import s3_config
from dflow_jupyter.errors import DflowJupyterError
from dflow_jupyter.storage.artifact import StorageClient

if TYPE_CHECKING:
    from minio import Minio

__all__ = ["MinioClient", "ObjectStoreError", "client_for", "file_md5"]

#: User metadata holding a file's md5: multipart uploads have an etag that is not one.
_MD5_META = "md5"
#: S3 error codes that mean "these credentials are not accepted".
_AUTH_CODES = frozenset({"SignatureDoesNotMatch", "InvalidAccessKeyId", "AccessDenied", "InvalidToken"})


class ObjectStoreError(DflowJupyterError, RuntimeError):
    """The object store refused a request (bad credentials, no such bucket or key...)."""

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


def file_md5(path: str) -> str:
    """The hex md5 of a local file, read in 1 MiB blocks."""
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class MinioClient(StorageClient):
    """dflow's MinIO client: every argument defaults to its ``s3_config`` key.

    Parameters
    ----------
    endpoint, access_key, secret_key, secure, bucket_name
        As ``s3_config``: ``"host:port"``, the credentials, HTTPS or not, the bucket.
    region
        The bucket's region; given, it saves a location request per bucket.
    """

    def __init__(
        self,
        endpoint: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        secure: bool | None = None,
        bucket_name: str | None = None,
        region: str | None = None,
        **kwargs: Any,
    ) -> None:
        from minio import Minio

        self.endpoint = str(endpoint if endpoint is not None else s3_config["endpoint"])
        self.bucket_name = str(bucket_name if bucket_name is not None else s3_config["bucket_name"])
        self._secret = str(secret_key if secret_key is not None else s3_config["secret_key"])
        self.client: Minio = Minio(
            endpoint=self.endpoint,
            access_key=str(access_key if access_key is not None else s3_config["access_key"]),
            secret_key=self._secret,
            secure=bool(secure if secure is not None else s3_config["secure"]),
            region=region,
        )

    def __repr__(self) -> str:
        return f"MinioClient(endpoint={self.endpoint!r}, bucket_name={self.bucket_name!r})"

    def _error(self, exc: Exception, what: str, key: str) -> ObjectStoreError:
        code = getattr(exc, "code", None)
        where = f"{what} {key!r} in bucket {self.bucket_name!r} at {self.endpoint}"
        if code in _AUTH_CODES:
            message = (
                f"{where}: the object store refused the credentials ({code}); check s3_config['access_key'] "
                "and s3_config['secret_key'] (DFLOW_S3_ACCESS_KEY, DFLOW_S3_SECRET_KEY)"
            )
        elif code == "NoSuchBucket":
            message = f"{where}: no such bucket; create it or set s3_config['bucket_name']"
        elif code in ("NoSuchKey", "NoSuchObject"):
            message = f"{where}: no such object"
        else:
            message = f"{where} failed: {exc}"
        return ObjectStoreError(message.replace(self._secret, "***") if self._secret else message, code)

    def _call(self, what: str, key: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError

        try:
            return fn(*args, **kwargs)
        except S3Error as exc:
            raise self._error(exc, what, key) from None
        except HTTPError as exc:
            raise self._unreachable(exc, what, key) from None

    def _unreachable(self, exc: Exception, what: str, key: str) -> ObjectStoreError:
        reason = getattr(exc, "reason", None) or exc
        return ObjectStoreError(
            f"{what} {key!r} in bucket {self.bucket_name!r}: cannot reach the object store at "
            f"{self.endpoint} ({type(reason).__name__}); check s3_config['endpoint'] "
            "(DFLOW_S3_ENDPOINT) and s3_config['secure']"
        )

    # -- dflow's StorageClient ------------------------------------------------------------------
    def upload(self, key: str, path: str) -> None:
        """Store the file ``path`` as ``key`` (skipped when the stored object has its md5)."""
        self.upload_if_changed(key, path)

    def upload_if_changed(self, key: str, path: str) -> bool:
        """Store ``path`` as ``key`` unless an object with the same md5 is there; whether it was sent.

        Large files go up in parts (``minio`` picks the part size); the md5 is kept as user
        metadata, because a multipart object's etag is not the md5 of its bytes.
        """
        md5 = file_md5(path)
        if self._stored_md5(key) == md5:
            return False
        self._call(
            "upload", key, self.client.fput_object, self.bucket_name, key, path, metadata={_MD5_META: md5}
        )
        return True

    def download(self, key: str, path: str) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._call("download", key, self.client.fget_object, self.bucket_name, key, path)

    def list(self, prefix: str, recursive: bool = False) -> list[str]:
        objects = self._call(
            "list", prefix, self.client.list_objects, self.bucket_name, prefix=prefix, recursive=recursive
        )
        return [str(o.object_name) for o in self._call("list", prefix, list, objects)]

    def copy(self, src: str, dst: str) -> None:
        from minio.commonconfig import CopySource

        self._call(
            "copy", src, self.client.copy_object, self.bucket_name, dst, CopySource(self.bucket_name, src)
        )

    def get_md5(self, key: str) -> str:
        """The md5 of the object's bytes (from our metadata, else the etag of a single-part object)."""
        md5 = self._stored_md5(key)
        if md5 is None:
            raise ObjectStoreError(
                f"get_md5 {key!r} in bucket {self.bucket_name!r} at {self.endpoint}: no such object"
            )
        return md5

    # -- ours -----------------------------------------------------------------------------------
    def _stored_md5(self, key: str) -> str | None:
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError

        try:
            stat = self.client.stat_object(self.bucket_name, key)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject", "ResourceNotFound"):
                return None
            raise self._error(exc, "stat", key) from None
        except HTTPError as exc:
            raise self._unreachable(exc, "stat", key) from None
        metadata = {k.lower(): v for k, v in (stat.metadata or {}).items()}
        stored = metadata.get("x-amz-meta-" + _MD5_META)
        if stored:
            return str(stored)
        # A single-part etag is the md5; a multipart one ("<md5 of md5s>-<parts>") never equals one.
        return (stat.etag or "").strip('"')

    def preview(self, key: str, max_bytes: int = 4096) -> bytes:
        """The first ``max_bytes`` bytes of an object, fetched with a range request."""
        return self.head(key, max_bytes)[0]

    def head(self, key: str, max_bytes: int) -> tuple[bytes, int | None]:
        """The first ``max_bytes`` bytes of an object (one range request) and its whole size.

        The size comes from the answer's ``Content-Range`` (no second request); ``None`` if
        the server did not say.
        """
        if max_bytes <= 0:
            return b"", None
        try:
            response = self._call("preview", key, self.client.get_object, self.bucket_name, key, 0, max_bytes)
        except ObjectStoreError as exc:
            if exc.code == "InvalidRange":  # S3's answer to any range of an empty object
                return b"", 0
            raise
        try:
            # Read no more than asked, even from a server that ignores the range.
            data: bytes = response.read(max_bytes)
            total = _total_size(response.headers.get("Content-Range"), response.headers.get("Content-Length"))
        finally:
            response.close()
            response.release_conn()
        return data, total

    def list_sizes(self, prefix: str, limit: int) -> tuple[builtins.list[tuple[str, int]], bool]:
        """Up to ``limit`` objects under ``prefix`` with their sizes, and whether there are more."""
        objects = self._call(
            "list", prefix, self.client.list_objects, self.bucket_name, prefix=prefix, recursive=True
        )
        found: builtins.list[tuple[str, int]] = []
        iterator = iter(objects)
        while True:
            obj = self._call("list", prefix, next, iterator, None)
            if obj is None:
                return found, False
            if len(found) == limit:
                return found, True
            found.append((str(obj.object_name), int(obj.size or 0)))

    def remove(self, key: str) -> None:
        self._call("remove", key, self.client.remove_object, self.bucket_name, key)


def _total_size(content_range: str | None, content_length: str | None) -> int | None:
    """The whole object's size from ``Content-Range: bytes 0-99/1234`` (else the length sent)."""
    if content_range and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        if total.isdigit():
            return int(total)
    return int(content_length) if content_length and content_length.isdigit() else None


def client_for(storage_client: StorageClient | None = None, **kwargs: Any) -> StorageClient:
    """The storage client to use: the one given, ``s3_config["storage_client"]``, else MinIO."""
    if storage_client is not None:
        return storage_client
    configured = s3_config.get("storage_client")
    if configured is not None:
        return configured  # type: ignore[no-any-return]
    return MinioClient(**kwargs)
