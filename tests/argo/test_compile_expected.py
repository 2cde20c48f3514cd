"""Compiled manifests of representative workflows against reviewed YAML (Hera's example tests).

Regenerate after a deliberate change with ``DFLOW_JUPYTER_REGENERATE=1``, review the diff of
``tests/argo/expected/``, and commit it. Every manifest must also pass the strict schema and the
semantic lint of both Argo versions.
"""

from __future__ import annotations

import os

import pytest
import yaml

from dflow_jupyter.argo.compile.render import dump_yaml
from dflow_jupyter.argo.lint.api import lint_manifest
from dflow_jupyter.argo.lint.schema import VERSIONS

from .conftest import EXPECTED
from .workflows import WORKFLOWS

REGENERATE = os.environ.get("DFLOW_JUPYTER_REGENERATE") == "1"


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_manifest_matches_the_reviewed_yaml(name: str) -> None:
    manifest = WORKFLOWS[name]().to_dict()
    path = EXPECTED / f"{name}.yaml"
    if REGENERATE:
        path.parent.mkdir(exist_ok=True)
        path.write_text(dump_yaml(manifest), encoding="utf-8")
    assert path.exists(), (
        f"no reviewed manifest {path.name}: run with DFLOW_JUPYTER_REGENERATE=1 and review it"
    )
    assert manifest == yaml.safe_load(path.read_text(encoding="utf-8"))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_manifest_passes_schema_and_lint(name: str, version: str) -> None:
    report = lint_manifest(WORKFLOWS[name]().to_dict(), version=version, strict=True)
    assert report.ok, str(report)


def test_yaml_and_json_say_the_same() -> None:
    import json

    wf = WORKFLOWS["python-chain"]()
    assert yaml.safe_load(wf.to_yaml()) == json.loads(wf.to_json()) == wf.to_dict()
    assert "source: |" in wf.to_yaml()  # scripts read as blocks
