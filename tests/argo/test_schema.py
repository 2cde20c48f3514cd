"""Layer 1: Argo's JSON schema, patched and strict, for both shipped versions."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml

from dflow_jupyter.argo.lint.schema import VERSIONS, normalize_version, schema_problems, validator

from .conftest import DATA, SUMMARY


def _examples() -> list[tuple[str, Any]]:
    found = []
    for path in sorted((DATA / "examples").glob("*.yaml")):
        found += [(path.name, doc) for doc in yaml.safe_load_all(path.read_text()) if doc]
    return found


def _steps() -> dict[str, Any]:
    return yaml.safe_load((DATA / "examples" / "steps.yaml").read_text())


def test_every_official_example_passes_the_strict_schema_of_4_1_2() -> None:
    examples = _examples()
    failing = {name: schema_problems(doc, "4.1.2", strict=True) for name, doc in examples}
    failing = {k: v for k, v in failing.items() if v}
    valid = len(examples) - len(failing)
    SUMMARY.append(f"official Argo examples valid (strict schema, Argo 4.1.2): {valid}/{len(examples)}")
    # The data ships with the tests: 15 examples, none may be missing (or skipped) in CI.
    assert len(examples) == 15, f"expected the 15 official examples in {DATA / 'examples'}"
    assert not failing, f"{valid}/{len(examples)} examples valid; failing: {failing}"


@pytest.mark.parametrize("version", VERSIONS)
def test_the_examples_also_pass_the_3_7_schema_when_they_use_no_4_x_field(version: str) -> None:
    doc = yaml.safe_load((DATA / "examples" / "dag-diamond.yaml").read_text())
    assert schema_problems(doc, version) == []


def test_a_typo_is_an_unknown_field_only_in_strict_mode() -> None:
    doc = _steps()
    step = doc["spec"]["templates"][0]["steps"][0][0]
    step["tempalte"] = step.pop("template")
    [problem] = schema_problems(doc, strict=True)
    assert problem.where == "spec.templates[0].steps[0][0].tempalte"
    assert "did you mean 'template'" in problem.message
    assert schema_problems(doc, strict=False) == []


@pytest.mark.parametrize(
    ("mutate", "where"),
    [
        (lambda d: d["spec"].__setitem__("parallelism", "two"), "spec.parallelism"),
        (lambda d: d["spec"].__setitem__("templates", {"a": 1}), "spec.templates"),
        (
            lambda d: d["spec"]["templates"][1]["container"].__setitem__("args", "x"),
            "spec.templates[1].container.args",
        ),
        (lambda d: d.__setitem__("apiVersion", "argoproj.io/v1"), "apiVersion"),
        (
            lambda d: d["spec"]["templates"][1]["inputs"]["parameters"][0].pop("name"),
            "spec.templates[1].inputs.parameters[0]",
        ),
    ],
)
def test_wrong_types_are_rejected_with_their_path(mutate: Any, where: str) -> None:
    doc = _steps()
    mutate(doc)
    assert where in [p.where for p in schema_problems(doc)]


def test_the_patches_accept_what_go_accepts() -> None:
    doc = _steps()
    template = doc["spec"]["templates"][1]
    template["activeDeadlineSeconds"] = 30  # IntOrString given an int
    template["retryStrategy"] = {"limit": 2}  # IntOrString given an int
    template["inputs"]["parameters"][0]["value"] = 3  # AnyString given a number
    template["inputs"]["parameters"][0]["enum"] = [3, True, "x"]
    doc["status"] = {"phase": "Running", "startedAt": "2026-01-01T00:00:00Z", "finishedAt": None}
    for version in VERSIONS:
        assert schema_problems(doc, version) == []


def test_version_matters_for_fields_added_in_4() -> None:
    doc = _steps()
    doc["spec"]["templates"][1]["podResources"] = {"limits": {"cpu": "1"}}
    assert schema_problems(doc, "4.1.2") == []
    assert [p.where for p in schema_problems(doc, "3.7")] == ["spec.templates[1].podResources"]


def test_versions_and_kinds() -> None:
    assert normalize_version("v4") == "4.1.2" and normalize_version("3.7") == "3.7.18"
    with pytest.raises(ValueError, match=r"ships 4\.1\.2, 3\.7\.18"):
        normalize_version("2.9")
    assert validator("4.1.2") is validator("4.1.2")  # compiled once, cached
    template = copy.deepcopy(_steps())
    template["kind"] = "WorkflowTemplate"
    assert schema_problems(template) == []
    [problem] = schema_problems({"kind": "Pod"})
    assert "unknown kind 'Pod'" in problem.message
