"""No secret reaches a manifest; manifests read back unchanged."""

from __future__ import annotations

import pytest

from dflow_jupyter import Workflow
from dflow_jupyter.argo.compile import CompileError
from dflow_jupyter.config import config, s3_config

from .workflows import WORKFLOWS

SECRETS = ("AKIA-access-key-8c1f", "s3cr3t-key-5d2e", "tok-bearer-7a9b")


@pytest.mark.parametrize("package", ["image", "artifact"])
def test_configured_secrets_appear_nowhere_in_any_manifest(package: str) -> None:
    s3_config["access_key"], s3_config["secret_key"] = SECRETS[0], SECRETS[1]
    s3_config["repo_key"] = "cluster-repo"
    config["token"] = SECRETS[2]
    config["argo_package"] = package
    for name, build in WORKFLOWS.items():
        wf = build()
        text = wf.to_yaml() + wf.to_json()
        assert not [s for s in SECRETS if s in text], name
        # Credentials come from the cluster's artifact repository (Kubernetes secret references).
        assert wf.to_dict()["spec"]["artifactRepositoryRef"] in ({"key": "cluster-repo"}, {"key": "my-repo"})


def test_the_package_as_an_artifact_is_an_input_of_every_python_op() -> None:
    config["argo_package"] = "artifact"
    config["argo_package_key"] = "pkgs/dflow_jupyter.tgz"
    templates = WORKFLOWS["python-chain"]().to_dict()["spec"]["templates"]
    plus = next(t for t in templates if t["name"] == "plus")
    [art] = plus["inputs"]["artifacts"]
    assert art == {
        "name": "dflow_jupyter_package",
        "path": "/tmp/inputs/artifacts/dflow_jupyter_package",
        "s3": {"key": "pkgs/dflow_jupyter.tgz"},
    }
    assert "sys.path.insert(0, '/tmp/inputs/artifacts/dflow_jupyter_package')" in plus["script"]["source"]


def test_a_manifest_reads_back_and_round_trips() -> None:
    wf = WORKFLOWS["recursion"]()
    manifest = wf.to_dict()
    back = Workflow.from_dict(manifest)
    assert back.to_dict() == manifest
    assert (back.name, back.entrypoint) == ("recursion", "recursion")
    assert list(back.templates) == ["recursion", "loop", "plus"]
    assert back.steps_of("loop")[1][0]["template"] == "loop"
    again = Workflow.from_yaml(wf.to_yaml())
    assert again.to_dict() == manifest and again.to_yaml() == wf.to_yaml()
    assert not again.lint()
    with pytest.raises(CompileError, match="expected an Argo Workflow manifest, got 'WorkflowTemplate'"):
        Workflow.from_dict({"kind": "WorkflowTemplate"})
