"""Errors of the artifact store, named after what the user must fix."""

from __future__ import annotations

from dflow_jupyter.errors import DflowJupyterError

__all__ = ["ArtifactConflictError", "ArtifactNotFoundError", "ArtifactPathError", "ArtifactTypeError"]


class ArtifactNotFoundError(DflowJupyterError, FileNotFoundError, RuntimeError):
    """A path to store, or a stored artifact, does not exist.

    Also a ``RuntimeError``, which is what dflow's ``upload_artifact`` raises.
    """


class ArtifactTypeError(DflowJupyterError, TypeError):
    """A value does not match the artifact's declared type (one path vs a list or dict)."""


class ArtifactConflictError(DflowJupyterError, ValueError):
    """Two different files would land at the same path of one artifact."""


class ArtifactPathError(DflowJupyterError, ValueError):
    """A path inside an artifact (a catalog item, a ``sub_path``, an archive member) leads outside it."""
