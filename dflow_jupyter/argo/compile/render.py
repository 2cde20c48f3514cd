"""Manifests as text: YAML (multi-line scripts as literal blocks) and JSON."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["dump_json", "dump_yaml", "load_yaml"]

_dumper: Any = None


def _yaml_dumper() -> Any:
    """A safe YAML dumper (libyaml's when available) writing multi-line strings as ``|`` blocks."""
    global _dumper
    if _dumper is None:
        import yaml

        base = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

        class Dumper(base):  # type: ignore[misc, valid-type]
            pass

        def text(dumper: Any, data: str) -> Any:
            # A literal block keeps scripts readable; YAML cannot hold trailing spaces in one.
            block = "\n" in data and not any(line != line.rstrip() for line in data.split("\n"))
            return dumper.represent_scalar("tag:yaml.org,2002:str", data, style="|" if block else None)

        Dumper.add_representer(str, text)
        _dumper = Dumper
    return _dumper


def dump_yaml(manifest: Any) -> str:
    import yaml

    return str(yaml.dump(manifest, Dumper=_yaml_dumper(), sort_keys=False, allow_unicode=True, width=4096))


def dump_json(manifest: Any, indent: int | None = 2) -> str:
    return json.dumps(manifest, indent=indent, ensure_ascii=False)


def load_yaml(text: str) -> Any:
    """Parse YAML (or JSON, a subset of it) safely; every document if there are several."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    documents = [d for d in yaml.load_all(text, Loader=loader) if d is not None]
    return documents[0] if len(documents) == 1 else documents
