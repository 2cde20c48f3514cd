"""The semantic lint on its own: every problem, each at its path; no crash on odd input; the CLI."""

from __future__ import annotations

import copy
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from dflow_jupyter.argo.lint.api import lint_manifest
from dflow_jupyter.jupyter.commands import main as cli

from .conftest import DATA
from .workflows import WORKFLOWS

REPO = Path(__file__).resolve().parents[2]


def _steps() -> dict[str, Any]:
    return yaml.safe_load((DATA / "examples" / "steps.yaml").read_text())


def test_every_problem_is_reported_at_its_path() -> None:
    doc = _steps()
    main, printer = doc["spec"]["templates"]
    main["steps"][0][0]["template"] = "nope"
    main["steps"][1][0]["arguments"]["parameters"][0]["value"] = "{{steps.later.outputs.result}}"
    main["steps"][1][1]["name"] = "Bad_Name"
    printer["container"]["args"].append("{{inputs.parameters.missing}}")
    printer["parallelism"] = 2
    report = lint_manifest(doc)
    where = {p.where: p.message for p in report}
    assert where == {
        "spec.templates[0].steps[0][0]": "templates.hello-hello-hello.steps[0].hello1 template name 'nope' undefined",
        "spec.templates[0].steps[1][0].arguments.parameters[0].value": "templates.hello-hello-hello.steps failed to resolve {{steps.later.outputs.result}}",
        "spec.templates[0].steps[1][1]": "templates.hello-hello-hello.steps[1].name 'Bad_Name' is invalid: name must "
        "consist of alpha-numeric characters or '-', and must start with an alpha-numeric character (e.g. "
        "My-name1-2, 123-NAME)",
        "spec.templates[1].container.args[1]": "templates.hello-hello-hello.steps[1].hello2a templates.print-message: failed to resolve "
        "{{inputs.parameters.missing}}",
        "spec.templates[1].parallelism": "templates.hello-hello-hello.steps[1].hello2a templates.print-message.parallelism is only valid for "
        "steps and dag templates",
    }
    assert str(report).splitlines()[0].startswith("spec.templates[0].steps[0][0]: ")


def test_workflow_lint_on_a_compiled_workflow() -> None:
    wf = WORKFLOWS["dag-when-retries"]()
    assert not wf.lint() and not wf.lint("3.7")
    manifest = wf.to_dict()
    manifest["spec"]["templates"][0]["dag"]["tasks"][1]["dependencies"] = ["b"]
    [problem] = lint_manifest(manifest)
    assert "dependency cycle" in problem.message or "graph with cycle" in problem.message


def _mutations(doc: Any, rng: random.Random) -> Any:
    """``doc`` with one node replaced by a value of another kind."""
    paths: list[tuple[Any, Any]] = []

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
        for key, value in items:
            paths.append((node, key))
            walk(value)

    walk(doc)
    holder, key = rng.choice(paths)
    holder[key] = rng.choice([None, 0, True, "x", "{{inputs.parameters.zz}}", [], {}, [1], {"a": 1}])
    return doc


def test_malformed_manifests_never_crash_the_lint() -> None:
    rng = random.Random(5)
    bases = [yaml.safe_load(p.read_text()) for p in sorted((DATA / "examples").glob("*.yaml"))]
    bases += [w().to_dict() for w in WORKFLOWS.values()]
    for _ in range(400):
        doc = _mutations(copy.deepcopy(rng.choice(bases)), rng)
        lint_manifest(doc)
        lint_manifest(doc, strict=False, version="3.7")


def test_cli_lints_files_with_their_workflow_templates(tmp_path: Path, capsys: Any) -> None:
    data = yaml.safe_load((DATA / "validate-cases.json").read_text())
    good = tmp_path / "good.yaml"
    good.write_text(
        data["templates"]["templateRefTarget"]
        + "---\n"
        + (DATA / "examples" / "dag-diamond.yaml").read_text()
    )
    bad = tmp_path / "bad.yaml"
    doc = _steps()
    doc["spec"]["entrypoint"] = "nope"
    bad.write_text(yaml.safe_dump(doc))
    assert cli(["lint", str(good)]) == 0
    assert cli(["lint", str(good), str(bad), str(tmp_path / "absent.yaml")]) == 2
    out = capsys.readouterr().out
    assert f"{bad} (Workflow steps-): spec.entrypoint: template name 'nope' undefined" in out
    assert "absent.yaml: cannot read" in out and "1 problem(s) found" in out


def test_python_m_dflow_jupyter_lint_exits_2_on_problems(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {name: x}\nspec: {templates: []}\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "dflow_jupyter", "lint", str(bad)], capture_output=True, text=True, cwd=REPO
    )
    assert done.returncode == 2 and "spec.entrypoint: spec.entrypoint is required" in done.stdout
