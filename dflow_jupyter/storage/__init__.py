"""The debug backend's artifact store: dflow's artifact API on local directories, passed without copying."""

from __future__ import annotations

from dflow_jupyter.storage.artifact import LocalArtifact, S3Artifact, StorageClient
from dflow_jupyter.storage.errors import (
    ArtifactConflictError,
    ArtifactNotFoundError,
    ArtifactTypeError,
)
from dflow_jupyter.storage.fingerprints import FileFingerprint, Fingerprints, verify_unmodified
from dflow_jupyter.storage.stack import stack_artifacts
from dflow_jupyter.storage.store import LocalStore
from dflow_jupyter.storage.transfer import (
    catalog_of_artifact,
    download_artifact,
    path_list_of_artifact,
    path_object_of_artifact,
    upload_artifact,
)

# Deliberately public: dflow's artifact API (S3Artifact, LocalArtifact, StorageClient and the
# *_artifact functions of dflow.utils), what the engine needs (LocalStore to save outputs and stage
# inputs, stack_artifacts for Slices, verify_unmodified and the fingerprint types for shared
# inputs) and the errors. The helpers of the other modules stay internal to the store.
__all__ = [
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
