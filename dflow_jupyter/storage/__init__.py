"""Artifacts of the in-process debug backend: a local store with zero-copy passing between steps.

See :mod:`dflow_jupyter.storage.linking` for how files reach a step (``debug_copy_method``)
and the trade-offs of each method.
"""

from __future__ import annotations

from dflow_jupyter.storage.artifact import LocalArtifact, S3Artifact, StorageClient
from dflow_jupyter.storage.errors import (
    ArtifactConflictError,
    ArtifactNotFoundError,
    ArtifactTypeError,
)
from dflow_jupyter.storage.fingerprints import FileFingerprint, Fingerprints, verify_unmodified
from dflow_jupyter.storage.linking import METHODS
from dflow_jupyter.storage.stack import stack_artifacts
from dflow_jupyter.storage.store import LocalStore
from dflow_jupyter.storage.transfer import (
    catalog_of_artifact,
    download_artifact,
    path_list_of_artifact,
    path_object_of_artifact,
    upload_artifact,
)

__all__ = [
    "METHODS",
    "ArtifactConflictError",
    "ArtifactNotFoundError",
    "ArtifactTypeError",
    "FileFingerprint",
    "Fingerprints",
    "LocalArtifact",
    "LocalStore",
    "S3Artifact",
    "StorageClient",
    "catalog_of_artifact",
    "download_artifact",
    "path_list_of_artifact",
    "path_object_of_artifact",
    "stack_artifacts",
    "upload_artifact",
    "verify_unmodified",
]
