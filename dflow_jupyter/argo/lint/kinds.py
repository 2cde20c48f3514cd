"""Template kinds as Argo tells them apart, and where an artifact comes from."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["LEAF_TYPES", "POD_TYPES", "TYPES", "has_location_or_key", "is_leaf", "template_type", "type_name"]

TYPES = (
    "container",
    "containerSet",
    "steps",
    "script",
    "resource",
    "dag",
    "suspend",
    "data",
    "http",
    "plugin",
)
_TYPE_NAMES = {
    "container": "Container",
    "containerSet": "ContainerSet",
    "steps": "Steps",
    "script": "Script",
    "resource": "Resource",
    "dag": "DAG",
    "suspend": "Suspend",
    "data": "Data",
    "http": "HTTP",
    "plugin": "Plugin",
}
LEAF_TYPES = ("container", "containerSet", "script", "resource", "data", "http", "plugin")
POD_TYPES = ("container", "containerSet", "script", "resource")
# Each location kind and the field that makes it a location (or a key).
_LOCATIONS = {
    "s3": "key",
    "oss": "key",
    "gcs": "key",
    "azure": "blob",
    "hdfs": "path",
    "artifactory": "url",
    "http": "url",
    "git": "repo",
    "raw": "data",
    "plugin": "key",
}


def template_type(template: Mapping[str, Any]) -> str | None:
    """The first template type field present (Argo's ``GetType``), or None."""
    return next((t for t in TYPES if template.get(t) is not None), None)


def type_name(template: Mapping[str, Any]) -> str:
    kind = template_type(template)
    return _TYPE_NAMES[kind] if kind else "Unknown"


def is_leaf(template: Mapping[str, Any]) -> bool:
    return template_type(template) in LEAF_TYPES


def has_location_or_key(artifact: Mapping[str, Any]) -> bool:
    for kind, key in _LOCATIONS.items():
        location = artifact.get(kind)
        if isinstance(location, Mapping) and location.get(key):
            return True
    return False
