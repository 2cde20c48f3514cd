"""The semantic lint against Argo's own validator tests: 119 manifests with Argo's verdicts."""

from __future__ import annotations

import json
from typing import Any

import yaml

from dflow_jupyter.argo.lint.api import lint_manifest

from .conftest import DATA, SUMMARY


def _verdict(case: dict[str, Any], templates: dict[str, str]) -> tuple[bool, list[str]]:
    document = yaml.safe_load(case["manifest"])
    refs = [yaml.safe_load(templates[name]) for name in case["prerequisite_templates"]]
    opts = case["opts"] or ""
    report = lint_manifest(
        document, templates=refs, as_kind=case["validator"], lint="Lint" in opts, submit="Submit" in opts
    )
    messages = report.messages()
    if case["expect"] == "ok":
        return not messages, messages
    expected = case.get("contains")
    return bool(messages) and (expected is None or any(expected in m for m in messages)), messages


def test_the_lint_agrees_with_argo_on_every_validator_case() -> None:
    data = json.loads((DATA / "validate-cases.json").read_text())
    cases = data["cases"]
    disagreements = {}
    for index, case in enumerate(cases):
        agreed, messages = _verdict(case, data["templates"])
        if not agreed:
            disagreements[f"{index} {case['var']} (expect {case['expect']}: {case.get('contains')})"] = (
                messages
            )
    agreed_count = len(cases) - len(disagreements)
    SUMMARY.append(f"lint agrees with Argo on {agreed_count}/{len(cases)} cases")
    assert len(cases) == 119
    assert not disagreements, f"lint agrees with Argo on {agreed_count}/{len(cases)} cases: {disagreements}"
