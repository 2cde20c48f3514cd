"""Where an artifact's files are on this machine: its local path, its key, or a key under the store."""

from __future__ import annotations

import os
from typing import Any

from dflow_jupyter.config import config
from dflow_jupyter.storage.errors import ArtifactNotFoundError, ArtifactTypeError

__all__ = ["locate"]


def locate(
    artifact: Any, *, store_root: str | None = None, what: str = "artifact"
) -> tuple[str, os.stat_result]:
    """The absolute local path of ``artifact`` and the ``stat`` of that path.

    Parameters
    ----------
    artifact : Any
        Anything with a ``local_path`` or a ``key`` (``S3Artifact``, ``LocalArtifact``...);
        ``local_path`` is tried first.
    store_root : str, optional
        Where a relative key not found from the current directory is looked up; it is also
        looked up under ``debug_workdir/debug_artifact_dir``, where dflow's debug mode keeps
        uploads.
    what : str
        How error messages name the artifact.

    Raises
    ------
    ArtifactTypeError
        ``artifact`` has neither a ``local_path`` nor a ``key``.
    ArtifactNotFoundError
        No candidate path exists.
    """
    names = [getattr(artifact, attr, None) for attr in ("local_path", "key")]
    candidates = [os.fspath(n) for n in names if n]
    if not candidates:
        raise ArtifactTypeError(
            f"{what}: expected an S3Artifact, LocalArtifact or an object with a 'local_path' "
            f"or 'key', got {type(artifact).__name__}: {artifact!r}"
        )
    tried: list[str] = []
    for name in candidates:
        paths = [name]
        if not os.path.isabs(name):
            debug_dir = os.path.join(config["debug_workdir"], config["debug_artifact_dir"])
            paths += [os.path.join(b, name) for b in (store_root, debug_dir) if b]
        for path in paths:
            try:
                st = os.stat(path)
            except OSError:
                tried.append(os.path.abspath(path))
                continue
            return (path if path[:1] == "/" else os.path.abspath(path)), st
    raise ArtifactNotFoundError(
        f"{what}: {artifact!r} is not in the local store (looked for {', '.join(tried)}); "
        "it may have been deleted, or it is an object-store key (set config['debug_s3'])"
    )
