"""dflow-compatible artifact references: ``S3Artifact``, ``LocalArtifact`` and ``StorageClient``."""

from __future__ import annotations

import abc
import copy
import os
from collections.abc import Callable
from typing import Any, TypeVar

from dflow_jupyter.config import config, s3_config
from dflow_jupyter.storage.catalog import check_relative
from dflow_jupyter.storage.errors import ArtifactTypeError

__all__ = ["LocalArtifact", "S3Artifact", "StorageClient", "register_download"]

_A = TypeVar("_A", bound="_Sliceable")

# ``download_artifact`` builds S3Artifacts, so this module cannot import it without a cycle:
# ``storage.transfer`` registers it here when it loads (always, since the package imports it).
_download: Callable[..., Any] | None = None


def register_download(download: Callable[..., Any]) -> None:
    """Make ``download`` (``download_artifact``) what ``artifact.download()`` calls."""
    global _download
    _download = download


class _Sliceable:
    """``art[i]`` selects part of a list (or dict) artifact without touching its data (dflow)."""

    slice: Any
    parent: Any

    def __getitem__(self: _A, key: Any) -> _A:
        art = copy.copy(self)
        art.parent = self
        art.slice = key if self.slice is None else f"{self.slice}.{key}"
        return art

    def download(self, **kwargs: Any) -> Any:
        """Download this artifact; same keywords as :func:`download_artifact`."""
        if _download is None:  # only if storage.transfer was never imported
            raise RuntimeError("artifact.download(): import dflow_jupyter.storage first")
        return _download(self, **kwargs)


class S3Artifact(_Sliceable):
    """Reference to a stored artifact.

    In debug mode (the default) ``key`` is the artifact's directory in the local store and
    ``local_path`` equals it; with ``debug_s3=True`` (or ``config["debug_s3"]``) or on Argo it
    is an object-store key, prefixed with ``s3_config["prefix"]`` as dflow does.

    Parameters
    ----------
    key : str, optional
        Store directory (debug) or object key.
    path_list : list or str, optional
        The catalog items (``{"dflow_list_item": ..., "order": ...}``). Artifacts made by the
        store carry them, and the store then trusts them instead of re-reading the catalog.
    urn : str
        Lineage URN; resolved to a key through ``config["lineage"]`` when set.
    debug_s3 : bool
        Treat ``key`` as an object-store key even in debug mode.
    local_path : str, optional
        Explicit local directory (or file) of the artifact.
    """

    def __init__(
        self,
        key: str | os.PathLike[str] | None = None,
        path_list: list[Any] | str | None = None,
        urn: str = "",
        debug_s3: bool = False,
        *,
        local_path: str | os.PathLike[str] | None = None,
    ) -> None:
        if urn and config["lineage"]:
            key = config["lineage"].get_artifact_metadata(urn).uri
        if key is None:
            if local_path is None:
                raise ArtifactTypeError(
                    "S3Artifact: a key is required, e.g. S3Artifact(key='upload/<id>'), "
                    "or a urn with config['lineage'] set"
                )
            key = local_path
        self.key: str = os.fspath(key)
        self.local_path: str | None = None if local_path is None else os.fspath(local_path)
        debug = str(config["mode"]).lower() == "debug"
        if self.local_path is None and debug and not config["debug_s3"] and not debug_s3:
            self.local_path = self.key
        elif self.local_path is None:
            prefixes = [s3_config["prefix"], *s3_config["extra_prefixes"]]
            if not any(self.key.startswith(p) for p in prefixes):
                self.key = s3_config["prefix"] + self.key
        self.path_list: list[Any] | str = [] if path_list is None else path_list
        self.urn = urn
        self.slice: Any = None
        self.parent: Any = None

    def sub_path(self, path: str) -> S3Artifact:
        """The artifact rooted at ``path`` inside this one."""
        check_relative(path, f"{self!r}.sub_path()", "sub-path")
        art = copy.copy(self)
        art.key = self.key.rstrip("/") + "/" + str(path)
        if self.local_path is not None:
            art.local_path = self.local_path.rstrip("/") + "/" + str(path)
        art.path_list = []
        return art

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "urn": self.urn,
            "slice": self.slice,
            "local_path": self.local_path,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> S3Artifact:
        art = cls(key=d["key"], urn=d.get("urn", ""), local_path=d.get("local_path"))
        art.slice = d.get("slice")
        return art

    def evalable_repr(self, imports: set[tuple[str | None, str]]) -> str:
        imports.add(("dflow_jupyter", "S3Artifact"))
        urn = f", urn={self.urn!r}" if self.urn else ""
        return f"S3Artifact(key={self.key!r}{urn})"

    def __repr__(self) -> str:
        sliced = "" if self.slice is None else f"[{self.slice!r}]"
        return f"S3Artifact(key={self.key!r}){sliced}"


class LocalArtifact(_Sliceable):
    """Reference to a file or directory on this machine (debug mode only)."""

    def __init__(self, local_path: str | os.PathLike[str]) -> None:
        self.local_path: str = os.fspath(local_path)
        self.slice: Any = None
        self.parent: Any = None

    def sub_path(self, path: str) -> LocalArtifact:
        """The artifact rooted at ``path`` inside this one."""
        check_relative(path, f"{self!r}.sub_path()", "sub-path")
        art = copy.copy(self)
        art.local_path = self.local_path.rstrip("/") + "/" + str(path)
        return art

    def __repr__(self) -> str:
        sliced = "" if self.slice is None else f"[{self.slice!r}]"
        return f"LocalArtifact(local_path={self.local_path!r}){sliced}"


class StorageClient(abc.ABC):
    """dflow's pluggable object-store interface (``s3_config["storage_client"]``)."""

    @abc.abstractmethod
    def upload(self, key: str, path: str) -> None: ...

    @abc.abstractmethod
    def download(self, key: str, path: str) -> None: ...

    @abc.abstractmethod
    def list(self, prefix: str, recursive: bool = False) -> list[str]: ...

    @abc.abstractmethod
    def copy(self, src: str, dst: str) -> None: ...

    @abc.abstractmethod
    def get_md5(self, key: str) -> str: ...
